#!/usr/bin/env bash
# nftrouter lab on examples/two-wans.yaml (two ISPs, masquerade on each,
# health checks: failover and failback):
# lab up, lab status, lab test (every check must pass), lab down, and no
# namespace, /etc/netns entry, lab dir or process of the lab remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
lab_cycle "$LAB_CONF_DIR/two-wans.yaml" port wan-dhcp dhcp masquerade inbound scan failover
