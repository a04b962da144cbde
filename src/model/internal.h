/* Private to the model stage: the build context and the typed scalar
 * getters every section parser uses. Each getter reports its own error
 * ("FILE:LINE:COL: error: WHAT: ...") and returns a failure the caller
 * may ignore, so one bad value never hides the errors after it. */
#ifndef NFTROUTER_MODEL_INTERNAL_H
#define NFTROUTER_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/tree.h"
#include "model/model.h"
#include "util/diag.h"

/* Sizes no router needs more of. They keep every check cheap (some are
 * quadratic) however hostile the file; docs/router.yaml.md lists them. */
#define MAX_IFACES 1024
#define MAX_ADDRS 16 /* static IPv4 addresses per interface */
#define MAX_ZONES 256
#define MAX_LIST 1024  /* a zone's interfaces, services, forward, icmp; a rule's ports */
#define MAX_RULES 4096 /* rules, and port-forwards */
#define MAX_HOSTS 4096 /* static leases per DHCP server */
#define MAX_UPSTREAMS 64
#define MAX_DHCP_DNS 16
#define MAX_BLOCKLISTS 256
#define METRIC_MAX 65535 /* interfaces.X.metric */

/* Without log-rate/log-burst (rules) and for a zone's `log: true`: enough
 * to see who knocks, never a line per packet of a flood (unlimited, 4 s
 * of SYNs to a logged rule wrote 218,111 kernel log lines). */
#define LOG_RATE_DEFAULT ((struct rate){10, "minute"})
#define LOG_BURST_DEFAULT 5

/* Room for "rule 'some-name': interface" style prefixes. */
#define WHAT_MAX 160

/* A value shown inside a message: short, control characters escaped
 * (diag_quote), never a newline. */
struct shown {
	char s[72];
};

/* A node's position with the file name the router owns (the document's
 * copy dies with the document). */
struct pos model_pos(const struct router *r, const struct cfg_node *n);

/* out = "WHAT: KEY", truncated to WHAT_MAX. */
const char *what_join(char *out, const char *what, const char *key);

bool node_is_null(const struct cfg_node *n);
const char *node_kind(const struct cfg_node *n);
const char *node_show(const struct cfg_node *n, struct shown *out);

bool expect_map(struct diags *d, const struct cfg_node *n, const char *what);
bool expect_seq(struct diags *d, const struct cfg_node *n, const char *what);
/* A scalar with a value; NULL (and an error) otherwise. */
const char *expect_str(struct diags *d, const struct cfg_node *n, const char *what);
int expect_bool(struct diags *d, const struct cfg_node *n, const char *what, bool *out);
/* Unsigned decimal, 1..10 digits, no leading zero. 0 or -EINVAL. */
int decimal_parse(const char *s, unsigned long *out);
int expect_uint(struct diags *d, const struct cfg_node *n, const char *what, unsigned long lo,
		unsigned long hi, unsigned long *out);
int expect_duration(struct diags *d, const struct cfg_node *n, const char *what, uint32_t *out);
/* Characters that could end a field in nftables or dnsmasq text. The
 * error names the character; the value is never escaped. */
int expect_safe_text(struct diags *d, const struct cfg_node *n, const char *what);
/* The same, allowing the characters in ok (a field that parses them). */
int expect_safe_text_but(struct diags *d, const struct cfg_node *n, const char *what,
			 const char *ok);
/* Unknown-key check against a NULL-terminated list. Returns how many. */
int check_keys(struct diags *d, const struct cfg_node *map, const char *const *allowed,
	       const char *what);
/* Entries of a list or map n (a scalar counts as one). Over max: an
 * error at n and false. */
bool within_limit(struct diags *d, const struct cfg_node *n, size_t max, const char *what);
/* A required key: the value, or NULL and "WHAT: missing 'KEY'" at at. */
const struct cfg_node *require_key(struct diags *d, const struct cfg_node *map, const char *key,
				   struct pos at, const char *what);

/* "22", "1000-2000" → range. */
int parse_portrange(const char *s, struct portrange *out);
/* tcp/udp of a rule: a port, a range, or a list of them. */
int expect_ports(struct diags *d, const struct cfg_node *n, const char *what, struct ports *out);

/* interfaces.X.health (model/health.c). */
void health_build(struct diags *d, const struct cfg_node *n, struct router *r, struct iface *i,
		  const char *what);

