/* nftrouter reload: ask the daemon to re-read its config. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "system/ctl.h"

static void reload_usage(FILE *f)
{
	fputs("Usage: nftrouter reload [--run-dir DIR]\n\n"
	      "Ask the running daemon (`nftrouter run`) to re-read its config, as SIGHUP does,\n"
	      "and wait for the result. An invalid config is reported with its positions and\n"
	      "changes nothing; a valid one is applied, and only the children whose rendered\n"
	      "config changed are restarted. Established connections survive.\n\n"
	      "Options:\n"
	      "  --run-dir DIR  where the control socket is (default $NFTROUTER_RUN_DIR or\n"
	      "                 " DEFAULT_RUN_DIR ")\n"
	      "  -h, --help     this text\n\n"
	      "Exit status: 0 reloaded; 1 the config is invalid or was refused (the router\n"
	      "stays as it was); 2 usage; 3 no daemon runs, or the socket refused us.\n",
	      f);
}

int reload_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	char *reply = NULL;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, reload_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	if (!cmd_operands(argc, 0, reload_usage))
		return EXIT_USAGE;
	int rc = ctl_request(paths.run_dir, "reload", 120000, &reply);
	if (rc < 0) {
		cmd_err("reload: no daemon answers on %s/%s: %s", paths.run_dir, CTL_SOCK_NAME,
			strerror(-rc));
		return EXIT_SYSTEM;
	}
	if (ctl_reply_ok(reply)) {
		free(reply);
		return EXIT_OK;
	}
	/* The daemon's diagnostics, already "FILE:LINE:COL: error: ..." lines
	 * with their control characters escaped. */
	char *err = ctl_reply_str(reply, "error");
	fprintf(stderr, "%s\n", err && *err ? err : "nftrouter: error: reload failed");
	free(err);
	/* The daemon says which exit status its failure is; a daemon too old
	 * to say failed on the config. */
	rc = ctl_reply_int(reply, "status", EXIT_INVALID);
	free(reply);
	return rc;
}
