#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 (ASan + UBSan) and runs each for a while.
#   tools/fuzz.sh [SECONDS]     default 60: SECONDS * 1.5 of fuzzing in all, split between the
#                               policy fuzzer (2/3 of SECONDS), the bundle fuzzer (1/2) and
#                               the request fuzzer (1/3); each fuzzer runs on one core, so the
#                               policy fuzzer runs beside the other two (SECONDS * 5/6 of wall
#                               time)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}

CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DWARD_FUZZ=ON \
  -DWARD_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target policy_fuzzer request_fuzzer bundle_fuzzer

# Seeds: the committed corpus plus every policy source of the examples and the conformance suite.
corpus=build-fuzz/corpus
mkdir -p "$corpus/policy" "$corpus/request" "$corpus/bundle"
cp testdata/fuzz/policy/* "$corpus/policy/"
cp testdata/fuzz/request/* "$corpus/request/"
find examples -name '*.ward' -exec cp {} "$corpus/policy/" \;
python3 - "$corpus" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
for path in glob.glob("testdata/conformance/*.json"):
    spec = json.load(open(path))
    base = os.path.basename(path)[:-5]
    for i, source in enumerate(spec.get("sources", [])):
        text = source["text"]
        text = text if isinstance(text, str) else "\n".join(text) + "\n"
        open(f"{out}/policy/{base}_{i}.ward", "w").write(text)
    for i, case in enumerate(spec.get("cases", [])):
        text = case.get("request_text") or json.dumps(case.get("request", {}))
        open(f"{out}/request/{base}_{i}.json", "w").write(text)
PY

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
policy_output=$(mktemp)
trap 'rm -f "$policy_output"' EXIT
build-fuzz/policy_lang/fuzz/policy_fuzzer -max_total_time=$((seconds * 2 / 3)) -max_len=4096 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$corpus/policy" >"$policy_output" 2>&1 &
policy_fuzzer=$!
# Bundles: the seeds are the examples' and the conformance suite's policies, compiled by the
# fuzzer itself (WARD_FUZZ_SEED_DIR) before it reads the corpus; its mutator keeps the
# checksum and the program hash valid, so that the inputs reach the verifier.
WARD_FUZZ_SEED_DIR="$corpus/bundle" build-fuzz/policy_lang/fuzz/bundle_fuzzer \
  -max_total_time=$((seconds / 2)) -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 "$corpus/bundle" 2>&1 | tail -n 15
build-fuzz/policy_lang/fuzz/request_fuzzer -max_total_time=$((seconds / 3)) -max_len=4096 \
  -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 "$corpus/request" 2>&1 | tail -n 15
# The policy fuzzer's exit status decides too (a crash it found fails the run).
policy_status=0
wait "$policy_fuzzer" || policy_status=$?
echo "--- policy fuzzer"
tail -n 15 "$policy_output"
exit "$policy_status"
