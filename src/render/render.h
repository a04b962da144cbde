/* The render stage: pure functions from a model to text. Same model in,
 * same bytes out; no clock, no environment, no file system. Each returns
 * a malloc'd NUL-terminated string, or NULL on allocation failure.
 * What these print is exactly what `nftrouter render WHAT` shows and what
 * apply/run hand to the kernel and to child processes. */
#ifndef NFTROUTER_RENDER_H
#define NFTROUTER_RENDER_H

#include <stdint.h>

#include "model/model.h"

/* The installed paths, defined once: the commands' defaults (cmd.h) and
 * what rendered service configs point at (render_paths_default). */
#define DEFAULT_CONFIG "/etc/nftrouter/router.yaml"
#define DEFAULT_STATE_DIR "/var/lib/nftrouter"
#define DEFAULT_RUN_DIR "/run/nftrouter"
#define DEFAULT_BIN "/usr/sbin/nftrouter"
#define DEFAULT_TLS_CA "/etc/ssl/certs/ca-certificates.crt"

/* Where rendered service configs point for their files. Defaults are the
 * installed paths; the lab and tests pass their own. */
struct render_paths {
	const char *state_dir; /* /var/lib/nftrouter: leases */
	const char *run_dir;   /* /run/nftrouter: pid files, rendered configs */
	const char *config;    /* /etc/nftrouter/router.yaml: for the unit file */
	const char *bin;       /* /usr/sbin/nftrouter: for the unit file */
	const char *tls_ca;    /* CA bundle unbound checks DNS-over-TLS upstreams against
	                        * (/etc/ssl/certs/ca-certificates.crt; the lab passes its test CA) */
};

/* The port of the local DNS-over-TLS forwarder (unbound, on 127.0.0.1):
 * dnsmasq forwards to it, the daemon starts it. */
#define RENDER_UNBOUND_PORT 5353
/* The loopback address dnsmasq answers on for the daemon only, which
 * asks it for its statistics there (daemon/dnsstat.c; docs/metrics.md
 * says why an address of its own): not an address of any interface, and
 * none a resolver usually takes (systemd-resolved: 127.0.0.53/54). */
#define RENDER_DNSMASQ_STATS_ADDR "127.0.0.153"

void render_paths_default(struct render_paths *p);

/* The nftrouter table (filter + NAT), as one `nft -f` script that replaces
 * the table atomically: "table inet nftrouter" is created, deleted and
 * written anew in the same transaction. */
char *render_nft(const struct router *r);
/* The same, with named counters created at the given values, so an apply
 * carries the zone counters over the replace. Counters not listed start
 * at zero; render_nft(r) == render_nft_counters(r, NULL, 0). */
struct counter_value {
	const char *name; /* "wan-ingress" */
	uint64_t packets, bytes;
};
char *render_nft_counters(const struct router *r, const struct counter_value *v, size_t n);
/* The links that exist now, by name. The kernel refuses a flowtable
 * that names a missing device, so what is loaded names only these. */
struct nft_links {
	const char *const *names;
	size_t n;
};
/* render_nft_counters whose flowtable (`offload`) lists only the ports
 * in links (NULL: every offloaded port, as render_nft does). */
char *render_nft_live(const struct router *r, const struct counter_value *v, size_t n,
		      const struct nft_links *links);
/* `add flowtable inet nftrouter ft { ...; devices = { ... }; }` for the
 * offloaded ports in now that are not in before (NULL: none): the ports
 * that appeared after the table was loaded. "" when there is none (or no
 * offload); NULL without memory or on an unsafe name. */
char *render_nft_offload_add(const struct router *r, const struct nft_links *now,
			     const struct nft_links *before);
/* The fail-closed table that replaces `inet nftrouter` when `run` cannot
 * apply its config and nothing is loaded: forward dropped, input only
 * loopback, replies, neighbour discovery and the ssh access r allows
 * (r NULL: none). NULL on an unsafe string or without memory. */
