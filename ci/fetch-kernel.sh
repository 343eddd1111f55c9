#!/usr/bin/env bash
# Usage: ci/fetch-kernel.sh VERSION
# Downloads the newest Debian package for kernel line VERSION (see
# kernels.txt) through the private apt configuration, unpacks it with
# dpkg -x, and prints the path of its vmlinuz. Cached under
# $CACHE/kernels/VERSION.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
case "${1:-}" in -h | --help) usage 0 ;; esac
[ $# -eq 1 ] || usage
ver="$1"
re="$(kernels | awk -v v="$ver" '$1 == v { print $2 }')"
[ -n "$re" ] || die "kernel $ver is not in ci/kernels.txt"
dir="$CACHE/kernels/$ver"
# A cache entry is complete once it says whether the package has null_blk
# (entries from before modules were kept are fetched again).
if [ -f "$dir/vmlinuz" ] && [ -f "$dir/modules.done" ]; then
	echo "$dir/vmlinuz"
	exit 0
fi
compgen -G "$CACHE/apt/lists/*Packages*" >/dev/null || "$CI_DIR/apt-update.sh"
pkg="$(papt apt-cache pkgnames 2>/dev/null | grep -E "$re" | sort -V | tail -1)"
[ -n "$pkg" ] || die "no package matches $re (run ci/apt-update.sh?)"
log "kernel $ver: $pkg"
mkdir -p "$dir/deb" "$dir/root"
(cd "$dir/deb" && papt apt-get -q download "$pkg" >&2)
dpkg -x "$dir"/deb/*.deb "$dir/root"
# /boot/vmlinuz-<release> up to 7.1; /usr/lib/modules/<release>/vmlinuz
# in the newer layout (sid's 7.2).
img="$(find "$dir/root/boot" "$dir/root/usr/lib/modules" -maxdepth 2 \( -name 'vmlinuz-*' -o -name vmlinuz \) -type f 2>/dev/null | head -1 || true)"
[ -n "$img" ] || die "no vmlinuz in $pkg"
cp "$img" "$dir/vmlinuz"
echo "$pkg" > "$dir/package"
# null_blk and what it depends on (configfs), for the IOPOLL cases: the
# VM's init loads them in the order of modules/order.
rm -rf "$dir/modules"
has_null_blk() { [ -n "$(find "$dir/root" -type f -name 'null_blk.ko*' 2>/dev/null | head -1)" ]; }
# From 6.19 Debian splits the image: modules come in linux-modules-<release>.
if ! has_null_blk && [ "${pkg#linux-binary-}" != "$pkg" ]; then
	mpkg="linux-modules-${pkg#linux-binary-}"
	mkdir -p "$dir/mdeb"
	if (cd "$dir/mdeb" && papt apt-get -q download "$mpkg" >&2); then
		dpkg -x "$dir"/mdeb/*.deb "$dir/root"
	else
		log "kernel $ver: could not fetch $mpkg"
	fi
	rm -rf "$dir/mdeb"
fi
collect_null_blk "$dir/root" "$dir/modules" || { log "kernel $ver: no null_blk module in $pkg"; rm -rf "$dir/modules"; }
touch "$dir/modules.done"
case "$img" in
*/boot/vmlinuz-*) basename "$img" | sed 's/^vmlinuz-//' ;;
*) basename "$(dirname "$img")" ;;
esac > "$dir/release"
rm -rf "$dir/root" "$dir/deb"
echo "$dir/vmlinuz"
