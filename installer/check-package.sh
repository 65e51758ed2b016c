#!/usr/bin/env bash
# Checks a built MoMoK Studio Debian package the way a user meets it: lintian, install with
# apt-get, run both programs, read the manual page, then purge and make sure nothing is left.
#
#   sudo bash installer/check-package.sh [PATH/TO/momok-studio_VERSION_ARCH.deb]
#
# Default: the newest momok-studio_*.deb in the build folder ($MOMOK_BUILD_DIR, else build/).
# THIS CHANGES THE SYSTEM: it installs the package and its dependencies (apt-get, with
# network access for the dependencies) and purges the package again at the end; the
# dependencies it pulled in stay. Not part of the tests or CI. Exits non-zero at the first
# failed step.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${MOMOK_BUILD_DIR:-$root/build}"
package=momok-studio

step=0
step() { step=$((step + 1)); printf '\n== step %d: %s\n' "$step" "$*"; }
ok() { printf -- '-- ok: %s\n' "$*"; }
fail() { printf -- '-- FAILED: %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
    echo "check-package.sh installs and purges a package: run it as root (sudo)." >&2
    exit 2
fi

deb="${1:-}"
if [[ -z $deb ]]; then
    deb="$(ls -t "$build_dir"/${package}_*.deb 2>/dev/null | head -n 1 || true)"
    [[ -n $deb ]] || fail "no ${package}_*.deb in $build_dir (build one with: cd build && cpack -G DEB)"
fi
[[ -f $deb ]] || fail "$deb: no such file"
deb="$(realpath "$deb")"
version="$(dpkg-deb -f "$deb" Version)"
upstream_version="${version%-*}"

step "the package: $deb"
dpkg-deb -f "$deb" Package Version Architecture Section Depends Recommends
[[ $(dpkg-deb -f "$deb" Package) == "$package" ]] || fail "the package is not $package"
if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    fail "$package is already installed; purge it first (apt-get purge -y $package)"
fi
# What the package holds, to check after the purge that all of it is gone.
mapfile -t payload < <(dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -e 's|^\./|/|' -e 's|/$||' | grep -v '^/\?$')
ok "${#payload[@]} paths in the package"

step "lintian (fails on errors; warnings and notes are listed)"
command -v lintian >/dev/null || fail "lintian is not installed (apt-get install lintian)"
rc=0
report="$(lintian --fail-on error --info "$deb" 2>&1)" || rc=$?
grep -v '^running with root privileges' <<<"$report" || true
[[ $rc -eq 0 ]] || fail "lintian found errors (exit status $rc)"
ok "no lintian errors"

step "apt-get install -y $deb"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "$deb"
dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$package"
[[ $(dpkg-query -W -f='${Version}' "$package") == "$version" ]] || fail "installed version differs"
ok "installed $package $version"

step "momok --version"
out="$(momok --version)"
echo "$out"
[[ $out == "MoMoK Studio $upstream_version"* ]] || fail "expected 'MoMoK Studio $upstream_version' first"
grep -q "BLAS: OpenBLAS" <<<"$out" || fail "momok does not use OpenBLAS (libopenblas0-pthread)"
ok "momok $upstream_version runs on OpenBLAS"

step "momok info on the installed countries dataset"
datasets=/usr/share/momok-studio/datasets
[[ -d $datasets/countries ]] || fail "$datasets/countries is missing"
ls "$datasets"
momok info "$datasets/countries" | head -n 12
ok "$datasets/countries is there and usable"

step "momok-studio --quit-after 3000, offscreen, in a fresh home"
home="$(mktemp -d)"
rc=0
HOME="$home" XDG_RUNTIME_DIR="$home" QT_QPA_PLATFORM=offscreen timeout 300 momok-studio --quit-after 3000 || rc=$?
echo "exit status: $rc"
[[ $rc -eq 0 ]] || fail "momok-studio exited with $rc"
find "$home" -type f | sed "s|^$home|~|"
# The workspace is an SQLite database: its creation shows Qt's SQLite driver was found.
workspace="$(find "$home/.local/share" -type f -size +0 -print -quit 2>/dev/null || true)"
[[ -n $workspace ]] || fail "momok-studio wrote no workspace under ~/.local/share"
printf '%s starts with: %s\n' "${workspace#"$home/"}" "$(head -c 15 "$workspace")"
[[ $(head -c 15 "$workspace") == "SQLite format 3" ]] || fail "the workspace is not an SQLite database"
rm -rf "$home"
ok "momok-studio started, created its workspace and closed with 0"

step "man -P cat momok | head"
MANWIDTH=80 man -P cat momok | head -n 12
MANWIDTH=80 man -P cat momok-studio >/dev/null || fail "no manual page for momok-studio"
ok "both manual pages open"

step "desktop integration files"
for f in /usr/share/applications/org.momokstudio.MoMoKStudio.desktop \
    /usr/share/metainfo/org.momokstudio.MoMoKStudio.metainfo.xml \
    /usr/share/mime/packages/org.momokstudio.MoMoKStudio.xml \
    /usr/share/icons/hicolor/scalable/apps/org.momokstudio.MoMoKStudio.svg \
    /usr/share/icons/hicolor/48x48/apps/org.momokstudio.MoMoKStudio.png \
    /usr/share/bash-completion/completions/momok \
    /usr/share/doc/momok-studio/copyright; do
    [[ -f $f ]] || fail "$f is missing"
    echo "$f"
done
grep -q 'x-momok-workspace' /usr/share/mime/globs2 2>/dev/null ||
    fail "the MIME database does not list application/x-momok-workspace (did update-mime-database run?)"
ok "the MIME database lists application/x-momok-workspace"
# By content: an SQLite file with the workspace's application_id, named like any database.
if command -v gio >/dev/null && command -v sqlite3 >/dev/null; then
    probe="$(mktemp -d)"
    # A real workspace, made by the installed CLI, under a name that says nothing.
    momok import /usr/share/momok-studio/datasets/countries --workspace "$probe/marked.db" >/dev/null
    sqlite3 "$probe/plain.db" 'CREATE TABLE t(a);'
    marked="$(gio info -a standard::content-type "$probe/marked.db" | sed -n 's/.*content-type: //p')"
    plain="$(gio info -a standard::content-type "$probe/plain.db" | sed -n 's/.*content-type: //p')"
    rm -rf "$probe"
    echo "workspace made by momok import: $marked; plain SQLite file: $plain"
    [[ $marked == application/x-momok-workspace ]] || fail "a workspace is not recognised by its content"
    [[ $plain == application/vnd.sqlite3 ]] || fail "a plain SQLite file is taken for something else"
    ok "workspaces are recognised by content, plain SQLite files are not taken for them"
else
    echo "-- note: no gio or sqlite3 here: the MIME type by content is not checked"
fi

step "apt-get purge -y $package"
apt-get purge -y -q "$package"
if dpkg -L "$package" >/dev/null 2>&1; then
    fail "dpkg -L $package still lists files"
fi
ok "dpkg -L $package: not installed"

step "nothing of the package is left"
left=0
for path in "${payload[@]}"; do
    # Directories such as /usr/share/icons are shared with other packages: only files,
    # links and the package's own directories must be gone.
    if [[ -d $path && ! -L $path ]]; then
        case $path in
            /usr/share/momok-studio* | /usr/share/doc/momok-studio* | /usr/libexec/momok-studio*) ;;
            *) continue ;;
        esac
    fi
    if [[ -e $path || -L $path ]]; then
        echo "left behind: $path"
        left=$((left + 1))
    fi
done
[[ ! -e /usr/share/momok-studio ]] || fail "/usr/share/momok-studio is still there"
[[ ! -e /usr/libexec/momok-studio ]] || fail "/usr/libexec/momok-studio is still there"
[[ $left -eq 0 ]] || fail "$left paths of the package are left"
hash -r
! command -v momok >/dev/null || fail "momok is still on PATH: $(command -v momok)"
ok "all ${#payload[@]} paths are gone"

printf '\nAll %d steps passed for %s.\n' "$step" "$(basename "$deb")"
