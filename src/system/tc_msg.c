/* Traffic-control messages built and parsed with libmnl's buffer
 * helpers (no socket: see tc_msg.h). */
#include "system/tc_msg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/gen_stats.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <string.h>
#include <sys/socket.h>

/* The Ethernet header the kernel counts in a packet's length: HTB adds
 * its overhead to that, CAKE's overhead replaces it. */
#define ETH_HEADER 14

static const char *const backend_names[] = {"cake", "htb+fq_codel", "htb+pfifo"};

const char *tc_backend_name(enum tc_backend b)
{
	return (unsigned)b < TC_BACKENDS ? backend_names[b] : "?";
}

void tc_shape_from(const struct shaping *s, bool ingress, enum tc_backend b, struct tc_shape *out)
{
	uint64_t bps = ingress ? s->ingress : s->egress;
	memset(out, 0, sizeof(*out));
	out->backend = b;
	out->rate = bps / 8;
	out->ingress = ingress;
	out->mpu = s->mpu;
	if (b == TC_CAKE) {
		out->overhead_set = s->overhead_set;
		out->overhead = s->overhead;
		out->framing = s->framing;
		out->diffserv = s->diffserv;
		out->nat = s->nat;
		return;
	}
	/* HTB counts from the kernel's length (with the Ethernet header) and
	 * cannot subtract; it knows ATM cells but not PTM, whose 64/65
	 * coding is taken off the rate instead. */
	out->overhead_set = true;
	out->overhead = s->overhead_set && s->overhead > ETH_HEADER ? s->overhead - ETH_HEADER : 0;
	out->framing = s->framing == SHAPING_FRAMING_ATM ? SHAPING_FRAMING_ATM : SHAPING_FRAMING_NONE;
	if (s->framing == SHAPING_FRAMING_PTM)
		out->rate = out->rate * 64 / 65;
}

bool tc_shape_same(const struct tc_shape *a, const struct tc_shape *b)
{
	if (a->backend != b->backend || a->rate != b->rate || a->mpu != b->mpu ||
	    a->framing != b->framing || a->overhead_set != b->overhead_set ||
	    (a->overhead_set && a->overhead != b->overhead))
		return false;
	if (a->backend != TC_CAKE)
		return true;
	return a->diffserv == b->diffserv && a->nat == b->nat && a->ingress == b->ingress;
}

static struct nlmsghdr *tc_head(char *buf, int type, unsigned flags, int ifindex, uint32_t parent,
				uint32_t handle, uint32_t info)
{
	memset(buf, 0, TC_MSG_BUF);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	struct tcmsg *t = mnl_nlmsg_put_extra_header(nlh, sizeof(*t));
	t->tcm_family = AF_UNSPEC;
	t->tcm_ifindex = ifindex;
	t->tcm_parent = parent;
	t->tcm_handle = handle;
	t->tcm_info = info;
	return nlh;
}

static void cake_options(struct nlmsghdr *nlh, const struct tc_shape *s)
{
	struct nlattr *o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u64(nlh, TCA_CAKE_BASE_RATE64, s->rate);
	mnl_attr_put_u32(nlh, TCA_CAKE_DIFFSERV_MODE, (uint32_t)s->diffserv);
	mnl_attr_put_u32(nlh, TCA_CAKE_ATM,
			 s->framing == SHAPING_FRAMING_ATM   ? CAKE_ATM_ATM
			 : s->framing == SHAPING_FRAMING_PTM ? CAKE_ATM_PTM
							     : CAKE_ATM_NONE);
	/* Fairness between inside hosts first, then between their flows:
	 * by source host going out, by destination host coming in. */
	mnl_attr_put_u32(nlh, TCA_CAKE_FLOW_MODE, s->ingress ? CAKE_FLOW_DUAL_DST : CAKE_FLOW_DUAL_SRC);
	mnl_attr_put_u32(nlh, TCA_CAKE_NAT, s->nat);
	if (s->overhead_set)
		mnl_attr_put_u32(nlh, TCA_CAKE_OVERHEAD, (uint32_t)s->overhead);
	else /* a u32 to the kernel's policy, though only its presence counts */
		mnl_attr_put_u32(nlh, TCA_CAKE_RAW, 0);
	mnl_attr_put_u32(nlh, TCA_CAKE_MPU, s->mpu);
	/* Ingress mode counts what CAKE drops against the rate too: those
	 * packets already crossed the line. */
	mnl_attr_put_u32(nlh, TCA_CAKE_INGRESS, s->ingress);
	mnl_attr_nest_end(nlh, o);
}

