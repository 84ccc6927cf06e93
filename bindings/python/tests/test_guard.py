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


def test_arguments_are_the_args_with_defaults(tools_engine):
    seen = []

    @ward.guard(tools_engine, ("agent", "a1"), now=NOW,
                on_decision=lambda decision, args: seen.append((decision.effect, args)))
    def search(query, limit=20):
        return "ran"

    with pytest.raises(ward.DeniedError) as raised:
        search("cats")  # the default limit, 20, is above the policy's 10
    assert raised.value.decision.reason == "no_matching_permit"
    assert search("cats", limit=10) == "ran"
    assert search(query="cats", limit=3) == "ran"
    assert seen == [("DENY", {"query": "cats", "limit": 20}),
                    ("ALLOW", {"query": "cats", "limit": 10}),
                    ("ALLOW", {"query": "cats", "limit": 3})]


def test_var_positional_and_keyword_arguments(tools_engine):
    seen = []

    @ward.guard(tools_engine, ("agent", "a1"), tool="search", now=NOW,
                on_decision=lambda decision, args: seen.append(args))
    def search(query, *pages, limit=1, **options):
        return "ran"

    assert search("q", 1, 2, limit=3, deep={"a": [1, 2.5]}) == "ran"
    assert seen == [{"query": "q", "pages": [1, 2], "limit": 3, "deep": {"a": [1, 2.5]}}]


def test_arguments_without_a_json_form_are_refused(tools_engine):
    calls = []

    @ward.guard(tools_engine, ("agent", "a1"), tool="search", now=NOW)
    def search(query, limit=1):
        calls.append(query)

    for bad in [object(), {1: "x"}, {"a", "b"}, float("nan"), b"bytes"]:
        with pytest.raises(TypeError, match="args.query"):
            search(bad)
    with pytest.raises(TypeError):
        search()  # does not fit the signature: not decided, not run
    assert calls == []


def test_denied_carries_the_decision(tools_engine):
    calls = []

    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def delete(path):
        calls.append(path)

    with pytest.raises(ward.DeniedError) as raised:
        delete("/etc")
    assert calls == []
    assert isinstance(raised.value, ward.WardError)
    assert isinstance(raised.value, ward.Denied)  # the name before 0.2
    assert raised.value.decision.effect == "DENY"
    assert raised.value.decision.rules == ["no-delete"]
    assert raised.value.decision.denied_by == ("agent", "a1")


def test_approval_required_carries_the_digest(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), [("user", "u1")], now=NOW)
    def pay(amount: int):
        return f"paid {amount}"

    with pytest.raises(ward.ApprovalRequiredError) as raised:
        pay(10)
    error = raised.value
    assert isinstance(error, ward.ApprovalRequired)  # the name before 0.2
    assert error.decision.effect == "NEEDS_APPROVAL"
    assert error.decision.rules == ["pay-needs-approval"]
    assert error.digest == error.decision.approval_digest
    assert error.digest in str(error)
    assert error.digest == tools_engine.approval_digest(
        ("agent", "a1"), "invoke", ("tool", "pay"), on_behalf_of=[("user", "u1")],
        args={"amount": 10})


def test_set_arguments(tools_engine):
    @ward.guard(tools_engine, ("agent", "a1"), now=NOW)
    def tagged(tags):
        return "ok"

    assert tagged(["red", "green"]) == "ok"
    with pytest.raises(ward.DeniedError):
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
    with pytest.raises(ward.DeniedError):
        asyncio.run(delete("/"))


def test_async_callables_for_subject_and_context(tools_engine):
    async def principals(**_):
        return ("agent", "a1"), []

    async def context(**_):
        return {"session": "s-1"}

    @ward.guard(tools_engine, principals, context=context, now=NOW)
    async def secure(note=""):
        return "ran"

    assert asyncio.run(secure(note="x")) == "ran"


def test_per_call_subject(tools_engine):
    seen = []

    def principals(query, limit=1, *, user):
        seen.append(user)
        return ("user", user), []

    @ward.guard(tools_engine, principals, tool="lookup", now=NOW)
    def lookup(query, limit=1, *, user):
        return "looked up"

    assert lookup("x", user="u1") == "looked up"
    with pytest.raises(ward.DeniedError) as raised:
        lookup("x", user="u0")  # clearance 0
    assert raised.value.decision.denied_by == ("user", "u0")
    with pytest.raises(ward.DeniedError) as raised:
        lookup("x", user="ghost")
    assert raised.value.decision.reason == "unknown_identity"
    assert seen == ["u1", "u0", "ghost"]


def test_custom_action_and_tool_name(tools_engine):
    @ward.guard(tools_engine, ("user", "u0"), action="describe", tool="delete", now=NOW)
    def describe_delete():
        return "it deletes"

    assert describe_delete() == "it deletes"


def test_results_pass_untouched_without_redactions(tools_engine):
    marker = object()

    @ward.guard(tools_engine, ("user", "u1"), tool="anything", now=NOW)
    def tool():
        return marker

    assert tool() is marker


def test_bad_guard_configuration(tools_engine):
    with pytest.raises(TypeError):
        ward.guard(tools_engine)
    with pytest.raises(TypeError):
        ward.guard(tools_engine, ("agent", "a1"), action=3)
    with pytest.raises(TypeError, match="context"):
        ward.guard(tools_engine, ("agent", "a1"), context=["session"])

    @ward.guard(tools_engine, lambda: "not a pair")
    def tool():
        return 1

    with pytest.raises(TypeError, match="subject callable"):
        tool()

    @ward.guard(tools_engine, ("agent", "a1"), context=lambda: "not a dict")
    def other():
        return 1

    with pytest.raises(TypeError, match="context callable"):
        other()
    with pytest.raises(TypeError, match="grant token"):
        other.with_approval(None)
    with pytest.raises(TypeError, match="grant token"):
        other.with_approval("")
