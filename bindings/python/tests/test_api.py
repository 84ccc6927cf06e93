"""The Engine and Decision API on the agent-runtime example and a small tool policy."""

import datetime
import json
import pathlib

import pytest

import ward
from conftest import BENCH_REQUEST, EXAMPLE, NOW, TOOLS_ENTITIES, TOOLS_POLICY


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


def test_decide_needs_approval_with_a_digest(example_engine):
    request = dict(subject=("agent", "a42"), action="invoke", resource=("tool", "payments.transfer"),
                   on_behalf_of=[("user", "u5")], now=NOW)
    d = example_engine.decide(**request, args={"amount": 2500, "currency": "EUR"})
    assert d.effect == "NEEDS_APPROVAL"
    assert d.reason == "approval_required"
    assert d.denied_by == ("agent", "a42")
    assert d.rules == ["high-risk-needs-approval"]
    assert d.errors == []
    assert d.obligations is None
    assert d.approved_by is None
    assert len(d.approval_digest) == 64 and int(d.approval_digest, 16) >= 0
    assert d.approval_digest == example_engine.approval_digest(
        **request, args={"currency": "EUR", "amount": 2500})
    assert json.loads(d.to_json())["approval"] == {"digest": d.approval_digest}
    assert "approval_digest=" in repr(d)
    # Without an amount the cap forbids the transfer: args are what rules read.
    d = example_engine.decide(**request)
    assert (d.effect, d.rules, d.approval_digest) == ("DENY", ["transfer-cap"], None)


def test_a_grant_allows_the_request_once(keys):
    private, public = keys
    engine = ward.Engine.from_files([EXAMPLE / "schema.ward", EXAMPLE / "rules.ward"],
                                    entities=EXAMPLE / "entities.json", approval_keys=[public])
    request = dict(subject=("agent", "a42"), action="invoke", resource=("tool", "payments.transfer"),
                   on_behalf_of=[("user", "u5")], args={"amount": 2500, "currency": "EUR"})
    waiting = engine.decide(**request)
    assert waiting.effect == "NEEDS_APPROVAL"
    token = engine.approve(waiting.approval_digest, "u8", private)  # u8: a risk officer
    assert engine.used_grant_count == 0
    d = engine.decide(**request, approval=token)
    assert (d.effect, d.approved_by) == ("ALLOW", ("user", "u8"))
    assert json.loads(d.to_json())["approved_by"] == {"kind": "user", "id": "u8"}
    assert engine.used_grant_count == 1
    again = engine.decide(**request, approval=token)
    assert again.effect == "NEEDS_APPROVAL"
    assert again.errors[0].rule == "" and "already used" in again.errors[0].message
    # u3 is no risk officer: a grant naming u3 is refused.
    d = engine.decide(**request, approval=engine.approve(waiting.approval_digest, "u3", private))
    assert d.effect == "NEEDS_APPROVAL" and "u3" in d.errors[0].message


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
        got = json.loads(example_engine.decide_json(request))
        want = json.loads(want)
        # The digest covers the policy hash, which depends on the source names (paths) given.
        if "approval" in want and "approval" in got:
            assert got["approval"]["digest"] == example_engine.approval_digest_json(request)
            want["approval"] = got["approval"]
        assert got == {**want, "policy": got["policy"]}
        # The structured call decides the same request the same way.
        structured = example_engine.decide(**json.loads(request))
        assert json.loads(structured.to_json()) == got


def test_decide_json_is_the_cli_output(example_engine):
    text = BENCH_REQUEST.read_text()
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


def test_explain_has_a_structured_trace(example_engine):
    explanation = example_engine.explain(subject=("agent", "a17"), action="invoke",
                                         resource=("tool", "search"),
                                         on_behalf_of=[("user", "u5")], now=NOW)
    assert isinstance(explanation, ward.Explanation)
    assert explanation.decision.effect == "DENY"
    assert explanation[0] is explanation.decision and explanation[1] == explanation.text
    roles = [p.role for p in explanation.principals]
    assert roles == ["subject", "on_behalf_of[0]"]
    subject = explanation.principals[0]
    assert isinstance(subject, ward.TracePrincipal)
    assert subject.identity == ("agent", "a17")
    assert subject.guard is None
    assert (subject.effect, subject.reason) == ("DENY", "forbidden")
    assert subject.path and all(isinstance(key, str) for key in subject.path)
    rule = next(c for c in subject.candidates if c.rule == "personal-agents-serve-their-owner")
    assert isinstance(rule, ward.TraceRule)
    assert (rule.effect, rule.outcome) == ("forbid", "holds")
    assert rule.when == "true" and rule.unless == "false"
    assert rule.when_condition == "delegator has id"
    assert rule.source.endswith("rules.ward:23")
    # A principal the guard stops has its reason.
    lapsed = example_engine.explain(("agent", "a20"), "invoke", ("tool", "search"), now=NOW)
    assert lapsed.principals[0].guard == "lifecycle"
    # JSON requests are explained too.
    from_json = example_engine.explain_json(BENCH_REQUEST.read_text())
    assert from_json.decision.effect == "ALLOW"


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
    # A resource in the store takes its attributes from the store only.
    d = tools_engine.decide(subject=("agent", "a1"), action="invoke",
                            resource={"type": "tool", "id": "search", "attrs": {"risk": "high"}},
                            args={"limit": 3}, now=NOW)
    assert (d.effect, d.reason, d.rules) == ("DENY", "invalid_request", [])
    assert [e.rule for e in d.errors] == [""]
    d = tools_engine.decide(subject=("agent", "a1"), action="invoke",
                            resource={"type": "tool", "id": "report", "attrs": {"risk": "high"}},
                            now=NOW)
    assert d.effect == "ALLOW"


