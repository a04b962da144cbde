#!/usr/bin/env bash
# Real traffic through an applied router: LAN → WAN works and is
# masqueraded (the WAN host sees the router's address); WAN → LAN is
# blocked; WAN → router only where a rule opens it; LAN → router where a
# service opens it; a port forward reaches the LAN server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply-topo.inc"

# The WAN zone counts (named counters wan-ingress/wan-egress).
sed 's/^    masquerade: true$/&\n    counters: true/' "$T_DIR/base.yaml" >"$T_DIR/count.yaml"
cp "$T_DIR/count.yaml" "$T_DIR/base.yaml"
napply apply -c "$T_DIR/base.yaml" || fail "apply exited $?"
# The WAN host may try the LAN directly (as a hostile upstream could).
ip -n "$W" route add 192.168.100.0/24 via 203.0.113.1

# listen NS PORT TEXT: a TCP server that answers TEXT (or its peer's address).
listen() {
    bg ip netns exec "$1" socat TCP-LISTEN:"$2",fork,reuseaddr SYSTEM:"$3"
}
listen "$W" 9000 'echo $SOCAT_PEERADDR'
listen "$L" 80 'echo lan-web'
listen "$L" 5000 'echo lan-direct'
listen "$R" 22 'echo router-ssh'
listen "$R" 2323 'echo router-other'
for ns_port in "$W:9000" "$L:80" "$L:5000" "$R:22" "$R:2323"; do
    wait_for 5 nsx "${ns_port%:*}" sh -c "ss -Hltn 'sport = :${ns_port#*:}' | grep -q LISTEN" ||
        fail "listener $ns_port did not start"
done

# get NS ADDR PORT: what the server says, or nothing within 3 s.
get() { nsx "$1" timeout 4 socat -T3 - "TCP:$2:$3,connect-timeout=3" </dev/null 2>/dev/null || true; }

peer=$(get "$L" 203.0.113.2 9000)
[ "$peer" = 203.0.113.1 ] || fail "LAN → WAN: the WAN host saw '$peer', want 203.0.113.1 (masquerade)"
nsx "$R" conntrack -L -p tcp --dport 9000 2>/dev/null | grep -q 'src=192.168.100.20.*dst=203.0.113.1' ||
    fail "no masqueraded conntrack entry"
pass "LAN → WAN works, masqueraded to 203.0.113.1"

[ -z "$(get "$W" 192.168.100.20 5000)" ] || fail "WAN → LAN directly was let through"
pass "WAN → LAN blocked"

[ "$(get "$W" 203.0.113.1 22)" = router-ssh ] || fail "WAN → router:22 (rule admin-ssh) blocked"
[ -z "$(get "$W" 203.0.113.1 2323)" ] || fail "WAN → router:2323 open (zone wan input drop)"
pass "WAN → router: 22 open by its rule, 2323 closed"

[ "$(get "$L" 192.168.100.1 22)" = router-ssh ] || fail "LAN → router:22 (service ssh) blocked"
[ -z "$(get "$L" 192.168.100.1 2323)" ] || fail "LAN → router:2323 open (zone lan input reject)"
pass "LAN → router: ssh service open, 2323 rejected"

[ "$(get "$W" 203.0.113.1 8080)" = lan-web ] || fail "port forward 8080 → 192.168.100.20:80 failed"
pass "port forward reaches the LAN server"

# packets COUNTER: the named counter's packets in the router's table.
packets() { nsx "$R" nft list counter inet nftrouter "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
before=$(packets wan-ingress)
[ "${before:-0}" -gt 0 ] || fail "wan-ingress counted nothing"

# And after a re-apply of a config without the rule, 22 closes from the WAN.
sed '/^rules:/,/^port-forwards:/{/^port-forwards:/!d}' "$T_DIR/base.yaml" >"$T_DIR/norule.yaml"
napply apply -c "$T_DIR/norule.yaml" || fail "apply norule exited $?"
after=$(packets wan-ingress)
[ "${after:-0}" -ge "$before" ] || fail "wan-ingress went from $before to $after over an apply"
pass "counters carried over the table replace ($before → $after packets)"
[ -z "$(get "$W" 203.0.113.1 22)" ] || fail "WAN → router:22 still open without the rule"
[ "$(get "$W" 203.0.113.1 8080)" = lan-web ] || fail "port forward broke after re-apply"
pass "rule removed: 22 closed from the WAN, port forward still works"

