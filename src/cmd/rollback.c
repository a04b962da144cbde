/* nftrouter rollback: restore the previously applied config now. */
#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "system/apply.h"

static void rollback_usage(FILE *f)
{
	fputs("Usage: nftrouter rollback [--force] [--state-dir DIR] [--run-dir DIR]\n\n"
	      "Restore the previous state now.\n\n"
	      "With an `apply --confirm` pending, its timer rolls back at once: the\n"
	      "ruleset, port names, MTUs, addresses and sysctls from before that apply come\n"
	      "back, and the pending config is dropped.\n\n"
	      "Otherwise, STATE_DIR/previous.yaml (the config applied before the current\n"
	      "one) is applied again through the same path as `nftrouter apply`, so ports\n"
	      "and addresses come back too, and it becomes the applied config; the config it\n"
	      "replaces becomes the previous one (a second rollback returns to it). The\n"
	      "lockout guard checks it as it checks any apply.\n\n"
	      "Options:\n"
	      "      --force          skip the lockout guard\n"
	      "      --state-dir DIR  default $NFTROUTER_STATE_DIR or " DEFAULT_STATE_DIR "\n"
	      "      --run-dir DIR    default $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR "\n"
	      "  -h, --help           this text\n\n"
	      "Exit status: 0 rolled back; 1 nothing to roll back to, or the previous config\n"
	      "is refused (lockout guard), nothing changed; 2 usage; 3 the system refused,\n"
	      "nothing changed; 4 a step failed and what was done was undone.\n",
	      f);
}

int rollback_main(int argc, char **argv)
{
	enum { OPT_FORCE = CMD_OPT_OWN };
	static const struct option opts[] = {{"force", no_argument, NULL, OPT_FORCE},
					     CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	struct apply_opts o = {0};
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, rollback_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case OPT_FORCE: o.force = true; break;
		}
	}
	if (!cmd_operands(argc, 0, rollback_usage))
		return EXIT_USAGE;
	if (geteuid() != 0) {
		cmd_err("rollback changes links, sysctls and nftables: it must run as root "
			"(nothing changed)");
		return EXIT_SYSTEM;
	}
	struct diags d = DIAGS_INIT;
	o.state_dir = paths.state_dir;
	o.run_dir = paths.run_dir;
	o.ssh_connection = getenv("SSH_CONNECTION");
	int rc = (int)apply_rollback(&o, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	if (rc == EXIT_OK)
		printf("rolled back\n");
	return rc;
}
