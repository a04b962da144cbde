/* A checked WAN DHCP lease (model/lease.h) put on its port, and taken
 * off again, for `nftrouter dhcp-hook`. All or nothing: a failure half
 * way restores the port's addresses and the hook's routes as they were.
 * Only routes with protocol RTPROT_DHCP through the port itself are
 * touched, so one WAN's events never remove another WAN's routes. */
#ifndef NFTROUTER_SYSTEM_LEASE_APPLY_H
#define NFTROUTER_SYSTEM_LEASE_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "model/lease.h"

/* The IPv4 subnets the kernel has on links other than ifindex (another
 * WAN's lease, a LAN, loopback), named after their link. Appended to
 * out[*n..max). 0 or -errno. */
int lease_others_from_kernel(int ifindex, struct lease_other *out, size_t max, size_t *n);

/* Put l on ifindex: its address (the port's other IPv4 addresses go),
 * its routes with metric, and the hook's stale routes removed. On
 * failure, -errno with what failed in d; *restored tells whether the
 * port was put back as it was (false: d says what is left). */
int lease_apply(int ifindex, uint32_t metric, const struct lease *l, struct diags *d,
		bool *restored);

/* Lease lost or released (udhcpc's deconfig): the hook's routes through
 * ifindex and the port's IPv4 addresses removed. 0 or -errno. */
int lease_remove(int ifindex);

#endif
