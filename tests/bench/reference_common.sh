# Shared by the scripts that run the authors' MoMoK code beside momok; sourced, not run.
# The caller defines die() and sets ROOT (the repository root); run_logged also wants WORK (a
# scratch folder), COMMANDS (a file) and TIME_V (/usr/bin/time, or empty).

# find_python MODULES [PYTHON]: prints an interpreter that imports every module of the comma-separated
# MODULES: PYTHON when given, else the first of python3 and /usr/bin/python3 that does.
find_python() {
    local modules=$1 python=${2:-} candidate
    if [[ -z $python ]]; then
        for candidate in python3 /usr/bin/python3; do
            if command -v "$candidate" >/dev/null && "$candidate" -c "import $modules" 2>/dev/null; then
                python=$candidate; break
            fi
        done
    fi
    if [[ -z $python ]] || ! "$python" -c "import $modules" 2>/dev/null; then
        die "no Python with $modules found${python:+ (tried $python)}. On Debian/Ubuntu install them with
    apt-get install -y --no-install-recommends python3-torch python3-numpy python3-tqdm python3-h5py
and, if python3 on PATH is another interpreter, pass --python /usr/bin/python3"
    fi
    echo "$python"
}

# check_reference DIR: fails unless DIR looks like a checkout of the authors' code.
check_reference() {
    [[ -n $1 ]] || die "--reference DIR is required (a checkout of https://github.com/zjukg/MoMoK)"
    [[ -f $1/train.py && -f $1/utils/data_loader.py && -f $1/models/RelMoE.py && -f $1/layers/layer.py ]] ||
        die "$1 does not look like a checkout of the authors' MoMoK code (train.py, utils/, models/, layers/)"
}

# copy_reference DIR DEST PYTHON [reference_patch.py options...]: copies the code of DIR to DEST (never
# the user's checkout itself) and patches the copy there. Prints the checkout's commit.
copy_reference() {
    local reference=$1 dest=$2 python=$3; shift 3
    mkdir -p "$dest/datasets"
    cp -r "$reference/train.py" "$reference/layers" "$reference/models" "$reference/utils" "$dest/"
    "$python" "$ROOT/tests/bench/reference_patch.py" "$dest" "$@" >&2 || die "patching the copy of $reference failed"
    git -C "$reference" rev-parse HEAD 2>/dev/null || echo unknown
}

# run_logged NAME COMMAND...: runs COMMAND in the current directory, its output in $WORK/NAME.log,
# and adds a line that repeats it to $COMMANDS; with TIME_V set, its peak memory goes to
# $WORK/NAME.time. On failure: the end of the output, then die.
run_logged() {
    local name=$1; shift
    { printf 'cd %q &&' "$PWD"; printf ' %q' "$@"; echo; } >>"$COMMANDS"
    local status=0
    if [[ -n ${TIME_V:-} ]]; then
        "$TIME_V" -v -o "$WORK/$name.time" "$@" >"$WORK/$name.log" 2>&1 || status=$?
    else
        "$@" >"$WORK/$name.log" 2>&1 || status=$?
    fi
    if ((status)); then
        tail -n 30 "$WORK/$name.log" >&2
        die "$name failed (exit status $status); the end of its output is above"
    fi
}
