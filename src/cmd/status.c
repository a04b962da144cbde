/* nftrouter status: the router's ports, zones, children and applied config. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "system/status.h"
#include "model/model.h"
#include "system/ctl.h"

static void status_usage(FILE *f)
{
	fputs("Usage: nftrouter status [--json] [-c FILE] [--state-dir DIR] [--run-dir DIR]\n\n"
	      "Show the router: each configured port (match, kernel name, up/down, carrier,\n"
	      "IPv4 addresses), the zones, the applied config's SHA-256, a pending\n"
	      "`apply --confirm`, and, when the daemon runs, its children with pid, uptime\n"
	      "and restarts (asked over the control socket). Without a daemon the same is\n"
	      "read from the kernel and the state dir, for the applied config (or -c FILE\n"
	      "when nothing was applied).\n\n"
	      "INTERRUPTED APPLY: an apply was killed halfway (STATE_DIR/apply.journal is\n"
	      "there); the next apply, rollback or run finishes or undoes it. status only\n"
	      "says so: it changes nothing.\n\n"
	      "Options:\n"
	      "  --json             one JSON document on stdout (docs/control-socket.md)\n"
	      "  -c, --config FILE  the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	      "  --state-dir DIR    default $NFTROUTER_STATE_DIR or " DEFAULT_STATE_DIR "\n"
	      "  --run-dir DIR      default $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR "\n"
	      "  -h, --help         this text\n\n"
	      "Exit status: 0 ok; 1 no valid config to describe; 2 usage; 3 the kernel or\n"
	      "the control socket refused.\n",
	      f);
}

/* Through the daemon: 1 printed, 0 no daemon, <0 error printed. */
static int status_daemon(const struct cmd_paths *p, bool json)
{
	char *reply = NULL, *text = NULL;
	int rc = ctl_request(p->run_dir, json ? "status" : "status text", 10000, &reply);
	if (ctl_no_daemon(rc))
		return 0;
	if (rc < 0) {
		cmd_err("status: control socket %s/%s: %s", p->run_dir, CTL_SOCK_NAME, strerror(-rc));
		return rc;
	}
	if (!ctl_reply_ok(reply)) {
		text = ctl_reply_str(reply, "error");
		cmd_err("status: the daemon says: %s", text ? text : reply);
		rc = -1;
	} else if (json) {
		fputs(reply, stdout);
		rc = 1;
	} else if ((text = ctl_reply_str(reply, "text"))) {
		fputs(text, stdout);
		rc = 1;
	} else {
		rc = -1;
	}
	free(text);
	free(reply);
	return rc;
}

static int status_local(const struct cmd_paths *p, bool json)
{
	struct router_file *f = NULL;
	char *applied = NULL;
	const char *file = p->config;
	struct buf b = BUF_INIT;
	int rc = EXIT_INVALID;
	size_t len = strlen(p->state_dir) + 16;
	if (!p->config_given && (applied = malloc(len))) {
		snprintf(applied, len, "%s/applied.yaml", p->state_dir);
		if (access(applied, R_OK) == 0)
			file = applied;
	}
	f = cmd_load(file);
	if (!f)
		goto out;
	struct status_in in = {.r = f->r, .config = file, .state_dir = p->state_dir, .run_dir = p->run_dir};
	/* Showing applied.yaml: its hash is of the bytes just read, not of
	 * a second read. */
	if (file == applied)
		in.hash = f->hash;
	if (status_format(&in, json, &b) < 0) {
		cmd_err("status: cannot read the kernel's links");
		rc = EXIT_SYSTEM;
		goto out;
	}
	fwrite(b.s, 1, b.len, stdout);
	rc = EXIT_OK;
out:
	buf_free(&b);
	router_file_free(f);
	free(applied);
	return rc;
}

int status_main(int argc, char **argv)
{
	enum { OPT_JSON = CMD_OPT_OWN };
	static const struct option opts[] = {CMD_OPTION_CONFIG,
					     CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR,
					     {"json", no_argument, NULL, OPT_JSON},
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	bool json = false;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &paths, status_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case OPT_JSON: json = true; break;
		}
	}
	if (!cmd_operands(argc, 0, status_usage))
		return EXIT_USAGE;
	int rc = status_daemon(&paths, json);
	if (rc > 0)
		return EXIT_OK;
	if (rc < 0)
		return EXIT_SYSTEM;
	return status_local(&paths, json);
}
