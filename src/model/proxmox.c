#include "model/proxmox.h"

#include <errno.h>
#include <stdlib.h>

int proxmox_build(const struct cfg_node *n, struct router *r, struct diags *d)
{
	(void)n;
	(void)d;
	r->proxmox = calloc(1, sizeof(*r->proxmox));
	return r->proxmox ? 0 : -ENOMEM;
}

void proxmox_free(struct proxmox *p)
{
	free(p);
}
