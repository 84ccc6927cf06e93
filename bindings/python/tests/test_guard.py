"""The ward.guard decorator around sync and async tool functions."""

import asyncio

import pytest

import ward
from conftest import NOW

SECRET = "sk-" + "Z" * 12


def test_sync_allow_redacts_output(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def search(query: str, limit: int = 5) -> str:
        return f"{query}: found {SECRET}"

    assert search("cats") == "cats: found [SECRET]"
    assert search.__name__ == "search"


def test_arguments_are_the_context_with_defaults(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def search(query, limit=20):
        return "ran"

    with pytest.raises(ward.Denied) as raised:
        search("cats")  # the default limit, 20, is above the policy's 10
    assert raised.value.decision.reason == "no_matching_permit"
    assert search("cats", limit=10) == "ran"
    assert search(query="cats", limit=3) == "ran"


def test_denied_carries_the_decision(tools_engine):
    calls = []

    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def delete(path):
        calls.append(path)

    with pytest.raises(ward.Denied) as raised:
        delete("/etc")
    assert calls == []
    assert isinstance(raised.value, ward.Error)
    assert raised.value.decision.effect == "DENY"
    assert raised.value.decision.rules == ["no-delete"]
    assert raised.value.decision.denied_by == ("agent", "a1")


def test_approval_required(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), [("user", "u1")], now=NOW)
    def pay(amount: int, approved: bool = False):
        return f"paid {amount}"

    with pytest.raises(ward.ApprovalRequired) as raised:
        pay(10)
    assert raised.value.decision.effect == "NEEDS_APPROVAL"
    assert raised.value.decision.rules == ["pay-needs-approval"]
    assert pay(10, approved=True) == "paid 10"


def test_values_without_a_type_are_passed_as_json_text(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def configure(options):
        return "configured"

    assert configure({"depth": 2}) == "configured"
    with pytest.raises(ward.Denied):
        configure({"depth": 3})
    assert ward.context_value(1.5) == "1.5"
    assert ward.context_value(["a", "b"]) == ["a", "b"]
    assert ward.context_value([1, "a"]) == '[1, "a"]'
    assert ward.context_value(object()).startswith("<object object")


def test_set_arguments(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def tagged(tags):
        return "ok"

    assert tagged(["red", "green"]) == "ok"
    with pytest.raises(ward.Denied):
        tagged(["green"])


def test_async_functions(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    async def search(query, limit=1):
        await asyncio.sleep(0)
        return f"{query} {SECRET}"

    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    async def delete(path):
        return "deleted"

    assert asyncio.iscoroutinefunction(search)
    assert asyncio.run(search("q")) == "q [SECRET]"
    with pytest.raises(ward.Denied):
        asyncio.run(delete("/"))


def test_per_call_subject(tools_engine):
    seen = []

    def principals(query, limit=1, *, user):
        seen.append(user)
        return ("user", user), []

    @ward.guard(tools_engine, principals, tool="lookup", now=NOW)
    def lookup(query, limit=1, *, user):
        return "looked up"

    assert lookup("x", user="u1") == "looked up"
    with pytest.raises(ward.Denied) as raised:
        lookup("x", user="u0")  # clearance 0
    assert raised.value.decision.denied_by == ("user", "u0")
    with pytest.raises(ward.Denied) as raised:
        lookup("x", user="ghost")
    assert raised.value.decision.reason == "unknown_identity"
    assert seen == ["u1", "u0", "ghost"]


def test_custom_action_and_tool_name(tools_engine):
    @ward.guard(tools_engine, ("user", "u0"), action="describe", tool="delete", now=NOW)
    def describe_delete():
        return "it deletes"

    assert describe_delete() == "it deletes"


def test_non_str_results_are_returned_as_they_are(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def search(limit=1):
        return {"text": SECRET}

    assert search() == {"text": SECRET}


def test_bad_guard_configuration(tools_engine):
    with pytest.raises(TypeError):
        ward.guard(tools_engine)
    with pytest.raises(TypeError):
        ward.guard(tools_engine, ("agent", "a1"), action=3)

    @ward.guard(tools_engine, lambda: "not a pair")
    def tool():
        return 1

    with pytest.raises(TypeError, match="subject callable"):
        tool()
