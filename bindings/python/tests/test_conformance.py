"""The conformance suite (testdata/conformance, format in its README.md) through the binding.

It runs exactly the files that testdata/conformance/MANIFEST lists (which must match the
directory), as the C++ and C runners do: each engine trusts its file's `approval_keys` (the
public keys of `keys`); a `shared_engine` file runs all its cases in order on one engine (a
grant used by one case is used up for the next), every other case gets an engine of its own.
It compares what policy_lang/conformance_test.cc compares: compile error and warning
positions as sets, entity load failures, request errors, and decisions on the contract's keys
(`approval` and `approved_by` included; the policy hash dropped, error messages dropped,
`errors` defaulting to []). Requests go through decide_json, so that they are parsed as the
CLI parses them and `args` and `approval` pass through as written; a request that maps onto
the structured call is also decided by decide() and explained, which must agree (on an engine
of their own when the request carries a grant, since a grant is good for one decision). A
case's `grant` is checked to still give the token its request carries, minted through
Engine.approve.
"""

import json
import re

import pytest

import ward
from conftest import ROOT

CONFORMANCE = ROOT / "testdata" / "conformance"
REQUEST_KEYS = {"subject", "action", "resource", "context", "on_behalf_of", "now", "args",
                "approval"}
FILE_KEYS = {"description", "sources", "entities", "entities_text", "expect_compile_errors",
             "expect_warnings", "expect_entity_error", "cases", "keys", "approval_keys",
             "shared_engine"}
CASE_KEYS = {"name", "request", "request_text", "expect", "expect_request_error", "entities",
             "entities_text", "grant"}

# The files run by this module, checked against the MANIFEST by the last test.
RAN = set()


def manifest():
    files = []
    for line in (CONFORMANCE / "MANIFEST").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            files.append(line)
    return files


def source_text(text):
    return text if isinstance(text, str) else "".join(line + "\n" for line in text)


def load(file):
    return json.loads((CONFORMANCE / file).read_text())


def items():
    for file in manifest():
        if not (CONFORMANCE / file).is_file():
            yield pytest.param(file, None, id=file)  # reported by the manifest test
            continue
        spec = load(file)
        stem = file[: -len(".json")]
        if "cases" in spec and not spec.get("expect_entity_error") and not spec.get("shared_engine"):
            for index, case in enumerate(spec["cases"]):
                yield pytest.param(file, index, id=f"{stem}::{case.get('name', index)}")
        else:
            yield pytest.param(file, None, id=stem)


def comparable(decision):
    decision = dict(decision)
    decision.pop("policy", None)
    decision.setdefault("errors", [])
    decision["errors"] = [{k: v for k, v in e.items() if k != "message"}
                          for e in decision["errors"]]
    return decision


def positions(issues):
    return sorted({(i["source"], i["line"], i["column"]) for i in issues})


def entities_of(holder):
    if "entities_text" in holder:
        return holder["entities_text"]
    if "entities" in holder:
        return json.dumps(holder["entities"])
    return None


def approval_keys(spec):
    return [source_text(spec["keys"][name]["public"]) for name in spec.get("approval_keys", [])]


def engine_for(spec, case=None):
    sources = [(s["name"], source_text(s["text"])) for s in spec["sources"]]
    holder = case if case is not None and ("entities" in case or "entities_text" in case) else spec
    return ward.Engine.from_sources(sources, entities_json=entities_of(holder),
                                    approval_keys=approval_keys(spec))


def maps_cleanly(request):
    return isinstance(request, dict) and set(request) <= REQUEST_KEYS


def seconds(duration):
    """Whole seconds of a duration as absl::ParseDuration reads it ("15m", "876000h")."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}
    parts = re.findall(r"([0-9.]+)(ms|us|ns|h|m|s)", duration)
    assert "".join(n + u for n, u in parts) == duration, duration
    return int(sum(float(n) * units[u] for n, u in parts))


def check_grant_is_current(spec, case, engine):
    grant = case["grant"]
    assert set(grant) <= {"key", "approver", "issued_at", "ttl", "jti", "approves"}
    approved = dict(grant.get("approves", case["request"]))
    approved.pop("approval", None)
    digest = engine.approval_digest_json(json.dumps(approved))
    token = engine.approve(digest, grant["approver"],
                           source_text(spec["keys"][grant["key"]]["private"]),
                           ttl=seconds(grant["ttl"]), issued_at=grant["issued_at"],
                           jti=grant["jti"])
    assert case["request"].get("approval") == token, \
        "the grant token is stale (the policy hash changed?); run tools/conformance_grants.py"


def check_accessors(decision, actual):
    """The Decision's fields say what its JSON says."""
    digest = actual.get("approval", {}).get("digest")
    assert decision.approval_digest == digest
    approved = actual.get("approved_by")
    assert decision.approved_by == (None if approved is None else (approved["kind"], approved["id"]))
    assert (decision.obligations is None) == ("obligations" not in actual)
    assert decision.shadow == actual.get("shadow")


