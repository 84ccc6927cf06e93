#!/usr/bin/env python3
"""Regenerates the approval digests and grant tokens of the conformance suite.

A NEEDS_APPROVAL decision carries a digest that covers the policy hash, and a grant names the
digest it approves, so both change when the policy hash does. This script recomputes them:

  * the digest of every expected NEEDS_APPROVAL decision, from the case's request, written
    here independently of the engine (RFC 8785 canonical JSON, SHA-256), so that the suite
    checks the engine's digests against a second implementation;
  * the token of every case that carries a `grant` spec, minted with `ward approve` and the
    file's test key (Ed25519 is deterministic, so a token depends only on its inputs).

Only the digest and token strings are replaced in the files' text; their layout stays.

  tools/conformance_grants.py [--ward build/cli/ward] [--check] [FILE.json ...]

--check changes nothing and exits 1 when a file is out of date. Given file names, only those
files of the suite are considered.
"""

import argparse
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SUITE = os.path.join(HERE, "..", "testdata", "conformance")


def text_of(value):
    """A source's or key's text: a string or a list of lines."""
    if isinstance(value, str):
        return value
    return "".join(line + "\n" for line in value)


def es6_number(x):
    """A float as ECMAScript's Number.prototype.toString writes it (RFC 8785 §3.2.2.3)."""
    if math.isnan(x) or math.isinf(x):
        raise ValueError("NaN and Infinity have no JSON form")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that round-trip; n is where the decimal point goes.
    mantissa, _, exponent = repr(abs(x)).partition("e")
    int_part, _, frac = mantissa.partition(".")
    digits = int_part + frac
    n = len(int_part) + (int(exponent) if exponent else 0)
    stripped = digits.lstrip("0")
    n -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    e = n - 1
    body = digits[0] + ("." + digits[1:] if k > 1 else "")
    return sign + body + "e" + ("+" if e > 0 else "-") + str(abs(e))


def jcs(value):
    """RFC 8785 canonical JSON of a value parsed by the json module."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)  # ward writes integers exactly
    if isinstance(value, float):
        return es6_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + jcs(value[k]) for k in keys) + "}"
    raise TypeError(f"unexpected JSON value {value!r}")


def approval_digest(request, policy_hash):
    """The approval digest of a request (LANGUAGE.md, Revision 2)."""
    args = request.get("args")
    canonical = {
        "subject": request["subject"],
        "on_behalf_of": request.get("on_behalf_of") or [],
        "action": request["action"],
        "resource": {"type": request["resource"]["type"], "id": request["resource"]["id"]},
        "args": {} if args is None else args,
        "policy": policy_hash,
    }
    return hashlib.sha256(jcs(canonical).encode("utf-8")).hexdigest()


def policy_hash(ward, spec, workdir):
    names = []
    for source in spec["sources"]:
        path = os.path.join(workdir, source["name"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text_of(source["text"]))
        names.append(source["name"])
    result = subprocess.run([ward, "compile", *names, "-o", "bundle"], cwd=workdir,
                            capture_output=True, text=True)
    match = re.search(r"policy ([0-9a-f]{16})", result.stdout)
    if not match:
        raise RuntimeError(f"ward compile failed: {result.stderr}")
    return match.group(1)


def mint(ward, spec, grant, digest, workdir):
    key_path = os.path.join(workdir, grant["key"] + ".key")
    with open(key_path, "w", encoding="utf-8") as out:
        out.write(text_of(spec["keys"][grant["key"]]["private"]))
    result = subprocess.run(
        [ward, "approve", "--key", key_path, "--approver", "user:" + grant["approver"],
         "--digest", digest, "--issued-at", grant["issued_at"], "--ttl", grant["ttl"],
         "--jti", grant["jti"]], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"ward approve failed: {result.stderr}")
    return result.stdout.strip()


def update(path, ward):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    spec = json.loads(text)
    cases = spec.get("cases", [])
    needs = [c for c in cases
             if "grant" in c or "approval" in c.get("expect", {})]
    if not needs:
        return False
    replacements = {}
    with tempfile.TemporaryDirectory() as workdir:
        hash_hex = policy_hash(ward, spec, workdir)
        for case in needs:
            request = dict(case["request"])
            request.pop("approval", None)
            expect = case.get("expect", {})
            if "approval" in expect:
                replacements[expect["approval"]["digest"]] = approval_digest(request, hash_hex)
            if "grant" in case:
                grant = case["grant"]
                approved = dict(grant.get("approves", request))
                approved.pop("approval", None)
                token = mint(ward, spec, grant, approval_digest(approved, hash_hex), workdir)
                replacements[case["request"]["approval"]] = token
    new_text = text
    for old, new in replacements.items():
        if old != new:
            new_text = new_text.replace(json.dumps(old), json.dumps(new))
    if new_text == text:
        return False
    with open(path, "w", encoding="utf-8") as f:
        f.write(new_text)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ward", default=os.path.join(HERE, "..", "build", "cli", "ward"))
    parser.add_argument("--check", action="store_true")
    parser.add_argument("files", nargs="*", help="only these files of the suite")
    options = parser.parse_args()
    stale = []
    with open(os.path.join(SUITE, "MANIFEST"), encoding="utf-8") as manifest:
        files = [line.split("#")[0].strip() for line in manifest]
    only = {os.path.basename(name) for name in options.files}
    for name in filter(None, files):
        if only and name not in only:
            continue
        path = os.path.join(SUITE, name)
        if options.check:
            with open(path, encoding="utf-8") as f:
                before = f.read()
            changed = update(path, options.ward)
            if changed:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(before)
                stale.append(name)
        elif update(path, options.ward):
            print(f"updated {name}")
    if stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
