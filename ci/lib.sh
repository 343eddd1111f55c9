# Shared helpers for the ci/ scripts (sourced, not run).
set -euo pipefail

CI_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$CI_DIR/.." && pwd)"
CACHE="${URING_CONFORM_CACHE:-$ROOT/ci/.cache}"

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

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
