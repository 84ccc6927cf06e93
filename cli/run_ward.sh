#!/usr/bin/env bash
# Runs `ward` with the given arguments (the first is the binary) for a Bazel sh_test: the test
# passes when the command exits 0.
set -euo pipefail
exec "$@"
