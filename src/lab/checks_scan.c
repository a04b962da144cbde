/* `lab test`: an nmap scan of the router from every port (exactly the
 * ports the zone opens are open), and every port forward from its zone
 * and, through the same address, from inside (hairpin NAT). */
#include "lab/checks.h"
#include "util/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCAN_MAX 32

struct portset {
	uint16_t v[SCAN_MAX];
	size_t n;
};

static void ps_add(struct portset *s, uint16_t p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == p)
			return;
	if (s->n < SCAN_MAX)
		s->v[s->n++] = p;
}

static bool ps_has(const struct portset *s, uint16_t p)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == p)
			return true;
	return false;
}

static int cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void ps_format(const struct portset *s, char *out, size_t n)
{
	struct portset c = *s;
	size_t len = 0;
	qsort(c.v, c.n, sizeof(c.v[0]), cmp_u16);
	out[0] = '\0';
	for (size_t i = 0; i < c.n && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%u", i ? "," : "", c.v[i]);
	if (c.n == 0)
		snprintf(out, n, "none");
}

static void add_ports(struct portset *s, const struct ports *p)
{
	for (size_t i = 0; i < p->n; i++)
		for (uint32_t x = p->v[i].lo; x <= p->v[i].hi && x < (uint32_t)p->v[i].lo + 4; x++)
			ps_add(s, (uint16_t)x);
}

/* Every TCP port any zone could open on the router, plus canaries. */
static void scan_list(const struct router *r, struct portset *s)
{
	static const uint16_t canaries[] = {22, 80, 443, 8080};
	for (size_t i = 0; i < r->n_zones; i++)
		for (size_t j = 0; j < r->zones[i].n_services; j++)
			for (size_t k = 0; k < 4 && r->zones[i].services[j]->tcp[k]; k++)
				ps_add(s, r->zones[i].services[j]->tcp[k]);
	for (size_t i = 0; i < r->n_rules; i++)
		if (!r->rules[i].to)
			add_ports(s, &r->rules[i].tcp);
	for (size_t i = 0; i < sizeof(canaries) / sizeof(canaries[0]); i++)
		ps_add(s, canaries[i]);
}

static bool ports_have(const struct ports *p, uint16_t port)
{
	for (size_t i = 0; i < p->n; i++)
		if (port >= p->v[i].lo && port <= p->v[i].hi)
			return true;
	return false;
}

/* Is TCP port open on the router for host h (its zone, its port, its
 * address)? An accept rule with no ports opens every port. */
static bool tcp_expected(const struct router *r, const struct lab_host *h, const struct ipaddr *src, uint16_t port)
{
	const struct zone *z = h->port->zone;
	if (z->input == VERDICT_ACCEPT)
		return true;
	for (size_t j = 0; j < z->n_services; j++)
		for (size_t k = 0; k < 4 && z->services[j]->tcp[k]; k++)
			if (z->services[j]->tcp[k] == port)
				return true;
	for (size_t i = 0; i < r->n_rules; i++) {
		const struct rule *u = &r->rules[i];
		if (u->from != z || u->to || u->action != VERDICT_ACCEPT)
			continue;
		if ((u->iface && u->iface != h->port) || (u->has_source && !cidr_contains(&u->source, src)))
			continue;
		if ((u->tcp.n == 0 && u->udp.n == 0) || ports_have(&u->tcp, port))
			return true;
	}
	return false;
}

static bool forwarded(const struct router *r, const struct zone *z, uint16_t port)
{
	for (size_t i = 0; i < r->n_fwds; i++)
		if (r->fwds[i].from == z && r->fwds[i].tcp && port >= r->fwds[i].ext.lo && port <= r->fwds[i].ext.hi)
			return true;
	return false;
}

/* Parse nmap -oG: "Ports: 22/open/tcp//ssh///, 53/open/udp//domain///". */
static void parse_nmap(const char *out, struct portset *tcp_open, bool *udp53_open)
{
	const char *p = strstr(out, "Ports: ");
	*udp53_open = false;
	if (!p)
		return;
	p += 7;
	while (*p && *p != '\t' && *p != '\n') {
		unsigned port;
		char state[32], proto[8];
		if (sscanf(p, "%u/%31[^/]/%7[^/]", &port, state, proto) == 3 && strcmp(state, "open") == 0) {
			if (strcmp(proto, "tcp") == 0)
				ps_add(tcp_open, (uint16_t)port);
			else if (port == 53)
				*udp53_open = true;
		}
		const char *next = strstr(p, ", ");
		if (!next || (strchr(p, '\t') && next > strchr(p, '\t')))
			break;
		p = next + 2;
	}
}

static void scan_host(struct tctx *t, const struct lab_host *h, const struct portset *list)
{
	struct buf b = BUF_INIT;
	struct portset scan = {0}, want = {0}, got = {0};
	char spec[256], ra[ADDR_STRLEN], sw[160], sg[160];
	struct ipaddr me, r;
	size_t len;
	bool udp_open, udp_want = zone_has_service(h->port->zone, "dns") && t->l->r->dns.n_upstream > 0;
	bool udp_check = h->port->zone->input != VERDICT_ACCEPT;

	if (check_client_addr(t, h, &me) < 0 || check_router_addr(t, h->port, &r) < 0) {
		check_report(t, "scan", false, "%s: no address to scan from or to", h->name);
		return;
	}
	for (size_t i = 0; i < list->n; i++) {
		if (forwarded(t->l->r, h->port->zone, list->v[i]))
			continue;
		ps_add(&scan, list->v[i]);
		if (tcp_expected(t->l->r, h, &me, list->v[i]))
			ps_add(&want, list->v[i]);
	}
	len = (size_t)snprintf(spec, sizeof(spec), "T:");
	for (size_t i = 0; i < scan.n && len < sizeof(spec); i++)
		len += (size_t)snprintf(spec + len, sizeof(spec) - len, "%s%u", i ? "," : "", scan.v[i]);
	if (len < sizeof(spec))
		snprintf(spec + len, sizeof(spec) - len, ",U:53");
	addr_format(&r, ra, sizeof(ra));
	int ret = check_run(t, h, &b, 60000,
			    (char *[]){"nmap", "-n", "-Pn", "-sS", "-sU", "-p", spec, "--max-retries", "1", "-T4",
				       "--initial-rtt-timeout", "50ms", "--max-rtt-timeout", "300ms",
				       "--host-timeout", "40s", "-oG", "-", ra, NULL});
	parse_nmap(check_out(&b), &got, &udp_open);
	bool same = got.n == want.n;
	for (size_t i = 0; same && i < want.n; i++)
		same = ps_has(&got, want.v[i]);
	ps_format(&want, sw, sizeof(sw));
	ps_format(&got, sg, sizeof(sg));
	bool ok = ret == 0 && strstr(check_out(&b), "Ports: ") && same && (!udp_check || udp_open == udp_want);
	check_report(t, "scan", ok, "from %s (zone %s) to %s: open tcp %s, udp/53 %s; expected tcp %s, udp/53 %s%s",
		     h->name, h->port->zone->name, ra, sg, udp_open ? "open" : "not open", sw,
		     !udp_check ? "any" : udp_want ? "open" : "not open",
		     ret ? " (nmap failed)" : "");
	buf_free(&b);
}

void check_scan(struct tctx *t)
{
	struct portset list = {0};
	pid_t pids[SCAN_MAX];
	size_t n = 0;
	char log[PATH_MAX];

	scan_list(t->l->r, &list);
	lab_path(t->l, "checks.log", log, sizeof(log));
	/* A listener on every scanned port, so "open" means the firewall
	 * let the SYN through (ports already taken keep their owner). */
	for (size_t i = 0; i < list.n; i++) {
		char addr[48];
		snprintf(addr, sizeof(addr), "TCP-LISTEN:%u,reuseaddr,fork", list.v[i]);
		pids[n] = lab_spawn_in(t->l, lab_router(t->l), (char *[]){"socat", addr, "EXEC:true", NULL}, NULL, log,
				       "socat");
		if (pids[n] > 0)
			n++;
	}
	for (size_t i = 0; i < list.n; i++)
		check_wait_listening(t, lab_router(t->l), false, list.v[i]);
	for (size_t i = 1; i < t->l->n_hosts; i++)
		if (!t->l->hosts[i].absent)
			scan_host(t, &t->l->hosts[i], &list);
	for (size_t i = 0; i < n; i++)
		check_stop(t, lab_router(t->l), pids[i]);
}

/* The host a forward is tried from: the first present one of its zone. */
static const struct lab_host *zone_host(const struct tctx *t, const struct zone *z, struct ipaddr *me)
{
	for (size_t i = 1; i < t->l->n_hosts; i++)
		if (t->l->hosts[i].port->zone == z && check_client_addr(t, &t->l->hosts[i], me) == 0)
			return &t->l->hosts[i];
	return NULL;
}

/* A host whose zone reaches f by reflection (it may forward to f's zone):
 * another than the target if there is one (another subnet), else the
 * target itself (a server reaching its own forward: the same subnet, so
 * source NAT to the router is what makes it work); NULL if none. */
static const struct lab_host *reflect_host(const struct tctx *t, const struct portfwd *f,
					   const struct lab_host *target, struct ipaddr *me)
{
	const struct lab_host *self = NULL, *other = NULL;
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *h = &t->l->hosts[i];
		const struct zone *y = h->port->zone;
		bool reaches = false;
		for (size_t k = 0; y && y != f->from && k < y->n_forward; k++)
			reaches = reaches || y->forward[k] == f->from;
		if (!reaches || h->absent || check_client_addr(t, h, me) < 0)
			continue;
		/* On the target's bridge first: the hairpin within one segment. */
		if (h != target && h->member && h->port == target->port)
			return h;
		if (h != target && !other)
			other = h;
		if (h == target)
			self = h;
	}
	if (other && check_client_addr(t, other, me) == 0)
		return other;
	return self && check_client_addr(t, self, me) == 0 ? self : NULL;
}

