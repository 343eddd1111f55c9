#!/usr/bin/env bash
# Usage: ci/build-kernel.sh [--name NAME] SOURCE [SERIES_DIR...]
# Builds a small guest kernel (tinyconfig + ci/guest-kernel.config) from
# SOURCE with the patch series in each SERIES_DIR applied in order, and
# prints the path of its bzImage.
#
#   --name NAME the build's name, appended to its release
#               (CONFIG_LOCALVERSION="-NAME": "6.12.118-sqe-group-v8"), so
#               a run report says which series it ran on, and a known
#               deviation of a series can be pinned to it (`series` in
#               expectations/known-failures.toml).
#   SOURCE      a Debian source version, e.g. 6.12.118-1 (the package
#               linux-source-6.12 at that version, fetched through the
#               private apt configuration), or a path to a kernel tree
#               (used as it is, never modified: it is copied).
#   SERIES_DIR  a directory of patches, applied in name order: *.patch
#               with `git am`, *.diff with `git apply`. Patch series are
#               test inputs; this project keeps its copies outside the
#               repository (ci/README.md says where they come from).
#
# The image is cached under $CACHE/images/<key>, where the key hashes the
# source, every series file and the config fragment: a second call with
# the same inputs prints the cached path at once. Each source has one work
# tree (git) and one build directory; the series are applied as commits on
# top of the pristine source, so switching series rebuilds only the files
# they touch (an incremental build takes seconds to a minute, not minutes).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
name=""
case "${1:-}" in -h | --help) usage 0 ;; --name) name="${2:?--name needs a name}"; shift 2 ;; esac
[ $# -ge 1 ] || usage
[[ "$name" =~ ^[a-z0-9.-]*$ ]] || die "--name takes lower-case letters, digits, dots and dashes: $name"
src="$1"; shift
series=()
for s in "$@"; do
	[ -d "$s" ] || die "series directory $s does not exist"
	series+=("$(cd "$s" && pwd)")
done
fragment="$CI_DIR/guest-kernel.config"

"$CI_DIR/setup.sh" --kernel-build

# One name per source: the Debian version, or the tree's path hashed.
if [ -d "$src" ]; then
	src="$(cd "$src" && pwd)"
	if ! { [ -f "$src/Makefile" ] && [ -d "$src/io_uring" ]; }; then die "$src is not a kernel tree with io_uring/"; fi
	srcid="tree-$(printf '%s' "$src" | sha256sum | cut -c1-12)"
	# The tree's content identifies it: its git HEAD and status if it is a
	# git tree, else the listing with mtimes.
	if git -C "$src" rev-parse HEAD >/dev/null 2>&1; then
		srcstate="$(git -C "$src" rev-parse HEAD; git -C "$src" status --porcelain | sha256sum)"
	else
		srcstate="$(find "$src" -type f -newer "$src/Makefile" -printf '%P %T@\n' | sort | sha256sum)"
	fi
else
	[[ "$src" =~ ^([0-9]+\.[0-9]+)\.[0-9]+-[0-9a-z.~+]+$ ]] || die "SOURCE must be a Debian version like 6.12.118-1 or a kernel tree: $src"
	line="${BASH_REMATCH[1]}"
	srcid="debian-$src"
	srcstate="linux-source-$line=$src"
fi
key="$( {
	echo "$srcstate"
	for s in "${series[@]}"; do echo "series"; find "$s" -maxdepth 1 -type f \( -name '*.patch' -o -name '*.diff' \) | sort | xargs -r sha256sum | awk '{print $1}'; done
	sha256sum < "$fragment"
	sha256sum < "$0"
	echo "name $name"
} | sha256sum | cut -c1-16)"
img="$CACHE/images/$key"
if [ -f "$img/bzImage" ]; then
	log "kernel image cached: $img ($(cat "$img/release"))"
	echo "$img/bzImage"
	exit 0
fi

