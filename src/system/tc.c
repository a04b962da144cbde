/* Traffic control over rtnetlink: one request at a time, each acked, so
 * an error names the change that failed (as system/link.c). */
#include "system/tc.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TC_RECV_BUF 32768

struct tc_sock {
	struct mnl_socket *nl;
	unsigned portid, seq;
};

struct tc_sock *tc_sock_open(void)
{
	struct tc_sock *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!t->nl || mnl_socket_bind(t->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		tc_sock_close(t);
		errno = e;
		return NULL;
	}
	t->portid = mnl_socket_get_portid(t->nl);
	t->seq = (unsigned)time(NULL);
	return t;
}

void tc_sock_close(struct tc_sock *t)
{
	if (!t)
		return;
	if (t->nl)
		mnl_socket_close(t->nl);
	free(t);
}

static int tc_run(struct tc_sock *t, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[TC_RECV_BUF];
	nlh->nlmsg_seq = ++t->seq;
	if (mnl_socket_sendto(t->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(t->nl, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		int rc = mnl_cb_run(buf, (size_t)len, t->seq, t->portid, cb, data);
		if (rc < 0)
			return errno ? -errno : -EIO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

int tc_talk(struct tc_sock *t, struct nlmsghdr *nlh)
{
	return tc_run(t, nlh, NULL, NULL);
}

struct dump_ctx {
	bool classes;
	int ifindex;
	void *v;
	size_t n, cap;
	int err;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	size_t sz = c->classes ? sizeof(struct tc_class) : sizeof(struct tc_qdisc);
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		void *v = realloc(c->v, cap * sz);
		if (!v) {
			c->err = -ENOMEM;
			return MNL_CB_OK;
		}
		c->v = v;
		c->cap = cap;
	}
	void *slot = (char *)c->v + c->n * sz;
	int rc = c->classes ? tc_class_parse(nlh, slot) : tc_qdisc_parse(nlh, slot);
	int ifindex = c->classes ? ((struct tc_class *)slot)->ifindex : ((struct tc_qdisc *)slot)->ifindex;
	if (rc == 0 && (!c->ifindex || ifindex == c->ifindex))
		c->n++;
	return MNL_CB_OK;
}

static int dump(struct tc_sock *t, bool classes, int ifindex, void **out, size_t *n)
{
	char buf[TC_MSG_BUF];
	struct dump_ctx c = {.classes = classes, .ifindex = ifindex};
	int rc = tc_run(t, tc_msg_dump(buf, classes ? RTM_GETTCLASS : RTM_GETQDISC, ifindex),
			dump_cb, &c);
	if (rc == 0)
		rc = c.err;
	if (rc < 0) {
		free(c.v);
		return rc;
	}
	*out = c.v;
	*n = c.n;
	return 0;
}

int tc_qdisc_dump(struct tc_sock *t, int ifindex, struct tc_qdisc **out, size_t *n)
{
	return dump(t, false, ifindex, (void **)out, n);
}

int tc_class_dump(struct tc_sock *t, int ifindex, struct tc_class **out, size_t *n)
{
	return dump(t, true, ifindex, (void **)out, n);
}

/* HTB's settings are on class 1 and its leaf's kind says the backend. */
static int htb_read(struct tc_sock *t, int ifindex, const struct tc_qdisc *q, size_t n,
		    struct tc_dir *out)
{
	struct tc_class *cl = NULL;
	size_t ncl = 0;
	int rc = tc_class_dump(t, ifindex, &cl, &ncl);
	if (rc < 0)
		return rc;
	out->shape.backend = TC_HTB_PFIFO;
	out->shape.overhead_set = true;
	for (size_t k = 0; k < n; k++)
		if (q[k].parent == TC_HANDLE(TC_MAJOR, 1) && strcmp(q[k].kind, "fq_codel") == 0)
			out->shape.backend = TC_HTB_FQ_CODEL;
	for (size_t k = 0; k < ncl; k++) {
		if (cl[k].handle != TC_HANDLE(TC_MAJOR, 1))
			continue;
		out->shape.rate = cl[k].rate;
		out->shape.overhead = cl[k].overhead;
		out->shape.mpu = cl[k].mpu;
		out->shape.framing = cl[k].atm ? SHAPING_FRAMING_ATM : SHAPING_FRAMING_NONE;
	}
	free(cl);
	return 0;
}

int tc_root_read(struct tc_sock *t, int ifindex, struct tc_dir *out)
{
	struct tc_qdisc *q = NULL;
	size_t n = 0;
	memset(out, 0, sizeof(*out));
	int rc = tc_qdisc_dump(t, ifindex, &q, &n);
	if (rc < 0)
		return rc;
	for (size_t k = 0; k < n; k++) {
		if (q[k].parent != TC_H_ROOT)
			continue;
		snprintf(out->kind, sizeof(out->kind), "%s", q[k].kind);
		if (TC_H_MAJ(q[k].handle) == TC_HANDLE(TC_MAJOR, 0)) {
			out->ours = true;
			if (strcmp(q[k].kind, "cake") == 0)
				out->shape = q[k].cake;
			else if (strcmp(q[k].kind, "htb") == 0)
				rc = htb_read(t, ifindex, q, n, out);
		} else if (q[k].handle != 0) {
			/* The kernel's defaults (pfifo_fast, mq, noqueue...) have handle 0. */
			out->foreign = true;
		} else {
			out->kind[0] = '\0';
		}
	}
	free(q);
	return rc;
}

int tc_root_make(struct tc_sock *t, int ifindex, const struct tc_shape *s)
{
	char buf[TC_MSG_BUF];
	int rc = tc_talk(t, tc_msg_root(buf, ifindex, s));
	if (rc < 0 || s->backend == TC_CAKE)
		return rc;
	if ((rc = tc_talk(t, tc_msg_htb_class(buf, ifindex, s))) == 0 &&
	    (rc = tc_talk(t, tc_msg_htb_leaf(buf, ifindex, s))) == 0)
		return 0;
	/* Half an HTB tree shapes nothing well: take it away. */
	(void)tc_root_del(t, ifindex);
	return rc;
}

int tc_root_del(struct tc_sock *t, int ifindex)
{
	char buf[TC_MSG_BUF];
	return tc_talk(t, tc_msg_qdisc_del(buf, ifindex, false));
}

/* --- the probe ------------------------------------------------------------ */

enum { P_CAKE = 1, P_HTB = 2, P_FQ_CODEL = 4, P_IFB = 8, P_INGRESS = 16, P_REDIRECT = 32 };

/* In the child, in its own empty namespace: try each piece on lo. */
static unsigned probe_here(int *cake_err)
{
	unsigned got = 0;
	char buf[TC_MSG_BUF];
	struct tc_sock *t = tc_sock_open();
	struct tc_shape s = {.backend = TC_CAKE, .rate = 1000000};
	if (!t)
		return 0;
	int lo = (int)if_nametoindex("lo");
	if ((*cake_err = tc_talk(t, tc_msg_root(buf, lo, &s))) == 0) {
		got |= P_CAKE;
		(void)tc_root_del(t, lo);
	}
	s.backend = TC_HTB_FQ_CODEL;
	if (tc_talk(t, tc_msg_root(buf, lo, &s)) == 0) {
		got |= P_HTB;
		if (tc_talk(t, tc_msg_htb_class(buf, lo, &s)) == 0 &&
		    tc_talk(t, tc_msg_htb_leaf(buf, lo, &s)) == 0)
			got |= P_FQ_CODEL;
		(void)tc_root_del(t, lo);
	}
	int ifb = 0;
	if (tc_talk(t, tc_msg_ifb_add(buf, "ifb-probe")) == 0 &&
	    (ifb = (int)if_nametoindex("ifb-probe")) > 0)
		got |= P_IFB;
	if (tc_talk(t, tc_msg_ingress(buf, lo)) == 0) {
		got |= P_INGRESS;
		if (ifb && tc_talk(t, tc_msg_redirect(buf, lo, ifb)) == 0)
			got |= P_REDIRECT;
	}
	tc_sock_close(t);
	return got;
}

void tc_probe(struct tc_kernel *k)
{
	int p[2];
	memset(k, 0, sizeof(*k));
	if (pipe2(p, O_CLOEXEC) < 0) {
		k->err = -errno;
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		k->err = -errno;
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0) {
		close(p[0]);
		unsigned char r[3] = {0, 0, 0};
		int cake_err = 0;
		if (unshare(CLONE_NEWNET) < 0)
			r[0] = (unsigned char)(errno > 255 ? 255 : errno);
		else
			r[1] = (unsigned char)probe_here(&cake_err);
		r[2] = (unsigned char)(-cake_err > 255 ? 255 : -cake_err);
		(void)!write(p[1], r, sizeof(r));
		_exit(0);
	}
	close(p[1]);
	unsigned char r[3];
	ssize_t got;
	do
		got = read(p[0], r, sizeof(r));
	while (got < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (got != (ssize_t)sizeof(r)) {
		k->err = -EIO;
		return;
	}
	if (r[0]) {
		k->err = -(int)r[0];
		return;
	}
	k->known = true;
	k->cake = r[1] & P_CAKE;
	k->htb = r[1] & P_HTB;
	k->fq_codel = r[1] & P_FQ_CODEL;
	k->ifb = r[1] & P_IFB;
	k->ingress = r[1] & P_INGRESS;
	k->redirect = r[1] & P_REDIRECT;
	k->cake_err = -(int)r[2];
}

enum tc_backend tc_kernel_backend(const struct tc_kernel *k)
{
	if (!k->known || k->cake)
		return TC_CAKE;
	if (!k->htb)
		return TC_BACKENDS;
	return k->fq_codel ? TC_HTB_FQ_CODEL : TC_HTB_PFIFO;
}
