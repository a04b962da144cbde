/* The model stage: router.yaml's meaning, validated and with every name
 * resolved to a pointer. Everything after this stage (renderers, apply,
 * the daemon, the lab) reads a struct router and nothing else.
 *
 * Ownership: model_build() returns one struct router that owns all it
 * points to; router_free() releases it. Arrays are allocated once at
 * their final size, so pointers between elements stay valid. */
#ifndef NFTROUTER_MODEL_H
#define NFTROUTER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/tree.h"
#include "model/shaping.h"
#include "util/addr.h"
#include "util/diag.h"

struct zone;
struct dhcp;
struct wireguard;

enum match_kind { MATCH_MAC, MATCH_NAME, MATCH_PCI };
/* IPV4_PPPOE: a PPPoE session on the port's link gives the address, on
 * a link of its own (struct pppoe's ifname). */
enum ipv4_mode { IPV4_NONE, IPV4_DHCP, IPV4_STATIC, IPV4_PPPOE };
/* ipv6: none; slaac (RAs on that port); dhcp (RAs + DHCPv6 IA_NA and
 * IA_PD); static addresses; a LAN port numbered from a delegated prefix
 * and/or the ULA (`{ from: WAN, subnet: N }`). */
enum ipv6_mode { IPV6_NONE, IPV6_SLAAC, IPV6_DHCP, IPV6_STATIC, IPV6_LAN };
/* dhcp.IFACE.ipv6: how LAN clients get IPv6 addresses. */
enum dhcp6_mode { DHCP6_SLAAC, DHCP6_STATELESS, DHCP6_STATEFUL };
enum ula_mode { ULA_AUTO, ULA_STATIC, ULA_NONE };
enum verdict { VERDICT_ACCEPT, VERDICT_DROP, VERDICT_REJECT };

/* interfaces.X.health: ICMP echo probes sent through the port to targets
 * every interval; `down` failed rounds in a row mark the WAN down (its
 * default route is demoted), `up` good ones mark it up again. */
#define HEALTH_MAX_TARGETS 8
#define HEALTH_INTERVAL 1 /* seconds */
#define HEALTH_COUNT 3    /* down and up */
/* Added to a down WAN's default route metric: it stays (so probes and
 * the WAN's own traffic still have a route) but carries nothing while
 * another WAN is up. RUN_DIR/health-PORT says "down" meanwhile. */
#define HEALTH_DEMOTE 10000
struct health {
	bool on;
	struct ipaddr targets[HEALTH_MAX_TARGETS];
	size_t n_targets;
	uint32_t interval; /* seconds */
	uint32_t down, up;
	struct pos pos;
};

/* interfaces.X.pppoe (model/pppoe.c), with `ipv4: pppoe`: pppd with the
 * kernel's PPPoE plugin on the port's link, supervised by the daemon. The
 * session is a link of its own (ifname), which the port's zone holds
 * beside the port: packets to and from the ISP pass there, not on the
 * Ethernet port. */
#define PPPOE_MTU_DEFAULT 1492 /* 1500 less PPPoE's 6-byte header and PPP's 2 (RFC 2516) */
#define PPPOE_NAME_MAX 255     /* pppd's MAXNAMELEN and MAXSECRETLEN less the NUL */
struct pppoe {
	struct pos pos;            /* of the `pppoe` value */
	char user[PPPOE_NAME_MAX + 1];
	char *password_file;       /* resolved against the config's directory */
	struct pos password_pos;   /* of its value: errors about the file point here */
	char service[128];         /* service-name: only an AC offering it; "" any */
	char ac[128];              /* ac-name: only this access concentrator; "" any */
	int mtu;                   /* of the session's link (and its MRU) */
	char ifname[16];           /* the session's link: ppp0, ppp1, ... unless set */
};

