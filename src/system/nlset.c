/* Set elements over nfnetlink: see nlset.h for why this exists. */
#include "system/nlset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest element list per message: the nested attribute's length is 16
 * bits, so stay well below 64 KiB and leave room for one more element. */
#define NLSET_MSG_MAX 60000
#define NLSET_MSG_RESERVE 65536

struct nlset {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	char *buf;     /* the batch: BEGIN, messages, (END added on commit) */
	size_t len, cap;
	bool oom;
	/* the message being filled: offsets, since buf may move */
	bool msg_open;
	size_t msg_off, nest_off;
	uint16_t msg_type, msg_flags;
	char msg_table[64], msg_set[64];
};

struct nlset *nlset_open(void)
{
	struct nlset *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		nlset_close(s);
		errno = e;
		return NULL;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return s;
}

void nlset_close(struct nlset *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s->buf);
	free(s);
}

void nlset_abort(struct nlset *s)
{
	s->len = 0;
	s->oom = false;
	s->msg_open = false;
}

static int buf_reserve(struct nlset *s, size_t more)
{
	if (s->len + more <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 256 * 1024;
	while (cap < s->len + more)
		cap *= 2;
	char *b = realloc(s->buf, cap);
	if (!b) {
		s->oom = true;
		return -ENOMEM;
	}
	s->buf = b;
	s->cap = cap;
	return 0;
}

static void msg_close(struct nlset *s)
{
	if (!s->msg_open)
		return;
	struct nlmsghdr *nlh = (struct nlmsghdr *)(s->buf + s->msg_off);
	if (s->nest_off)
		mnl_attr_nest_end(nlh, (struct nlattr *)(s->buf + s->nest_off));
	s->len = s->msg_off + nlh->nlmsg_len;
	s->msg_open = false;
}

/* Start a message for (type, table, set) unless the open one is the same
 * and has room; returns it with its element list nest open. */
static struct nlmsghdr *msg_get(struct nlset *s, uint16_t type, uint16_t flags, const char *table,
				const char *set, bool elems)
{
	if (s->msg_open) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(s->buf + s->msg_off);
		if (elems && s->msg_type == type && s->msg_flags == flags &&
		    strcmp(s->msg_table, table) == 0 && strcmp(s->msg_set, set) == 0 &&
		    nlh->nlmsg_len < NLSET_MSG_MAX)
			return nlh;
		msg_close(s);
	}
	if (strlen(table) >= sizeof(s->msg_table) || strlen(set) >= sizeof(s->msg_set))
		return NULL;
	if (buf_reserve(s, NLSET_MSG_RESERVE + 2 * MNL_NLMSG_HDRLEN + 64) < 0)
		return NULL;
	if (s->len == 0) {
		nftnl_batch_begin(s->buf, s->seq++);
		s->len = ((struct nlmsghdr *)s->buf)->nlmsg_len;
	}
	s->msg_off = s->len;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(s->buf + s->len, type, NFPROTO_INET, flags,
						     s->seq++);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	s->nest_off = 0;
	if (elems) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		s->nest_off = (size_t)((char *)nest - s->buf);
	}
	s->msg_open = true;
	s->msg_type = type;
	s->msg_flags = flags;
	strcpy(s->msg_table, table);
	strcpy(s->msg_set, set);
	if (!elems)
		msg_close(s);
	return nlh;
}

static void put_elem(struct nlmsghdr *nlh, const uint8_t *key, size_t klen, uint32_t flags,
		     uint64_t timeout_ms)
{
	struct nlattr *e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	struct nlattr *k = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, klen, key);
	mnl_attr_nest_end(nlh, k);
	if (timeout_ms)
		mnl_attr_put_u64(nlh, NFTA_SET_ELEM_TIMEOUT, htobe64(timeout_ms));
	if (flags)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(flags));
	mnl_attr_nest_end(nlh, e);
}

/* The first address after the prefix; false if the prefix runs to the
 * end of the address space (then there is no end element). */
static bool prefix_next(const struct cidr *c, uint8_t out[16])
{
	size_t klen = c->addr.family == AF_INET ? 4 : 16;
	memcpy(out, c->addr.a, klen);
	/* set the host bits, then add one with carry */
	for (size_t i = 0; i < klen; i++) {
		int bit0 = (int)i * 8;
		if (bit0 + 8 <= c->len)
			continue;
		int keep = c->len > bit0 ? c->len - bit0 : 0;
		out[i] |= (uint8_t)(0xff >> keep);
	}
	for (size_t i = klen; i-- > 0;) {
		if (++out[i] != 0)
			return true;
	}
	return false;
}

