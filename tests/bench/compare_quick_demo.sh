#!/usr/bin/env bash
# Time the countries quick demo, the whole command as a user starts it, for two or more builds
# side by side, with an empty feature cache and with features cached (a speed check).
#
# Usage: tests/bench/compare_quick_demo.sh [options] BASELINE CANDIDATE...
#
#   BASELINE, CANDIDATE  the `momok` command of each build (build/app/momok of a build folder);
#                        the ratios are the baseline's time over each candidate's
#   --rounds N           rounds (default 8); in each, every build runs once with an empty cache,
#                        then once with its own cache, in the order given in odd rounds and in the
#                        reverse order in even ones (this machine's speed drifts within a run)
#   --target X           count the rounds whose ratio is X or more (default 3)
#   --dataset DIR        the dataset (default: the bundled countries graph)
#   --out FILE           also write one line per run: round, cache, build, seconds, exit code, MRR
#
# Each run is `momok train --dataset DIR --preset quick-demo --out RUN` in fresh XDG data and
# config folders. "empty cache" runs get a fresh XDG_CACHE_HOME, so the image check and the
# feature extraction are timed; "cached" runs reuse the build's own cache, primed by one untimed
# run before the first round. Times are medians with the range in brackets. An older revision
# is built beside the checkout, for example:
#   git worktree add ../momok-936e523 936e523
#   cmake -S ../momok-936e523 -B ../momok-936e523/build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
#   cmake --build ../momok-936e523/build --target momok
#   tests/bench/compare_quick_demo.sh ../momok-936e523/build/app/momok build/app/momok
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "compare_quick_demo.sh: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ROUNDS=8 TARGET=3 DATASET="$ROOT/resources/datasets/countries" OUT=""
BUILDS=()
while (($#)); do
    case "$1" in
        --rounds) ROUNDS=${2:?}; shift ;;
        --target) TARGET=${2:?}; shift ;;
        --dataset) DATASET=${2:?}; shift ;;
        --out) OUT=${2:?}; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) BUILDS+=("$1") ;;
    esac
    shift
