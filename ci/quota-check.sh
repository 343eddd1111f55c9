#!/usr/bin/env bash
# Usage: ci/quota-check.sh [RUNS] [QUOTA_PERCENT] [SELECTION...]
#
# Runs `uring-conform run` RUNS times (default 20) in a cgroup v1 cpu
# controller limited to QUOTA_PERCENT of one core (default 20), and counts
# per run what a starved machine must never produce: fail, xpass, timeout,
# crash; and the honest `error`s ("machine too loaded to time this"). Exits
# 1 when any run had a fail, xpass, timeout or crash. Root and
# /sys/fs/cgroup/cpu (cgroup v1) are needed; SELECTION (default: every
# trial) is passed to run. Needs a built ./target/release/uring-conform.
source "$(dirname "$0")/lib.sh"
case "${1:-}" in -h | --help) usage 0 ;; esac
runs="${1:-20}"
quota="${2:-20}"
shift 2 || true
[[ "$runs" =~ ^[0-9]+$ && "$quota" =~ ^[0-9]+$ ]] || usage
bin="$ROOT/target/release/uring-conform"
[ -x "$bin" ] || die "$bin is not built (cargo build --release)"
root=/sys/fs/cgroup/cpu
if [ "$(id -u)" != 0 ] || [ ! -w "$root" ]; then die "needs root and cgroup v1's cpu controller at $root"; fi
cg="$root/uring-conform-quota-$$"
mkdir "$cg"
trap 'rmdir "$cg" 2>/dev/null || true' EXIT
echo 100000 >"$cg/cpu.cfs_period_us"
echo $((quota * 1000)) >"$cg/cpu.cfs_quota_us"
bad=0
for i in $(seq 1 "$runs"); do
	json=$(mktemp)
	t0=$(date +%s)
	(
		echo "$BASHPID" >"$cg/tasks"
		exec "$bin" run --quiet --json "$json" "$@" >/dev/null 2>&1
	) || true
	t1=$(date +%s)
	counts=$(python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c = {}
for t in r["results"]:
    c[t["outcome"]] = c.get(t["outcome"], 0) + 1
loaded = sum(1 for t in r["results"] if t["outcome"] == "error" and "machine too loaded" in t["message"])
other = [t["id"] + ": " + t["message"].splitlines()[0][:160] for t in r["results"] if t["outcome"] in ("fail", "xpass", "timeout", "crash") or (t["outcome"] == "error" and "machine too loaded" not in t["message"])]
print(" ".join(f"{k} {c.get(k, 0)}" for k in ("pass", "xfail", "skip", "fail", "xpass", "timeout", "crash", "error")), f"(loaded {loaded})")
for o in other:
    print("   " + o)
PY
)
	rm -f "$json"
	echo "run $i ($((t1 - t0)) s): $counts"
	if printf '%s\n' "$counts" | grep -q '^   '; then bad=$((bad + 1)); fi
done
echo "quota ${quota}% of a core: $((runs - bad)) of $runs runs without a fail, xpass, timeout, crash or unexplained error"
[ "$bad" = 0 ]
