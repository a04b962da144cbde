#!/usr/bin/env bash
# Failure and rollback. A step the kernel refuses after others were done
# (a sysctl on a read-only /proc/sys file, in a mount namespace of the
# test's own) rolls back: the ruleset byte-identical, names, MTUs and
# addresses restored, exit 4. A ruleset the kernel rejects changes nothing
# (exit 3). Other tables are never touched, by apply or by rollback.
# `nftrouter rollback` restores the previous config, ports included.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

# A user's own table, with a counter that counts: apply must not touch it.
nsx "$R" nft -f - <<'NFT'
table ip user {
	counter seen { }
	chain out {
		type filter hook output priority 10; policy accept;
		counter name "seen"
	}
}
NFT
user_table() { nsx "$R" nft list table ip user | sed 's/packets [0-9]* bytes [0-9]*/COUNT/'; }
user_table >"$T_DIR/user.before"

napply apply -c "$T_DIR/base.yaml" || fail "first apply exited $?"
nsx "$R" nft list table inet nftrouter >"$T_DIR/nft.before"
snap "$T_DIR/before"

# A config that changes names, MTU, addresses and the ruleset...
sed 's/00:00:02"/00:00:XX"/; s/00:00:03"/00:00:02"/; s/00:00:XX"/00:00:03"/; s/mtu: 1400/mtu: 1300/;
     s/192.168.100.1\/24/[192.168.100.1\/24, 192.168.200.1\/24]/; s/tcp: \[22\]/tcp: [22, 2222]/' \
    "$T_DIR/base.yaml" >"$T_DIR/changed.yaml"
# ...and the last step refused: rp_filter read-only for this one apply.
nsx "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0
# A default route of the admin's own through the WAN: the renames take
# the link down, which flushes it; the rollback must bring it back.
ip -n "$R" route replace default via 203.0.113.2 dev wan metric 7
ip -n "$R" route show default >"$T_DIR/routes.before"
snap "$T_DIR/before"
rp=/proc/sys/net/ipv4/conf/all/rp_filter
set +e
nsx "$R" unshare -m sh -c "mount --bind $rp $rp && mount -o remount,bind,ro $rp &&
    exec \"\$0\" apply -c \"\$1\" --state-dir \"\$2\" --run-dir \"\$3\"" \
    "$NFTROUTER" "$T_DIR/changed.yaml" "$STATE" "$RUN" 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
[ $rc -eq 4 ] || fail "refused sysctl: exit $rc, want 4"
grep -q "rp_filter" "$T_DIR/err" && grep -q "rolled back" "$T_DIR/err" || fail "the failure is not explained"
nsx "$R" nft list table inet nftrouter | cmp - "$T_DIR/nft.before" || fail "ruleset not byte-identical after rollback"
snap "$T_DIR/after"
same "$T_DIR/before" "$T_DIR/after" "state after a rolled-back apply"
ip -n "$R" route show default | diff -u "$T_DIR/routes.before" - || fail "default routes not restored"
ip -n "$R" route del default via 203.0.113.2 dev wan metric 7
pass "a refused step rolls back: ruleset byte-identical, names, MTU, addresses restored (exit 4)"

# A transaction the kernel rejects: another process owns the table
# (`flags owner`, as a firewall daemon may hold its own). In a namespace of
# its own, so the router's state is not disturbed.
O=$(netns owner)
mkfifo "$T_DIR/fifo"
bg sh -c 'exec ip netns exec "$0" nft -i <"$1" >/dev/null 2>&1' "$O" "$T_DIR/fifo"
exec 7>"$T_DIR/fifo"
echo 'add table inet nftrouter { flags owner; }; add chain inet nftrouter mine' >&7
wait_for 5 sh -c "ip netns exec $O nft list table inet nftrouter | grep -q mine" || fail "owner table not made"
ip netns exec "$O" nft list ruleset >"$T_DIR/owned.before"
cat >"$T_DIR/owned.yaml" <<'YAML'
interfaces:
  lan: { match: { name: nosuch0 }, ipv4: 10.1.1.1/24, optional: true }
zones:
  lan: { interfaces: [lan], input: accept }
YAML
set +e
ip netns exec "$O" "$NFTROUTER" apply -c "$T_DIR/owned.yaml" --state-dir "$T_DIR/ostate" \
    --run-dir "$T_DIR/orun" --force 2>"$T_DIR/err"
rc=$?
set -e
cat "$T_DIR/err"
ip netns exec "$O" nft list ruleset | diff -u "$T_DIR/owned.before" - || fail "owned table changed"
exec 7>&-
[ $rc -eq 3 ] || fail "owned table: exit $rc, want 3"
grep -q "kernel rejected" "$T_DIR/err" || fail "the rejection is not explained"
grep -q "nothing was changed" "$T_DIR/err" || fail "not said that nothing changed"
pass "a transaction the kernel rejects changes nothing (exit 3)"

# rollback: apply a second config, then go back to the first.
nsx "$R" sysctl -qw net.ipv4.conf.all.rp_filter=2
snap "$T_DIR/base.state"
napply apply -c "$T_DIR/changed.yaml" || fail "apply changed.yaml exited $?"
ip -n "$R" -o link show lan | grep -q 'link/ether 52:54:00:00:00:02' || fail "changed.yaml not applied"
napply rollback || fail "rollback exited $?"
snap "$T_DIR/rolled"
same "$T_DIR/base.state" "$T_DIR/rolled" "state after rollback"
cmp -s "$STATE/applied.yaml" "$T_DIR/base.yaml" || fail "applied.yaml is not base.yaml after rollback"
cmp -s "$STATE/previous.yaml" "$T_DIR/changed.yaml" || fail "previous.yaml is not changed.yaml after rollback"
pass "rollback restores the previous config: names, addresses, ruleset"

nsx "$R" busybox ping -c1 -W1 203.0.113.2 >/dev/null || true
user_table | diff -u "$T_DIR/user.before" - || fail "table ip user was changed"
nsx "$R" nft list table ip user | grep -q 'packets [1-9]' || fail "the user's counter stopped counting"
pass "table ip user untouched by apply, failed apply and rollback"
