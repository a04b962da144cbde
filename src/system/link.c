/* Ports over rtnetlink with libmnl. One request at a time, each acked, so
 * an error names the change that failed. */
#include "system/link.h"
#include "system/ipv6.h"
#include "system/link_int.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


struct link_sock *link_sock_backend(const struct link_backend *b, void *data)
{
	struct link_sock *s = calloc(1, sizeof(*s));
	if (s) {
		s->be = b;
		s->be_data = data;
	}
	return s;
}

int link_route_dump(struct link_sock *s, int family, struct route_default **out, size_t *n)
{
	if (s->be)
		return s->be->route_dump(s->be_data, family, out, n);
	return family == AF_INET6 ? route6_default_dump(out, n) : route_default_dump(out, n);
}

int link_route_set(struct link_sock *s, int family, const struct route_default *r)
{
	if (s->be)
		return s->be->route_set(s->be_data, family, r);
	return family == AF_INET6 ? route6_default_set(r) : route_default_set(r);
}

int link_route_remove(struct link_sock *s, int family, const struct route_default *r)
{
	if (s->be)
		return s->be->route_remove(s->be_data, family, r);
	return family == AF_INET6 ? route6_default_remove(r) : route_default_remove(r);
}

struct link_sock *link_sock_open(void)
{
	struct link_sock *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		link_sock_close(s);
		errno = e;
		return NULL;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (unsigned int)time(NULL);
	return s;
}

void link_sock_close(struct link_sock *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s);
}

/* Send one request and read until its ack/done, feeding data to cb. Every
 * request must therefore be a dump (ends with NLMSG_DONE) or carry
 * NLM_F_ACK (ends with the ack, after the reply if there is one). */
int link_talk(struct link_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[LINK_RECV_BUF];
	nlh->nlmsg_seq = ++s->seq;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(s->nl, buf, sizeof(buf));
		if (len < 0)
			return -errno;
		int rc = mnl_cb_run(buf, (size_t)len, s->seq, s->portid, cb, data);
		if (rc < 0)
			return errno ? -errno : -EIO;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

static void link_read_pci(struct link_info *l)
{
	char path[64], target[256];
	l->pci[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", l->name);
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return;
	target[n] = '\0';
	const char *base = strrchr(target, '/');
	base = base ? base + 1 : target;
	/* Only a PCI function looks like DDDD:BB:DD.F; virtio and USB devices differ. */
	if (strlen(base) == 12 && base[4] == ':' && base[7] == ':' && base[10] == '.')
		memcpy(l->pci, base, 13);
}

static int link_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);
	if (mnl_attr_type_valid(attr, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = attr;
	return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

static void link_parse_kind(const struct nlattr *info, struct link_info *l)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = {0};
	if (mnl_attr_parse_nested(info, linkinfo_attr_cb, tb) < 0 || !tb[IFLA_INFO_KIND])
		return;
	snprintf(l->kind, sizeof(l->kind), "%.*s",
		 (int)strnlen(mnl_attr_get_payload(tb[IFLA_INFO_KIND]),
			      mnl_attr_get_payload_len(tb[IFLA_INFO_KIND])),
		 (const char *)mnl_attr_get_payload(tb[IFLA_INFO_KIND]));
}

static void link_parse(const struct nlmsghdr *nlh, struct link_info *l)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	memset(l, 0, sizeof(*l));
	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb);
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		l->has_mac = true;
	}
	if (tb[IFLA_MTU])
		l->mtu = (int)mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_OPERSTATE])
		l->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO])
		link_parse_kind(tb[IFLA_LINKINFO], l);
	l->carrier = tb[IFLA_CARRIER] ? mnl_attr_get_u8(tb[IFLA_CARRIER]) != 0
				      : (l->flags & IFF_LOWER_UP) != 0;
	link_read_pci(l);
}

struct link_vec {
	struct link_info *v;
	size_t n, cap;
	int err;
};

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_vec *lv = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (lv->n == lv->cap) {
		size_t cap = lv->cap ? lv->cap * 2 : 16;
		struct link_info *v = realloc(lv->v, cap * sizeof(*v));
		if (!v) {
			lv->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		lv->v = v;
		lv->cap = cap;
	}
	link_parse(nlh, &lv->v[lv->n++]);
	return MNL_CB_OK;
}

