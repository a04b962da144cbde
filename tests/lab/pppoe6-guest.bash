# The body of tests/lab/vm-pppoe6.sh, run as root in the guest kernel
# (which has PPP and PPPoE) by scripts/vm-run, with the real daemon:
#
#   C (LAN client, SLAAC) -- R (router: pppd +ipv6 on wan, session ppp0,
#   dhcpcd on ppp0) -- I (ISP: pppoe-server +ipv6, CHAP; per session a Kea
#   DHCPv6 server delegating /56s of 2001:db8:1000::/48) -- W (the ISP's
#   web server, 2001:db8:ff80::80 and 198.51.100.80)
#
# (ISC dhcpd, the ISP of the Ethernet tests, aborts on a PPP link, as ISC
# dhclient does: "Unsupported device type 512".)
#
# The ISP sends no router advertisement on the session: the router's IPv6
# default route is its own (default dev ppp0), and the LAN's prefix is the
# delegation. W answering C's own address proves the route, the
# delegation, the LAN numbering, the RA to C and the firewall's DHCPv6
# and forward rules at once (no NAT66: W sees C's address).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pppoe-isp.inc"
. "$(dirname "$0")/run-common.bash"
# /etc/ppp/chap-secrets and the ISP's ipv6-up.d/down.d scripts are at
# paths pppd fixes: written only in the throwaway guest scripts/vm-run
# boots (snapshot=on).
[ -d /etc/nftr-vm-run ] || skip "runs only in the guest of scripts/vm-run (it writes /etc/ppp)"
command -v python3 >/dev/null || skip "python3 not in the guest image"
command -v kea-dhcp6 >/dev/null || skip "kea-dhcp6 (kea-dhcp6-server) not in the guest image: rebuild it (scripts/vm-image)"
[ -x /usr/sbin/dhcpcd ] || skip "/usr/sbin/dhcpcd (dhcpcd-base) not in the guest image: rebuild it (scripts/vm-image)"
modprobe ppp_generic
modprobe pppoe

R=$(netns r); I=$(netns i); W=$(netns w); C=$(netns c)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$R" eth2 "$C" eth0 "$R_MAC_LAN"
veth "$I" down0 "$W" w0
ip -n "$I" addr add 198.51.100.1/24 dev down0
ip -n "$I" addr add 2001:db8:ff80::1/64 dev down0 nodad
ip -n "$I" link set down0 up
ip netns exec "$I" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n "$W" addr add 198.51.100.80/24 dev w0
ip -n "$W" addr add 2001:db8:ff80::80/64 dev w0 nodad
ip -n "$W" route add default via 198.51.100.1
ip -n "$W" -6 route add default via 2001:db8:ff80::1
ip -n "$C" link set eth0 up
ip -n "$C" addr add 192.168.100.10/24 dev eth0

# The ISP: CHAP for testuser; IPv4 203.0.113.1 and .10-13, and IPV6CP.
# On each session's ipv6-up (ipparam names the ISP's pppds: the router's
# pppd runs the same scripts and is left alone) the session's link gets
# an address of the ISP's, the route of the whole pool, and a Kea DHCPv6
# server of its own (its config names the link), stopped (by its PID) at
# ipv6-down. One lease file: a reconnecting router finds its lease.
isp_chap_options "$T_DIR/isp-options" "+ipv6" "ipparam nftr-test-isp"
cat >/etc/ppp/ipv6-up.d/nftr-test-isp <<SH
#!/bin/sh
[ "\$6" = nftr-test-isp ] || exit 0
echo "\$(date +%s) ipv6-up \$1 \$4 peer \$5" >>"$T_DIR/isp6.log"
ip -6 addr add 2001:db8:ffff::1/64 dev "\$1" nodad
# Kea binds to a link-local address as the kernel reports it (IFA_ADDRESS),
# which for pppd's is the peer's: it gets one of its own to bind to.
ip -6 addr add fe80::1/64 dev "\$1" nodad
ip -6 route replace 2001:db8:1000::/48 dev "\$1"
cat >"$T_DIR/kea6-\$1.json" <<JSON
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "\$1" ] },
  "server-id": { "type": "EN", "enterprise-id": 2495, "identifier": "6e66747220697370",
                 "persist": false },
  "lease-database": { "type": "memfile", "persist": true, "lfc-interval": 0,
                      "name": "$T_DIR/kea-leases6.csv" },
  "preferred-lifetime": 300, "valid-lifetime": 600, "renew-timer": 150, "rebind-timer": 240,
  "subnet6": [ { "id": 1, "subnet": "2001:db8:ffff::/64", "interface": "\$1",
                 "pools": [ { "pool": "2001:db8:ffff::100-2001:db8:ffff::1ff" } ],
                 "pd-pools": [ { "prefix": "2001:db8:1000::", "prefix-len": 48, "delegated-len": 56 } ] } ],
  "loggers": [ { "name": "kea-dhcp6", "severity": "INFO",
                 "output_options": [ { "output": "$T_DIR/kea6.log" } ] } ] } }
