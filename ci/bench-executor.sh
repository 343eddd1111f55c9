#!/usr/bin/env bash
# Usage: ci/bench-executor.sh [--kernel IMAGE [--modules DIR]] [--bin BINARY]
#                             [--out FILE.json] [-- SELECTION...]
#        ci/bench-executor.sh --from FILE.json
# Where a trial's time goes: runs the selection (default: the whole suite)
# one trial at a time with `run --phases` and prints, over the trials that
# ran, the median and the total of each phase of a trial's process:
#   start       the parent's spawn to the child's main (fork, exec, the
#               loader: the executor's cost per trial)
#   prepare     main to the case body (the parent's probe read, the trial
#               found)
#   case        the case body, and of it: ring setup (io_uring_setup, mmap,
#               ring fd registration) and quiet (the checked ring's
#               "nothing else arrived")
#   exit        the rest of the trial's duration: teardown and the reaping
# On this machine by default; with --kernel, inside a TCG VM (ci/boot.sh,
# whose options --kernel, --modules and --bin it passes on).
# --from prints the figures of a report already made with `run --phases`
# (e.g. a matrix run's: its trials ran in parallel, so each phase also
# holds the waits for a CPU).
# Figures, not a test: nothing here passes or fails on a number.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
boot_args=(); bin=""; out=""; sel=(); from=""
while [ $# -gt 0 ]; do
	case "$1" in
	--kernel | --modules) boot_args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
	--bin) bin="${2:?--bin needs a binary}"; shift 2 ;;
	--out) out="${2:?--out needs a FILE.json}"; shift 2 ;;
	--from) from="${2:?--from needs a FILE.json}"; shift 2 ;;
	-h | --help) usage 0 ;;
	--) shift; sel=("$@"); break ;;
	*) log "unknown argument $1"; usage ;;
	esac
done
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
[ -n "$out" ] || out="$tmp/bench.json"
if [ -n "$from" ]; then
	out="$from"
	where="$(jq -r '"\(.kernel.release), machine \(.machine.label), \(.jobs) jobs"' "$out")"
elif [ ${#boot_args[@]} -gt 0 ]; then
	[ -n "$bin" ] || bin="$("$CI_DIR/build.sh")"
	"$CI_DIR/boot.sh" "${boot_args[@]}" --bin "$bin" --label bench-executor --out "$out" -- --phases --jobs 1 "${sel[@]}" >&2
	where="a TCG VM ($(jq -r .kernel.release "$out"))"
else
	[ -n "$bin" ] || { (cd "$ROOT" && cargo build -q --release --bin uring-conform >&2); bin="$ROOT/target/release/uring-conform"; }
	"$bin" run --phases --jobs 1 --quiet --json "$out" "${sel[@]}" >/dev/null 2>"$tmp/run.log" || true
	where="this machine ($(uname -r), $(nproc) CPUs)"
fi
echo "where a trial's time goes, on $where: $(jq '[.results[] | select(.phases)] | length' "$out") trials"
jq -r '
	[.results[] | select(.phases) | .phases + {total_ms: .duration_ms}
		| . + {exit_ms: ([.total_ms - .start_ms - .prepare_ms - .case_ms, 0] | max)}] as $t
	| def med(f): ($t | map(f) | sort) as $s | if ($s | length) == 0 then 0 else $s[($s | length) / 2 | floor] end;
	  def sum(f): $t | map(f) | add // 0;
	  (sum(.total_ms)) as $all
	| ["phase", "median ms", "total s", "share"],
	  (["start", (med(.start_ms)), (sum(.start_ms))], ["prepare", med(.prepare_ms), sum(.prepare_ms)],
	   ["case", med(.case_ms), sum(.case_ms)], ["  ring setup", med(.ring_setup_ms), sum(.ring_setup_ms)],
	   ["  quiet", med(.quiet_ms), sum(.quiet_ms)], ["exit", med(.exit_ms), sum(.exit_ms)],
	   ["whole trial", med(.total_ms), $all]
	   | [.[0], (.[1] * 100 | round / 100 | tostring), (.[2] / 10 | round / 100 | tostring),
	      (if $all > 0 then (.[2] / $all * 1000 | round / 10 | tostring) + "%" else "-" end)])
	| @tsv' "$out" | column -t -s "$(printf '\t')"
