#!/usr/bin/env bash
# The one command for the kernel matrix:
#   ci/matrix.sh [VERSION...]     (default: every kernel in ci/kernels.txt)
# Installs QEMU and busybox if missing, fetches and caches the kernels,
# builds the static suite, boots each kernel under QEMU (as many at once as
# there are CPUs, URING_CONFORM_VM_JOBS to change), writes
# reports/runs/<release>.json for each, and renders reports/matrix.{md,html,csv}.
source "$(dirname "$0")/lib.sh"
start=$(date +%s)
"$CI_DIR/setup.sh"
"$CI_DIR/apt-update.sh"
mapfile -t versions < <(if [ $# -gt 0 ]; then printf '%s\n' "$@"; else kernels | awk '{print $1}'; fi)
for v in "${versions[@]}"; do "$CI_DIR/fetch-kernel.sh" "$v" >/dev/null; done
bin="$("$CI_DIR/build.sh")"
jobs="${URING_CONFORM_VM_JOBS:-$(nproc)}"
log "booting ${#versions[@]} kernels, $jobs at a time"
failed=0
printf '%s\n' "${versions[@]}" | xargs -P "$jobs" -I{} "$CI_DIR/boot.sh" {} "$bin" "$ROOT/reports/runs" || failed=1
"$bin" matrix --out "$ROOT/reports" "$ROOT"/reports/runs/*.json
log "matrix done in $(( $(date +%s) - start ))s$([ $failed = 1 ] && echo ' (some kernels failed to run: see their reports)')"
