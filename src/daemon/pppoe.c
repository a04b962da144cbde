/* PPPoE WANs (`ipv4: pppoe`): pppd's options file with the password, and
 * the session events its ip-up and ip-down hooks report. services.c
 * starts pppd (one child per port) with what pppoe_conf gives it; status
 * shows ports[i].ppp. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/internal.h"
#include "render/render.h"
#include "system/pppoe.h"
#include "system/status.h"
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
	if (pppoe_hooks_install(d->o->self, &dg) < 0) {
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

static int pppoe_port(struct daemon *d, const char *name, struct diags *dg)
{
	if (!d->r) {
		diag_error(dg, nopos, "no config is applied (fail-closed)");
		return -EINVAL;
	}
	for (size_t i = 0; i < d->r->n_ifaces; i++)
		if (strcmp(d->r->ifaces[i].name, name) == 0 && d->r->ifaces[i].pppoe)
			return (int)i;
	diag_error(dg, nopos, "no PPPoE port '%s'", name);
	return -EINVAL;
}

int pppoe_event(struct daemon *d, char *arg, struct diags *dg)
{
	char *words[5] = {0}, *save = NULL;
	size_t n = 0;
	for (char *w = strtok_r(arg, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (n < 5)
			words[n++] = w;
	bool up = n == 4 && strcmp(words[1], "up") == 0;
	struct ipaddr a;
	if (!(up || (n == 2 && strcmp(words[1], "down") == 0)) ||
	    (up && (addr_parse4(words[2], &a) < 0 || addr_parse4(words[3], &a) < 0))) {
		diag_error(dg, nopos, "usage: ppp-event PORT up LOCAL REMOTE | ppp-event PORT down");
		return -EINVAL;
	}
	int i = pppoe_port(d, words[0], dg);
	if (i < 0)
		return i;
	struct ppp_state *ps = &d->ports[i].ppp;
	ps->time = (int64_t)time(NULL);
	ps->up = up;
	if (up) {
		snprintf(ps->local, sizeof(ps->local), "%s", words[2]);
		snprintf(ps->remote, sizeof(ps->remote), "%s", words[3]);
		ps->sessions++;
		daemon_log(d, "nftrouter: %s: PPPoE session up on %s: %s, peer %s (session %u)",
			   words[0], d->r->ifaces[i].pppoe->ifname, ps->local, ps->remote,
			   ps->sessions);
	} else {
		daemon_log(d, "nftrouter: %s: PPPoE session down", words[0]);
	}
	return 0;
}

void pppoe_status(struct daemon *d, size_t i, struct status_health *h)
{
	const struct ppp_state *ps = &d->ports[i].ppp;
	char name[32];
	snprintf(name, sizeof(name), "pppd-%s", d->r->ifaces[i].name);
	const struct child *c = child_find(d, name);
	/* An ip-up from before this pppd started is an earlier session's
	 * (a pppd killed outright runs no ip-down). */
	int64_t started = c && c->pid ? (int64_t)time(NULL) - daemon_uptime(&c->started) : 0;
	h->ppp_state = ps->error[0]		     ? "not started"
		       : !c || !c->pid		     ? "not running"
		       : ps->up && ps->time >= started ? "up"
						     : "connecting";
	h->ppp_time = ps->time;
	h->ppp_local = ps->local;
	h->ppp_remote = ps->remote;
	h->ppp_sessions = ps->sessions;
	h->ppp_error = ps->error;
}