struct iface {
	char name[16];           /* the configured name, e.g. "wan" */
	struct pos pos;          /* of the interface's key */
	enum match_kind match;
	char match_name[16];     /* MATCH_NAME: current kernel name */
	uint8_t match_mac[6];    /* MATCH_MAC */
	char match_pci[13];      /* MATCH_PCI: "0000:01:00.1" */
	enum ipv4_mode ipv4;
	struct cidr *addrs;      /* IPV4_STATIC: the router's addresses with prefix */
	size_t n_addrs;
	bool optional;
	int mtu;                 /* 0 = leave as it is */
	struct zone *zone;       /* resolved: exactly one */
	struct dhcp *dhcp;       /* DHCP server on this port, or NULL */
	bool has_gateway;        /* `gateway:` (IPV4_STATIC only): a default route via it */
	struct ipaddr gateway;   /* inside one of addrs, not the router's own address */
	/* IPv6 (model/ipv6.c) */
	enum ipv6_mode ipv6;
	struct pos ipv6_pos;     /* of the `ipv6` value */
	struct cidr *addrs6;     /* IPV6_STATIC: the router's addresses with prefix */
	size_t n_addrs6;
	bool has_gateway6;       /* `ipv6-gateway:` (IPV6_STATIC only) */
	struct ipaddr gateway6;  /* link-local, or inside one of addrs6 */
	int pd_len;              /* IPV6_DHCP: prefix length asked for (`ipv6-prefix`) */
	struct iface *pd_from;   /* IPV6_LAN: the WAN whose delegation numbers it, or NULL */
	uint32_t subnet;         /* IPV6_LAN: N of PREFIX:N::1/64 and ULA:N::1/64 */
	/* The metric of this port's IPv4 default route (a `gateway`, or the
	 * DHCP client's): `metric:`, or the port's position among the ports
	 * with a default route. Unique among them. */
	uint32_t metric;
	bool has_metric;         /* written in the file */
	struct health health;    /* health.on: checked (model/health.c) */
	/* `vlan: { parent, id }` (model/vlan.c): an 802.1Q link apply makes
	 * on the parent's link, named as the port and matched by that name
	 * (MATCH_NAME). vlan_id 0: not a VLAN. */
	struct iface *vlan_parent;
	uint16_t vlan_id;
	bool vlan_node;          /* the file has `vlan:` (set before it is resolved) */
	/* `bridge: [PORT, ...]` (model/bridge.c): a Linux bridge apply makes,
	 * named as the port and matched by that name (MATCH_NAME); its members
	 * are other ports, which carry no addresses and are in no zone. */
	struct iface **bridge_ports; /* a bridge: its members */
	size_t n_bridge_ports;
	struct iface *bridge;        /* a member: its bridge, or NULL */
	bool bridge_node;            /* the file has `bridge:` */
	/* `wireguard:` (model/wireguard.c): a WireGuard link apply makes,
	 * named as the port (MATCH_NAME); NULL: not one. */
	struct wireguard *wg;
	struct pppoe *pppoe;     /* IPV4_PPPOE only, else NULL */
	struct shaping shaping;  /* shaping.on: `shaping:` (model/shaping.c) */
};

/* interfaces.X.wireguard.peers[]: one remote end. */
#define WG_KEY_BYTES 32
struct wg_peer {
	char name[64];          /* unique in the router: `nftrouter wg peer NAME` */
	struct pos pos;
	uint8_t key[WG_KEY_BYTES]; /* public-key */
	struct cidr *allowed;   /* allowed-ips, networks (host bits zero) */
	size_t n_allowed;
	bool has_endpoint;      /* endpoint: where the router reaches it first */
	struct ipaddr endpoint;
	uint16_t endpoint_port;
	char *psk_file;         /* preshared-key-file (absolute), or NULL */
	uint16_t keepalive;     /* persistent-keepalive, seconds; 0: off */
};

/* interfaces.X.wireguard. The private key is not here: apply generates
 * it into the state dir (system/wg.h), never in router.yaml. */
struct wireguard {
	struct pos pos;
	uint16_t port;          /* the UDP listen port */
	struct zone **listen_zones; /* the port is opened in these zones' input */
	size_t n_listen;
	struct wg_peer *peers;
	size_t n_peers;
	char endpoint[256];     /* how clients reach the router (`wg peer`), "" unknown */
};

/* Whether a port installs an IPv4 default route: a `gateway`, or a DHCP
 * client (when the server gives a router). */
bool iface_has_default_route(const struct iface *p);

/* A built-in service: what "services: [dns]" opens. */
struct service {
	const char *name;
	uint16_t tcp[4]; /* 0-terminated */
	uint16_t udp[4];
};

struct rate {
	uint32_t count;    /* 0 = no limit */
	const char *unit;  /* "second", "minute", "hour", "day" (static string) */
};

