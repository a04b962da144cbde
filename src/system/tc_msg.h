/* Traffic-control netlink messages (rtnetlink: RTM_*QDISC, RTM_*TCLASS,
 * RTM_NEWTFILTER, RTM_*LINK for the IFB device) built into a caller's
 * buffer, and the kernel's qdisc and class dumps parsed back. Pure: no
 * socket here (system/shaping.c sends them), so tests/unit/system/
 * test_tc_msg.c checks every byte the kernel would get. */
#ifndef NFTROUTER_SYSTEM_TC_MSG_H
#define NFTROUTER_SYSTEM_TC_MSG_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/shaping.h"

/* The handles nftrouter's qdiscs carry, so that a qdisc it made is told
 * from one it did not: "4e46:" ("NF") is the root (CAKE or HTB), "4e47:"
 * HTB's leaf under class 4e46:1. */
#define TC_MAJOR 0x4e46u
#define TC_LEAF_MAJOR 0x4e47u
#define TC_HANDLE(maj, min) (((uint32_t)(maj) << 16) | (uint32_t)(min))
/* What shapes a direction: CAKE, else HTB with fq_codel under it, else
 * HTB with a pfifo sized to about 50 ms at the rate (no AQM). */
enum tc_backend { TC_CAKE, TC_HTB_FQ_CODEL, TC_HTB_PFIFO, TC_BACKENDS };
/* "cake", "htb+fq_codel", "htb+pfifo" */
const char *tc_backend_name(enum tc_backend b);

/* One shaped direction as the kernel is given it. */
struct tc_shape {
	enum tc_backend backend;
	uint64_t rate;       /* bytes/s */
	bool overhead_set;   /* overhead used (CAKE: else raw); HTB: always */
	int overhead;
	unsigned mpu;
	enum shaping_framing framing;
	enum shaping_diffserv diffserv; /* CAKE only */
	bool nat;                       /* CAKE only */
	bool ingress;        /* on the IFB: CAKE's ingress mode and fairness by destination host */
};

/* A direction of port p's shaping (ingress: the IFB's), on backend b. */
void tc_shape_from(const struct shaping *s, bool ingress, enum tc_backend b, struct tc_shape *out);
/* The same settings, as far as backend a->backend uses them. */
bool tc_shape_same(const struct tc_shape *a, const struct tc_shape *b);

/* Builders: the message in buf (at least TC_MSG_BUF bytes), nlmsg_seq
 * 0 (the sender numbers it), NLM_F_ACK set. Return the nlmsghdr. */
#define TC_MSG_BUF 1024
/* The root qdisc of the shape on ifindex: CAKE, or HTB's root (then
 * tc_msg_htb_class and tc_msg_htb_leaf complete it). */
struct nlmsghdr *tc_msg_root(char *buf, int ifindex, const struct tc_shape *s);
struct nlmsghdr *tc_msg_htb_class(char *buf, int ifindex, const struct tc_shape *s);
struct nlmsghdr *tc_msg_htb_leaf(char *buf, int ifindex, const struct tc_shape *s);
/* Delete the root (ingress false) or ingress qdisc of ifindex. */
struct nlmsghdr *tc_msg_qdisc_del(char *buf, int ifindex, bool ingress);
/* The ingress qdisc, and a u32 match-all filter on it whose mirred
 * action redirects every packet to the egress of ifb (so the IFB's root
 * qdisc shapes what the port receives). */
struct nlmsghdr *tc_msg_ingress(char *buf, int ifindex);
struct nlmsghdr *tc_msg_redirect(char *buf, int ifindex, int ifb);
/* A new IFB link named name, up; removing a link by name. */
struct nlmsghdr *tc_msg_ifb_add(char *buf, const char *name);
struct nlmsghdr *tc_msg_link_del(char *buf, const char *name);
/* Dumps: every qdisc / the classes of ifindex. */
struct nlmsghdr *tc_msg_dump(char *buf, int type, int ifindex);

/* CAKE's statistics of one tin. */
struct tc_tin {
	uint64_t bytes;
	uint32_t packets, drops, marks, backlog;
	uint32_t peak_us, avg_us, base_us;
	uint32_t sparse, bulk, unresponsive;
};

/* A qdisc as a dump describes it. */
struct tc_qdisc {
	int ifindex;
	uint32_t handle, parent;
	char kind[16];
	uint64_t bytes;
	uint32_t packets, drops, overlimits, requeues, backlog, qlen;
	/* CAKE's options and statistics */
	struct tc_shape cake; /* cake.rate 0: no options seen */
	uint32_t flow_mode;
	uint64_t capacity;    /* CAKE's capacity estimate, bytes/s */
	struct tc_tin tins[8];
	size_t n_tins;
	uint32_t limit;       /* pfifo */
};
/* An HTB class's rate settings. */
struct tc_class {
	int ifindex;
	uint32_t handle, parent;
	char kind[16];
	uint64_t rate; /* bytes/s */
	int overhead;
	unsigned mpu;
	bool atm;
};
/* 0, or -EINVAL for a message that is not one. */
int tc_qdisc_parse(const struct nlmsghdr *nlh, struct tc_qdisc *out);
int tc_class_parse(const struct nlmsghdr *nlh, struct tc_class *out);

/* HTB's bucket for rate: tc's default burst (a tick's worth at 1000 Hz
 * plus an MTU), in the kernel's scheduler ticks (64 ns). */
uint32_t tc_htb_buffer(uint64_t rate);
/* pfifo's packet limit for about 50 ms at rate (at least 16). */
uint32_t tc_pfifo_limit(uint64_t rate);

#endif
