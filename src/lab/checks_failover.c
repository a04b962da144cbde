/* `lab test`'s failover check (docs/multi-wan.md): with two WANs that have
 * health checks, the health targets are taken away from the ISP of the
 * WAN with the lowest metric (its link, DHCP and router stay): a client's
 * new connections must then leave through the other WAN, and come back
 * once the targets are restored. The ISPs' web servers answer on every
 * address with the address they saw, and every ISP holds every target
 * (hosts.c), so a connection to a target tells which WAN carried it. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab/checks.h"

#define FAILOVER_WAIT_S 20

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Poll (at most FAILOVER_WAIT_S) until client c's request to url is seen
 * from want; the seconds it took, or -1. */
static double wait_seen(struct tctx *t, const struct lab_host *c, const char *url, const char *want)
{
	struct buf b = BUF_INIT;
	double t0 = now_s();
	while (now_s() - t0 < FAILOVER_WAIT_S) {
		char seen[64] = "";
		if (check_run(t, c, &b, 4000, (char *[]){"curl", "-s", "--max-time", "2", (char *)url, NULL}) == 0)
			sscanf(check_out(&b), "%63s", seen);
		if (strcmp(seen, want) == 0) {
			buf_free(&b);
			return now_s() - t0;
		}
		struct timespec pause = {0, 200000000};
		nanosleep(&pause, NULL);
	}
	buf_free(&b);
	return -1;
}

/* Take port p's targets off (or put them back on) its ISP isp. */
static void targets_toggle(struct tctx *t, const struct lab_host *isp, const struct iface *p, bool off)
{
	struct buf b = BUF_INIT;
	for (size_t k = 0; k < p->health.n_targets; k++) {
		char a[ADDR_STRLEN + 4];
		addr_format(&p->health.targets[k], a, sizeof(a));
		strcat(a, "/32");
		if (off) {
			check_run(t, isp, &b, 5000, (char *[]){"ip", "addr", "del", a, "dev", "lo", NULL});
			check_run(t, isp, &b, 5000, (char *[]){"ip", "route", "add", "blackhole", a, NULL});
		} else {
			check_run(t, isp, &b, 5000, (char *[]){"ip", "route", "del", "blackhole", a, NULL});
			check_run(t, isp, &b, 5000, (char *[]){"ip", "addr", "add", a, "dev", "lo", NULL});
		}
	}
	buf_free(&b);
}

/* The two health-checked WANs with the lowest metrics that have an ISP. */
static int failover_pair(struct tctx *t, const struct lab_host **a, const struct lab_host **b)
{
	*a = *b = NULL;
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *h = &t->l->hosts[i];
		if (h->absent || h->role != LAB_INTERNET || !h->port->health.on)
			continue;
		if (!*a || h->port->metric < (*a)->port->metric) {
			*b = *a;
			*a = h;
		} else if (!*b || h->port->metric < (*b)->port->metric) {
			*b = h;
		}
	}
	return *a && *b ? 0 : -1;
}

void check_failover(struct tctx *t)
{
	const struct lab_host *ia, *ib, *c = NULL;
	struct ipaddr me, wan_a, wan_b;
	char url[96], target[ADDR_STRLEN], wa[ADDR_STRLEN], wb[ADDR_STRLEN];
	if (failover_pair(t, &ia, &ib) < 0)
		return; /* not a multi-WAN config with health checks */
	for (size_t i = 1; i < t->l->n_hosts && !c; i++) {
		const struct lab_host *h = &t->l->hosts[i];
		if (!h->absent && h->role == LAB_CLIENT && check_client_addr(t, h, &me) == 0)
			c = h;
	}
	if (!c || check_router_addr(t, ia->port, &wan_a) < 0 || check_router_addr(t, ib->port, &wan_b) < 0) {
		check_report(t, "failover", false, "no client, or a WAN without an address");
		return;
	}
	addr_format(&ia->port->health.targets[0], target, sizeof(target));
	addr_format(&wan_a, wa, sizeof(wa));
	addr_format(&wan_b, wb, sizeof(wb));
	snprintf(url, sizeof(url), "http://%s/", target);
	if (wait_seen(t, c, url, wa) < 0) {
		check_report(t, "failover", false, "%s -> %s does not leave through %s (%s) to begin with",
			     c->name, target, ia->port->name, wa);
		return;
	}
	targets_toggle(t, ia, ia->port, true);
	double over = wait_seen(t, c, url, wb);
	targets_toggle(t, ia, ia->port, false);
	double back = over < 0 ? -1 : wait_seen(t, c, url, wa);
	check_report(t, "failover", over >= 0 && back >= 0,
		     "%s's targets black-holed at %s: %s -> %s %s through %s (%s)%s%.1fs; restored: %s%.1fs",
		     ia->port->name, ia->name, c->name, target, over >= 0 ? "left" : "never left", ib->port->name,
		     wb, over >= 0 ? " after " : "", over >= 0 ? over : 0.0,
		     back >= 0 ? "back after " : "no failback in ", back >= 0 ? back : (double)FAILOVER_WAIT_S);
}
