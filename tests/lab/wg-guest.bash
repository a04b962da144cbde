# The body of tests/lab/vm-wireguard.sh, run as root in the guest kernel
# (which has WireGuard) by scripts/vm-run. R (router) has a WAN towards I
# (the "internet", which routes) and a LAN towards L; the peer P sits
# behind I (198.51.100.2) and dials the router's WAN address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
command -v wg >/dev/null || skip "no wireguard-tools in the guest (scripts/vm-image)"
modprobe wireguard || fail "no wireguard module in the guest kernel"

R=$(netns r); I=$(netns i); L=$(netns l); P=$(netns p)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$R" eth2 "$L" eth0 "$R_MAC_LAN"
veth "$P" eth0 "$I" up1
ip -n "$I" addr add 203.0.113.1/24 dev up0
ip -n "$I" addr add 198.51.100.1/24 dev up1
ip netns exec "$I" sysctl -qw net.ipv4.ip_forward=1
ip -n "$P" link set eth0 up
ip -n "$P" addr add 198.51.100.2/24 dev eth0
ip -n "$P" route add default via 198.51.100.1
ip -n "$L" addr add 192.168.100.10/24 dev eth0
ip -n "$L" route add default via 192.168.100.1

umask 077
wg genkey >"$T_DIR/phone.key"
wg genkey >"$T_DIR/laptop.key"
PHONE=$(wg pubkey <"$T_DIR/phone.key")
LAPTOP=$(wg pubkey <"$T_DIR/laptop.key")
# config PEERS...: router.yaml with these peers of wg0.
config() {
    {
        cat <<YAML
interfaces:
  wan: { match: { mac: "$R_MAC_WAN" }, ipv4: 203.0.113.2/24, gateway: 203.0.113.1 }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
  wg0:
    ipv4: 10.8.0.1/${WG_LEN:-24}
    wireguard:
      port: ${WG_PORT:-51820}
      listen-zones: [wan]
      endpoint: 203.0.113.2
      peers:
YAML
        for p in "$@"; do
            case $p in
            phone) echo "        - { name: phone, public-key: $PHONE, allowed-ips: [10.8.0.2/32] }" ;;
            laptop) echo "        - { name: laptop, public-key: $LAPTOP, allowed-ips: [10.8.0.3/32] }" ;;
            esac
        done
        [ -z "${EXTRA_PEERS:-}" ] || cat "$EXTRA_PEERS"
        cat <<YAML
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, forward: [wan] }
  vpn: { interfaces: [wg0], input: reject, forward: [lan] }
YAML
    } >"$T_DIR/router.yaml"
}
config phone laptop
"$NFTROUTER" check -c "$T_DIR/router.yaml" >"$T_DIR/check.out" 2>&1 ||
    { cat "$T_DIR/check.out"; fail "check refused the config in a kernel with WireGuard"; }
mkdir -p "$T_DIR/state"
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" >>"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
wait_for 60 sh -c "ip -n $R -d link show wg0 | grep -q wireguard" ||
    { cat "$T_DIR/daemon.log"; fail "the daemon's apply made no WireGuard link wg0"; }
key="$T_DIR/state/wireguard-wg0.key"
[ "$(stat -c '%a %U' "$key")" = "600 root" ] || fail "key file: $(stat -c '%a %U' "$key")"
grep -q 'PrivateKey\|BEGIN' "$key" && fail "key file is not one base64 key"
[ "$(ip netns exec "$R" wg show wg0 public-key)" = "$(wg pubkey <"$key")" ] ||
    fail "the kernel's key is not the state dir's"
[ "$(ip netns exec "$R" wg show wg0 listen-port)" = 51820 ] || fail "listen port"
[ "$(ip netns exec "$R" wg show wg0 peers | wc -l)" = 2 ] || fail "peers: $(ip netns exec "$R" wg show wg0 peers)"
pass "apply made wg0 (key in the state dir, 0600; port 51820; 2 peers): $(ip -n "$R" -br addr show wg0)"

