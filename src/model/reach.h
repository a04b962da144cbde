/* The lockout guard's question, answered from the model alone: would the
 * ruleset render_nft makes for r accept a NEW TCP connection from client
 * to the router's port, arriving on interface iface? Pure: no kernel, no
 * clock. It walks the rules in the order the rendered ruleset evaluates
 * them (src/render/nft.c): DNAT of port forwards, loopback, the iifname
 * zone dispatch, the zone's input chain (rules[] in config order, ICMP,
 * services, input policy); an interface in no zone meets the input
 * chain's policy drop. */
#ifndef NFTROUTER_MODEL_REACH_H
#define NFTROUTER_MODEL_REACH_H

#include <stdbool.h>
#include <stdint.h>

#include "model/model.h"
#include "util/addr.h"

struct reach_query {
	const char *iface;     /* the interface's name once applied (configured name) */
	struct ipaddr client;  /* the source address */
	uint16_t port;         /* TCP destination port on the router */
};

struct reach_result {
	bool accepted;
	/* What decided, with its origin: "rule 'admin-ssh' (router.yaml:27)",
	 * "zone 'wan' input policy drop (router.yaml:14)". */
	char why[192];
};

void reach_tcp_input(const struct router *r, const struct reach_query *q,
		     struct reach_result *res);

#endif
