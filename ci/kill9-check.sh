#!/usr/bin/env bash
# Usage: ci/kill9-check.sh [TRIES]   (default 10)
#
# Kills `uring-conform run` with SIGKILL at a random moment, TRIES times,
# and checks that nothing is left behind: no mount, no loop device and no
# directory of the run (its guardian cleans up once the runner is gone;
# waited for, at most 30 s), and that the report it wrote while running
# is there, marked unfinished. Then, as root where cgroup v1's memory
# controller is mounted, one run in a 12 MiB memory cgroup, which the OOM
# killer ends, is checked the same way. As root the run loop-mounts its ext4
# (URING_CONFORM_ENV_SETUP=loop); otherwise only the directories are
# checked. Needs a built ./target/release/uring-conform. Prints one line
# per try and exits 1 if any try left something.
source "$(dirname "$0")/lib.sh"
case "${1:-}" in -h | --help) usage 0 ;; esac
tries="${1:-10}"
[[ "$tries" =~ ^[0-9]+$ ]] || usage
bin="$ROOT/target/release/uring-conform"
[ -x "$bin" ] || die "$bin is not built (cargo build --release)"
setup=on
[ "$(id -u)" = 0 ] && setup=loop
# What the run left in $1 besides its report, once its guardian has had up
# to 30 s to clean up (empty when nothing).
await_cleanup() {
	local left=""
	for _ in $(seq 1 300); do
		left=$(find "$1" -mindepth 1 -maxdepth 1 ! -name report.json ! -name '.uring-conform-report-*' -printf '%f ')
		[ -z "$left" ] && break
		sleep 0.1
	done
	printf '%s' "$left"
}

bad=0
for i in $(seq 1 "$tries"); do
	dir=$(mktemp -d "${TMPDIR:-/tmp}/uring-conform-kill9.XXXXXX")
	TMPDIR="$dir" URING_CONFORM_ENV_SETUP="$setup" "$bin" run --quiet --json "$dir/report.json" >/dev/null 2>&1 &
	pid=$!
	# A random moment between 0.3 and 6 s into the run (the environment
	# setup, the probe, or the trials).
	at=$(awk -v r="$RANDOM" 'BEGIN { printf "%.1f", 0.3 + (r % 58) / 10 }')
	sleep "$at"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	left=$(await_cleanup "$dir")
	mounts=$(grep -c " $dir/" /proc/mounts || true)
	loops=$( (losetup -a 2>/dev/null || true) | grep -c "$dir/" || true)
	report=none
	[ -f "$dir/report.json" ] && report=$(grep -q '"unfinished": true' "$dir/report.json" && echo unfinished || echo complete)
	if [ -n "$left" ] || [ "$mounts" != 0 ] || [ "$loops" != 0 ]; then
		bad=$((bad + 1))
		echo "try $i: killed at ${at}s: LEFT dirs [${left}] mounts $mounts loop devices $loops (report: $report)"
	else
		echo "try $i: killed at ${at}s: nothing left (report: $report)"
	fi
	rm -rf "$dir"
done
echo "kill -9: $((tries - bad)) of $tries left nothing behind"
cg_root=/sys/fs/cgroup/memory
if [ "$(id -u)" = 0 ] && [ -w "$cg_root" ]; then
	cg="$cg_root/uring-conform-oom-$$"
	dir=$(mktemp -d "${TMPDIR:-/tmp}/uring-conform-oom.XXXXXX")
	mkdir "$cg"
	echo $((12 << 20)) >"$cg/memory.limit_in_bytes"
	rc=0
	(
		echo "$BASHPID" >"$cg/tasks"
		exec env TMPDIR="$dir" URING_CONFORM_ENV_SETUP=loop "$bin" run --quiet --json "$dir/report.json" >/dev/null 2>&1
	) || rc=$?
	left=$(await_cleanup "$dir")
	mounts=$(grep -c " $dir/" /proc/mounts || true)
	kills=$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.oom_control")
	unfinished=$(grep -c '"unfinished": true' "$dir/report.json" 2>/dev/null || echo "none (killed before its first snapshot)")
	rmdir "$cg" 2>/dev/null || true
	rm -rf "$dir"
	if [ "$kills" = 0 ]; then
		echo "OOM: the run was not OOM-killed in 12 MiB (exit $rc): nothing to check"
	elif [ -n "$left" ] || [ "$mounts" != 0 ]; then
		bad=$((bad + 1))
		echo "OOM: killed (exit $rc): LEFT dirs [${left}] mounts $mounts"
	else
		echo "OOM: killed (exit $rc): nothing left (unfinished report: $unfinished)"
	fi
fi
[ "$bad" = 0 ]
