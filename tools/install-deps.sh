#!/usr/bin/env bash
# Installs what building and testing ward needs on Debian 12 (run as root, or with sudo).
#   tools/install-deps.sh          the build, the tests and the CLI
#   tools/install-deps.sh --ci     also Bazel and clang (bazel test, the fuzzer)
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libabsl-dev libre2-dev libprotobuf-dev protobuf-compiler nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libedit-dev libssl-dev
  python3 python3-dev python3-pexpect python3-pytest pybind11-dev golang-go
  python3-pip python3-setuptools python3-wheel python3-venv
  chromium
  # `ward serve` (cpp-httplib) and its end-to-end test behind nginx; the Redis grant ledger
  # (hiredis) and its test against a real redis-server.
  libcpp-httplib-dev nginx-light curl libhiredis-dev redis-server
)
# The Node binding needs Node >= 18 with npm and its headers; a machine that has node keeps it.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm libnode-dev)
fi
if [[ "${1:-}" == "--ci" ]]; then
  packages+=(bazel-bootstrap clang-14 libclang-rt-14-dev)
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The npm dependencies of the Node binding, the MCP proxy, the MCP example and the editor and
# report tests (pinned by their lock files).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
for dir in bindings/node packages/mcp-proxy examples/mcp-gateway editors/test cli/report_test; do
  if [[ -f "$here/$dir/package-lock.json" && ! -d "$here/$dir/node_modules" ]]; then
    (cd "$here/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
