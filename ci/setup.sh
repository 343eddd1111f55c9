#!/usr/bin/env bash
# Installs what the kernel matrix needs, if missing: QEMU (x86), a static
# busybox for the initramfs, xz, zstd and strings (binutils) for kernel
# modules. Needs root (apt-get install).
source "$(dirname "$0")/lib.sh"
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
if ! command -v busybox >/dev/null || ! ldd "$(command -v busybox)" 2>&1 | grep -qE "not a dynamic|statically linked"; then
	need+=(busybox-static)
fi
# Kernel modules (null_blk) come compressed in newer packages.
command -v xz >/dev/null || need+=(xz-utils)
command -v zstd >/dev/null || need+=(zstd)
command -v strings >/dev/null || need+=(binutils)
if [ ${#need[@]} -gt 0 ]; then
	log "installing ${need[*]}"
	[ "$(id -u)" = 0 ] || die "installing ${need[*]} needs root"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2 ||
		{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >&2; }
fi
rustup target list --installed 2>/dev/null | grep -q x86_64-unknown-linux-gnu || true
log "ready: $(qemu-system-x86_64 --version | head -1)"
