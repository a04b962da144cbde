/* The few DNS messages the daemon exchanges with its own dnsmasq: a
 * question built, a TXT answer taken apart, and the numbers dnsmasq
 * writes into its CHAOS-class statistics records (docs/metrics.md, "DNS
 * queries"). Pure: the daemon's dnsstat.c does the I/O,
 * tests/unit/util/test_dnsmsg.c feeds these functions broken answers.
 *
 * An answer is input from another process: every length is checked
 * against the datagram, compression pointers may only point backwards
 * (so a loop cannot be built), and a TXT string must be printable ASCII
 * before anyone treats it as text. */
#ifndef NFTROUTER_DNSMSG_H
#define NFTROUTER_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

#define DNSMSG_TYPE_TXT 16
#define DNSMSG_CLASS_CH 3
#define DNSMSG_NAME_MAX 255   /* dotted text, without the final NUL */
#define DNSMSG_QUERY_MAX (12 + DNSMSG_NAME_MAX + 2 + 4)
#define DNSMSG_TXT_STRINGS 32 /* strings kept from one answer */

/* A TXT answer's strings, in order, each NUL-terminated. */
struct dnsmsg_txt {
	char s[DNSMSG_TXT_STRINGS][256];
	size_t n;
};

/* A question for name (dotted, no trailing dot needed) of type and
 * class, with recursion desired, into out (size bytes). The message's
 * length, or -EINVAL (a bad name) / -ENOSPC. */
int dnsmsg_query(uint8_t *out, size_t size, uint16_t id, const char *name, uint16_t type,
		 uint16_t cls);

/* The id of a message of at least a header's length; -EBADMSG if shorter. */
int dnsmsg_id(const uint8_t *m, size_t len, uint16_t *id);

/* The TXT strings answering the question for name (class CH) in m:
 * 0; -EBADMSG for a message that does not parse (a length past the end,
 * a forward or looping compression pointer, a string that is not
 * printable ASCII); -EPROTO for a well-formed message that is not the
 * answer (not a reply, truncated, an error code, another question);
 * -ENODATA when no TXT record for name is in it; -E2BIG for more than
 * DNSMSG_TXT_STRINGS strings. */
int dnsmsg_txt(const uint8_t *m, size_t len, const char *name, struct dnsmsg_txt *out);

/* One of dnsmasq's counters as it prints them: a 32-bit number, with %u
 * or (cache insertions, evictions) with %d, so past 2^31 it shows
 * negative: that is taken back to the unsigned value. 0 or -EINVAL. */
int dnsmsg_stat_count(const char *s, uint32_t *v);

/* One string of servers.bind: "ADDR#PORT QUERIES FAILED". server gets
 * "ADDR#PORT" (an address's characters only). 0 or -EINVAL. */
struct dnsmsg_server {
	char server[80];
	uint32_t queries, failed;
};
int dnsmsg_stat_server(const char *s, struct dnsmsg_server *out);

#endif