# The peer's side, from `wg peer`: its private key given, the rest as printed.
ip netns exec "$R" "$NFTROUTER" wg peer phone -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --private-key "$T_DIR/phone.key" >"$T_DIR/phone.conf" || fail "wg peer phone failed"
cat "$T_DIR/phone.conf"
grep -qx "AllowedIPs = 10.8.0.0/24, 192.168.100.0/24" "$T_DIR/phone.conf" || fail "AllowedIPs not from zone policy"
grep -qx "Endpoint = 203.0.113.2:51820" "$T_DIR/phone.conf" || fail "Endpoint"
addr=$(sed -n 's/^Address = //p' "$T_DIR/phone.conf")
[ "$addr" = 10.8.0.2/32 ] || fail "Address '$addr'"
ip -n "$P" link add wgc type wireguard
cp "$T_DIR/phone.conf" "$T_DIR/wgc.conf"
wg-quick strip "$T_DIR/wgc.conf" >"$T_DIR/wgc.setconf"
ip netns exec "$P" wg setconf wgc "$T_DIR/wgc.setconf" || fail "wg setconf refused wg peer's output"
ip -n "$P" addr add "$addr" dev wgc
ip -n "$P" link set wgc up
for net in $(sed -n 's/^AllowedIPs = //p' "$T_DIR/phone.conf" | tr -d ,); do
    ip -n "$P" route add "$net" dev wgc
done
ping_ok() { ip netns exec "$1" ping -c 1 -W 2 "$2" >/dev/null 2>&1; }
wait_for 20 ping_ok "$P" 192.168.100.10 || {
    ip netns exec "$R" wg show; ip netns exec "$P" wg show; fail "the peer does not reach the LAN host"; }
pass "the peer, configured from wg peer's output, reaches the LAN host 192.168.100.10 through the tunnel"
if ping_ok "$L" 10.8.0.2; then fail "the LAN reached the peer (lan does not forward to vpn)"; fi
# The WAN host through the tunnel (the peer widened its own allowed-ips):
# vpn does not forward to wan.
rpub=$(sed -n 's/^PublicKey = //p' "$T_DIR/phone.conf")
ip netns exec "$P" wg set wgc peer "$rpub" allowed-ips 10.8.0.0/24,192.168.100.0/24,203.0.113.1/32
ip -n "$P" route add 203.0.113.1/32 dev wgc
if ping_ok "$P" 203.0.113.1; then fail "the peer reached the WAN host through the tunnel (vpn does not forward to wan)"; fi
ping_ok "$P" 192.168.100.10 || fail "the peer lost the LAN host"
pass "zone policy: vpn -> lan allowed; lan -> vpn and vpn -> wan refused"

show=$(ip netns exec "$R" "$NFTROUTER" wg show -c "$T_DIR/router.yaml")
echo "$show"
echo "$show" | grep -A2 '^  peer phone$' | grep -q 'endpoint 198.51.100.2:[0-9]*, latest handshake [0-9]*s ago' ||
    fail "wg show: no handshake or endpoint for phone"
echo "$show" | grep -A2 '^  peer laptop$' | grep -q 'latest handshake never' || fail "wg show: laptop"
json=$(ip netns exec "$R" "$NFTROUTER" wg show --json -c "$T_DIR/router.yaml")
# No jq in the guest: phone's object, its numbers non-zero.
phone=$(grep -o '{"name":"phone"[^}]*}' <<<"$json") || fail "wg show --json has no phone: $json"
for f in latest_handshake rx_bytes tx_bytes; do
    grep -qE "\"$f\":[1-9][0-9]*" <<<"$phone" || fail "wg show --json: phone's $f: $phone"
done
pass "wg show: phone's handshake and transfer ($phone)"

