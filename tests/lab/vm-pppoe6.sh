#!/usr/bin/env bash
# IPv6 over PPPoE in the guest kernel (this host's has no PPP): an ISP
# namespace runs pppoe-server with CHAP and IPV6CP, and per session an ISC
# dhcpd -6 delegating /56s; the real daemon's pppd (+ipv6) brings the
# session up, the daemon routes ::/0 over ppp0 and runs dhclient -6 there,
# numbers the LAN from the delegation, and a LAN client (SLAAC) reaches
# the ISP's web server with its own address. Killing the ISP's pppd (by
# its PID) withdraws the delegation; the router reconnects and is
# delegated a prefix again. The body is tests/lab/pppoe6-guest.bash, run
# through scripts/vm-run (SKIP, exit 77, without QEMU).
. "$(dirname "$0")/lib.sh"
guest_run "IPv6 over PPPoE" pppoe6-guest.bash
pass "IPv6 over PPPoE in the guest kernel"
