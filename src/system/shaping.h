/* Apply's shaping step (interfaces.X.shaping): each port's egress root
 * qdisc and its ingress through an IFB device ("ifb-PORT": an ingress
 * qdisc on the port whose filter redirects every packet to the IFB,
 * whose root qdisc shapes), made, changed or removed so the kernel holds
 * what the config says, and undone to what was there before. */
#ifndef NFTROUTER_SYSTEM_SHAPING_H
#define NFTROUTER_SYSTEM_SHAPING_H

#include <stdbool.h>

#include "model/model.h"
#include "system/tc.h"
#include "util/buf.h"
#include "util/diag.h"

/* One direction of one port as it is, or is to be. */
struct shaping_side {
	bool on;
	struct tc_shape shape;
};

struct shaping_change {
	const struct iface *p;
	bool egress, ingress;            /* that direction changes */
	struct shaping_side want_eg, want_in;
	struct shaping_side was_eg, was_in; /* read just before the change */
	bool done;                       /* something changed: undo puts was_* back */
};

struct shaping_plan {
	struct tc_sock *t;
	struct tc_kernel k;
	enum tc_backend backend;      /* what the kernel shapes with */
	struct shaping_change *v;     /* the ports with a change */
	size_t n;
};

/* Read what each port has now and plan the changes (nothing changes).
 * A port with shaping whose root or ingress qdisc is someone else's is
 * refused (-EBUSY, d names it): undo could not restore it. A kernel that
 * cannot shape at all (no HTB, or no IFB for ingress): -EOPNOTSUPP. The
 * fallback when CAKE is missing is a warning in d. NULL with *rc on
 * failure. */
struct shaping_plan *shaping_plan_new(const struct router *r, struct diags *d, int *rc);
bool shaping_plan_empty(const struct shaping_plan *p);
/* Make the changes; on failure the port that failed is put back, the
 * others are left to shaping_plan_undo (the step's undo). */
int shaping_plan_apply(struct shaping_plan *p, struct diags *d);
int shaping_plan_undo(struct shaping_plan *p, struct diags *d);
void shaping_plan_free(struct shaping_plan *p);
/* For `nftrouter diff`: a line per direction that would change
 * ("~ wan: egress shaping: cake 20mbit -> cake 40mbit"); how many. */
size_t shaping_plan_describe(const struct shaping_plan *p, struct buf *b);

/* The lines `nftrouter check` prints for the config's shaping on this
 * kernel: what it lacks and what will be used, at the shaping line (as
 * warnings), or an error when it cannot shape. 0, -EOPNOTSUPP, or 1
 * when the probe could not run (no privilege: nothing said). */
int shaping_check_kernel(const struct router *r, const struct tc_kernel *k, struct diags *d);

#endif
