#!/usr/bin/env bash
# gateway: a static WAN's default route. The router reaches, and routes
# the LAN to, a host beyond its gateway (198.51.100.53, only on the
# gateway's lo, so only reachable through the default route); the route
# replaces the default route with the same metric and a rolled-back apply
# puts the previous one back; a second gateway port gets metric 1; a
# gateway taken out of the config takes its route with it, and a default
# route apply did not set stays.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

ip -n "$W" addr add 198.51.100.53/32 dev lo
sed 's|ipv4: 203.0.113.1/24,|ipv4: 203.0.113.1/24, gateway: 203.0.113.2,|' "$T_DIR/base.yaml" >"$T_DIR/gw.yaml"
grep -q 'gateway: 203.0.113.2' "$T_DIR/gw.yaml" || fail "gw.yaml: sed did not apply"
defaults() { ip -n "$R" route show default; }
far() { nsx "$1" ping -c1 -W2 198.51.100.53 >/dev/null 2>&1; }

napply apply -c "$T_DIR/base.yaml" || fail "apply without a gateway exited $?"
[ -z "$(defaults)" ] || fail "a default route without a gateway: $(defaults)"
! far "$R" || fail "198.51.100.53 reachable without a default route (the test proves nothing)"
pass "without gateway: no default route, 198.51.100.53 unreachable"

# A previous default route (a dead end) that a rolled-back apply restores.
ip -n "$R" route add default via 203.0.113.3 dev wan
defaults >"$T_DIR/routes.before"
# apply_refused CONFIG: an apply whose last step (a sysctl, read-only in
# a mount namespace of its own) is refused: exit 4, rolled back.
apply_refused() {
    local rp=/proc/sys/net/ipv4/conf/all/rp_filter rc=0
    nsx "$R" sysctl -qw net.ipv4.conf.all.rp_filter=0
    nsx "$R" unshare -m sh -c "mount --bind $rp $rp && mount -o remount,bind,ro $rp &&
        exec \"\$0\" apply -c \"\$1\" --state-dir \"\$2\" --run-dir \"\$3\"" \
        "$NFTROUTER" "$1" "$STATE" "$RUN" 2>"$T_DIR/err" || rc=$?
    [ "$rc" -eq 4 ] || fail "apply of $1 with a refused sysctl exited $rc, want 4: $(cat "$T_DIR/err")"
    grep -q "step 'sysctls'; everything done before it was rolled back" "$T_DIR/err" ||
        fail "not rolled back after the ports step: $(cat "$T_DIR/err")"
}
apply_refused "$T_DIR/gw.yaml"
defaults | diff -u "$T_DIR/routes.before" - >&2 || fail "the previous default route was not restored"
pass "rolled back: the previous default route is back ($(cat "$T_DIR/routes.before"))"

napply apply -c "$T_DIR/gw.yaml" || fail "apply with gateway exited $?"
defaults | grep -qx 'default via 203.0.113.2 dev wan proto 110 *' || fail "default routes: $(defaults)"
far "$R" || fail "the router does not reach 198.51.100.53 through its gateway"
far "$L" || fail "the LAN host does not reach 198.51.100.53 through the router's gateway"
napply apply -c "$T_DIR/gw.yaml" || fail "unchanged re-apply exited $?"
far "$L" || fail "the unchanged re-apply lost the route"
pass "gateway: $(defaults); the router and the LAN reach 198.51.100.53"

# Two gateway ports: metrics 0 and 1 in config order.
sed 's|ipv4: 192.168.100.1/24,|ipv4: 192.168.100.1/24, gateway: 192.168.100.20,|' "$T_DIR/gw.yaml" >"$T_DIR/gw2.yaml"
napply apply -c "$T_DIR/gw2.yaml" || fail "apply with two gateways exited $?"
defaults | grep -qx 'default via 203.0.113.2 dev wan proto 110 *' || fail "first gateway: $(defaults)"
defaults | grep -qx 'default via 192.168.100.20 dev lan proto 110 metric 1 *' || fail "second gateway: $(defaults)"
far "$L" || fail "with two gateways the first no longer carries the traffic"
pass "two gateways: $(defaults | tr '\n' ';')"

# Gateways taken out: their routes go; another default route stays.
ip -n "$R" route add default via 203.0.113.3 dev wan metric 50
napply apply -c "$T_DIR/gw.yaml" || fail "apply back to one gateway exited $?"
! defaults | grep -q 192.168.100.20 || fail "the removed second gateway's route stayed: $(defaults)"
defaults | grep -q 'via 203.0.113.2 ' || fail "the first gateway's route went: $(defaults)"
defaults >"$T_DIR/routes.before"
apply_refused "$T_DIR/base.yaml"
defaults | diff -u "$T_DIR/routes.before" - >&2 || fail "a rolled-back apply did not restore a removed route"
napply apply -c "$T_DIR/base.yaml" || fail "apply without gateways exited $?"
[ "$(defaults | sed 's/ *$//')" = "default via 203.0.113.3 dev wan metric 50" ] ||
    fail "without gateways the default routes are: $(defaults)"
pass "gateways removed from the config: their routes removed, another default route kept"