static int queue_interval(struct nlset *s, uint16_t type, uint16_t flags, const char *table,
			  const char *set, const struct cidr *c, uint64_t timeout_ms)
{
	size_t klen = c->addr.family == AF_INET ? 4 : 16;
	uint8_t end[16];
	struct nlmsghdr *nlh = msg_get(s, type, flags, table, set, true);
	if (!nlh)
		return -ENOMEM;
	put_elem(nlh, c->addr.a, klen, 0, timeout_ms);
	if (prefix_next(c, end))
		put_elem(nlh, end, klen, NFT_SET_ELEM_INTERVAL_END, 0);
	return 0;
}

int nlset_add(struct nlset *s, const char *table, const char *set, const struct cidr *c,
	      uint64_t timeout_ms, bool excl)
{
	uint16_t flags = NLM_F_CREATE | (excl ? NLM_F_EXCL : 0);
	return queue_interval(s, NFT_MSG_NEWSETELEM, flags, table, set, c, timeout_ms);
}

int nlset_add_range(struct nlset *s, const char *table, const char *set, int family,
		    const uint8_t *lo, const uint8_t *next)
{
	size_t klen = family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = msg_get(s, NFT_MSG_NEWSETELEM, NLM_F_CREATE, table, set, true);
	if (!nlh)
		return -ENOMEM;
	put_elem(nlh, lo, klen, 0, 0);
	if (next)
		put_elem(nlh, next, klen, NFT_SET_ELEM_INTERVAL_END, 0);
	return 0;
}

int nlset_add_key(struct nlset *s, const char *table, const char *set, int family,
		  const uint8_t *key)
{
	struct nlmsghdr *nlh = msg_get(s, NFT_MSG_NEWSETELEM, NLM_F_CREATE, table, set, true);
	if (!nlh)
		return -ENOMEM;
	put_elem(nlh, key, family == AF_INET ? 4 : 16, 0, 0);
	return 0;
}

int nlset_add_host(struct nlset *s, const char *table, const char *set, const struct ipaddr *a,
		   uint64_t timeout_ms, bool excl)
{
	uint16_t flags = NLM_F_CREATE | (excl ? NLM_F_EXCL : 0);
	struct nlmsghdr *nlh = msg_get(s, NFT_MSG_NEWSETELEM, flags, table, set, true);
	if (!nlh)
		return -ENOMEM;
	put_elem(nlh, a->a, a->family == AF_INET ? 4 : 16, 0, timeout_ms);
	return 0;
}

int nlset_del_host(struct nlset *s, const char *table, const char *set, const struct ipaddr *a)
{
	struct nlmsghdr *nlh = msg_get(s, NFT_MSG_DELSETELEM, 0, table, set, true);
	if (!nlh)
		return -ENOMEM;
	put_elem(nlh, a->a, a->family == AF_INET ? 4 : 16, 0, 0);
	return 0;
}

int nlset_del(struct nlset *s, const char *table, const char *set, const struct cidr *c)
{
	return queue_interval(s, NFT_MSG_DELSETELEM, 0, table, set, c, 0);
}

int nlset_flush(struct nlset *s, const char *table, const char *set)
{
	return msg_get(s, NFT_MSG_DELSETELEM, 0, table, set, false) ? 0 : -ENOMEM;
}

/* Collect the first error the kernel queued for us; the batch was
 * processed synchronously inside sendmsg, so everything is there now. */
static int read_errors(struct nlset *s)
{
	char rb[16384];
	int first = 0;
	for (;;) {
		ssize_t r = recv(mnl_socket_get_fd(s->nl), rb, sizeof(rb), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return first ? first : -errno;
		}
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)rb;
		int len = (int)r;
		while (mnl_nlmsg_ok(nlh, len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
				if (e->error && !first)
					first = e->error;
			}
			nlh = mnl_nlmsg_next(nlh, &len);
		}
	}
	return first;
}

