/* The link part of apply: a plan made before anything changes (so a
 * missing port or a name clash changes nothing), carried out step by step
 * and undone from what was recorded. Internal to apply and its timer. */
#ifndef NFTROUTER_SYSTEM_PORTS_H
#define NFTROUTER_SYSTEM_PORTS_H

#include <stdbool.h>

#include "model/model.h"
#include "system/link.h"
#include "util/buf.h"
#include "util/diag.h"

struct port_plan;

/* Dump links and addresses, match every port, plan. NULL with *err set
 * (-ENODEV missing port, -EINVAL ambiguous match or name clash, other
 * -errno netlink) and d filled. */
struct port_plan *port_plan_new(struct link_sock *s, const struct router *r,
				const struct ipv6_live *lv, struct diags *d,
				int *err);
void port_plan_free(struct port_plan *pl);
bool port_plan_empty(const struct port_plan *pl);
/* The plan as lines "+ PORT: address A/L", "- ...", "~ PORT: mtu 1500 ->
 * 1400" (`nftrouter diff`), appended to b; the number of lines. A default
 * route only re-set because its link changes is not listed. */
size_t port_plan_describe(const struct port_plan *pl, struct buf *b);
/* Carry out the plan. On failure returns -errno with d filled; the steps
 * done are recorded, so port_plan_undo() reverses exactly those. */
int port_plan_apply(struct link_sock *s, struct port_plan *pl, struct diags *d);
int port_plan_undo(struct link_sock *s, struct port_plan *pl, struct diags *d);

/* The kernel name of the link holding IPv4/IPv6 address a (for the
 * lockout guard), and the configured port it is, after this plan (NULL if
 * the link is no configured port). -ENOENT if no link holds a. */
int port_plan_ingress(const struct port_plan *pl, const struct router *r,
		      const struct ipaddr *a, const struct iface **port, char name[16]);

#endif