/* interfaces.X.shaping (model/shaping.c); shaping_check sets nat's
 * default once zones are known (the port's zone masquerades). */
void shaping_build(struct diags *d, const struct cfg_node *n, struct router *r, struct iface *i,
		   const char *what);
void shaping_check(struct router *r, struct diags *d);

/* interfaces.X.vlan, once every port is built (model/vlan.c); n is the
 * interfaces map. */
void vlan_build_all(struct diags *d, const struct cfg_node *n, struct router *r);
/* interfaces.X.bridge, the same way (model/bridge.c); before the VLANs,
 * which must know the bridge members. */
void bridge_build_all(struct diags *d, const struct cfg_node *n, struct router *r);

/* interfaces.X.wireguard (model/wireguard.c): n, the value in the
 * port's map parent, built with the port;
 * listen-zones resolved by wg_check once zones are built (root: the
 * document). */
int wg_build(struct diags *d, const struct cfg_node *parent, const struct cfg_node *n,
	     struct router *r, struct iface *i);
void wg_check(const struct cfg_node *root, struct router *r, struct diags *d);
void wg_free(struct wireguard *w);

/* interfaces.X.pppoe with `ipv4: pppoe` (model/pppoe.c): pppoe_build per
 * port (map: the interface's map), pppoe_check_all once every port is
 * built (n: the interfaces map): session link names, health. */
void pppoe_build(struct diags *d, const struct cfg_node *map, struct router *r, struct iface *i,
		 const char *what);
void pppoe_check_all(struct diags *d, const struct cfg_node *n, struct router *r);
/* A path as written in router.yaml, relative to the config's directory
 * (model/dhcp.c). NULL without memory. */
char *model_path_resolve(const char *config, const char *path);

/* Section handlers, in model/{iface,zone,rule,dhcp}.c. */
int iface_build_all(const struct cfg_node *n, struct router *r, struct diags *d);
int zone_build_all(const struct cfg_node *n, struct router *r, struct diags *d);
int rule_build_all(const struct cfg_node *n, struct router *r, struct diags *d);
int portfwd_build_all(const struct cfg_node *n, struct router *r, struct diags *d);
int dhcp_build_all(const struct cfg_node *n, struct router *r, struct diags *d);
int dns_build(const struct cfg_node *n, struct router *r, struct diags *d);
int blackhole_build(const struct cfg_node *n, struct router *r, struct diags *d);
int ipv6_build(const struct cfg_node *n, struct router *r, struct diags *d);
int metrics_build(const struct cfg_node *n, struct router *r, struct diags *d);
int ha_build(const struct cfg_node *n, struct router *r, struct diags *d);
/* model/offload.c: the top-level `offload:`, and a zone's (after its
 * forward list is built; n is the zone's map). */
int offload_build(const struct cfg_node *n, struct router *r, struct diags *d);
void zone_offload_build(struct diags *d, const struct cfg_node *n, struct router *r,
			struct zone *z, const char *what);
/* model/ipv6.c: a port's ipv6, ipv6-prefix and ipv6-gateway (map: the
 * interface's map); a DHCP server's ipv6 mode; the cross checks. */
int ipv6_iface_build(struct diags *d, const struct cfg_node *map, struct router *r,
		     struct iface *i, const char *what);
int dhcp6_build(struct diags *d, const struct cfg_node *n, struct dhcp *h, const char *what);
void ipv6_check(const struct cfg_node *root, struct router *r, struct diags *d);

/* The consistency pass (model/check.c): what needs the whole router. */
void router_check(const struct cfg_node *root, struct router *r, struct diags *d);

/* accept, drop or reject (model/zone.c); rules use it too. */
int model_verdict(struct diags *d, const struct cfg_node *n, const char *what, enum verdict *out);

/* "N/second" ... "N/day" (model/zone.c); rules and dhcp use it too. */
int model_rate(struct diags *d, const struct cfg_node *n, struct rate *out, const char *what);

/* Mutable look-ups for the build (the public ones return const). */
struct iface *model_iface(struct router *r, const char *name);
struct zone *model_zone(struct router *r, const char *name);
/* The interface address whose subnet holds a, or NULL. */
const struct cidr *iface_subnet_of(const struct iface *i, const struct ipaddr *a);
/* -1: a is the network or broadcast address of IPv4 subnet c (len < 31);
 * 0: an ordinary host address. */
int cidr_host_kind(const struct cidr *c, const struct ipaddr *a);

#endif
