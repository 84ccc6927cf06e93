"""The Engine and Decision API on the agent-runtime example and a small tool policy."""

import datetime
import json
import pathlib

import pytest

import ward
from conftest import EXAMPLE, NOW, TOOLS_ENTITIES, TOOLS_POLICY


def test_decide_allow_with_typed_fields(example_engine):
    d = example_engine.decide(subject=("agent", "a17"), action="invoke",
                              resource=("tool", "calendar.read"),
                              on_behalf_of=[("user", "u3")], now=NOW)
    assert d.effect == "ALLOW"
    assert d.allowed
    assert d.reason == "permitted"
    assert d.denied_by is None
    assert d.rules == ["a17-scope", "agents-within-task-scope", "users-delegate-tools"]
    assert d.obligations.redact == [("sk-[A-Za-z0-9]{20,}", "[SECRET]")]
    assert d.obligations.limits == {}
    assert d.obligations.log == "summary"
    assert d.obligations.to_dict() == {
        "redact": [{"pattern": "sk-[A-Za-z0-9]{20,}", "replacement": "[SECRET]"}],
        "limits": {}, "log": "summary"}
    assert d.errors == []
    assert d.policy_hash == example_engine.policy_hash != 0


def test_decide_needs_approval_with_errors(example_engine):
    d = example_engine.decide(subject=("agent", "a42"), action="invoke",
                              resource=("tool", "payments.transfer"),
                              on_behalf_of=[("user", "u5")], now=NOW)
    assert d.effect == "NEEDS_APPROVAL"
    assert d.reason == "approval_required"
    assert d.denied_by == ("agent", "a42")
    assert d.rules == ["high-risk-needs-approval"]
    assert [(e.rule, e.principal) for e in d.errors] == [
        ("high-risk-needs-approval", ("agent", "a42")),
        ("high-risk-needs-approval", ("user", "u5"))]
    assert "approved" in d.errors[0].message
    assert "EvaluationError" in repr(d.errors[0])


def test_decide_with_context_allows(example_engine):
    d = example_engine.decide(subject=("agent", "a42"), action="invoke",
                              resource=("tool", "payments.transfer"),
                              context={"approved": True}, on_behalf_of=[("user", "u5")], now=NOW)
    assert d.effect == "ALLOW"
    assert d.rules == ["agents-within-task-scope", "users-delegate-tools"]


def test_decide_limits_and_log(example_engine):
    d = example_engine.decide(subject={"kind": "agent", "id": "a42"}, action="invoke",
                              resource={"type": "tool", "id": "email.send"},
                              on_behalf_of=[{"kind": "user", "id": "u5"}], now=NOW)
    assert d.effect == "ALLOW"
    assert d.obligations.limits == {"recipients": 10}
    assert d.obligations.log == "full"


def test_every_example_request_matches_the_cli_expectation(example_engine):
    requests = (EXAMPLE / "requests.jsonl").read_text().splitlines()
    expected = (EXAMPLE / "expected.jsonl").read_text().splitlines()
    assert len(requests) == len(expected) > 5
    for request, want in zip(requests, expected):
        got = example_engine.decide_json(request)
        assert json.loads(got) == {**json.loads(want), **{"policy": json.loads(got)["policy"]}}
        # The structured call decides the same request the same way.
        structured = example_engine.decide(**json.loads(request))
        assert structured.to_json() == got


def test_decide_json_is_the_cli_output(example_engine):
    text = (EXAMPLE / "request.json").read_text()
    out = example_engine.decide_json(text)
    assert out.startswith('{"effect":"ALLOW","reason":"permitted"')
    assert example_engine.decide_json(text.encode()) == out
    assert example_engine.decide(**json.loads(text)).to_json() == out


def test_explain_returns_decision_and_trace(example_engine):
    d, trace = example_engine.explain(subject=("agent", "a17"), action="invoke",
                                      resource=("tool", "search"), on_behalf_of=[("user", "u5")],
                                      now=NOW)
    assert d.effect == "DENY"
    assert d.rules == ["personal-agents-serve-their-owner"]
    assert "personal-agents-serve-their-owner" in trace
    assert "a17" in trace and "u5" in trace