int link_dump(struct link_sock *s, struct link_info **out, size_t *n)
{
	if (s->be)
		return s->be->dump(s->be_data, out, n);
	char buf[LINK_REQ_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct rtgenmsg *rt = mnl_nlmsg_put_extra_header(nlh, sizeof(*rt));
	rt->rtgen_family = AF_UNSPEC;
	struct link_vec lv = {0};
	int rc = link_talk(s, nlh, link_dump_cb, &lv);
	if (lv.err)
		rc = lv.err;
	if (rc < 0) {
		free(lv.v);
		return rc;
	}
	*out = lv.v;
	*n = lv.n;
	return 0;
}

struct nlmsghdr *link_req(char *buf, uint16_t type, uint16_t flags, int ifindex,
			  struct ifinfomsg **ifm)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	struct ifinfomsg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->ifi_family = AF_UNSPEC;
	m->ifi_index = ifindex;
	if (ifm)
		*ifm = m;
	return nlh;
}

static int link_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		link_parse(nlh, data);
	return MNL_CB_OK;
}

int link_get(struct link_sock *s, int ifindex, struct link_info *out)
{
	char buf[LINK_REQ_BUF];
	/* Without the ack flag the one reply is all that comes, and
	 * link_talk would wait in recvmsg for an ack forever. */
	struct nlmsghdr *nlh = link_req(buf, RTM_GETLINK, 0, ifindex, NULL);
	memset(out, 0, sizeof(*out));
	int rc = link_talk(s, nlh, link_get_cb, out);
	if (rc == 0 && out->ifindex != ifindex)
		rc = -ENODEV;
	return rc;
}

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(attr, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(attr)] = attr;
	return MNL_CB_OK;
}

struct addr_vec {
	struct link_addr *v;
	size_t n, cap;
	int family;
	int err;
};

static int addr_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_vec *av = data;
	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != av->family)
		return MNL_CB_OK;
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	/* IFA_LOCAL is the address itself on point-to-point links too. */
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	size_t alen = ifa->ifa_family == AF_INET ? 4 : 16;
	if (!a || mnl_attr_get_payload_len(a) != alen)
		return MNL_CB_OK;
	if (av->n == av->cap) {
		size_t cap = av->cap ? av->cap * 2 : 16;
		struct link_addr *v = realloc(av->v, cap * sizeof(*v));
		if (!v) {
			av->err = -ENOMEM;
			return MNL_CB_ERROR;
		}
		av->v = v;
		av->cap = cap;
	}
	struct link_addr *la = &av->v[av->n++];
	memset(la, 0, sizeof(*la));
	la->ifindex = (int)ifa->ifa_index;
	la->addr.addr.family = ifa->ifa_family;
	memcpy(la->addr.addr.a, mnl_attr_get_payload(a), alen);
	la->addr.len = ifa->ifa_prefixlen;
	la->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	return MNL_CB_OK;
}

int link_addr_dump(struct link_sock *s, int family, struct link_addr **out, size_t *n)
{
	if (s->be)
		return s->be->addr_dump(s->be_data, family, out, n);
	char buf[LINK_REQ_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	struct addr_vec av = {.family = family};
	int rc = link_talk(s, nlh, addr_dump_cb, &av);
	if (av.err)
		rc = av.err;
	if (rc < 0) {
		free(av.v);
		return rc;
	}
	*out = av.v;
	*n = av.n;
	return 0;
}

bool link_matches(const struct iface *p, const struct link_info *l)
{
	switch (p->match) {
	/* A bridge or VLAN link carries a port's MAC (a bridge takes its
	 * lowest member's): it is never the port a MAC names. */
	case MATCH_MAC:
		return l->has_mac && memcmp(l->mac, p->match_mac, 6) == 0 &&
		       strcmp(l->kind, "bridge") != 0 && strcmp(l->kind, "vlan") != 0;
	case MATCH_NAME: return strcmp(l->name, p->match_name) == 0;
	case MATCH_PCI: return l->pci[0] && strcmp(l->pci, p->match_pci) == 0;
	}
	return false;
}

const struct iface *link_find_port(const struct router *r, const struct link_info *l)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (link_matches(&r->ifaces[i], l))
			return &r->ifaces[i];
	/* A name-matched port renamed by an earlier apply no longer has its match name. */
	for (size_t i = 0; i < r->n_ifaces; i++)
		if (r->ifaces[i].match == MATCH_NAME && strcmp(l->name, r->ifaces[i].name) == 0)
			return &r->ifaces[i];
	return NULL;
}