# Removed from router.yaml and reloaded: the kernel drops the peer, the
# laptop stays, and the phone is refused.
config laptop
# diff says so first (the kernel's peer is named by its key: the config
# no longer knows it), changing nothing.
rc=0
ip netns exec "$R" "$NFTROUTER" diff -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" >"$T_DIR/diff.out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -qxF -- "  - wg0: peer $PHONE" "$T_DIR/diff.out" ||
    { cat "$T_DIR/diff.out"; fail "diff (exit $rc) does not list the phone's removal"; }
[ "$(ip netns exec "$R" wg show wg0 peers | wc -l)" = 2 ] || fail "diff changed the kernel's peers"
pass "diff lists '- wg0: peer $PHONE' and changes nothing"
wait_for 20 rctl status || fail "the daemon's control socket did not come up"
rctl reload || { cat "$T_DIR/daemon.log"; fail "reload failed"; }
peers=$(ip netns exec "$R" wg show wg0 peers)
[ "$peers" = "$LAPTOP" ] || fail "after reload the kernel's peers are: $peers"
if ping_ok "$P" 192.168.100.10; then fail "the removed peer still reaches the LAN"; fi
ip netns exec "$R" "$NFTROUTER" wg show -c "$T_DIR/router.yaml" | grep -q 'peer phone' && fail "wg show still lists phone"
pass "phone removed from router.yaml and reloaded: gone from the kernel, refused; laptop kept"
# The key survives: a second apply keeps it.
[ "$(ip netns exec "$R" wg show wg0 public-key)" = "$(wg pubkey <"$key")" ] || fail "key changed on reload"
pass "the router's key is the same after the reload"

# A change the kernel refuses halfway through the apply (the new listen
# port is taken by another socket): reload fails, the apply is rolled
# back, and the device is as it was (port, peers).
ip netns exec "$R" socat -u UDP4-RECV:51821 /dev/null &
T_PIDS+=($!)
wait_for 10 sh -c "ip netns exec $R ss -Huln | grep -q ':51821 '" || fail "socat did not bind udp/51821"
WG_PORT=51821 config phone laptop
if rctl reload >"$T_DIR/reload.out" 2>&1; then fail "reload applied a config whose listen port is taken"; fi
cat "$T_DIR/reload.out"
grep -q "setting its WireGuard device" "$T_DIR/reload.out" "$T_DIR/daemon.log" || fail "no word of the WireGuard step's failure"
[ "$(ip netns exec "$R" wg show wg0 listen-port)" = 51820 ] || fail "listen port not restored"
[ "$(ip netns exec "$R" wg show wg0 peers)" = "$LAPTOP" ] || fail "peers not restored: $(ip netns exec "$R" wg show wg0 peers)"
ip netns exec "$R" nft list ruleset | grep -q 'udp dport 51820 accept' || fail "the firewall's listen port was not restored"
pass "a taken listen port fails the reload at the WireGuard step; port 51820, the peers and the firewall restored"

# Many peers: more than one SET_DEVICE message (32 kB each) and a
# multi-part GET dump; all of them in the kernel, wg show names them all.
for i in $(seq 1 400); do
    echo "        - { name: p$i, public-key: $(wg genkey | wg pubkey), allowed-ips: [10.8.$((i / 200 + 1)).$((i % 200 + 1))/32] }"
done >"$T_DIR/peers400.yaml"
WG_LEN=16 EXTRA_PEERS="$T_DIR/peers400.yaml" config laptop
rctl reload || { cat "$T_DIR/daemon.log"; fail "reload with 401 peers failed"; }
[ "$(ip netns exec "$R" wg show wg0 peers | wc -l)" = 401 ] || fail "the kernel has $(ip netns exec "$R" wg show wg0 peers | wc -l) peers, not 401"
[ "$(ip netns exec "$R" wg show wg0 allowed-ips | grep -c /32)" = 401 ] || fail "allowed-ips of the 401 peers"
n=$(ip netns exec "$R" "$NFTROUTER" wg show -c "$T_DIR/router.yaml" | grep -c '^  peer p[0-9]*$')
[ "$n" = 400 ] || fail "wg show names $n of the 400 peers"
pass "401 peers set (several messages) and dumped back (a multi-part dump) by name"
