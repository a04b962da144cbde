/* `lab test`: checks derived from the config, run with real tools from the
 * lab's hosts. This file: the driver, the daemon, ports, leases, DNS,
 * masquerade, inbound isolation, bans and counters. checks_scan.c: the
 * nmap scans and the port forwards. */
#include "lab/checks.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

void check_report(struct tctx *t, const char *name, bool ok, const char *fmt, ...)
{
	struct lab_check c = {.name = name, .ok = ok};
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c.detail, sizeof(c.detail), fmt, ap);
	va_end(ap);
	for (char *p = c.detail; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (!ok)
		t->failed++;
	t->report(t->arg, &c);
}

int check_run(struct tctx *t, const struct lab_host *h, struct buf *out, int timeout_ms, char *const argv[])
{
	buf_free(out);
	return lab_run_in(t->l, h, argv, out, timeout_ms);
}

/* `nftrouter ARGS...` on the router, as an admin there would run it. */
int check_nftrouter(struct tctx *t, struct buf *out, char *const args[])
{
	buf_free(out);
	return lab_nftrouter(t->l, args, out, 15000);
}

const char *check_out(const struct buf *b)
{
	return b->s ? b->s : "";
}

void check_stop(struct tctx *t, const struct lab_host *h, pid_t pid)
{
	lab_stop(t->l, h, pid);
}

/* The client's current address (lease or static), 0 or -ENOENT. */
int check_client_addr(const struct tctx *t, const struct lab_host *h, struct ipaddr *out)
{
	struct cidr c;
	if (h->absent)
		return -ENOENT;
	if (lab_addr_of(t->l, h, NULL, &c) < 0)
		return -ENOENT;
	*out = c.addr;
	return 0;
}

/* The router's address on port p, as the daemon configured it. */
int check_router_addr(const struct tctx *t, const struct iface *p, struct ipaddr *out)
{
	struct cidr c;
	if (lab_addr_of(t->l, lab_router(t->l), p, &c) < 0)
		return -ENOENT;
	*out = c.addr;
	return 0;
}

/* Until a listener holds the port on h (at most 2 s). */
void check_wait_listening(struct tctx *t, const struct lab_host *h, bool udp, uint16_t port)
{
	struct buf b = BUF_INIT;
	char want[16];
	snprintf(want, sizeof(want), ":%u ", port);
	for (int i = 0; i < 20; i++) {
		check_run(t, h, &b, 3000, (char *[]){"ss", "-Hln", udp ? "-u" : "-t", NULL});
		if (strstr(check_out(&b), want))
			break;
		struct timespec ts = {0, 100000000L};
		nanosleep(&ts, NULL);
	}
	buf_free(&b);
}

static void check_daemon(struct tctx *t)
{
	struct buf b = BUF_INIT;
	int ret = check_nftrouter(t, &b, (char *[]){"status", "--json", NULL});
	const char *s = check_out(&b);
	check_report(t, "daemon", ret == 0 && s[0] == '{', "nftrouter status --json: exit %d%s%.200s", ret,
		     ret ? ": " : "", ret ? s : "");
	buf_free(&b);
}

static void check_ports(struct tctx *t)
{
	struct buf b = BUF_INIT;
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *h = &t->l->hosts[i];
		const struct iface *p = h->member ? h->member : h->port;
		int ret = check_run(t, lab_router(t->l), &b, 5000,
				    (char *[]){"ip", "-o", "link", "show", "dev", (char *)p->name, NULL});
		const char *s = check_out(&b);
		if (h->bridge) {
			bool up = ret == 0 && strstr(s, "UP") != NULL;
			check_report(t, "port", up, "%s: the bridge the router made%s", h->name,
				     ret ? ": no such interface on the router" : up ? ", up" : ", but not up");
			continue;
		}
		if (h->absent) {
			check_report(t, "port", ret != 0, "%s: optional port absent (as built), router up without it",
				     h->name);
			continue;
		}
		bool up = ret == 0 && strstr(s, "UP") != NULL;
		char master[32] = "";
		if (h->member)
			snprintf(master, sizeof(master), "master %s ", h->port->name);
		bool joined = !h->member || strstr(s, master) != NULL;
		check_report(t, "port", up && joined, "%s: %s (%s) renamed to %s%s%s%s", h->name,
			     h->router_ifname, p->match == MATCH_MAC ? "matched by MAC" : "matched by name",
			     p->name, ret ? ": no such interface on the router" : up ? " and up" : ", but not up",
			     h->member ? (joined ? ", a port of " : ", NOT a port of ") : "",
			     h->member ? h->port->name : "");
	}
	buf_free(&b);
}