static const char *match_desc(const struct iface *p, char *buf, size_t size)
{
	switch (p->match) {
	case MATCH_MAC: {
		char mac[18];
		mac_format(p->match_mac, mac);
		snprintf(buf, size, "mac %s", mac);
		break;
	}
	case MATCH_NAME: snprintf(buf, size, "name %s", p->match_name); break;
	case MATCH_PCI: snprintf(buf, size, "pci %s", p->match_pci); break;
	}
	return buf;
}

/* Which link a port is on: its match, or, for a name match applied
 * before, the link that already carries the configured name (and no
 * other link carries the match name). */
static int port_find(const struct iface *p, const struct link_info *links, size_t n, int *found,
		     struct diags *d)
{
	char desc[64];
	int hit = -1;
	for (size_t j = 0; j < n; j++) {
		if (!link_matches(p, &links[j]))
			continue;
		if (hit >= 0) {
			diag_error(d, p->pos, "interface '%s': %s matches two links, '%s' and '%s'",
				   p->name, match_desc(p, desc, sizeof(desc)), links[hit].name,
				   links[j].name);
			return -EINVAL;
		}
		hit = (int)j;
	}
	if (hit < 0 && p->match == MATCH_NAME)
		for (size_t j = 0; j < n; j++)
			if (strcmp(links[j].name, p->name) == 0)
				hit = (int)j;
	*found = hit;
	return 0;
}

int link_match_ports(const struct router *r, const struct link_info *links, size_t n_links,
		     int *port_link, struct diags *d)
{
	int rc = 0;
	char desc[64];
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *p = &r->ifaces[i];
		int hit = -1;
		int e = port_find(p, links, n_links, &hit, d);
		if (e < 0) {
			rc = rc ? rc : e;
			hit = -1;
		}
		port_link[i] = hit;
		for (size_t k = 0; hit >= 0 && k < i; k++) {
			if (port_link[k] == hit) {
				diag_error(d, p->pos, "interfaces '%s' and '%s' both match link '%s'",
					   r->ifaces[k].name, p->name, links[hit].name);
				rc = rc ? rc : -EINVAL;
			}
		}
		/* An absent VLAN is made by apply on its parent's link (whose
		 * own absence is the parent's error); an absent bridge or WireGuard
		 * port by apply. */
		if (e == 0 && hit < 0 && !p->optional && !p->vlan_parent && !p->bridge_node &&
		    !p->wg) {
			diag_error(d, p->pos,
				   "interface '%s': no link matches %s (not optional; nothing changed)",
				   p->name, match_desc(p, desc, sizeof(desc)));
			if (!rc)
				rc = -ENODEV;
		}
	}
	return rc;
}

static int link_change(struct link_sock *s, int ifindex, unsigned flags, unsigned change,
		       const char *name, int mtu)
{
	char buf[LINK_REQ_BUF];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_req(buf, RTM_NEWLINK, 0, ifindex, &ifm);
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu > 0)
		mnl_attr_put_u32(nlh, IFLA_MTU, (uint32_t)mtu);
	return link_talk(s, nlh, NULL, NULL);
}

int link_set_name(struct link_sock *s, int ifindex, const char *name)
{
	if (s->be)
		return s->be->set_name(s->be_data, ifindex, name);
	return link_change(s, ifindex, 0, 0, name, 0);
}

int link_set_mtu(struct link_sock *s, int ifindex, int mtu)
{
	if (s->be)
		return s->be->set_mtu(s->be_data, ifindex, mtu);
	return link_change(s, ifindex, 0, 0, NULL, mtu);
}

int link_set_up(struct link_sock *s, int ifindex, bool up)
{
	if (s->be)
		return s->be->set_up(s->be_data, ifindex, up);
	return link_change(s, ifindex, up ? IFF_UP : 0, IFF_UP, NULL, 0);
}


