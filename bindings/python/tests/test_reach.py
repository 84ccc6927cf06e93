"""Engine.what_may: what an identity may do (docs/governance.md, "Blast radius")."""

import pytest

import ward

from conftest import NOW


def test_what_may_lists_accesses_with_their_condition(tools_engine):
    reach = tools_engine.what_may(("agent", "a1"), on_behalf_of=[("user", "u1")], now=NOW)
    assert reach["subject"] == {"kind": "agent", "id": "a1"}
    assert reach["on_behalf_of"] == [{"kind": "user", "id": "u1"}]
    assert reach["reached"] == 2  # invoke and describe on search
    [access] = [a for a in reach["accesses"] if a["action"] == "invoke"]
    assert access == {
        "action": "invoke",
        "resource": {"type": "tool", "id": "search"},
        "effect": "ALLOW",
        "condition": "args has limit and args.limit <= 10",
        "rules": ["search-limited", "users-invoke"],
        "weight": 1,
    }


def test_what_may_reports_the_guard_and_nothing_reached(tools_engine):
    # u0 (clearance 0) is not permitted: a2 reaches nothing on its behalf.
    accesses = tools_engine.what_may(("agent", "a2"), [("user", "u0")], now=NOW)["accesses"]
    assert [a["action"] for a in accesses] == ["describe"]
    ghost = tools_engine.what_may({"kind": "agent", "id": "ghost"}, now=NOW)
    assert ghost["stopped"] == {"reason": "unknown_identity",
                                "identity": {"kind": "agent", "id": "ghost"}}


def test_what_may_refuses_bad_input(tools_engine):
    with pytest.raises(ward.RequestError):
        tools_engine.what_may(("robot", "a1"))
    with pytest.raises(TypeError):
        tools_engine.what_may(("agent", "a1"), sensitivity=["tool"])
    with pytest.raises(ward.RequestError, match="not a declared int attribute"):
        tools_engine.what_may(("agent", "a1"), sensitivity={"tool": "risk"})
    with pytest.raises(ward.RequestError, match="context"):
        tools_engine.what_may(("agent", "a1"), context={"depth": "deep"})
