/* What may be banned: the one parse and the one set of refusals that
 * every ban passes, whatever its source (`nftrouter ban`, the control
 * socket, the state file, a blocklist line), the duration, the router's
 * own addresses, and the state file's text. Pure, except ban_own_load,
 * which reads the kernel's address list. docs/bans.md lists each
 * refusal and why. */
#include "system/bans.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/link.h"
#include "util/buf.h"

#define V4(a, b, c, d, l) {{AF_INET, {a, b, c, d}}, l}

/* Never banned, at any length: a ban of these drops what the router
 * itself needs (loopback, neighbour discovery, DHCP, link-local routing)
 * or matches no sender at all. Order: the first hit names the reason. */
static const struct {
	struct cidr net;
	const char *what;
} never[] = {
	{V4(127, 0, 0, 0, 8), "loopback"},
	{V4(0, 0, 0, 0, 8), "'this network' (0.0.0.0/8)"},
	{V4(169, 254, 0, 0, 16), "link-local (169.254.0.0/16)"},
	{V4(224, 0, 0, 0, 4), "multicast (224.0.0.0/4)"},
	{V4(255, 255, 255, 255, 32), "the limited broadcast address"},
	{{{AF_INET6, {[15] = 1}}, 128}, "loopback"},
	{{{AF_INET6, {0}}, 128}, "the unspecified address"},
	{{{AF_INET6, {0xfe, 0x80}}, 10}, "link-local (fe80::/10)"},
	{{{AF_INET6, {0xff}}, 8}, "multicast (ff00::/8, which carries neighbour discovery)"},
	/* only a prefix shorter than /96 gets here: longer ones became IPv4 */
	{{{AF_INET6, {[10] = 0xff, [11] = 0xff}}, 96},
	 "IPv4-mapped (::ffff:0:0/96): ban the IPv4 addresses instead"},
};

/* Messages quote what arrived (a state file or a socket line may hold
 * anything) through diag_quote: control characters escaped. */
static void printable(const char *s, char *out, size_t size)
{
	diag_quote(out, size, s, strlen(s));
}

/* ::ffff:a.b.c.d/96+N is the IPv4 prefix a.b.c.d/N: the kernel sees IPv4
 * packets from that host, so the ban must go to the IPv4 sets. */
static void unmap(const struct cidr *in, struct cidr *out)
{
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
	struct cidr c = *in; /* in and out may be the same */
	*out = c;
	if (c.addr.family != AF_INET6 || c.len < 96 || memcmp(c.addr.a, mapped, 12) != 0)
		return;
	memset(out, 0, sizeof(*out));
	out->addr.family = AF_INET;
	memcpy(out->addr.a, c.addr.a + 12, 4);
	out->len = c.len - 96;
}

