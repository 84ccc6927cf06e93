#!/usr/bin/env python3
"""What a decision costs through the Python binding.

Decides an allowed tool call of the agent-runtime example (bench/bindings/request.json, the
request every binding's benchmark decides) over and over, through the structured call
(engine.decide) and through the JSON call (engine.decide_json), and prints one JSON line per
call:

  {"binding":"python","call":"decide","request":"request.json","effect":"ALLOW",
   "ns_per_decision":N,"decisions":N}

Run from the repository root with the package on the path:

  PYTHONPATH=build/bindings/python python3 bench/bindings/python_overhead.py \
      [--iterations N] [--dir DIR] [--request FILE]
"""

import argparse
import json
import pathlib
import sys
import time

import ward

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "agent-runtime"
REQUEST = ROOT / "bench" / "bindings" / "request.json"


def measure(call, iterations):
    warm_up = max(1, iterations // 10)
    for _ in range(warm_up):
        call()
    start = time.perf_counter_ns()
    for _ in range(iterations):
        call()
    return (time.perf_counter_ns() - start) / iterations


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=200_000,
                        help="decisions per call form, after a warm-up (default 200000)")
    parser.add_argument("--dir", type=pathlib.Path, default=EXAMPLE,
                        help="the folder of schema.ward, rules.ward and entities.json "
                             "(default examples/agent-runtime)")
    parser.add_argument("--request", type=pathlib.Path, default=REQUEST,
                        help="the request to decide (default bench/bindings/request.json)")
    args = parser.parse_args(argv)
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")

    folder = args.dir
    engine = ward.Engine.from_files([folder / "schema.ward", folder / "rules.ward"],
                                    entities=folder / "entities.json")
    text = args.request.read_text()
    request = json.loads(text)
    expected = engine.decide_json(text)
    effect = json.loads(expected)["effect"]
    # Both forms must decide the request the same before either is timed.
    if engine.decide(**request).to_json() != expected:
        sys.exit("the structured and the JSON call decide differently")

    subject = (request["subject"]["kind"], request["subject"]["id"])
    resource = (request["resource"]["type"], request["resource"]["id"])
    chain = [(i["kind"], i["id"]) for i in request.get("on_behalf_of", [])]
    context = request.get("context")
    call_args = request.get("args")
    action = request["action"]
    now = request.get("now")

    def decide():
        return engine.decide(subject=subject, action=action, resource=resource, context=context,
                             on_behalf_of=chain, now=now, args=call_args)

    def decide_json():
        return engine.decide_json(text)

    for name, call in [("decide", decide), ("decide_json", decide_json)]:
        ns = measure(call, args.iterations)
        line = {"binding": "python", "call": name, "request": "request.json", "effect": effect,
                "ns_per_decision": round(ns, 1), "decisions": args.iterations}
        print(json.dumps(line, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
