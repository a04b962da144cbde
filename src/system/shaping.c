/* Apply's shaping step: plan from what the kernel holds, change only the
 * directions that differ, undo to what was read just before. */
#include "system/shaping.h"

#include <errno.h>
#include <linux/pkt_sched.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ifb_name(const struct iface *p, char out[IFNAMSIZ])
{
	shaping_ifb_name(p->name, out);
}

/* The port's ingress qdisc: 1 ours-kind ("ingress"), 2 another (clsact),
 * 0 none, or -errno. */
static int ingress_qdisc(struct tc_sock *t, int ifindex)
{
	struct tc_qdisc *q = NULL;
	size_t n = 0;
	int rc = tc_qdisc_dump(t, ifindex, &q, &n), found = 0;
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n; k++)
		if (q[k].parent == TC_H_INGRESS)
			found = strcmp(q[k].kind, "ingress") == 0 ? 1 : 2;
	free(q);
	return found;
}

/* What port p has now (its link found by the configured name; absent:
 * nothing). *foreign: a root or ingress qdisc nftrouter did not make. */
static int sides_read(struct tc_sock *t, const struct iface *p, struct shaping_side *eg,
		      struct shaping_side *in, bool *foreign_eg, bool *foreign_in)
{
	char ifb[IFNAMSIZ];
	struct tc_dir dir;
	memset(eg, 0, sizeof(*eg));
	memset(in, 0, sizeof(*in));
	*foreign_eg = *foreign_in = false;
	int ifindex = (int)if_nametoindex(p->name), ifbx, rc;
	if (!ifindex)
		return 0;
	if ((rc = tc_root_read(t, ifindex, &dir)) < 0)
		return rc;
	eg->on = dir.ours;
	eg->shape = dir.shape;
	*foreign_eg = dir.foreign;
	ifb_name(p, ifb);
	ifbx = (int)if_nametoindex(ifb);
	if ((rc = ingress_qdisc(t, ifindex)) < 0)
		return rc;
	*foreign_in = rc == 2 || (rc == 1 && !ifbx);
	if (!ifbx)
		return 0;
	/* The IFB is ours by its name: on, even half made (its shape then
	 * differs from any wanted one, so the next apply remakes it). */
	in->on = true;
	if ((rc = tc_root_read(t, ifbx, &dir)) < 0)
		return rc;
	if (dir.ours)
		in->shape = dir.shape;
	/* Someone's own IFB of that name, shaping with a qdisc of theirs:
	 * not ours to replace (nor could undo rebuild it). */
	*foreign_in = *foreign_in || dir.foreign;
	return 0;
}

static bool side_same(const struct shaping_side *a, const struct shaping_side *b)
{
	return a->on == b->on && (!a->on || tc_shape_same(&a->shape, &b->shape));
}

static const char *backend_says(enum tc_backend b)
{
	return b == TC_HTB_FQ_CODEL ? "HTB and an fq_codel leaf"
				    : "HTB and a pfifo leaf of about 50 ms (no AQM)";
}

/* The whole port p: what it wants, compared with what it has. */
static int plan_port(struct shaping_plan *pl, const struct iface *p, struct diags *d)
{
	struct shaping_change c = {.p = p};
	bool feg, fin;
	int rc = sides_read(pl->t, p, &c.was_eg, &c.was_in, &feg, &fin);
	if (rc < 0) {
		diag_error(d, p->pos, "interface '%s': reading its qdiscs: %s", p->name, strerror(-rc));
		return rc;
	}
	const struct shaping *s = &p->shaping;
	c.want_eg.on = s->on && s->egress;
	c.want_in.on = s->on && s->ingress;
	if (c.want_eg.on)
		tc_shape_from(s, false, pl->backend, &c.want_eg.shape);
	if (c.want_in.on)
		tc_shape_from(s, true, pl->backend, &c.want_in.shape);
	if ((c.want_eg.on && feg) || (c.want_in.on && fin)) {
		diag_error(d, s->pos,
			   "interface '%s': shaping: the link has a %s qdisc nftrouter did not make "
			   "(see `tc qdisc show dev %s`); remove it first, or it could not be put "
			   "back if the apply failed",
			   p->name, c.want_eg.on && feg ? "root" : "ingress", p->name);
		return -EBUSY;
	}
	c.egress = !side_same(&c.want_eg, &c.was_eg);
	c.ingress = !side_same(&c.want_in, &c.was_in);
	if (!c.egress && !c.ingress)
		return 0;
	pl->v[pl->n++] = c;
	return 0;
}