def test_args_values_of_every_shape(tools_engine):
    def decide(tool, **args):
        return tools_engine.decide(subject=("agent", "a1"), action="invoke", resource=("tool", tool),
                                   args=args, now=NOW)

    assert decide("search", limit=10).effect == "ALLOW"
    assert decide("search", limit=11).effect == "DENY"
    assert decide("search", limit=None).reason == "no_matching_permit"  # None is absent
    assert decide("tagged", tags=["blue", "red"]).effect == "ALLOW"
    assert decide("tagged", tags=("blue",)).effect == "DENY"
    # A declared entry of the wrong type: the engine refuses the request.
    for wrong in [1.5, "10", [1], {"a": 1}]:
        d = decide("search", limit=wrong)
        assert (d.effect, d.reason) == ("DENY", "invalid_request"), wrong
        assert "limit" in d.errors[0].message
    # Undeclared entries are ignored by the rules (but are part of the digest).
    assert decide("search", limit=1, note={"deep": [1, 2.5, None]}).effect == "ALLOW"


def test_context_values_are_the_hosts(tools_engine):
    def decide(**context):
        return tools_engine.decide(subject=("agent", "a1"), action="invoke", resource=("tool", "ctx"),
                                   context=context, now=NOW)

    assert decide(depth=3).effect == "ALLOW"
    assert decide(depth=11).rules == ["context-depth"]
    assert decide(depth=None).effect == "ALLOW"  # None is absent
    assert decide(depth="3").reason == "invalid_request"
    assert decide(unrelated=1.5).effect == "ALLOW"  # undeclared: ignored


def test_structured_and_json_requests_agree_on_every_value(tools_engine):
    for value in [1.5, {"a": 1}, [1, "x"], 2**64, [2**64], True, [], "s", [3, 1], None]:
        for root in ["context", "args"]:
            request = {"subject": {"kind": "agent", "id": "a1"}, "action": "invoke",
                       "resource": {"type": "tool", "id": "search"}, root: {"limit": value},
                       "now": NOW}
            assert (tools_engine.decide(**request).to_json() ==
                    tools_engine.decide_json(json.dumps(request))), (root, value)


def test_entity_updates(tools_engine):
    args = dict(subject=("agent", "a3"), action="invoke", resource=("tool", "report"), now=NOW)
    assert tools_engine.decide(**args).reason == "unknown_identity"
    # Every agent must have its required `team`: an update without it is refused.
    with pytest.raises(ward.EntityError, match="team"):
        tools_engine.upsert_identity({"kind": "agent", "id": "a3", "owner": "u1", "status": "active"})
    assert tools_engine.decide(**args).reason == "unknown_identity"
    tools_engine.upsert_identity({"kind": "agent", "id": "a3", "owner": "u1", "status": "active",
                                  "attrs": {"team": "x"}})
    assert tools_engine.decide(**args).effect == "ALLOW"
    tools_engine.revoke("a3")
    assert tools_engine.decide(**args).reason == "lifecycle"
    tools_engine.upsert_identity('{"kind": "agent", "id": "a3", "owner": "u1", "status": "active",'
                                 ' "attrs": {"team": "x"}}')
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


def test_signed_bundles(tmp_path, example_engine, keys):
    private, public = keys
    other_private, other_public = ward.generate_signing_key()
    assert ward.public_key_of(private) == public
    signed = example_engine.to_bundle(key=private)
    unsigned = example_engine.to_bundle()
    entities = EXAMPLE / "entities.json"
    engine = ward.Engine.from_bundle(signed, entities=entities, trusted_keys=[public])
    assert engine.policy_hash == example_engine.policy_hash
    for bad in [unsigned, example_engine.to_bundle(key=other_private)]:
        with pytest.raises(ward.BundleError, match="invalid bundle") as raised:
            ward.Engine.from_bundle(bad, entities=entities, trusted_keys=[public])
        assert isinstance(raised.value, ward.PolicyError)
    # Without trusted keys any bundle that verifies loads, signed or not.
    ward.Engine.from_bundle(unsigned, entities=entities)
    # The engine's trusted keys hold for the bundles it reloads, too.
    with pytest.raises(ward.BundleError):
        engine.reload(bundle=unsigned)
    engine.reload(bundle=signed)
    with pytest.raises(ward.SigningKeyError, match="trusted_keys"):
        ward.Engine.from_bundle(signed, trusted_keys=[private])
    with pytest.raises(ward.SigningKeyError, match="key"):
        example_engine.to_bundle(key=public)


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


def test_unguarded_reads_are_errors_and_guarded_ones_compile_without_warnings():
    schema = ("schema {\n  user { a: int }\n  agent { b: int }\n  resource tool { }\n"
              "  action invoke on tool\n}\n")
    # Reading an attribute only some kinds have, without a `has` guard: once a warning, now a
    # compile error at the read.
    with pytest.raises(ward.PolicyError) as raised:
        ward.Engine.from_sources(
            [("w.ward", schema + "permit any to invoke on tool when subject.a == 1;\n")])
    assert [(i.severity, i.source, i.line, i.column) for i in raised.value.issues] == [
        ("error", "w.ward", 7, 35)]
    assert "subject has a" in raised.value.issues[0].message
    engine = ward.Engine.from_sources(
        [("w.ward", schema + "permit any to invoke on tool when subject has a and subject.a == 1;\n")])
    assert engine.warnings == []


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
