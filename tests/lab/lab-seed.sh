#!/usr/bin/env bash
# nftrouter lab on examples/seed.yaml (the seed's router: two WANs, three LAN ports, an optional one left out, DoT, a forward):
# lab up, lab status, lab test (every check must pass), lab down, and no
# namespace, /etc/netns entry, lab dir or process of the lab remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
lab_cycle "$LAB_CONF_DIR/seed.yaml" port wan-dhcp dhcp dns masquerade inbound scan portfwd hairpin ban counters
