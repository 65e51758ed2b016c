#!/usr/bin/env bash
# Train momok and the authors' Python code side by side on the bundled countries graph, over
# several seeds, and compare their test figures (an accuracy check, not a speed one).
#
# Usage: tests/bench/compare_countries_with_reference.sh --reference DIR [options]
#
#   --reference DIR   a checkout of https://github.com/zjukg/MoMoK (required); it is copied to a
#                     temporary directory and the copy is patched there (tests/bench/reference_patch.py)
#   --momok PATH      the momok binary (default: build/app/momok under the repository root)
#   --seeds LIST      comma-separated seeds (default 1,2,3,4,5,6)
#   --epochs N        training epochs (default 100, the quick demo's)
#   --threads N       threads for each program (default 1)
#   --python PATH     interpreter for the reference (default: the first of python3, /usr/bin/python3
#                     that has torch, numpy, tqdm and h5py)
#   --out FILE        also write the raw numbers as JSON to FILE
#
# Setting: the quick demo's (dim 64, relation dim 32, K = 3, batch 128, lr 3e-2, dropouts 0.2,
# mu 1e-4), with the estimator's learning rate equal to the main one as the reference has it.
# Both programs get the same image and text features: momok's own extraction from the bundled
# images and texts, entities without one given the mean row, unit rows average-pooled to 64
# columns (the engine's rule), written once and read by both. Both evaluate the test split once,
# after the last epoch, and rank by the mean of the four decoders' sigmoid scores, filtered.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "compare_countries_with_reference.sh: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REFERENCE="" MOMOK="$ROOT/build/app/momok" SEEDS="1,2,3,4,5,6" EPOCHS=100 THREADS=1 PYTHON="" OUT=""
while (($#)); do
    case "$1" in
        --reference) REFERENCE=${2:?}; shift ;;
        --momok) MOMOK=${2:?}; shift ;;
        --seeds) SEEDS=${2:?}; shift ;;
        --epochs) EPOCHS=${2:?}; shift ;;
        --threads) THREADS=${2:?}; shift ;;
        --python) PYTHON=${2:?}; shift ;;
        --out) OUT=${2:?}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
[[ $SEEDS =~ ^[0-9]+(,[0-9]+)*$ ]] || die "--seeds takes comma-separated numbers, not '$SEEDS'"
for n in "$THREADS" "$EPOCHS"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "not a positive number: '$n'"; done
[[ -x $MOMOK ]] || die "momok binary not found or not executable: $MOMOK (build the project or pass --momok PATH)"
MOMOK="$(cd "$(dirname "$MOMOK")" && pwd)/$(basename "$MOMOK")"

source "$ROOT/tests/bench/reference_common.sh"
PYTHON=$(find_python "torch,numpy,tqdm,h5py" "$PYTHON")
check_reference "$REFERENCE"
DATASET="$ROOT/resources/datasets/countries"
[[ -f $DATASET/entity2id.txt ]] || die "the bundled dataset is missing: $DATASET"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/momok-countries.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ---- features: extracted once by momok, prepared once, read by both ----
echo "Extracting the countries features ..." >&2
"$MOMOK" features --quiet --out "$WORK/raw" "$DATASET" >&2
REF_COPY="$WORK/reference"
REF_COMMIT=$(copy_reference "$REFERENCE" "$REF_COPY" "$PYTHON" --threads "$THREADS" \
    --features-as-is countries --tucker-dropouts 0.2,0.2,0.2)
mkdir -p "$REF_COPY/datasets/countries"
cp "$DATASET"/{entity2id,relation2id,train,valid,test}.txt "$REF_COPY/datasets/countries/"
"$PYTHON" - "$WORK" <<'EOF'
import sys, numpy, torch
work = sys.argv[1]
for name, ref_name in (("image", "img"), ("text", "text")):
    raw = torch.from_numpy(numpy.load(f"{work}/raw/{name}_features.npy")).float()
    present = raw.abs().sum(1) > 0               # all-zero rows are missing: the mean of the others
    raw[~present] = raw[present].mean(0)
    unit = torch.nn.functional.normalize(raw, p=2, dim=1)
    pooled = torch.nn.functional.adaptive_avg_pool1d(unit.unsqueeze(1), 64).squeeze(1) if unit.size(1) > 64 else unit
    numpy.save(f"{work}/{name}.npy", pooled.numpy())
    torch.save(pooled, f"{work}/reference/datasets/countries/{ref_name}_features.pth")
    print(f"{name}: {tuple(raw.shape)} -> {tuple(pooled.shape)}, {int((~present).sum())} rows missing", file=sys.stderr)
