# shellcheck shell=bash
# Shared helpers for the ci/ scripts (sourced, not run).
set -euo pipefail

CI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$CI_DIR/.." && pwd)"
CACHE="${URING_CONFORM_CACHE:-$ROOT/ci/.cache}"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# usage [STATUS]: a script's usage is its header comment (the comment
# lines after the shebang, up to the first command). `usage 0` answers
# --help: on stdout, exit 0. A mistake in the arguments gets `usage`: on
# stderr, exit 2.
usage() {
	local status="${1:-2}"
	if [ "$status" = 0 ]; then _header; else _header >&2; fi
	exit "$status"
}
_header() { awk 'NR > 1 { if (!/^#/) exit; sub(/^# ?/, ""); print }' "$0"; }

# apt with a private configuration: its own sources, lists and cache under
# $CACHE/apt, so the machine's apt state is never touched.
papt() {
	local d="$CACHE/apt"
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc/preferences.d"
	: > "$d/status"
	cp "$CI_DIR/apt.sources" "$d/etc/sources.list"
	"$@" -o Dir::Etc::SourceList="$d/etc/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent \
		-o Dir::Etc::Preferences="$d/etc/preferences" \
		-o Dir::Etc::PreferencesParts="$d/etc/preferences.d" \
		-o Dir::State::Lists="$d/lists" \
		-o Dir::State::Status="$d/status" \
		-o Dir::Cache="$d/cache" \
		-o APT::Architecture=amd64 \
		-o Acquire::Check-Valid-Until=false \
		-o Acquire::Languages=none \
		-o APT::Sandbox::User=root
}

# Each line of kernels.txt: version suite package-regex
kernels() { grep -v '^\s*#' "$CI_DIR/kernels.txt" | grep -v '^\s*$'; }

# null_blk for the IOPOLL cases: one memory-backed device with a poll
# queue. A module gets these from ci/init's insmod; a built-in null_blk
# from the kernel command line (null_blk.KEY=VALUE), which boot.sh always
# adds (an unknown module.param on the command line is ignored).
NULL_BLK_PARAMS="nr_devices=1 queue_mode=2 poll_queues=1 submit_queues=1 memory_backed=1 gb=1 bs=4096"
null_blk_cmdline() { local p; for p in $NULL_BLK_PARAMS; do printf 'null_blk.%s ' "$p"; done; }

# collect_null_blk ROOT DEST: copies null_blk's module found under ROOT,
# and the modules it depends on, uncompressed into DEST (busybox insmod
# reads plain .ko files), writing DEST/order with dependencies first.
collect_null_blk() {
	local root="$1" dest="$2"
	_modfile() { find "$root" -type f \( -name "$1.ko" -o -name "$1.ko.*" \) 2>/dev/null | sort | head -1; }
	_modcat() { case "$1" in *.xz) xz -dc "$1" ;; *.zst) zstd -qdc "$1" ;; *.gz) gzip -dc "$1" ;; *) cat "$1" ;; esac; }
	_unpack() {
		local f deps d; f="$(_modfile "$1")"
		[ -n "$f" ] || return 1
		deps="$(_modcat "$f" | strings | sed -n 's/^depends=//p' | tr ',' ' ')"
		for d in $deps; do grep -qx "$d" "$dest/order" 2>/dev/null || _unpack "$d" || return 1; done
		_modcat "$f" > "$dest/$1.ko"
		echo "$1" >> "$dest/order"
	}
	mkdir -p "$dest"; : > "$dest/order"
	_unpack null_blk
}

# kernel_release IMAGE: the release string inside a bzImage (its setup
# header points at the version string) or an ELF vmlinux.
kernel_release() {
	local img="$1" magic off
	magic="$(dd if="$img" bs=1 skip=514 count=4 2>/dev/null)"
	if [ "$magic" = HdrS ]; then
		off="$(od -An -tu2 -j526 -N2 "$img" | tr -d ' ')"
		# (the groups keep an early-closing reader from failing the
		# pipeline under pipefail)
		{ dd if="$img" bs=1 skip=$((off + 512)) count=200 2>/dev/null | tr '\0' '\n' || true; } | awk 'NR == 1 {print $1}'
	else
		{ strings "$img" || true; } | awk '/^Linux version [0-9]/ {print $3; exit}'
	fi
}

# Patched kernels (patched-kernels.txt): name source series-dir label...
SERIES_DIR="${URING_CONFORM_SERIES:-$(cd "$ROOT/.." && pwd)/shared/series}"
patched() { grep -v '^\s*#' "$CI_DIR/patched-kernels.txt" | grep -v '^\s*$'; }
# patched_field NAME FIELD: 2 source, 3 series directory, 4 label
patched_field() {
	patched | awk -v n="$1" -v f="$2" '$1 == n { if (f == 4) { $1 = $2 = $3 = ""; sub(/^ +/, ""); print } else print $f }'
}
# patched_image NAME: builds (or finds cached) the patched kernel NAME and
# prints its image path.
patched_image() {
	local src dir
	src="$(patched_field "$1" 2)"; dir="$(patched_field "$1" 3)"
	[ -n "$src" ] || die "no patched kernel named $1 in ci/patched-kernels.txt"
	[ -d "$SERIES_DIR/$dir" ] || die "series $dir not found under $SERIES_DIR (set URING_CONFORM_SERIES)"
	"$CI_DIR/build-kernel.sh" --name "$1" "$src" "$SERIES_DIR/$dir"
}
