#!/usr/bin/env bash
# The cloud-init path of docs/proxmox.md, checked: a guest that has
# cloud-init and nftrouter in /usr/sbin (the template) and nothing else of
# the router gets `nftrouter render cloud-init` of examples/seed.yaml as
# its NoCloud user-data; with no other step it must become the router
# (config, udev rules, unit written and enabled, reboot, nftrouter.service
# started by systemd) and pass the same `lab test` as the namespace lab.
# The guest reaches no package mirror: the user-data's `packages:` step
# fails (the image has them) and must not stop the rest.
# Slow (cloud-init's first boot and a reboot under emulation): runs only
# with NFTROUTER_VM_SLOW=1 (docs/lab.md); a SKIP otherwise, never a pass.
. "$(dirname "$0")/lib.sh"
[ "${NFTROUTER_VM_SLOW:-}" = 1 ] || skip "slow (cloud-init first boot, minutes): run with NFTROUTER_VM_SLOW=1"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (scripts/deps installs it)"
"$NFTROUTER_SRCDIR/scripts/vm-image" --check >/dev/null ||
    skip "no current guest image (tests/run builds it with scripts/vm-image first)"
id="ci$T_ID"
lab=/run/nftrouter-lab/$id
# shellcheck disable=SC2317 # invoked by the EXIT trap
down() { local rc=$?; "$NFTROUTER" lab down --name "$id" >/dev/null 2>&1; (exit $rc); t_cleanup; }
trap down EXIT

start=$(date +%s)
if ! "$NFTROUTER" lab up --vm --cloud-init -c "$NFTROUTER_SRCDIR/examples/seed.yaml" --name "$id" \
        >"$T_DIR/up.out" 2>&1; then
    cat "$T_DIR/up.out"
    tail -n 40 "$lab/console.log" 2>/dev/null
    fail "lab up --vm --cloud-init failed"
fi
cat "$T_DIR/up.out"
pass "cloud-init made the guest the router: nftrouter.service active $(( $(date +%s) - start ))s after lab up started"

x() { "$NFTROUTER" lab exec --name "$id" router "$@"; }
boots=$(grep -c 'Linux version' "$lab/console.log")
[ "$boots" -ge 2 ] || fail "the guest did not reboot after cloud-init ($boots boot(s))"
x cloud-init status --long >"$T_DIR/ci.status" 2>&1 || true
cat "$T_DIR/ci.status"
grep -q '^status: \(done\|error\)' "$T_DIR/ci.status" || fail "cloud-init did not finish"
x test -f /etc/systemd/system/nftrouter.service || fail "cloud-init did not write the unit"
[ "$(x systemctl is-enabled nftrouter.service)" = enabled ] || fail "nftrouter.service not enabled"
x cat /var/log/cloud-init-output.log >"$T_DIR/ci.log" 2>&1 || true
grep -i 'valid' "$T_DIR/ci.log" || fail "the user-data's nftrouter check did not run"
echo "what cloud-init said of the packages (the guest reaches no mirror):"
grep -iE 'apt|package|W: |E: ' "$T_DIR/ci.log" | head -n 10 || true
pass "first boot: cloud-init wrote and enabled the router, rebooted ($boots boots)"

"$NFTROUTER" lab test --name "$id" >"$T_DIR/test.out" 2>&1 && rc=0 || rc=$?
cat "$T_DIR/test.out"
[ "$rc" -eq 0 ] || fail "lab test on the cloud-init router exited $rc"
pass "lab test green on the router cloud-init made"
"$NFTROUTER" lab down --name "$id" || fail "lab down failed"