static int plan_kernel(struct shaping_plan *pl, const struct router *r, struct diags *d)
{
	bool any = false;
	for (size_t i = 0; i < r->n_ifaces; i++)
		any |= r->ifaces[i].shaping.on;
	pl->backend = TC_CAKE;
	if (!any)
		return 0;
	tc_probe(&pl->k);
	int rc = shaping_check_kernel(r, &pl->k, d);
	if (rc < 0)
		return rc;
	pl->backend = tc_kernel_backend(&pl->k);
	return 0;
}

struct shaping_plan *shaping_plan_new(const struct router *r, struct diags *d, int *rc)
{
	struct shaping_plan *pl = calloc(1, sizeof(*pl));
	if (!pl || !(pl->v = calloc(r->n_ifaces + 1, sizeof(*pl->v)))) {
		*rc = -ENOMEM;
		goto fail;
	}
	if (!(pl->t = tc_sock_open())) {
		*rc = -errno;
		diag_error(d, nopos, "shaping: cannot open rtnetlink: %s", strerror(errno));
		goto fail;
	}
	if ((*rc = plan_kernel(pl, r, d)) < 0)
		goto fail;
	for (size_t i = 0; i < r->n_ifaces; i++)
		if ((*rc = plan_port(pl, &r->ifaces[i], d)) < 0)
			goto fail;
	return pl;
fail:
	shaping_plan_free(pl);
	return NULL;
}

bool shaping_plan_empty(const struct shaping_plan *p)
{
	return !p || p->n == 0;
}

void shaping_plan_free(struct shaping_plan *p)
{
	if (!p)
		return;
	tc_sock_close(p->t);
	free(p->v);
	free(p);
}

/* The root of ifindex made from shape, falling back past a qdisc the
 * kernel turns out not to have (an unprobed kernel). */
static int root_make(struct tc_sock *t, int ifindex, struct tc_shape *s, const struct shaping *cfg)
{
	int rc;
	while ((rc = tc_root_make(t, ifindex, s)) == -ENOENT && s->backend + 1 < TC_BACKENDS)
		tc_shape_from(cfg, s->ingress, s->backend + 1, s);
	return rc;
}

static int egress_to(struct tc_sock *t, const struct iface *p, int ifindex,
		     struct shaping_side *want)
{
	struct tc_dir dir;
	int rc = tc_root_read(t, ifindex, &dir);
	if (rc == 0 && dir.ours)
		rc = tc_root_del(t, ifindex);
	if (rc == 0 && want->on)
		rc = root_make(t, ifindex, &want->shape, &p->shaping);
	return rc;
}

static int ingress_to(struct tc_sock *t, const struct iface *p, int ifindex,
		      struct shaping_side *want)
{
	char buf[TC_MSG_BUF], ifb[IFNAMSIZ];
	ifb_name(p, ifb);
	int ifbx = (int)if_nametoindex(ifb), rc = 0;
	/* Take away ours (the filter goes with the ingress qdisc, the IFB's
	 * qdiscs with the IFB), then make the wanted one afresh. */
	if (ifbx && ingress_qdisc(t, ifindex) == 1)
		rc = tc_talk(t, tc_msg_qdisc_del(buf, ifindex, true));
	if (rc == 0 && ifbx)
		rc = tc_talk(t, tc_msg_link_del(buf, ifb));
	if (rc < 0 || !want->on)
		return rc;
	if ((rc = tc_talk(t, tc_msg_ifb_add(buf, ifb))) < 0)
		return rc;
	if (!(ifbx = (int)if_nametoindex(ifb)))
		return -ENODEV;
	if ((rc = root_make(t, ifbx, &want->shape, &p->shaping)) < 0 ||
	    (rc = tc_talk(t, tc_msg_ingress(buf, ifindex))) < 0 ||
	    (rc = tc_talk(t, tc_msg_redirect(buf, ifindex, ifbx))) < 0)
		return rc;
	return 0;
}

/* Bring c's port to eg/in (the wanted sides, or the ones it had). */
static int port_to(struct tc_sock *t, struct shaping_change *c, struct shaping_side *eg,
		   struct shaping_side *in, struct diags *d, const char *doing)
{
	int ifindex = (int)if_nametoindex(c->p->name), rc = 0;
	if (!ifindex)
		return 0; /* an optional port that is not there */
	if (c->egress && (rc = egress_to(t, c->p, ifindex, eg)) < 0)
		diag_error(d, c->p->shaping.pos, "interface '%s': %s egress shaping: %s", c->p->name,
			   doing, strerror(-rc));
	else if (c->ingress && (rc = ingress_to(t, c->p, ifindex, in)) < 0)
		diag_error(d, c->p->shaping.pos, "interface '%s': %s ingress shaping (via %s%s): %s",
			   c->p->name, doing, SHAPING_IFB_PREFIX, c->p->name, strerror(-rc));
	return rc;
}