struct zone {
	char name[16];
	struct pos pos;
	struct iface **ifaces;
	size_t n_ifaces;
	enum verdict input;
	const struct service **services; /* into the static service table */
	size_t n_services;
	struct zone **forward;  /* zones this zone may open connections to */
	size_t n_forward;
	bool masquerade;
	bool counters;
	const char **icmp;      /* ICMP type names, static strings from model's table */
	size_t n_icmp;
	const char **icmpv6;    /* ICMPv6 type names (the icmp list split by family) */
	size_t n_icmpv6;
	struct rate icmp_rate;
	bool rp_filter;         /* new connections must come in where their source routes back */
	bool force_dns;         /* DNS (53) from the zone to any address goes to the router */
	bool block_dot;         /* DNS over TLS/QUIC (853) out of the zone refused */
	/* log: true: what the input policy drops or rejects, and new
	 * connections no forward entry allows, go to the NFLOG group
	 * (rate-limited as a rule's log). */
	bool log;
	int log_line;           /* of the `log` key, for the log prefix */
	struct rate log_rate;
	uint32_t log_burst;
	/* Flowtable offload (model/offload.c): offload[k] says whether the
	 * flows between this zone and forward[k] (both directions) go to the
	 * flowtable once established; from the zone's `offload` key, else
	 * the top-level one. offload_pos: the key that asked. */
	bool *offload;
	struct pos offload_pos;
};

/* `offload:` (top level and per zone): none, or software (an nft
 * flowtable). hardware is refused at the model (nothing here can test
 * a NIC's flow offload). */
enum offload_mode { OFFLOAD_NONE, OFFLOAD_SOFTWARE };

/* The NFLOG group every `log` line of the ruleset sends to and the
 * daemon reads (docs/firewall-log.md). */
#define NFTROUTER_LOG_GROUP 3960

struct portrange {
	uint16_t lo, hi; /* lo == hi for one port; 0/0 = none */
};

struct ports {
	struct portrange *v;
	size_t n;
};

struct rule {
	char name[64];
	struct pos pos;
	struct zone *from;
	struct iface *iface;    /* optional: narrower than the zone */
	struct zone *to;        /* NULL = the router itself (input) */
	struct ports tcp, udp;  /* both empty = any protocol */
	bool has_source;
	struct cidr source;
	/* `destination`: a network (dest_suffix false), or an IPv6
	 * interface-identifier suffix `::20/-64` (dest_suffix true: the low
	 * dest.len bits of the address equal dest's), which names a LAN host
	 * whatever prefix the ISP delegates. */
	bool has_dest, dest_suffix;
	struct cidr dest;
	char *log;              /* log prefix or NULL */
	struct rate log_rate;   /* how many packets may be logged (set even without log) */
	uint32_t log_burst;     /* packets logged at once before the rate applies */
	enum verdict action;
};

struct portfwd {
	char name[64];
	struct pos pos;
	struct zone *from;
	bool tcp, udp;          /* which protocols (a forward may name both) */
	struct portrange ext;   /* the port(s) on the router */
	struct ipaddr to;
	uint16_t to_port;       /* 0 = same as ext (ranges keep their ports) */
	struct iface *to_iface; /* the local interface whose subnet holds `to` */
	bool has_source;
	struct cidr source;
	bool reflection;        /* also from zones that forward to `from`, via the router's address */
};

struct dhcp_host {
	struct pos pos;
	uint8_t mac[6];
	struct ipaddr ip;
	char name[64];          /* "" = none */
};

struct dhcp {
	struct iface *iface;
	struct pos pos;
	struct ipaddr start, end;
	uint32_t lease;         /* seconds */
	struct dhcp_host *hosts;
	size_t n_hosts;
	struct ipaddr *dns;     /* DNS servers handed out; n_dns == 0: the router's address */
	size_t n_dns;
	bool has_gateway;
	struct ipaddr gateway;  /* default: the router's address on the interface */
	enum dhcp6_mode ipv6;   /* `ipv6:` (default slaac); used on ports with LAN IPv6 */
	struct rate client_rate; /* DHCP packets per client MAC; count 0 = no limit */
};

struct upstream {
	struct pos pos;
	bool tls;
	struct ipaddr addr;
	uint16_t port;          /* 53 or 853 by default */
	char tls_name[254];     /* tls only: the name the certificate must carry */
};

struct blocklist {
	struct pos pos;
	char *path;             /* as written, resolved against the config's directory */
};

struct dns {
	struct upstream *upstream;
	size_t n_upstream;
	char domain[254];       /* "" = none */
	struct blocklist *blocklists; /* dns.blocklists: names answered NXDOMAIN (system/dnsblock.h) */
	size_t n_blocklists;
};

/* Where a ban is looked up (blackhole.check, docs/bans.md): every
 * packet before conntrack (the default), or the first packet of each
 * connection after it, the connection then marked as checked. */
enum ban_check { BAN_CHECK_PACKET, BAN_CHECK_CONNECTION };