static int port_sync_family(struct link_sock *s, const struct iface *p, int ifindex, int family,
			    const struct cidr *want, size_t n_want, struct diags *d);

static int link_addr_msg_life(struct link_sock *s, int type, unsigned flags, int ifindex,
			      const struct cidr *a, const struct ifa_cacheinfo *life)
{
	char buf[LINK_REQ_BUF];
	size_t alen = a->addr.family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)a->addr.family;
	ifa->ifa_prefixlen = (unsigned char)a->len;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, a->addr.a);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->addr.a);
	if (a->addr.family == AF_INET && type == RTM_NEWADDR && a->len < 31) {
		/* The broadcast address `ip addr add ... brd +` would set. */
		uint8_t brd[4];
		uint32_t host = a->len ? 0xffffffffu >> a->len : 0xffffffffu;
		for (int i = 0; i < 4; i++)
			brd[i] = a->addr.a[i] | (uint8_t)(host >> (24 - 8 * i));
		mnl_attr_put(nlh, IFA_BROADCAST, 4, brd);
	}
	if (life)
		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(*life), life);
	return link_talk(s, nlh, NULL, NULL);
}

static int link_addr_msg(struct link_sock *s, int type, unsigned flags, int ifindex,
			 const struct cidr *a)
{
	return link_addr_msg_life(s, type, flags, ifindex, a, NULL);
}

int link_addr_set_life(struct link_sock *s, int ifindex, const struct cidr *a, uint32_t valid,
		       uint32_t preferred)
{
	struct ifa_cacheinfo ci = {.ifa_prefered = preferred, .ifa_valid = valid};
	return link_addr_msg_life(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, ifindex, a, &ci);
}

int link_port_sync6(struct link_sock *s, const struct iface *p, int ifindex,
		    const struct cidr *want, size_t n_want, struct diags *d)
{
	return port_sync_family(s, p, ifindex, AF_INET6, want, n_want, d);
}

int link_addr_add(struct link_sock *s, int ifindex, const struct cidr *a)
{
	if (s->be)
		return s->be->addr_add(s->be_data, ifindex, a);
	return link_addr_msg(s, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, ifindex, a);
}

int link_addr_del(struct link_sock *s, int ifindex, const struct cidr *a)
{
	if (s->be)
		return s->be->addr_del(s->be_data, ifindex, a);
	return link_addr_msg(s, RTM_DELADDR, 0, ifindex, a);
}

