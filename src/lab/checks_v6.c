/* `lab test`, IPv6: the router's WAN took the ISP's RA and a
 * delegated prefix; each LAN client of an IPv6 port has a SLAAC address
 * in its port's delegated /64 and one in the ULA; it reaches the ISP's
 * web server, which sees the client's own address; the ISP cannot open a
 * connection to it; DNS over IPv6 to the router answers; and after the
 * ISP renumbers (a new /48, the link flaps), the clients have the new
 * prefix and the old one deprecated within 30 s. */
#include "lab/checks.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/file.h"

#define V6_WAIT_MS 30000

static void nap(void)
{
	struct timespec ts = {0, 250000000L};
	nanosleep(&ts, NULL);
}

/* The nth string of "KEY":"V" or "KEY":["V0","V1"] inside the port's
 * object ("name":"PORT") of status --json, into out ("" if absent or
 * null). Enough for the daemon's own compact output. */
static void status_field(const char *json, const char *port, const char *key, size_t nth,
			 char *out, size_t n)
{
	char pat[64];
	out[0] = '\0';
	snprintf(pat, sizeof(pat), "{\"name\":\"%s\"", port);
	const char *s = strstr(json, pat);
	const char *end = s ? strstr(s + 1, "{\"name\":") : NULL;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	const char *p = s ? strstr(s, pat) : NULL;
	if (!p || (end && p > end))
		return;
	p += strlen(pat);
	if (*p == '[')
		p++;
	for (size_t i = 0; *p == '"'; i++) {
		const char *q = strchr(p + 1, '"');
		if (!q)
			return;
		if (i == nth) {
			snprintf(out, n, "%.*s", (int)(q - p - 1), p + 1);
			return;
		}
		p = q + 1;
		if (*p == ',')
			p++;
	}
}

/* The /64 of a LAN port: its delegated one (global) or its ULA one. */
static void lan64_of(struct tctx *t, const struct iface *p, bool ula, char *out, size_t n)
{
	struct buf b = BUF_INIT;
	char v[ADDR_STRLEN];
	out[0] = '\0';
	check_nftrouter(t, &b, (char *[]){"status", "--json", NULL});
	for (size_t k = 0; k < 2; k++) {
		status_field(check_out(&b), p->name, "lan64", k, v, sizeof(v));
		if (v[0] && (strncmp(v, "fd", 2) == 0) == ula)
			snprintf(out, n, "%s", v);
	}
	buf_free(&b);
}

/* A non-tentative global address of the client inside net ("P::/64"),
 * and whether it is deprecated. */
static bool client_addr_in(struct tctx *t, const struct lab_host *c, const char *net,
			   struct ipaddr *out, bool *deprecated)
{
	struct buf b = BUF_INIT;
	struct cidr n;
	bool found = false;
	if (!net[0] || cidr_parse(net, &n) < 0)
		return false;
	check_run(t, c, &b, 5000,
		  (char *[]){"ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global", NULL});
	for (char *line = strtok(b.s ? b.s : (char[]){0}, "\n"); line && !found;
	     line = strtok(NULL, "\n")) {
		char a[ADDR_STRLEN];
		const char *p = strstr(line, "inet6 ");
		struct cidr have;
		if (!p || strstr(line, "tentative") || sscanf(p + 6, "%63s", a) != 1 ||
		    cidr_parse(a, &have) < 0 || !cidr_contains(&n, &have.addr))
			continue;
		*out = have.addr;
		*deprecated = strstr(line, "deprecated") != NULL;
		found = true;
	}
	buf_free(&b);
	return found;
}

static bool wait_client_addr(struct tctx *t, const struct lab_host *c, const struct iface *p,
			     bool ula, struct ipaddr *out, char *net, size_t n)
{
	bool dep;
	for (long end = lab_now_ms() + V6_WAIT_MS; lab_now_ms() < end; nap()) {
		lan64_of(t, p, ula, net, n);
		if (client_addr_in(t, c, net, out, &dep) && !dep)
			return true;
	}
	return false;
}

