#!/usr/bin/env bash
# nftrouter lab on examples/optional-port.yaml with its optional port missing
# (everything else still works), then with it present (--optional):
# lab up, lab status, lab test (every check must pass), lab down, and no
# namespace, /etc/netns entry, lab dir or process of the lab remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
lab_cycle "$LAB_CONF_DIR/optional-port.yaml" port dhcp masquerade scan
grep -qE '^ok +port +opt: optional port absent' "$T_DIR/test.out" || fail "opt was not reported absent"
LAB_UP_ARGS=--optional lab_cycle "$LAB_CONF_DIR/optional-port.yaml" port dhcp masquerade zones scan
grep -qE '^ok +dhcp +opt: lease 192\.168\.41\.' "$T_DIR/test.out" || fail "opt's client got no lease"
grep -qE '^ok +zones +lan \(zone lan\) -> opt .*connected' "$T_DIR/test.out" || fail "lan did not reach opt"
