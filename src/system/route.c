#include "system/route.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>

/* A route message's headers, IPv4 unless the caller sets rtm_family. */
static struct rtmsg *route_msg(char *buf, int type, unsigned flags, struct nlmsghdr **nlh)
{
	*nlh = mnl_nlmsg_put_header(buf);
	(*nlh)->nlmsg_type = (uint16_t)type;
	(*nlh)->nlmsg_flags = (uint16_t)flags;
	(*nlh)->nlmsg_seq = (uint32_t)time(NULL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(*nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	return rtm;
}

/* Send nlh on a socket of its own and read until its ack (or a dump's
 * end), feeding cb. 0 or -errno. */
static int route_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[32768];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int rc = 0;
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		rc = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, mnl_socket_get_portid(nl), cb, data);
		if (rc < 0) {
			rc = errno ? -errno : -EIO;
			goto out;
		}
		if (rc == MNL_CB_STOP) {
			rc = 0;
			goto out;
		}
	}
out:
	mnl_socket_close(nl);
	return rc;
}

/* --- default routes with a metric, for apply's gateways ------------- */

struct route_vec {
	struct route_default *v;
	size_t n;
	int err;
	int family;
};

static int route_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, RTA_MAX) >= 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int route_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_vec *rv = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != rv->family ||
	    rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || !tb[RTA_OIF])
		return MNL_CB_OK;
	struct route_default *v = realloc(rv->v, (rv->n + 1) * sizeof(*v));
	if (!v) {
		rv->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	rv->v = v;
	struct route_default *r = &v[rv->n++];
	memset(r, 0, sizeof(*r));
	r->ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	r->metric = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	r->protocol = rtm->rtm_protocol;
	size_t alen = rv->family == AF_INET ? 4 : 16;
	if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == alen) {
		r->gw.family = rv->family;
		memcpy(r->gw.a, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
	}
	return MNL_CB_OK;
}

static int route_dump_family(int family, struct route_default **out, size_t *n)
{
	char buf[256];
	struct route_vec rv = {.family = family};
	struct nlmsghdr *nlh;
	route_msg(buf, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, &nlh)->rtm_family =
	    (unsigned char)family;
	int rc = route_talk(nlh, route_dump_cb, &rv);
	if (rv.err)
		rc = rv.err;
	if (rc < 0) {
		free(rv.v);
		return rc;
	}
	*out = rv.v;
	*n = rv.n;
	return 0;
}

int route_default_dump(struct route_default **out, size_t *n)
{
	return route_dump_family(AF_INET, out, n);
}

int route6_default_dump(struct route_default **out, size_t *n)
{
	return route_dump_family(AF_INET6, out, n);
}

/* A default route of family (AF_INET, AF_INET6) through r->ifindex, via
 * r->gw or, with no gateway, a device route (a point-to-point link: a
 * PPPoE session needs no next hop). */
static int route_default_msg(int family, int type, unsigned flags, const struct route_default *r)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm = route_msg(buf, type, NLM_F_REQUEST | NLM_F_ACK | flags, &nlh);
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	if (type == RTM_DELROUTE) {
		rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any scope */
	} else {
		rtm->rtm_protocol = r->protocol ? r->protocol : ROUTE_PROTO_NFTROUTER;
		/* IPv6 has no link scope for routes */
		rtm->rtm_scope = r->gw.family || family == AF_INET6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	}
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->ifindex);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (r->gw.family)
		mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET6 ? 16 : 4, r->gw.a);
	return route_talk(nlh, NULL, NULL);
}

int route_default_set(const struct route_default *r)
{
	if (r->gw.family && r->gw.family != AF_INET)
		return -EINVAL;
	return route_default_msg(AF_INET, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
}

int route_default_remove(const struct route_default *r)
{
	if (r->gw.family && r->gw.family != AF_INET)
		return -EINVAL;
	return route_default_msg(AF_INET, RTM_DELROUTE, 0, r);
}

int route6_default_set(const struct route_default *r)
{
	if (r->gw.family && r->gw.family != AF_INET6)
		return -EINVAL;
	return route_default_msg(AF_INET6, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
}

int route6_default_remove(const struct route_default *r)
{
	if (r->gw.family && r->gw.family != AF_INET6)
		return -EINVAL;
	return route_default_msg(AF_INET6, RTM_DELROUTE, 0, r);
}

/* --- the DHCP client's routes (dhcp-hook) --------------------------- */

struct route4_vec {
	struct route4 *v;
	size_t n;
	int ifindex;
	uint8_t protocol;
	int err;
};

static int route4_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route4_vec *rv = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET ||
	    rtm->rtm_type != RTN_UNICAST || rtm->rtm_protocol != rv->protocol)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	uint32_t table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || !tb[RTA_OIF] ||
	    (int)mnl_attr_get_u32(tb[RTA_OIF]) != rv->ifindex)
		return MNL_CB_OK;
	struct route4 *v = realloc(rv->v, (rv->n + 1) * sizeof(*v));
	if (!v) {
		rv->err = -ENOMEM;
		return MNL_CB_ERROR;
	}
	rv->v = v;
	struct route4 *r = &v[rv->n++];
	memset(r, 0, sizeof(*r));
	r->ifindex = rv->ifindex;
	r->protocol = rtm->rtm_protocol;
	r->metric = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	r->dst.addr.family = AF_INET;
	r->dst.len = rtm->rtm_dst_len;
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == 4)
		memcpy(r->dst.addr.a, mnl_attr_get_payload(tb[RTA_DST]), 4);
	if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == 4) {
		r->gw.family = AF_INET;
		memcpy(r->gw.a, mnl_attr_get_payload(tb[RTA_GATEWAY]), 4);
	}
	return MNL_CB_OK;
}