bool link_addr6_managed(const struct link_addr *a)
{
	const uint8_t *b = a->addr.addr.a;
	return a->addr.addr.family == AF_INET6 && (a->flags & IFA_F_PERMANENT) &&
	       !(b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

/* want[0..n_want) on the port, and no other address of family that
 * counts as ours (IPv4: every address; IPv6: link_addr6_managed). */
static int port_sync_family(struct link_sock *s, const struct iface *p, int ifindex, int family,
			    const struct cidr *want, size_t n_want, struct diags *d)
{
	struct link_addr *have = NULL;
	size_t n = 0;
	char txt[ADDR_STRLEN];
	int rc = 0;
	if ((rc = link_addr_dump(s, family, &have, &n)) < 0) {
		diag_error(d, p->pos, "interface '%s': reading addresses: %s", p->name,
			   strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		bool wanted = false;
		if (have[i].ifindex != ifindex ||
		    (family == AF_INET6 && !link_addr6_managed(&have[i])))
			continue;
		for (size_t j = 0; j < n_want; j++)
			wanted |= want[j].len == have[i].addr.len &&
				  addr_equal(&want[j].addr, &have[i].addr.addr);
		if (!wanted && (rc = link_addr_del(s, ifindex, &have[i].addr)) < 0) {
			cidr_format(&have[i].addr, txt, sizeof(txt));
			diag_error(d, p->pos, "interface '%s': removing %s: %s", p->name, txt,
				   strerror(-rc));
		}
	}
	for (size_t i = 0; i < n_want && rc == 0; i++) {
		bool present = false;
		for (size_t j = 0; j < n; j++)
			present |= have[j].ifindex == ifindex && have[j].addr.len == want[i].len &&
				   addr_equal(&have[j].addr.addr, &want[i].addr);
		if (!present && (rc = link_addr_add(s, ifindex, &want[i])) < 0) {
			cidr_format(&want[i], txt, sizeof(txt));
			diag_error(d, p->pos, "interface '%s': adding %s: %s", p->name, txt,
				   strerror(-rc));
		}
	}
	free(have);
	return rc;
}

static int port_sync_addrs(struct link_sock *s, const struct iface *p, int ifindex,
			   const struct router *r, const struct ipv6_live *lv, struct diags *d)
{
	struct cidr want6[MAX_PORT_ADDRS6];
	size_t n6 = ipv6_port_addrs(r, p, lv, want6, MAX_PORT_ADDRS6);
	int rc = 0;
	if (p->ipv4 != IPV4_DHCP)
		rc = port_sync_family(s, p, ifindex, AF_INET, p->addrs, p->n_addrs, d);
	if (rc == 0)
		rc = port_sync_family(s, p, ifindex, AF_INET6, want6, n6, d);
	return rc;
}

/* The name change of link_port_configure: refused when another link
 * holds the name, since renaming it away is not this port's business. */
static int port_rename(struct link_sock *s, const struct iface *p, const struct link_info *l,
		       struct diags *d)
{
	struct link_info *links = NULL;
	size_t n = 0;
	int rc = link_dump(s, &links, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		if (links[i].ifindex != l->ifindex && strcmp(links[i].name, p->name) == 0) {
			diag_error(d, p->pos,
				   "interface '%s': the name is taken by another link (index %d)",
				   p->name, links[i].ifindex);
			free(links);
			return -EEXIST;
		}
	}
	free(links);
	if (rc == 0 && (rc = link_set_up(s, l->ifindex, false)) == 0)
		rc = link_set_name(s, l->ifindex, p->name);
	return rc;
}

/* A bridge member that appears after apply joins its bridge, which apply
 * made (by name: it is the bridge port's configured name). */
static int port_join_bridge(struct link_sock *s, const struct iface *p, const struct link_info *l,
			    struct diags *d)
{
	struct link_info *links;
	size_t n;
	int rc = link_dump(s, &links, &n), master = 0;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		if (strcmp(links[i].name, p->bridge->name) == 0 && strcmp(links[i].kind, "bridge") == 0)
			master = links[i].ifindex;
	free(links);
	if (!master) {
		diag_error(d, p->pos,
			   "interface '%s': its bridge '%s' is not there (apply or reload makes it)",
			   p->name, p->bridge->name);
		return -ENODEV;
	}
	if (l->master == master)
		return 0;
	if ((rc = link_set_master(s, l->ifindex, master)) < 0)
		diag_error(d, p->pos, "interface '%s': joining bridge '%s': %s", p->name,
			   p->bridge->name, strerror(-rc));
	return rc;
}

int link_port_configure(const struct iface *p, const struct link_info *l,
			const struct router *r, const struct ipv6_live *lv, struct diags *d)
{
	struct link_sock *s = link_sock_open();
	size_t n_err = d->n_errors;
	int rc = s ? 0 : -errno;
	if (rc == 0 && strcmp(l->name, p->name) != 0)
		rc = port_rename(s, p, l, d);
	if (rc == 0 && p->mtu > 0 && p->mtu != l->mtu)
		rc = link_set_mtu(s, l->ifindex, p->mtu);
	if (rc == 0 && p->bridge)
		rc = port_join_bridge(s, p, l, d);
	if (rc == 0 && ipv6_accept_ra_get(p->name) != ipv6_accept_ra_wanted(p))
		rc = ipv6_accept_ra_set(p->name, ipv6_accept_ra_wanted(p));
	if (rc == 0)
		rc = port_sync_addrs(s, p, l->ifindex, r, lv, d);
	if (rc == 0)
		rc = link_set_up(s, l->ifindex, true);
	/* Steps that failed without saying why get one message here. */
	if (rc < 0 && d->n_errors == n_err)
		diag_error(d, p->pos, "interface '%s' (link '%s'): %s", p->name, l->name,
			   strerror(-rc));
	link_sock_close(s);
	return rc;
}