int nlset_commit(struct nlset *s)
{
	int rc = 0;
	msg_close(s);
	if (s->oom) {
		rc = -ENOMEM;
		goto out;
	}
	if (s->len == 0)
		goto out;
	if (buf_reserve(s, MNL_NLMSG_HDRLEN + 16) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	nftnl_batch_end(s->buf + s->len, s->seq++);
	s->len += ((struct nlmsghdr *)(s->buf + s->len))->nlmsg_len;
	/* One batch is one skb: the socket's send buffer must hold all of it. */
	int sz = s->len + 4096 > (size_t)INT32_MAX / 2 ? INT32_MAX / 2 : (int)(s->len + 4096);
	if (setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(mnl_socket_get_fd(s->nl), SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (mnl_socket_sendto(s->nl, s->buf, s->len) < 0) {
		rc = -errno;
		goto out;
	}
	rc = read_errors(s);
out:
	s->len = 0;
	s->oom = false;
	s->msg_open = false;
	/* Don't keep a million elements' worth of buffer after a big load. */
	if (s->cap > 4 * 1024 * 1024) {
		free(s->buf);
		s->buf = NULL;
		s->cap = 0;
	}
	return rc;
}

/* ---- reading: dumps for listing (never on the add path) ---- */

struct raw_elem {
	u128 key;
	bool end;
	uint64_t timeout_ms, expires_ms;
};

struct dump_ctx {
	int family;
	struct raw_elem *v;
	size_t n, cap;
	int err;
};

static void key_put(u128 v, int family, struct cidr *c)
{
	size_t klen = family == AF_INET ? 4 : 16;
	memset(c, 0, sizeof(*c));
	c->addr.family = family;
	addr_u128_bytes(v, c->addr.a, klen);
}

static int elem_cb(struct nftnl_set_elem *e, void *data)
{
	struct dump_ctx *d = data;
	uint32_t klen = 0;
	const uint8_t *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	if (!key || (klen != 4 && klen != 16))
		return 0;
	d->family = klen == 4 ? AF_INET : AF_INET6;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct raw_elem *v = realloc(d->v, cap * sizeof(*v));
		if (!v) {
			d->err = -ENOMEM;
			return -1;
		}
		d->v = v;
		d->cap = cap;
	}
	struct raw_elem *r = &d->v[d->n++];
	r->key = addr_bytes_u128(key, klen);
	r->end = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
		 (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) & NFT_SET_ELEM_INTERVAL_END);
	r->timeout_ms = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT)
				? nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT)
				: 0;
	r->expires_ms = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION)
				? nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION)
				: 0;
	return 0;
}

static int dump_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nftnl_set *set = nftnl_set_alloc();
	if (!set) {
		d->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, set) >= 0)
		nftnl_set_elem_foreach(set, elem_cb, d);
	nftnl_set_free(set);
	return d->err ? MNL_CB_ERROR : MNL_CB_OK;
}

static int raw_cmp(const void *a, const void *b)
{
	const struct raw_elem *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (int)y->end - (int)x->end; /* an end before a start at the same key */
}

/* Append the prefixes covering [lo, hi] (inclusive). */
static int range_emit(struct nlset_elem **out, size_t *n, size_t *cap, int family, u128 lo, u128 hi,
		      const struct raw_elem *start)
{
	int bits = family == AF_INET ? 32 : 128;
	for (;;) {
		int k = 0; /* block of 2^k addresses */
		while (k < bits) {
			u128 size = (u128)1 << (k + 1);
			if (k + 1 == bits ? lo != 0 || hi != (u128)-1 >> (128 - bits)
					  : (lo & (size - 1)) != 0 || lo + size - 1 > hi)
				break;
			k++;
		}
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			struct nlset_elem *v = realloc(*out, c * sizeof(*v));
			if (!v)
				return -ENOMEM;
			*out = v;
			*cap = c;
		}
		struct nlset_elem *e = &(*out)[(*n)++];
		key_put(lo, family, &e->prefix);
		e->prefix.len = bits - k;
		e->timeout_ms = start->timeout_ms;
		e->expires_ms = start->expires_ms;
		u128 last = k == 128 ? (u128)-1 : lo + (((u128)1 << k) - 1);
		if (last >= hi)
			return 0;
		lo = last + 1;
	}
}

static int pair_intervals(struct dump_ctx *d, struct nlset_elem **out, size_t *n)
{
	size_t cap = 0;
	int bits = d->family == AF_INET ? 32 : 128;
	u128 max = (u128)-1 >> (128 - bits);
	const struct raw_elem *open = NULL;
	if (d->n)
		qsort(d->v, d->n, sizeof(*d->v), raw_cmp);
	for (size_t i = 0; i < d->n; i++) {
		const struct raw_elem *r = &d->v[i];
		if (!r->end) {
			if (open && range_emit(out, n, &cap, d->family, open->key, r->key - 1, open) < 0)
				return -ENOMEM;
			open = r;
		} else if (open) {
			/* nft's leading "0 end" marker has no start: skipped */
			if (r->key > open->key &&
			    range_emit(out, n, &cap, d->family, open->key, r->key - 1, open) < 0)
				return -ENOMEM;
			open = NULL;
		}
	}
	if (open && range_emit(out, n, &cap, d->family, open->key, max, open) < 0)
		return -ENOMEM;
	return 0;
}

