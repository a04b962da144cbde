#!/usr/bin/env bash
# A hostile ISP (issue 11, findings 6 and 11): the router holds a good
# lease; then each renewal is answered with a bad one. Each must be
# refused by dhcp-hook with its reason, and the router's addresses and
# routes (every table) must be exactly what they were, and the daemon
# is told (it logs the failure, and `status` shows it as the WAN's last
# DHCP event). Learned DNS
# servers that are loopback, unspecified, broadcast, multicast or the
# router's own never become dnsmasq upstreams.
# Real udhcpc (the daemon's child), real daemon, real kernel.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
. "$(dirname "$0")/wan-common.bash"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v jq >/dev/null || skip "jq not installed"

run_config '[]'
R=$(netns r); I=$(netns i); C=$(netns c)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$R" eth2 "$C" eth0 "$R_MAC_LAN"
ip -n "$I" addr add 203.0.113.1/24 dev up0
GOOD='{"ip": "203.0.113.10", "mask": "255.255.255.0", "router": ["203.0.113.1"], "dns": ["203.0.113.1"]}'
scenario isp "$GOOD"
hostile_start "$I" up0 203.0.113.1 isp
run_start
wait_for 20 ip -n "$R" route show default via 203.0.113.1 dev wan ||
    { cat "$T_DIR/daemon.log"; fail "no default route from the good lease"; }
wait_for 10 grep -q '^server=203.0.113.1' "$T_DIR/run/dnsmasq.conf" || fail "learned DNS not in dnsmasq.conf"
pass "good lease: 203.0.113.10/24, default via 203.0.113.1, DNS 203.0.113.1 learned"

# bad NAME JSON REASON: a renewal answered with JSON is refused with
# REASON and changes nothing; then the good lease is taken again.
bad() {
    local before after n
    before=$(state)
    n=$(count "dhcp-hook: wan: renew lease refused")
    scenario isp "$2"
    udhcpc_signal wan USR1
    if ! wait_more 20 "dhcp-hook: wan: renew lease refused" "$n"; then
        tail -15 "$T_DIR/daemon.log"
        fail "$1: not refused"
    fi
    grep "dhcp-hook: wan: renew lease refused" "$T_DIR/daemon.log" | tail -1 | grep -qF -- "$3" ||
        { grep "lease refused" "$T_DIR/daemon.log" | tail -1; fail "$1: refused without '$3'"; }
    grep "dhcp-hook: wan: renew lease refused" "$T_DIR/daemon.log" | tail -1 | grep -q 'nothing changed$' ||
        fail "$1: the message does not say nothing changed"
    # The daemon heard it (dhcp-event PORT EVENT error MESSAGE).
    wait_for 10 grep -q "nftrouter: wan: DHCP renew failed: lease refused.*$3" "$T_DIR/daemon.log" ||
        fail "$1: the daemon was not told"
    # ... and shows it as the WAN's last DHCP event.
    rctl status --json | jq -r '.wans[] | select(.name == "wan") | .dhcp | "\(.event) \(.ok) \(.error)"' |
        grep -q "^renew false lease refused" || { rctl status --json | jq .wans; fail "$1: status does not show the refusal"; }
    rctl status | grep -q "last DHCP event: renew FAILED at [0-9]*: lease refused" ||
        { rctl status; fail "$1: status text does not show the refusal"; }
    after=$(state)
    if [ "$before" != "$after" ]; then
        diff <(echo "$before") <(echo "$after") || true
        fail "$1: addresses or routes changed"
    fi
    pass "$1 refused ($3), addresses and routes unchanged"
    scenario isp "$GOOD"
    rebind wan "dhcp-hook: wan: bound 203.0.113.10/24"
}

bad "the router's own LAN" '{"ip": "192.168.100.1", "mask": "255.255.255.0", "router": ["192.168.100.254"]}' \
    "overlaps lan's subnet 192.168.100.1/24"
bad "a /16 over the LAN" '{"ip": "192.168.7.7", "mask": "255.255.0.0", "router": ["192.168.0.1"]}' \
    "overlaps lan's subnet"
