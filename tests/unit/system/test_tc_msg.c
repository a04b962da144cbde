/* The traffic-control messages (system/tc_msg.c), checked byte by byte
 * through libmnl and through the same parsers that read the kernel's
 * dumps: a CAKE root and an HTB class come back with what was put in. */
#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/tc_act/tc_mirred.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>

#include "system/tc_msg.h"

static struct shaping cfg(void)
{
	struct shaping s = {.on = true, .egress = 20000000, .ingress = 200000000};
	s.overhead_set = true;
	s.overhead = 18;
	s.mpu = 64;
	s.diffserv = SHAPING_DIFFSERV4;
	s.nat = true;
	return s;
}

static void test_cake_roundtrip(void **state)
{
	(void)state;
	char buf[TC_MSG_BUF];
	struct shaping s = cfg();
	struct tc_shape eg, in;
	struct tc_qdisc q;
	tc_shape_from(&s, false, TC_CAKE, &eg);
	assert_true(eg.rate == 2500000); /* bytes/s */
	struct nlmsghdr *nlh = tc_msg_root(buf, 7, &eg);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWQDISC);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(t->tcm_parent, TC_H_ROOT);
	assert_int_equal(t->tcm_handle, 0x4e460000);
	assert_int_equal(tc_qdisc_parse(nlh, &q), 0);
	assert_int_equal(q.ifindex, 7);
	assert_string_equal(q.kind, "cake");
	assert_true(tc_shape_same(&q.cake, &eg));
	assert_int_equal(q.flow_mode, CAKE_FLOW_DUAL_SRC);
	assert_int_equal(q.cake.overhead, 18);
	assert_int_equal(q.cake.mpu, 64);
	assert_int_equal(q.cake.diffserv, SHAPING_DIFFSERV4);
	assert_true(q.cake.nat);
	assert_false(q.cake.ingress);

	/* The IFB's: ingress mode, fairness by destination host. */
	tc_shape_from(&s, true, TC_CAKE, &in);
	nlh = tc_msg_root(buf, 9, &in);
	assert_int_equal(tc_qdisc_parse(nlh, &q), 0);
	assert_true(q.cake.ingress);
	assert_true(q.cake.rate == 25000000);
	assert_int_equal(q.flow_mode, CAKE_FLOW_DUAL_DST);
	assert_false(tc_shape_same(&q.cake, &eg));

	/* No overhead written: raw, the kernel's own length. */
	s.overhead_set = false;
	tc_shape_from(&s, false, TC_CAKE, &eg);
	nlh = tc_msg_root(buf, 7, &eg);
	assert_int_equal(tc_qdisc_parse(nlh, &q), 0);
	assert_false(q.cake.overhead_set);
	assert_true(tc_shape_same(&q.cake, &eg));
}

static void test_htb(void **state)
{
	(void)state;
	char buf[TC_MSG_BUF];
	struct shaping s = cfg();
	struct tc_shape sh;
	struct tc_class c;
	struct tc_qdisc q;
	tc_shape_from(&s, false, TC_HTB_FQ_CODEL, &sh);
	/* HTB adds to the kernel's length, which has the Ethernet header. */
	assert_int_equal(sh.overhead, 18 - 14);
	assert_false(sh.nat);
	struct nlmsghdr *nlh = tc_msg_htb_class(buf, 3, &sh);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWTCLASS);
	assert_int_equal(tc_class_parse(nlh, &c), 0);
	assert_int_equal(c.handle, 0x4e460001);
	assert_int_equal(c.parent, 0x4e460000);
	assert_true(c.rate == 2500000);
	assert_int_equal(c.overhead, 4);
	assert_int_equal(c.mpu, 64);
	assert_false(c.atm);
	nlh = tc_msg_htb_leaf(buf, 3, &sh);
	assert_int_equal(tc_qdisc_parse(nlh, &q), 0);
	assert_string_equal(q.kind, "fq_codel");
	assert_int_equal(q.parent, 0x4e460001);
	assert_int_equal(q.handle, 0x4e470000);
	sh.backend = TC_HTB_PFIFO;
	nlh = tc_msg_htb_leaf(buf, 3, &sh);
	assert_int_equal(tc_qdisc_parse(nlh, &q), 0);
	assert_string_equal(q.kind, "pfifo");
	assert_int_equal(q.limit, tc_pfifo_limit(2500000));

	/* ATM kept (HTB knows cells); PTM's 64/65 taken off the rate. */
	s.framing = SHAPING_FRAMING_ATM;
	tc_shape_from(&s, false, TC_HTB_PFIFO, &sh);
	assert_int_equal(tc_class_parse(tc_msg_htb_class(buf, 3, &sh), &c), 0);
	assert_true(c.atm);
	s.framing = SHAPING_FRAMING_PTM;
	tc_shape_from(&s, false, TC_HTB_PFIFO, &sh);
	assert_true(sh.rate == 2500000ULL * 64 / 65);
	assert_int_equal(sh.framing, SHAPING_FRAMING_NONE);

	/* Above 4 GB/s the rate goes in the 64-bit attribute. */
	s.egress = 40000000000ULL;
	s.framing = SHAPING_FRAMING_NONE;
	tc_shape_from(&s, false, TC_HTB_FQ_CODEL, &sh);
	assert_int_equal(tc_class_parse(tc_msg_htb_class(buf, 3, &sh), &c), 0);
	assert_true(c.rate == 5000000000ULL);
}

