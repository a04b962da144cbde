/* nftrouter ppp-hook: a PPPoE session of `nftrouter run`'s pppd came up
 * or went down. pppd 2.4.9 runs only /etc/ppp/ip-up and ip-down, which
 * run the files in ip-up.d and ip-down.d; nftrouter's there is a symlink
 * to this binary (made by the daemon, system/pppoe.h), and hook_event.c
 * turns such a call into this command by the directory in argv[0]. It
 * records the session in RUN_DIR/ppp-PORT.env and tells the daemon (for
 * status and the log). The address and the default route are pppd's own
 * (defaultroute-metric: the port's metric); nothing else changes here. */
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
	fputs("Usage: nftrouter ppp-hook [--state-dir DIR] [--run-dir DIR] up|down IFNAME TTY\n"
	      "       SPEED LOCAL REMOTE PORT\n\n"
	      "Internal: the ip-up/ip-down hook of the pppd that `nftrouter run` starts for\n"
	      "an `ipv4: pppoe` port. pppd runs /etc/ppp/ip-up (or ip-down), which runs\n"
	      "/etc/ppp/ip-up.d/nftrouter, a symlink to this binary, with pppd's arguments:\n"
	      "the session's link, the tty (none for PPPoE), the speed, the local and the\n"
	      "remote address, and the ipparam (the port's name). Without the daemon's\n"
	      "NFTROUTER_HOOK_STATE_DIR and NFTROUTER_HOOK_RUN_DIR (set by its pppd's\n"
	      "options) the call is another pppd's, and the hook does nothing.\n\n"
	      "It writes RUN_DIR/ppp-PORT.env (event, time, link, addresses) and tells the\n"
	      "daemon over the control socket (`ppp-event`), which logs the session and\n"
	      "shows it in status. pppd itself sets the address and the default route.\n\n"
	      "Exit status: 0 done; 2 usage; 3 the run dir is not trusted or the record\n"
	      "could not be written.\n",
	      f);
}

static int ppp_hook_record(const char *run_dir, const char *port, bool up, char **args,
			   struct diags *d)
{
	char path[4096];
	struct buf b = BUF_INIT;
	buf_printf(&b, "event=%s\ntime=%lld\nifname=%s\nlocal=%s\nremote=%s\n", up ? "up" : "down",
		   (long long)time(NULL), args[0], up ? args[3] : "", up ? args[4] : "");
	char *text = buf_steal(&b);
	snprintf(path, sizeof(path), "%s/ppp-%s.env", run_dir, port);
	int rc = text ? file_write_atomic(path, text, strlen(text), 0600, 0) : -ENOMEM;
	if (rc < 0)
		diag_error(d, nopos, "%s: %s", path, strerror(-rc));
	free(text);
	return rc;
}

int ppp_hook_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	struct ipaddr a;
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
	bool up = strcmp(event, "up") == 0;
	if ((!up && strcmp(event, "down") != 0) || !ifname_valid(args[0]) ||
	    !ifname_valid(args[5]) ||
	    (up && (addr_parse4(args[3], &a) < 0 || addr_parse4(args[4], &a) < 0))) {
		ppp_hook_usage(stderr);
		return EXIT_USAGE;
	}
	struct diags d = DIAGS_INIT;
	int rc = EXIT_OK;
	if (file_dir_check(paths.run_dir, "run dir", &d) < 0 ||
	    ppp_hook_record(paths.run_dir, args[5], up, args, &d) < 0) {
		cmd_print_diags(&d);
		rc = EXIT_SYSTEM;
	}
	diags_free(&d);
	char req[256], *reply = NULL;
	if (up)
		snprintf(req, sizeof(req), "ppp-event %s up %s %s", args[5], args[3], args[4]);
	else
		snprintf(req, sizeof(req), "ppp-event %s down", args[5]);
	int k = ctl_request(paths.run_dir, req, 10000, &reply);
	if (k < 0)
		cmd_err("ppp-hook: daemon not told (%s)", strerror(-k));
	else if (reply && !strstr(reply, "\"ok\":true"))
		cmd_err("ppp-hook: the daemon refused the event: %.300s", reply);
	free(reply);
	return rc;
}
