#!/usr/bin/env bash
# gpu-check.sh: build MoMoK Studio without the desktop UI against the LibTorch of the
# machine's pip-installed PyTorch, then measure `momok bench` on the GPU (and on the CPU for
# contrast) and run the test suites that need no display. Meant for a machine with an NVIDIA
# GPU, python3 with a CUDA build of PyTorch, a compiler and CMake, but no Qt and no network.
#
# Usage (from anywhere; paths are resolved against the repository):
#   MOMOK_QT_ROOT=/path/to/qt-root tests/device/gpu-check.sh [options]
# Options:
#   --qt-root DIR     the folder made by fetch-qt-debs.sh (default: $MOMOK_QT_ROOT; without
#                     either, a Qt 6 that CMake finds on its own, e.g. an installed one)
#   --cpu-only        no GPU needed: skip the CUDA bench (also lets a CPU-only LibTorch do)
#   --build-dir DIR   build folder (default: $BUILD_DIR or ${TMPDIR:-/tmp}/momok-device-build;
#                     an existing one is reused, so a second run only rebuilds what changed)
#   --configure-only  stop after CMake's configure step
#   --no-tests        skip the test suites
#   --slow-tests      also run the `slow` suites (long; `fast` ones always run)
# Environment: OUT (results folder, default ./device-check-out), PYTHON (default python3),
#   TORCH_CMAKE_PREFIX (LibTorch's CMake folder, instead of asking PyTorch), GLOO_INCLUDE_DIR
#   (a folder holding gloo/ headers), CUDA_HOME (the CUDA toolkit, if nvcc is not on PATH),
#   GPU_EPOCHS (default 5), CPU_EPOCHS (default 2), BENCH_TIMEOUT (s, default 300), JOBS.
# Needs: bash, g++ (GCC 9 or newer), CMake >= 3.25, Ninja or make, python3 with torch; for
#   a CUDA build of PyTorch also the CUDA toolkit (nvcc and headers), which LibTorch's CMake
#   files require; glibc >= 2.36 and GCC 12's libstdc++ or newer when Qt comes from Debian 12.
# Results: $OUT/summary.txt (appended phase by phase, so a run cut short still tells what it
# got), $OUT/*.log for each phase, $OUT/bench-*.json and $OUT/gpu-memory-*.csv.
# Order: environment, configure, build `momok`, GPU bench, CPU bench, build the test
# suites, fast suites (then slow ones): the figures come first under a time limit.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
qt_root=${MOMOK_QT_ROOT:-}
cpu_only=0 configure_only=0 run_tests=1 slow_tests=0
build_dir=${BUILD_DIR:-${TMPDIR:-/tmp}/momok-device-build}
while [[ $# -gt 0 ]]; do
    case $1 in
        --qt-root) qt_root=$2; shift ;;
        --cpu-only) cpu_only=1 ;;
        --build-dir) build_dir=$2; shift ;;
        --configure-only) configure_only=1 ;;
        --no-tests) run_tests=0 ;;
        --slow-tests) slow_tests=1 ;;
        -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
OUT=$(realpath -m "${OUT:-./device-check-out}")
PYTHON=${PYTHON:-python3}
GPU_EPOCHS=${GPU_EPOCHS:-5}
CPU_EPOCHS=${CPU_EPOCHS:-2}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT" "$build_dir"
build_dir=$(realpath "$build_dir")
summary=$OUT/summary.txt
start=$(date +%s)

say() { printf '[%s +%4ss] %s\n' "$(date +%H:%M:%S)" "$(( $(date +%s) - start ))" "$*" | tee -a "$summary"; }
# stop MESSAGE...: the check cannot go on here; say why and what to do.
stop() { say "STOP: $1"; shift; for line in "$@"; do say "      $line"; done; exit 3; }
# phase NAME COMMAND...: run COMMAND with its output in $OUT/NAME.log; say how it went.
phase() {
    local name=$1; shift
    say "begin $name"
    local t0=$SECONDS rc=0
    "$@" > "$OUT/$name.log" 2>&1 || rc=$?
    say "end $name: rc=$rc, $(( SECONDS - t0 ))s (log: $name.log)"
    return $rc
}

