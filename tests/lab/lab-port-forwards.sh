#!/usr/bin/env bash
# nftrouter lab on examples/port-forwards.yaml (TCP, UDP, ranges, a source-restricted forward, hairpin NAT):
# lab up, lab status, lab test (every check must pass), lab down, and no
# namespace, /etc/netns entry, lab dir or process of the lab remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
lab_cycle "$LAB_CONF_DIR/port-forwards.yaml" portfwd hairpin masquerade scan