static void check_wan6(struct tctx *t, const struct lab_host *isp)
{
	struct buf b = BUF_INIT;
	char pd[ADDR_STRLEN] = "", pool[64];
	bool ra = false;
	for (long end = lab_now_ms() + V6_WAIT_MS; !ra && lab_now_ms() < end; nap()) {
		check_run(t, lab_router(t->l), &b, 5000,
			  (char *[]){"ip", "-6", "route", "show", "default", "dev",
				     (char *)isp->port->name, NULL});
		ra = strstr(check_out(&b), "proto ra") != NULL;
	}
	check_report(t, "ipv6-ra", ra, "%s: router's default route from the ISP's RA: %s", isp->name,
		     ra ? "yes (accept_ra 2)" : "NONE");
	if (isp->port->ipv6 == IPV6_DHCP) {
		for (long end = lab_now_ms() + V6_WAIT_MS; !pd[0] && lab_now_ms() < end; nap()) {
			check_nftrouter(t, &b, (char *[]){"status", "--json", NULL});
			status_field(check_out(&b), isp->port->name, "prefix", 0, pd, sizeof(pd));
		}
		struct cidr got, in;
		lab_isp6_pool(t->l, isp, 0, pool, sizeof(pool));
		bool ok = pd[0] && cidr_parse(pd, &got) == 0 && cidr_parse(pool, &in) == 0;
		bool in0 = ok && cidr_contains(&in, &got.addr);
		lab_isp6_pool(t->l, isp, 1, pool, sizeof(pool));
		ok = ok && (in0 || (cidr_parse(pool, &in) == 0 && cidr_contains(&in, &got.addr)));
		check_report(t, "ipv6-pd", ok, "%s: delegated prefix %s (status --json)", isp->name,
			     pd[0] ? pd : "NONE");
	}
	buf_free(&b);
}

/* The address the web server saw ("[2001:0db8:...]:PORT" or bare). */
static bool seen_is(const char *seen, const struct ipaddr *want)
{
	char a[ADDR_STRLEN];
	struct ipaddr got;
	const char *s = seen[0] == '[' ? seen + 1 : seen;
	size_t n = strcspn(s, "]");
	snprintf(a, sizeof(a), "%.*s", (int)n, s);
	return addr_parse(a, &got) == 0 && addr_equal(&got, want);
}

static bool zone_forwards(const struct zone *from, const struct zone *to)
{
	for (size_t i = 0; i < from->n_forward; i++)
		if (from->forward[i] == to)
			return true;
	return false;
}

static void check_client6(struct tctx *t, const struct lab_host *c)
{
	struct buf b = BUF_INIT;
	char net[ADDR_STRLEN], ula[ADDR_STRLEN], a[ADDR_STRLEN], u[ADDR_STRLEN];
	struct ipaddr gua, ua;
	bool has_pd = c->port->pd_from != NULL;
	bool g = has_pd && wait_client_addr(t, c, c->port, false, &gua, net, sizeof(net));
	bool ul = wait_client_addr(t, c, c->port, true, &ua, ula, sizeof(ula));
	addr_format(&gua, a, sizeof(a));
	addr_format(&ua, u, sizeof(u));
	check_report(t, "ipv6-slaac", (g || !has_pd) && ul, "%s: SLAAC %s in %s, %s in ULA %s", c->name,
		     g ? a : "NONE", has_pd ? (net[0] ? net : "no delegated /64") : "(no from)",
		     ul ? u : "NONE", ula[0] ? ula : "?");
	if (!g)
		goto out;
	for (size_t j = 1; j < t->l->n_hosts; j++) {
		const struct lab_host *isp = &t->l->hosts[j];
		char ia[ADDR_STRLEN], url[96], seen[80] = "";
		if (isp->absent || !lab_isp6(isp) || !zone_forwards(c->port->zone, isp->port->zone))
			continue;
		lab_isp6_addr(t->l, isp, ia, sizeof(ia));
		snprintf(url, sizeof(url), "http://[%s]/", ia);
		int ret = check_run(t, c, &b, 8000, (char *[]){"curl", "-6", "-s", "--max-time", "4", url, NULL});
		sscanf(check_out(&b), "%79s", seen);
		check_report(t, "ipv6-web", ret == 0 && seen_is(seen, &gua),
			     "%s -> %s: server saw %s (want the client's own %s: no NAT66)", c->name, url,
			     seen[0] ? seen : "nothing", a);
		/* Inbound: the ISP has a route to the delegation via the router;
		 * only the firewall stops it. The router itself gets through. */
		char to[ADDR_STRLEN + 48], log[PATH_MAX];
		lab_path(t->l, "checks.log", log, sizeof(log));
		pid_t pid = lab_spawn_in(t->l, c,
					 (char *[]){"socat", "TCP6-LISTEN:18082,reuseaddr,fork",
						    "EXEC:echo nftr-inbound6", NULL},
					 NULL, log, "socat");
		check_wait_listening(t, c, false, 18082);
		snprintf(to, sizeof(to), "TCP6:[%s]:18082,connect-timeout=2", a);
		int ctl = check_run(t, lab_router(t->l), &b, 6000, (char *[]){"socat", "-T2", "-", to, NULL});
		bool ctl_ok = ctl == 0 && strstr(check_out(&b), "nftr-inbound6");
		int in = check_run(t, isp, &b, 6000, (char *[]){"socat", "-T2", "-", to, NULL});
		bool reached = in == 0 && strstr(check_out(&b), "nftr-inbound6");
		bool allowed = zone_forwards(isp->port->zone, c->port->zone);
		check_report(t, "ipv6-inbound", ctl_ok && reached == allowed,
			     "%s -> %s [%s]:18082: %s%s", isp->name, c->name, a,
			     reached ? "connected" : "blocked",
			     !ctl_ok ? "; but the router could not connect either: inconclusive" : "");
		if (pid > 0)
			check_stop(t, c, pid);
	}
	if (zone_has_service(c->port->zone, "dns") && t->l->r->dns.n_upstream) {
		char at[ADDR_STRLEN + 2], ans[80] = "";
		struct cidr r;
		/* The router's address in the /64: PREFIX::1. */
		cidr_parse(net, &r);
		r.addr.a[15] = 1;
		addr_format(&r.addr, at + 1, sizeof(at) - 1);
		at[0] = '@';
		int ret = check_run(t, c, &b, 15000,
				    (char *[]){"dig", "+short", "+time=3", "+tries=2", at, LAB_WEB_NAME,
					       "AAAA", NULL});
		sscanf(check_out(&b), "%79s", ans);
		check_report(t, "ipv6-dns", ret == 0 && strchr(ans, ':'), "%s: dig %s %s AAAA -> %s", c->name,
			     at, LAB_WEB_NAME, ans[0] ? ans : "no answer");
	}
out:
	buf_free(&b);
}

