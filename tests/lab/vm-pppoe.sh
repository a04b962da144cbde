#!/usr/bin/env bash
# ipv4: pppoe in the guest kernel (this host's has no PPP): an ISP
# namespace runs pppoe-server with CHAP, the real daemon's pppd logs in
# (refused with a wrong password, up after the right one and a reload), a
# LAN client reaches the ISP's web server masqueraded, forwarded SYNs are
# clamped to the session's MTU, and killing the ISP's pppd (by its PID)
# makes the router reconnect. The body is tests/lab/pppoe-guest.bash, run
# through scripts/vm-run (SKIP, exit 77, without QEMU).
. "$(dirname "$0")/lib.sh"
guest_run PPPoE pppoe-guest.bash
pass "PPPoE WAN in the guest kernel"
