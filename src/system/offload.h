/* Flowtable offload at run time: the flowtable may only name links that
 * exist (the kernel refuses a missing device), so what is loaded is
 * rendered from the links present, and ports that appear later (made by
 * apply's ports step, or hot-plugged under the daemon) are added to it. */
#ifndef NFTROUTER_SYSTEM_OFFLOAD_H
#define NFTROUTER_SYSTEM_OFFLOAD_H

#include "model/model.h"
#include "render/render.h"
#include "system/link.h"
#include "system/nft.h"
#include "util/diag.h"

/* The names of the links that exist now; l is what render_nft_live and
 * render_nft_offload_add take. */
struct link_names {
	char (*v)[16];
	const char **p;
	struct nft_links l;
};
/* 0 or -errno (then out is empty and needs no free). */
int link_names_load(struct link_sock *s, struct link_names *out);
void link_names_free(struct link_names *n);

/* Add to the flowtable of `inet nftrouter` the offloaded ports that exist
 * now and are not in before (NULL: all that exist). Nothing to do without
 * offload. 0 or -errno with d filled. */
int offload_add_ports(struct nft *n, const struct router *r, struct link_sock *s,
		      const struct nft_links *before, struct diags *d);

/* The daemon's hot-plug: port p appeared after the apply, so it joins
 * the flowtable if it is offloaded (nothing otherwise). 0 or -errno with
 * d filled. */
int offload_add_port(const struct router *r, const struct iface *p, struct diags *d);

/* The ports the flowtable of a `list table` text names (out empty when
 * it has none). 0 or -ENOMEM. */
int offload_listed_ports(const char *listing, struct link_names *out);

#endif
