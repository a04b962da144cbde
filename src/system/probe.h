/* ICMP echo probes sent through one port whatever the routing table
 * prefers (SO_BINDTODEVICE on a raw socket), for the WAN health checks
 * (interfaces.X.health, daemon/health.c). */
#ifndef NFTROUTER_SYSTEM_PROBE_H
#define NFTROUTER_SYSTEM_PROBE_H

#include <stdint.h>

#include "util/addr.h"

/* A non-blocking raw ICMP socket bound to ifname; the fd or -errno. */
int probe_open(const char *ifname);
/* One echo request to target with id and seq. 0 or -errno. */
int probe_send(int fd, const struct ipaddr *target, uint16_t id, uint16_t seq);
/* The next echo reply with id waiting on fd: 1 (*from, *seq filled), 0
 * none left (EAGAIN), or -errno. Other ICMP is skipped. */
int probe_read(int fd, uint16_t id, struct ipaddr *from, uint16_t *seq);

#endif
