/* Delete conntrack entries by their addresses. See conntrack.h. */
#include "system/conntrack.h"

#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entries a dump found wanted, cloned: acting on them from inside a
 * dump is not allowed on the same handle, so that happens afterwards. */
struct cut_ctx {
	bool (*want)(const struct ipaddr *a, const void *arg);
	const void *arg;
	struct nf_conntrack **v;
	size_t n, cap;
	int err;
};

/* Any address of either tuple (original or reply, source or
 * destination) that x->want wants: so NATed flows are found from either
 * side. */
static bool ct_wanted(const struct nf_conntrack *ct, const struct cut_ctx *x)
{
	static const int attrs4[] = {ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV4_DST, ATTR_REPL_IPV4_SRC,
				     ATTR_REPL_IPV4_DST};
	static const int attrs6[] = {ATTR_ORIG_IPV6_SRC, ATTR_ORIG_IPV6_DST, ATTR_REPL_IPV6_SRC,
				     ATTR_REPL_IPV6_DST};
	bool v4 = nfct_get_attr_u8(ct, ATTR_ORIG_L3PROTO) == AF_INET;
	for (size_t i = 0; i < 4; i++) {
		int attr = v4 ? attrs4[i] : attrs6[i];
		struct ipaddr a = {.family = v4 ? AF_INET : AF_INET6};
		if (!nfct_attr_is_set(ct, attr))
			continue;
		memcpy(a.a, nfct_get_attr(ct, attr), v4 ? 4 : 16);
		if (x->want(&a, x->arg))
			return true;
	}
	return false;
}

static int dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct cut_ctx *x = data;
	(void)type;
	if (!ct_wanted(ct, x))
		return NFCT_CB_CONTINUE;
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 16;
		struct nf_conntrack **v = realloc(x->v, cap * sizeof(*v));
		if (!v) {
			x->err = -ENOMEM;
			return NFCT_CB_STOP;
		}
		x->v = v;
		x->cap = cap;
	}
	struct nf_conntrack *copy = nfct_clone(ct);
	if (!copy) {
		x->err = -ENOMEM;
		return NFCT_CB_STOP;
	}
	x->v[x->n++] = copy;
	return NFCT_CB_CONTINUE;
}

/* The number of entries in this namespace's table (-1 unknown): a dump
 * walks the kernel's whole hash, shared by all namespaces, so skip it
 * when there is nothing to find. */
static long ct_count(void)
{
	FILE *f = fopen("/proc/sys/net/netfilter/nf_conntrack_count", "re");
	long n = -1;
	if (!f && errno == ENOENT)
		return 0; /* no conntrack in this kernel: nothing to cut */
	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

/* Dump the entries of family into x (x->want decides), on h. */
static int ct_collect(struct nfct_handle *h, uint32_t family, struct cut_ctx *x)
{
	int rc = 0;
	nfct_callback_register(h, NFCT_T_ALL, dump_cb, x);
	if (nfct_query(h, NFCT_Q_DUMP, &family) < 0 && errno != ENOENT)
		rc = -errno;
	nfct_callback_unregister(h);
	return rc ? rc : x->err;
}

static void ct_release(struct cut_ctx *x)
{
	for (size_t i = 0; i < x->n; i++)
		nfct_destroy(x->v[i]);
	free(x->v);
}

int conntrack_cut_if(bool (*want)(const struct ipaddr *a, const void *arg), const void *arg,
		    int family, size_t *deleted)
{
	struct cut_ctx x = {.want = want, .arg = arg};
	*deleted = 0;
	if (ct_count() == 0)
		return 0;
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	if (!h)
		return -errno;
	int rc = ct_collect(h, (uint32_t)family, &x);
	for (size_t i = 0; rc == 0 && i < x.n; i++) {
		/* ENOENT: the entry died on its own meanwhile, which is fine */
		if (nfct_query(h, NFCT_Q_DESTROY, x.v[i]) == 0)
			(*deleted)++;
		else if (errno != ENOENT)
			rc = -errno;
	}
	ct_release(&x);
	nfct_close(h);
	return rc;
}

static bool in_cidr(const struct ipaddr *a, const void *arg)
{
	return cidr_contains(arg, a);
}

int conntrack_cut(const struct cidr *c, size_t *deleted)
{
	return conntrack_cut_if(in_cidr, c, c->addr.family, deleted);
}