int ban_prefix_check(const struct cidr *in, const char *text, struct cidr *out, struct diags *d)
{
	struct cidr c, net;
	char q[ADDR_STRLEN], norm[ADDR_STRLEN];
	if (text)
		printable(text, q, sizeof(q));
	else
		cidr_format(in, q, sizeof(q));
	unmap(in, &c);
	int min = c.addr.family == AF_INET ? 8 : 16;
	if (c.len < min) {
		diag_error(d, nopos,
			 "'%s' is too broad to ban: prefixes shorter than /%d (%s) would cut off "
			 "whole parts of the Internet",
			 q, min, c.addr.family == AF_INET ? "IPv4" : "IPv6");
		return -EINVAL;
	}
	cidr_network(&c, &net);
	if (!addr_equal(&c.addr, &net.addr)) {
		cidr_format(&net, norm, sizeof(norm));
		diag_error(d, nopos, "'%s' has host bits set; did you mean %s?", q, norm);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (cidr_overlap(&never[i].net, &net)) {
			diag_error(d, nopos, "'%s' is %s: refusing to ban it", q, never[i].what);
			return -EINVAL;
		}
	*out = net;
	return 0;
}

/* The text of a request: "ADDR[/LEN]", nothing more. */
static int request_parse(const char *s, struct cidr *c, struct diags *d)
{
	char q[ADDR_STRLEN];
	if (cidr_parse(s, c) == 0)
		return 0;
	printable(s, q, sizeof(q));
	diag_error(d, nopos, "'%s' is not an IPv4 or IPv6 address or prefix", q);
	return -EINVAL;
}

int ban_parse(const char *s, struct cidr *out, struct diags *d)
{
	struct cidr c;
	int rc = request_parse(s, &c, d);
	return rc < 0 ? rc : ban_prefix_check(&c, s, out, d);
}

int ban_parse_lift(const char *s, struct cidr *out, struct diags *d)
{
	struct cidr c;
	int rc = request_parse(s, &c, d);
	if (rc < 0)
		return rc;
	unmap(&c, &c);
	cidr_network(&c, out);
	return 0;
}

int ban_duration(const struct router *r, const char *s, uint32_t *secs, struct diags *d)
{
	char q[32];
	if (!s) {
		*secs = r ? r->blackhole.timeout : BANS_DEFAULT_TIMEOUT;
		return 0;
	}
	if (strcmp(s, "forever") == 0) {
		*secs = 0;
		return 0;
	}
	/* bare seconds: what the control socket carries */
	if (*s && strspn(s, "0123456789") == strlen(s) && strlen(s) <= 10) {
		unsigned long long v = strtoull(s, NULL, 10);
		if (v <= UINT32_MAX) {
			*secs = (uint32_t)v;
			return 0;
		}
	} else if (duration_parse(s, secs) == 0) {
		return 0;
	}
	printable(s, q, sizeof(q));
	diag_error(d, nopos, "'%s' is not a duration (30s, 10m, 1h, 1d, seconds, 0 or forever)", q);
	return -ERANGE;
}

int ban_request_parse(const struct router *r, const char *addr, const char *dur,
		      struct ban_request *out, struct diags *d)
{
	int rc = ban_parse(addr, &out->prefix, d);
	if (rc == 0)
		rc = ban_duration(r, dur, &out->secs, d);
	return rc;
}

/* ---- the router's own addresses ---- */

void ban_own_free(struct ban_own *o)
{
	if (!o)
		return;
	free(o->v);
	o->v = NULL;
	o->n = 0;
}

static int own_push(struct ban_own *o, const struct ipaddr *a, const char *where, bool bcast)
{
	struct ban_own_addr *v = realloc(o->v, (o->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	o->v = v;
	v[o->n] = (struct ban_own_addr){.addr = *a, .bcast = bcast};
	snprintf(v[o->n].where, sizeof(v[o->n].where), "%s", where ? where : "");
	o->n++;
	return 0;
}

/* A kernel address and, for IPv4 subnets with hosts, its subnet's
 * directed broadcast address. */
static int own_push_kernel(struct ban_own *o, const struct cidr *a)
{
	int rc = own_push(o, &a->addr, NULL, false);
	if (rc == 0 && a->addr.family == AF_INET && a->len <= 30) {
		struct ipaddr b = a->addr;
		uint32_t host = (uint32_t)((1ULL << (32 - a->len)) - 1);
		for (int i = 0; i < 4; i++)
			b.a[i] |= (uint8_t)(host >> (24 - 8 * i));
		rc = own_push(o, &b, NULL, true);
	}
	return rc;
}

int ban_own_load(const struct router *r, struct ban_own *o, struct diags *d)
{
	static const int families[] = {AF_INET, AF_INET6};
	int rc = 0;
	o->v = NULL;
	o->n = 0;
	for (size_t i = 0; r && i < r->n_ifaces && rc == 0; i++)
		for (size_t j = 0; j < r->ifaces[i].n_addrs && rc == 0; j++)
			rc = own_push(o, &r->ifaces[i].addrs[j].addr, r->ifaces[i].name, false);
	struct link_sock *s = rc == 0 ? link_sock_open() : NULL;
	if (rc == 0 && !s) {
		rc = -errno;
		diag_error(d, nopos, "cannot read the router's addresses: %s", strerror(errno));
	}
	for (size_t f = 0; s && f < 2 && rc == 0; f++) {
		struct link_addr *v = NULL;
		size_t n = 0;
		if ((rc = link_addr_dump(s, families[f], &v, &n)) < 0)
			diag_error(d, nopos, "cannot read the router's addresses: %s", strerror(-rc));
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = own_push_kernel(o, &v[i].addr);
		free(v);
	}
	link_sock_close(s);
	if (rc == -ENOMEM)
		diag_error(d, nopos, "out of memory");
	if (rc < 0)
		ban_own_free(o);
	return rc;
}

int ban_own_check(const struct ban_own *o, const struct cidr *c, struct diags *d)
{
	char a[ADDR_STRLEN], p[ADDR_STRLEN];
	int host = c->addr.family == AF_INET ? 32 : 128;
	cidr_format(c, p, sizeof(p));
	for (size_t i = 0; o && i < o->n; i++) {
		const struct ban_own_addr *x = &o->v[i];
		if (!cidr_contains(c, &x->addr))
			continue;
		addr_format(&x->addr, a, sizeof(a));
		/* a wider ban may hold a subnet's broadcast address (its hosts
		 * are real); the address alone matches no sender */
		if (x->bcast && c->len == host)
			diag_error(d, nopos, "refusing to ban %s: it is the broadcast address of "
					      "one of this router's subnets", p);
		else if (x->bcast)
			continue;
		else if (x->where[0])
			diag_error(d, nopos, "refusing to ban %s: it holds %s, this router's address "
					      "on '%s'", p, a, x->where);
		else
			diag_error(d, nopos, "refusing to ban %s: it holds %s, an address of this "
					      "router", p, a);
		return -EINVAL;
	}
	return 0;
}

/* ---- the state file: "PREFIX EXPIRES ADDED" per line ---- */

/* One line; 1 a ban, 0 blank or comment, -EINVAL (d says why). */
static int state_line(const char *line, const struct ban_own *own, struct ban *b, struct diags *d)
{
	char pfx[ADDR_STRLEN + 1], extra, q[48];
	uint64_t exp, add;
	struct cidr c;
	size_t lead = strspn(line, " \t");
	if (line[lead] == '\0' || line[lead] == '#')
		return 0;
	if (sscanf(line, "%64s %" SCNu64 " %" SCNu64 " %c", pfx, &exp, &add, &extra) != 3 ||
	    cidr_parse(pfx, &c) < 0) {
		printable(line, q, sizeof(q));
		diag_error(d, nopos, "expected 'PREFIX EXPIRES ADDED', got '%s'", q);
		return -EINVAL;
	}
	int rc = ban_prefix_check(&c, pfx, &b->prefix, d);
	if (rc == 0)
		rc = ban_own_check(own, &b->prefix, d);
	b->expires = exp;
	b->added = add;
	return rc < 0 ? rc : 1;
}

int bans_state_parse(const char *text, const char *path, const struct ban_own *own,
		     struct ban_list *out, size_t *bad, struct diags *d)
{
	const char *p = text;
	int lineno = 0;
	out->v = NULL;
	out->n = 0;
	*bad = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[160];
		struct diags why = DIAGS_INIT;
		struct ban b;
		int rc = -EINVAL;
		lineno++;
		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			rc = state_line(line, own, &b, &why);
		} else {
			diag_error(&why, nopos, "line too long (%zu bytes)", len);
		}
		p += len + (nl ? 1 : 0);
		if (rc < 0) {
			/* A bad line is skipped, not fatal: a warning at its line. */
			diags_move(d, &why, DIAG_WARNING, (struct pos){path, lineno, 1}, "skipped: ");
			(*bad)++;
		} else if (rc == 1 && ban_list_push(out, &b) < 0) {
			ban_list_free(out);
			return -ENOMEM;
		}
	}
	return 0;
}

char *bans_state_format(const struct ban_list *l)
{
	struct buf b = BUF_INIT;
	char s[ADDR_STRLEN];
	buf_puts(&b, "# nftrouter bans: PREFIX EXPIRES ADDED (UNIX seconds; EXPIRES 0 = forever)\n");
	for (size_t i = 0; i < l->n; i++) {
		cidr_format(&l->v[i].prefix, s, sizeof(s));
		buf_printf(&b, "%s %" PRIu64 " %" PRIu64 "\n", s, l->v[i].expires, l->v[i].added);
	}
	return buf_steal(&b);
}
