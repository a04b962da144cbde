/* `nftrouter wg peer NAME`: a wg-quick config for the peer's side. */
#include "render/wg_client.h"

#include <stdio.h>
#include <string.h>

#include "util/wgkey.h"

/* A zone whose port routes the internet: the peer goes out through it. */
static bool zone_has_wan(const struct zone *z)
{
	for (size_t i = 0; i < z->n_ifaces; i++)
		if (iface_has_default_route(z->ifaces[i]))
			return true;
	return false;
}

static void put_subnets(struct buf *b, const struct iface *p, size_t *n)
{
	char txt[ADDR_STRLEN];
	struct cidr net;
	for (size_t k = 0; p->ipv4 == IPV4_STATIC && k < p->n_addrs; k++) {
		cidr_network(&p->addrs[k], &net);
		cidr_format(&net, txt, sizeof(txt));
		buf_printf(b, "%s%s", (*n)++ ? ", " : "", txt);
	}
	for (size_t k = 0; p->ipv6 == IPV6_STATIC && k < p->n_addrs6; k++) {
		cidr_network(&p->addrs6[k], &net);
		cidr_format(&net, txt, sizeof(txt));
		buf_printf(b, "%s%s", (*n)++ ? ", " : "", txt);
	}
}

void render_wg_client_routes(const struct router *r, const struct iface *p, struct buf *b)
{
	const struct zone *z = p->zone;
	size_t n = 0;
	(void)r;
	for (size_t i = 0; z && i < z->n_forward; i++) {
		if (!zone_has_wan(z->forward[i]))
			continue;
		buf_puts(b, p->n_addrs6 ? "0.0.0.0/0, ::/0" : "0.0.0.0/0");
		return;
	}
	put_subnets(b, p, &n);
	for (size_t i = 0; z && i < z->n_forward; i++)
		for (size_t k = 0; k < z->forward[i]->n_ifaces; k++)
			if (z->forward[i]->ifaces[k] != p)
				put_subnets(b, z->forward[i]->ifaces[k], &n);
}

/* HOST:PORT as clients dial it: a bare IPv6 address gets brackets, a
 * host without a port the listen port. */
static void put_endpoint(struct buf *b, const char *host, uint16_t port)
{
	struct ipaddr a;
	if (addr_parse(host, &a) == 0 && a.family == AF_INET6)
		buf_printf(b, "[%s]:%u", host, (unsigned)port);
	else if (host[0] == '[' || strchr(host, ':'))
		buf_puts(b, host);
	else
		buf_printf(b, "%s:%u", host, (unsigned)port);
}

static void put_interface(struct buf *b, const struct iface *p, const struct wg_peer *c,
			  const struct wg_client_opts *o, const char *pub)
{
	char txt[ADDR_STRLEN];
	buf_puts(b, "[Interface]\n");
	if (o->private_key) {
		buf_printf(b, "PrivateKey = %s\n", o->private_key);
	} else {
		buf_printf(b,
			   "# The private key %s made (wg genkey); router.yaml has its public key\n"
			   "# %s. nftrouter never knows it: put it here.\n"
			   "PrivateKey = PRIVATE-KEY-OF-%s\n",
			   c->name, pub, c->name);
	}
	buf_puts(b, "Address = ");
	for (size_t k = 0; k < c->n_allowed; k++) {
		cidr_format(&c->allowed[k], txt, sizeof(txt));
		buf_printf(b, "%s%s", k ? ", " : "", txt);
	}
	buf_putc(b, '\n');
	if (p->zone && zone_has_service(p->zone, "dns") && p->ipv4 == IPV4_STATIC && p->n_addrs) {
		addr_format(&p->addrs[0].addr, txt, sizeof(txt));
		buf_printf(b, "DNS = %s\n", txt);
	}
}

char *render_wg_client(const struct router *r, const struct iface *p, const struct wg_peer *c,
		       const struct wg_client_opts *o, bool *no_endpoint)
{
	struct buf b = BUF_INIT;
	char pub[WGKEY_B64];
	wgkey_to_base64(c->key, pub);
	buf_printf(&b, "# WireGuard client config for peer '%s' of %s (%s:%d), by nftrouter\n",
		   c->name, p->name, r->file_base, c->pos.line);
	put_interface(&b, p, c, o, pub);
	buf_printf(&b, "\n[Peer]\nPublicKey = %s\n", o->router_key);
	if (o->psk)
		buf_printf(&b, "PresharedKey = %s\n", o->psk);
	const char *host = o->endpoint ? o->endpoint : p->wg->endpoint[0] ? p->wg->endpoint : NULL;
	*no_endpoint = !host;
	buf_puts(&b, "Endpoint = ");
	put_endpoint(&b, host ? host : "ROUTER-ADDRESS", p->wg->port);
	buf_puts(&b, "\nAllowedIPs = ");
	if (o->allowed_ips)
		buf_puts(&b, o->allowed_ips);
	else
		render_wg_client_routes(r, p, &b);
	buf_putc(&b, '\n');
	if (c->keepalive)
		buf_printf(&b, "PersistentKeepalive = %u\n", (unsigned)c->keepalive);
	return buf_steal(&b);
}