int shaping_plan_apply(struct shaping_plan *p, struct diags *d)
{
	for (size_t i = 0; i < p->n; i++) {
		struct shaping_change *c = &p->v[i];
		bool feg, fin;
		/* Read again: the ports step may have just named (or made) it. */
		int rc = sides_read(p->t, c->p, &c->was_eg, &c->was_in, &feg, &fin);
		if (rc == 0 && ((c->want_eg.on && feg) || (c->want_in.on && fin)))
			rc = -EBUSY;
		if (rc < 0) {
			diag_error(d, c->p->shaping.pos, "interface '%s': shaping: %s", c->p->name,
				   rc == -EBUSY ? "the link has a qdisc nftrouter did not make"
						: strerror(-rc));
			return rc;
		}
		c->done = true;
		if ((rc = port_to(p->t, c, &c->want_eg, &c->want_in, d, "setting up")) < 0)
			return rc;
		if (c->want_eg.on && c->want_eg.shape.backend != p->backend)
			diag_warn(d, c->p->shaping.pos, "interface '%s': shaping with %s (no %s)",
				  c->p->name, tc_backend_name(c->want_eg.shape.backend),
				  tc_backend_name(p->backend));
	}
	return 0;
}

int shaping_plan_undo(struct shaping_plan *p, struct diags *d)
{
	int rc = 0;
	for (size_t i = p->n; i-- > 0;) {
		struct shaping_change *c = &p->v[i];
		if (!c->done)
			continue;
		int e = port_to(p->t, c, &c->was_eg, &c->was_in, d, "rollback: restoring");
		rc = rc ? rc : e;
		c->done = e < 0;
	}
	return rc;
}

static void side_text(const struct shaping_side *s, char *out, size_t size)
{
	char rate[32];
	if (!s->on) {
		snprintf(out, size, "none");
		return;
	}
	shaping_rate_format(s->shape.rate * 8, rate, sizeof(rate));
	snprintf(out, size, "%s %s", tc_backend_name(s->shape.backend), s->shape.rate ? rate : "(half made)");
}

size_t shaping_plan_describe(const struct shaping_plan *p, struct buf *b)
{
	size_t n = 0;
	for (size_t i = 0; p && i < p->n; i++) {
		const struct shaping_change *c = &p->v[i];
		const struct shaping_side *sides[2][2] = {{&c->was_eg, &c->want_eg},
							  {&c->was_in, &c->want_in}};
		for (int k = 0; k < 2; k++) {
			char was[64], want[64];
			if (!(k ? c->ingress : c->egress))
				continue;
			side_text(sides[k][0], was, sizeof(was));
			side_text(sides[k][1], want, sizeof(want));
			buf_printf(b, "%c %s: %s shaping%s%s: %s -> %s\n",
				   !sides[k][0]->on ? '+' : !sides[k][1]->on ? '-' : '~', c->p->name,
				   k ? "ingress" : "egress", k ? " via " SHAPING_IFB_PREFIX : "",
				   k ? c->p->name : "", was, want);
			n++;
		}
	}
	return n;
}

int shaping_check_kernel(const struct router *r, const struct tc_kernel *k, struct diags *d)
{
	int rc = 0;
	if (!k->known)
		return 1;
	enum tc_backend b = tc_kernel_backend(k);
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *p = &r->ifaces[i];
		const struct shaping *s = &p->shaping;
		if (!s->on)
			continue;
		if (b == TC_BACKENDS) {
			diag_error(d, s->pos,
				   "interface '%s': shaping: this kernel has neither CAKE (sch_cake) "
				   "nor HTB (sch_htb); it cannot shape",
				   p->name);
			rc = -EOPNOTSUPP;
			continue;
		}
		if (s->ingress && !(k->ifb && k->ingress && k->redirect)) {
			diag_error(d, s->pos,
				   "interface '%s': shaping: ingress needs an IFB device, the ingress "
				   "qdisc and a u32 filter with a mirred redirect; this kernel lacks %s",
				   p->name,
				   !k->ifb ? "IFB (ifb)" : !k->ingress ? "the ingress qdisc (sch_ingress)"
								: "u32 or mirred (cls_u32, act_mirred)");
			rc = -EOPNOTSUPP;
			continue;
		}
		/* ENOENT: the kernel knows no such qdisc. Anything else is
		 * worth seeing: the kernel refused the settings themselves. */
		if (b != TC_CAKE)
			diag_warn(d, s->pos,
				  "interface '%s': shaping: this kernel has no CAKE (sch_cake%s%s)%s; "
				  "shaping with %s instead (diffserv and nat need CAKE)",
				  p->name, k->cake_err == -ENOENT ? "" : ": ",
				  k->cake_err == -ENOENT ? "" : strerror(-k->cake_err),
				  b == TC_HTB_PFIFO ? " and no fq_codel (sch_fq_codel)" : "",
				  backend_says(b));
	}
	return rc;
}
