#!/usr/bin/env bash
# Boots a kernel under QEMU (single-threaded TCG, see ci/README.md), runs
# the suite inside and writes the run report.
#
#   ci/boot.sh VERSION BINARY [OUTDIR]
#       a Debian kernel line from ci/kernels.txt (fetched and cached by
#       ci/fetch-kernel.sh), or a patched kernel's name from
#       ci/patched-kernels.txt (built and cached by ci/build-kernel.sh);
#       the report is OUTDIR/<release>.json (default reports/runs).
#   ci/boot.sh --kernel IMAGE [OPTIONS] [-- RUN-ARGS...]
#       any kernel image: a bzImage, or an ELF vmlinux (booted through its
#       PVH entry). Options:
#         --modules DIR   modules matching IMAGE: a directory with
#                         lib/modules/<release>/ (make modules_install
#                         INSTALL_MOD_PATH=DIR) or with .ko files; null_blk
#                         and what it depends on are loaded (a built-in
#                         null_blk gets the same parameters on the command
#                         line, so nothing is needed for it)
#         --append ARGS   extra kernel command line
#         --label L       the machine's name in the report (default
#                         qemu-tcg-<release>)
#         --out PATH      where the report goes: a FILE.json, or a
#                         directory for <release>.json (default
#                         reports/runs)
#         --bin BINARY    a static uring-conform (default: ci/build.sh)
#         --repro DIR     static builds of the findings' reproducers
#                         (ci/repro-vm.sh makes them): run in the VM
#                         before the suite, each verdict compared with the
#                         suite's expectation for the kernel; their lines
#                         go to <report>.repro.txt
#       RUN-ARGS go to `uring-conform run` inside the VM, e.g.
#       -- groups/ --kmsg
# The kernel's config needs what ci/guest-kernel.config lists (serial
# console, initramfs, devtmpfs, tmpfs, the namespaces, KALLSYMS).
# A kernel that hangs, panics or ends without the end marker is retried
# once, then recorded as a report whose every trial is `error` with the
# reason, so a matrix never has a silent gap. Exit 0 when the report came
# back (whatever its verdicts), 1 otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
image=""; mods=""; append=""; label=""; out="$ROOT/reports/runs"; bin=""; ver=""; repro=""
run_args=()
if [ "${1:-}" = --kernel ] || [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	while [ $# -gt 0 ]; do
		case "$1" in
		--kernel) image="${2:?--kernel needs an image}"; shift 2 ;;
		--modules) mods="${2:?--modules needs a directory}"; shift 2 ;;
		--append) append="${2?--append needs arguments}"; shift 2 ;;
		--label) label="${2:?--label needs a name}"; shift 2 ;;
		--out) out="${2:?--out needs a path}"; shift 2 ;;
		--bin) bin="${2:?--bin needs a binary}"; shift 2 ;;
		--repro) repro="${2:?--repro needs a directory}"; shift 2 ;;
		--) shift; run_args=("$@"); break ;;
		-h | --help) usage 0 ;;
		*) log "unknown option $1"; usage ;;
		esac
	done
	[ -f "$image" ] || die "kernel image $image does not exist"
	image="$(cd "$(dirname "$image")" && pwd)/$(basename "$image")"
	release="$(kernel_release "$image")"
	[ -n "$release" ] || die "$image is not a bzImage or a vmlinux with a Linux version string"
	if [ -n "$mods" ]; then
		[ -d "$mods" ] || die "modules directory $mods does not exist"
		mdir="$CACHE/modules/$(printf '%s' "$image" | sha256sum | cut -c1-12)"
		rm -rf "$mdir"; mkdir -p "$mdir"
		collect_null_blk "$mods" "$mdir" || die "no null_blk module under $mods"
		mods="$mdir"
	fi
	work="$CACHE/runs/custom-$(printf '%s' "$image $label" | sha256sum | cut -c1-12)"
else
	[ $# -ge 2 ] || usage
	ver="$1"; bin="$2"; out="${3:-$ROOT/reports/runs}"
	if [ -n "$(patched_field "$ver" 2)" ]; then
		# A patched kernel: built (or found cached) by build-kernel.sh.
		image="$(patched_image "$ver")"
		release="$(cat "$(dirname "$image")/release")"
		label="$(patched_field "$ver" 4)"
		mods=""
	else
		image="$("$CI_DIR/fetch-kernel.sh" "$ver")"
		release="$(cat "$(dirname "$image")/release")"
		mods="$(dirname "$image")/modules"
	fi
	work="$CACHE/runs/$ver"
fi
[ -n "$label" ] || label="qemu-tcg-${ver:-$release}"
[ -n "$bin" ] || bin="$("$CI_DIR/build.sh")"
case "$out" in
*.json) mkdir -p "$(dirname "$out")"; report="$out" ;;
*) mkdir -p "$out"; report="$out/$release.json" ;;
esac
limit="${URING_CONFORM_VM_TIMEOUT:-1500}"
# One work directory per kernel (and label): a rerun starts it afresh.
if [ -e "$work/console.log" ]; then
	log "kernel $release ($label): reusing $work: the previous run's console log $work/console.log is overwritten"
