#!/usr/bin/env bash
# Measure MoMoK Studio's engine side by side with the authors' Python code, on one machine.
#
# Usage: tests/bench/compare_with_reference.sh --reference DIR [options]
#
#   --reference DIR          a checkout of https://github.com/zjukg/MoMoK (required unless
#                            --skip-reference); it is copied to a temporary directory and the
#                            copy is patched there (see tests/bench/reference_patch.py)
#   --momok PATH             the momok binary (default: build/app/momok under the repository root)
#   --threads N              threads for both programs (default 2)
#   --epochs N               training epochs; the table shows their median (default 3)
#   --python PATH            interpreter for the reference (default: the first of python3,
#                            /usr/bin/python3 that has torch, numpy, tqdm and h5py)
#   --out FILE               also write the raw numbers as JSON to FILE
#   --skip-reference         run only momok
#   --skip-momok             run only the reference
#   --reference-batches N    smoke test only: stop each reference epoch after N batches
#                            (the table then marks its epoch time as partial)
#
# Setting: MKG-Y, dim 64, relation dim 64, batch 1024, K=3 experts, lr 5e-4, mu 1e-4, seeded
# random image (E×256) and text (E×384) features shared by both programs. Per side: the epoch
# times, three full filtered test evaluations of the trained model, and the peak resident memory
# of the whole process (/usr/bin/time -v when installed, else the process's own report).
# Run it on an otherwise idle machine; prefix `nice -n 19` to keep it out of the way.
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die() { echo "compare_with_reference.sh: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
REFERENCE="" MOMOK="$ROOT/build/app/momok" THREADS=2 EPOCHS=3 PYTHON="" OUT=""
SKIP_REF=0 SKIP_MOMOK=0 REF_BATCHES=0
while (($#)); do
    case "$1" in
        --reference) REFERENCE=${2:?}; shift ;;
        --momok) MOMOK=${2:?}; shift ;;
        --threads) THREADS=${2:?}; shift ;;
        --epochs) EPOCHS=${2:?}; shift ;;
        --python) PYTHON=${2:?}; shift ;;
        --out) OUT=${2:?}; shift ;;
        --reference-batches) REF_BATCHES=${2:?}; shift ;;
        --skip-reference) SKIP_REF=1 ;;
        --skip-momok) SKIP_MOMOK=1 ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
    shift
done
for n in "$THREADS" "$EPOCHS" "$REF_BATCHES"; do [[ $n =~ ^[0-9]+$ ]] || die "not a number: '$n'"; done
((THREADS >= 1 && EPOCHS >= 1)) || die "--threads and --epochs must be at least 1"
((SKIP_REF && SKIP_MOMOK)) && die "--skip-reference and --skip-momok together leave nothing to run"

DATASET="$ROOT/resources/datasets/MKG-Y"
[[ -f $DATASET/entity2id.txt ]] || die "the bundled dataset is missing: $DATASET"

source "$ROOT/tests/bench/reference_common.sh"
# The interpreter: numpy always (features, report); torch, tqdm and h5py for the reference.
MODULES="numpy"; ((SKIP_REF)) || MODULES="torch,numpy,tqdm,h5py"
PYTHON=$(find_python "$MODULES" "$PYTHON")

if ((!SKIP_REF)); then
    check_reference "$REFERENCE"
    [[ -d $REFERENCE/datasets/MKG-Y ]] || die "$REFERENCE has no datasets/MKG-Y"
    for f in entity2id.txt relation2id.txt train.txt valid.txt test.txt; do
        cmp -s "$REFERENCE/datasets/MKG-Y/$f" "$DATASET/$f" ||
            die "datasets/MKG-Y/$f in $REFERENCE differs from the bundled $DATASET/$f"
    done
fi
if ((!SKIP_MOMOK)); then
    [[ -x $MOMOK ]] || die "momok binary not found or not executable: $MOMOK (build the project or pass --momok PATH)"
    MOMOK="$(cd "$(dirname "$MOMOK")" && pwd)/$(basename "$MOMOK")"
fi
TIME_V=""; [[ -x /usr/bin/time ]] && /usr/bin/time -v true 2>/dev/null && TIME_V=/usr/bin/time

