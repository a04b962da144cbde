/* Link counters over rtnetlink and conntrack usage from /proc. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "system/sysstats.h"

struct stats_vec {
	struct link_stats *v;
	size_t n, cap;
	int err;
};

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_vec *sv = data;
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	mnl_attr_parse(nlh, sizeof(*ifi), stats_attr_cb, tb);
	if (!tb[IFLA_STATS64] ||
	    mnl_attr_get_payload_len(tb[IFLA_STATS64]) < sizeof(struct rtnl_link_stats64))
		return MNL_CB_OK;
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 16;
		struct link_stats *v = realloc(sv->v, cap * sizeof(*v));
		if (!v) {
			sv->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		sv->v = v;
		sv->cap = cap;
	}
	struct rtnl_link_stats64 st;
	memcpy(&st, mnl_attr_get_payload(tb[IFLA_STATS64]), sizeof(st));
	sv->v[sv->n++] = (struct link_stats){.ifindex = ifi->ifi_index,
					     .rx_packets = st.rx_packets,
					     .rx_bytes = st.rx_bytes,
					     .tx_packets = st.tx_packets,
					     .tx_bytes = st.tx_bytes,
					     .rx_dropped = st.rx_dropped,
					     .tx_dropped = st.tx_dropped};
	if (tb[IFLA_IFNAME])
		snprintf(sv->v[sv->n - 1].name, sizeof(sv->v[0].name), "%s",
			 mnl_attr_get_str(tb[IFLA_IFNAME]));
	return MNL_CB_OK;
}

static int stats_talk(struct mnl_socket *nl, struct stats_vec *sv)
{
	char buf[16384]; /* a dump message with stats fits, as link.c's */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	struct rtgenmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	uint32_t seq = nlh->nlmsg_seq, portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		int rc = mnl_cb_run(buf, (size_t)len, seq, portid, stats_cb, sv);
		if (rc < 0)
			return sv->err ? sv->err : errno ? -errno : -EIO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

int link_stats_dump(struct link_stats **out, size_t *n)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	struct stats_vec sv = {0};
	int rc;
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		rc = -errno;
	else
		rc = stats_talk(nl, &sv);
	mnl_socket_close(nl);
	if (rc < 0) {
		free(sv.v);
		return rc;
	}
	*out = sv.v;
	*n = sv.n;
	return 0;
}

static int read_u64(const char *path, uint64_t *out)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	int ok = fscanf(f, "%" SCNu64, out) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

int conntrack_usage(uint64_t *entries, uint64_t *limit)
{
	int rc = read_u64("/proc/sys/net/netfilter/nf_conntrack_count", entries);
	return rc < 0 ? rc : read_u64("/proc/sys/net/netfilter/nf_conntrack_max", limit);
}
