"""Decision logs: every decision recorded as one JSON line, to a file or a Python callback."""

import json
import threading

import pytest

import ward
from conftest import NOW


def test_callback_log_records_decisions_with_redacted_args(tools_engine):
    records = []
    log = ward.DecisionLog.to_callback(records.append, level="full", revision="r-9")
    tools_engine.set_decision_log(log)
    allowed = tools_engine.decide(subject=("agent", "a1"), action="invoke",
                                  resource=("tool", "report"), args={"query": "123-45-6789"},
                                  now=NOW)
    assert allowed.effect == "ALLOW"
    denied = tools_engine.decide(subject=("agent", "a1"), action="invoke",
                                 resource=("tool", "delete"), now=NOW)
    assert denied.effect == "DENY"
    log.flush()
    assert len(records) == 2
    first, second = (json.loads(r) for r in records)
    assert first["v"] == 1
    assert first["revision"] == "r-9"
    assert first["subject"] == {"kind": "agent", "id": "a1"}
    assert first["rules"] == ["pay-permit", "reports-are-redacted"]
    # The decision's redactions apply to what the log keeps of the model's arguments.
    assert first["args"] == {"query": "[SSN]"}
    assert second["effect"] == "DENY"
    assert second["rules"] == ["no-delete"]
    assert second["level"] == "full"
    assert log.stats == {"recorded": 2, "dropped": 0, "written": 2, "failed": 0,
                         "max_queued_bytes": log.stats["max_queued_bytes"]}
    # None stops recording.
    tools_engine.set_decision_log(None)
    tools_engine.decide(subject=("agent", "a1"), action="describe", resource=("tool", "x"),
                        now=NOW)
    log.close()
    assert len(records) == 2


def test_file_log_from_many_threads(tools_engine, tmp_path):
    path = tmp_path / "decisions.log"
    with ward.DecisionLog.to_file(str(path)) as log:
        tools_engine.set_decision_log(log)

        def decide():
            for _ in range(200):
                tools_engine.decide(subject=("user", "u1"), action="invoke",
                                    resource=("tool", "search"), now=NOW)

        threads = [threading.Thread(target=decide) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    lines = path.read_text().splitlines()
    assert len(lines) == 800
    assert len({json.loads(line)["decision_id"] for line in lines}) == 800
    assert log.stats["written"] == 800


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_raising_callback_is_counted_not_fatal(tools_engine):
    def broken(record):
        raise RuntimeError("sink down")

    log = ward.DecisionLog.to_callback(broken)
    tools_engine.set_decision_log(log)
    tools_engine.decide(subject=("user", "u1"), action="invoke", resource=("tool", "search"),
                        now=NOW)
    with pytest.raises(OSError, match="sink down"):
        log.flush()
    assert log.stats["failed"] == 1
    log.close()  # the error was reported once, by flush()


def test_dropping_the_last_reference_closes_the_log(tools_engine):
    records = []
    log = ward.DecisionLog.to_callback(records.append)
    tools_engine.set_decision_log(log)
    del log  # the engine holds it
    tools_engine.decide(subject=("user", "u1"), action="invoke", resource=("tool", "search"),
                        now=NOW)
    tools_engine.set_decision_log(None)
    # The engine let go, but the decision above still pins what it was decided with; closing
    # the engine releases the rest, and the log writes what it holds as it closes.
    tools_engine.close()
    import gc
    gc.collect()
    assert len(records) == 1


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="`loud` is not a level"):
        ward.DecisionLog.to_stdout(level="loud")
    with pytest.raises(OSError, match="nonexistent"):
        ward.DecisionLog.to_file(str(tmp_path / "nonexistent" / "x.log"))


def test_unknown_identities_are_remembered(tools_engine):
    assert tools_engine.unknown_identities() == []
    for tool in ["search", "search", "delete"]:
        d = tools_engine.decide(subject=("agent", "ghost"), action="invoke",
                                resource=("tool", tool), now=NOW)
        assert d.reason == "unknown_identity"
    [ghost] = tools_engine.unknown_identities()
    assert (ghost["kind"], ghost["id"], ghost["count"]) == ("agent", "ghost", 3)
    assert ghost["first_seen"] == ghost["last_seen"] == NOW
    assert ghost["tried"][0] == {"action": "invoke", "resource": {"type": "tool", "id": "search"},
                                 "count": 2}