/* Send one request and run its replies through cb until the dump ends. */
static int request(struct nlset *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char rb[65536];
	uint32_t seq = nlh->nlmsg_seq;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t r = mnl_socket_recvfrom(s->nl, rb, sizeof(rb));
		if (r < 0)
			return errno == EINTR ? 0 : -errno;
		int rc = mnl_cb_run(rb, (size_t)r, seq, s->portid, cb, data);
		if (rc < 0)
			return -errno;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

/* A hash set: each element is one address. */
static int singles(struct dump_ctx *d, struct nlset_elem **out, size_t *n)
{
	size_t cap = 0;
	int bits = d->family == AF_INET ? 32 : 128;
	for (size_t i = 0; i < d->n; i++)
		if (range_emit(out, n, &cap, d->family, d->v[i].key, d->v[i].key, &d->v[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		(*out)[i].prefix.len = bits;
	return 0;
}

int nlset_dump(struct nlset *s, const char *table, const char *set, bool interval,
	       struct nlset_elem **out, size_t *n)
{
	char qb[512];
	struct dump_ctx d = {0};
	int rc;
	*out = NULL;
	*n = 0;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(qb, NFT_MSG_GETSETELEM, NFPROTO_INET,
						     NLM_F_DUMP | NLM_F_ACK, s->seq++);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	rc = request(s, nlh, dump_msg_cb, &d);
	if (rc == 0 && d.err)
		rc = d.err;
	if (rc == 0 && d.n)
		rc = interval ? pair_intervals(&d, out, n) : singles(&d, out, n);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	free(d.v);
	return rc;
}

static int table_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();
	if (!t)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) >= 0 && nftnl_table_is_set(t, NFTNL_TABLE_HANDLE))
		*(uint64_t *)data = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int nlset_table_handle(struct nlset *s, const char *table, uint64_t *handle)
{
	char qb[512];
	*handle = 0;
	struct nlmsghdr *nlh =
		nftnl_nlmsg_build_hdr(qb, NFT_MSG_GETTABLE, NFPROTO_INET, NLM_F_ACK, s->seq++);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	int rc = request(s, nlh, table_cb, handle);
	if (rc == 0 && *handle == 0)
		rc = -ENOENT;
	return rc;
}

struct uses_ctx {
	const char *set;
	bool found;
};

static int rule_expr_cb(struct nftnl_expr *e, void *data)
{
	struct uses_ctx *u = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	if (name && strcmp(name, "lookup") == 0 && nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_SET) &&
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET), u->set) == 0)
		u->found = true;
	return 0;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) >= 0)
		(void)nftnl_expr_foreach(r, rule_expr_cb, data);
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int nlset_chain_uses(struct nlset *s, const char *table, const char *chain, const char *set,
		     bool *found)
{
	char qb[512];
	struct uses_ctx u = {set, false};
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(qb, NFT_MSG_GETRULE, NFPROTO_INET,
						     NLM_F_DUMP | NLM_F_ACK, s->seq++);
	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, chain);
	int rc = request(s, nlh, rule_cb, &u);
	*found = rc == 0 && u.found;
	return rc;
}

static int found_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(bool *)data = true;
	return MNL_CB_OK;
}

/* Ask for one named object of table (a GET of msg_type, the table and the
 * name in attributes table_attr and name_attr): absent is *found false. */
static int object_exists(struct nlset *s, uint16_t msg_type, uint16_t table_attr,
			 uint16_t name_attr, const char *table, const char *name, bool *found)
{
	char qb[512];
	*found = false;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(qb, msg_type, NFPROTO_INET, NLM_F_ACK, s->seq++);
	mnl_attr_put_strz(nlh, table_attr, table);
	mnl_attr_put_strz(nlh, name_attr, name);
	int rc = request(s, nlh, found_cb, found);
	return rc == -ENOENT ? 0 : rc;
}

int nlset_chain_exists(struct nlset *s, const char *table, const char *chain, bool *found)
{
	return object_exists(s, NFT_MSG_GETCHAIN, NFTA_CHAIN_TABLE, NFTA_CHAIN_NAME, table, chain,
			     found);
}

int nlset_set_exists(struct nlset *s, const char *table, const char *set, bool *found)
{
	return object_exists(s, NFT_MSG_GETSET, NFTA_SET_TABLE, NFTA_SET_NAME, table, set, found);
}
