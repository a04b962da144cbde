#!/usr/bin/env bash
# A bridge through `nftrouter apply` (no daemon): from base.yaml's two
# separate ports to lan and opt1 bridged as br0, and back.
#   - check on a kernel without bridges (simulated: /sys/module hidden)
#     exits 3 naming the bridge's line;
#   - diff names the new bridge and the members joining it;
#   - an apply that fails at its last step (a read-only sysctl) rolls
#     back: no br0, no masters, every address and the ruleset as before;
#   - the apply: br0 made with lan's old subnet, lan and opt1 its ports
#     without addresses, the LAN host reaches the router through a member;
#     a re-apply changes nothing;
#   - back to separate ports: lan and opt1 leave br0 and get their
#     addresses again; br0 stays, without ports, down and without its
#     address (which would shadow lan's subnet), as documented.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"
O=$(netns o)
veth "$R" eth4 "$O" eth0 52:54:00:00:00:04

sed 's/^  lan: .*/&\n  opt1: { match: { mac: "52:54:00:00:00:04" }, ipv4: 192.168.101.1\/24 }/;
     s/interfaces: \[lan\]/interfaces: [lan, opt1]/' "$T_DIR/base.yaml" >"$T_DIR/ports.yaml"
sed 's/^  lan: .*/  lan: { match: { mac: "52:54:00:00:00:03" }, mtu: 1400 }\n  opt1: { match: { mac: "52:54:00:00:00:04" } }\n  br0: { bridge: [lan, opt1], ipv4: 192.168.100.1\/24 }/;
     s/interfaces: \[lan\]/interfaces: [br0]/' "$T_DIR/base.yaml" >"$T_DIR/bridge.yaml"
grep -q 'bridge: \[lan, opt1\]' "$T_DIR/bridge.yaml" || fail "test config: $(cat "$T_DIR/bridge.yaml")"
# check on a kernel without bridges (here: /sys/module hidden by a tmpfs
# in a mount namespace of its own, and no /lib/modules for this release):
# exit 3, the feature and the bridge's line named.
if [ ! -e "/lib/modules/$(uname -r)" ]; then
    rc=0
    unshare -m sh -c 'mount -t tmpfs none /sys/module && exec "$0" check -c "$1"' \
        "$NFTROUTER" "$T_DIR/bridge.yaml" >"$T_DIR/check.out" 2>&1 || rc=$?
    [ $rc -eq 3 ] || fail "check without bridges: exit $rc, want 3: $(cat "$T_DIR/check.out")"
    grep -qE 'bridge\.yaml:[0-9]+:3: error: interface .br0.: bridge: this kernel has no bridges' "$T_DIR/check.out" ||
        fail "check without bridges: $(cat "$T_DIR/check.out")"
    pass "check on a kernel without bridges: exit 3, $(grep -o 'bridge.yaml:[0-9]*:3' "$T_DIR/check.out") named"
else
    echo "note: /lib/modules/$(uname -r) exists: the no-bridge check is not simulated here"
fi

napply apply -c "$T_DIR/ports.yaml" || fail "apply of separate ports exited $?"
nsx "$L" ping -c 1 -W 2 192.168.100.1 >/dev/null || fail "LAN host cannot reach the router on lan"

napply diff -c "$T_DIR/bridge.yaml" >"$T_DIR/diff" 2>&1 || true
grep -q '^  + br0: bridge' "$T_DIR/diff" && grep -q "^  ~ lan: port of bridge 'br0'" "$T_DIR/diff" &&
    grep -q "^  ~ opt1: port of bridge 'br0'" "$T_DIR/diff" || fail "diff: $(cat "$T_DIR/diff")"
pass "diff: + br0: bridge, lan and opt1 join it"

