/* nftrouter apply: bring the system to router.yaml, all or nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/model.h"
#include "system/apply.h"
#include "system/diff.h"

static void apply_usage(FILE *f)
{
	fputs("Usage: nftrouter apply [-c FILE] [--confirm SECS] [--force] [--diff]\n"
	      "                       [--state-dir DIR] [--run-dir DIR]\n\n"
	      "Bring this machine to the config once: ports (found by mac, name or pci;\n"
	      "renamed, MTU, exactly the configured IPv4 addresses, up), the firewall\n"
	      "(table inet nftrouter replaced in one kernel transaction; other tables are\n"
	      "never touched), bans and blocklists (table inet nftrouter_bans, restored with\n"
	      "their time left), and sysctls (forwarding, rp_filter: what `nftrouter render\n"
	      "sysctl` prints). Everything is rendered and planned before anything\n"
	      "changes; if a step fails, the steps already done are undone in reverse.\n"
	      "An apply that changes nothing is fast and leaves the kernel alone.\n\n"
	      "When SSH_CONNECTION is set (run from an SSH session), the lockout guard\n"
	      "first checks that the new ruleset still accepts new TCP connections from\n"
	      "that client to that port on the interface that holds the server address,\n"
	      "and refuses the config otherwise, naming the rule or policy that closes it.\n\n"
	      "Options:\n"
	      "  -c, --config FILE   the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	      "      --confirm SECS  apply, then restore the state from before this apply\n"
	      "                      after SECS seconds unless `nftrouter confirm` runs first.\n"
	      "                      The timer is a detached process: it outlives the\n"
	      "                      terminal or SSH session that started it. Until it is\n"
	      "                      confirmed or rolled back, another apply is refused.\n"
	      "      --force         skip the lockout guard\n"
	      "      --diff          first print what `nftrouter diff` prints (what this\n"
	      "                      apply changes, as the system is just before it;\n"
	      "                      \"nothing to change\" when nothing), then apply\n"
	      "      --state-dir DIR applied/previous configs and bans (default\n"
	      "                      $NFTROUTER_STATE_DIR or " DEFAULT_STATE_DIR ")\n"
	      "      --run-dir DIR   the confirm timer's pid file (default $NFTROUTER_RUN_DIR\n"
	      "                      or " DEFAULT_RUN_DIR ")\n"
	      "  -h, --help          this text\n\n"
	      "Files: STATE_DIR/applied.{yaml,nft}, previous.{yaml,nft}, pending.{yaml,nft}\n"
	      "(see docs/apply.md); RUN_DIR/confirm.pid while a confirm is pending.\n\n"
	      "Exit status: 0 applied; 1 invalid config or request (lockout guard, a\n"
	      "confirm pending), nothing changed; 2 usage; 3 the system refused (not root,\n"
	      "a missing non-optional port, the kernel rejected the ruleset), nothing\n"
	      "changed; 4 a step failed after others were done, and those were rolled back.\n",
	      f);
}

static int parse_secs(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > 86400)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* apply --diff: `nftrouter diff`'s report first (the same code, as the
 * system is just before the apply). EXIT_SYSTEM, nothing applied, when it
 * cannot be made: the apply would meet the same fault. */
static int apply_print_diff(const struct router_file *f, const struct cmd_paths *p,
			    struct diags *d)
{
	struct render_paths rp;
	struct buf out = BUF_INIT;
	cmd_render_paths(p, &rp);
	const char *ca = getenv("NFTROUTER_TLS_CA");
	if (ca && *ca)
		rp.tls_ca = ca;
	struct diff_opts o = {.state_dir = p->state_dir, .run_dir = p->run_dir,
			      .config_path = p->config, .config_text = f->text, .rp = &rp,
			      .tls_ca_given = ca && *ca};
	int r = diff_router(f->r, &o, &out, d);
	if (r < 0) {
		cmd_err("apply --diff: %s (nothing applied)", strerror(-r));
		buf_free(&out);
		return EXIT_SYSTEM;
	}
	if (r == 0)
		printf("nothing to change\n");
	else
		fwrite(out.s, 1, out.len, stdout);
	fflush(stdout);
	buf_free(&out);
	return EXIT_OK;
}

int apply_main(int argc, char **argv)
{
	enum { OPT_CONFIRM = CMD_OPT_OWN, OPT_FORCE, OPT_DIFF };
	static const struct option opts[] = {CMD_OPTION_CONFIG, CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     {"confirm", required_argument, NULL, OPT_CONFIRM},
					     {"force", no_argument, NULL, OPT_FORCE},
					     {"diff", no_argument, NULL, OPT_DIFF},
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	struct apply_opts o = {0};
	bool show_diff = false;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &paths, apply_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case OPT_CONFIRM:
			if (parse_secs(optarg, &o.confirm_secs) < 0) {
				cmd_err("--confirm: '%s' is not a number of seconds (1-86400)", optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_FORCE: o.force = true; break;
		case OPT_DIFF: show_diff = true; break;
		}
	}
	if (!cmd_operands(argc, 0, apply_usage))
		return EXIT_USAGE;
	/* The exact bytes parsed are the ones applied and kept in the state dir. */
	struct diags d = DIAGS_INIT;
	struct router_file *f = router_file_load(paths.config, &d);
	int rc = EXIT_INVALID;
	if (!f)
		goto out;
	if (geteuid() != 0) {
		cmd_err("apply changes links, sysctls and nftables: it must run as root "
			"(nothing changed)");
		rc = EXIT_SYSTEM;
		goto out;
	}
	o.state_dir = paths.state_dir;
	o.run_dir = paths.run_dir;
	o.config_path = paths.config;
	o.config_text = f->text;
	o.ssh_connection = getenv("SSH_CONNECTION");
	if (show_diff && (rc = apply_print_diff(f, &paths, &d)) != EXIT_OK)
		goto out;
	rc = (int)apply_router(f->r, &o, &d);
out:
	cmd_print_diags(&d);
	if (rc == EXIT_OK && o.confirm_secs)
		printf("applied %s; it will be rolled back in %u s unless `nftrouter confirm` runs\n",
		       paths.config, o.confirm_secs);
	else if (rc == EXIT_OK)
		printf("applied %s\n", paths.config);
	diags_free(&d);
	router_file_free(f);
	return rc;
}
