/* nftrouter ppp-hook: a PPPoE session of `nftrouter run`'s pppd came up
 * or went down. pppd 2.4.9 runs only /etc/ppp/ip-up and ip-down (and for
 * IPV6CP ipv6-up and ipv6-down), which run the files in ip-up.d and so
 * on; nftrouter's there is a symlink to this binary (made by the daemon,
 * system/pppoe.h), and hook_event.c turns such a call into this command
 * by the directory in argv[0]. It records the session in
 * RUN_DIR/ppp-PORT.env (ppp6-PORT.env for IPv6) and tells the daemon.
 * The IPv4 address is pppd's own; the default routes and the DHCPv6
 * client are the daemon's (daemon/pppoe.c). Nothing else changes here. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "system/ctl.h"
#include "util/addr.h"
#include "util/buf.h"
#include "util/file.h"

static void ppp_hook_usage(FILE *f)
{
	fputs("Usage: nftrouter ppp-hook [--state-dir DIR] [--run-dir DIR] up|down|up6|down6\n"
	      "       IFNAME TTY SPEED LOCAL REMOTE PORT\n\n"
	      "Internal: the ip-up/ip-down hook of the pppd that `nftrouter run` starts for\n"
	      "an `ipv4: pppoe` port. pppd runs /etc/ppp/ip-up (or ip-down), which runs\n"
	      "/etc/ppp/ip-up.d/nftrouter, a symlink to this binary, with pppd's arguments:\n"
	      "the session's link, the tty (none for PPPoE), the speed, the local and the\n"
	      "remote address, and the ipparam (the port's name). With `ipv6: dhcp` on the\n"
	      "port, pppd negotiates IPV6CP too and runs /etc/ppp/ipv6-up (ipv6-down) the\n"
	      "same way, with the link-local addresses: events up6 and down6. Without the\n"
	      "daemon's NFTROUTER_HOOK_STATE_DIR and NFTROUTER_HOOK_RUN_DIR (set by its\n"
	      "pppd's options) the call is another pppd's, and the hook does nothing.\n\n"
	      "It writes RUN_DIR/ppp-PORT.env, or ppp6-PORT.env for IPv6 (event, time,\n"
	      "link, addresses), and tells the daemon over the control socket (`ppp-event`),\n"
	      "which logs the session and shows it in status. pppd itself sets the IPv4\n"
	      "address; on up the daemon sets the default route over the link (the port's\n"
	      "metric), on up6 it routes ::/0 over the link and starts the session's\n"
	      "DHCPv6 client (dhcpcd) on it, on down6 it stops that client and withdraws\n"
	      "the delegated prefix from the LAN.\n\n"
	      "Exit status: 0 done; 2 usage; 3 the run dir is not trusted or the record\n"
	      "could not be written.\n",
	      f);
}

static int ppp_hook_record(const char *run_dir, const char *port, const char *event, bool up,
			   bool v6, char **args, struct diags *d)
{
	char path[4096];
	struct buf b = BUF_INIT;
	buf_printf(&b, "event=%s\ntime=%lld\nifname=%s\nlocal=%s\nremote=%s\n", event,
		   (long long)time(NULL), args[0], up ? args[3] : "", up ? args[4] : "");
	char *text = buf_steal(&b);
	snprintf(path, sizeof(path), "%s/ppp%s-%s.env", run_dir, v6 ? "6" : "", port);
	int rc = text ? file_write_atomic(path, text, strlen(text), 0600, 0) : -ENOMEM;
	if (rc < 0)
		diag_error(d, nopos, "%s: %s", path, strerror(-rc));
	free(text);
	return rc;
}

/* An address pppd passes: IPv4 for ip-up, IPv6 (link-local) for ipv6-up. */
static int ppp_hook_addr(const char *s, bool v6)
{
	struct ipaddr a;
	if (!v6)
		return addr_parse4(s, &a);
	return addr_parse(s, &a) == 0 && a.family == AF_INET6 ? 0 : -EINVAL;
}

int ppp_hook_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, ppp_hook_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	if (optind + 7 != argc) {
		ppp_hook_usage(stderr);
		return EXIT_USAGE;
	}
	const char *event = argv[optind];
	char **args = argv + optind + 1; /* IFNAME TTY SPEED LOCAL REMOTE PORT */
	bool v6 = strcmp(event, "up6") == 0 || strcmp(event, "down6") == 0;
	bool up = strcmp(event, "up") == 0 || strcmp(event, "up6") == 0;
	if ((!up && !v6 && strcmp(event, "down") != 0) || !ifname_valid(args[0]) ||
	    !ifname_valid(args[5]) ||
	    (up && (ppp_hook_addr(args[3], v6) < 0 || ppp_hook_addr(args[4], v6) < 0))) {
		ppp_hook_usage(stderr);
		return EXIT_USAGE;
	}
	struct diags d = DIAGS_INIT;
	int rc = EXIT_OK;
	if (file_dir_check(paths.run_dir, "run dir", &d) < 0 ||
	    ppp_hook_record(paths.run_dir, args[5], event, up, v6, args, &d) < 0) {
		cmd_print_diags(&d);
		rc = EXIT_SYSTEM;
	}
	diags_free(&d);
	char req[256], *reply = NULL;
	if (up)
		snprintf(req, sizeof(req), "ppp-event %s %s %s %s", args[5], event, args[3], args[4]);
	else
		snprintf(req, sizeof(req), "ppp-event %s %s", args[5], event);
	int k = ctl_request(paths.run_dir, req, 10000, &reply);
	if (k < 0)
		cmd_err("ppp-hook: daemon not told (%s)", strerror(-k));
	else if (reply && !strstr(reply, "\"ok\":true"))
		cmd_err("ppp-hook: the daemon refused the event: %.300s", reply);
	free(reply);
	return rc;
}
