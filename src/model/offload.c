/* offload: established flows between zones through an nft flowtable
 * (software fast path), at the top level for every zone's forward
 * entries, or per zone: `offload: software`, `none`, or a list of zones
 * of its `forward` list (those pairs only). docs/router.yaml.md#offload. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/internal.h"

/* A mode word: 0 and *out set, or -EINVAL with the error at n. */
static int mode_parse(struct diags *d, const struct cfg_node *n, const char *what,
		      enum offload_mode *out)
{
	const char *s = expect_str(d, n, what);
	struct shown sh;
	if (!s)
		return -EINVAL;
	if (strcmp(s, "software") == 0 || strcmp(s, "none") == 0) {
		*out = s[0] == 's' ? OFFLOAD_SOFTWARE : OFFLOAD_NONE;
		return 0;
	}
	if (strcmp(s, "hardware") == 0)
		diag_error(d, n->pos,
			   "%s: 'hardware' is not supported: it needs a NIC and driver with "
			   "flow offload, which nftrouter cannot test; use 'software' (the same "
			   "flowtable, in the kernel's software fast path)",
			   what);
	else
		diag_error(d, n->pos, "%s: expected software or none, got '%s'", what,
			   node_show(n, &sh));
	return -EINVAL;
}

int offload_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	r->offload_pos = model_pos(r, n);
	return mode_parse(d, n, "offload", &r->offload);
}

/* `offload: [wan, dmz]`: these entries of the zone's forward list. */
static void offload_list(struct diags *d, const struct cfg_node *n, struct zone *z,
			 const char *what)
{
	struct shown sh;
	for (size_t i = 0; i < n->n; i++) {
		const struct cfg_node *item = n->val[i];
		const char *s = expect_str(d, item, what);
		size_t k = 0;
		if (!s)
			continue;
		while (k < z->n_forward && strcmp(z->forward[k]->name, s) != 0)
			k++;
		if (k == z->n_forward)
			diag_error(d, item->pos,
				   "%s: '%s' is not in the zone's forward list (only forwarded "
				   "flows can be offloaded)",
				   what, node_show(item, &sh));
		else if (z->offload[k])
			diag_error(d, item->pos, "%s: zone '%s' listed twice", what, s);
		else
			z->offload[k] = true;
	}
}

void zone_offload_build(struct diags *d, const struct cfg_node *n, struct router *r,
			struct zone *z, const char *what)
{
	char w[WHAT_MAX];
	enum offload_mode mode = r->offload;
	const struct cfg_node *v = cfg_map_get(n, "offload");
	z->offload_pos = r->offload_pos;
	if (!(z->offload = calloc(z->n_forward ? z->n_forward : 1, sizeof(*z->offload)))) {
		diag_error(d, z->pos, "out of memory");
		return;
	}
	if (v) {
		what_join(w, what, "offload");
		z->offload_pos = model_pos(r, v);
		if (v->kind == CFG_MAP) {
			diag_error(d, v->pos,
				   "%s: expected software, none or a list of zones of the "
				   "forward list, got %s",
				   w, node_kind(v));
			return;
		}
		if (v->kind == CFG_SEQ) {
			if (within_limit(d, v, MAX_LIST, w))
				offload_list(d, v, z, w);
			return;
		}
		if (mode_parse(d, v, w, &mode) < 0)
			return;
		if (mode == OFFLOAD_SOFTWARE && z->n_forward == 0)
			diag_warn(d, v->pos, "%s: the zone forwards to no zone: nothing to offload",
				  w);
	}
	for (size_t k = 0; k < z->n_forward; k++)
		z->offload[k] = mode == OFFLOAD_SOFTWARE;
}
