/* The proxmox: section (issue 7): how the router VM is made on a Proxmox
 * host. Read only by the proxmox and cloud-init renderers. */
#ifndef NFTROUTER_PROXMOX_H
#define NFTROUTER_PROXMOX_H

#include "model/model.h"

struct proxmox {
	struct pos pos;
};

/* Parse and validate n (the value of the top-level proxmox key) into
 * r->proxmox. Returns 0, or -EINVAL with every error in d. Needs the
 * interfaces already built. */
int proxmox_build(const struct cfg_node *n, struct router *r, struct diags *d);
void proxmox_free(struct proxmox *p);

#endif
