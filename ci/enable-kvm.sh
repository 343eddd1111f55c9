#!/usr/bin/env bash
# On a GitHub runner: opens /dev/kvm to the runner user, and tells later
# steps (URING_CONFORM_KVM=1 in $GITHUB_ENV) when it worked. Elsewhere the
# scripts use TCG, and this script changes nothing there.
set -euo pipefail
echo 'KERNEL=="kvm", GROUP="kvm", MODE="0666"' | sudo tee /etc/udev/rules.d/99-kvm.rules >/dev/null
if ! { sudo udevadm control --reload-rules && sudo udevadm trigger --name-match=kvm; }; then
    echo "enable-kvm: udev did not apply the rule; the VMs will use TCG" >&2
fi
if [ -w /dev/kvm ] && [ -n "${GITHUB_ENV:-}" ]; then
    echo URING_CONFORM_KVM=1 >>"$GITHUB_ENV"
fi
