#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: install what is missing,
# build (incrementally), then either start the app or run the test suite.
#   bash installer/setup.sh run    # build and open the desktop app on the bundled countries dataset
#   bash installer/setup.sh test   # build and run every test suite (CTest)
#   bash installer/setup.sh build  # only install and build
set -euo pipefail

mode="${1:-build}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${MOMOK_BUILD_DIR:-$root/build}"
jobs="$(nproc 2>/dev/null || echo 2)"

mapfile -t packages < <(grep -v -E '^\s*(#|$)' "$root/installer/debian-packages.txt")
missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "== installing ${#missing[@]} missing Debian packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    else
        echo "Missing Debian packages: ${missing[*]}" >&2
        echo "Install them once as an administrator, then run this again:" >&2
        echo "  sudo apt-get install -y \$(grep -v '^#' installer/debian-packages.txt)" >&2
        exit 1
    fi
fi

if [[ ! -f "$build_dir/CMakeCache.txt" ]]; then
    cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build_dir" -j "$jobs"

case "$mode" in
    run)
        shift || true
        exec "$build_dir/app/momok-studio" --dataset "$root/resources/datasets/countries" "$@"
        ;;
    test)
        cd "$build_dir"
        QT_QPA_PLATFORM=offscreen ctest --output-on-failure -j "$jobs" --timeout 1500
        ;;
    build) ;;
    *)
        echo "usage: bash installer/setup.sh [run|test|build]" >&2
        exit 2
        ;;
esac