JSON
KEA_PIDFILE_DIR="$T_DIR" KEA_LOCKFILE_DIR="$T_DIR" kea-dhcp6 -c "$T_DIR/kea6-\$1.json" \
    >>"$T_DIR/kea6.out" 2>&1 </dev/null &
echo \$! >"$T_DIR/kea6-\$1.started"
SH
cat >/etc/ppp/ipv6-down.d/nftr-test-isp <<SH
#!/bin/sh
[ "\$6" = nftr-test-isp ] || exit 0
echo "\$(date +%s) ipv6-down \$1" >>"$T_DIR/isp6.log"
[ -s "$T_DIR/kea6-\$1.started" ] && kill "\$(cat "$T_DIR/kea6-\$1.started")"
rm -f "$T_DIR/kea6-\$1.started"
SH
chmod 755 /etc/ppp/ipv6-up.d/nftr-test-isp /etc/ppp/ipv6-down.d/nftr-test-isp
isp_start "$I"
bg ip netns exec "$W" socat TCP6-LISTEN:80,bind=[2001:db8:ff80::80],reuseaddr,fork EXEC:"$T_DIR/web.sh"

install -m 600 /dev/null "$T_DIR/pppoe.secret"
echo right-pass >"$T_DIR/pppoe.secret"
cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan:
    match: { mac: "$R_MAC_WAN" }
    ipv4: pppoe
    ipv6: dhcp
    ipv6-prefix: 56
    pppoe: { user: testuser, password-file: $T_DIR/pppoe.secret, service-name: internet }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24, ipv6: { from: wan, subnet: 1 } }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, services: [dns, dhcp], forward: [wan] }
dhcp:
  lan: { range: 192.168.100.100-192.168.100.150 }
dns:
  upstream: ["198.51.100.53"]
YAML
"$NFTROUTER" check -c "$T_DIR/router.yaml" || fail "check refused the dual-stack PPPoE config in the guest kernel"
mkdir -p "$T_DIR/state"
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" >>"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
rctl() { local sub=$1; shift; ip netns exec "$R" "$NFTROUTER" "$sub" --run-dir "$T_DIR/run" "$@"; }
dump() {
    tail -n 60 "$T_DIR/daemon.log"; rctl status || true
    ip -n "$R" -6 addr; ip -n "$R" -6 route; ip -n "$C" -6 addr
    cat "$T_DIR/isp6.log" 2>/dev/null; tail -n 30 "$T_DIR/kea6.out" "$T_DIR/kea6.log" 2>/dev/null
}
status_has() { rctl status 2>/dev/null | grep -q "$1"; }
# subnet1 PREFIX/56: the first four groups of its /64 number 1 (the LAN's
# `subnet: 1`), e.g. 2001:db8:1000:101 for 2001:db8:1000:100::/56.
subnet1() {
    python3 -c 'import ipaddress, sys
n = list(ipaddress.ip_network(sys.argv[1]).subnets(new_prefix=64))[1].network_address.exploded
print(":".join(g.lstrip("0") or "0" for g in n.split(":")[:4]))' "$1"
}
# explode ADDR: as socat names a peer (every group in four digits).
explode() { python3 -c 'import ipaddress, sys; print(ipaddress.ip_address(sys.argv[1]).exploded)' "$1"; }

# The session with IPv6: IPV6CP up (status shows the link-local pair),
# the daemon's default route over ppp0, no router advertisement needed.
wait_for 90 status_has 'pppoe ppp0: up.*(sessions: 1), ipv6 fe80::' ||
    { dump; fail "no PPPoE session with IPv6 (IPV6CP) up"; }
ip -n "$R" -6 route show default | grep -q '^default dev ppp0 proto 110 ' ||
    { dump; fail "no IPv6 default route over ppp0: $(ip -n "$R" -6 route show default)"; }
[ -L /etc/ppp/ipv6-up.d/nftrouter ] && [ /etc/ppp/ipv6-up.d/nftrouter -ef "$NFTROUTER" ] ||
    fail "/etc/ppp/ipv6-up.d/nftrouter is not a link to $NFTROUTER"
pass "IPV6CP up: $(rctl status | grep -o 'ipv6 fe80::[^ ]* peer fe80::[^ ,]*'), default dev ppp0 (no RA, no next hop)"

