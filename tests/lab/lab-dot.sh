#!/usr/bin/env bash
# nftrouter lab on examples/dot.yaml: DNS only over TLS, verified against the lab's test CA:
# lab up, lab status, lab test (every check must pass), lab down, and no
# namespace, /etc/netns entry, lab dir or process of the lab remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
lab_cycle "$LAB_CONF_DIR/dot.yaml" dns masquerade scan
