#!/usr/bin/env bash
# The WAN DHCP client's hook works when RUN_DIR is mounted noexec, as /run
# is on a stock Debian system (initramfs-tools mounts it nosuid,nodev,
# noexec): udhcpc runs the nftrouter binary itself, so the lease is
# applied. And a DHCP client whose hook cannot run is an error in
# `status` and the log, never silent (the daemon run through the dynamic
# loader, so the "hook" udhcpc is given is ld.so, which cannot handle an
# event). The same defect, seen on a real boot: tests/vm/vm-lab-seed.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v udhcpc >/dev/null || [ -x /sbin/udhcpc ] || skip "udhcpc not installed"

run_config
run_net
mkdir -p "$T_DIR/run"
mount -t tmpfs -o nosuid,nodev,noexec,mode=0755 nftr-noexec "$T_DIR/run"
# shellcheck disable=SC2317 # invoked by the EXIT trap
unmount() { local rc=$?; umount -l "$T_DIR/run" 2>/dev/null; (exit $rc); t_cleanup; }
trap unmount EXIT
findmnt -no OPTIONS "$T_DIR/run" | grep -q noexec || fail "the run dir is not noexec"
run_start
wait_for 20 grep -q 'dhcp-hook: wan: bound 203.0.113' "$T_DIR/daemon.log" ||
    { cat "$T_DIR/daemon.log"; fail "the WAN lease was not applied with RUN_DIR noexec"; }
addr=$(ip -n "$R" -o -4 addr show dev wan | awk '{print $4}')
case $addr in 203.0.113.*/24) ;; *) fail "wan has '$addr', not the lease" ;; esac
ip -n "$R" route show default | grep -q 'via 203.0.113.1 dev wan' || fail "no default route via the ISP"
[ ! -e "$T_DIR/run/udhcpc.hook" ] || fail "a hook script was still written to RUN_DIR"
[ "$(rctl status --json | jq -r '.children[] | select(.name == "udhcpc-wan") | .error')" = null ] ||
    fail "udhcpc-wan reports an error although its lease is applied"
pass "RUN_DIR noexec: udhcpc ran nftrouter itself, wan has $addr and the default route"

# A hook that cannot run: the daemon started through ld.so, so its own
# executable (what udhcpc runs) is the loader.
kill "$DAEMON"; wait "$DAEMON" 2>/dev/null || true
ldso=$(sed -n 's/^\s*\(\/[^ ]*ld-linux[^ ]*\) .*/\1/p' < <(ldd "$NFTROUTER") | head -n1)
[ -x "$ldso" ] || skip "no dynamic loader found for $NFTROUTER"
ip -n "$R" -4 addr flush dev wan
: >"$T_DIR/daemon.log"
rm -f "$T_DIR/notify.out"
sock="@nftr-ne-$T_ID-$RANDOM"
run_notify_listener "$sock" "$T_DIR/notify.out"
wait_for 10 grep -q '^listening' "$T_DIR/notify.out" || fail "notify listener did not start"
ip netns exec "$R" env NOTIFY_SOCKET="$sock" "$ldso" "$NFTROUTER" run -c "$T_DIR/router.yaml" \
    --state-dir "$T_DIR/state" --run-dir "$T_DIR/run" >>"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
wait_for 20 grep -q '^ready_after=' "$T_DIR/notify.out" || { cat "$T_DIR/daemon.log"; fail "no READY=1"; }
wait_for 20 grep -q 'lease of 203.0.113.* obtained' "$T_DIR/daemon.log" ||
    { cat "$T_DIR/daemon.log"; fail "udhcpc took no lease"; }
# The daemon calls a lease unapplied after 10 s without its hook's event.
err=
for _ in $(seq 1 40); do
    err=$(rctl status --json | jq -r '.children[] | select(.name == "udhcpc-wan") | .error')
    [ "$err" != null ] && [ -n "$err" ] && break
    sleep 0.5
done
case $err in *"never applied"*|*"cannot run"*) ;; *) cat "$T_DIR/daemon.log"; fail "status shows no error for the hook that cannot run: '$err'" ;; esac
rctl status | grep -q "ERROR: " || fail "the text status does not show the error"
ip -n "$R" -o -4 addr show dev wan | grep -q 203.0.113 && fail "wan got an address without its hook?"
pass "a hook that cannot run: status says '$err'"
