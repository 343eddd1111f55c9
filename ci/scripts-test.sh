#!/usr/bin/env bash
# Usage: ci/scripts-test.sh
# Checks the kernel lab scripts' own contracts in seconds, with no QEMU,
# kernel or network (.ci/run runs it):
#   - boot.sh, build-kernel.sh, fetch-kernel.sh, matrix.sh and mutants.sh
#     answer --help with their usage on stdout and exit 0; a usage mistake
#     gets the usage on stderr and exit 2;
# Exit 0 when every check holds; each failure is named.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
t="$(mktemp -d)"
trap 'rm -rf "$t"' EXIT
failed=0
not() { ! "$@"; }
check() { # check DESCRIPTION COMMAND...: runs COMMAND, names a failure
	local what="$1"; shift
	if "$@"; then echo "ok: $what"; else echo "FAILED: $what"; failed=1; fi
}

# --help and usage mistakes.
for s in boot build-kernel fetch-kernel matrix mutants; do
	rc=0; "$CI_DIR/$s.sh" --help > "$t/stdout" 2> "$t/stderr" || rc=$?
	check "$s.sh --help: usage on stdout, exit 0" \
		test "$rc" = 0 -a -s "$t/stdout" -a ! -s "$t/stderr"
done
# usage_error RC SCRIPT: exit 2, nothing on stdout, and on stderr the
# script's own usage (bash's `${1:?...}` message says "line N:" instead).
usage_error() {
	[ "$1" = 2 ] && [ ! -s "$t/stdout" ] && grep -q "ci/$2.sh" "$t/stderr" && ! grep -q "line [0-9]*:" "$t/stderr"
}
for args in "boot" "build-kernel" "fetch-kernel" "matrix --bogus" "mutants --bogus"; do
	read -r -a words <<< "$args"
	rc=0; "$CI_DIR/${words[0]}.sh" "${words[@]:1}" > "$t/stdout" 2> "$t/stderr" || rc=$?
	rest="${args#"${words[0]}"}"
	check "${words[0]}.sh${rest:- (no arguments)}: its usage on stderr, exit 2" usage_error "$rc" "${words[0]}"
done

[ "$failed" = 0 ]
