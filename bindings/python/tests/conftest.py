"""Shared fixtures: the repository's paths and a few small policy sets."""

import json
import pathlib

import pytest

import ward

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "agent-runtime"
NOW = "2026-12-01T00:00:00Z"

# A policy for the guard and the API tests: tools an agent calls with arguments as context.
TOOLS_POLICY = """\
schema {
  user { clearance: int }
  agent { team: string }
  resource tool { risk: string }
  action invoke, describe on tool
  context { approved: bool, query: string, limit: int, tags: set<string>, options: string }
}

@id("search-limited")
permit agent to invoke on tool "search" when context.limit <= 10
  with redact(/sk-[A-Za-z0-9]{8,}/, "[SECRET]"), limit(output_tokens, 500), log(summary);

@id("users-invoke")
permit user to invoke on tool when subject.clearance >= 1;

@id("pay-permit")
permit agent to invoke on tool "pay";

@id("pay-needs-approval")
require_approval any to invoke on tool "pay" unless context.approved;

@id("configure-depth-two")
permit agent to invoke on tool "configure" when context.options == "{\\"depth\\": 2}";

@id("tagged")
permit agent to invoke on tool "tagged" when "red" in context.tags;

@id("no-delete")
forbid any to invoke on tool "delete";

@id("describe-all")
permit any to describe on tool;
"""

TOOLS_ENTITIES = {
    "identities": [
        {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 1}},
        {"kind": "user", "id": "u0", "status": "active", "attrs": {"clearance": 0}},
        {"kind": "agent", "id": "a1", "owner": "u1", "status": "active", "attrs": {"team": "x"}},
        {"kind": "agent", "id": "a2", "owner": "u0", "status": "active", "attrs": {"team": "y"}},
    ],
    "resources": [{"type": "tool", "id": "search", "attrs": {"risk": "low"}}],
}


@pytest.fixture
def example_engine():
    with ward.Engine.from_files(
        [str(EXAMPLE / "schema.ward"), str(EXAMPLE / "rules.ward")],
        entities=str(EXAMPLE / "entities.json"),
    ) as engine:
        yield engine


@pytest.fixture
def tools_engine():
    with ward.Engine.from_sources(
        [("tools.ward", TOOLS_POLICY)], entities_json=json.dumps(TOOLS_ENTITIES)
    ) as engine:
        yield engine
