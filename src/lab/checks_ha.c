/* `lab test` of an HA pair (lab up -c PRIMARY -c BACKUP, docs/ha.md):
 * the checks that say the pair works as one router. ha-roles: the
 * primary reports master, the backup backup; ha-virtual: the primary's
 * kernel holds every virtual address and the backup's none; ha-sync: each
 * sees the other's conntrackd messages; ha-dhcp: clients lease with the
 * virtual address as gateway; ha-nat: the ISP sees the virtual WAN address.
 * The failover itself is tests/lab/run-ha.sh's. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lab/checks.h"

#define PAIR_WAIT_MS 20000

/* The router's `status --json` (primary, or backup), in out. */
static int pair_status(struct tctx *t, bool backup, struct buf *out)
{
	char *args[] = {"status", "--json", NULL};
	buf_free(out);
	*out = (struct buf)BUF_INIT;
	return backup ? lab_nftrouter_backup(t->l, args, out, 10000)
		      : lab_nftrouter(t->l, args, out, 10000);
}

/* The "ha" object's role ("" if none), and how many "held":true. */
static void pair_read(const struct buf *b, char *role, size_t n, size_t *held, bool *peer)
{
	const char *s = check_out(b), *r = strstr(s, "\"ha\":{\"role\":\"");
	role[0] = '\0';
	*held = 0;
	*peer = strstr(s, "\"peer_reachable\":true") != NULL;
	if (r) {
		r += strlen("\"ha\":{\"role\":\"");
		size_t k = strcspn(r, "\"");
		snprintf(role, n, "%.*s", (int)(k < n ? k : n - 1), r);
	}
	for (const char *p = s; (p = strstr(p, "\"held\":true")); p++)
		(*held)++;
}

struct pair_view {
	char role[16];
	size_t held;
	bool peer;
};

/* Both routers' views, polled until they settle (a lab just up may still
 * be electing) or PAIR_WAIT_MS pass. */
static void pair_views(struct tctx *t, struct pair_view v[2])
{
	struct buf b = BUF_INIT;
	long end = lab_now_ms() + PAIR_WAIT_MS;
	do {
		for (int k = 0; k < 2; k++) {
			pair_status(t, k == 1, &b);
			pair_read(&b, v[k].role, sizeof(v[k].role), &v[k].held, &v[k].peer);
		}
		if (strcmp(v[0].role, "master") == 0 && strcmp(v[1].role, "backup") == 0 && v[0].peer &&
		    v[1].peer && v[0].held == t->l->r->ha.n_virt && v[1].held == 0)
			break;
		lab_sleep_ms(500);
	} while (lab_now_ms() < end);
	buf_free(&b);
}

static void pair_clients(struct tctx *t)
{
	struct buf b = BUF_INIT;
	for (size_t i = 1; i < t->l->n_hosts; i++) {
		const struct lab_host *c = &t->l->hosts[i];
		struct ipaddr ip, gw, me;
		int len;
		char g[ADDR_STRLEN] = "-", v[ADDR_STRLEN] = "-";
		const struct cidr *vip = c->absent || c->role != LAB_CLIENT ? NULL
									: ha_virtual_of(t->l->r, c->port);
		if (!vip)
			continue;
		addr_format(&vip->addr, v, sizeof(v));
		if (c->dhcp_client) {
			bool ok = lab_lease_read(t->l, c, &ip, &len, &gw) == 0 && addr_equal(&gw, &vip->addr);
			if (ok || gw.family)
				addr_format(&gw, g, sizeof(g));
			check_report(t, "ha-dhcp", ok, "%s: lease with gateway %s (the virtual address %s)",
				     c->name, g, v);
		}
		if (check_client_addr(t, c, &me) < 0)
			continue;
		for (size_t j = 1; j < t->l->n_hosts; j++) {
			const struct lab_host *isp = &t->l->hosts[j];
			const struct cidr *wv = isp->absent || isp->role != LAB_INTERNET
						    ? NULL
						    : ha_virtual_of(t->l->r, isp->port);
			char url[96], ia[ADDR_STRLEN], wa[ADDR_STRLEN], seen[64] = "";
			if (!wv || isp->addr.len == 0)
				continue;
			addr_format(&isp->addr.addr, ia, sizeof(ia));
			addr_format(&wv->addr, wa, sizeof(wa));
			snprintf(url, sizeof(url), "http://%s/", ia);
			int ret = check_run(t, c, &b, 8000, (char *[]){"curl", "-s", "--max-time", "4", url, NULL});
			sscanf(check_out(&b), "%63s", seen);
			check_report(t, "ha-nat", ret == 0 && strcmp(seen, wa) == 0,
				     "%s -> web at %s (%s): server saw %s, the virtual address is %s", c->name,
				     ia, isp->name, seen[0] ? seen : "nothing", wa);
		}
	}
	buf_free(&b);
}

int lab_pair_test(struct lab *l, lab_report_fn *report, void *arg)
{
	struct tctx t = {.l = l, .report = report, .arg = arg};
	struct pair_view v[2];
	pair_views(&t, v);
	check_report(&t, "ha-roles", strcmp(v[0].role, "master") == 0 && strcmp(v[1].role, "backup") == 0,
		     "primary %s, backup %s", v[0].role[0] ? v[0].role : "(no answer)",
		     v[1].role[0] ? v[1].role : "(no answer)");
	check_report(&t, "ha-virtual", v[0].held == l->r->ha.n_virt && v[1].held == 0,
		     "primary holds %zu of %zu virtual addresses, backup %zu", v[0].held, l->r->ha.n_virt,
		     v[1].held);
	check_report(&t, "ha-sync", v[0].peer && v[1].peer,
		     "conntrackd messages from the peer: primary %s, backup %s",
		     v[0].peer ? "seen" : "NOT seen", v[1].peer ? "seen" : "NOT seen");
	pair_clients(&t);
	return t.failed;
}
