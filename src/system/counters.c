/* Named counters over nfnetlink. See counters.h. */
#include "system/counters.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <libnftnl/object.h>
#include <libnftnl/set.h>
#include <net/if.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render/render.h"
#include "system/sysstats.h"

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

/* Send one dump request on a fresh socket and run cb over the answer.
 * An absent table or set is an empty answer (0), not an error. */
static int nl_dump(struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const int *err)
{
	char buf[65536];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	uint32_t seq = nlh->nlmsg_seq, portid;
	int rc = 0;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
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
		int cr = mnl_cb_run(buf, (size_t)r, seq, portid, cb, data);
		if (cr < 0) {
			rc = errno == ENOENT ? 0 : (*err ? *err : -errno);
			break;
		}
		if (cr == MNL_CB_STOP)
			break;
	}
out:
	if (nl)
		mnl_socket_close(nl);
	return rc;
}

int counters_read(const char *table, struct counter_list *out)
{
	char buf[512];
	struct ctx x = {table, out, 0};
	out->v = NULL;
	out->n = 0;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
						     NLM_F_DUMP | NLM_F_ACK, (uint32_t)time(NULL));
	mnl_attr_put_strz(nlh, NFTA_OBJ_TABLE, table);
	mnl_attr_put_u32(nlh, NFTA_OBJ_TYPE, htonl(NFT_OBJECT_COUNTER));
	int rc = nl_dump(nlh, obj_cb, &x, &x.err);
	if (rc == 0 && out->n)
		qsort(out->v, out->n, sizeof(*out->v), counter_cmp);
	if (rc < 0)
		counter_list_free(out);
	return rc;
}

/* --- zone traffic from the interfaces' own statistics ------------------ */

struct ports_ctx {
	char (*v)[IFNAMSIZ];
	size_t n;
	int err;
};

static int port_cb(struct nftnl_set_elem *e, void *data)
{
	struct ports_ctx *p = data;
	uint32_t len = 0;
	const char *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	char(*v)[IFNAMSIZ] = realloc(p->v, (p->n + 1) * sizeof(*v));
	if (!v) {
		p->err = -ENOMEM;
		return -1;
	}
	p->v = v;
	memset(v[p->n], 0, IFNAMSIZ);
	if (key)
		memcpy(v[p->n], key, len < IFNAMSIZ - 1 ? len : IFNAMSIZ - 1);
	p->n++;
	return 0;
}

static int ports_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ports_ctx *p = data;
	struct nftnl_set *s = nftnl_set_alloc();
	if (!s) {
		p->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, s) >= 0)
		nftnl_set_elem_foreach(s, port_cb, p);
	nftnl_set_free(s);
	return p->err ? MNL_CB_ERROR : MNL_CB_OK;
}

/* The interface names of set zone_ZONE (the zone's ports, as applied). */
static int zone_ports(const char *table, const char *zone, struct ports_ctx *p)
{
	char buf[512], set[80];
	snprintf(set, sizeof(set), "zone_%s", zone);
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
						     NLM_F_DUMP | NLM_F_ACK, (uint32_t)time(NULL));
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return nl_dump(nlh, ports_msg_cb, p, &p->err);
}

/* Sum the statistics of the links named in p into c (rx for ingress). */
static void zone_sum(struct counter *c, const struct ports_ctx *p, const struct link_stats *st,
		     size_t n_st, bool ingress)
{
	c->packets = c->bytes = 0;
	for (size_t k = 0; k < n_st; k++)
		for (size_t j = 0; j < p->n; j++)
			if (strcmp(st[k].name, p->v[j]) == 0) {
				c->packets += ingress ? st[k].rx_packets : st[k].tx_packets;
				c->bytes += ingress ? st[k].rx_bytes : st[k].tx_bytes;
			}
}

int zone_traffic_read(const char *table, struct counter_list *out)
{
	struct link_stats *st = NULL;
	size_t n_st = 0;
	int rc = counters_read(table, out);
	if (rc < 0 || !out->n)
		return rc;
	if ((rc = link_stats_dump(&st, &n_st)) < 0)
		goto out;
	for (size_t i = 0; i < out->n && rc == 0; i++) {
		struct counter *c = &out->v[i];
		const char *dash = strrchr(c->name, '-');
		char zone[64];
		if (!dash)
			continue;
		snprintf(zone, sizeof(zone), "%.*s", (int)(dash - c->name), c->name);
		struct ports_ctx p = {0};
		rc = zone_ports(table, zone, &p);
		if (rc == 0)
			zone_sum(c, &p, st, n_st, strcmp(dash + 1, "ingress") == 0);
		free(p.v);
	}
out:
	free(st);
	if (rc < 0)
		counter_list_free(out);
	return rc;
}

struct counter_value *counter_list_values(const struct counter_list *l)
{
	struct counter_value *v = l->n ? calloc(l->n, sizeof(*v)) : NULL;
	for (size_t i = 0; v && i < l->n; i++)
		v[i] = (struct counter_value){l->v[i].name, l->v[i].packets, l->v[i].bytes};
	return v;
}