struct blackhole {
	uint32_t timeout;       /* default ban in seconds; 0 = forever */
	enum ban_check check;
	struct blocklist *lists;
	size_t n_lists;
};

/* The top-level `ipv6:` section. */
struct ipv6cfg {
	enum ula_mode ula;      /* default auto: a random fd00::/8 /48 kept in the state dir */
	struct cidr ula_prefix; /* ULA_STATIC: the /48 */
	struct pos ula_pos;
};

struct proxmox; /* model/proxmox.h; NULL when the section is absent */

/* metrics: { listen } (docs/metrics.md): the daemon's Prometheus
 * endpoint, loopback or one of the router's static addresses. */
struct metrics_cfg {
	bool on;
	struct pos pos;
	char listen[ADDR_STRLEN];   /* as written */
	struct ipaddr addr;
	uint16_t port;
};
/* "ADDR:PORT" or "[V6]:PORT" (model/metrics.c). 0 or -EINVAL. */
int metrics_listen_parse(const char *s, struct ipaddr *addr, uint16_t *port);

/* ha: { sync-interface, peer, priority, virtual, preempt } (model/ha.c,
 * docs/ha.md): two routers as one, keepalived (VRRPv3, unicast to the
 * peer over the sync port) moving the virtual addresses and conntrackd
 * (FTFW) syncing the connection table. Off unless given. */
#define HA_MAX_VIRTUAL 16
#define HA_VRID 51            /* VRRP router id: unicast, so one pair never meets another */
#define HA_ADVERT_MS 400      /* VRRPv3 advertisements: a dead primary is seen after ~1.3 s */
#define HA_PREEMPT_DELAY 2    /* seconds a returning primary waits (resyncing) before it takes over */
#define HA_CONNTRACKD_PORT 3780
struct ha_virtual {
	struct iface *iface;
	struct cidr addr;      /* IPv4, inside one of iface's subnets, with its prefix */
	struct pos pos;
};
struct ha_cfg {
	bool on;
	struct pos pos;        /* of the `ha` key */
	struct iface *sync;    /* sync-interface */
	struct cidr sync_addr; /* the router's own address there (the peer's subnet) */
	struct ipaddr peer;
	uint32_t priority;     /* 1..254; the higher is primary */
	bool preempt;          /* default true: a returning primary takes over again */
	struct ha_virtual virt[HA_MAX_VIRTUAL];
	size_t n_virt;
};

struct router {
	char *file;             /* what positions name: the file the bytes came from */
	char *origin;           /* the path it was written as: relative paths (blocklists)
				 * resolve against it; = file except for a saved copy */
	const char *file_base;  /* origin's basename, for "router.yaml:LINE" comments */
	char hostname[64];
	struct iface *ifaces;
	size_t n_ifaces;
	struct zone *zones;
	size_t n_zones;
	struct rule *rules;
	size_t n_rules;
	struct portfwd *fwds;
	size_t n_fwds;
	struct dhcp *dhcps;
	size_t n_dhcps;
	struct dns dns;
	struct blackhole blackhole;
	struct ipv6cfg ipv6;
	struct proxmox *proxmox;
	struct metrics_cfg metrics;
	struct ha_cfg ha;
	enum offload_mode offload; /* the top-level `offload:`: every zone's default */
	struct pos offload_pos;
};

/* Whether any zone offloads any of its forward entries. Inline (as
 * those below): the renderers' unit tests link the render sources only. */
static inline bool router_offloads(const struct router *r)
{
	for (size_t i = 0; i < r->n_zones; i++)
		for (size_t k = 0; r->zones[i].offload && k < r->zones[i].n_forward; k++)
			if (r->zones[i].offload[k])
				return true;
	return false;
}

/* Whether port p is a device of the flowtable: its zone offloads a
 * forward entry, or is the target of one that is offloaded. Never a
 * WireGuard or PPPoE port: the fast path through a tunnel or a PPP
 * session is not tested here, so their flows stay on the slow path. */
static inline bool iface_offloaded(const struct router *r, const struct iface *p)
{
	if (p->wg || p->pppoe)
		return false;
	for (size_t i = 0; i < r->n_zones; i++) {
		const struct zone *z = &r->zones[i];
		for (size_t k = 0; z->offload && k < z->n_forward; k++)
			if (z->offload[k] && (p->zone == z || p->zone == z->forward[k]))
				return true;
	}
	return false;
}

/* Build and validate. Returns NULL and fills d with every error found
 * (not just the first) when the config is invalid. Warnings may be added
 * to d even on success. */
