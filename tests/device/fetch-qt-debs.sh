#!/usr/bin/env bash
# fetch-qt-debs.sh: gather the Debian 12 (bookworm) packages that the headless build of
# MoMoK Studio (-DMOMOK_BUILD_UI=OFF) needs beside LibTorch, and unpack them into one
# folder that can be carried to a machine without Qt (typically a GPU machine with a
# pip-installed PyTorch, see gpu-check.sh in this folder).
#
# The folder holds Qt 6 Core/Gui/Sql(+SQLite)/Test/DBus with their CMake files and tools
# (moc, rcc), the OpenGL headers Qt6Gui's CMake files ask for, the Gloo headers that the
# engine's distributed code includes, and the runtime libraries these pull in that a bare
# machine may lack. It does not hold libc, libstdc++ or libgcc: those come from the
# machine that builds (which therefore needs glibc >= 2.36 and GCC 12's libstdc++ or newer,
# as Debian 12 has).
#
# Run on Debian 12 (amd64), with network access or with the .deb files at hand:
#   tests/device/fetch-qt-debs.sh DEST            # apt-get download, then unpack into DEST
#   tests/device/fetch-qt-debs.sh DEST DEBDIR     # use the .deb files already in DEBDIR
#                                                 # (e.g. /var/cache/apt/archives), download the rest
# Then carry DEST along and run gpu-check.sh with MOMOK_QT_ROOT=DEST (or --qt-root DEST).
# Needs: apt-get (run `apt-get update` first if the package lists are stale), dpkg-deb.
# No root needed: packages are downloaded and unpacked, never installed.
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
    sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'
    exit $(( $# < 1 ? 2 : 0 ))
fi
dest=$(realpath -m "$1")
debdir=${2:-}

# Development files: CMake packages, headers, tools (qmake6: only because Qt6CoreTools's
# CMake files check that its file exists).
dev_packages=(qt6-base-dev qt6-base-dev-tools qmake6 libgl-dev libglx-dev libopengl-dev libgloo-dev)
# Shared libraries: Qt's, and what they link (from `ldd` on libQt6{Core,Gui,Sql,Test,DBus},
# moc, rcc and the sqlite and offscreen plugins), less libc, libstdc++ and libgcc.
runtime_packages=(
    libqt6core6 libqt6gui6 libqt6sql6 libqt6sql6-sqlite libqt6test6 libqt6dbus6
    libdouble-conversion3 libb2-1 libgomp1 libicu72 libpcre2-16-0 libpcre2-8-0 libzstd1 zlib1g
    libglib2.0-0 libsystemd0 libcap2 libgcrypt20 libgpg-error0 liblz4-1 liblzma5 libdbus-1-3
    libmd4c0 libpng16-16 libfreetype6 libbrotli1 libharfbuzz0b libgraphite2-3 libfontconfig1
    libexpat1 libxkbcommon0 libx11-6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0
    libgl1 libglx0 libglvnd0 libopengl0 libegl1 libsqlite3-0
    # Entity images: Qt's JPEG, SVG, WebP and TIFF plugins and what they link (tests read them).
    libqt6svg6 qt6-image-formats-plugins libjpeg62-turbo libwebp7 libwebpdemux2 libwebpmux3
    libtiff6 libdeflate0 libjbig0 liblerc4 liblcms2-2 libmng1)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
missing=()
for package in "${dev_packages[@]}" "${runtime_packages[@]}"; do
    if [[ -n $debdir ]] && compgen -G "$debdir/${package}_*_amd64.deb" >/dev/null; then
        cp "$debdir/${package}"_*_amd64.deb .
    elif [[ -n $debdir ]] && compgen -G "$debdir/${package}_*_all.deb" >/dev/null; then
        cp "$debdir/${package}"_*_all.deb .
    else
        missing+=("$package")
    fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ ${#missing[@]} -eq 1 ]]; then noun=package; else noun=packages; fi
    echo "Downloading ${#missing[@]} $noun: ${missing[*]}"
    apt-get download "${missing[@]}"
fi

mkdir -p "$dest"
for deb in ./*.deb; do
    echo "unpacking $(basename "$deb")"
    dpkg-deb -x "$deb" "$dest"
done
# Absolute links (/usr/lib/...) would point back into this machine: make them relative
# inside DEST.
while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    if [[ -e $dest$target || -L $dest$target ]]; then
        ln -sfnr "$dest$target" "$link"
    fi
done < <(find "$dest" -type l -lname '/*' -print0)
ls ./*.deb > "$dest/PACKAGES.txt"
echo "Unpacked $(wc -l < "$dest/PACKAGES.txt") packages into $dest ($(du -sh "$dest" | cut -f1))."
echo "Use it with: MOMOK_QT_ROOT=$dest tests/device/gpu-check.sh"
