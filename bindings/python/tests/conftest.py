"""Shared fixtures: the repository's paths, signing keys and a few small policy sets."""

import json
import pathlib

import pytest

import ward

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "agent-runtime"
# The allowed request the overhead benchmarks decide (on the agent-runtime example).
BENCH_REQUEST = ROOT / "bench" / "bindings" / "request.json"
NOW = "2026-12-01T00:00:00Z"

# A policy for the guard and the API tests. A tool call's arguments are `args` (what the
# model wrote); `context` is what the host asserts. Users with clearance 5 approve.
TOOLS_POLICY = """\
schema {
  user { clearance: int }
  agent { team: string }
  resource tool { risk: string }
  action invoke, describe, approve on tool
  context { session: string, approved: bool, depth: int }
  args { query: string, limit: int, tags: set<string>, amount: int, approved: bool,
         session: string }
}

@id("search-limited")
permit agent to invoke on tool "search" when args has limit and args.limit <= 10
  with redact(/sk-[A-Za-z0-9]{8,}/, "[SECRET]"), limit(output_tokens, 500), log(summary);

@id("users-invoke")
permit user to invoke on tool when subject.clearance >= 1;

@id("pay-permit")
permit agent to invoke on tool in ["pay", "legacy_pay", "report", "stream", "secure",
                                   "secure_pay", "ctx"];

@id("pay-needs-approval")
require_approval any to invoke on tool in ["pay", "secure_pay"];

// The pattern of earlier versions, which a tool's own `approved` argument must never satisfy.
@id("legacy-exemption")
require_approval any to invoke on tool "legacy_pay" unless context has approved and context.approved;

@id("leads-approve")
permit user to approve on tool when subject.clearance >= 5;

@id("session-bound")
forbid any to invoke on tool in ["secure", "secure_pay"]
  unless context has session and context.session == "s-1";

@id("no-session-in-args")
forbid any to invoke on tool in ["secure", "secure_pay"] when args has session;

@id("context-depth")
forbid any to invoke on tool "ctx" when context has depth and context.depth > 10;

@id("reports-are-redacted")
permit agent to invoke on tool in ["report", "stream"]
  with redact(/\\b\\d{3}-\\d{2}-\\d{4}\\b/, "[SSN]"), redact(/sk-[A-Za-z0-9]{6}/, "[KEY]"),
       redact(/\\b\\d{16}\\b/, "[CARD]");

@id("tagged")
permit agent to invoke on tool "tagged" when args has tags and "red" in args.tags;

@id("no-delete")
forbid any to invoke on tool "delete";

@id("describe-all")
permit any to describe on tool;
"""

TOOLS_ENTITIES = {
    "identities": [
        {"kind": "user", "id": "u1", "status": "active", "attrs": {"clearance": 1}},
        {"kind": "user", "id": "u0", "status": "active", "attrs": {"clearance": 0}},
        {"kind": "user", "id": "lead", "status": "active", "attrs": {"clearance": 5}},
        {"kind": "agent", "id": "a1", "owner": "u1", "status": "active", "attrs": {"team": "x"}},
        {"kind": "agent", "id": "a2", "owner": "u0", "status": "active", "attrs": {"team": "y"}},
    ],
    "resources": [{"type": "tool", "id": "search", "attrs": {"risk": "low"}}],
}


@pytest.fixture(scope="session")
def keys():
    """The approval service's key pair: (private_pem, public_pem)."""
    return ward.generate_signing_key()


@pytest.fixture
def example_engine():
    with ward.Engine.from_files(
        [str(EXAMPLE / "schema.ward"), str(EXAMPLE / "rules.ward")],
        entities=str(EXAMPLE / "entities.json"),
    ) as engine:
        yield engine


@pytest.fixture
def tools_engine(keys):
    with ward.Engine.from_sources(
        [("tools.ward", TOOLS_POLICY)], entities_json=json.dumps(TOOLS_ENTITIES),
        approval_keys=[keys[1]],
    ) as engine:
        yield engine
