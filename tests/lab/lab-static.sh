#!/usr/bin/env bash
# nftrouter lab on tests/lab/fixtures/static.yaml: a static WAN (the ISP
# hands out nothing) with a gateway (the dns check asks an upstream only
# reachable through that default route), a port matched by name, a static
# client, zone-to-zone forwarding one way (lan -> dmz), rules opening a
# port range from dmz and a port from wan. lab test must pass and nothing
# of the lab may remain.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
lab_cycle "$NFTROUTER_SRCDIR/tests/lab/fixtures/static.yaml" port dhcp dns masquerade inbound zones scan ban
grep -qE '^ok +zones +lan \(zone lan\) -> dmz .*connected' "$T_DIR/test.out" || fail "lan did not reach dmz"
grep -qE '^ok +zones +dmz \(zone dmz\) -> lan .*blocked' "$T_DIR/test.out" || fail "dmz was not kept from lan"
grep -qE '^ok +scan +from dmz .*open tcp 8080,8081,' "$T_DIR/test.out" || fail "dmz's rule range not open"
grep -qE '^ok +scan +from up .*open tcp 443,' "$T_DIR/test.out" || fail "wan's https rule not open"
pass "static WAN, static client, one-way zone forwarding and rules as configured"
