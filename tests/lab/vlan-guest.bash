# The body of tests/lab/vm-vlan.sh, run as root in the guest kernel (which
# has 802.1Q) by scripts/vm-run: router on a stick with the real daemon.
# R (router) has a WAN towards I and a trunk towards S; S's end of the
# trunk is the untagged LAN client, and its VLAN 20 and 30 links are moved
# into client namespaces C20 and C30.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run-common.bash"
modprobe 8021q

R=$(netns r); I=$(netns i); S=$(netns s); C20=$(netns c20); C30=$(netns c30)
veth "$R" eth1 "$I" up0 "$R_MAC_WAN"
veth "$R" eth2 "$S" trunk "$R_MAC_LAN"
ip -n "$I" addr add 203.0.113.1/24 dev up0
for v in 20 30; do
    ns=C$v
    ip -n "$S" link add link trunk name "t$v" type vlan id "$v"
    ip -n "$S" link set "t$v" netns "${!ns}"
done
cat >"$T_DIR/router.yaml" <<YAML
hostname: router
interfaces:
  wan: { match: { mac: "$R_MAC_WAN" }, ipv4: 203.0.113.2/24, gateway: 203.0.113.1 }
  lan: { match: { mac: "$R_MAC_LAN" }, ipv4: 192.168.100.1/24 }
  iot: { vlan: { parent: lan, id: 20 }, ipv4: 192.168.20.1/24 }
  guest: { vlan: { parent: lan, id: 30 }, ipv4: 192.168.30.1/24 }
zones:
  wan: { interfaces: [wan], masquerade: true, input: drop }
  lan: { interfaces: [lan], input: reject, services: [dns, dhcp], forward: [wan, iot, guest] }
  iot: { interfaces: [iot], input: reject, services: [dns, dhcp], forward: [wan] }
  guest: { interfaces: [guest], input: reject, services: [dns, dhcp], forward: [wan] }
dhcp:
  lan: { range: 192.168.100.10-192.168.100.50, lease: 1h }
  iot: { range: 192.168.20.10-192.168.20.50, lease: 1h }
  guest: { range: 192.168.30.10-192.168.30.50, lease: 1h }
dns:
  upstream: ["203.0.113.1"]
YAML
mkdir -p "$T_DIR/state"
ip netns exec "$R" "$NFTROUTER" run -c "$T_DIR/router.yaml" --state-dir "$T_DIR/state" \
    --run-dir "$T_DIR/run" >>"$T_DIR/daemon.log" 2>&1 &
T_PIDS+=($!)
wait_for 60 sh -c "ip -n $R -d link show iot | grep -q 'vlan protocol 802.1Q id 20'" ||
    { cat "$T_DIR/daemon.log"; fail "no VLAN iot (id 20) on the router"; }
ip -n "$R" -d link show guest | grep -q 'vlan protocol 802.1Q id 30' || fail "no VLAN guest (id 30)"
ip -n "$R" -d link show iot | grep -q 'iot@lan' || fail "iot is not on lan: $(ip -n "$R" -d link show iot)"
pass "the daemon's apply made iot (VLAN 20) and guest (VLAN 30) on lan: $(ip -n "$R" -br addr show iot)"

declare -A want=([$C20]=192.168.20 [$C30]=192.168.30 [$S]=192.168.100)
declare -A dev=([$C20]=t20 [$C30]=t30 [$S]=trunk)
declare -A ip
for ns in "$C20" "$C30" "$S"; do
    client_lease "$ns" "${dev[$ns]}" "c$RANDOM" ||
        { cat "$T_DIR/client.log" "$T_DIR/daemon.log"; fail "$ns got no lease on ${dev[$ns]}"; }
    ip[$ns]=$(lease_val "$ns" ip)
    case ${ip[$ns]} in "${want[$ns]}".[1-5][0-9]) ;; *) fail "$ns: lease ${ip[$ns]} outside ${want[$ns]}.10-50" ;; esac
    [ "$(lease_val "$ns" router)" = "${want[$ns]}.1" ] || fail "$ns: gateway $(lease_val "$ns" router)"
done
pass "leases from their own ranges: VLAN 20 ${ip[$C20]}, VLAN 30 ${ip[$C30]}, untagged ${ip[$S]}"

ping_ok() { ip netns exec "$1" busybox ping -c 2 -W 2 "$2" >/dev/null 2>&1; }
for ns in "$C20" "$C30" "$S"; do
    ping_ok "$ns" 203.0.113.1 || fail "$ns (${ip[$ns]}) cannot reach the WAN namespace"
done
pass "VLAN 20, VLAN 30 and the untagged LAN reach 203.0.113.1 (WAN)"
ping_ok "$S" "${ip[$C30]}" || fail "lan cannot reach guest ${ip[$C30]} (lan forwards to guest)"
pass "lan -> guest ${ip[$C30]} allowed (the path works)"
if ping_ok "$C20" "${ip[$C30]}"; then fail "iot ${ip[$C20]} reached guest ${ip[$C30]}: zone policy broken"; fi
if ping_ok "$C30" "${ip[$C20]}"; then fail "guest reached iot: zone policy broken"; fi
pass "VLAN 20 -> VLAN 30 (and back) blocked by zone policy"
