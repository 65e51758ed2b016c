#!/usr/bin/env bash
# Fuzzes every reader of a user's file (tests/fuzz/fuzz_*.cpp) with libFuzzer under
# AddressSanitizer and UndefinedBehaviorSanitizer, SECONDS_PER_TARGET each (default 60),
# then prints, per target, the executions, executions per second and findings.
#
#   bash tests/fuzz/run-fuzzers.sh [SECONDS_PER_TARGET]
#
# A separate build, not part of .ci/run: BUILD_DIR (default build-fuzz/) is configured with
# clang and -DMOMOK_FUZZ=ON, which builds momok_core instrumented and the fuzz targets only.
# Each target starts from its seeds (tests/fuzz/corpus/<name>/, never modified) and keeps
# what it learns in BUILD_DIR/corpus/<name>/. Crash, leak, timeout and out-of-memory inputs
# are left in FINDINGS_DIR/<name>/ (default BUILD_DIR/findings); after a finding the target
# is restarted until its time is used (at most MAX_FINDINGS, default 5, per target). Keep a
# fixed one, minimised (fuzz_<name> -minimize_crash=1 -runs=10000 FILE), in
# tests/fuzz/regressions/<name>/: the normal build's fuzz_<name>_replay test replays it.
#
# Environment: TARGETS (a subset, e.g. "npy pt"), JOBS (build jobs), BUILD_DIR, FINDINGS_DIR,
# MAX_FINDINGS, RSS_LIMIT_MB (default 2048), TIMEOUT_S (per input, default 10).
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD_DIR:-$root/build-fuzz}
findings=${FINDINGS_DIR:-$build/findings}
jobs=${JOBS:-$(nproc)}
max_findings=${MAX_FINDINGS:-5}
all_targets="triples idfiles metadata npy pt image runjson workspace_json"
targets=${TARGETS:-$all_targets}

if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -G Ninja -S "$root" -B "$build" -DMOMOK_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" -j "$jobs" --target $(printf 'fuzz_%s ' $targets)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_odr_violation=0:allocator_may_return_null=0:handle_abort=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export QT_QPA_PLATFORM=offscreen

report=$findings/report.txt
mkdir -p "$findings"
printf '%-16s %12s %10s %9s\n' target executions exec/s findings > "$report.tmp"
for name in $targets; do
    exe=$build/tests/fuzz/fuzz_$name
    seeds=$root/tests/fuzz/corpus/$name
    corpus=$build/corpus/$name
    out=$findings/$name
    mkdir -p "$corpus" "$out"
    dict=()
    [[ -f $root/tests/fuzz/$name.dict ]] && dict=(-dict="$root/tests/fuzz/$name.dict")
    executions=0
    started=$(date +%s)
    deadline=$((started + seconds))
    round=0
    while :; do
        left=$((deadline - $(date +%s)))
        found=$(find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
        # A finding ends a round; the same one found again does not add a file: rounds are capped too.
        ((left > 0 && found < max_findings && round < 2 * max_findings)) || break
        round=$((round + 1))
        log=$out/log-$round.txt
        "$exe" -max_total_time="$left" -rss_limit_mb="${RSS_LIMIT_MB:-2048}" -malloc_limit_mb="${RSS_LIMIT_MB:-2048}" \
            -timeout="${TIMEOUT_S:-10}" -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/" \
            "${dict[@]}" "$corpus" "$seeds" > "$log" 2>&1 || true
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        if [[ -z $runs ]]; then # ended by a crash: the last status line has the count
            runs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
        fi
        executions=$((executions + ${runs:-0}))
    done
    elapsed=$(( $(date +%s) - started ))
    ((elapsed > 0)) || elapsed=1
    found=$(find "$out" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf '%-16s %12d %10d %9d\n' "$name" "$executions" $((executions / elapsed)) "$found" | tee -a "$report.tmp"
done
mv "$report.tmp" "$report"
echo
cat "$report"
echo "Findings (crash-*, leak-*, timeout-*, oom-*) and logs: $findings/<target>/"
