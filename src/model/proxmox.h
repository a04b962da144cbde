/* The proxmox: section: how the router VM is made on a Proxmox
 * host. Read by the proxmox and cloud-init renderers only; the router
 * itself (firewall, DHCP, DNS) does not depend on it. */
#ifndef NFTROUTER_PROXMOX_H
#define NFTROUTER_PROXMOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

#define PROXMOX_MAX_NICS 32 /* net0..net31 */
#define PROXMOX_MAX_PCI 16  /* hostpci0..hostpci15 */

/* A virtio NIC: port iface of the router on Proxmox bridge `bridge`. The
 * n-th entry of bridges: is the VM's net<n>. */
struct proxmox_nic {
	struct pos pos; /* of the bridges: key */
	struct iface *iface;
	char bridge[16];
};

/* A host PCI device handed to the VM. */
struct proxmox_pci {
	struct pos pos;
	char addr[13]; /* "0000:01:00" (all functions) or "0000:01:00.1" */
	bool all_functions;
};

struct proxmox {
	struct pos pos; /* of the proxmox: key's value */
	uint32_t vmid;
	uint32_t template_id; /* the template to clone */
	char name[64];	      /* the VM's name; default: hostname */
	uint32_t memory;      /* MiB */
	uint32_t cores;
	struct proxmox_nic *nics;
	size_t n_nics;
	size_t admin; /* index into nics: the port cloud-init configures */
	struct proxmox_pci *pci;
	size_t n_pci;
	char snapshot[41]; /* taken before the first start */
	char storage[64];  /* "" = the template's storage */
	char **ssh_keys;   /* authorized keys of the VM's default user */
	size_t n_ssh_keys;
	char source[256]; /* git URL nftrouter is built from on first boot; "" = preinstalled */
};

/* Parse and validate n (the value of the top-level proxmox key) into
 * r->proxmox. Needs r's interfaces built. Returns 0, or -EINVAL with every
 * error in d (r->proxmox stays NULL), or -ENOMEM. */
int proxmox_build(const struct cfg_node *n, struct router *r, struct diags *d);
void proxmox_free(struct proxmox *p);

#endif
