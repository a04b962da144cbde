#!/usr/bin/env bash
# Two DHCP WANs (issue 11, finding 8): each has its own default route with
# its own metric (wan1 `metric: 20`, wan2 the default: its place among the
# ports with a default route, 1), so neither replaces the other's; a
# release on one (udhcpc's SIGUSR2) removes only that one's route and new
# connections leave through the other. Real traffic: a LAN client asks
# 198.51.100.200:8080, which both ISPs serve, each answering its name.
# A reload that changes a metric takes effect at once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
. "$(dirname "$0")/wan-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v socat >/dev/null || skip "socat not installed"

MAC1=52:54:00:aa:01:02 MAC2=52:54:00:aa:02:02
cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan1: { match: { mac: "$MAC1" }, ipv4: dhcp, metric: 20 }
  wan2: { match: { mac: "$MAC2" }, ipv4: dhcp }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
zones:
  wan: { interfaces: [wan1, wan2], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, services: [dns], forward: [wan] }
dns:
  upstream: ["203.0.113.1"]
YAML
two_isps_start

# which: the ISP that carries a new connection from the LAN client.
which() { nsx "$C" socat -T 3 - TCP:198.51.100.200:8080,connect-timeout=3 2>/dev/null || echo none; }
defaults() { ip -n "$R" route show default | sed 's/ *$//' | sort; }

wait_for 20 sh -c "[ \$(ip -n $R route show default | wc -l) -ge 2 ]" ||
    { tail -20 "$T_DIR/daemon.log"; ip -n "$R" route; fail "not two default routes"; }
want="default via 198.51.100.1 dev wan2 proto dhcp metric 1
default via 203.0.113.1 dev wan1 proto dhcp metric 20"
[ "$(defaults)" = "$want" ] || { defaults; fail "default routes are not one per WAN with its metric"; }
pass "two default routes: wan2 metric 1 (its place), wan1 metric 20 (metric:)"
[ "$(which)" = isp2 ] || fail "new connections do not leave through wan2 (lower metric): $(which)"
pass "new connections leave through wan2 (metric 1)"

# A release on wan2: its route goes, wan1's stays and carries.
d=$(count "dhcp-hook: wan2: deconfig")
udhcpc_signal wan2 USR2
wait_more 10 "dhcp-hook: wan2: deconfig" "$d" || fail "wan2: no deconfig after USR2"
[ "$(defaults)" = "default via 203.0.113.1 dev wan1 proto dhcp metric 20" ] ||
    { defaults; fail "after wan2's release: not exactly wan1's route"; }
[ "$(which)" = isp1 ] || fail "after wan2's release, new connections do not leave through wan1"
pass "release on wan2: wan1's route stays, new connections leave through wan1"

n=$(count "dhcp-hook: wan2: bound")
udhcpc_signal wan2 USR1
wait_more 20 "dhcp-hook: wan2: bound" "$n" || fail "wan2: no new lease"
[ "$(defaults)" = "$want" ] || { defaults; fail "wan2's route did not come back beside wan1's"; }
[ "$(which)" = isp2 ] || fail "new connections did not go back to wan2"
pass "wan2 bound again: both routes, new connections back on wan2"

# A release on wan1: wan2's route is untouched.
d=$(count "dhcp-hook: wan1: deconfig")
udhcpc_signal wan1 USR2
wait_more 10 "dhcp-hook: wan1: deconfig" "$d" || fail "wan1: no deconfig after USR2"
[ "$(defaults)" = "default via 198.51.100.1 dev wan2 proto dhcp metric 1" ] ||
    { defaults; fail "after wan1's release: not exactly wan2's route"; }
[ "$(which)" = isp2 ] || fail "after wan1's release, new connections do not leave through wan2"
pass "release on wan1: wan2's route untouched, still carrying"

# A reload that changes a metric takes effect at once (the DHCP client
# renews; its hook sets the routes with the new metric): wan1 to 0.
n=$(count "dhcp-hook: wan1: bound")
udhcpc_signal wan1 USR1
wait_more 20 "dhcp-hook: wan1: bound" "$n" || fail "wan1: no new lease"
sed -i 's/metric: 20 }/metric: 0 }/' "$T_DIR/router.yaml"
rctl reload >/dev/null || { tail -20 "$T_DIR/daemon.log"; fail "reload refused"; }
want="default via 198.51.100.1 dev wan2 proto dhcp metric 1
default via 203.0.113.1 dev wan1 proto dhcp"
wait_for 20 sh -c "[ \"\$(ip -n $R route show default | sed 's/ *\$//' | sort)\" = \"$want\" ]" ||
    { defaults; tail -10 "$T_DIR/daemon.log"; fail "after the reload: not wan1 metric 0 and wan2 metric 1"; }
grep -q "wan1: metric changed, renewing the lease" "$T_DIR/daemon.log" || fail "the renewal is not logged"
[ "$(which)" = isp1 ] || fail "after the reload, new connections do not leave through wan1 (metric 0)"
pass "reload with wan1 metric 0: wan1's route moves to metric 0 at once and carries, wan2's stays"