static uint32_t ip4(const struct ipaddr *a)
{
	return ((uint32_t)a->a[0] << 24) | ((uint32_t)a->a[1] << 16) | ((uint32_t)a->a[2] << 8) | a->a[3];
}

static void check_leases(struct tctx *t)
{
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *h = &t->l->hosts[i];
		char a[ADDR_STRLEN], g[ADDR_STRLEN], want[ADDR_STRLEN];
		struct ipaddr ip, gw, exp;
		int len;
		if (h->absent)
			continue;
		if (h->dhcp_server) {
			bool ok = check_router_addr(t, h->port, &ip) == 0;
			addr_format(&ip, a, sizeof(a));
			ok = ok && ip4(&ip) >= ip4(&h->pool_lo) && ip4(&ip) <= ip4(&h->pool_hi);
			check_report(t, "wan-dhcp", ok, "%s: router took %s from the ISP's DHCP server", h->name,
				     ok ? a : "no address");
			continue;
		}
		if (!h->dhcp_client)
			continue;
		const struct dhcp *d = h->port->dhcp;
		if (lab_lease_read(t->l, h, &ip, &len, &gw) < 0) {
			check_report(t, "dhcp", false, "%s: no lease (see %s/%s.log)", h->name, t->l->dir, h->name);
			continue;
		}
		exp = d->has_gateway ? d->gateway : h->port->addrs[0].addr;
		addr_format(&ip, a, sizeof(a));
		addr_format(&gw, g, sizeof(g));
		addr_format(&exp, want, sizeof(want));
		bool in = ip4(&ip) >= ip4(&d->start) && ip4(&ip) <= ip4(&d->end);
		bool gw_ok = addr_equal(&gw, &exp);
		check_report(t, "dhcp", in && gw_ok, "%s: lease %s/%d %s the range, gateway %s%s%s", h->name, a, len,
			     in ? "in" : "OUTSIDE", g, gw_ok ? "" : ", expected ", gw_ok ? "" : want);
	}
}

/* Addresses www.example.com may resolve to: one per ISP. */
static bool is_isp_addr(const struct lab *l, const char *s)
{
	struct ipaddr a;
	if (addr_parse4(s, &a) < 0)
		return false;
	for (size_t i = 1; i < l->n_hosts; i++)
		if (l->hosts[i].role == LAB_INTERNET && addr_equal(&l->hosts[i].addr.addr, &a))
			return true;
	return false;
}

static void check_dns(struct tctx *t)
{
	struct buf b = BUF_INIT;
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *h = &t->l->hosts[i];
		char ra[ADDR_STRLEN], at[ADDR_STRLEN + 1];
		struct ipaddr r, me;
		if (h->absent || h->role != LAB_CLIENT || !zone_has_service(h->port->zone, "dns"))
			continue;
		if (t->l->r->dns.n_upstream == 0)
			continue;
		if (check_client_addr(t, h, &me) < 0 || check_router_addr(t, h->port, &r) < 0) {
			check_report(t, "dns", false, "%s: no address to ask from", h->name);
			continue;
		}
		addr_format(&r, ra, sizeof(ra));
		snprintf(at, sizeof(at), "@%s", ra);
		int ret = check_run(t, h, &b, 15000,
				    (char *[]){"dig", "+short", "+time=3", "+tries=2", at, LAB_WEB_NAME, "A", NULL});
		char ans[64] = "";
		sscanf(check_out(&b), "%63s", ans);
		bool ok = ret == 0 && is_isp_addr(t->l, ans);
		check_report(t, "dns", ok, "%s: dig %s %s -> %s", h->name, at, LAB_WEB_NAME,
			     ans[0] ? ans : "no answer");
	}
	buf_free(&b);
}

static bool zone_forwards_to(const struct zone *from, const struct zone *to)
{
	for (size_t i = 0; i < from->n_forward; i++)
		if (from->forward[i] == to)
			return true;
	return false;
}

/* curl the ISP's web server from a client: it answers with the address it
 * saw, which must be the router's address on that WAN. */
