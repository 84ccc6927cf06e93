"""Bad input of every kind gets a clear Python exception, never a crash."""

import datetime
import json

import pytest

import ward
from conftest import BENCH_REQUEST, EXAMPLE, NOW, TOOLS_POLICY

MB = 1 << 20


def decide(engine, **overrides):
    args = dict(subject=("agent", "a17"), action="invoke", resource=("tool", "search"), now=NOW)
    args.update(overrides)
    return engine.decide(**args)


@pytest.mark.parametrize("text, message", [
    ("{", "JSON"),
    ("", "JSON"),
    ("[]", "must be a JSON object"),
    ('{"subject": 1, "action": "invoke", "resource": {"type": "t", "id": "x"}}', "subject"),
    ('{"subject": {"kind": "robot", "id": "r"}, "action": "a", "resource": {"type": "t", "id": "x"}}',
     "unknown subject kind"),
    ('{"subject": {"kind": "user", "id": "u"}, "action": "a", "resource": {"type": "t", "id": "x"},'
     ' "extra": 1}', "unknown top-level field"),
    ('{"subject": {"kind": "user", "id": "u"}, "action": "a", "resource": {"type": "t", "id": "x"},'
     ' "now": "tomorrow"}', "now"),
    ('{"action": "a", "resource": {"type": "t", "id": "x"}}', "subject"),
    ("\xff\xfe", "JSON"),
])
def test_malformed_json_requests(example_engine, text, message):
    with pytest.raises(ward.RequestError, match=message) as raised:
        example_engine.decide_json(text)
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, ward.Error)


def test_decide_json_argument_type(example_engine):
    with pytest.raises(TypeError, match="request"):
        example_engine.decide_json({"subject": "x"})
    with pytest.raises(TypeError, match="request"):
        example_engine.decide_json(None)


