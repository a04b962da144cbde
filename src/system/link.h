/* Ports over rtnetlink (libmnl): the kernel's links and IPv4 addresses,
 * matching configured interfaces to links, and the few link changes apply
 * and the daemon make (rename, MTU, addresses, up/down).
 *
 * Every call works in the network namespace of the calling thread: the
 * netlink socket is opened there, and PCI addresses are read from this
 * namespace's /sys/class/net. */
#ifndef NFTROUTER_SYSTEM_LINK_H
#define NFTROUTER_SYSTEM_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "system/route.h"
#include "util/addr.h"
#include "util/diag.h"

struct link_info {
	int ifindex;
	char name[16];
	uint8_t mac[6];
	bool has_mac;       /* an Ethernet-like link (6-byte address) */
	int mtu;
	unsigned flags;     /* IFF_UP, IFF_LOWER_UP, ... */
	uint8_t operstate;  /* IF_OPER_* */
	bool carrier;
	char pci[13];       /* "0000:01:00.1", "" when not a PCI device */
	char kind[16];      /* IFLA_INFO_KIND: "bridge", "vlan", "veth", "" */
	int master;         /* IFLA_MASTER: the bridge it is a port of, 0: none */
};

/* One address of a link (prefix length as configured). */
struct link_addr {
	int ifindex;
	struct cidr addr;
	uint32_t flags; /* IFA_F_*: IPv6 addresses nftrouter set are IFA_F_PERMANENT */
};

/* An IPv6 address nftrouter manages on a port: set by hand or by
 * nftrouter (permanent), not link-local. SLAAC and privacy addresses
 * (the kernel's, with lifetimes) are left alone. */
bool link_addr6_managed(const struct link_addr *a);

/* An open rtnetlink socket; NULL on failure (errno set). */
struct link_sock;
struct link_sock *link_sock_open(void);
void link_sock_close(struct link_sock *s);

/* The test seam, as OpenWrt netifd's system.h with its system-dummy.c:
 * every link, address and default-route change apply's port plan makes
 * (and every read it plans from) goes through a link_sock, which is the
 * kernel (link_sock_open) or a backend of the caller's
 * (link_sock_backend). A test's backend keeps a model of the links in
 * memory, records each call and fails the one it is told to, so the
 * plan's order and its undo run without root (tests/unit/system/
 * test_ports.c). Each function returns 0 or -errno as the kernel would. */
struct link_backend {
	int (*dump)(void *data, struct link_info **out, size_t *n);
	int (*addr_dump)(void *data, int family, struct link_addr **out, size_t *n);
	int (*set_name)(void *data, int ifindex, const char *name);
	int (*set_mtu)(void *data, int ifindex, int mtu);
	int (*set_up)(void *data, int ifindex, bool up);
	int (*addr_add)(void *data, int ifindex, const struct cidr *a);
	int (*addr_del)(void *data, int ifindex, const struct cidr *a);
	/* family AF_INET or AF_INET6 */
	int (*route_dump)(void *data, int family, struct route_default **out, size_t *n);
	int (*route_set)(void *data, int family, const struct route_default *r);
	int (*route_remove)(void *data, int family, const struct route_default *r);
	/* optional (NULL: -EOPNOTSUPP): an 802.1Q link, and removing a link */
	int (*vlan_add)(void *data, const char *name, int parent, uint16_t id, int *ifindex);
	int (*link_del)(void *data, int ifindex);
	/* optional too: a bridge, and a link's master (0: none) */
	int (*bridge_add)(void *data, const char *name, int *ifindex);
	int (*set_master)(void *data, int ifindex, int master);
	/* optional (NULL: -EOPNOTSUPP): a WireGuard link */
	int (*wg_add)(void *data, const char *name, int *ifindex);
};
/* A link_sock whose every call goes to b (which must outlive it). */
struct link_sock *link_sock_backend(const struct link_backend *b, void *data);

/* The default routes of family (AF_INET, AF_INET6) through s: route.h's
 * functions for the kernel, or s's backend. */
int link_route_dump(struct link_sock *s, int family, struct route_default **out, size_t *n);
int link_route_set(struct link_sock *s, int family, const struct route_default *r);
int link_route_remove(struct link_sock *s, int family, const struct route_default *r);

/* Dump all links / all IPv4 (family AF_INET) or IPv6 addresses. Arrays are
 * malloc'd, owned by the caller. */
int link_dump(struct link_sock *s, struct link_info **out, size_t *n);
int link_addr_dump(struct link_sock *s, int family, struct link_addr **out, size_t *n);
/* One link by index, refreshed from the kernel. */
int link_get(struct link_sock *s, int ifindex, struct link_info *out);

