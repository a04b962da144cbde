/* The children of an `ha:` router (docs/ha.md): keepalived (VRRP only,
 * in the foreground, its pid files in RUN_DIR) and conntrackd (in the
 * foreground, its lock and socket in RUN_DIR by its config). Both run on
 * primary and backup alike; what changes with the role is what ha.c asks
 * of conntrackd and whether dnsmasq runs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/internal.h"
#include "render/render.h"
#include "system/ha.h"

#define KEEPALIVED_BIN "/usr/sbin/keepalived"

int services_keepalived(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	if (!d->r->ha.on)
		return 0;
	struct want *w = wants_add(ws, "keepalived");
	if (!w)
		return -ENOMEM;
	w->conf = render_keepalived(d->r, rp);
	w->conf_path = services_path(d, "keepalived.conf");
	char *pid = services_path(d, "keepalived.pid"), *vpid = services_path(d, "keepalived-vrrp.pid");
	/* -n foreground, -l log to its output, -D detail, -P VRRP only (no
	 * health checkers), -p/-r pid files of this instance. */
	if (w->conf && w->conf_path && pid && vpid)
		w->argv = services_argv(12, KEEPALIVED_BIN, "-n", "-l", "-D", "-P", "-f",
					w->conf_path, "-p", pid, "-r", vpid, "--no-syslog");
	free(pid);
	free(vpid);
	return w->argv ? 0 : -ENOMEM;
}

int services_conntrackd(struct daemon *d, const struct render_paths *rp, struct wants *ws)
{
	if (!d->r->ha.on)
		return 0;
	struct want *w = wants_add(ws, "conntrackd");
	if (!w)
		return -ENOMEM;
	w->conf = render_conntrackd(d->r, rp);
	w->conf_path = services_path(d, "conntrackd.conf");
	if (w->conf && w->conf_path)
		w->argv = services_argv(3, CONNTRACKD_BIN, "-C", w->conf_path);
	return w->argv ? 0 : -ENOMEM;
}

/* conntrackd refuses to start while its lock file exists, and one killed
 * with SIGKILL leaves it behind: removed when no conntrackd answers on the
 * socket beside it (this instance's own, in RUN_DIR). */
static void services_conntrackd_lock(struct child *c)
{
	char *lock = services_path(c->d, "conntrackd.lock");
	char *sock = services_path(c->d, "conntrackd.sock");
	int rc = lock && sock ? ha_conntrackd_stale_lock(lock, sock) : -ENOMEM;
	if (rc == 1)
		daemon_log(c->d, "nftrouter: conntrackd: removed the lock file a killed one left (%s)",
			   lock);
	else if (rc < 0)
		daemon_log(c->d, "nftrouter: conntrackd: cannot check its lock file: %s",
			   strerror(-rc));
	free(lock);
	free(sock);
}

void (*services_before_spawn(const char *name))(struct child *c)
{
	if (strncmp(name, "pppd-", 5) == 0)
		return pppoe_before_spawn;
	return strcmp(name, "conntrackd") == 0 ? services_conntrackd_lock : NULL;
}
