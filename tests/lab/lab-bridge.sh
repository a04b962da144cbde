#!/usr/bin/env bash
# nftrouter lab on examples/bridge.yaml: the lab builds the member ports
# (lan, opt1; opt2 too with --optional) with a client behind each, the
# daemon makes br0 and the members join it; lab test passes every check:
# each member port is a port of br0, each client takes a lease from br0's
# one range, clients on two members reach each other (bridged), all
# reach the internet, the port forward to the server on lan answers from
# the WAN and, by hairpin, from a client on another member port of the
# same bridge; lab down leaves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
LAB_UP_ARGS=--optional lab_cycle "$LAB_CONF_DIR/bridge.yaml" port dhcp masquerade zones scan
grep -qE '^ok +port +br0: the bridge the router made, up' "$T_DIR/test.out" || fail "br0 not checked"
for m in lan opt1 opt2; do
    grep -qE "^ok +port +$m: .*, a port of br0" "$T_DIR/test.out" || fail "$m: not checked as a port of br0"
    grep -qE "^ok +dhcp +$m: lease 192\.168\.100\." "$T_DIR/test.out" || fail "$m's client got no lease from br0's range"
done
grep -qE '^ok +zones +lan \(zone lan\) -> opt1 .*connected.*one bridge' "$T_DIR/test.out" ||
    fail "lan's client did not reach opt1's as one segment"
grep -qE '^ok +hairpin +web: tcp .* from (opt1|opt2) -> 192\.168\.100\.20:443: answered' "$T_DIR/test.out" ||
    fail "no hairpin from a client on the server's own bridge"
pass "lab on a bridge: members built, joined, leased from one range, bridged to each other"