char *render_nft_failsafe(const struct router *r);
/* The ban table: created if missing, never deleted or flushed by apply, so
 * the bans in it survive any replace of the main table. Prefix bans live
 * in one hash set per prefix length (blackhole4_24), with a rule each,
 * for the lengths in lens only (NULL: none). The chains hook prerouting and
 * output only when hooked (a ban exists, or blackhole.lists): otherwise
 * they are absent. render_nft_bans: as apply makes it with no ban. */
struct ban_lens {
	bool v4[33];
	bool v6[129];
};
char *render_nft_bans(const struct router *r);
char *render_nft_bans_lens(const struct router *r, const struct ban_lens *lens, enum ban_check check,
			   bool hooked);
/* The set and its rules (prerouting, output; with blackhole.check:
 * connection, prerouting matches the destination too) for one prefix
 * length: what the first ban of that length adds to a live ban table. */
char *render_nft_ban_len(enum ban_check check, int family, int len);
/* blackhole.check: connection marks a connection whose first packet
 * passed the ban lookups with this bit of its conntrack mark (nftrouter
 * owns the bit). A ban or a block list reaches a marked connection by
 * deleting its entry (system/conntrack.h). */
#define BAN_CHECKED_MARK 0x80000000u
/* The ban table's empty chain that says the last apply chose check:
 * connection (render/nft_bans.c). */
#define BAN_CHECK_MARKER "check_connection"
/* The set of prefix length len: "blackhole4_24", "blackhole6_48". */
void ban_set_name(int family, int len, char *out, size_t size);
char *render_dnsmasq(const struct router *r, const struct render_paths *p);
/* dns.blocklists: the conf-file dnsmasq.conf names (RUN_DIR/dns-blocklist.conf),
 * one line per name, written by the daemon from validated names only
 * (system/dnsblock.c). The line for one name, into out. */
#define RENDER_DNSBLOCK_FILE "dns-blocklist.conf"
void render_dnsmasq_blocked(const char *name, char *out, size_t size);
char *render_unbound(const struct router *r, const struct render_paths *p); /* "" if no tls upstream */
char *render_sysctl(const struct router *r);
char *render_udev(const struct router *r);
/* interfaces.X.shaping as the equivalent tc/ip commands (render/shaping.c). */
char *render_shaping(const struct router *r);
char *render_systemd(const struct router *r, const struct render_paths *p);
/* The Proxmox host script that makes the router VM ("" without a
 * proxmox: section), and the VM's cloud-init user-data, which embeds
 * config_text (router.yaml as written) and the udev, sysctl and systemd
 * outputs rendered with p (the paths inside the VM). */
char *render_proxmox(const struct router *r);
/* keepalived.conf and conntrackd.conf of an `ha:` router ("" without
 * one); their pid, lock and socket files live in p->run_dir. */
char *render_keepalived(const struct router *r, const struct render_paths *p);
char *render_conntrackd(const struct router *r, const struct render_paths *p);
/* pppd's options file for PPPoE port p (render/pppd.c), all but the
 * password (the daemon appends it); NULL without memory or when p has no
 * pppoe. render_pppd: every PPPoE port's, one after the other ("" none). */
char *render_pppd_port(const struct router *r, const struct iface *p,
		       const struct render_paths *rp);
char *render_pppd(const struct router *r, const struct render_paths *rp);
/* dhcpcd's config for the DHCPv6 client of PPPoE port p's session link
 * (`ipv6: dhcp`; render/pppd.c says why dhcpcd there): IA_NA and IA_PD of
 * p's `ipv6-prefix` on the session's link, prefixes assigned to no link,
 * no router solicitation, DUID-LL of mac (the port's Ethernet address),
 * rp->bin as its script with the daemon's dirs. NULL without memory or
 * when p has no pppoe. */
char *render_dhcpcd_session(const struct iface *p, const struct render_paths *rp,
			    const uint8_t mac[6]);
struct buf;
/* s as one quoted word of a pppd options file. */
void render_pppd_quote(struct buf *b, const char *s);
char *render_cloud_init(const struct router *r, const struct render_paths *p,
			const char *config_text);

#endif