static void check_masquerade(struct tctx *t)
{
	struct buf b = BUF_INIT;
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *c = &t->l->hosts[i];
		struct ipaddr me;
		if (c->absent || c->role != LAB_CLIENT || check_client_addr(t, c, &me) < 0)
			continue;
		for (size_t j = 1; j < t->l->n_hosts; j++) {
			const struct lab_host *isp = &t->l->hosts[j];
			char url[96], ia[ADDR_STRLEN], wa[ADDR_STRLEN], seen[64] = "";
			struct ipaddr wan;
			if (isp->absent || isp->role != LAB_INTERNET || isp->addr.len == 0)
				continue;
			bool allowed = zone_forwards_to(c->port->zone, isp->port->zone);
			addr_format(&isp->addr.addr, ia, sizeof(ia));
			snprintf(url, sizeof(url), "http://%s/", ia);
			int ret = check_run(t, c, &b, 8000,
					    (char *[]){"curl", "-s", "--max-time", "4", url, NULL});
			sscanf(check_out(&b), "%63s", seen);
			if (!allowed) {
				check_report(t, "forward", ret != 0, "%s -> %s (%s): %s", c->name, isp->name, ia,
					     ret ? "blocked, as the zones say" : "REACHED although not forwarded");
				continue;
			}
			bool have_wan = check_router_addr(t, isp->port, &wan) == 0;
			addr_format(&wan, wa, sizeof(wa));
			bool ok = ret == 0 && have_wan && strcmp(seen, wa) == 0;
			check_report(t, "masquerade", ok, "%s -> web at %s (%s): server saw %s%s%s", c->name, ia,
				     isp->name, seen[0] ? seen : "nothing", ok ? ", the router's WAN address" : ", expected ",
				     ok ? "" : (have_wan ? wa : "the router's WAN address"));
		}
	}
	buf_free(&b);
}

/* One attempt from host h to the listener on client c (address ca). An
 * ISP gets a route to the client's subnet via the router first, so only
 * the firewall can stop it. */
static void try_connect(struct tctx *t, const struct lab_host *h, const struct lab_host *c, const char *ca,
			const char *to, bool ctl_ok)
{
	struct buf b = BUF_INIT;
	char wa[ADDR_STRLEN] = "", net[ADDR_STRLEN + 4] = "";
	bool isp = h->role == LAB_INTERNET;
	struct ipaddr wan;

	if (isp) {
		struct cidr n;
		if (check_router_addr(t, h->port, &wan) < 0)
			return;
		addr_format(&wan, wa, sizeof(wa));
		cidr_network(&c->port->addrs[0], &n);
		cidr_format(&n, net, sizeof(net));
		check_run(t, h, &b, 5000, (char *[]){"ip", "route", "replace", net, "via", wa, NULL});
	}
	int ret = check_run(t, h, &b, 6000, (char *[]){"socat", "-T2", "-", (char *)to, NULL});
	bool reached = ret == 0 && strstr(check_out(&b), "nftr-inbound");
	/* Two members of one bridge are one segment: bridged, not filtered. */
	bool bridged = h->member && c->member && h->port == c->port;
	bool allowed = bridged || zone_forwards_to(h->port->zone, c->port->zone);
	check_report(t, isp ? "inbound" : "zones", ctl_ok && reached == allowed,
		     "%s (zone %s) -> %s (zone %s) %s:18081%s%s: %s%s", h->name, h->port->zone->name, c->name,
		     c->port->zone->name, ca, isp ? " routed via " : "", wa, reached ? "connected" : "blocked",
		     !ctl_ok   ? "; but the listener did not answer the router either: inconclusive"
		     : bridged ? " (one bridge: bridged, as a switch would)"
		     : allowed ? " (the zone forwards there)"
			       : " (not forwarded)");
	if (isp)
		check_run(t, h, &b, 5000, (char *[]){"ip", "route", "del", net, NULL});
	buf_free(&b);
}

/* Nobody opens connections to a client unless its zone forwards to the
 * client's zone: not the internet (even with a route to the client), not
 * the clients of other ports. The listener is tried from the router too,
 * so the check can fail. */
static void check_inbound(struct tctx *t)
{
	struct buf b = BUF_INIT;
	char log[PATH_MAX];
	lab_path(t->l, "checks.log", log, sizeof(log));
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *c = &t->l->hosts[i];
		char ca[ADDR_STRLEN], to[ADDR_STRLEN + 64];
		struct ipaddr me, other;
		if (c->absent || c->role != LAB_CLIENT || check_client_addr(t, c, &me) < 0)
			continue;
		addr_format(&me, ca, sizeof(ca));
		pid_t pid = lab_spawn_in(t->l, c,
					 (char *[]){"socat", "TCP-LISTEN:18081,reuseaddr,fork", "EXEC:echo nftr-inbound",
						    NULL},
					 NULL, log, "socat");
		check_wait_listening(t, c, false, 18081);
		snprintf(to, sizeof(to), "TCP:%s:18081,connect-timeout=1", ca);
		int ctl = check_run(t, lab_router(t->l), &b, 6000, (char *[]){"socat", "-T2", "-", to, NULL});
		bool ctl_ok = ctl == 0 && strstr(check_out(&b), "nftr-inbound");
		for (size_t j = 1; j < t->l->n_hosts; j++) {
			const struct lab_host *h = &t->l->hosts[j];
			if (j != i && !h->absent && check_client_addr(t, h, &other) == 0)
				try_connect(t, h, c, ca, to, ctl_ok);
		}
		if (pid > 0)
			check_stop(t, c, pid);
	}
	buf_free(&b);
}

