/* WireGuard devices over generic netlink (family "wireguard"): read a
 * device (keys, port, peers with their handshake and transfer) and set
 * one, and the router's private key kept in the state dir. */
#ifndef NFTROUTER_SYSTEM_WG_H
#define NFTROUTER_SYSTEM_WG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "util/addr.h"
#include "util/buf.h"
#include "util/diag.h"
#include "util/wgkey.h"

struct wg_live_peer {
	uint8_t key[WGKEY_LEN];
	uint8_t psk[WGKEY_LEN];     /* zero: none */
	bool has_endpoint;
	struct ipaddr endpoint;
	uint16_t endpoint_port;
	uint16_t keepalive;
	int64_t handshake;          /* unix seconds of the latest handshake, 0: none */
	uint64_t rx, tx;            /* bytes */
	struct cidr *allowed;
	size_t n_allowed;
};

struct wg_dev {
	char name[16];
	uint8_t priv[WGKEY_LEN];    /* zero: none */
	uint8_t pub[WGKEY_LEN];
	uint16_t port;
	struct wg_live_peer *peers;
	size_t n_peers;
};

/* The device named name as the kernel has it. -ENODEV when there is no
 * such link (or it is not WireGuard: -EOPNOTSUPP), -ENOENT when the
 * kernel has no WireGuard at all. */
int wg_get(const char *name, struct wg_dev *out);
/* Make the kernel's device want: its private key and port, and its
 * peers. replace: every peer the device has is dropped first (undo's
 * restore). Otherwise the peers of cur (the device now) that want lacks
 * are removed, and want's are set with their allowed-ips replaced, so a
 * peer kept keeps its session. 0 or -errno. */
int wg_set(const struct wg_dev *want, const struct wg_dev *cur, bool replace);
void wg_dev_free(struct wg_dev *d);
/* Whether the kernel's device is want already (keys, port, peers and
 * their settings; not handshakes or counters). */
bool wg_dev_same(const struct wg_dev *want, const struct wg_dev *cur);

/* STATE_DIR/wireguard-PORT.key: the private key of a WireGuard port,
 * base64 and a newline, mode 0600. create: made (random) when absent;
 * otherwise -ENOENT. A file that is a symlink, not a regular file, not
 * ours or readable by others, or holds anything but one key, is an error
 * in d (at the port's line) and never replaced: the peers know its
 * public key. */
int wg_key_load(const char *state_dir, const struct iface *p, bool create,
		uint8_t priv[WGKEY_LEN], struct diags *d);
/* The configured device of port p with private key priv: the peers'
 * preshared keys are read from their files (errors in d). */
int wg_dev_from_model(const struct iface *p, const uint8_t priv[WGKEY_LEN], struct wg_dev *out,
		      struct diags *d);

/* apply's WireGuard step: for each WireGuard port, the device its config
 * asks for and the kernel's before (restored by undo). */
struct wg_plan;
/* Keys loaded (create: made when absent, as apply does; otherwise a port
 * without one is planned with a zero key and `keyless`), preshared keys
 * read, devices dumped. NULL with d filled, *err -errno. */
struct wg_plan *wg_plan_new(const char *state_dir, const struct router *r, bool create,
			    struct diags *d, int *err);
void wg_plan_free(struct wg_plan *pl);
bool wg_plan_empty(const struct wg_plan *pl);
/* Lines for `diff`: "+ wg0: peer phone", "- wg0: peer KEY", "~ wg0: peer
 * phone (allowed-ips, ...)", "~ wg0: listen port A -> B", "+ wg0: private
 * key (made by apply)". The number of lines. */
size_t wg_plan_describe(const struct wg_plan *pl, struct buf *b);
/* Set every device that differs. On failure -errno with d filled; what
 * was set is recorded for wg_plan_undo, which puts the devices that were
 * there back as they were (a link apply made goes with the port plan's
 * undo). */
int wg_plan_apply(struct wg_plan *pl, struct diags *d);
int wg_plan_undo(struct wg_plan *pl, struct diags *d);

#endif
