#!/usr/bin/env bash
# Refreshes the private apt indexes the kernel fetcher reads.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
log "updating private apt indexes in $CACHE/apt"
papt apt-get -q update >&2