# The delegation: dhcpcd on ppp0 (its DUID-LL from the wan port's MAC:
# ppp0 has no hardware address), the LAN's PREFIX:1::1/64, status.
wait_for 60 grep -q 'wan: DHCPv6 BOUND6 2001:db8:1000:' "$T_DIR/daemon.log" ||
    { dump; fail "no delegation from the ISP's DHCPv6 server over the session"; }
pd=$(sed -n 's/.*wan: DHCPv6 BOUND6 \(2001:db8:1000:[0-9a-f:]*\/56\).*/\1/p' "$T_DIR/daemon.log" | tail -n 1)
lan_net=$(subnet1 "$pd")
grep -qi '00:03:00:01:52:54:00:aa:00:02' "$T_DIR/kea-leases6.csv" ||
    { dump; cat "$T_DIR/kea-leases6.csv"; fail "the ISP's lease is not for the DUID-LL of wan's MAC"; }
wait_for 10 sh -c "ip -n $R -6 addr show dev lan | grep -q 'inet6 $lan_net::1/64 '" ||
    { dump; fail "lan is not numbered $lan_net::1/64 from $pd"; }
status_has "delegated $pd" || { dump; fail "status does not show the delegation $pd"; }
pass "delegated $pd over ppp0 to DUID-LL 00:03:00:01:$R_MAC_WAN; lan has $lan_net::1/64"

# The LAN client: SLAAC in the delegated /64, then W answers its own
# address (routed, not translated) over ppp0, and a ping.
c_addr() { ip -n "$C" -6 -o addr show dev eth0 scope global | grep -v -e tentative -e deprecated |
    sed -n "s/.* inet6 \($lan_net:[0-9a-f:]*\)\/64 .*/\1/p" | head -n 1; }
wait_for 60 sh -c "ip -n $C -6 -o addr show dev eth0 scope global | grep -v tentative | grep -q 'inet6 $lan_net:'" ||
    { dump; fail "the LAN client has no SLAAC address in $lan_net::/64"; }
ca=$(c_addr) || ca=""
[ -n "$ca" ] || { dump; fail "no usable client address"; }
fetch6() {
    out=$(printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$C" timeout 5 socat - 'TCP6:[2001:db8:ff80::80]:80' 2>/dev/null) || out=""
    case $out in *"$1"*) return 0 ;; esac
    return 1
}
out=""
wait_for 20 fetch6 "peer=[$(explode "$ca")]" || { dump; fail "W did not answer the LAN client's own address $ca (got '$out')"; }
ip netns exec "$C" ping -6 -c 2 -W 5 2001:db8:ff80::80 >/dev/null || { dump; fail "ping6 LAN client -> W failed"; }
pass "LAN client $ca -> W 2001:db8:ff80::80 over ppp0: W saw [$ca], ping6 answered"

# The ISP ends the session (its pppd, by PID): the router's IPv6 goes
# down (its DHCPv6 client stopped, the delegation withdrawn from the LAN), the
# new session brings IPV6CP and a delegation again, and traffic flows.
isp_pppd() {
    local pid
    for pid in $(ip netns pids "$I"); do
        [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pppd ] || continue
        tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '203\.0\.113\.1:' || continue
        echo "$pid"
        return 0
    done
    return 1
}
isp_pid=$(isp_pppd) || isp_pid=""
[ -n "$isp_pid" ] || { ps -eo pid,args | grep pppd; fail "no ISP pppd for the session"; }
# The daemon's child dhcpcd6-wan, as status lists it (dhcpcd rewrites its
# command line: its processes are not found by their arguments).
dhc_pid() { rctl status 2>/dev/null | sed -n 's/^ *dhcpcd6-wan *pid \([0-9][0-9]*\) .*/\1/p' | head -n 1; }
dhc_old=$(dhc_pid) || dhc_old=""
[ -n "$dhc_old" ] || { dump; fail "no dhcpcd (child dhcpcd6-wan) in the router"; }
mark=$(( $(wc -l <"$T_DIR/daemon.log") + 1 ))
since_kill() { tail -n "+$mark" "$T_DIR/daemon.log"; }
t0=$(date +%s)
kill "$isp_pid"
# Whichever notices first, dhcpcd (EXPIRE6 when ppp0 goes) or the daemon
# (ipv6-down: dhcp6_withdraw), the LAN follows no prefix until the next
# session's delegation.
wait_for 60 sh -c "tail -n +$mark $T_DIR/daemon.log | grep -q 'wan: IPv6 down on ppp0'" ||
    { dump; fail "no ipv6-down from the session's pppd"; }
wait_for 30 sh -c "tail -n +$mark $T_DIR/daemon.log | grep -q 'wan: .*the LAN follows none'" ||
    { dump; since_kill; fail "the delegation was not withdrawn from the LAN when the session ended"; }
