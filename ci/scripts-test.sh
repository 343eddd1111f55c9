#!/usr/bin/env bash
# Usage: ci/scripts-test.sh
# Checks the kernel lab scripts' own contracts in seconds, with no QEMU,
# kernel or network (.ci/run runs it):
#   - boot.sh, build-kernel.sh, fetch-kernel.sh, matrix.sh, mutants.sh and
#     repro-vm.sh
#     answer --help with their usage on stdout and exit 0; a usage mistake
#     gets the usage on stderr and exit 2;
#   - boot.sh shows the guest's console while the VM runs (a stand-in
#     QEMU writes a progress line and waits until boot.sh has shown it),
#     brings the report back, and says when a rerun overwrites the
#     previous run's console log, naming it;
#   - the READMEs' commands call no bare `uring-conform` (not on PATH).
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
for s in boot build-kernel fetch-kernel matrix mutants repro-vm bench-executor; do
	rc=0; "$CI_DIR/$s.sh" --help > "$t/stdout" 2> "$t/stderr" || rc=$?
	check "$s.sh --help: usage on stdout, exit 0" \
		test "$rc" = 0 -a -s "$t/stdout" -a ! -s "$t/stderr"
done
# usage_error RC SCRIPT: exit 2, nothing on stdout, and on stderr the
# script's own usage (bash's `${1:?...}` message says "line N:" instead).
usage_error() {
	[ "$1" = 2 ] && [ ! -s "$t/stdout" ] && grep -q "ci/$2.sh" "$t/stderr" && ! grep -q "line [0-9]*:" "$t/stderr"
}
for args in "boot" "build-kernel" "fetch-kernel" "matrix --bogus" "mutants --bogus" "repro-vm" "repro-vm --bogus" "bench-executor --bogus"; do
	read -r -a words <<< "$args"
	rc=0; "$CI_DIR/${words[0]}.sh" "${words[@]:1}" > "$t/stdout" 2> "$t/stderr" || rc=$?
	rest="${args#"${words[0]}"}"
	check "${words[0]}.sh${rest:- (no arguments)}: its usage on stderr, exit 2" usage_error "$rc" "${words[0]}"
done

# boot.sh against a stand-in QEMU and busybox.
mkdir -p "$t/bin" "$t/out"
cat > "$t/bin/busybox" <<'EOF'
#!/bin/sh
# Stand-in busybox: initramfs.sh only packs with `busybox cpio`.
[ "$1" = cpio ] && cat > /dev/null
exit 0
EOF
cat > "$t/bin/qemu-system-x86_64" <<'EOF'
#!/bin/sh
# Stand-in QEMU: the guest's console and results ports as ci/init writes
# them. It writes a progress line, then waits (at most 20 s) until the
# host shows it, so a host that streams nothing is told apart.
console="" results=""
for a in "$@"; do
	case "$a" in file:*) if [ -z "$console" ]; then console="${a#file:}"; else results="${a#file:}"; fi ;; esac
done
printf 'uring-conform: kernel 9.9.9-fake, 2 CPUs\r\n[100/200] pass 100 fail 0 skip 0 xfail 0\r\n' > "$console"
i=0
while [ ! -e "$FAKE_SEEN" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$FAKE_SEEN" ] && : > "$FAKE_SEEN.acked"
printf '@@URING-CONFORM-REPORT-BEGIN@@\r\n{"fake": true}\r\n@@URING-CONFORM-REPORT-END@@\r\n' > "$results"
printf '@@URING-CONFORM-DONE@@ rc=0\r\n' >> "$console"
EOF
chmod +x "$t/bin/busybox" "$t/bin/qemu-system-x86_64"
printf 'Linux version 9.9.9-fake (ci@scripts-test) #1\n' > "$t/bzImage"
boot() { # boot N: one boot.sh run; its stderr in $t/boot.N, marks $t/seen.N
	local rc
	set +e
	PATH="$t/bin:$PATH" URING_CONFORM_CACHE="$t/cache" URING_CONFORM_VM_TIMEOUT=60 FAKE_SEEN="$t/seen.$1" \
		"$CI_DIR/boot.sh" --kernel "$t/bzImage" --bin "$t/bin/busybox" --out "$t/out/r.json" 2>&1 > /dev/null |
		while IFS= read -r l; do
			printf '%s\n' "$l" >> "$t/boot.$1"
			case "$l" in *"9.9.9-fake | [100/200] pass 100"*) : > "$t/seen.$1" ;; esac
		done
	rc=${PIPESTATUS[0]}
	set -e
	return "$rc"
}
check "boot.sh runs against the stand-in QEMU" boot 1
check "boot.sh showed the guest's progress while the VM ran" test -e "$t/seen.1.acked"
check "boot.sh brought the report back" grep -q '"fake": true' "$t/out/r.json"
check "boot.sh does not show the guest's markers" not grep -q "| @@URING-CONFORM" "$t/boot.1"
check "boot.sh names the console log it writes" grep -q "console: $t/cache/runs/custom-.*/console.log" "$t/boot.1"
check "a rerun of boot.sh works" boot 2
check "a rerun says it overwrites the previous console log, naming it" \
	grep -q "the previous run's console log $t/cache/runs/custom-.*/console.log is overwritten" "$t/boot.2"
# The READMEs' commands run as written from a checkout: nothing puts
# uring-conform on PATH (cargo run --release --, or ./target/release/).
check "no README command calls a bare uring-conform" not grep -nE '^ {4,}uring-conform ' "$ROOT/README.md" "$CI_DIR/README.md"

[ "$failed" = 0 ] || { cat "$t"/boot.* 2>/dev/null; exit 1; }
