/* Traffic control over rtnetlink (libmnl): the qdiscs nftrouter's shaping
 * makes on a port and its IFB device, read back and changed one acked
 * request at a time; and the probe that asks a throwaway network
 * namespace which qdiscs this kernel has. Messages: system/tc_msg.c. */
#ifndef NFTROUTER_SYSTEM_TC_H
#define NFTROUTER_SYSTEM_TC_H

#include <stdbool.h>
#include <stddef.h>

#include "system/tc_msg.h"

struct tc_sock;
/* NULL on failure (errno set). */
struct tc_sock *tc_sock_open(void);
void tc_sock_close(struct tc_sock *t);
/* Send one built message (tc_msg_*) and wait for its ack. 0 or -errno. */
int tc_talk(struct tc_sock *t, struct nlmsghdr *nlh);

/* Every qdisc of ifindex (all links: 0), and the classes of ifindex.
 * Arrays malloc'd, owned by the caller. */
int tc_qdisc_dump(struct tc_sock *t, int ifindex, struct tc_qdisc **out, size_t *n);
int tc_class_dump(struct tc_sock *t, int ifindex, struct tc_class **out, size_t *n);

/* One direction's qdisc tree on a link as nftrouter reads it back. */
struct tc_dir {
	bool ours;           /* a root with nftrouter's handle (TC_MAJOR) */
	bool foreign;        /* some other non-default root qdisc */
	char kind[16];       /* the root's kind ("" for the kernel's default) */
	struct tc_shape shape; /* ours: what it shapes with */
};
/* The root of ifindex. 0 or -errno. */
int tc_root_read(struct tc_sock *t, int ifindex, struct tc_dir *out);

/* Shape ifindex's egress with s (a root qdisc, and for HTB its class and
 * leaf); nothing of nftrouter's may be there (tc_root_del first). */
int tc_root_make(struct tc_sock *t, int ifindex, const struct tc_shape *s);
/* Remove the root qdisc: the kernel puts its default back. */
int tc_root_del(struct tc_sock *t, int ifindex);

/* What the kernel can do, from a throwaway network namespace (a child
 * process that unshares one, so nothing here changes): CAKE, HTB, its
 * fq_codel leaf, and for ingress an IFB device, the ingress qdisc and a
 * u32 filter with a mirred redirect. Modules load on demand as they
 * would for apply. */
struct tc_kernel {
	bool known; /* false: the probe could not run (no privilege); err says why */
	int err;
	bool cake, htb, fq_codel, ifb, ingress, redirect;
	int cake_err; /* why CAKE could not be made: -ENOENT when the kernel has none */
};
void tc_probe(struct tc_kernel *k);
/* The backend a probed kernel shapes with; TC_BACKENDS when none (no
 * HTB). An unprobed kernel: TC_CAKE (apply then falls back on ENOENT). */
enum tc_backend tc_kernel_backend(const struct tc_kernel *k);

#endif
