/* The router's own IPv6 state outside the config: the ULA prefix kept in
 * the state dir (generated once per router, RFC 4193) and each port's
 * router-advertisement acceptance (accept_ra). */
#ifndef NFTROUTER_SYSTEM_IPV6_H
#define NFTROUTER_SYSTEM_IPV6_H

#include "model/model.h"
#include "util/diag.h"

#define ULA_FILE "ula-prefix"

/* Fill lv->ula/has_ula for r: the configured /48, none, or (auto) the
 * one in STATE_DIR/ula-prefix, which is created with a random global ID
 * the first time. 0 or -errno (reported in d). */
int ipv6_ula_load(const char *state_dir, const struct router *r, struct ipv6_live *lv,
		  struct diags *d);
/* The same without writing anything (`diff`): 1, has_ula false, where
 * ipv6_ula_load would generate the prefix. */
int ipv6_ula_peek(const char *state_dir, const struct router *r, struct ipv6_live *lv,
		  struct diags *d);

/* net.ipv6.conf.NAME.accept_ra the port wants: 2 for slaac and dhcp
 * (router advertisements are ignored on a forwarding port otherwise), 1
 * (the kernel's default) for the others. */
int ipv6_accept_ra_wanted(const struct iface *p);
/* Read / write the port's accept_ra; -errno. */
int ipv6_accept_ra_get(const char *ifname);
int ipv6_accept_ra_set(const char *ifname, int value);

#endif