int route4_dump(int ifindex, uint8_t protocol, struct route4 **out, size_t *n)
{
	char buf[256];
	struct route4_vec rv = {NULL, 0, ifindex, protocol, 0};
	struct nlmsghdr *nlh;
	route_msg(buf, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, &nlh);
	int rc = route_talk(nlh, route4_dump_cb, &rv);
	if (rv.err)
		rc = rv.err;
	if (rc < 0) {
		free(rv.v);
		return rc;
	}
	*out = rv.v;
	*n = rv.n;
	return 0;
}

static int route4_msg(int type, unsigned flags, const struct route4 *r)
{
	char buf[512];
	struct nlmsghdr *nlh;
	if (r->dst.addr.family != AF_INET || (r->gw.family && r->gw.family != AF_INET))
		return -EINVAL;
	struct rtmsg *rtm = route_msg(buf, type, NLM_F_REQUEST | NLM_F_ACK | flags, &nlh);
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_dst_len = (unsigned char)r->dst.len;
	rtm->rtm_protocol = r->protocol;
	/* On-link routes are link scope: that is what makes a gateway behind
	 * them reachable for the routes installed after them. */
	rtm->rtm_scope = type == RTM_DELROUTE ? RT_SCOPE_NOWHERE
			 : r->gw.family	      ? RT_SCOPE_UNIVERSE
					      : RT_SCOPE_LINK;
	if (r->dst.len)
		mnl_attr_put(nlh, RTA_DST, 4, r->dst.addr.a);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)r->ifindex);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (r->gw.family)
		mnl_attr_put(nlh, RTA_GATEWAY, 4, r->gw.a);
	return route_talk(nlh, NULL, NULL);
}

int route4_set(const struct route4 *r)
{
	return route4_msg(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r);
}

int route4_del(const struct route4 *r)
{
	return route4_msg(RTM_DELROUTE, 0, r);
}

bool route4_same(const struct route4 *a, const struct route4 *b)
{
	return a->ifindex == b->ifindex && a->metric == b->metric && a->dst.len == b->dst.len &&
	       addr_equal(&a->dst.addr, &b->dst.addr) && a->gw.family == b->gw.family &&
	       (!a->gw.family || addr_equal(&a->gw, &b->gw));
}

int route_default_move(int ifindex, uint32_t from, uint32_t to, size_t *moved)
{
	struct route_default *v = NULL;
	size_t n = 0;
	int rc = route_default_dump(&v, &n);
	*moved = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (v[i].ifindex != ifindex || v[i].metric != from)
			continue;
		struct route_default r = v[i];
		r.metric = to;
		/* The new one first: the port's WAN never has no route. */
		if ((rc = route_default_set(&r)) == 0 && (rc = route_default_remove(&v[i])) == 0)
			(*moved)++;
	}
	free(v);
	return rc;
}

int route6_unreachable(const struct cidr *prefix, bool add)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct cidr net;
	if (prefix->addr.family != AF_INET6)
		return -EINVAL;
	cidr_network(prefix, &net);
	struct rtmsg *rtm =
	    route_msg(buf, add ? RTM_NEWROUTE : RTM_DELROUTE,
		      NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0), &nlh);
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = (unsigned char)net.len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNREACHABLE;
	rtm->rtm_protocol = ROUTE_PROTO_NFTROUTER;
	rtm->rtm_scope = add ? RT_SCOPE_UNIVERSE : RT_SCOPE_NOWHERE;
	mnl_attr_put(nlh, RTA_DST, 16, net.addr.a);
	return route_talk(nlh, NULL, NULL);
}
