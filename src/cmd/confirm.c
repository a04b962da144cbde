/* nftrouter confirm: keep what the pending `apply --confirm` applied. */
#include <errno.h>
#include <getopt.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "system/apply.h"

static void confirm_usage(FILE *f)
{
	fputs("Usage: nftrouter confirm [--state-dir DIR] [--run-dir DIR]\n\n"
	      "Keep what the last `nftrouter apply --confirm SECS` applied: stop its\n"
	      "rollback timer and make the pending config the applied one (the config\n"
	      "applied before it becomes the one `nftrouter rollback` restores).\n\n"
	      "Options:\n"
	      "      --state-dir DIR  default $NFTROUTER_STATE_DIR or " DEFAULT_STATE_DIR "\n"
	      "      --run-dir DIR    default $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR "\n"
	      "  -h, --help           this text\n\n"
	      "Exit status: 0 confirmed; 1 nothing was pending (never applied with\n"
	      "--confirm, already confirmed, or already rolled back); 2 usage; 3 the\n"
	      "system refused (not root, the state dir cannot be written).\n",
	      f);
}

int confirm_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR,
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, confirm_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	if (!cmd_operands(argc, 0, confirm_usage))
		return EXIT_USAGE;
	if (geteuid() != 0) {
		cmd_err("confirm must run as root");
		return EXIT_SYSTEM;
	}
	struct diags d = DIAGS_INIT;
	int rc = apply_confirm(paths.state_dir, paths.run_dir, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	if (rc == 0) {
		printf("confirmed: the applied config stays\n");
		return EXIT_OK;
	}
	return rc == -ENOENT ? EXIT_INVALID : EXIT_SYSTEM;
}
