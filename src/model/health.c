/* interfaces.X.health: probes that tell whether a WAN carries traffic
 * (multi-wan.md). The daemon's prober (daemon/health.c) acts on it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/internal.h"

static const char *const health_keys[] = {"targets", "interval", "down", "up", NULL};

/* A target is a host on the internet: not a special range. */
static bool target_usable(const struct ipaddr *a)
{
	uint8_t b = a->a[0];
	return b != 0 && b != 127 && b < 224 && !(b == 169 && a->a[1] == 254);
}

static void health_targets(struct diags *d, const struct cfg_node *n, struct health *h,
			   const char *what)
{
	struct shown sh;
	if (!expect_seq(d, n, what))
		return;
	if (n->n == 0 || n->n > HEALTH_MAX_TARGETS) {
		diag_error(d, n->pos, "%s: 1 to %d addresses", what, HEALTH_MAX_TARGETS);
		return;
	}
	for (size_t k = 0; k < n->n; k++) {
		const struct cfg_node *v = n->val[k];
		const char *s = expect_str(d, v, what);
		struct ipaddr a;
		if (!s)
			continue;
		if (addr_parse4(s, &a) < 0) {
			diag_error(d, v->pos, "%s: '%s' is not an IPv4 address", what,
				   node_show(v, &sh));
			continue;
		}
		if (!target_usable(&a)) {
			diag_error(d, v->pos,
				   "%s: '%s' is not a host on the internet (unspecified, loopback, "
				   "link-local, multicast or reserved)",
				   what, node_show(v, &sh));
			continue;
		}
		h->targets[h->n_targets++] = a;
	}
}

void health_build(struct diags *d, const struct cfg_node *n, struct router *r, struct iface *i,
		  const char *what)
{
	char w[WHAT_MAX];
	struct health *h = &i->health;
	unsigned long v;
	what_join(w, what, "health");
	if (!expect_map(d, n, w))
		return;
	check_keys(d, n, health_keys, w);
	h->pos = model_pos(r, n);
	h->interval = HEALTH_INTERVAL;
	h->down = h->up = HEALTH_COUNT;
	const struct cfg_node *t = require_key(d, n, "targets", n->pos, w), *x;
	char wk[WHAT_MAX];
	if (t)
		health_targets(d, t, h, what_join(wk, w, "targets"));
	if ((x = cfg_map_get(n, "interval"))) {
		uint32_t secs;
		if (expect_duration(d, x, what_join(wk, w, "interval"), &secs) == 0) {
			if (secs < 1 || secs > 3600)
				diag_error(d, x->pos, "%s: 1s to 1h", wk);
			else
				h->interval = secs;
		}
	}
	if ((x = cfg_map_get(n, "down")) &&
	    expect_uint(d, x, what_join(wk, w, "down"), 1, 100, &v) == 0)
		h->down = (uint32_t)v;
	if ((x = cfg_map_get(n, "up")) && expect_uint(d, x, what_join(wk, w, "up"), 1, 100, &v) == 0)
		h->up = (uint32_t)v;
	h->on = h->n_targets > 0;
}
