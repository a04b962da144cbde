/* nftrouter ha-hook: keepalived's notify hook for an `ha:` router (the
 * rendered keepalived.conf names this binary itself, never a shell
 * script). keepalived appends TYPE NAME STATE PRIORITY, the state in
 * upper case; the hook passes the state to the daemon over its control
 * socket (`ha-event STATE`), which runs conntrackd's steps and starts or
 * stops dnsmasq. It changes nothing itself. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "system/ctl.h"

static void ha_hook_usage(FILE *f)
{
	fputs("Usage: nftrouter ha-hook [--run-dir DIR] TYPE NAME STATE [PRIORITY]\n\n"
	      "Internal: the notify hook of the keepalived that `nftrouter run` supervises\n"
	      "for an ha: router (docs/ha.md). keepalived runs it on every change of VRRP\n"
	      "state with TYPE (INSTANCE), NAME (nftrouter), STATE (MASTER, BACKUP, FAULT\n"
	      "or STOP) and PRIORITY. The state goes to the daemon over the control\n"
	      "socket in DIR as `ha-event STATE` (docs/control-socket.md); the daemon then\n"
	      "asks conntrackd to commit the peer's connections (MASTER) or to resync\n"
	      "from the peer (BACKUP), and runs dnsmasq on the primary only.\n\n"
	      "Options:\n"
	      "  --run-dir DIR  the daemon's run dir (default " DEFAULT_RUN_DIR ")\n"
	      "  -h, --help     this text\n\n"
	      "Exit status: 0 the daemon took the state; 1 it refused it; 2 usage;\n"
	      "3 no daemon answered.\n",
	      f);
}

int ha_hook_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_RUN_DIR, CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, ha_hook_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	if (argc - optind < 3 || argc - optind > 4) {
		ha_hook_usage(stderr);
		return EXIT_USAGE;
	}
	const char *state = argv[optind + 2];
	if (strcmp(state, "MASTER") && strcmp(state, "BACKUP") && strcmp(state, "FAULT") &&
	    strcmp(state, "STOP")) {
		cmd_err("ha-hook: unknown state '%.40s' (MASTER, BACKUP, FAULT or STOP)", state);
		return EXIT_USAGE;
	}
	char req[64], *reply = NULL;
	snprintf(req, sizeof(req), "ha-event %s", state);
	int rc = ctl_request(paths.run_dir, req, 15000, &reply);
	if (rc < 0) {
		cmd_err("ha-hook: daemon not told (%s)", strerror(-rc));
		return EXIT_SYSTEM;
	}
	bool ok = reply && strstr(reply, "\"ok\":true");
	if (!ok)
		cmd_err("ha-hook: the daemon refused the state: %.300s", reply ? reply : "");
	free(reply);
	return ok ? EXIT_OK : EXIT_INVALID;
}
