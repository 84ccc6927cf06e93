"""The conformance suite (testdata/conformance, format in its README.md) through the binding.

It compares what policy_lang/conformance_test.cc compares: compile error and warning
positions as sets, entity load failures, request errors, and decisions on the contract's keys
(the policy hash dropped, error messages dropped, `errors` defaulting to []). Requests go
through decide_json, so that they are parsed as the CLI parses them; a request that maps
onto the structured call is also decided by decide() and explain(), which must agree.
"""

import json

import pytest

import ward
from conftest import ROOT

CONFORMANCE = ROOT / "testdata" / "conformance"
REQUEST_KEYS = {"subject", "action", "resource", "context", "on_behalf_of", "now"}


def source_text(text):
    return text if isinstance(text, str) else "".join(line + "\n" for line in text)


def items():
    for path in sorted(CONFORMANCE.glob("*.json")):
        spec = json.loads(path.read_text())
        if "cases" in spec and not spec.get("expect_entity_error"):
            for index, case in enumerate(spec["cases"]):
                yield pytest.param(path.name, index, id=f"{path.stem}::{case.get('name', index)}")
        else:
            yield pytest.param(path.name, None, id=path.stem)


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


def engine_for(spec, case=None):
    sources = [(s["name"], source_text(s["text"])) for s in spec["sources"]]
    holder = case if case is not None and ("entities" in case or "entities_text" in case) else spec
    return ward.Engine.from_sources(sources, entities_json=entities_of(holder))


def maps_cleanly(request):
    return isinstance(request, dict) and set(request) <= REQUEST_KEYS


def test_suite_is_not_empty():
    assert len(list(CONFORMANCE.glob("*.json"))) >= 20


@pytest.mark.parametrize("file, index", list(items()))
def test_conformance(file, index):
    spec = json.loads((CONFORMANCE / file).read_text())
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
            ward.Engine.from_sources(sources, entities_json=entities_of(spec))
        return

    engine = engine_for(spec)
    if "expect_warnings" in spec:
        got = [{"source": w.source, "line": w.line, "column": w.column} for w in engine.warnings]
        assert positions(got) == positions(spec["expect_warnings"])

    case = spec["cases"][index]
    assert ("expect" in case) != ("expect_request_error" in case)
    if "entities" in case or "entities_text" in case:
        engine = engine_for(spec, case)
    text = case["request_text"] if "request_text" in case else json.dumps(case["request"])

    if case.get("expect_request_error"):
        with pytest.raises(ward.RequestError):
            engine.decide_json(text)
        if "request" in case and maps_cleanly(case["request"]):
            with pytest.raises((ward.RequestError, TypeError)):
                engine.decide(**case["request"])
        return

    expected = comparable(case["expect"])
    actual_json = engine.decide_json(text)
    assert comparable(json.loads(actual_json)) == expected

    request = case.get("request")
    if request is None:
        try:
            request = json.loads(text)
        except ValueError:
            return
    if not maps_cleanly(request):
        return
    decision = engine.decide(**request)
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
    explained, trace = engine.explain(**request)
    assert explained.to_json() == actual_json
    assert isinstance(trace, str)
