#!/usr/bin/env bash
# ward and Cedar side by side on the agentgate workload: installs the pinned cedar-wasm into
# bench/cedar/node_modules, builds ward_latency and workload_dump (Release), and runs both
# engines at each scale in one run, printing one table. See bench/README.md.
#
#   bench/cedar/run.sh [--build-dir DIR] [--scales "1 4 40"] [--seed N] [--requests N]
#                      [--cedar-requests N] [--cedar-warmup N]
#
# --build-dir defaults to build-release (configured as Release when it does not exist yet);
# the other options go to bench.mjs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build_dir="$root/build-release"
forward=()
while (($#)); do
  if (($# < 2)); then
    echo "usage: $0 [--build-dir DIR] [--scales \"1 4 40\"] [--seed N] [--requests N]" \
      "[--cedar-requests N] [--cedar-warmup N]" >&2
    exit 2
  fi
  case "$1" in
    --build-dir) build_dir=$2 ;;
    *) forward+=("$1" "$2") ;;
  esac
  shift 2
done

# The exact versions of package-lock.json, nothing else.
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
  cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build_dir/CMakeCache.txt")
if [[ "$build_type" != "Release" ]]; then
  echo "note: $build_dir is a $build_type build; the timings are meant for Release" >&2
fi
cmake --build "$build_dir" --target ward_latency workload_dump

node "$here/bench.mjs" --build-dir "$build_dir" "${forward[@]}"