@pytest.mark.parametrize("overrides, error, message", [
    (dict(subject=5), TypeError, "subject"),
    (dict(subject=("agent",)), TypeError, "subject"),
    (dict(subject=("agent", 17)), TypeError, "subject.id"),
    (dict(subject=("robot", "r1")), ward.RequestError, "unknown subject kind"),
    (dict(subject=("agent", "")), ward.RequestError, "subject.id"),
    (dict(subject={"kind": "agent"}), ward.RequestError, "subject.id"),
    (dict(subject={"kind": "agent", "id": "a17", "x": 1}), ward.RequestError, "unknown field"),
    (dict(action=3), TypeError, "action"),
    (dict(action=""), ward.RequestError, "action"),
    (dict(resource="tool:search"), TypeError, "resource"),
    (dict(resource={"type": "tool"}), ward.RequestError, "resource.id"),
    (dict(resource={"type": "tool", "id": "s", "attrs": 3}), TypeError, "resource.attrs"),
    (dict(context=[1, 2]), TypeError, "context"),
    (dict(context={1: True}), TypeError, "keys of `context`"),
    (dict(context={"x": object()}), TypeError, "context.x"),
    (dict(context={"x": float("nan")}), TypeError, "context.x"),
    (dict(on_behalf_of=("user", "u3")), TypeError, "on_behalf_of"),
    (dict(on_behalf_of="u3"), TypeError, "on_behalf_of"),
    (dict(on_behalf_of=[("user", "u3")] * 9), ward.RequestError, "at most 8"),
    (dict(on_behalf_of=[5]), TypeError, r"on_behalf_of\[0\]"),
    (dict(now=5), TypeError, "now"),
    (dict(now="yesterday"), ward.RequestError, "now"),
    (dict(now=datetime.datetime(2026, 12, 1)), ward.RequestError, "naive"),
    (dict(args=[1, 2]), TypeError, "`args` must be a dict"),
    (dict(args="{}"), TypeError, "`args` must be a dict"),
    (dict(args={1: True}), TypeError, "keys of `args`"),
    (dict(args={"x": {True: 1}}), TypeError, "keys of `args.x`"),
    (dict(args={"x": object()}), TypeError, r"`args.x` has no JSON form \(an object\)"),
    (dict(args={"x": [1, {"y": {1, 2}}]}), TypeError, r"`args.x\[1\].y` has no JSON form"),
    (dict(args={"x": b"bytes"}), TypeError, "args.x"),
    (dict(args={"x": datetime.datetime(2026, 12, 1)}), TypeError, "args.x"),
    (dict(args={"x": float("nan")}), TypeError, "args.x"),
    (dict(args={"x": float("inf")}), TypeError, "args.x"),
    (dict(args={"x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}),
     ward.RequestError, "nested"),
    (dict(approval=5), TypeError, "approval"),
    (dict(approval="x" * 20000), ward.RequestError, "approval"),
])
def test_wrong_request_arguments(example_engine, overrides, error, message):
    with pytest.raises(error, match=message):
        decide(example_engine, **overrides)


def test_args_that_contain_themselves(example_engine):
    cyclic = {"a": []}
    cyclic["a"].append(cyclic)
    with pytest.raises(ward.RequestError, match="nested"):
        decide(example_engine, args=cyclic)


def test_bad_keys_and_grants(example_engine, keys):
    private, public = keys
    schema = [EXAMPLE / "schema.ward", EXAMPLE / "rules.ward"]
    with pytest.raises(TypeError, match="approval_keys"):
        ward.Engine.from_files(schema, approval_keys=public)  # a str, not a list
    with pytest.raises(ward.SigningKeyError, match=r"approval_keys\[1\]") as raised:
        ward.Engine.from_files(schema, approval_keys=[public, "not a key"])
    assert isinstance(raised.value, ValueError)
    with pytest.raises(ward.SigningKeyError, match=r"approval_keys\[0\]"):
        ward.Engine.from_files(schema, approval_keys=[private])  # the private half
    with pytest.raises(TypeError, match=r"approval_keys\[0\]"):
        ward.Engine.from_files(schema, approval_keys=[42])
    with pytest.raises(ward.SigningKeyError, match=r"trusted_keys\[0\]"):
        ward.Engine.from_sources([("t.ward", TOOLS_POLICY)], trusted_keys=["junk"])
    with pytest.raises(ValueError, match="max_used_grants"):
        ward.Engine.from_sources([("t.ward", TOOLS_POLICY)], max_used_grants=0)
    digest = "ab" * 32
    with pytest.raises(ward.SigningKeyError, match="key"):
        example_engine.approve(digest, "u8", public)
    with pytest.raises(ValueError):
        example_engine.approve("not a digest", "u8", private)
    with pytest.raises(ValueError, match="ttl"):
        example_engine.approve(digest, "u8", private, ttl=0)
    with pytest.raises(TypeError, match="ttl"):
        example_engine.approve(digest, "u8", private, ttl="15m")
    with pytest.raises(TypeError, match="approver"):
        example_engine.approve(digest, ("user", "u8"), private)
    with pytest.raises(ValueError, match="naive"):
        example_engine.approve(digest, "u8", private, issued_at=datetime.datetime(2026, 12, 1))
    with pytest.raises(ValueError, match="jti"):
        example_engine.approve(digest, "u8", private, jti="x" * 129)
    with pytest.raises(ward.SigningKeyError):
        ward.public_key_of(public)
    # A token that is not one is refused by the engine, with an error entry, not an exception.
    d = decide(example_engine, approval="not.a.token")
    assert d.effect == "ALLOW" or d.errors[0].rule == ""
    d = decide(example_engine, approval="not.a.token", subject=("agent", "a42"),
               resource=("tool", "payments.transfer"), on_behalf_of=[("user", "u5")],
               args={"amount": 10})
    assert d.effect == "NEEDS_APPROVAL" and d.errors[0].rule == ""


def test_missing_arguments(example_engine):
    with pytest.raises(TypeError):
        example_engine.decide(subject=("agent", "a17"))
    with pytest.raises(ward.RequestError, match="subject"):
        example_engine.decide(subject=None, action="invoke", resource=("tool", "search"))


def test_unknown_identities_are_decided_not_raised(example_engine):
    d = decide(example_engine, subject=("agent", "nobody"))
    assert (d.effect, d.reason, d.denied_by) == ("DENY", "unknown_identity", ("agent", "nobody"))
    d = decide(example_engine, subject=("user", "a17"))  # the id exists under another kind
    assert d.reason == "unknown_identity"
    d = decide(example_engine, on_behalf_of=[("user", "ghost")])
    assert d.denied_by == ("user", "ghost")
    d = decide(example_engine, action="fly", resource=("plane", "p1"))
    assert d.reason == "no_matching_permit"


def test_entity_updates_with_bad_input(example_engine):
    with pytest.raises(ward.NotFoundError):
        example_engine.revoke("ghost")
    with pytest.raises(ward.NotFoundError):
        example_engine.remove_identity("ghost")
    with pytest.raises(ward.NotFoundError):
        example_engine.remove_resource("tool", "ghost")
    with pytest.raises(ward.EntityError):
        example_engine.upsert_identity({"kind": "agent", "id": "a9", "status": "sleepy"})
    with pytest.raises(ward.EntityError):
        example_engine.upsert_identity("{not json")
    with pytest.raises(ward.EntityError):
        example_engine.upsert_resource({"type": "spaceship", "id": "s"})
    with pytest.raises(TypeError, match="identity"):
        example_engine.upsert_identity(42)
    with pytest.raises(TypeError):
        example_engine.revoke(42)


def test_bad_entities_at_load():
    with pytest.raises(ward.EntityError, match="entities_json"):
        ward.Engine.from_sources([("t.ward", TOOLS_POLICY)], entities_json="{")
    with pytest.raises(ward.EntityError):
        ward.Engine.from_sources([("t.ward", TOOLS_POLICY)],
                                 entities_json={"identities": [{"kind": "user"}]})
    with pytest.raises(TypeError, match="entities_json"):
        ward.Engine.from_sources([("t.ward", TOOLS_POLICY)], entities_json=3)
    with pytest.raises(FileNotFoundError, match="missing.json"):
        ward.Engine.from_files([str(EXAMPLE / "schema.ward")], entities="missing.json")
    with pytest.raises(ValueError, match="not both"):
        ward.Engine.from_files([str(EXAMPLE / "schema.ward")], entities="e.json",
                               entities_json="{}")


def test_huge_strings(example_engine, tools_engine):
    huge = "x" * (5 * MB)
    # In the structured form a huge value is just a value.
    d = decide(example_engine, context={"note": huge})
    assert d.effect == "ALLOW"
    assert decide(example_engine, subject=("agent", huge)).reason == "unknown_identity"
    assert decide(example_engine, resource=("tool", huge)).effect == "DENY"
    # A JSON request is capped at 1 MiB, as for the CLI.
    request = {"subject": {"kind": "agent", "id": "a17"}, "action": "invoke",
               "resource": {"type": "tool", "id": "search"}, "context": {"note": huge}}
    with pytest.raises(ward.RequestError, match="limit"):
        example_engine.decide_json(json.dumps(request))
    # Redaction over several megabytes.
    d = tools_engine.decide(("agent", "a1"), "invoke", ("tool", "search"), args={"limit": 1},
                            now=NOW)
    text = ("ab sk-ABCDEFGH12 " * (300_000))
    redacted = d.redact(text)
    assert redacted == "ab [SECRET] " * 300_000
    with pytest.raises(ward.PolicyError):
        ward.Engine.from_sources([("huge.ward", "permit " + huge)])


def test_invalid_policies_have_structured_issues():
    source = ("schema {\n  user { clearance: int }\n  resource tool { }\n"
              "  action invoke on tool\n}\n"
              "permit user to invoke on tool when subject.clearence >= 1;\n")
    with pytest.raises(ward.PolicyError) as raised:
        ward.Engine.from_sources([("bad.ward", source)])
    errors = raised.value.errors
    assert len(errors) == 1
    issue = errors[0]
    assert (issue.severity, issue.source, issue.line) == ("error", "bad.ward", 6)
    assert issue.column == source.splitlines()[5].index("clearence") + 1
    assert "clearence" in issue.message and "clearance" in issue.message
    assert "bad.ward:6:" in str(raised.value)
    assert str(issue).startswith("bad.ward:6:")

    with pytest.raises(ward.PolicyError) as raised:
        ward.Engine.from_sources([("a.ward", "permit user to"), ("b.ward", "forbid ;")])
    assert {i.source for i in raised.value.errors} == {"a.ward", "b.ward"}
    with pytest.raises(ward.PolicyError, match="no policy"):
        ward.Engine.from_sources([])


def test_wrong_source_types():
    with pytest.raises(TypeError, match="sources"):
        ward.Engine.from_sources("permit user to invoke on tool;")
    with pytest.raises(TypeError, match="pair"):
        ward.Engine.from_sources(["permit user to invoke on tool;"])
    with pytest.raises(TypeError, match="source name"):
        ward.Engine.from_sources([(1, "text")])
    with pytest.raises(TypeError, match="source text"):
        ward.Engine.from_sources([("a.ward", 1)])
    with pytest.raises(TypeError, match="paths"):
        ward.Engine.from_files(42)
    with pytest.raises(TypeError, match="paths"):
        ward.Engine.from_files([42])
    with pytest.raises(FileNotFoundError, match="nowhere.ward"):
        ward.Engine.from_files(["nowhere.ward"])


def test_corrupted_bundles(example_engine):
    bundle = example_engine.to_bundle()
    corrupted = bytearray(bundle)
    corrupted[len(corrupted) // 2] ^= 0xFF
    for bad in [b"", b"not a bundle", bundle[: len(bundle) // 2], bytes(corrupted),
                bundle + b"\x00"]:
        with pytest.raises(ward.PolicyError, match="invalid bundle"):
            ward.Engine.from_bundle(bad)
    with pytest.raises(ward.PolicyError):
        example_engine.reload(bundle=b"junk")
    with pytest.raises(TypeError, match="bundle"):
        ward.Engine.from_bundle(12)
    with pytest.raises(FileNotFoundError):
        ward.Engine.from_bundle("no-such.bundle")


def test_calls_on_a_closed_engine(example_engine):
    before = decide(example_engine)
    example_engine.close()
    example_engine.close()  # closing twice is fine
    assert example_engine.closed
    calls = [
        lambda: decide(example_engine),
        lambda: example_engine.decide_json((EXAMPLE / "request.json").read_text()),
        lambda: example_engine.explain(("agent", "a17"), "invoke", ("tool", "search")),
        lambda: example_engine.explain_json(BENCH_REQUEST.read_text()),
        lambda: example_engine.approval_digest(("agent", "a17"), "invoke", ("tool", "search")),
        lambda: example_engine.approval_digest_json(BENCH_REQUEST.read_text()),
        lambda: example_engine.approve("ab" * 32, "u8", ward.generate_signing_key()[0]),
        lambda: example_engine.used_grant_count,
        lambda: example_engine.upsert_identity({"kind": "user", "id": "u", "status": "active"}),
        lambda: example_engine.upsert_resource({"type": "tool", "id": "t"}),
        lambda: example_engine.revoke("a17"),
        lambda: example_engine.remove_identity("a17"),
        lambda: example_engine.remove_resource("tool", "search"),
        lambda: example_engine.replace_entities(entities_json="{}"),
        lambda: example_engine.reload(sources=[("t.ward", TOOLS_POLICY)]),
        lambda: example_engine.to_bundle(),
        lambda: example_engine.policy_hash,
    ]
    for call in calls:
        with pytest.raises(ward.EngineClosedError, match="closed"):
            call()
    # A decision made before keeps working: it holds its own policy.
    assert before.effect == "ALLOW"
    assert before.redact("sk-" + "Q" * 20) == "[SECRET]"
    assert ward.redact(before, {"k": "sk-" + "Q" * 20}) == {"k": "[SECRET]"}
    redactor = ward.Redactor(before)
    assert redactor.write("sk-" + "Q" * 10) + redactor.write("Q" * 10) + redactor.finish() == \
        "[SECRET]"
    assert json.loads(before.to_json())["effect"] == "ALLOW"