say "gpu-check: repository $repo, build folder $build_dir, results $OUT"

# ---- environment ------------------------------------------------------------------------
{
    echo "## host"; uname -a; (getconf GNU_LIBC_VERSION || true); nproc; (free -g || true)
    echo "## compiler"; (g++ --version | head -1) || echo "no g++"
    echo "## cmake"; (cmake --version | head -1) || echo "no cmake"
    echo "## ninja"; (ninja --version) || echo "no ninja"
    echo "## nvidia-smi"; (nvidia-smi || echo "no nvidia-smi")
    echo "## nvcc"; (nvcc --version || echo "no nvcc on PATH")
} > "$OUT/environment.log" 2>&1 || true

command -v g++ >/dev/null || stop "no g++ found." "Install GCC (9 or newer) or put it on PATH."
command -v cmake >/dev/null || stop "no cmake found." \
    "CMake 3.25 or newer is needed (a carried pip wheel works: pip install cmake ninja)."
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

torch_info=$("$PYTHON" - <<'EOF' 2>>"$OUT/environment.log" || true
import os, torch
print("version=" + torch.__version__)
print("cuda=" + (torch.version.cuda or ""))
print("cuda_available=" + str(int(torch.cuda.is_available())))
print("cxx11_abi=" + str(int(torch._C._GLIBCXX_USE_CXX11_ABI)))
print("cmake_prefix=" + torch.utils.cmake_prefix_path)
print("torch_dir=" + os.path.dirname(torch.__file__))
EOF
)
echo "## torch" >> "$OUT/environment.log"; echo "$torch_info" >> "$OUT/environment.log"
field() { sed -n "s/^$1=//p" <<< "$torch_info"; }
torch_version=$(field version) torch_cuda=$(field cuda) cuda_available=$(field cuda_available)
torch_dir=$(field torch_dir) torch_prefix=${TORCH_CMAKE_PREFIX:-$(field cmake_prefix)}
if [[ -z $torch_version ]]; then
    if [[ $cpu_only == 1 ]]; then
        say "no PyTorch for $PYTHON: CMake looks for an installed LibTorch (or TORCH_CMAKE_PREFIX)"
    else
        stop "$PYTHON cannot import torch (see environment.log)." \
             "Set PYTHON to the interpreter that has PyTorch."
    fi
fi
say "PyTorch ${torch_version:-none} (CUDA ${torch_cuda:-none}, GPU usable: ${cuda_available:-0}), LibTorch CMake folder: ${torch_prefix:-system}"

# The libstdc++ ABI: Debian's Qt uses the C++11 one; a LibTorch with the old one cannot be
# linked into the same program (std::string and std::list differ in layout and name).
if [[ $(field cxx11_abi) == 0 ]]; then
    stop "this PyTorch ($torch_version) is built with the pre-C++11 libstdc++ ABI (_GLIBCXX_USE_CXX11_ABI=0)." \
         "Qt from Debian (and any distribution) uses the C++11 ABI, so one program cannot link both." \
         "Use a PyTorch built with the C++11 ABI (pip wheels from PyTorch 2.7 on are), or the" \
         "cxx11-ABI LibTorch archive from the PyTorch download page with TORCH_CMAKE_PREFIX=<libtorch>/share/cmake."
fi

if [[ $cpu_only == 0 ]]; then
    command -v nvidia-smi >/dev/null ||
        stop "no nvidia-smi: no NVIDIA driver here, so no GPU to measure." \
             "Run with --cpu-only to check the build, the tests and the CPU bench only."
    nvidia-smi -L > "$OUT/gpus.txt" 2>&1 ||
        stop "nvidia-smi finds no GPU (see gpus.txt)." "Run with --cpu-only to check the rest."
    [[ -n $torch_cuda ]] ||
        stop "this PyTorch ($torch_version) is a CPU-only build." "Install a CUDA build, or run with --cpu-only."
    [[ $cuda_available == 1 ]] ||
        stop "PyTorch sees no usable GPU (torch.cuda.is_available() is False; driver too old for CUDA $torch_cuda?)." \
             "Run with --cpu-only to check the rest."
    say "GPU: $(head -1 "$OUT/gpus.txt")"
