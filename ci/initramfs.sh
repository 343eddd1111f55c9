#!/usr/bin/env bash
# Usage: ci/initramfs.sh BINARY LABEL OUT [MODULES_DIR [RUN-ARGS...]]
# Packs busybox (static), the suite BINARY and ci/init into a gzip'd newc
# initramfs at OUT. LABEL names the machine in the report. MODULES_DIR, if
# it exists, is packed as /modules (its `order` file lists what init loads).
# RUN-ARGS are passed to `uring-conform run` in the VM (one per line in
# /run-args). With URING_CONFORM_REPRO_DIR set to a directory of static
# reproducer builds (ci/repro-vm.sh), it is packed as /repro and ci/init
# runs them before the suite.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin="${1:?binary}"; label="${2:?label}"; out="${3:?output}"; mods="${4:-}"
shift $(( $# < 4 ? $# : 4 ))
bb="$(command -v busybox)" || die "busybox not found (run ci/setup.sh)"
case "$(ldd "$bb" 2>&1 || true)" in
*"not a dynamic"* | *"statically linked"*) ;;
*) die "$bb is not static (install busybox-static)" ;;
esac
stage="$(mktemp -d)"
# mktemp makes it 0700, and it becomes the guest's /: let other users
# (the personality cases run requests as nobody) traverse it.
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,proc,sys,dev,tmp}
cp "$bb" "$stage/bin/busybox"
cp "$bin" "$stage/uring-conform"
cp "$CI_DIR/init" "$stage/init"
[ -n "$mods" ] && [ -f "$mods/order" ] && cp -r "$mods" "$stage/modules"
if [ -n "${URING_CONFORM_REPRO_DIR:-}" ]; then
	[ -d "$URING_CONFORM_REPRO_DIR" ] || die "reproducer directory $URING_CONFORM_REPRO_DIR does not exist"
	cp -r "$URING_CONFORM_REPRO_DIR" "$stage/repro"
	chmod -R a+rX "$stage/repro"
fi
chmod +x "$stage/init" "$stage/uring-conform"
echo "$label" > "$stage/label"
printf '%s\n' "$@" > "$stage/run-args"
echo "$NULL_BLK_PARAMS" > "$stage/null_blk.params"
# The run's bound in the VM: the VM's limit less time to boot and send.
echo $(( ${URING_CONFORM_VM_TIMEOUT:-1500} - 120 )) > "$stage/run-limit"
echo "${URING_CONFORM_TIMEOUT_SCALE:-10}" > "$stage/timeout-scale"
(cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) > "$out"