def check_structured(decision, expected, actual_json):
    assert decision.to_json() == actual_json
    assert decision.effect == expected["effect"]
    assert decision.reason == expected["reason"]
    assert decision.rules == expected["rules"]
    denied_by = expected.get("denied_by")
    assert decision.denied_by == (None if denied_by is None
                                  else (denied_by["kind"], denied_by["id"]))
    assert [{"rule": e.rule, "principal": {"kind": e.principal[0], "id": e.principal[1]}}
            for e in decision.errors] == expected["errors"]
    if "obligations" in expected:
        assert decision.obligations.to_dict() == expected["obligations"]
    check_accessors(decision, json.loads(actual_json))


def run_case(spec, case, engine, shared):
    assert set(case) <= CASE_KEYS, set(case) - CASE_KEYS
    assert ("expect" in case) != ("expect_request_error" in case)
    if shared:
        assert "entities" not in case and "entities_text" not in case
    if "grant" in case:
        check_grant_is_current(spec, case, engine)
    text = case["request_text"] if "request_text" in case else json.dumps(case["request"])

    if case.get("expect_request_error"):
        with pytest.raises(ward.RequestError):
            engine.decide_json(text)
        if "request" in case and maps_cleanly(case["request"]):
            with pytest.raises((ward.RequestError, TypeError)):
                engine.decide(**case["request"])
        return

    assert "now" in case.get("request", {}), "every request must set `now`"
    expected = comparable(case["expect"])
    request = case.get("request")
    has_grant = isinstance(request, dict) and "approval" in request
    if not has_grant:
        # Explaining decides as deciding does; without a grant it uses nothing up.
        explained = engine.explain_json(text)
        assert comparable(json.loads(explained.decision.to_json())) == expected
        check_accessors(explained.decision, json.loads(explained.decision.to_json()))

    actual_json = engine.decide_json(text)
    assert comparable(json.loads(actual_json)) == expected

    if not maps_cleanly(request):
        return
    if has_grant:
        if shared:
            return  # the grant is used up (or must stay unused for the next case)
        engine = engine_for(spec, case)
    decision = engine.decide(**request)
    check_structured(decision, expected, actual_json)
    if not has_grant:
        structured = engine.explain(**request)
        assert structured.decision.to_json() == actual_json
        assert isinstance(structured.text, str) and isinstance(structured.principals, list)


def test_manifest_matches_the_directory():
    files = manifest()
    assert files, "testdata/conformance/MANIFEST lists no file"
    assert len(set(files)) == len(files), "a file is listed twice in MANIFEST"
    present = sorted(p.name for p in CONFORMANCE.glob("*.json"))
    assert sorted(files) == present, (set(files) ^ set(present))


@pytest.mark.parametrize("file, index", list(items()))
def test_conformance(file, index):
    RAN.add(file)
    spec = load(file)
    assert set(spec) <= FILE_KEYS, set(spec) - FILE_KEYS
    sources = [(s["name"], source_text(s["text"])) for s in spec["sources"]]

    if "expect_compile_errors" in spec:
        with pytest.raises(ward.PolicyError) as raised:
            ward.Engine.from_sources(sources)
        got = [{"source": i.source, "line": i.line, "column": i.column}
               for i in raised.value.issues if i.severity == "error"]
        assert positions(got) == positions(spec["expect_compile_errors"]), str(raised.value)
        return

    if spec.get("expect_entity_error"):
        ward.Engine.from_sources(sources)  # the policy itself compiles
        with pytest.raises(ward.EntityError):
            engine_for(spec)
        return

    engine = engine_for(spec)
    if "expect_warnings" in spec:
        got = [{"source": w.source, "line": w.line, "column": w.column} for w in engine.warnings]
        assert positions(got) == positions(spec["expect_warnings"])
    assert spec.get("cases"), "no cases"

    if spec.get("shared_engine"):
        for case in spec["cases"]:
            try:
                run_case(spec, case, engine, shared=True)
            except AssertionError as error:
                raise AssertionError(f"case {case.get('name')!r}: {error}") from error
        return
    case = spec["cases"][index]
    run_case(spec, case, engine_for(spec, case), shared=False)


def test_every_manifest_file_ran():
    # Runs last in this module: every MANIFEST file was run, no fewer (a filtered run skips).
    if not RAN:
        pytest.skip("no conformance file was selected")
    if RAN != set(manifest()):
        pytest.skip("a filtered run")  # pragma: no cover
    assert len(RAN) == len(manifest())
