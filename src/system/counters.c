/* Named counters over nfnetlink. See counters.h. */
#include "system/counters.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/render.h"

void counter_list_free(struct counter_list *l)
{
	if (!l)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

struct ctx {
	const char *table;
	struct counter_list *l;
	int err;
};

static int obj_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ctx *x = data;
	struct nftnl_obj *o = nftnl_obj_alloc();
	if (!o) {
		x->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_obj_nlmsg_parse(nlh, o) < 0 ||
	    nftnl_obj_get_u32(o, NFTNL_OBJ_TYPE) != NFT_OBJECT_COUNTER ||
	    strcmp(nftnl_obj_get_str(o, NFTNL_OBJ_TABLE), x->table) != 0)
		goto out;
	struct counter *v = realloc(x->l->v, (x->l->n + 1) * sizeof(*v));
	if (!v) {
		x->err = -ENOMEM;
		nftnl_obj_free(o);
		return MNL_CB_ERROR;
	}
	x->l->v = v;
	struct counter *c = &v[x->l->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", nftnl_obj_get_str(o, NFTNL_OBJ_NAME));
	c->packets = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
	c->bytes = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
out:
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

static int counter_cmp(const void *a, const void *b)
{
	return strcmp(((const struct counter *)a)->name, ((const struct counter *)b)->name);
}

int counters_read(const char *table, struct counter_list *out)
{
	char buf[65536];
	struct ctx x = {table, out, 0};
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	uint32_t seq = (uint32_t)time(NULL), portid;
	int rc = 0;
	out->v = NULL;
	out->n = 0;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *nlh =
		nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET, NLM_F_DUMP | NLM_F_ACK, seq);
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, table);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (r < 0) {
			rc = -errno;
			break;
		}
		int cr = mnl_cb_run(buf, (size_t)r, seq, portid, obj_cb, &x);
		if (cr < 0) {
			/* an absent table is an empty list, not an error */
			rc = errno == ENOENT ? 0 : (x.err ? x.err : -errno);
			break;
		}
		if (cr == MNL_CB_STOP)
			break;
	}
	if (rc == 0 && out->n)
		qsort(out->v, out->n, sizeof(*out->v), counter_cmp);
out:
	if (rc < 0)
		counter_list_free(out);
	if (nl)
		mnl_socket_close(nl);
	return rc;
}

struct counter_value *counter_list_values(const struct counter_list *l)
{
	struct counter_value *v = l->n ? calloc(l->n, sizeof(*v)) : NULL;
	for (size_t i = 0; v && i < l->n; i++)
		v[i] = (struct counter_value){l->v[i].name, l->v[i].packets, l->v[i].bytes};
	return v;
}