tree="$CACHE/src/$srcid"
if [ ! -d "$tree/.git" ]; then
	rm -rf "$tree"; mkdir -p "$tree"
	if [ -d "$src" ]; then
		log "copying $src"
		(cd "$src" && tar --exclude=.git -cf - .) | tar -C "$tree" -xf -
	else
		compgen -G "$CACHE/apt/lists/*Packages*" >/dev/null || "$CI_DIR/apt-update.sh"
		dl="$(mktemp -d)"
		trap 'rm -rf "$dl"' EXIT
		log "downloading linux-source-$line=$src"
		(cd "$dl" && papt apt-get -q download "linux-source-$line=$src" >&2) || die "no linux-source-$line at version $src in the private apt indexes"
		dpkg -x "$dl"/*.deb "$dl/root"
		tarball="$(find "$dl/root/usr/src" -maxdepth 1 -name 'linux-source-*.tar.*' | head -1)"
		[ -n "$tarball" ] || die "no source tarball in linux-source-$line"
		log "unpacking $(basename "$tarball")"
		tar -C "$tree" --strip-components=1 -xaf "$tarball"
		rm -rf "$dl"; trap - EXIT
	fi
	# Debian's .gitignore ignores everything (/*): add with -f.
	git -C "$tree" init -q
	git -C "$tree" -c user.name=uring-conform -c user.email=ci@uring-conform add -f -A
	git -C "$tree" -c user.name=uring-conform -c user.email=ci@uring-conform commit -q -m "pristine $srcid"
	git -C "$tree" tag -f pristine >/dev/null
fi

# Back to the pristine source, then each series as commits. git keeps the
# mtimes of files it does not touch, so make rebuilds only what changed.
gitc() { git -C "$tree" -c user.name=uring-conform -c user.email=ci@uring-conform "$@"; }
gitc am --abort >/dev/null 2>&1 || true
gitc checkout -q -f --detach pristine
gitc clean -q -f -d
for s in "${series[@]}"; do
	n=0
	for p in $(find "$s" -maxdepth 1 -type f \( -name '*.patch' -o -name '*.diff' \) | sort); do
		case "$p" in
		*.patch) gitc am -q --keep-cr "$p" || die "$(basename "$p") does not apply to $srcid" ;;
		*.diff) gitc apply --index "$p" || die "$(basename "$p") does not apply to $srcid"
			gitc commit -q -m "$(basename "$p")" ;;
		esac
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || die "no *.patch or *.diff in $s"
	log "applied $n patches from $s"
done

out="$CACHE/kbuild/$srcid"
mkdir -p "$out"
start=$(date +%s)
log "configuring (tinyconfig + $(basename "$fragment"))"
make -s -C "$tree" O="$out" tinyconfig >&2
local_cfg="$(mktemp)"
trap 'rm -f "$local_cfg"' EXIT
echo "CONFIG_LOCALVERSION=\"${name:+-$name}\"" > "$local_cfg"
echo "# CONFIG_LOCALVERSION_AUTO is not set" >> "$local_cfg"
"$tree/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$fragment" "$local_cfg" >/dev/null
make -s -C "$tree" O="$out" olddefconfig >&2
# Every line of the fragment must have survived olddefconfig (a symbol the
# source does not know, or one whose dependencies are missing, is dropped
# silently otherwise).
missing="$(grep -E '^CONFIG_[A-Z0-9_]+=' "$fragment" | while IFS= read -r l; do
	case "$l" in *=n) grep -qx "${l%=n}=y" "$out/.config" && echo "$l" ;; *) grep -qx "$l" "$out/.config" || echo "$l" ;; esac
done)"
[ -z "$missing" ] || log "warning: not in the final config: $(echo "$missing" | tr '\n' ' ')"
log "building bzImage with $(nproc) jobs"
# LOCALVERSION set (empty) in the environment: without it setlocalversion
# appends "+" for a git tree that is not at a release tag.
LOCALVERSION='' make -s -C "$tree" O="$out" -j"$(nproc)" bzImage >&2 || die "kernel build failed ($srcid)"
release="$(LOCALVERSION='' make -s -C "$tree" O="$out" kernelrelease)"
mkdir -p "$img.tmp"
cp "$out/arch/x86/boot/bzImage" "$img.tmp/bzImage"
echo "$release" > "$img.tmp/release"
{
	echo "source $srcid"
	for s in "${series[@]}"; do echo "series $s"; done
	gitc log --format='%h %s' pristine..HEAD
} > "$img.tmp/inputs"
rm -rf "$img"; mv "$img.tmp" "$img"
log "built $release in $(( $(date +%s) - start ))s: $img/bzImage"
echo "$img/bzImage"