done
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds takes a positive number, not '$ROUNDS'"
[[ $TARGET =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--target takes a number, not '$TARGET'"
((${#BUILDS[@]} >= 2)) || die "name a baseline and at least one candidate (see --help)"
[[ -f $DATASET/entity2id.txt ]] || die "not a dataset folder (no entity2id.txt): $DATASET"
DATASET=$(cd "$DATASET" && pwd)
for i in "${!BUILDS[@]}"; do
    b=${BUILDS[$i]}
    [[ -x $b && -f $b ]] || die "not an executable momok: $b"
    BUILDS[i]="$(cd "$(dirname "$b")" && pwd)/$(basename "$b")"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/momok-quick-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROWS="$WORK/rows"
: > "$ROWS"

# label KIND: how a kind of run ("empty" or "cached") is named in the output.
label() { [[ $1 == empty ]] && echo "empty feature cache" || echo "features cached"; }

# run_once BUILD_INDEX CACHE_DIR: one quick demo; prints "seconds exit-code MRR" (MRR "-" if none).
run_once() {
    local build=${BUILDS[$1]} cache=$2 home start end rc mrr
    home=$(mktemp -d "$WORK/home.XXXXXX")
    start=$(date +%s.%N)
    rc=0
    XDG_CACHE_HOME=$cache XDG_DATA_HOME=$home XDG_CONFIG_HOME=$home \
        "$build" train --dataset "$DATASET" --preset quick-demo --out "$home/run" > "$home.log" 2>&1 || rc=$?
    end=$(date +%s.%N)
    mrr=$(awk '$1 == "Combined" { m = $2 } END { print (m == "" ? "-" : m) }' "$home.log")
    if ((rc != 0)) || [[ $mrr == - ]]; then
        echo "compare_quick_demo.sh: $build failed (exit $rc, no test figures); the end of its output:" >&2
        tail -5 "$home.log" >&2
    fi
    rm -rf "$home" "$home.log"
    awk -v s="$start" -v e="$end" -v rc="$rc" -v m="$mrr" 'BEGIN { printf "%.3f %d %s\n", e - s, rc, m }'
}

# ---- each build's own cache, primed by one untimed run ----
for i in "${!BUILDS[@]}"; do
    mkdir -p "$WORK/cache-$i"
    echo "Priming the feature cache of ${BUILDS[$i]} ..." >&2
    result=$(run_once "$i" "$WORK/cache-$i")
    [[ $result == *" 0 "* && $result != *" -" ]] || die "${BUILDS[$i]} did not finish a quick demo (see above)"
done

# ---- the rounds ----
for ((r = 1; r <= ROUNDS; ++r)); do
    order=("${!BUILDS[@]}")
    if ((r % 2 == 0)); then
        reversed=()
        for ((k = ${#order[@]} - 1; k >= 0; --k)); do reversed+=("${order[$k]}"); done
        order=("${reversed[@]}")
    fi
    for kind in empty cached; do
        for i in "${order[@]}"; do
            if [[ $kind == empty ]]; then cache=$(mktemp -d "$WORK/cache-empty.XXXXXX"); else cache="$WORK/cache-$i"; fi
            result=$(run_once "$i" "$cache")
            [[ $kind == empty ]] && rm -rf "$cache"
            echo "$r $kind $i $result" >> "$ROWS"
            echo "round $r/$ROUNDS, $(label "$kind"), ${BUILDS[$i]}: ${result%% *} s" >&2
        done
    done
done

if [[ -n $OUT ]]; then
    while read -r round kind i rest; do echo "$round $kind ${BUILDS[$i]} $rest"; done < "$ROWS" > "$OUT"
fi

# ---- medians, ranges, ratios ----
median_of() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
failed=$(awk '$5 != 0 || $6 == "-"' "$ROWS" | wc -l)
if ((ROUNDS == 1)); then rounds_text="1 round"; else rounds_text="$ROUNDS rounds"; fi
echo "Countries quick demo, $rounds_text (medians [range] in seconds; ratio: the baseline's median over the build's):"
for kind in empty cached; do
    echo "$(label "$kind"):"
    base=$(awk -v k="$kind" '$2 == k && $3 == 0 { print $4 }' "$ROWS" | median_of)
    for i in "${!BUILDS[@]}"; do
        times=$(awk -v k="$kind" -v i="$i" '$2 == k && $3 == i { print $4 }' "$ROWS")
        med=$(median_of <<< "$times")
        range=$(sort -g <<< "$times" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f–%.2f", lo, hi }')
        mrrs=$(awk -v k="$kind" -v i="$i" '$2 == k && $3 == i { print $6 }' "$ROWS" | sort -u | paste -sd/ -)
        line=$(awk -v m="$med" -v b="$base" -v r="$range" -v t="$mrrs" -v n="${BUILDS[$i]}" \
            'BEGIN { printf "  %-60s %7.2f s [%s]  ratio %.2f×  test MRR %s", n, m, r, b / m, t }')
        if ((i > 0)); then
            # Round by round: the baseline's time over this build's, in the same round.
            perround=$(awk -v k="$kind" -v i="$i" -v t="$TARGET" '
                $2 == k && $3 == 0 { base[$1] = $4 } $2 == k && $3 == i { own[$1] = $4 }
                END { for (r = 1; r in base; ++r) { x = base[r] / own[r]; s = s sprintf(" %.2f", x); if (x >= t) ++hit; ++n }
                      printf "\n      round by round:%s (%d of %d at %s× or more)", s, hit, n, t }' "$ROWS")
            line+=$perround
        fi
        echo "$line"
    done
done
((failed == 0)) || die "$failed of the runs failed (see above)"
