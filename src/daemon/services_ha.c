/* The children of an `ha:` router (docs/ha.md): keepalived (VRRP only,
 * in the foreground, its pid files in RUN_DIR) and conntrackd (in the
 * foreground, its lock and socket in RUN_DIR by its config). Both run on
 * primary and backup alike; what changes with the role is what ha.c asks
 * of conntrackd and whether dnsmasq runs. */
#include <errno.h>
#include <stdlib.h>

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