struct nlmsghdr *tc_msg_root(char *buf, int ifindex, const struct tc_shape *s)
{
	struct nlmsghdr *nlh = tc_head(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
				       TC_H_ROOT, TC_HANDLE(TC_MAJOR, 0), 0);
	if (s->backend == TC_CAKE) {
		mnl_attr_put_strz(nlh, TCA_KIND, "cake");
		cake_options(nlh, s);
		return nlh;
	}
	/* Every packet goes to class 1 (defcls), the one that shapes. */
	struct tc_htb_glob g = {.version = 3, .rate2quantum = 10, .defcls = 1};
	mnl_attr_put_strz(nlh, TCA_KIND, "htb");
	struct nlattr *o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(g), &g);
	mnl_attr_nest_end(nlh, o);
	return nlh;
}

uint32_t tc_htb_buffer(uint64_t rate)
{
	uint64_t burst = rate / 1000 + 1600;
	/* ticks of 64 ns to send burst bytes at rate */
	uint64_t t = rate ? burst * 1000000000ULL / rate / 64 : 0;
	return t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

uint32_t tc_pfifo_limit(uint64_t rate)
{
	uint64_t n = rate / 20 / 1514;
	return n < 16 ? 16 : n > 100000 ? 100000 : (uint32_t)n;
}

struct nlmsghdr *tc_msg_htb_class(char *buf, int ifindex, const struct tc_shape *s)
{
	struct nlmsghdr *nlh = tc_head(buf, RTM_NEWTCLASS, NLM_F_CREATE | NLM_F_EXCL, ifindex,
				       TC_HANDLE(TC_MAJOR, 0), TC_HANDLE(TC_MAJOR, 1), 0);
	struct tc_htb_opt h = {0};
	/* A link layer other than "unaware" spares the rate tables that
	 * old tc computed: the kernel works out the sizes itself. */
	h.rate.linklayer = s->framing == SHAPING_FRAMING_ATM ? TC_LINKLAYER_ATM : TC_LINKLAYER_ETHERNET;
	h.rate.overhead = (unsigned short)(s->overhead > 0 ? s->overhead : 0);
	h.rate.mpu = (unsigned short)s->mpu;
	h.rate.rate = s->rate >= UINT32_MAX ? UINT32_MAX : (uint32_t)s->rate;
	h.ceil = h.rate;
	h.buffer = h.cbuffer = tc_htb_buffer(s->rate);
	/* One class: its quantum only sets how much it sends per round. */
	h.quantum = 60000;
	mnl_attr_put_strz(nlh, TCA_KIND, "htb");
	struct nlattr *o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_HTB_PARMS, sizeof(h), &h);
	if (s->rate >= UINT32_MAX) {
		mnl_attr_put_u64(nlh, TCA_HTB_RATE64, s->rate);
		mnl_attr_put_u64(nlh, TCA_HTB_CEIL64, s->rate);
	}
	mnl_attr_nest_end(nlh, o);
	return nlh;
}

struct nlmsghdr *tc_msg_htb_leaf(char *buf, int ifindex, const struct tc_shape *s)
{
	struct nlmsghdr *nlh = tc_head(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
				       TC_HANDLE(TC_MAJOR, 1), TC_HANDLE(TC_LEAF_MAJOR, 0), 0);
	if (s->backend == TC_HTB_FQ_CODEL) {
		mnl_attr_put_strz(nlh, TCA_KIND, "fq_codel");
		return nlh;
	}
	/* No AQM: at least bound the queue (the default, txqueuelen
	 * packets, is most of a second at tens of Mbit/s). */
	struct tc_fifo_qopt q = {.limit = tc_pfifo_limit(s->rate)};
	mnl_attr_put_strz(nlh, TCA_KIND, "pfifo");
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(q), &q);
	return nlh;
}