static void test_sizes(void **state)
{
	(void)state;
	/* 20 Mbit/s: 2.5 MB/s; burst 2500 + 1600 bytes = 1.64 ms = 25625 ticks */
	assert_int_equal(tc_htb_buffer(2500000), 25625);
	assert_int_equal(tc_pfifo_limit(2500000), 82); /* 50 ms of 1514-byte packets */
	assert_int_equal(tc_pfifo_limit(8000), 16);
}

struct walk {
	const char *kind;
	uint32_t ifindex;
	int action, eaction;
	unsigned nkeys, flags;
};

static int act_cb(const struct nlattr *a, void *data)
{
	struct walk *w = data;
	if (mnl_attr_get_type(a) == TCA_ACT_KIND)
		w->kind = mnl_attr_get_str(a);
	if (mnl_attr_get_type(a) == TCA_ACT_OPTIONS) {
		const struct nlattr *p = mnl_attr_get_payload(a);
		assert_int_equal(mnl_attr_get_type(p), TCA_MIRRED_PARMS);
		const struct tc_mirred *m = mnl_attr_get_payload(p);
		w->ifindex = m->ifindex;
		w->action = m->action;
		w->eaction = m->eaction;
	}
	return MNL_CB_OK;
}

static int u32_cb(const struct nlattr *a, void *data)
{
	struct walk *w = data;
	if (mnl_attr_get_type(a) == TCA_U32_SEL) {
		const struct tc_u32_sel *sel = mnl_attr_get_payload(a);
		assert_int_equal(mnl_attr_get_payload_len(a),
				 sizeof(struct tc_u32_sel) + sizeof(struct tc_u32_key));
		w->nkeys = sel->nkeys;
		w->flags = sel->flags;
	}
	if (mnl_attr_get_type(a) == TCA_U32_ACT) {
		const struct nlattr *one = mnl_attr_get_payload(a);
		assert_int_equal(mnl_attr_get_type(one), 1);
		mnl_attr_parse_nested(one, act_cb, w);
	}
	return MNL_CB_OK;
}

static int top_cb(const struct nlattr *a, void *data)
{
	struct walk *w = data;
	if (mnl_attr_get_type(a) == TCA_OPTIONS)
		mnl_attr_parse_nested(a, u32_cb, w);
	return MNL_CB_OK;
}

static void test_redirect(void **state)
{
	(void)state;
	char buf[TC_MSG_BUF];
	struct walk w = {0};
	struct nlmsghdr *nlh = tc_msg_redirect(buf, 4, 11);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWTFILTER);
	const struct tcmsg *t = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(t->tcm_ifindex, 4);
	assert_int_equal(t->tcm_parent, 0xffff0000);
	assert_int_equal(TC_H_MAJ(t->tcm_info) >> 16, 1);           /* priority */
	assert_int_equal(TC_H_MIN(t->tcm_info), htons(ETH_P_ALL)); /* every protocol */
	mnl_attr_parse(nlh, sizeof(*t), top_cb, &w);
	assert_int_equal(w.nkeys, 1);
	assert_int_equal(w.flags, TC_U32_TERMINAL);
	assert_non_null(w.kind);
	assert_string_equal(w.kind, "mirred");
	assert_int_equal(w.ifindex, 11);
	assert_int_equal(w.action, TC_ACT_STOLEN);
	assert_int_equal(w.eaction, TCA_EGRESS_REDIR);

	nlh = tc_msg_ingress(buf, 4);
	t = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(t->tcm_parent, TC_H_INGRESS);
	assert_int_equal(t->tcm_handle, 0xffff0000);
	nlh = tc_msg_qdisc_del(buf, 4, false);
	assert_int_equal(nlh->nlmsg_type, RTM_DELQDISC);
	assert_int_equal(((const struct tcmsg *)mnl_nlmsg_get_payload(nlh))->tcm_parent, TC_H_ROOT);
}

static int link_cb(const struct nlattr *a, void *data)
{
	const char **kind = data;
	if (mnl_attr_get_type(a) == IFLA_LINKINFO) {
		const struct nlattr *k = mnl_attr_get_payload(a);
		assert_int_equal(mnl_attr_get_type(k), IFLA_INFO_KIND);
		*kind = mnl_attr_get_str(k);
	}
	return MNL_CB_OK;
}

static void test_ifb(void **state)
{
	(void)state;
	char buf[TC_MSG_BUF];
	const char *kind = NULL;
	struct nlmsghdr *nlh = tc_msg_ifb_add(buf, "ifb-wan");
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	assert_true(ifm->ifi_flags & IFF_UP);
	mnl_attr_parse(nlh, sizeof(*ifm), link_cb, &kind);
	assert_non_null(kind);
	assert_string_equal(kind, "ifb");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cake_roundtrip), cmocka_unit_test(test_htb),
	    cmocka_unit_test(test_sizes),	   cmocka_unit_test(test_redirect),
	    cmocka_unit_test(test_ifb),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
