#!/usr/bin/env bash
# The suite's self-check against kernels with bugs it does not know:
#   ci/mutants.sh [--out DIR] [MUTANT...]
# Each file in ci/mutants/ is one small, deliberate deviation from
# documented io_uring behaviour, a patch against Debian's 6.12.118 source
# ($MUTANT_SOURCE), with a header saying what it changes, what the
# documentation says, and which trials must catch it (`Caught-by:` globs
# over trial IDs). For the unpatched source first (the baseline, which must
# have no unexpected failure) and then for each deviation, one at a time,
# this builds the kernel (ci/build-kernel.sh: cached, incremental after
# the first), runs the whole suite in a VM (ci/boot.sh) and prints:
#   caught             at least 3 trials named by Caught-by fail (fail,
#                      timeout, crash, error or xpass): one behaviour has
#                      several witnesses, so no deviation rests on one
#                      lucky trial
#   caught by too few  1 or 2 named trials fail
#   caught indirectly  trials fail, none of those named
#   missed             nothing fails: a defect in the suite (a missing or
#                      too loose case, or a probe that hides the bug)
# MUTANT names files in ci/mutants/ (without .diff); the default is all.
# Reports go to DIR (default ci/.cache/mutants/<date>), one per kernel.
# Exit 0 when every deviation is caught directly and the baseline is
# clean, 1 otherwise. VMs run $URING_CONFORM_VM_JOBS at a time (default:
# the number of CPUs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MUTANT_SOURCE=6.12.118-1
mdir="$CI_DIR/mutants"
out="$CACHE/mutants/$(date +%Y%m%d-%H%M%S)"
names=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out="${2:?--out needs a directory}"; shift 2 ;;
	-h | --help) usage 0 ;;
	-*) log "unknown option $1"; usage ;;
	*) [ -f "$mdir/$1.diff" ] || die "no mutant $1 in ci/mutants/"; names+=("$1"); shift ;;
	esac
done
if [ ${#names[@]} -eq 0 ]; then
	for f in "$mdir"/*.diff; do names+=("$(basename "$f" .diff)"); done
fi
mkdir -p "$out"
start=$(date +%s)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The kernels, built one at a time (each build takes every CPU).
build() { # NAME [PATCH]: prints the image
	local name="$1" series=()
	if [ $# -gt 1 ]; then
		mkdir -p "$tmp/$name"; cp "$2" "$tmp/$name/"; series=("$tmp/$name")
	fi
	"$CI_DIR/build-kernel.sh" --name "mutant-$name" "$MUTANT_SOURCE" "${series[@]}"
}
: > "$tmp/images"
echo "baseline $(build none)" >> "$tmp/images"
for n in "${names[@]}"; do echo "$n $(build "$n" "$mdir/$n.diff")" >> "$tmp/images"; done
bin="$("$CI_DIR/build.sh")"

# The runs, as many VMs at once as there are CPUs.
jobs="${URING_CONFORM_VM_JOBS:-$(nproc)}"
log "running the suite on $(wc -l < "$tmp/images") kernels, $jobs at a time"
export bin out CI_DIR
# shellcheck disable=SC2016 # expanded by the inner shell
xargs -P "$jobs" -L1 bash -c '"$CI_DIR/boot.sh" --kernel "$1" --bin "$bin" --label "mutant $0" --out "$out/$0.json" >"$out/$0.log" 2>&1 || echo "boot of $0 failed (see $out/$0.log)" >&2' < "$tmp/images"

# The verdicts.
failing() { # REPORT: the IDs of trials with an unexpected outcome
	[ -f "$1" ] || return 0
	jq -r '.results[] | select(.outcome | IN("fail", "timeout", "crash", "error", "xpass")) | .id' "$1"
}
ok=1
printf '%-34s %-18s %s\n' deviation verdict "failing trials (named by Caught-by first)"
base="$(failing "$out/baseline.json" | wc -l)"
if [ ! -f "$out/baseline.json" ] || [ "$base" -ne 0 ]; then
	ok=0
	printf '%-34s %-18s %s\n' "(baseline)" "NOT CLEAN" "$base unexpected failures: $(failing "$out/baseline.json" | head -5 | tr '\n' ' ')"
else
	printf '%-34s %-18s %s\n' "(baseline)" "clean" "0 unexpected failures"
fi
for n in "${names[@]}"; do
	mapfile -t globs < <(sed -n 's/^Caught-by: //p' "$mdir/$n.diff")
	mapfile -t fails < <(failing "$out/$n.json")
	direct=()
	for id in "${fails[@]}"; do
		for g in "${globs[@]}"; do
			# shellcheck disable=SC2053 # the glob is meant to match
			if [[ "$id" == $g ]]; then direct+=("$id"); break; fi
		done
	done
	if [ ! -f "$out/$n.json" ]; then
		verdict="NO REPORT"; ok=0
	elif [ ${#direct[@]} -ge 3 ]; then
		verdict="caught"
	elif [ ${#direct[@]} -gt 0 ]; then
		verdict="caught by too few"; ok=0
	elif [ ${#fails[@]} -gt 0 ]; then
		verdict="caught indirectly"; ok=0
	else
		verdict="MISSED"; ok=0
	fi
	shown="${direct[*]:0:3}"
	[ ${#direct[@]} -gt 3 ] && shown+=" (+$(( ${#direct[@]} - 3 )) more)"
	[ ${#direct[@]} -eq 0 ] && shown="${fails[*]:0:3}"
	printf '%-34s %-18s %3d failing: %s\n' "$n" "$verdict" "${#fails[@]}" "$shown"
done
log "self-check done in $(( $(date +%s) - start ))s; reports in $out"
[ $ok = 1 ]