/* The ISP moves to its other /48 and its link goes down and up (a
 * reconnect). Within 30 s every client of a port fed by that WAN has an
 * address in the new /64 and its old one deprecated. */
static void check_renumber(struct tctx *t, const struct lab_host *isp)
{
	struct buf b = BUF_INIT;
	char genf[PATH_MAX], g[8] = "0", old[ADDR_STRLEN], net[ADDR_STRLEN];
	snprintf(genf, sizeof(genf), "%s/%s.pdgen", t->l->dir, isp->name);
	file_read_into(genf, g, sizeof(g));
	unsigned gen = (unsigned)atoi(g) ^ 1u;
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *c = &t->l->hosts[i];
		struct ipaddr before, now;
		bool dep = false;
		if (c->absent || c->role != LAB_CLIENT || c->port->pd_from != isp->port)
			continue;
		lan64_of(t, c->port, false, old, sizeof(old));
		if (!client_addr_in(t, c, old, &before, &dep)) {
			check_report(t, "ipv6-renumber", false, "%s: no address in %s to start from",
				     c->name, old[0] ? old : "a delegated /64");
			continue;
		}
		lab_isp6_dhcpd_stop(t->l, isp);
		check_run(t, isp, &b, 5000, (char *[]){"ip", "link", "set", "eth0", "down", NULL});
		/* A VM router's NIC keeps its carrier when the tap goes down:
		 * QEMU drops it, as a pulled cable would. */
		if (t->l->vm)
			lab_vm_set_link(t->l, (size_t)(isp - t->l->hosts), false);
		long t0 = lab_now_ms();
		/* Down long enough for the router to see it (a reconnect takes
		 * seconds; the daemon reads the carrier when the event comes). */
		for (int k = 0; k < 8; k++)
			nap();
		check_run(t, isp, &b, 5000, (char *[]){"ip", "link", "set", "eth0", "up", NULL});
		if (t->l->vm)
			lab_vm_set_link(t->l, (size_t)(isp - t->l->hosts), true);
		lab_isp6_link(t->l, isp);
		pid_t pid = lab_isp6_dhcpd(t->l, isp, gen);
		snprintf(g, sizeof(g), "%u\n", gen);
		file_write(genf, g, 0600);
		bool moved = false, gone_old = false;
		while (lab_now_ms() - t0 < V6_WAIT_MS && !(moved && gone_old)) {
			nap();
			lan64_of(t, c->port, false, net, sizeof(net));
			moved = strcmp(net, old) != 0 && client_addr_in(t, c, net, &now, &dep) && !dep;
			gone_old = !client_addr_in(t, c, old, &before, &dep) || dep;
		}
		check_report(t, "ipv6-renumber", pid > 0 && moved && gone_old,
			     "%s: ISP renumbered (link flap): %s -> %s in %.1f s, old prefix %s", c->name,
			     old, moved ? net : "NOTHING NEW", (double)(lab_now_ms() - t0) / 1000.0,
			     gone_old ? "deprecated" : "STILL PREFERRED");
		break; /* one client shows it; the ISP has moved on */
	}
	buf_free(&b);
}

void check_ipv6(struct tctx *t)
{
	for (size_t j = 1; j < t->l->n_hosts; j++)
		if (!t->l->hosts[j].absent && lab_isp6(&t->l->hosts[j]))
			check_wan6(t, &t->l->hosts[j]);
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *c = &t->l->hosts[i];
		if (!c->absent && c->role == LAB_CLIENT && c->port->ipv6 == IPV6_LAN)
			check_client6(t, c);
	}
	for (size_t j = 1; j < t->l->n_hosts; j++) {
		const struct lab_host *isp = &t->l->hosts[j];
		if (!isp->absent && lab_isp6(isp) && isp->port->ipv6 == IPV6_DHCP)
			check_renumber(t, isp);
	}
}