fi
rm -rf "$work"; mkdir -p "$work"
if [ -n "$repro" ]; then
	[ -d "$repro" ] || die "reproducer directory $repro does not exist"
	repro="$(cd "$repro" && pwd)"
fi
URING_CONFORM_REPRO_DIR="$repro" "$CI_DIR/initramfs.sh" "$bin" "$label" "$work/initrd.gz" "$mods" "${run_args[@]}"
accel="tcg,thread=single"
if [ "${URING_CONFORM_KVM:-0}" = 1 ]; then accel=kvm; fi
cmdline="console=ttyS0 panic=-1 oops=panic quiet loglevel=4 $(null_blk_cmdline) $append"
for attempt in 1 2; do
	log "kernel $release ($label): boot $attempt (console: $work/console.log)"
	start=$(date +%s)
	: > "$work/console.log"
	timeout --kill-after=10 "$limit" qemu-system-x86_64 \
		-machine pc -accel "$accel" -m 2048 -smp 2 \
		-kernel "$image" -initrd "$work/initrd.gz" \
		-append "$cmdline" \
		-display none -monitor none -no-reboot \
		-serial "file:$work/console.log" -serial "file:$work/results.txt" \
		> "$work/qemu.log" 2>&1 &
	vm=$!
	# QEMU runs in the background (for the stream below): it must not
	# outlive this script, which an interrupt would otherwise leave it to.
	trap 'kill "$vm" 2>/dev/null || true' EXIT
	# The run's progress as it happens: the guest's console (boot
	# messages, the suite's progress lines and failures, see ci/init),
	# each line named by its kernel (matrix.sh boots several at once);
	# tail ends when the VM does. The markers are the host's business.
	tail -n +1 -F --pid="$vm" "$work/console.log" 2>/dev/null |
		sed -u -e 's/\r$//' -e '/^@@URING-CONFORM-/d' -e "s/^/  $release | /" >&2 &
	streamer=$!
	wait "$vm" || true
	wait "$streamer" || true
	secs=$(( $(date +%s) - start ))
	if grep -q "@@URING-CONFORM-DONE@@" "$work/console.log" 2>/dev/null &&
		awk '/@@URING-CONFORM-REPORT-BEGIN@@/{f=1;next} /@@URING-CONFORM-REPORT-END@@/{f=0} f' "$work/results.txt" | tr -d '\r' > "$work/report.json" &&
		[ -s "$work/report.json" ]; then
		cp "$work/report.json" "$report"
		if [ -n "$repro" ]; then
			sed -n 's/\r$//; s/^uring-conform: repro /repro /p' "$work/console.log" > "${report%.json}.repro.txt"
			log "kernel $release ($label): reproducers: ${report%.json}.repro.txt ($(grep -c ' agree$' "${report%.json}.repro.txt" || true) agree, $(grep -c ' n/a$' "${report%.json}.repro.txt" || true) n/a, $(grep -cE ' (DISAGREE|ERROR)$' "${report%.json}.repro.txt" || true) not)"
		fi
		log "kernel $release ($label): done in ${secs}s, $(grep -o '@@URING-CONFORM-DONE@@ rc=[0-9]*' "$work/console.log"), report $report"
		exit 0
	fi
	if [ "$attempt" = 1 ]; then
		# The retry's console goes to console.log: this one is kept.
		mv "$work/console.log" "$work/console.1.log"
		log "kernel $release ($label): no end marker after ${secs}s (attempt 1); its console log is $work/console.1.log"
	else
		log "kernel $release ($label): no end marker after ${secs}s (attempt 2); console log $work/console.log"
	fi
done
reason="VM run failed twice: no end marker (hang, panic or boot failure) within ${limit}s; console tail: $(tail -n 5 "$work/console.log" 2>/dev/null | tr -d '\r' | tr '\n' ' ' | tr -d "\"\\\\" | cut -c1-400)"
"$bin" failed-run --label "$label" --kernel "$release" --reason "$reason" > "$report"
log "kernel $release ($label): recorded as failed in $report"
exit 1