bad "the absent optional port's subnet" '{"ip": "192.168.101.9", "mask": "255.255.255.0", "router": ["192.168.101.254"]}' \
    "overlaps opt's subnet 192.168.101.1/24"
bad "loopback" '{"ip": "127.0.0.1", "mask": "255.0.0.0", "router": ["127.0.0.2"]}' "loopback"
bad "multicast" '{"ip": "224.0.0.5", "mask": "255.255.255.0", "router": ["203.0.113.1"]}' "multicast"
bad "broadcast" '{"ip": "255.255.255.255", "mask": "255.255.255.255", "router": ["203.0.113.1"]}' "broadcast"
bad "the subnet's network address" '{"ip": "203.0.113.0", "mask": "255.255.255.0", "router": ["203.0.113.1"]}' \
    "network or broadcast address"
bad "the subnet's broadcast address" '{"ip": "203.0.113.255", "mask": "255.255.255.0", "router": ["203.0.113.1"]}' \
    "network or broadcast address"
bad "mask /0" '{"ip": "203.0.113.10", "mask": "0.0.0.0", "router": ["203.0.113.1"]}' "shorter than /8"
bad "router 0.0.0.0" '{"ip": "203.0.113.10", "mask": "255.255.255.0", "router": ["0.0.0.0"]}' "gateway 0.0.0.0"
bad "a router outside the subnet" '{"ip": "203.0.113.10", "mask": "255.255.255.0", "router": ["198.51.100.1"]}' \
    "outside the subnet"
bad "a classless route over the LAN" \
    '{"ip": "203.0.113.10", "mask": "255.255.255.0", "routes121": [["192.168.100.0/24", "203.0.113.1"], ["0.0.0.0/0", "203.0.113.1"]]}' \
    "route to 192.168.100.0/24: overlaps lan's"

# DNS servers: the lease is good, the bad servers are left out.
scenario isp '{"ip": "203.0.113.10", "mask": "255.255.255.0", "router": ["203.0.113.1"],
  "dns": ["127.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.1", "192.168.100.1", "203.0.113.10", "203.0.113.53"]}'
n=$(count "dhcp-hook: wan: DNS servers not used")
udhcpc_signal wan USR1
wait_more 20 "dhcp-hook: wan: DNS servers not used" "$n" || { tail -15 "$T_DIR/daemon.log"; fail "bad DNS servers not reported"; }
wait_for 10 grep -q '^server=203.0.113.53' "$T_DIR/run/dnsmasq.conf" ||
    { grep '^server=' "$T_DIR/run/dnsmasq.conf"; fail "the good DNS server is not dnsmasq's upstream"; }
servers=$(grep '^server=' "$T_DIR/run/dnsmasq.conf" | tr '\n' ' ')
[ "$servers" = "server=203.0.113.53#53 " ] || fail "dnsmasq upstreams: '$servers' (want only 203.0.113.53)"
pass "learned DNS: only 203.0.113.53 of 7 offered is used ($servers)"

# The daemon checks what it reads too: a record naming ::1 and
# 127.0.0.1 (written by hand here, as a stale or planted file would be)
# gives no upstream.
printf 'event=renew\ndns=::1 127.0.0.1 224.0.0.1 198.51.100.53\n' >"$T_DIR/run/dhcp-wan.env"
command -v socat >/dev/null || skip "socat not installed"
printf 'dhcp-event wan\n' | ip netns exec "$R" socat -t 5 - "UNIX-CONNECT:$T_DIR/run/nftrouter.sock" >/dev/null
wait_for 10 grep -q '^server=198.51.100.53' "$T_DIR/run/dnsmasq.conf" ||
    { grep '^server=' "$T_DIR/run/dnsmasq.conf"; fail "daemon did not re-read the record"; }
servers=$(grep '^server=' "$T_DIR/run/dnsmasq.conf" | tr '\n' ' ')
[ "$servers" = "server=198.51.100.53#53 " ] || fail "daemon took unusable servers: '$servers'"
pass "the daemon drops ::1, 127.0.0.1, 224.0.0.1 from a record too ($servers)"
