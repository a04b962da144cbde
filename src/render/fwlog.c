/* Firewall log events: the prefix, the packet's headers, the line. */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/fwlog.h"
#include "util/json.h"

int fwlog_prefix_parse(const char *prefix, char *name, size_t size, int *line)
{
	size_t tag = strlen(FWLOG_PREFIX_TAG);
	if (strncmp(prefix, FWLOG_PREFIX_TAG " ", tag + 1) != 0)
		return -EINVAL;
	const char *n = prefix + tag + 1, *sp = strchr(n, ' ');
	if (!sp || sp == n || (size_t)(sp - n) >= size)
		return -EINVAL;
	char *end;
	long l = strtol(sp + 1, &end, 10);
	if (end == sp + 1 || (*end != ' ' && *end != '\0') || l < 0 || l > 10000000)
		return -EINVAL;
	memcpy(name, n, (size_t)(sp - n));
	name[sp - n] = '\0';
	*line = (int)l;
	return 0;
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The transport header at p (n bytes left). */
static void transport(const uint8_t *p, size_t n, struct fwlog_event *e)
{
	switch (e->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		if (n >= 4) {
			e->sport = be16(p);
			e->dport = be16(p + 2);
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (n >= 1)
			e->icmp_type = p[0];
		break;
	}
}

int fwlog_packet_parse(const uint8_t *p, size_t n, struct fwlog_event *e)
{
	if (n >= 20 && p[0] >> 4 == 4) {
		size_t ihl = (size_t)(p[0] & 15) * 4;
		if (ihl < 20 || ihl > n)
			return -EINVAL;
		e->family = AF_INET;
		e->len = be16(p + 2);
		e->proto = p[9];
		e->src.family = e->dst.family = AF_INET;
		memcpy(e->src.a, p + 12, 4);
		memcpy(e->dst.a, p + 16, 4);
		/* Only the first fragment carries the ports. */
		if ((be16(p + 6) & 0x1fff) == 0)
			transport(p + ihl, n - ihl, e);
		return 0;
	}
	if (n >= 40 && p[0] >> 4 == 6) {
		e->family = AF_INET6;
		e->len = (uint16_t)(be16(p + 4) + 40);
		e->proto = p[6]; /* extension headers are left as they are */
		e->src.family = e->dst.family = AF_INET6;
		memcpy(e->src.a, p + 8, 16);
		memcpy(e->dst.a, p + 24, 16);
		transport(p + 40, n - 40, e);
		return 0;
	}
	return -EINVAL;
}

static const char *proto_name(uint8_t p, char *buf, size_t size)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_SCTP: return "sctp";
	}
	snprintf(buf, size, "%u", (unsigned)p);
	return buf;
}

static bool has_ports(const struct fwlog_event *e)
{
	return e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP || e->proto == IPPROTO_SCTP;
}

/* "1.2.3.4:80", "[2001:db8::1]:80", or the address alone. */
static void endpoint(const struct ipaddr *a, uint16_t port, bool ports, char *out, size_t size)
{
	char s[ADDR_STRLEN];
	addr_format(a, s, sizeof(s));
	if (!ports)
		snprintf(out, size, "%s", s);
	else if (a->family == AF_INET6)
		snprintf(out, size, "[%s]:%u", s, (unsigned)port);
	else
		snprintf(out, size, "%s:%u", s, (unsigned)port);
}

static void json_field(struct buf *b, const char *key, const char *v)
{
	buf_printf(b, ",\"%s\":", key);
	json_puts(b, v);
}

static void format_json(const struct fwlog_event *e, const char *t, const char *proto,
			struct buf *b)
{
	char s[ADDR_STRLEN] = "", d[ADDR_STRLEN] = "";
	if (e->family) {
		addr_format(&e->src, s, sizeof(s));
		addr_format(&e->dst, d, sizeof(d));
	}
	buf_printf(b, "{\"seq\":%" PRIu64, e->seq);
	json_field(b, "time", t);
	json_field(b, "rule", e->rule);
	buf_printf(b, ",\"line\":%d", e->line);
	json_field(b, "in", e->in);
	json_field(b, "in_zone", e->in_zone);
	json_field(b, "out", e->out);
	json_field(b, "out_zone", e->out_zone);
	json_field(b, "proto", proto);
	json_field(b, "src", s);
	json_field(b, "dst", d);
	if (has_ports(e))
		buf_printf(b, ",\"sport\":%u,\"dport\":%u", (unsigned)e->sport, (unsigned)e->dport);
	if (e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6)
		buf_printf(b, ",\"icmp_type\":%u", (unsigned)e->icmp_type);
	buf_printf(b, ",\"len\":%u}\n", (unsigned)e->len);
}

void fwlog_format(const struct fwlog_event *e, bool json, struct buf *b)
{
	char t[40], pbuf[8], s[ADDR_STRLEN + 8] = "-", d[ADDR_STRLEN + 8] = "-";
	struct tm tm;
	time_t sec = (time_t)e->sec;
	gmtime_r(&sec, &tm);
	size_t n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%03uZ", (unsigned)(e->usec / 1000));
	const char *proto = e->family ? proto_name(e->proto, pbuf, sizeof(pbuf)) : "";
	if (json) {
		format_json(e, t, proto, b);
		return;
	}
	if (e->family) {
		endpoint(&e->src, e->sport, has_ports(e), s, sizeof(s));
		endpoint(&e->dst, e->dport, has_ports(e), d, sizeof(d));
	}
	buf_printf(b, "%s rule=%s line=%d in=%s%s%s out=%s%s%s proto=%s src=%s dst=%s", t,
		   e->rule[0] ? e->rule : "-", e->line, e->in[0] ? e->in : "-",
		   e->in_zone[0] ? "/" : "", e->in_zone, e->out[0] ? e->out : "-",
		   e->out_zone[0] ? "/" : "", e->out_zone, proto[0] ? proto : "-", s, d);
	if (e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6)
		buf_printf(b, " type=%u", (unsigned)e->icmp_type);
	buf_printf(b, " len=%u\n", (unsigned)e->len);
}