struct nlmsghdr *tc_msg_qdisc_del(char *buf, int ifindex, bool ingress)
{
	return tc_head(buf, RTM_DELQDISC, 0, ifindex, ingress ? TC_H_INGRESS : TC_H_ROOT,
		       ingress ? TC_H_MAKE(TC_H_INGRESS, 0) : 0, 0);
}

struct nlmsghdr *tc_msg_ingress(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = tc_head(buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex,
				       TC_H_INGRESS, TC_H_MAKE(TC_H_INGRESS, 0), 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "ingress");
	return nlh;
}

struct nlmsghdr *tc_msg_redirect(char *buf, int ifindex, int ifb)
{
	/* priority 1, every protocol */
	struct nlmsghdr *nlh = tc_head(buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex,
				       TC_H_MAKE(TC_H_INGRESS, 0), 0,
				       TC_H_MAKE(1u << 16, htons(ETH_P_ALL)));
	/* One key with mask 0: every packet matches (tc's "match u32 0 0").
	 * The key follows the selector (a flexible array). */
	unsigned char m[sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key)] = {0};
	struct tc_u32_sel sel = {.flags = TC_U32_TERMINAL, .nkeys = 1};
	memcpy(m, &sel, sizeof(sel));
	struct tc_mirred mir = {.action = TC_ACT_STOLEN, .eaction = TCA_EGRESS_REDIR,
				.ifindex = (uint32_t)ifb};
	mnl_attr_put_strz(nlh, TCA_KIND, "u32");
	struct nlattr *o = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put(nlh, TCA_U32_SEL, sizeof(m), m);
	struct nlattr *acts = mnl_attr_nest_start(nlh, TCA_U32_ACT);
	struct nlattr *a1 = mnl_attr_nest_start(nlh, 1);
	mnl_attr_put_strz(nlh, TCA_ACT_KIND, "mirred");
	struct nlattr *ao = mnl_attr_nest_start(nlh, TCA_ACT_OPTIONS);
	mnl_attr_put(nlh, TCA_MIRRED_PARMS, sizeof(mir), &mir);
	mnl_attr_nest_end(nlh, ao);
	mnl_attr_nest_end(nlh, a1);
	mnl_attr_nest_end(nlh, acts);
	mnl_attr_nest_end(nlh, o);
	return nlh;
}

static struct nlmsghdr *link_head(char *buf, int type, unsigned flags)
{
	memset(buf, 0, TC_MSG_BUF);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	return nlh;
}