wait_for 30 sh -c "tail -n +$mark $T_DIR/daemon.log | grep -q 'dhcpcd6-wan: no longer needed, stopping'" ||
    { dump; since_kill; fail "dhcpcd was not stopped when the session's IPv6 went down"; }
wait_for 90 status_has 'pppoe ppp0: up.*(sessions: 2), ipv6 fe80::' ||
    { dump; fail "no new session with IPv6 after the ISP's pppd was killed"; }
wait_for 60 sh -c "tail -n +$mark $T_DIR/daemon.log | grep -q 'wan: DHCPv6 [A-Z0-9]* .*the LAN follows 2001:db8:1000:'" ||
    { dump; since_kill; fail "no new delegation in the new session"; }
dhc_new=$(dhc_pid) || dhc_new=""
[ -n "$dhc_new" ] && [ "$dhc_new" != "$dhc_old" ] || fail "dhcpcd was not started again (pid '$dhc_old' -> '$dhc_new')"
pd2=$(since_kill | sed -n 's/.*wan: DHCPv6 .*the LAN follows \(2001:db8:1000:[0-9a-f:]*\/56\).*/\1/p' | tail -n 1)
lan_net=$(subnet1 "$pd2")
wait_for 10 sh -c "ip -n $R -6 addr show dev lan | grep -q 'inet6 $lan_net::1/64 '" ||
    { dump; fail "lan is not numbered $lan_net::1/64 from $pd2 after the reconnect"; }
ip -n "$R" -6 route show default | grep -q '^default dev ppp0 proto 110 ' ||
    { dump; fail "no IPv6 default route over the new ppp0"; }
wait_for 60 sh -c "ip -n $C -6 -o addr show dev eth0 scope global | grep -v -e tentative -e deprecated | grep -q 'inet6 $lan_net:'" ||
    { dump; fail "the LAN client has no usable address in $lan_net::/64 after the reconnect"; }
ca=$(c_addr) || ca=""
wait_for 30 fetch6 "peer=[$(explode "$ca")]" || { dump; fail "no IPv6 traffic after the reconnect (got '$out')"; }
pass "ISP's pppd $isp_pid killed: delegation withdrawn, dhcpcd stopped; session 2 with IPv6 in $(( $(date +%s) - t0 ))s, dhcpcd $dhc_old -> $dhc_new, delegated $pd2 again, W saw [$ca]"

# The router's own pppd killed outright (SIGKILL, by PID): no ipv6-down
# runs. The daemon starts pppd again (before that, the session's IPv6 is
# forgotten and a DHCPv6 client left on the vanished link is stopped), and
# the next session gets IPv6, a delegation and traffic as before.
r_pppd=$(rctl status 2>/dev/null | sed -n 's/^ *pppd-wan *pid \([0-9][0-9]*\) .*/\1/p' | head -n 1) || r_pppd=""
[ -n "$r_pppd" ] || { dump; fail "no pppd-wan child in status"; }
mark=$(( $(wc -l <"$T_DIR/daemon.log") + 1 ))
t0=$(date +%s)
kill -9 "$r_pppd"
wait_for 90 status_has 'pppoe ppp0: up.*(sessions: 3), ipv6 fe80::' ||
    { dump; since_kill; fail "no session with IPv6 after the router's pppd was killed"; }
wait_for 60 sh -c "tail -n +$mark $T_DIR/daemon.log | grep -q 'wan: DHCPv6 [A-Z0-9]* .*the LAN follows 2001:db8:1000:'" ||
    { dump; since_kill; fail "no delegation in the session after the router's pppd was killed"; }
[ "$(rctl status | grep -c '^ *dhcpcd6-wan ')" = 1 ] || { dump; fail "not one dhcpcd6-wan child"; }
pd3=$(since_kill | sed -n 's/.*wan: DHCPv6 .*the LAN follows \(2001:db8:1000:[0-9a-f:]*\/56\).*/\1/p' | tail -n 1)
lan_net=$(subnet1 "$pd3")
wait_for 60 sh -c "ip -n $C -6 -o addr show dev eth0 scope global | grep -v -e tentative -e deprecated | grep -q 'inet6 $lan_net:'" ||
    { dump; fail "the LAN client has no usable address in $lan_net::/64 after the router's pppd was killed"; }
ca=$(c_addr) || ca=""
wait_for 30 fetch6 "peer=[$(explode "$ca")]" || { dump; fail "no IPv6 traffic after the router's pppd was killed (got '$out')"; }
stale=$(since_kill | grep -c 'dhcpcd6-wan: the last session ended without ipv6-down' || true)
pass "router's pppd $r_pppd killed (SIGKILL): session 3 with IPv6 in $(( $(date +%s) - t0 ))s, delegated $pd3, one dhcpcd (stale client stopped by the daemon: $stale), W saw [$ca]"
