/* Firewall log events (docs/firewall-log.md): what the ruleset's `log`
 * lines send to the NFLOG group, as the daemon records and shows them.
 * Pure: parsing the prefix and the packet's headers, formatting a line.
 * tests/unit/render/test_fwlog.c. */
#ifndef NFTROUTER_RENDER_FWLOG_H
#define NFTROUTER_RENDER_FWLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"
#include "util/buf.h"

/* Every prefix the renderer writes starts with this word. */
#define FWLOG_PREFIX_TAG "nftr"
#define FWLOG_PREFIX_MAX 127 /* NF_LOG_PREFIXLEN without the NUL */
#define FWLOG_NAME_MAX 80    /* a rule name, or zone:ZONE:HOOK */

struct fwlog_event {
	uint64_t seq;           /* 1, 2, ... in the order the daemon read them */
	int64_t sec;            /* UNIX time */
	uint32_t usec;
	char rule[FWLOG_NAME_MAX + 1]; /* "" when the prefix is not ours */
	int line;               /* router.yaml line, 0 unknown */
	char in[16], out[16];   /* ports (config names, else kernel names), "" none */
	char in_zone[16], out_zone[16];
	int family;             /* AF_INET, AF_INET6, 0: not parsed */
	struct ipaddr src, dst;
	uint8_t proto;          /* IPPROTO_* */
	uint16_t sport, dport;  /* tcp/udp/sctp only */
	uint8_t icmp_type;      /* icmp/icmpv6 only */
	uint16_t len;           /* the IP packet's length */
};

/* "nftr NAME LINE TEXT" → name and line. 0, or -EINVAL for a prefix
 * that is not one the renderer wrote. */
int fwlog_prefix_parse(const char *prefix, char *name, size_t size, int *line);

/* The IPv4 or IPv6 header at p (and the ports or ICMP type after it)
 * into e's family, addresses, proto, ports, len. 0 or -EINVAL (too
 * short, not IP). */
int fwlog_packet_parse(const uint8_t *p, size_t n, struct fwlog_event *e);

/* One line, newline-terminated: text
 *   2026-11-27T17:40:19.123Z rule=zone:wan:input line=17 in=wan/wan out=-
 *   proto=tcp src=203.0.113.1:40000 dst=203.0.113.10:22 len=60
 * (one line), or a JSON object with the same fields. */
void fwlog_format(const struct fwlog_event *e, bool json, struct buf *out);

#endif