struct nlmsghdr *tc_msg_ifb_add(char *buf, const char *name)
{
	struct nlmsghdr *nlh = link_head(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_flags = ifm->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ifb");
	mnl_attr_nest_end(nlh, li);
	return nlh;
}

struct nlmsghdr *tc_msg_link_del(char *buf, const char *name)
{
	struct nlmsghdr *nlh = link_head(buf, RTM_DELLINK, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

struct nlmsghdr *tc_msg_dump(char *buf, int type, int ifindex)
{
	struct nlmsghdr *nlh = tc_head(buf, type, NLM_F_DUMP, ifindex, 0, 0, 0);
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	return nlh;
}

/* --- parsing ----------------------------------------------------------- */

struct attrs {
	const struct nlattr *tb[32];
	unsigned max;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct attrs *t = data;
	unsigned type = mnl_attr_get_type(a);
	if (type <= t->max && type < 32)
		t->tb[type] = a;
	return MNL_CB_OK;
}

static void nest_parse(const struct nlattr *n, unsigned max, struct attrs *t)
{
	memset(t, 0, sizeof(*t));
	t->max = max;
	if (n)
		mnl_attr_parse_nested(n, attr_cb, t);
}

static uint32_t u32_of(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) >= 4 ? mnl_attr_get_u32(a) : 0;
}

static uint64_t u64_of(const struct nlattr *a)
{
	return a && mnl_attr_get_payload_len(a) >= 8 ? mnl_attr_get_u64(a) : 0;
}

static void cake_opts_parse(const struct nlattr *opts, struct tc_qdisc *q)
{
	struct attrs t;
	nest_parse(opts, TCA_CAKE_MAX, &t);
	struct tc_shape *s = &q->cake;
	s->backend = TC_CAKE;
	s->rate = u64_of(t.tb[TCA_CAKE_BASE_RATE64]);
	s->diffserv = (enum shaping_diffserv)u32_of(t.tb[TCA_CAKE_DIFFSERV_MODE]);
	uint32_t atm = u32_of(t.tb[TCA_CAKE_ATM]);
	s->framing = atm == CAKE_ATM_ATM   ? SHAPING_FRAMING_ATM
		     : atm == CAKE_ATM_PTM ? SHAPING_FRAMING_PTM
					   : SHAPING_FRAMING_NONE;
	q->flow_mode = u32_of(t.tb[TCA_CAKE_FLOW_MODE]);
	s->nat = u32_of(t.tb[TCA_CAKE_NAT]) != 0;
	s->overhead_set = !t.tb[TCA_CAKE_RAW];
	s->overhead = (int32_t)u32_of(t.tb[TCA_CAKE_OVERHEAD]);
	s->mpu = u32_of(t.tb[TCA_CAKE_MPU]);
	s->ingress = u32_of(t.tb[TCA_CAKE_INGRESS]) != 0;
}

static void cake_tin_parse(const struct nlattr *n, struct tc_tin *tin)
{
	struct attrs t;
	nest_parse(n, TCA_CAKE_TIN_STATS_MAX, &t);
	tin->packets = u32_of(t.tb[TCA_CAKE_TIN_STATS_SENT_PACKETS]);
	tin->bytes = u64_of(t.tb[TCA_CAKE_TIN_STATS_SENT_BYTES64]);
	tin->drops = u32_of(t.tb[TCA_CAKE_TIN_STATS_DROPPED_PACKETS]);
	tin->marks = u32_of(t.tb[TCA_CAKE_TIN_STATS_ECN_MARKED_PACKETS]);
	tin->backlog = u32_of(t.tb[TCA_CAKE_TIN_STATS_BACKLOG_BYTES]);
	tin->peak_us = u32_of(t.tb[TCA_CAKE_TIN_STATS_PEAK_DELAY_US]);
	tin->avg_us = u32_of(t.tb[TCA_CAKE_TIN_STATS_AVG_DELAY_US]);
	tin->base_us = u32_of(t.tb[TCA_CAKE_TIN_STATS_BASE_DELAY_US]);
	tin->sparse = u32_of(t.tb[TCA_CAKE_TIN_STATS_SPARSE_FLOWS]);
	tin->bulk = u32_of(t.tb[TCA_CAKE_TIN_STATS_BULK_FLOWS]);
	tin->unresponsive = u32_of(t.tb[TCA_CAKE_TIN_STATS_UNRESPONSIVE_FLOWS]);
}

static void cake_stats_parse(const struct nlattr *app, struct tc_qdisc *q)
{
	struct attrs t;
	const struct nlattr *a;
	nest_parse(app, TCA_CAKE_STATS_MAX, &t);
	q->capacity = u64_of(t.tb[TCA_CAKE_STATS_CAPACITY_ESTIMATE64]);
	if (!t.tb[TCA_CAKE_STATS_TIN_STATS])
		return;
	mnl_attr_for_each_nested(a, t.tb[TCA_CAKE_STATS_TIN_STATS])
	{
		unsigned i = mnl_attr_get_type(a);
		if (i < 1 || i > 8)
			continue;
		cake_tin_parse(a, &q->tins[i - 1]);
		if (i > q->n_tins)
			q->n_tins = i;
	}
}

static void stats2_parse(const struct nlattr *st, struct tc_qdisc *q)
{
	struct attrs t;
	nest_parse(st, TCA_STATS_MAX, &t);
	const struct nlattr *b = t.tb[TCA_STATS_BASIC], *qu = t.tb[TCA_STATS_QUEUE];
	if (b && mnl_attr_get_payload_len(b) >= 12) {
		struct gnet_stats_basic sb = {0};
		memcpy(&sb, mnl_attr_get_payload(b), 12);
		q->bytes = sb.bytes;
		q->packets = sb.packets;
	}
	if (qu && mnl_attr_get_payload_len(qu) >= sizeof(struct gnet_stats_queue)) {
		struct gnet_stats_queue sq;
		memcpy(&sq, mnl_attr_get_payload(qu), sizeof(sq));
		q->qlen = sq.qlen;
		q->backlog = sq.backlog;
		q->drops = sq.drops;
		q->requeues = sq.requeues;
		q->overlimits = sq.overlimits;
	}
	if (t.tb[TCA_STATS_APP] && strcmp(q->kind, "cake") == 0)
		cake_stats_parse(t.tb[TCA_STATS_APP], q);
}

static int tc_head_parse(const struct nlmsghdr *nlh, int type, struct attrs *t, int *ifindex,
			 uint32_t *handle, uint32_t *parent, char kind[16])
{
	if (nlh->nlmsg_type != type || mnl_nlmsg_get_payload_len(nlh) < sizeof(struct tcmsg))
		return -EINVAL;
	const struct tcmsg *tm = mnl_nlmsg_get_payload(nlh);
	memset(t, 0, sizeof(*t));
	t->max = TCA_MAX;
	mnl_attr_parse(nlh, sizeof(*tm), attr_cb, t);
	*ifindex = tm->tcm_ifindex;
	*handle = tm->tcm_handle;
	*parent = tm->tcm_parent;
	kind[0] = '\0';
	if (t->tb[TCA_KIND] && mnl_attr_validate(t->tb[TCA_KIND], MNL_TYPE_NUL_STRING) == 0) {
		strncpy(kind, mnl_attr_get_str(t->tb[TCA_KIND]), 15);
		kind[15] = '\0';
	}
	return 0;
}

int tc_qdisc_parse(const struct nlmsghdr *nlh, struct tc_qdisc *out)
{
	struct attrs t;
	memset(out, 0, sizeof(*out));
	if (tc_head_parse(nlh, RTM_NEWQDISC, &t, &out->ifindex, &out->handle, &out->parent,
			  out->kind) < 0)
		return -EINVAL;
	const struct nlattr *o = t.tb[TCA_OPTIONS];
	if (o && strcmp(out->kind, "cake") == 0)
		cake_opts_parse(o, out);
	else if (o && strcmp(out->kind, "pfifo") == 0 &&
		 mnl_attr_get_payload_len(o) >= sizeof(struct tc_fifo_qopt))
		out->limit = ((const struct tc_fifo_qopt *)mnl_attr_get_payload(o))->limit;
	if (t.tb[TCA_STATS2])
		stats2_parse(t.tb[TCA_STATS2], out);
	return 0;
}

int tc_class_parse(const struct nlmsghdr *nlh, struct tc_class *out)
{
	struct attrs t, h;
	memset(out, 0, sizeof(*out));
	if (tc_head_parse(nlh, RTM_NEWTCLASS, &t, &out->ifindex, &out->handle, &out->parent,
			  out->kind) < 0)
		return -EINVAL;
	if (strcmp(out->kind, "htb") != 0 || !t.tb[TCA_OPTIONS])
		return 0;
	nest_parse(t.tb[TCA_OPTIONS], TCA_HTB_MAX, &h);
	const struct nlattr *p = h.tb[TCA_HTB_PARMS];
	if (!p || mnl_attr_get_payload_len(p) < sizeof(struct tc_htb_opt))
		return 0;
	struct tc_htb_opt o;
	memcpy(&o, mnl_attr_get_payload(p), sizeof(o));
	out->rate = h.tb[TCA_HTB_RATE64] ? u64_of(h.tb[TCA_HTB_RATE64]) : o.rate.rate;
	out->overhead = o.rate.overhead;
	out->mpu = o.rate.mpu;
	out->atm = (o.rate.linklayer & TC_LINKLAYER_MASK) == TC_LINKLAYER_ATM;
	return 0;
}