def test_redact_applies_obligations(example_engine):
    d = example_engine.decide(subject=("agent", "a17"), action="invoke", resource=("tool", "search"),
                              now=NOW)
    secret = "sk-" + "A" * 24
    assert d.redact(f"key {secret} end") == "key [SECRET] end"
    assert d.redact(f"key {secret}".encode()) == b"key [SECRET]"
    assert d.redact("nothing here") == "nothing here"


def test_now_accepts_aware_datetimes(example_engine):
    args = dict(subject=("agent", "a20"), action="invoke", resource=("tool", "search"),
                on_behalf_of=[("user", "u3")])
    # a20 expires at 2026-11-30T00:00:00Z.
    before = datetime.datetime(2026, 11, 29, 23, 59, 59, tzinfo=datetime.timezone.utc)
    at = datetime.datetime(2026, 11, 30, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert example_engine.decide(**args, now=before).reason != "lifecycle"
    assert example_engine.decide(**args, now=at).reason == "lifecycle"
    assert example_engine.decide(**args, now="2026-11-29T12:00:00Z").reason != "lifecycle"


def test_inline_resource_attributes(tools_engine):
    d = tools_engine.decide(subject=("agent", "a1"), action="invoke",
                            resource={"type": "tool", "id": "search", "attrs": {"risk": "high"}},
                            context={"limit": 3}, now=NOW)
    assert d.effect == "ALLOW"


def test_context_values_of_every_shape(tools_engine):
    def decide(tool, **context):
        return tools_engine.decide(subject=("agent", "a1"), action="invoke", resource=("tool", tool),
                                   context=context, now=NOW)

    assert decide("search", limit=10).effect == "ALLOW"
    assert decide("search", limit=11).effect == "DENY"
    assert decide("search", limit=None).reason == "no_matching_permit"  # None is absent
    assert decide("tagged", tags=["blue", "red"]).effect == "ALLOW"
    assert decide("tagged", tags=("blue",)).effect == "DENY"
    # A float has no type in the language: reading it is an evaluation error.
    d = decide("search", limit=1.5)
    assert d.effect == "DENY" and [e.rule for e in d.errors] == ["search-limited"]
    d = decide("search", limit=2**70)
    assert d.effect == "DENY" and [e.rule for e in d.errors] == ["search-limited"]


def test_structured_and_json_requests_agree_on_opaque_values(tools_engine):
    for value in [1.5, {"a": 1}, [1, "x"], 2**64, [2**64], True, [], "s", [3, 1]]:
        request = {"subject": {"kind": "agent", "id": "a1"}, "action": "invoke",
                   "resource": {"type": "tool", "id": "search"}, "context": {"limit": value},
                   "now": NOW}
        assert (tools_engine.decide(**request).to_json() ==
                tools_engine.decide_json(json.dumps(request))), value


def test_entity_updates(tools_engine):
    args = dict(subject=("agent", "a3"), action="invoke", resource=("tool", "pay"),
                context={"approved": True}, now=NOW)
    assert tools_engine.decide(**args).reason == "unknown_identity"
    tools_engine.upsert_identity({"kind": "agent", "id": "a3", "owner": "u1", "status": "active"})
    assert tools_engine.decide(**args).effect == "ALLOW"
    tools_engine.revoke("a3")
    assert tools_engine.decide(**args).reason == "lifecycle"
    tools_engine.upsert_identity('{"kind": "agent", "id": "a3", "owner": "u1", "status": "active"}')
    assert tools_engine.decide(**args).effect == "ALLOW"
    tools_engine.remove_identity("a3")
    assert tools_engine.decide(**args).reason == "unknown_identity"

    tools_engine.upsert_resource({"type": "tool", "id": "search", "attrs": {"risk": "high"}})
    tools_engine.remove_resource("tool", "search")
    with pytest.raises(ward.NotFoundError):
        tools_engine.remove_resource("tool", "search")


def test_replace_entities(tools_engine):
    tools_engine.replace_entities(entities_json={"identities": [], "resources": []})
    d = tools_engine.decide(subject=("user", "u1"), action="invoke", resource=("tool", "x"), now=NOW)
    assert d.reason == "unknown_identity"
    tools_engine.replace_entities(entities_json=TOOLS_ENTITIES)
    d = tools_engine.decide(subject=("user", "u1"), action="invoke", resource=("tool", "x"), now=NOW)
    assert d.effect == "ALLOW"


def test_reload(tools_engine):
    args = dict(subject=("user", "u1"), action="invoke", resource=("tool", "delete"), now=NOW)
    assert tools_engine.decide(**args).reason == "forbidden"
    tools_engine.reload(sources=[("tools.ward", TOOLS_POLICY.replace('"delete"', '"drop"'))])
    assert tools_engine.decide(**args).effect == "ALLOW"
    # A failed reload keeps the current policy.
    with pytest.raises(ward.PolicyError):
        tools_engine.reload(sources=[("tools.ward", "permit nobody;")])
    assert tools_engine.decide(**args).effect == "ALLOW"
    with pytest.raises(TypeError, match="exactly one"):
        tools_engine.reload()


def test_from_files_with_path_objects():
    engine = ward.Engine.from_files([EXAMPLE / "schema.ward", EXAMPLE / "rules.ward"],
                                    entities=EXAMPLE / "entities.json")
    assert engine.decide(subject=("agent", "a31"), action="invoke", resource=("tool", "search"),
                         now=NOW).reason == "unowned"


def test_rules_without_id_are_named_by_source_and_line():
    engine = ward.Engine.from_sources(
        {"p.ward": "schema {\n  resource tool { }\n  action invoke on tool\n}\n"
                   "permit user to invoke on tool;\n"},
        entities_json={"identities": [{"kind": "user", "id": "u", "status": "active"}]})
    assert engine.decide(("user", "u"), "invoke", ("tool", "t"), now=NOW).rules == ["p.ward:5"]


def test_bundle_round_trip(tmp_path, example_engine):
    bundle = example_engine.to_bundle()
    assert isinstance(bundle, bytes) and bundle
    (tmp_path / "policy.bundle").write_bytes(bundle)
    entities = EXAMPLE / "entities.json"
    for engine in [ward.Engine.from_bundle(bundle, entities=entities),
                   ward.Engine.from_bundle(bytearray(bundle), entities_json=entities.read_text()),
                   ward.Engine.from_bundle(str(tmp_path / "policy.bundle"), entities=entities)]:
        assert engine.policy_hash == example_engine.policy_hash
        for line in (EXAMPLE / "requests.jsonl").read_text().splitlines():
            assert engine.decide_json(line) == example_engine.decide_json(line)
    example_engine.reload(bundle=bundle)


def test_warnings_are_reported():
    policy = ("schema {\n  user { a: int }\n  agent { b: int }\n  resource tool { }\n"
              "  action invoke on tool\n}\n"
              "permit any to invoke on tool when subject.a == 1;\n")
    engine = ward.Engine.from_sources([("w.ward", policy)])
    assert engine.warnings, "reading an attribute only some kinds have is a warning"
    assert all(w.severity == "warning" and w.source == "w.ward" and w.line == 7
               for w in engine.warnings)


def test_context_manager_closes():
    with ward.Engine.from_sources([("tools.ward", TOOLS_POLICY)]) as engine:
        assert not engine.closed
    assert engine.closed
    assert "closed" in repr(engine)


def test_decision_repr_and_json(tools_engine):
    d = tools_engine.decide(("user", "u0"), "invoke", ("tool", "x"), now=NOW)
    assert repr(d).startswith("Decision(effect='DENY', reason='no_matching_permit'")
    assert json.loads(d.to_json())["denied_by"] == {"kind": "user", "id": "u0"}


def test_package_is_typed():
    package = pathlib.Path(ward.__file__).parent
    for name in ["py.typed", "__init__.pyi", "_ward.pyi"]:
        assert (package / name).is_file(), name
