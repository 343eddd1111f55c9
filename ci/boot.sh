#!/usr/bin/env bash
# Usage: ci/boot.sh VERSION BINARY [OUTDIR]
# Boots kernel line VERSION under QEMU (TCG, single-threaded: ../shared/
# VMLAB.md), runs the suite inside, and writes OUTDIR/<release>.json (the
# run report). A kernel that hangs, panics or ends without the end marker
# is retried once, then recorded as a report whose every trial has the
# outcome `error` with the reason, so the matrix never has a silent gap.
source "$(dirname "$0")/lib.sh"
ver="${1:?version}"; bin="${2:?binary}"; outdir="${3:-$ROOT/reports/runs}"
limit="${URING_CONFORM_VM_TIMEOUT:-1500}"
vmlinuz="$("$CI_DIR/fetch-kernel.sh" "$ver")"
release="$(cat "$(dirname "$vmlinuz")/release")"
work="$CACHE/runs/$ver"
rm -rf "$work"; mkdir -p "$work" "$outdir"
"$CI_DIR/initramfs.sh" "$bin" "qemu-tcg-$ver" "$work/initrd.gz" "$(dirname "$vmlinuz")/modules"
accel="tcg,thread=single"
if [ "${URING_CONFORM_KVM:-0}" = 1 ]; then accel=kvm; fi
for attempt in 1 2; do
	log "kernel $ver ($release): boot $attempt"
	start=$(date +%s)
	timeout --kill-after=10 "$limit" qemu-system-x86_64 \
		-machine pc -accel "$accel" -m 2048 -smp 2 \
		-kernel "$vmlinuz" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=4" \
		-display none -monitor none -no-reboot \
		-serial "file:$work/console.log" -serial "file:$work/results.txt" \
		> "$work/qemu.log" 2>&1 || true
	secs=$(( $(date +%s) - start ))
	if grep -q "@@URING-CONFORM-DONE@@" "$work/console.log" 2>/dev/null &&
		awk '/@@URING-CONFORM-REPORT-BEGIN@@/{f=1;next} /@@URING-CONFORM-REPORT-END@@/{f=0} f' "$work/results.txt" | tr -d '\r' > "$work/report.json" &&
		[ -s "$work/report.json" ]; then
		cp "$work/report.json" "$outdir/$release.json"
		log "kernel $ver ($release): done in ${secs}s, $(grep -o '@@URING-CONFORM-DONE@@ rc=[0-9]*' "$work/console.log")"
		exit 0
	fi
	log "kernel $ver ($release): no end marker after ${secs}s (attempt $attempt); console tail:"
	tail -n 15 "$work/console.log" >&2 || true
done
reason="VM run failed twice: no end marker (hang, panic or boot failure) within ${limit}s; console tail: $(tail -n 5 "$work/console.log" 2>/dev/null | tr -d '\r' | tr '\n' ' ' | tr -d '"\\' | cut -c1-400)"
"$bin" failed-run --label "qemu-tcg-$ver" --kernel "$release" --reason "$reason" > "$outdir/$release.json"
log "kernel $ver ($release): recorded as failed"
exit 1
