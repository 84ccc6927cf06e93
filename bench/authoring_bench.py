#!/usr/bin/env python3
"""Authoring at scale: times `ward check` and `ward compile` of large generated policies.

Writes, deterministically, into a folder (a temporary one unless --dir is given):

  big.ward     a schema and --rules rules (100,000 by default) of four shapes in turn: a
               permit of a user to one tool, a permit of agents to two tools of their scope, a
               permit of anyone to a dataset prefix, and a conditional forbid of a group (users
               repeat every 5,000 rules, tools every 3,000, prefixes every 2,000 and groups
               every 100, so that the linter finds many duplicates);
  errors.ward  a schema and --errors rules (80,000 by default), each reading an undeclared
               attribute, so that the checker reports one error per rule;

then runs `ward check big.ward`, `ward compile big.ward -o big.bundle` and
`ward check errors.ward`, and prints one JSON line per run: the wall time, the peak resident
set size of the ward process (getrusage of the children), its exit status, and the number of
lines it printed. Exits 1 when a run's exit status is wrong or when a check prints more than
100 diagnostics or miscounts the rest; timings are not checked (docs/performance.md,
"Authoring at scale"):

  bench/authoring_bench.py --ward build-scale/cli/ward
  bench/authoring_bench.py --ward build/cli/ward --rules 2000 --errors 2000   # a smoke run
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

BIG_SCHEMA = """schema {
  user { clearance: int, dept?: string }
  agent { scope: set<string> }
  resource tool { risk: "low" | "high", level: int }
  resource dataset { team: string }
  action invoke on tool
  action read on dataset
  context { channel: string }
}
"""

ERRORS_SCHEMA = """schema {
  user { clearance: int }
  resource tool { level: int }
  action invoke on tool
}
"""


def big_rule(i):
    shape = i % 4
    if shape == 0:
        return (f'@id("r{i}") permit user "u{i % 5000}" to invoke on tool "t{i % 3000}" '
                f'when subject.clearance >= {i % 5};')
    if shape == 1:
        return (f'@id("r{i}") permit agent to invoke on tool in ["t{i % 3000}", "t{i % 3000 + 1}"] '
                f'when resource.id in subject.scope;')
    if shape == 2:
        return f'@id("r{i}") permit any to read on dataset under "team{i % 2000}/d{i % 7}/";'
    return (f'@id("r{i}") forbid user in group "g{i % 100}" to invoke on tool '
            f'when resource.risk == "high" unless context has channel '
            f'and context.channel == "cli";')


def write_inputs(folder, rules, errors):
    big = os.path.join(folder, "big.ward")
    with open(big, "w") as out:
        out.write(BIG_SCHEMA)
        for i in range(rules):
            out.write(big_rule(i) + "\n")
    bad = os.path.join(folder, "errors.ward")
    with open(bad, "w") as out:
        out.write(ERRORS_SCHEMA)
        for i in range(errors):
            out.write(f"permit user to invoke on tool when subject.nope{i % 10} > 1;\n")
    return big, bad


def run(name, argv, cwd, rules):
    """Runs `argv` in a child process; its peak RSS is read with getrusage after it ends."""
    start = time.monotonic()
    child = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.monotonic() - start
    # ru_maxrss of RUSAGE_CHILDREN is the largest of the children waited for so far, in KiB on
    # Linux: each run is in a fresh process of this script, see main().
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    text = (child.stdout + child.stderr).decode(errors="replace")
    lines = text.splitlines()
    return {
        "run": name,
        "rules": rules,
        "seconds": round(seconds, 3),
        "peak_rss_kib": peak_kib,
        "bytes_per_rule": round(peak_kib * 1024 / rules) if rules else None,
        "exit": child.returncode,
        "lines_printed": len(lines),
        "diagnostics_printed": sum(1 for line in lines if ": error: " in line
                                   or ": warning: " in line),
        "more_line": next((line for line in lines if line.startswith("... and ")), ""),
        "last_line": lines[-1] if lines else "",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ward", required=True, help="the ward binary to time")
    parser.add_argument("--rules", type=int, default=100000)
    parser.add_argument("--errors", type=int, default=80000)
    parser.add_argument("--dir", help="where to write the inputs (kept)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: one run, in this process
    args = parser.parse_args()
    ward = os.path.abspath(args.ward)
    if args.dir is None:
        with tempfile.TemporaryDirectory(prefix="ward-authoring-",
                                         dir=os.environ.get("TEST_TMPDIR")) as folder:
            return bench(args, ward, folder)
    os.makedirs(args.dir, exist_ok=True)
    return bench(args, ward, args.dir)


def bench(args, ward, folder):
    """Writes the inputs into `folder` and times the runs; with --one, does that run only."""
    runs = {
        "check": ([ward, "check", "big.ward"], args.rules),
        "compile": ([ward, "compile", "big.ward", "-o", "big.bundle"], args.rules),
        "check_errors": ([ward, "check", "errors.ward"], args.errors),
    }
    if args.one:
        argv, rules = runs[args.one]
        print(json.dumps(run(args.one, argv, folder, rules)))
        return 0

    write_inputs(folder, args.rules, args.errors)
    failed = False
    for name in runs:
        # A process per run, so that each peak RSS is that run's alone.
        result = subprocess.run([sys.executable, __file__, "--ward", ward, "--rules",
                                 str(args.rules), "--errors", str(args.errors), "--dir", folder,
                                 "--one", name], stdout=subprocess.PIPE)
        line = result.stdout.decode().strip()
        print(line, flush=True)
        record = json.loads(line)
        # check and compile of big.ward succeed; the check of errors.ward fails with exit 1.
        expected = 1 if name == "check_errors" else 0
        if record["exit"] != expected:
            print(f"{name}: exit {record['exit']}, expected {expected}", file=sys.stderr)
            failed = True
        if record["diagnostics_printed"] > 100:
            print(f"{name}: {record['diagnostics_printed']} diagnostics printed", file=sys.stderr)
            failed = True
        if name == "check_errors" and args.errors > 100:
            want = (f"... and {args.errors - 100:,} more errors "
                    f"({args.errors:,} errors, 0 warnings in all)")
            if record["more_line"] != want:
                print(f"{name}: `{record['more_line']}`, expected `{want}`", file=sys.stderr)
                failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
