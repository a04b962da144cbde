#!/usr/bin/env bash
# RFC 4890 4.3.1 through the rendered forward chain (nft -f, real packets):
# ICMPv6 errors about a flow conntrack never saw (conntrack calls them
# invalid) are forwarded — packet-too-big, destination-unreachable,
# time-exceeded — while another invalid ICMPv6 packet (an echo reply no
# request asked for) is dropped. The errors take the invalid branch
# (chain invalid_forward), not a rule every new connection meets.
. "$(dirname "$0")/lib.sh"

cat >"$T_DIR/router.yaml" <<'EOF'
hostname: r
interfaces:
  wan: { match: { name: wan }, ipv4: 203.0.113.1/24, ipv6: "2001:db8:1::1/64", ipv6-gateway: "2001:db8:1::2" }
  lan: { match: { name: lan }, ipv4: 192.168.80.1/24, ipv6: "2001:db8:80::1/64" }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: accept, forward: [wan] }
EOF
"$NFTROUTER" render -c "$T_DIR/router.yaml" nft >"$T_DIR/r.nft" || fail "render nft"
grep -q "ct state invalid jump invalid_forward" "$T_DIR/r.nft" || fail "no invalid branch in the forward chain"

R=$(netns r) W=$(netns w) L=$(netns l)
veth "$R" wan "$W" eth0
veth "$R" lan "$L" eth0
for i in wan lan; do nsx "$R" ip link set "$i" up; done
nsx "$R" sysctl -qw net.ipv6.conf.all.forwarding=1
nsx "$R" ip -6 addr add 2001:db8:1::1/64 dev wan nodad
nsx "$R" ip -6 addr add 2001:db8:80::1/64 dev lan nodad
nsx "$R" ip -6 route add default via 2001:db8:1::2
nsx "$W" ip -6 addr add 2001:db8:1::2/64 dev eth0 nodad
nsx "$W" ip -6 route add 2001:db8:80::/64 via 2001:db8:1::1
nsx "$L" ip -6 addr add 2001:db8:80::2/64 dev eth0 nodad
nsx "$L" ip -6 route add default via 2001:db8:80::1
nsx "$R" nft -f "$T_DIR/r.nft" || fail "ruleset does not load"
wait_for 5 nsx "$L" ping -6 -c1 -W1 2001:db8:1::2 >/dev/null || fail "no IPv6 path L -> W through R"

# What reaches the LAN host, counted before its own conntrack.
nsx "$L" nft -f - <<'EOF'
table inet probe {
	counter ptb { }
	counter unreach { }
	counter tmx { }
	counter echoreply { }
	chain pre { type filter hook prerouting priority raw; policy accept;
		icmpv6 type packet-too-big counter name "ptb"
		icmpv6 type destination-unreachable counter name "unreach"
		icmpv6 type time-exceeded counter name "tmx"
		icmpv6 type echo-reply counter name "echoreply"
	}
}
EOF
probe() { nsx "$L" nft list counter inet probe "$1" | awk '/packets/ {print $2}'; }

# send TYPE CODE: three ICMPv6 messages from the ISP side to the LAN host,
# quoting a UDP packet of a flow that never existed (the kernel fills in
# the ICMPv6 checksum of a raw socket).
send() {
    nsx "$W" python3 - "$1" "$2" <<'EOF'
import socket, struct, sys
t, c = int(sys.argv[1]), int(sys.argv[2])
src, dst = socket.inet_pton(socket.AF_INET6, "2001:db8:80::2"), socket.inet_pton(socket.AF_INET6, "2001:db8:1::9")
udp = struct.pack("!HHHH", 40000, 53, 8, 0)
inner = struct.pack("!IHBB", 6 << 28, len(udp), 17, 64) + src + dst + udp
word = 1280 if t == 2 else 0
msg = struct.pack("!BBHI", t, c, 0, word) + (inner if t < 128 else b"")
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
for _ in range(3):
    s.sendto(msg, ("2001:db8:80::2", 0))
EOF
    sleep 0.3
}
send 2 0    # packet too big
send 1 4    # destination unreachable, port unreachable
send 3 0    # time exceeded in transit
send 129 0  # echo reply nobody asked for: invalid, not an error
[ "$(probe ptb)" -eq 3 ] || fail "packet-too-big about an unknown flow: $(probe ptb) of 3 forwarded"
[ "$(probe unreach)" -eq 3 ] || fail "destination-unreachable about an unknown flow: $(probe unreach) of 3 forwarded"
[ "$(probe tmx)" -eq 3 ] || fail "time-exceeded about an unknown flow: $(probe tmx) of 3 forwarded"
[ "$(probe echoreply)" -eq 0 ] || fail "an unsolicited echo reply (invalid) was forwarded: $(probe echoreply)"
pass "ICMPv6 errors about unknown flows forwarded (3/3 each); an invalid echo reply dropped"
