/* What services.c starts a PPPoE port's children with: pppd's options
 * file with the password, and the Ethernet address the session's DHCPv6
 * client (dhcpcd) makes its DUID of. Below services.c: pppoe.c, which
 * handles the session's events, calls services_sync. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/internal.h"
#include "render/render.h"
#include "system/link.h"
#include "system/pppoe.h"
#include "util/buf.h"

/* The rendered options, then the password as a quoted pppd word. The
 * file is written 0600 in the 0700 run dir (child.c) and never shown. */
static char *pppoe_with_secret(const char *opts, const char *secret)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, opts);
	buf_puts(&b, "password ");
	render_pppd_quote(&b, secret);
	buf_putc(&b, '\n');
	char *s = buf_steal(&b);
	buf_free(&b);
	return s;
}

int pppoe_conf(struct daemon *d, size_t i, const struct render_paths *rp, char **conf,
	       char *hook_error, size_t size)
{
	const struct iface *p = &d->r->ifaces[i];
	struct ppp_state *ps = &d->ports[i].ppp;
	struct diags dg = DIAGS_INIT;
	char *secret = NULL, *opts = NULL, *msg = NULL;
	int rc;
	*conf = NULL;
	hook_error[0] = '\0';
	if ((rc = pppoe_secret_read(p, &secret, &dg)) < 0) {
		msg = diags_join(&dg, "; ");
		snprintf(ps->error, sizeof(ps->error), "pppd not started: %s",
			 msg ? msg : strerror(-rc));
		goto out;
	}
	if (!(opts = render_pppd_port(d->r, p, rp)) || !(*conf = pppoe_with_secret(opts, secret))) {
		rc = -ENOMEM;
		goto out;
	}
	ps->error[0] = '\0';
	if (pppoe_hooks_install(d->o->self, p->ipv6 == IPV6_DHCP, &dg) < 0) {
		msg = diags_join(&dg, "; ");
		snprintf(hook_error, size, "its ip-up/ip-down hook cannot run (%s); status cannot follow the session",
			 msg ? msg : "?");
	}
out:
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	free(opts);
	free(msg);
	diags_free(&dg);
	return rc;
}

void pppoe_client_name(const struct iface *p, char *out, size_t size)
{
	snprintf(out, size, "dhcpcd6-%s", p->name);
}

int pppoe_mac(struct daemon *d, size_t i, uint8_t mac[6])
{
	const struct iface *p = &d->r->ifaces[i];
	struct link_sock *s = link_sock_open();
	struct link_info li;
	int rc = !s ? -errno : link_get(s, d->ports[i].ifindex, &li);
	link_sock_close(s);
	if (rc == 0 && !li.has_mac)
		rc = -EADDRNOTAVAIL;
	if (rc < 0) {
		daemon_log(d, "nftrouter: %s: ERROR: no Ethernet address for the DHCPv6 DUID of "
			      "its session (%s); its DHCPv6 client is not started",
			   p->name, strerror(-rc));
		return rc;
	}
	memcpy(mac, li.mac, 6);
	return 0;
}

void pppoe_before_spawn(struct child *c)
{
	struct daemon *d = c->d;
	char name[32];
	for (size_t i = 0; d->r && i < d->r->n_ifaces; i++) {
		const struct iface *p = &d->r->ifaces[i];
		snprintf(name, sizeof(name), "pppd-%s", p->name); /* services_pppd's */
		if (!p->pppoe || strcmp(c->name, name) != 0 || !d->ports[i].ppp.up6)
			continue;
		d->ports[i].ppp.up6 = false;
		d->ports[i].ppp.ifindex6 = 0;
		pppoe_client_name(p, name, sizeof(name));
		struct child *dc = child_find(d, name);
		/* Not wanted now: the next ipv6-up's services_sync wants it again. */
		if (dc && dc->pid > 0) {
			daemon_log(d, "nftrouter: %s: the last session ended without ipv6-down, "
				      "stopping",
				   name);
			dc->wanted = false;
			child_stop(dc);
		}
	}
}