# Rolled back: the last step (rp_filter) refused, in a mount namespace of its own.
nsx "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0
snap "$T_DIR/before"
rp=/proc/sys/net/ipv4/conf/all/rp_filter
set +e
nsx "$R" unshare -m sh -c "mount --bind $rp $rp && mount -o remount,bind,ro $rp &&
    exec \"\$0\" apply -c \"\$1\" --state-dir \"\$2\" --run-dir \"\$3\"" \
    "$NFTROUTER" "$T_DIR/bridge.yaml" "$STATE" "$RUN" 2>"$T_DIR/err"
rc=$?
set -e
[ $rc -eq 4 ] || { cat "$T_DIR/err"; fail "refused sysctl: exit $rc, want 4"; }
ip -n "$R" link show br0 >/dev/null 2>&1 && fail "br0 left behind by the rollback"
snap "$T_DIR/after"
same "$T_DIR/before" "$T_DIR/after" "state after a rolled-back bridge apply"
pass "a failed apply removes the bridge it made: links, masters, addresses, ruleset as before (exit 4)"

napply apply -c "$T_DIR/bridge.yaml" || fail "bridge apply exited $?"
ip -n "$R" -d link show br0 | grep -q 'nf_call_iptables 0' || fail "no br0 with nf_call_iptables 0"
for m in lan opt1; do
    ip -n "$R" link show "$m" | grep -q 'master br0 state UP' || fail "$m: $(ip -n "$R" link show "$m")"
    [ -z "$(ip -n "$R" -4 -o addr show dev "$m")" ] || fail "$m kept an IPv4 address"
done
ip -n "$R" -4 addr show dev br0 | grep -q 'inet 192\.168\.100\.1/24' || fail "br0 lacks 192.168.100.1/24"
ip -n "$R" link show lan | grep -q 'mtu 1400' || fail "lan lost its MTU"
if nsx "$R" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
    [ "$(nsx "$R" cat /proc/sys/net/bridge/bridge-nf-call-iptables)" = 0 ] || fail "bridge-nf-call-iptables not 0"
fi
wait_for 10 nsx "$L" ping -c 1 -W 1 192.168.100.1 || fail "LAN host cannot reach the router through the bridge"
h=$(nsx "$R" nft -a list table inet nftrouter | head -1)
# The bridge's timers run on by themselves.
snap_b() { snap "$1.raw"; sed 's/ [a-z_]*timer *[0-9.]*//g' "$1.raw" >"$1"; }
snap_b "$T_DIR/applied"
napply apply -c "$T_DIR/bridge.yaml" >/dev/null || fail "re-apply exited $?"
snap_b "$T_DIR/again"
same "$T_DIR/applied" "$T_DIR/again" "state after a re-apply"
[ "$(nsx "$R" nft -a list table inet nftrouter | head -1)" = "$h" ] || fail "re-apply replaced the table"
pass "apply: br0 with 192.168.100.1/24, lan and opt1 its ports without addresses, LAN host reaches the router; re-apply a no-op"

napply apply -c "$T_DIR/ports.yaml" || fail "apply back to separate ports exited $?"
for m in lan opt1; do
    ip -n "$R" link show "$m" | grep -q 'master' && fail "$m still in a bridge: $(ip -n "$R" link show "$m")"
done
ip -n "$R" -4 addr show dev lan | grep -q 'inet 192\.168\.100\.1/24' || fail "lan did not get its address back"
ip -n "$R" -4 addr show dev opt1 | grep -q 'inet 192\.168\.101\.1/24' || fail "opt1 did not get its address back"
ip -n "$R" link show br0 | grep -q ',UP' && fail "br0 left up: $(ip -n "$R" link show br0)"
[ -z "$(ip -n "$R" -4 -o addr show dev br0)" ] || fail "br0 kept its address: $(ip -n "$R" -4 -o addr show dev br0)"
wait_for 10 nsx "$L" ping -c 1 -W 1 192.168.100.1 || fail "LAN host cannot reach the router on lan again"
pass "back to separate ports: lan and opt1 leave br0 and are addressed again; br0 stays, down and without addresses"
