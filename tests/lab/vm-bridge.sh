#!/usr/bin/env bash
# interfaces.X.bridge in the Debian guest kernel, whose br_netfilter is a
# module (this host's kernel has it built in, so always loaded): the
# body, tests/lab/bridge-guest.bash, runs tests/lab/run-bridge.sh
# through scripts/vm-run once without br_netfilter and once with it
# loaded, in one boot (SKIP, exit 77, without QEMU).
. "$(dirname "$0")/lib.sh"
guest_run bridge bridge-guest.bash
pass "bridges in the guest kernel, without and with br_netfilter"