/* One try: `from` connects to the router's address ra on f's external
 * port; a listener on the target echoes a token, which comes back only
 * through the target. Reported as `what`, right when the answer is as
 * `allowed` says. */
static void forward_try(struct tctx *t, const struct portfwd *f, bool udp, const char *ping,
			const struct lab_host *target, const struct lab_host *from,
			const struct ipaddr *ra, const char *what, bool allowed)
{
	struct buf b = BUF_INIT;
	char ta[ADDR_STRLEN], taddr[ADDR_STRLEN + 4], rs[ADDR_STRLEN], lis[192], conn[192], tok[128], reader[PATH_MAX + 16];
	uint16_t dport = f->to_port ? f->to_port : f->ext.lo;
	const char *proto = udp ? "udp" : "tcp";

	addr_format(&f->to, ta, sizeof(ta));
	addr_format(ra, rs, sizeof(rs));
	snprintf(taddr, sizeof(taddr), "%s/%d", ta, f->to_iface->addrs[0].len);
	/* The target address lives on the client behind the port. */
	struct ipaddr cur;
	bool added = !(check_client_addr(t, target, &cur) == 0 && addr_equal(&cur, &f->to)) &&
		     check_run(t, target, &b, 5000, (char *[]){"ip", "addr", "add", taddr, "dev", "eth0", NULL}) == 0;
	snprintf(tok, sizeof(tok), "nftr-%s-%s-%s\n", what, f->name, proto);
	/* Unwritten, socat has nothing to send and the check below fails. */
	(void)file_write(ping, tok, 0644);
	tok[strcspn(tok, "\n")] = '\0';
	snprintf(lis, sizeof(lis), "%s:%u,bind=%s,reuseaddr,fork", udp ? "UDP-RECVFROM" : "TCP-LISTEN", dport, ta);
	char log[PATH_MAX];
	lab_path(t->l, "checks.log", log, sizeof(log));
	pid_t pid = lab_spawn_in(t->l, target, (char *[]){"socat", lis, "PIPE", NULL}, NULL, log, "socat");
	check_wait_listening(t, target, udp, dport);
	snprintf(conn, sizeof(conn), "%s:%s:%u%s", udp ? "UDP" : "TCP", rs, f->ext.lo, udp ? "" : ",connect-timeout=3");
	snprintf(reader, sizeof(reader), "GOPEN:%s!!STDOUT", ping);
	(void)check_run(t, from, &b, 8000, (char *[]){"socat", "-t3", "-T3", reader, conn, NULL});
	bool reached = strstr(check_out(&b), tok) != NULL;
	check_report(t, what, reached == allowed, "%s: %s %s:%u from %s -> %s:%u: %s%s", f->name, proto, rs,
		     f->ext.lo, from->name, ta, dport, reached ? "answered" : "no answer",
		     allowed ? "" : " (not allowed, as configured)");
	if (pid > 0)
		check_stop(t, target, pid);
	if (added)
		check_run(t, target, &b, 5000, (char *[]){"ip", "addr", "del", taddr, "dev", "eth0", NULL});
	buf_free(&b);
}

