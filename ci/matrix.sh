#!/usr/bin/env bash
# The one command for the kernel matrix:
#   ci/matrix.sh [KERNEL...]
# KERNEL is a Debian kernel line from ci/kernels.txt or a patched kernel's
# name from ci/patched-kernels.txt; the default is all of both (patched
# kernels only where their series directory is found).
# Installs QEMU and busybox if missing, fetches and caches the Debian
# kernels, builds the patched ones (one at a time, each with every CPU;
# cached), builds the static suite, boots each kernel under QEMU (as many
# at once as there are CPUs, URING_CONFORM_VM_JOBS to change), writes
# reports/runs/<release>.json for each, and renders reports/matrix.{md,html,csv,json}.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
case "${1:-}" in -h | --help) usage 0 ;; -*) log "unknown option $1"; usage ;; esac
start=$(date +%s)
"$CI_DIR/setup.sh"
"$CI_DIR/apt-update.sh"
if [ $# -gt 0 ]; then
	versions=("$@")
else
	mapfile -t versions < <(kernels | awk '{print $1}')
	while read -r name _ dir _; do
		if [ -d "$SERIES_DIR/$dir" ]; then versions+=("$name"); else log "patched kernel $name left out: no $SERIES_DIR/$dir (set URING_CONFORM_SERIES)"; fi
	done < <(patched)
fi
for v in "${versions[@]}"; do
	if [ -n "$(patched_field "$v" 2)" ]; then patched_image "$v" >/dev/null; else "$CI_DIR/fetch-kernel.sh" "$v" >/dev/null; fi
done
bin="$("$CI_DIR/build.sh")"
jobs="${URING_CONFORM_VM_JOBS:-$(nproc)}"
log "booting ${#versions[@]} kernels, $jobs at a time"
failed=0
printf '%s\n' "${versions[@]}" | xargs -P "$jobs" -I{} "$CI_DIR/boot.sh" {} "$bin" "$ROOT/reports/runs" || failed=1
"$bin" matrix --out "$ROOT/reports" "$ROOT"/reports/runs/*.json
log "matrix done in $(( $(date +%s) - start ))s$([ $failed = 1 ] && echo ' (some kernels failed to run: see their reports)')"
