"""Deciding from several threads at once (the GIL is released while the engine decides)."""

import json
import threading

import ward
from conftest import BENCH_REQUEST, EXAMPLE


def test_threads_decide_the_same_as_one_thread(example_engine):
    requests = [json.loads(line) for line in (EXAMPLE / "requests.jsonl").read_text().splitlines()]
    expected = [example_engine.decide(**r).to_json() for r in requests]
    failures = []

    def work(offset):
        try:
            for i in range(300):
                k = (i + offset) % len(requests)
                if i % 2:
                    got = example_engine.decide(**requests[k]).to_json()
                else:
                    got = example_engine.decide_json(json.dumps(requests[k]))
                if got != expected[k]:
                    failures.append((k, got))
        except Exception as e:  # collected and reported by the main thread
            failures.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_updates_and_close_while_deciding(example_engine):
    request = BENCH_REQUEST.read_text()
    outcomes = []
    stop = threading.Event()

    def decide():
        while not stop.is_set():
            try:
                outcomes.append(json.loads(example_engine.decide_json(request))["effect"])
            except ward.EngineClosedError:
                outcomes.append("closed")
                return

    def update():
        for i in range(200):
            example_engine.upsert_identity(
                {"kind": "user", "id": f"extra{i}", "status": "active",
                 "attrs": {"department": "ops", "clearance": 1}})

    deciders = [threading.Thread(target=decide) for _ in range(4)]
    for t in deciders:
        t.start()
    update()
    example_engine.close()
    stop.set()
    for t in deciders:
        t.join()
    assert set(outcomes) <= {"ALLOW", "closed"}
    assert "ALLOW" in outcomes
