#!/usr/bin/env bash
# nftrouter lab on examples/seed.yaml (the seed's router: two WANs, three LAN ports, an optional one left out, DoT, a forward;
# dual-stack: the lab's ISP on wan speaks IPv6, RA and DHCPv6 prefix delegation by dhcpd -6):
# lab up, lab status, lab test (every check must pass, the ipv6-* ones
# included: RA default route, delegated prefix, SLAAC and ULA on the LAN
# ports, the web server seeing the client's own address, no inbound from
# the ISP, DNS over IPv6, renumbering within 30 s), lab down, and no
# namespace, /etc/netns entry, lab dir or process of the lab remains.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fixtures/lab.bash"
command -v dhcpd >/dev/null || skip "dhcpd (isc-dhcp-server) not installed"
[ -x /sbin/dhclient ] || skip "/sbin/dhclient (isc-dhcp-client) not installed"
lab_cycle "$LAB_CONF_DIR/seed.yaml" port wan-dhcp dhcp dns masquerade inbound scan portfwd hairpin ban counters \
    ipv6-ra ipv6-pd ipv6-slaac ipv6-web ipv6-inbound ipv6-dns ipv6-renumber