/* The first client that reaches an ISP, and that ISP's address. */
static const struct lab_host *ban_target(struct tctx *t, char *url, size_t n, struct ipaddr *addr)
{
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *c = &t->l->hosts[i];
		if (c->absent || c->role != LAB_CLIENT || check_client_addr(t, c, addr) < 0)
			continue;
		for (size_t j = 1; j < t->l->n_hosts; j++) {
			const struct lab_host *isp = &t->l->hosts[j];
			char ia[ADDR_STRLEN];
			if (isp->absent || isp->role != LAB_INTERNET || isp->addr.len == 0 ||
			    !zone_forwards_to(c->port->zone, isp->port->zone))
				continue;
			addr_format(&isp->addr.addr, ia, sizeof(ia));
			snprintf(url, n, "http://%s/", ia);
			return c;
		}
	}
	return NULL;
}

static void check_ban(struct tctx *t)
{
	struct buf b = BUF_INIT;
	char url[96], a[ADDR_STRLEN];
	struct ipaddr addr;
	const struct lab_host *c = ban_target(t, url, sizeof(url), &addr);
	char *curl[] = {"curl", "-s", "--max-time", "2", url, NULL};
	if (!c) {
		check_report(t, "ban", true, "skipped: no client forwards to an ISP");
		return;
	}
	addr_format(&addr, a, sizeof(a));
	int before = check_run(t, c, &b, 6000, curl);
	int ban = check_nftrouter(t, &b, (char *[]){"ban", a, "--for", "5m", NULL});
	char banmsg[160];
	snprintf(banmsg, sizeof(banmsg), "%.150s", check_out(&b));
	int during = check_run(t, c, &b, 6000, curl);
	int unban = check_nftrouter(t, &b, (char *[]){"unban", a, NULL});
	int after = check_run(t, c, &b, 6000, curl);
	check_report(t, "ban", before == 0 && ban == 0 && during != 0 && unban == 0 && after == 0,
		     "%s (%s) -> %s: before %s; nftrouter ban: exit %d%s%s; banned %s; unban: exit %d; after %s",
		     c->name, a, url, before ? "FAILED" : "ok", ban, ban ? " " : "", ban ? banmsg : "",
		     during ? "cut" : "STILL REACHED", unban, after ? "STILL CUT" : "ok");
	buf_free(&b);
}

/* The "packets" value after "NAME" in `counters --json`, or -1. */
static long long counter_packets(const char *json, const char *name)
{
	char key[40];
	snprintf(key, sizeof(key), "\"%s\"", name);
	const char *s = strstr(json, key);
	const char *p = s ? strstr(s, "\"packets\"") : NULL;
	if (!p)
		return -1;
	p = strchr(p, ':');
	return p ? strtoll(p + 1, NULL, 10) : -1;
}

static void check_counters(struct tctx *t, const char *before)
{
	struct buf b = BUF_INIT;
	int ret = check_nftrouter(t, &b, (char *[]){"counters", "--json", NULL});
	for (size_t i = 0; i < t->l->r->n_zones; i++) {
		const struct zone *z = &t->l->r->zones[i];
		char in[24], out[24];
		if (!z->counters)
			continue;
		snprintf(in, sizeof(in), "%s-ingress", z->name);
		snprintf(out, sizeof(out), "%s-egress", z->name);
		long long i0 = counter_packets(before, in), i1 = counter_packets(check_out(&b), in);
		long long e0 = counter_packets(before, out), e1 = counter_packets(check_out(&b), out);
		check_report(t, "counters", ret == 0 && i0 >= 0 && e0 >= 0 && i1 > i0 && e1 > e0,
			     "zone %s: %s %lld -> %lld, %s %lld -> %lld packets%s%.120s", z->name, in, i0, i1, out, e0,
			     e1, ret ? "; nftrouter counters: " : "", ret ? check_out(&b) : "");
	}
	buf_free(&b);
}

int lab_test(struct lab *l, lab_report_fn *report, void *arg)
{
	struct tctx t = {.l = l, .report = report, .arg = arg};
	struct buf before = BUF_INIT;
	char *snap;

	if (l->pair)
		return lab_pair_test(l, report, arg);

	check_nftrouter(&t, &before, (char *[]){"counters", "--json", NULL});
	snap = buf_steal(&before);
	if (!snap)
		return -ENOMEM;
	check_daemon(&t);
	check_ports(&t);
	check_leases(&t);
	check_dns(&t);
	check_masquerade(&t);
	check_inbound(&t);
	check_scan(&t);
	check_forwards(&t);
	check_ipv6(&t);
	check_ban(&t);
	check_failover(&t);
	check_counters(&t, snap);
	free(snap);
	return t.failed;
}
