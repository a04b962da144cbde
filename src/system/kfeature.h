/* Kernel features a config needs that the host may lack (a cloud or
 * container kernel built without them), asked without changing anything
 * so `nftrouter check` can say so before any apply. */
#ifndef NFTROUTER_SYSTEM_KFEATURE_H
#define NFTROUTER_SYSTEM_KFEATURE_H

#include "model/model.h"
#include "util/diag.h"

/* Kernel module NAME (e.g. "8021q") is there: loaded or built in
 * (/sys/module/NAME), listed in /lib/modules/RELEASE/modules.builtin, or
 * installed for the kernel to load on first use as
 * /lib/modules/RELEASE/kernel/DIR/NAME.ko (any compression it loads).
 * The one test behind every feature below and PPPoE's (system/pppoe.c). */
bool kfeature_module(const char *release, const char *name, const char *dir);

/* 802.1Q VLANs: the 8021q module loaded (/sys/module/8021q), built in
 * (modules.builtin), or installed for the kernel to load on the first
 * VLAN (/lib/modules/RELEASE/kernel/net/8021q). 0, or -EOPNOTSUPP with
 * an error at VLAN port p's line in d naming what was looked at. */
int kfeature_vlan(const struct iface *p, struct diags *d);

/* Bridges: the bridge module loaded or built in (/sys/module/bridge),
 * listed in modules.builtin, or installed (/lib/modules/RELEASE/kernel/
 * net/bridge). 0, or -EOPNOTSUPP with an error at bridge port p's line. */
int kfeature_bridge(const struct iface *p, struct diags *d);
/* WireGuard, looked for the same way (the wireguard module, in
 * drivers/net/wireguard); the error is at port p's `wireguard:` line. */
int kfeature_wireguard(const struct iface *p, struct diags *d);

/* nftables flowtables (`offload`): the nf_flow_table and
 * nft_flow_offload modules loaded, built in, or installed. 0, or
 * -EOPNOTSUPP with an error at `at` (the `offload` key that asked)
 * naming what was looked at. */
int kfeature_flowtable(struct pos at, struct diags *d);

#endif
