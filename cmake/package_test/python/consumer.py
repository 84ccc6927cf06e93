"""Decides one request through the installed Python package and checks the effect: exits 0
when `import ward` finds the package in the installed folder (the first argument), not a copy
elsewhere, and its extension works."""

import os
import sys

import ward

installed = os.path.realpath(sys.argv[1])
if not os.path.realpath(ward.__file__).startswith(installed + os.sep):
    sys.exit(f"imported {ward.__file__}, not the package installed in {installed}")

POLICY = """schema { user { clearance: int } resource doc {} action read on doc }
@id("cleared") permit user to read on doc when subject.clearance >= 2;
"""
ENTITIES = {"identities": [{"kind": "user", "id": "u1", "status": "active",
                            "attrs": {"clearance": 3}}]}
engine = ward.Engine.from_sources([("inline.ward", POLICY)], ENTITIES)
decision = engine.decide(subject=("user", "u1"), action="read", resource=("doc", "d1"),
                         now="2026-12-01T00:00:00Z")
print(f"{decision.effect} {decision.rules} (ward {ward.__version__})")
sys.exit(0 if decision.effect == "ALLOW" and decision.rules == ["cleared"] else 1)