WORK=$(mktemp -d "${TMPDIR:-/tmp}/momok-compare.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
COMMANDS="$WORK/commands.txt"; : >"$COMMANDS"

echo "Generating seeded random features (E×256 image, E×384 text) ..." >&2
"$PYTHON" - "$DATASET/entity2id.txt" "$WORK" <<'EOF'
import sys, numpy as np
entities = sum(1 for line in open(sys.argv[1]) if line.strip())
rng = np.random.default_rng(20240527)
np.save(f"{sys.argv[2]}/image.npy", rng.standard_normal((entities, 256), dtype=np.float32))
np.save(f"{sys.argv[2]}/text.npy", rng.standard_normal((entities, 384), dtype=np.float32))
EOF

if ((!SKIP_REF)); then
    echo "Running the reference (this takes a while) ..." >&2
    REF_COPY="$WORK/reference"
    REF_COMMIT=$(copy_reference "$REFERENCE" "$REF_COPY" "$PYTHON" --threads "$THREADS" --batches "$REF_BATCHES")
    mkdir -p "$REF_COPY/datasets/MKG-Y"
    cp "$REFERENCE"/datasets/MKG-Y/{entity2id,relation2id,train,valid,test}.txt "$REF_COPY/datasets/MKG-Y/"
    # load_data reads these two tensors (rows in entity2id order).
    "$PYTHON" -c 'import sys, numpy, torch
for npy, pth in (("image", "img"), ("text", "text")):
    torch.save(torch.from_numpy(numpy.load(f"{sys.argv[1]}/{npy}.npy")),
               f"{sys.argv[1]}/reference/datasets/MKG-Y/{pth}_features.pth")' "$WORK"
    (cd "$REF_COPY" && run_logged reference env OMP_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS" \
        "$PYTHON" train.py --cuda -1 --dataset MKG-Y --dim 64 --r_dim 64 --batch_size 1024 --n_exp 3 \
        --lr 0.0005 --mu 0.0001 --epochs "$EPOCHS" --eval_freq 1000000 --save 0)
fi

if ((!SKIP_MOMOK)); then
    echo "Running momok ..." >&2
    (cd "$ROOT" && run_logged momok "$MOMOK" bench --dataset "$DATASET" --device cpu --dim 64 --relation-dim 64 \
        --batch-size 1024 --experts 3 --learning-rate 0.0005 --mu 0.0001 --epochs "$EPOCHS" --threads "$THREADS" \
        --image-features "$WORK/image.npy" --text-features "$WORK/text.npy" --json)
fi

"$PYTHON" - "$WORK" "$THREADS" "$EPOCHS" "$REF_BATCHES" "${REF_COMMIT:-}" "$OUT" <<'EOF'
import json, os, re, statistics, sys
work, threads, epochs, ref_batches, ref_commit, out = sys.argv[1:]

def peak_rss_mb(name):
    path = f"{work}/{name}.time"
    if os.path.exists(path):
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", open(path).read())
        if m:
            return int(m.group(1)) / 1024, "/usr/bin/time -v"
    return None, None

def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "values": values}

result = {"threads": int(threads), "epochs": int(epochs), "dataset": "MKG-Y", "dim": 64, "relation_dim": 64,
          "batch_size": 1024, "experts": 3, "image_width": 256, "text_width": 384,
          "reference_batches_limit": int(ref_batches) or None,
          "commands": open(f"{work}/commands.txt").read().splitlines()}
if os.path.exists(f"{work}/reference.log"):
    log = open(f"{work}/reference.log").read()
    epochs_ = [m.groupdict() for m in re.finditer(
        r"BENCH epoch \d+ seconds (?P<s>\S+) batches (?P<b>\d+) of (?P<of>\d+) loss_sum (?P<loss>\S+)", log)]
    evals = [m.groups() for m in re.finditer(r"BENCH eval \d+ seconds (\S+) mrr (\S+)", log)]
    rss_self = re.search(r"BENCH peak_rss_kb (\d+)", log)
    if len(epochs_) != int(epochs) or len(evals) != 3 or not rss_self:
        sys.exit(f"could not read the reference's output ({len(epochs_)} epoch lines, {len(evals)} evaluation lines)")
    rss, how = peak_rss_mb("reference")
    result["reference"] = {
        "commit": ref_commit or "unknown",
        "torch_threads": int(re.search(r"BENCH threads (\d+)", log).group(1)),
        "epoch_seconds": summary([float(e["s"]) for e in epochs_]),
        "epoch_loss_sum": [float(e["loss"]) for e in epochs_],
        "batches_per_epoch": int(epochs_[0]["b"]), "full_batches_per_epoch": int(epochs_[0]["of"]),
        "partial_epochs": int(epochs_[0]["b"]) < int(epochs_[0]["of"]),
        "eval_seconds": summary([float(s) for s, _ in evals]),
        "test_mrr": float(evals[0][1]),
        "peak_rss_mb": rss if rss else int(rss_self.group(1)) / 1024,
        "peak_rss_method": how or "ru_maxrss of the process",
    }
if os.path.exists(f"{work}/momok.log"):
    lines = [l for l in open(f"{work}/momok.log") if l.lstrip().startswith("{")]
    if not lines:
        sys.exit("momok bench printed no JSON object; its output:\n" + open(f"{work}/momok.log").read()[-3000:])
    bench = json.loads(lines[-1])
    rss, how = peak_rss_mb("momok")
    result["momok"] = {
        "epoch_seconds": summary(bench["epoch_seconds"]),
        "eval_seconds": summary(bench["evals_seconds"]),
        "test_mrr": bench["test_mrr"],
        "peak_rss_mb": rss if rss else bench["peak_rss_mb"],
        "peak_rss_method": how or "momok bench's peak_rss_mb",
        "sgemm_gflops": bench["sgemm_gflops"], "achieved_gflops": bench["achieved_gflops"],
        "epoch_gflop": bench["epoch_gflop"], "threads": bench["threads"], "blas": bench["blas"],
        "gemm": bench.get("gemm"), "blas_sgemm_gflops": bench.get("blas_sgemm_gflops"),
        "achieved_gflops_dominant_products": bench.get("achieved_gflops_dominant_products"),
        "epoch_gflop_dominant_products": bench.get("epoch_gflop_dominant_products"),
        "bench_json": bench,
    }

ref, mom = result.get("reference"), result.get("momok")
def seconds(side, key):
    if not side:
        return "–"
    s = side[key]
    partial = " (partial epoch)" if key == "epoch_seconds" and side.get("partial_epochs") else ""
    return f"{s['median']:.1f} s ({s['min']:.1f}–{s['max']:.1f}){partial}"
def ratio(key):  # times: reference ÷ momok (speed-up); memory: momok ÷ reference
    if not (ref and mom):
        return "–"
    if key == "peak_rss_mb":
        return f"{mom[key] / ref[key]:.2f}"
    return f"{ref[key]['median'] / mom[key]['median']:.1f}×"
rows = [("| |", "reference", "momok", "ratio"), ("|---|", "---", "---", "---"),
        (f"| training epoch (median of {epochs}, min–max) |", seconds(ref, "epoch_seconds"),
         seconds(mom, "epoch_seconds"), ratio("epoch_seconds")),
        ("| full filtered test evaluation (median of 3, min–max) |", seconds(ref, "eval_seconds"),
         seconds(mom, "eval_seconds"), ratio("eval_seconds")),
        ("| peak memory (max RSS) |", f"{ref['peak_rss_mb']:.0f} MB" if ref else "–",
         f"{mom['peak_rss_mb']:.0f} MB" if mom else "–", ratio("peak_rss_mb")),
        (f"| test MRR after {epochs} epoch{'s' if int(epochs) > 1 else ''} (random features) |", f"{ref['test_mrr']:.4f}" if ref else "–",
         f"{mom['test_mrr']:.4f}" if mom else "–", "")]
report = ["\n".join(f"{a} {b} | {c} | {d} |" for a, b, c, d in rows), ""]
report.append("Time ratios are reference ÷ momok; the memory ratio is momok ÷ reference.")
if ref and ref["partial_epochs"]:
    report.append(f"Reference epochs are PARTIAL: {ref['batches_per_epoch']} of {ref['full_batches_per_epoch']} "
                  "batches each (smoke test; not comparable).")
report.append(f"Threads: {threads} requested" + (f"; reference torch uses {ref['torch_threads']}" if ref else "")
              + (f"; momok uses {mom['threads']} ({mom['blas']})" if mom else "") + ".")
if mom:
    report.append(f"momok: {mom['achieved_gflops']:.1f} GFLOP/s achieved in training "
                  f"({mom['epoch_gflop']:.1f} GFLOP per epoch), {mom['sgemm_gflops']:.1f} GFLOP/s measured sgemm, "
                  f"{100 * mom['achieved_gflops'] / mom['sgemm_gflops']:.0f} % of it.")
    if mom.get("blas_sgemm_gflops"):
        report.append(f"momok's products go to {mom['gemm']}; LibTorch's own mm on the BLAS measured "
                      f"{mom['blas_sgemm_gflops']:.1f} GFLOP/s (the achieved rate is "
                      f"{100 * mom['achieved_gflops'] / mom['blas_sgemm_gflops']:.0f} % of that).")
    if mom["epoch_gflop_dominant_products"]:
        report.append(f"By the older count of the dominant products only ({mom['epoch_gflop_dominant_products']:.1f} GFLOP "
                      f"per epoch): {mom['achieved_gflops_dominant_products']:.1f} GFLOP/s, "
                      f"{100 * mom['achieved_gflops_dominant_products'] / mom['sgemm_gflops']:.0f} % of sgemm.")
report.append("Peak memory from " + "; ".join(f"{n}: {s['peak_rss_method']}" for n, s in (("reference", ref), ("momok", mom)) if s) + ".")
if ref:
    report.append(f"Reference commit: {ref['commit']}.")
report += ["", "Commands run:", "```", *result["commands"], "```"]
if out:
    with open(out, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
print("\n".join(report))
EOF
