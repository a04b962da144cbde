/* metrics: { listen: "ADDR:PORT" }: where the daemon serves its
 * Prometheus metrics (docs/metrics.md). Off unless given. The address
 * must be loopback or one of the router's own static addresses: the
 * endpoint shows the network's inside (leases, bans, counters), so it is
 * never opened on an address the config does not name for the router. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/internal.h"

static const char *const metrics_keys[] = {"listen", NULL};

/* "127.0.0.1:9630", "[::1]:9630" → address and port. 0 or -EINVAL. */
int metrics_listen_parse(const char *s, struct ipaddr *addr, uint16_t *port)
{
	char host[ADDR_STRLEN];
	const char *colon;
	size_t n;
	bool bracket = s[0] == '[';
	if (bracket) {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		n = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			return -EINVAL;
		n = (size_t)(colon - s);
	}
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (addr_parse(host, addr) < 0 || bracket != (addr->family == AF_INET6))
		return -EINVAL;
	return port_parse(colon + 1, port);
}

static bool addr_loopback(const struct ipaddr *a)
{
	static const uint8_t v6lo[16] = {[15] = 1};
	if (a->family == AF_INET)
		return a->a[0] == 127;
	return memcmp(a->a, v6lo, 16) == 0;
}

/* Loopback or a static address of one of the router's ports. */
static bool addr_own(const struct router *r, const struct ipaddr *a)
{
	if (addr_loopback(a))
		return true;
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *f = &r->ifaces[i];
		for (size_t k = 0; k < f->n_addrs; k++)
			if (addr_equal(&f->addrs[k].addr, a))
				return true;
		for (size_t k = 0; k < f->n_addrs6; k++)
			if (addr_equal(&f->addrs6[k].addr, a))
				return true;
	}
	return false;
}

int metrics_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	struct shown sh;
	if (!expect_map(d, n, "metrics"))
		return -EINVAL;
	check_keys(d, n, metrics_keys, "metrics");
	const struct cfg_node *l = require_key(d, n, "listen", n->pos, "metrics");
	const char *s = l ? expect_str(d, l, "metrics: listen") : NULL;
	if (!s)
		return -EINVAL;
	struct metrics_cfg *m = &r->metrics;
	if (metrics_listen_parse(s, &m->addr, &m->port) < 0) {
		diag_error(d, l->pos,
			   "metrics: listen: '%s' is not ADDRESS:PORT (\"127.0.0.1:9630\", "
			   "\"[::1]:9630\")",
			   node_show(l, &sh));
		return -EINVAL;
	}
	/* dnsmasq holds DNS (TCP too) on the router's addresses and on the
	 * loopback address the daemon asks for its statistics: the endpoint
	 * would fail to bind there, or take DNS's place. */
	if (m->port == 53) {
		diag_error(d, l->pos,
			   "metrics: listen: '%s': port 53 is DNS (dnsmasq answers on the router's "
			   "addresses): use another port, e.g. 9630",
			   node_show(l, &sh));
		return -EINVAL;
	}
	if (!addr_own(r, &m->addr)) {
		diag_error(d, l->pos,
			   "metrics: listen: '%s' is not the router's own: use loopback or a static "
			   "address of one of its interfaces",
			   node_show(l, &sh));
		return -EINVAL;
	}
	snprintf(m->listen, sizeof(m->listen), "%s", s);
	m->pos = model_pos(r, l);
	m->on = true;
	return 0;
}
