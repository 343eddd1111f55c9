#!/usr/bin/env bash
# Usage: ci/repro-vm.sh --kernel IMAGE [--modules DIR] [--out FILE.json]
#                       [--bin BINARY] [-- SELECTION...]
# Runs the findings' standalone reproducers (expectations/repro/*.c, each
# built here with `cc -static`) in a VM on IMAGE, together with the suite's
# trials for the same findings, in one boot, so that a reproducer's
# GOOD/BAD can be checked against the suite on a kernel other than the
# host's. In the VM, `uring-conform findings --check-repros` runs each
# reproducer with its arguments and says whether its verdict agrees with
# the suite's expectation for that kernel (n/a: it cannot run there, e.g.
# the kernel lacks its setup flag, where no deviation is expected); the
# suite's own verdicts are in the report.
#
#   --kernel, --modules, --bin  as for ci/boot.sh --kernel
#   --out FILE.json             the suite's report (default
#                               reports/runs/<release>.json); the
#                               reproducers' lines go to FILE.repro.txt
#   SELECTION                   the trials to run with them (default: every
#                               trial a finding with a reproducer names,
#                               from `uring-conform findings --json`)
# Exit 0 when the VM ran and every reproducer agreed, 1 otherwise.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
boot_args=(); bin=""; out=""; sel=()
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel | --modules) boot_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
	--out) out="${2:?--out needs a FILE.json}"; shift 2 ;;
	--bin) bin="${2:?--bin needs a binary}"; shift 2 ;;
	--) shift; sel=("$@"); break ;;
	-h | --help) usage 0 ;;
	*) log "unknown option $1"; usage ;;
	esac
done
[ ${#boot_args[@]} -gt 0 ] || usage
[ -n "$bin" ] || bin="$("$CI_DIR/build.sh")"
case "$out" in "" | *.json) ;; *) die "--out takes a FILE.json" ;; esac
command -v cc >/dev/null || die "cc not found"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
for c in "$ROOT"/expectations/repro/*.c; do
	cc -static -O2 -o "$dir/$(basename "$c" .c)" "$c" || die "$c does not build with cc -static"
done
if [ ${#sel[@]} -eq 0 ]; then
	command -v jq >/dev/null || die "jq not found (give a SELECTION)"
	mapfile -t sel < <("$bin" findings --json | jq -r '.[] | select(.repro | length > 0) | .trials[]' | sed 's/\[.*//' | sort -u)
fi
log "reproducers: $(cd "$dir" && echo *); trials: ${sel[*]}"
"$CI_DIR/boot.sh" "${boot_args[@]}" --bin "$bin" --repro "$dir" ${out:+--out "$out"} -- "${sel[@]}"
report="${out:-}"
if [ -z "$report" ]; then
	# boot.sh named it after the release.
	report="$ROOT/reports/runs/$(kernel_release "${boot_args[1]}").json"
fi
txt="${report%.json}.repro.txt"
[ -s "$txt" ] || die "no reproducer lines came back ($txt)"
cat "$txt"
! grep -qE ' (DISAGREE|ERROR)$' "$txt"