fi

cmake_args=(-DMOMOK_BUILD_UI=OFF -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo)
prefix_path=()
[[ -n $torch_prefix && -d $torch_prefix/Torch ]] && prefix_path+=("$torch_prefix")
[[ -n $torch_prefix && ! -d $torch_prefix/Torch ]] && say "note: $torch_prefix has no Torch/ CMake package; CMake looks for LibTorch elsewhere"

# A CUDA build of LibTorch: its CMake files (Caffe2Config) insist on the CUDA toolkit.
if [[ -n $torch_cuda ]]; then
    nvcc=$(command -v nvcc || true)
    for candidate in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda "/usr/local/cuda-$torch_cuda"; do
        [[ -z $nvcc && -n $candidate && -x $candidate/bin/nvcc ]] && nvcc=$candidate/bin/nvcc
    done
    [[ -n $nvcc ]] ||
        stop "PyTorch $torch_version is a CUDA $torch_cuda build, and LibTorch's CMake files then need the CUDA toolkit; no nvcc found." \
             "Install the CUDA toolkit (same major version, $torch_cuda or close) and put its bin/ on PATH or set CUDA_HOME." \
             "(Without it CMake stops with \"Your installed Caffe2 version uses CUDA but I cannot find the CUDA libraries\".)"
    cuda_root=$(dirname "$(dirname "$(realpath "$nvcc")")")
    say "CUDA toolkit: $cuda_root ($("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p'); PyTorch's runtime is $torch_cuda)"
    cmake_args+=(-DCUDAToolkit_ROOT="$cuda_root" -DCUDA_TOOLKIT_ROOT_DIR="$cuda_root" -DCMAKE_CUDA_COMPILER="$nvcc")
    # A wheel's CUDA libraries live in site-packages/nvidia/*/lib: link and run against
    # those, not the toolkit's (the wheel's may be newer).
    for lib in "$torch_dir"/../nvidia/*/lib; do
        [[ -d $lib ]] || continue
        lib=$(realpath "$lib")
        export LD_LIBRARY_PATH=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        export LIBRARY_PATH=$lib${LIBRARY_PATH:+:$LIBRARY_PATH}
    done
fi

# Qt (and the Gloo headers) from an unpacked folder of Debian packages.
link_dirs=()
if [[ -n $qt_root ]]; then
    qt_root=$(realpath "$qt_root")
    [[ -d $qt_root/usr/lib/x86_64-linux-gnu/cmake/Qt6 ]] ||
        stop "$qt_root holds no Qt 6 CMake package (usr/lib/x86_64-linux-gnu/cmake/Qt6)." \
             "Make it with tests/device/fetch-qt-debs.sh on a Debian 12 machine."
    prefix_path+=("$qt_root/usr")
    link_dirs=("$qt_root/usr/lib/x86_64-linux-gnu" "$qt_root/lib/x86_64-linux-gnu" "$qt_root/usr/lib")
    joined=$(IFS=:; echo "${link_dirs[*]}")
    export LD_LIBRARY_PATH=$joined${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
    export QT_PLUGIN_PATH=$qt_root/usr/lib/x86_64-linux-gnu/qt6/plugins
    cmake_args+=("-DCMAKE_EXE_LINKER_FLAGS=-Wl,-rpath-link,$joined" "-DCMAKE_SHARED_LINKER_FLAGS=-Wl,-rpath-link,$joined")
    glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
    if [[ -n $glibc ]] && [[ $(printf '%s\n' 2.36 "$glibc" | sort -V | head -1) != 2.36 ]]; then
        say "WARNING: glibc $glibc here; Debian 12's Qt needs 2.36 or newer, so moc and the programs may not start"
    fi
    libstdcxx=$(g++ -print-file-name=libstdc++.so.6)
    grep -qa GLIBCXX_3.4.30 "$(realpath "$libstdcxx")" ||
        say "WARNING: $libstdcxx lacks GLIBCXX_3.4.30 (GCC 12); Debian 12's Qt may not load"
    say "Qt: $qt_root"
else
    say "Qt: none given (MOMOK_QT_ROOT / --qt-root); relying on a Qt 6 that CMake finds itself"
fi

# Gloo's headers (core's distributed code includes c10d's ProcessGroupGloo.hpp).
gloo_dir=${GLOO_INCLUDE_DIR:-}
for candidate in "$torch_dir/include" "${qt_root:+$qt_root/usr/include}" /usr/include; do
    [[ -z $gloo_dir && -n $candidate && -f $candidate/gloo/algorithm.h ]] && gloo_dir=$candidate
done
[[ -n $gloo_dir ]] ||
    stop "no Gloo headers (gloo/algorithm.h) in PyTorch's include folder, the Qt folder or /usr/include." \
         "Put libgloo-dev in the Qt folder (fetch-qt-debs.sh does), or set GLOO_INCLUDE_DIR to a folder holding gloo/" \
         "(best: third_party/gloo of the PyTorch source at the wheel's version)."
if [[ $gloo_dir != /usr/include ]]; then
    # Only gloo/, not the rest of that folder, goes on the include path.
    mkdir -p "$build_dir/gloo-include"
    ln -sfn "$gloo_dir/gloo" "$build_dir/gloo-include/gloo"
    cmake_args+=("-DCMAKE_CXX_FLAGS=-isystem $build_dir/gloo-include")
fi
gloo_note="not PyTorch's own: if ProcessGroupGloo.hpp fails to compile, the two Gloo versions differ"
[[ -n $torch_dir && $gloo_dir == "$torch_dir/include" ]] && gloo_note="PyTorch's own"
say "Gloo headers: $gloo_dir ($gloo_note)"

# ---- configure --------------------------------------------------------------------------
prefix_joined=$(IFS=';'; echo "${prefix_path[*]}")
cmake_args+=("-DCMAKE_PREFIX_PATH=$prefix_joined")
printf '%q ' cmake -S "$repo" -B "$build_dir" "${generator[@]}" "${cmake_args[@]}" > "$OUT/configure-command.txt"
phase configure cmake -S "$repo" -B "$build_dir" "${generator[@]}" "${cmake_args[@]}" ||
    stop "CMake's configure step failed: see configure.log (its last lines follow)." "$(tail -5 "$OUT/configure.log" | tr '\n' ' ')"
grep -E '^(Qt6_DIR|Torch_DIR|CMAKE_CXX_COMPILER):' "$build_dir/CMakeCache.txt" | tee -a "$summary"
grep -E -- '-- NCCL: ' "$OUT/configure.log" | sed 's/^-- /  /' | tee -a "$summary" || true
[[ $configure_only == 1 ]] && { say "done (--configure-only)"; exit 0; }

# ---- build the command line -------------------------------------------------------------
# The command (a launcher, app/momok); building it builds the program it starts
# (libexec/momok-studio/momok).
phase build-momok cmake --build "$build_dir" --target momok -j "$JOBS" ||
    stop "building momok failed: see build-momok.log." "$(grep -m3 -E 'error|Error' "$OUT/build-momok.log" | tr '\n' ' ')"
momok=$build_dir/app/momok
[[ -x $momok ]] || stop "the build left no $momok: see build-momok.log."
"$momok" --version > "$OUT/momok-version.txt" 2>&1 || true
export QT_QPA_PLATFORM=offscreen

# ---- bench ------------------------------------------------------------------------------
dataset=$repo/resources/datasets/MKG-Y
# bench DEVICE EPOCHS: momok bench's JSON in bench-DEVICE.json; GPU memory sampled meanwhile.
bench() {
    local device=$1 epochs=$2 sampler=
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$OUT/gpu-memory-$device.csv" 2>/dev/null &
        sampler=$!
        sleep 1
    fi
    local rc=0
    phase "bench-$device" timeout "$BENCH_TIMEOUT" "$momok" bench --dataset "$dataset" --device "$device" \
        --dim 200 --relation-dim 200 --epochs "$epochs" --json || rc=$?
    if [[ -n $sampler ]]; then kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; fi
    grep -E '^\{' "$OUT/bench-$device.log" | tail -1 > "$OUT/bench-$device.json" || true
    if [[ -s $OUT/bench-$device.json ]]; then
        "$PYTHON" - "$OUT/bench-$device.json" "$OUT/gpu-memory-$device.csv" <<'EOF' | tee -a "$summary"
import json, statistics, sys, os
b = json.load(open(sys.argv[1]))
epochs = b.get("epoch_seconds") or []
line = "  %s: epochs %s s (median %.3f s), evaluation %.3f s (median of %s), peak RSS %.0f MB, test MRR %s" % (
    os.path.basename(sys.argv[1]), [round(e, 3) for e in epochs], statistics.median(epochs) if epochs else float("nan"),
    b.get("eval_seconds", float("nan")), [round(e, 3) for e in b.get("evals_seconds", [])], b.get("peak_rss_mb", float("nan")), b.get("test_mrr"))
try:
    used = [int(l.split(",")[0]) for l in open(sys.argv[2]) if l.strip() and l.split(",")[0].strip().isdigit()]
    if used:
        line += ", GPU memory used: %d MiB before, %d MiB peak (+%d MiB)" % (used[0], max(used), max(used) - used[0])
except OSError:
    pass
print(line)
EOF
    else
        say "  bench on $device gave no JSON (rc=$rc): see bench-$device.log"
    fi
    return 0
}
if [[ $cpu_only == 0 ]]; then
    bench cuda "$GPU_EPOCHS"
fi
bench cpu "$CPU_EPOCHS"

# ---- two processes on the GPU -----------------------------------------------------------
# NCCL when this build has it and there is a GPU per process; otherwise Gloo carries the GPU
# tensors through the host. Either way both processes must finish and rank 0 names the backend.
if [[ $cpu_only == 0 ]]; then
    rc=0
    phase nproc2-cuda timeout "$BENCH_TIMEOUT" "$momok" train --dataset "$repo/resources/datasets/countries" \
        --preset quick-demo --epochs 3 --device cuda --nproc 2 --out "$build_dir/nproc2-cuda-run" || rc=$?
    say "  two processes on cuda: rc=$rc; $(grep -m1 -E 'processes|backend' "$OUT/nproc2-cuda.log" || echo 'no process line')"
    grep -E 'test +MRR|MRR' "$OUT/nproc2-cuda.log" | tail -1 | sed 's/^/  /' | tee -a "$summary" || true
fi

# ---- tests ------------------------------------------------------------------------------
[[ $run_tests == 1 ]] || { say "done (--no-tests)"; exit 0; }
labels=(fast)
[[ $slow_tests == 1 ]] && labels+=(slow)
for label in "${labels[@]}"; do
    mapfile -t suites < <(ctest --test-dir "$build_dir" -N -L "^$label\$" | awk '/Test +#/{print $3}')
    targets=()
    # A suite registered twice (tst_kernels_portable: tst_kernels on the device-generic path)
    # is built under its program's name.
    for suite in "${suites[@]}"; do [[ $suite == tst_* ]] && targets+=(--target "${suite%_portable}"); done
    if [[ ${#targets[@]} -gt 0 ]]; then
        # Keep going past a suite that fails to compile: the others still build and run.
        keep_going=(-k 0)
        [[ ${#generator[@]} -eq 0 ]] && keep_going=(-k)
        phase "build-tests-$label" cmake --build "$build_dir" "${targets[@]}" -j "$JOBS" -- "${keep_going[@]}" ||
            say "  some $label suites failed to build: see build-tests-$label.log"
    fi
    phase "ctest-$label" ctest --test-dir "$build_dir" -L "^$label\$" --output-on-failure \
        -j "$(( JOBS > 4 ? 4 : JOBS ))" --timeout 600 || true
    grep -E 'tests passed|tests failed|\*\*\*|Failed|Not Run' "$OUT/ctest-$label.log" | tee -a "$summary" || true
done
say "done"
