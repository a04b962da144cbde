#!/usr/bin/env bash
# nftrouter lab on examples/dual-stack.yaml: the lab's ISP
# speaks IPv6 (RA, DHCPv6 prefix delegation by dhcpd -6); lab test must
# pass every check, including the IPv6 ones: the router's RA default
# route and delegated prefix, the client's SLAAC and ULA addresses, the
# web server seeing the client's own address, no inbound from the ISP,
# DNS over IPv6, and the renumbering within 30 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
command -v dhcpd >/dev/null || skip "dhcpd (isc-dhcp-server) not installed"
[ -x /sbin/dhclient ] || skip "/sbin/dhclient (isc-dhcp-client) not installed"
lab_cycle "$LAB_CONF_DIR/dual-stack.yaml" port wan-dhcp dns masquerade inbound \
    ipv6-ra ipv6-pd ipv6-slaac ipv6-web ipv6-inbound ipv6-dns ipv6-renumber
