/* The client side of a WireGuard peer: the wg-quick config `nftrouter wg
 * peer NAME` prints. Pure. */
#ifndef NFTROUTER_RENDER_WG_CLIENT_H
#define NFTROUTER_RENDER_WG_CLIENT_H

#include "model/model.h"
#include "util/buf.h"

struct wg_client_opts {
	const char *router_key;  /* the router's public key, base64 */
	const char *private_key; /* the peer's own, base64, or NULL: a placeholder */
	const char *psk;         /* the preshared key, base64, or NULL */
	const char *endpoint;    /* HOST or HOST:PORT, or NULL: wireguard.endpoint */
	const char *allowed_ips; /* "A/L, B/L", or NULL: from the zone policy */
};

/* The [Interface] and [Peer] sections for peer c of WireGuard port p;
 * malloc'd, NULL on out of memory. *no_endpoint: neither opts nor the
 * config name the router's address (a placeholder is written). */
char *render_wg_client(const struct router *r, const struct iface *p, const struct wg_peer *c,
		       const struct wg_client_opts *o, bool *no_endpoint);

/* What the client routes through the tunnel by default, from zone policy:
 * everything (0.0.0.0/0, and ::/0 when the port has IPv6) when the
 * port's zone forwards to a zone with a default route (a WAN); else the
 * port's own subnets and the static subnets of the zones it forwards to. */
void render_wg_client_routes(const struct router *r, const struct iface *p, struct buf *b);

#endif