/* Does link l match port p's `match`? PCI from l->pci, so fill it first
 * (link_dump does). */
bool link_matches(const struct iface *p, const struct link_info *l);
/* The configured port a (new) link is, or NULL. For the daemon's hot-plug:
 * a link is also "the port" when it already carries the port's configured
 * name (a MATCH_NAME port after its rename). */
const struct iface *link_find_port(const struct router *r, const struct link_info *l);
/* Match every configured port against the links. port_link[i] receives
 * the index into links for r->ifaces[i], or -1 (absent). Two ports on one
 * link or one port on two links is an error (d, -EINVAL); an absent
 * non-optional port is an error (-ENODEV). */
int link_match_ports(const struct router *r, const struct link_info *links, size_t n_links,
		     int *port_link, struct diags *d);

/* Primitive changes; 0 or -errno. */
int link_set_name(struct link_sock *s, int ifindex, const char *name);
int link_set_mtu(struct link_sock *s, int ifindex, int mtu);
int link_set_up(struct link_sock *s, int ifindex, bool up);
int link_addr_add(struct link_sock *s, int ifindex, const struct cidr *a);
int link_addr_del(struct link_sock *s, int ifindex, const struct cidr *a);
/* A new 802.1Q VLAN link `name` with tag id on link parent (down); its
 * index in *ifindex. -EEXIST if the name is taken; -EOPNOTSUPP when the
 * kernel has no 802.1Q. */
int link_vlan_add(struct link_sock *s, const char *name, int parent, uint16_t id, int *ifindex);
/* A new bridge link `name` (down), its index in *ifindex; it never asks
 * netfilter about the frames it bridges (IFLA_BR_NF_CALL_IPTABLES,
 * _IP6TABLES, _ARPTABLES 0: docs/bridges.md). -EEXIST if the name is
 * taken; -EOPNOTSUPP when the kernel has no bridge support. */
int link_bridge_add(struct link_sock *s, const char *name, int *ifindex);
/* Make link ifindex a port of bridge master, or of none (master 0). */
int link_set_master(struct link_sock *s, int ifindex, int master);
/* A new WireGuard link `name` (down, unconfigured); its index in
 * *ifindex. -EEXIST if the name is taken; -EOPNOTSUPP when the kernel has
 * no WireGuard. */
int link_wireguard_add(struct link_sock *s, const char *name, int *ifindex);
/* Remove a link (one apply made: its undo). */
int link_del(struct link_sock *s, int ifindex);
/* Add or replace an address with finite lifetimes (seconds; 0xffffffff:
 * forever): the DHCPv6 client's IA_NA address, which the kernel then
 * removes by itself when the lease runs out. */
int link_addr_set_life(struct link_sock *s, int ifindex, const struct cidr *a, uint32_t valid,
		       uint32_t preferred);
/* The port's managed IPv6 addresses (link_addr6_managed) become exactly
 * want[0..n_want): the daemon's renumbering of a LAN port. */
int link_port_sync6(struct link_sock *s, const struct iface *p, int ifindex,
		    const struct cidr *want, size_t n_want, struct diags *d);

/* Link events (RTMGRP_LINK) for the daemon: a non-blocking socket to
 * watch for POLLIN, then read. */
struct link_events;
/* NULL on failure, errno set. */
struct link_events *link_events_open(void);
int link_events_fd(const struct link_events *e);
void link_events_close(struct link_events *e);
/* A link appeared or changed (gone false), or was removed (gone true). */
/* carrier: the link's IFF_LOWER_UP in this event, so a quick down-up
 * is seen as two changes even when both are read at once. */
typedef void link_event_fn(int ifindex, bool gone, bool carrier, void *data);
/* Call fn for every queued link message. 0 when drained; -ENOBUFS when
 * the kernel dropped events (rescan the links, then read on); -errno. */
int link_events_read(struct link_events *e, link_event_fn *fn, void *data);

/* Bring one port to its configuration: name (down → rename → up), MTU,
 * exactly the configured static IPv4 addresses (none: no IPv4; dhcp:
 * addresses left to the DHCP client), the IPv6 addresses
 * ipv6_port_addrs() derives (lv), accept_ra, up; a bridge member joins its
 * bridge (which must be there). For the daemon's hot-plug of an
 * optional port; apply uses its own plan so it can undo. A name taken by
 * another link is an error (nothing is renamed). */
int link_port_configure(const struct iface *p, const struct link_info *l,
			const struct router *r, const struct ipv6_live *lv, struct diags *d);

#endif