struct router *model_build(const struct cfg_doc *doc, struct diags *d);
/* model_build with a different origin (see struct router). */
struct router *model_build_from(const struct cfg_doc *doc, const char *origin, struct diags *d);
void router_free(struct router *r);

/* A config as loaded: the one way in for every command and the daemon,
 * so what is checked (owner, mode), parsed, hashed and saved are the
 * same bytes, read once. */
struct router_file {
	char *path;     /* as given */
	char *text;     /* the exact bytes parsed, NUL-terminated */
	size_t len;
	char hash[65];  /* SHA-256 of text, hex: what status shows */
	struct router *r;
};
/* NULL with every error in d when the file cannot be read or trusted
 * (config/tree.h: cfg_read_file) or is invalid. Warnings may be in d on
 * success. */
struct router_file *router_file_load(const char *path, struct diags *d);
/* The same for bytes already read (a saved previous.yaml): errors name
 * `name`, relative paths resolve against `origin` (NULL: name). */
struct router_file *router_file_parse(const char *name, const char *origin, const char *text,
				      size_t len, struct diags *d);
void router_file_free(struct router_file *f);
/* Free f but keep its model, for callers that need nothing else
 * (NULL: NULL). */
struct router *router_file_steal(struct router_file *f);

/* Look-ups used by renderers and the system layer. */
const struct service *service_find(const char *name);
const struct iface *router_iface(const struct router *r, const char *name);
const struct zone *router_zone(const struct router *r, const char *name);
bool zone_has_service(const struct zone *z, const char *name);
/* Whether an upstream is DNS over TLS: unbound then runs (and the lab
 * makes a test CA for it). Inline: renderers tested without the model's
 * code use it too. */
static inline bool dns_has_tls(const struct router *r)
{
	for (size_t i = 0; i < r->dns.n_upstream; i++)
		if (r->dns.upstream[i].tls)
			return true;
	return false;
}
const char *verdict_name(enum verdict v);
/* IPv6 on the LAN side: the port gets router addresses of its own to
 * advertise (IPV6_LAN, or static addresses of a /64). Inline: the
 * renderers' unit tests link the render sources only. */
static inline bool iface_lan6(const struct iface *i)
{
	if (i->ipv6 == IPV6_LAN)
		return true;
	for (size_t k = 0; i->ipv6 == IPV6_STATIC && k < i->n_addrs6; k++)
		if (i->addrs6[k].len == 64)
			return true;
	return false;
}

/* Router advertisements (and DHCPv6 when asked) on this port: LAN IPv6
 * and a zone that opens `dhcp`. */
static inline bool iface_ra(const struct iface *i)
{
	if (!iface_lan6(i) || !i->zone)
		return false;
	for (size_t k = 0; k < i->zone->n_services; k++)
		if (strcmp(i->zone->services[k]->name, "dhcp") == 0)
			return true;
	return false;
}
const char *ipv6_mode_name(enum ipv6_mode m);

/* The HA virtual address of port i, or NULL (no ha:, or none there).
 * Inline: the renderers' unit tests link the render sources only. */
static inline const struct cidr *ha_virtual_of(const struct router *r, const struct iface *i)
{
	for (size_t k = 0; r->ha.on && k < r->ha.n_virt; k++)
		if (r->ha.virt[k].iface == i)
			return &r->ha.virt[k].addr;
	return NULL;
}

/* What a port's IPv6 numbering depends on at run time: the ULA /48 (from
 * the config or the state dir) and each `ipv6: dhcp` port's delegated
 * prefix (indexed like r->ifaces; len 0: none). Filled by the system
 * layer; NULL pd: no delegation known. */
/* Static IPv6 addresses of a port (16) + a delegated /64 + a ULA /64. */
#define MAX_PORT_ADDRS6 18

struct ipv6_live {
	bool has_ula;
	struct cidr ula;
	const struct cidr *pd;
};
/* The IPv6 addresses nftrouter puts on port p: its static ones, and for
 * a `{ from, subnet }` port PREFIX:N::1/64 (when the delegation holds N)
 * and ULA:N::1/64. Writes at most max, returns how many. Pure. */
size_t ipv6_port_addrs(const struct router *r, const struct iface *p, const struct ipv6_live *lv,
		       struct cidr *out, size_t max);
/* PREFIX:N::1/64 out of a /len (len <= 64); -ERANGE if N does not fit. */
int ipv6_subnet_addr(const struct cidr *prefix, uint32_t n, struct cidr *out);
const char *dhcp6_mode_name(enum dhcp6_mode m);

#endif
