/* Delete conntrack entries of a prefix. See conntrack.h. */
#include "system/conntrack.h"

#include <errno.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cut_ctx {
	const struct cidr *c;
	struct nf_conntrack **v;
	size_t n, cap;
	int err;
};

static bool in_prefix(const struct cidr *c, const void *raw, size_t len)
{
	struct ipaddr a = {.family = c->addr.family};
	memcpy(a.a, raw, len);
	return cidr_contains(c, &a);
}

static bool ct_matches(const struct nf_conntrack *ct, const struct cidr *c)
{
	static const int attrs4[] = {ATTR_ORIG_IPV4_SRC, ATTR_ORIG_IPV4_DST, ATTR_REPL_IPV4_SRC,
				     ATTR_REPL_IPV4_DST};
	static const int attrs6[] = {ATTR_ORIG_IPV6_SRC, ATTR_ORIG_IPV6_DST, ATTR_REPL_IPV6_SRC,
				     ATTR_REPL_IPV6_DST};
	bool v4 = c->addr.family == AF_INET;
	for (size_t i = 0; i < 4; i++) {
		int attr = v4 ? attrs4[i] : attrs6[i];
		if (!nfct_attr_is_set(ct, attr))
			continue;
		if (in_prefix(c, nfct_get_attr(ct, attr), v4 ? 4 : 16))
			return true;
	}
	return false;
}

/* Deleting from inside a dump is not allowed on the same handle, so
 * matches are cloned and deleted afterwards. */
static int dump_cb(enum nf_conntrack_msg_type type, struct nf_conntrack *ct, void *data)
{
	struct cut_ctx *x = data;
	(void)type;
	if (!ct_matches(ct, x->c))
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

int conntrack_cut(const struct cidr *c, size_t *deleted)
{
	struct cut_ctx x = {.c = c};
	if (ct_count() == 0) {
		*deleted = 0;
		return 0;
	}
	struct nfct_handle *h = nfct_open(CONNTRACK, 0);
	uint32_t family = c->addr.family == AF_INET ? AF_INET : AF_INET6;
	int rc = 0;
	*deleted = 0;
	if (!h)
		return -errno;
	nfct_callback_register(h, NFCT_T_ALL, dump_cb, &x);
	if (nfct_query(h, NFCT_Q_DUMP, &family) < 0 && errno != ENOENT)
		rc = -errno;
	nfct_callback_unregister(h);
	if (rc == 0)
		rc = x.err;
	for (size_t i = 0; i < x.n; i++) {
		/* ENOENT: the entry died on its own meanwhile, which is fine */
		if (rc == 0 && nfct_query(h, NFCT_Q_DESTROY, x.v[i]) == 0)
			(*deleted)++;
		else if (rc == 0 && errno != ENOENT)
			rc = -errno;
		nfct_destroy(x.v[i]);
	}
	free(x.v);
	nfct_close(h);
	return rc;
}
