"""Runs the Python overhead benchmark for a few iterations and checks its output's form.

Usage: bench_smoke.py PATH/TO/python_overhead.py. Timings are printed, never judged.
"""

import json
import subprocess
import sys


def main():
    out = subprocess.run([sys.executable, sys.argv[1], "--iterations", "50"], check=True,
                         capture_output=True, text=True).stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["call"] for line in lines] == ["decide", "decide_json"], lines
    for line in lines:
        assert line["binding"] == "python", line
        assert line["decisions"] == 50, line
        assert line["effect"] == "ALLOW", line  # bench/bindings/request.json is allowed
        assert isinstance(line["ns_per_decision"], (int, float)) and line["ns_per_decision"] > 0
    print(out, end="")


if __name__ == "__main__":
    main()
