/* Link events over rtnetlink (RTMGRP_LINK), for the daemon: the socket
 * and its messages stay here, where the kernel is spoken to; the daemon
 * sees an fd to watch and (ifindex, gone) pairs. */
#include "system/link.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>

#include <libmnl/libmnl.h>

struct link_events {
	struct mnl_socket *nl;
};

struct link_events *link_events_open(void)
{
	struct link_events *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!e->nl || mnl_socket_bind(e->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno;
		link_events_close(e);
		errno = err;
		return NULL;
	}
	return e;
}

int link_events_fd(const struct link_events *e)
{
	return mnl_socket_get_fd(e->nl);
}

void link_events_close(struct link_events *e)
{
	if (!e)
		return;
	if (e->nl)
		mnl_socket_close(e->nl);
	free(e);
}

struct event_ctx {
	link_event_fn *fn;
	void *data;
};

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_MAX) >= 0)
		tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct event_ctx *c = data;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	mnl_attr_parse(nlh, sizeof(*ifi), event_attr_cb, tb);
	/* As link_parse reads it: IFLA_CARRIER, else the flags. */
	bool carrier = tb[IFLA_CARRIER] ? mnl_attr_get_u8(tb[IFLA_CARRIER]) != 0
					: (ifi->ifi_flags & IFF_LOWER_UP) != 0;
	c->fn(ifi->ifi_index, nlh->nlmsg_type == RTM_DELLINK, carrier, c->data);
	return MNL_CB_OK;
}

int link_events_read(struct link_events *e, link_event_fn *fn, void *data)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct event_ctx c = {fn, data};
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(e->nl, buf, sizeof(buf));
		if (n < 0 && errno == ENOBUFS)
			return -ENOBUFS;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
		if (n == 0)
			return 0;
		mnl_cb_run(buf, (size_t)n, 0, 0, event_cb, &c);
	}
}
