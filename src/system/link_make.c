/* Links apply makes (a VLAN, a bridge, a WireGuard link), a bridge's ports, and removing a
 * link again: its undo. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/link_int.h"

/* The index of the link called name, which a request just made. */
static int link_index_of(struct link_sock *s, const char *name, int *ifindex)
{
	struct link_info *links;
	size_t n;
	int rc = link_dump(s, &links, &n);
	if (rc < 0)
		return rc;
	rc = -ENODEV;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(links[i].name, name) == 0) {
			*ifindex = links[i].ifindex;
			rc = 0;
		}
	}
	free(links);
	return rc;
}

/* The new link's index is found by its name: created with NLM_F_EXCL
 * under a name no other link has, so the name is unambiguous. */
int link_vlan_add(struct link_sock *s, const char *name, int parent, uint16_t id, int *ifindex)
{
	if (s->be)
		return s->be->vlan_add ? s->be->vlan_add(s->be_data, name, parent, id, ifindex)
				       : -EOPNOTSUPP;
	char buf[LINK_REQ_BUF];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)parent);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, id);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	int rc = link_talk(s, nlh, NULL, NULL);
	return rc < 0 ? rc : link_index_of(s, name, ifindex);
}

int link_bridge_add(struct link_sock *s, const char *name, int *ifindex)
{
	if (s->be)
		return s->be->bridge_add ? s->be->bridge_add(s->be_data, name, ifindex)
					 : -EOPNOTSUPP;
	char buf[LINK_REQ_BUF];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* The kernel's default, said outright: this bridge never opts in to
	 * br_netfilter (the namespace's sysctl is the other half). */
	mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IPTABLES, 0);
	mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_IP6TABLES, 0);
	mnl_attr_put_u8(nlh, IFLA_BR_NF_CALL_ARPTABLES, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	int rc = link_talk(s, nlh, NULL, NULL);
	return rc < 0 ? rc : link_index_of(s, name, ifindex);
}

int link_wireguard_add(struct link_sock *s, const char *name, int *ifindex)
{
	if (s->be)
		return s->be->wg_add ? s->be->wg_add(s->be_data, name, ifindex) : -EOPNOTSUPP;
	char buf[LINK_REQ_BUF];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "wireguard");
	mnl_attr_nest_end(nlh, info);
	int rc = link_talk(s, nlh, NULL, NULL);
	return rc < 0 ? rc : link_index_of(s, name, ifindex);
}

int link_set_master(struct link_sock *s, int ifindex, int master)
{
	if (s->be)
		return s->be->set_master ? s->be->set_master(s->be_data, ifindex, master)
					 : -EOPNOTSUPP;
	char buf[LINK_REQ_BUF];
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, ifindex, NULL);
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return link_talk(s, nlh, NULL, NULL);
}

int link_del(struct link_sock *s, int ifindex)
{
	if (s->be)
		return s->be->link_del ? s->be->link_del(s->be_data, ifindex) : -EOPNOTSUPP;
	char buf[LINK_REQ_BUF];
	return link_talk(s, link_req(buf, RTM_DELLINK, 0, ifindex, NULL), NULL, NULL);
}
