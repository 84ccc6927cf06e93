#!/usr/bin/env python3
"""Checks that the CMake build (primary) and the Bazel build run the same tests.

    tools/check_build_parity.py BUILD_DIR

BUILD_DIR is a configured CMake build with tests on (the README's `build`); `bazel` must be on
PATH. ctest's tests are grouped by the program they run: every test case GoogleTest discovered
in a binary counts once, under the binary's name; any other test counts under its own name.
Bazel's tests count under their target name without the package ("//lib:internal/grants_test"
is "grants_test").

Every program ctest runs must be a Bazel test of the same name, and the reverse, except the
tests listed in CMAKE_ONLY with the reason they cannot run under Bazel. An entry of CMAKE_ONLY
that Bazel also runs, or that ctest no longer has, is an error too, so that the list stays
true. Exits 1 and lists the differences when there are any.
"""

import json
import os
import subprocess
import sys

# ctest tests Bazel does not run, and why.
CMAKE_ONLY = {
    "package_install_test": "installs the build with `cmake --install` and builds consumers "
    "with find_package and pkg-config",
    "package_bindings_test": "installs the Python and Node packages with pip and npm from "
    "CMake's build",
    "embed_example_doc": "a CMake script comparing docs/embedding.md with the example and its "
    "output",
    "ward_c_exports": "a CMake script reading libward.so's symbol table with nm",
    "binding_overhead_c_smoke": "the bindings' overhead benchmarks are built by CMake only",
    "binding_overhead_cpp_smoke": "the bindings' overhead benchmarks are built by CMake only",
    "python_binding_test": "the Python binding (pybind11) is built by CMake only",
    "python_overhead_bench_smoke": "the Python binding is built by CMake only",
    "repl_pty_test": "drives `ward repl` through a pseudo-terminal with Python's pexpect",
    "node_binding": "the Node binding (Node-API) is built by CMake only",
    "node_overhead_bench_smoke": "the Node binding is built by CMake only",
    "mcp_gateway_example": "runs the Node MCP gateway example with the Node binding",
    "redis_ledger_test": "starts Debian's redis-server, stops it mid-run and starts it again",
    "mcp_proxy_test": "runs ward-mcp-proxy (Node, the MCP SDK) with the Node binding",
    "mcp_proxy_latency_smoke": "runs bench/mcp_proxy_latency.js (Node) with the Node binding",
    "report_browser_test": "opens the page `ward report` writes in Debian's Chromium from Node",
    "go_binding": "the Go binding is built with the go tool over CMake's libward.so",
    "editor_schemas_test": "validates the editor schemas and grammar with Node and ajv from npm",
    "nginx_auth_request_test": "starts Debian's nginx, a stub upstream and `ward serve` on "
    "loopback ports",
}


def ctest_programs(build_dir):
    listing = subprocess.run(
        ["ctest", "--test-dir", build_dir, "--show-only=json-v1"],
        check=True, capture_output=True, text=True).stdout
    programs = set()
    for test in json.loads(listing)["tests"]:
        command = test.get("command") or []
        if any(arg.startswith("--gtest_filter=") for arg in command[1:]):
            programs.add(os.path.basename(command[0]))
        else:
            programs.add(test["name"])
    return programs


def bazel_tests():
    listing = subprocess.run(["bazel", "query", "tests(//...)"], check=True,
                             capture_output=True, text=True).stdout
    return {label.split(":")[-1].split("/")[-1] for label in listing.split()}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cmake = ctest_programs(sys.argv[1])
    bazel = bazel_tests()
    problems = []
    for name in sorted(cmake - bazel - CMAKE_ONLY.keys()):
        problems.append(f"ctest runs {name}, Bazel does not (add a Bazel test, or list it in "
                        "CMAKE_ONLY with the reason)")
    for name in sorted(bazel - cmake):
        problems.append(f"Bazel runs {name}, ctest does not")
    for name in sorted(CMAKE_ONLY.keys() & bazel):
        problems.append(f"{name} is listed as CMake only, but Bazel runs it")
    for name in sorted(CMAKE_ONLY.keys() - cmake):
        problems.append(f"{name} is listed as CMake only, but ctest has no such test")
    shared = cmake & bazel
    print(f"build parity: {len(cmake)} ctest programs, {len(bazel)} Bazel tests, "
          f"{len(shared)} in both, {len(CMAKE_ONLY)} CMake only")
    for problem in problems:
        print(f"  {problem}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