/* From the forward's zone to the router's address there; then, hairpin,
 * from a host of a zone that reaches it by reflection to that same
 * address: answered when the forward has `reflection`, else not. */
static void forward_one(struct tctx *t, const struct portfwd *f, bool udp, const char *ping)
{
	const struct lab_host *from, *target = NULL, *inside;
	struct ipaddr me, ra;
	const char *proto = udp ? "udp" : "tcp";

	/* A bridge's clients sit on its members: the first one present. */
	for (size_t i = 1; i < t->l->n_hosts && !target; i++)
		if (t->l->hosts[i].port == f->to_iface && !t->l->hosts[i].absent)
			target = &t->l->hosts[i];
	from = zone_host(t, f->from, &me);
	if (!target || target->absent || target->role != LAB_CLIENT || !from) {
		check_report(t, "portfwd", true, "skipped: %s (%s %u): %s", f->name, proto, f->ext.lo,
			     !from ? "no host in its zone" : "its target's port is not a lab client");
		return;
	}
	if (check_router_addr(t, from->port, &ra) < 0) {
		check_report(t, "portfwd", false, "%s: the router has no address on %s", f->name, from->port->name);
		return;
	}
	forward_try(t, f, udp, ping, target, from, &ra, "portfwd",
		    !f->has_source || cidr_contains(&f->source, &me));
	if ((inside = reflect_host(t, f, target, &me)))
		forward_try(t, f, udp, ping, target, inside, &ra, "hairpin",
			    f->reflection && (!f->has_source || cidr_contains(&f->source, &me)));
}

void check_forwards(struct tctx *t)
{
	char ping[PATH_MAX];
	lab_path(t->l, "fwd-ping.txt", ping, sizeof(ping));
	for (size_t i = 0; i < t->l->r->n_fwds; i++) {
		const struct portfwd *fw = &t->l->r->fwds[i];
		if (fw->tcp)
			forward_one(t, fw, false, ping);
		if (fw->udp)
			forward_one(t, fw, true, ping);
	}
}
