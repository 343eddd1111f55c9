#!/usr/bin/env bash
# Builds the statically linked uring-conform for the VMs (glibc static:
# no shared libraries needed in the initramfs) and prints its path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
log "building a static uring-conform"
(cd "$ROOT" && RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release --target x86_64-unknown-linux-gnu --bin uring-conform >&2)
echo "$ROOT/target/x86_64-unknown-linux-gnu/release/uring-conform"