EOF

# ---- the runs, seed by seed, each program once ----
COMMANDS="$WORK/commands.txt"; : >"$COMMANDS"
TIME_V=""  # accuracy, not memory: no /usr/bin/time
for seed in ${SEEDS//,/ }; do
    echo "Seed $seed: the reference ..." >&2
    (cd "$REF_COPY" && run_logged "reference-$seed" env OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
        "$PYTHON" train.py --cuda -1 --dataset countries --dim 64 --r_dim 32 --batch_size 128 --n_exp 3 \
        --lr 0.03 --mu 0.0001 --epochs "$EPOCHS" --eval_freq "$EPOCHS" --seed "$seed" --save 0)
    echo "Seed $seed: momok ..." >&2
    (cd "$ROOT" && run_logged "momok-$seed" "$MOMOK" train --dataset "$DATASET" --preset quick-demo \
        --estimator-learning-rate 0.03 --epochs "$EPOCHS" --eval-every "$EPOCHS" --seed "$seed" \
        --threads "$THREADS" --image-features "$WORK/image.npy" --text-features "$WORK/text.npy" \
        --out "$WORK/momok-run-$seed" --json)
done

# ---- the table ----
"$PYTHON" - "$WORK" "$SEEDS" "$EPOCHS" "$REF_COMMIT" "$OUT" <<'EOF'
import json, re, statistics, sys
work, seeds, epochs, commit, out = sys.argv[1:]
seeds = [int(s) for s in seeds.split(",")]
rows = []
for seed in seeds:
    ref_log = open(f"{work}/reference-{seed}.log").read()
    # The patched reference evaluates the trained model three more times; the first is the figure.
    ref = re.search(r"BENCH eval 1 seconds \S+ mrr (\S+) hits10 (\S+)", ref_log)
    mom_lines = [l for l in open(f"{work}/momok-{seed}.log") if l.lstrip().startswith("{")]
    if not ref or not mom_lines:
        sys.exit(f"seed {seed}: could not read the test figures (see {work}/reference-{seed}.log, momok-{seed}.log)")
    mom = json.loads(mom_lines[-1])
    rows.append({"seed": seed, "reference": {"mrr": 100 * float(ref.group(1)), "hits10": 100 * float(ref.group(2))},
                 "momok": {"mrr": mom["mrr"], "hits10": mom["hits10"]}})  # momok prints percentages

def spread(side, key):
    values = [r[side][key] for r in rows]
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.mean(values), sd

lines = ["| seed | reference MRR / H@10 | momok MRR / H@10 |", "|---|---|---|"]
for r in rows:
    lines.append(f"| {r['seed']} | {r['reference']['mrr']:.1f} / {r['reference']['hits10']:.1f} "
                 f"| {r['momok']['mrr']:.1f} / {r['momok']['hits10']:.1f} |")
summary = {side: {key: spread(side, key) for key in ("mrr", "hits10")} for side in ("reference", "momok")}
lines.append("| mean ± sd | " + " | ".join(
    f"{summary[s]['mrr'][0]:.1f} ± {summary[s]['mrr'][1]:.1f} / {summary[s]['hits10'][0]:.1f} ± {summary[s]['hits10'][1]:.1f}"
    for s in ("reference", "momok")) + " |")
lines += ["", f"Test split, filtered, after {epochs} epochs, joint decision (mean of the four decoders' scores).",
          f"Reference commit: {commit}.", "", "Commands run:", "```", *open(f"{work}/commands.txt").read().splitlines(), "```"]
if out:
    with open(out, "w") as f:
        json.dump({"epochs": int(epochs), "reference_commit": commit, "runs": rows, "summary": summary}, f, indent=2)
        f.write("\n")
print("\n".join(lines))
EOF
