/* nftrouter diff: what an apply would change, before it does. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "model/model.h"
#include "system/diff.h"

/* diff(1)'s convention, which scripts test with `if nftrouter diff`:
 * 0 the same, 1 different, 2 and up trouble. */
enum { DIFF_SAME = 0, DIFF_CHANGES = 1, DIFF_TROUBLE = 2 };

static void diff_usage(FILE *f)
{
	fputs("Usage: nftrouter diff [-c FILE] [--state-dir DIR] [--run-dir DIR]\n\n"
	      "Show what `nftrouter apply` of the config would change on this machine,\n"
	      "without changing anything. The answers come from the code apply runs:\n\n"
	      "  config    the file against the applied one (STATE_DIR/applied.yaml)\n"
	      "  ports     renames, MTU, link up, addresses added (+) and removed (-),\n"
	      "            default routes and accept_ra: apply's own port plan, made\n"
	      "            from the kernel's links and addresses now; shaping that would\n"
	      "            be made (+), changed (~) or removed (-), per direction\n"
	      "  sysctls   values that differ: KEY: NOW -> WANTED\n"
	      "  ruleset   a unified diff (`diff -u`, Debian's diffutils) of the rendered\n"
	      "            ruleset against the one applied (STATE_DIR/applied.nft); when\n"
	      "            they are equal, whether the kernel's table still holds it\n"
	      "  bans      saved bans missing from the kernel (apply restores them), and\n"
	      "            blocklist files changed since their last load (with the number\n"
	      "            of ranges apply would load)\n"
	      "  dnsmasq.conf, unbound.conf\n"
	      "            when the daemon runs (its control socket in RUN_DIR): unified\n"
	      "            diffs of the configs it wrote against those it would write after\n"
	      "            `nftrouter reload` (without dns.upstream, the servers it learned\n"
	      "            by DHCP are left out of the comparison; the CA bundle, an\n"
	      "            option of `run`, is $NFTROUTER_TLS_CA when set, else the one\n"
	      "            the running unbound.conf names); and the dns.blocklists\n"
	      "            names it gave dnsmasq against those a reload would give (a\n"
	      "            list file can change while router.yaml does not), as counts\n\n"
	      "Nothing is printed when nothing would change. With the daemon running, LAN\n"
	      "IPv6 addresses numbered from a delegated prefix follow the prefix its\n"
	      "DHCPv6 hook last reported (RUN_DIR/dhcp6-PORT.env), as its reload does.\n"
	      "Needs root (reading the ruleset); writes nothing: not the state dir, not\n"
	      "the kernel.\n\n"
	      "Options:\n"
	      "  -c, --config FILE   the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	      "      --state-dir DIR what was applied (default $NFTROUTER_STATE_DIR or\n"
	      "                      " DEFAULT_STATE_DIR ")\n"
	      "      --run-dir DIR   the running daemon's files (default $NFTROUTER_RUN_DIR\n"
	      "                      or " DEFAULT_RUN_DIR ")\n"
	      "  -h, --help          this text\n\n"
	      "Exit status (as diff(1), not as the other commands): 0 nothing would change;\n"
	      "1 something would; 2 usage, or an invalid or unreadable config; 3 the\n"
	      "system refused (not root, a missing non-optional port, netlink or nft\n"
	      "failed) or a blocklist file apply would refuse.\n",
	      f);
}

int diff_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG, CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR, CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	struct render_paths rp;
	struct diags d = DIAGS_INIT;
	struct buf out = BUF_INIT;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &paths, diff_usage, &st)) != CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st == EXIT_OK ? DIFF_SAME : DIFF_TROUBLE;
	if (!cmd_operands(argc, 0, diff_usage))
		return DIFF_TROUBLE;
	struct router_file *f = router_file_load(paths.config, &d);
	int rc = DIFF_TROUBLE;
	if (!f)
		goto out;
	if (geteuid() != 0) {
		cmd_err("diff reads the ruleset and the bans from the kernel: it must run as root");
		rc = EXIT_SYSTEM;
		goto out;
	}
	cmd_render_paths(&paths, &rp);
	/* as `run` renders unbound.conf */
	const char *ca = getenv("NFTROUTER_TLS_CA");
	if (ca && *ca)
		rp.tls_ca = ca;
	struct diff_opts o = {.state_dir = paths.state_dir, .run_dir = paths.run_dir,
			      .config_path = paths.config, .config_text = f->text, .rp = &rp,
			      .tls_ca_given = ca && *ca};
	int r = diff_router(f->r, &o, &out, &d);
	if (r < 0) {
		if (!d.n_errors) /* every failure is said, even one that forgot to */
			cmd_err("diff: %s", strerror(-r));
		rc = EXIT_SYSTEM;
		goto out;
	}
	fwrite(out.s ? out.s : "", 1, out.len, stdout);
	rc = r ? DIFF_CHANGES : DIFF_SAME;
out:
	cmd_print_diags(&d);
	buf_free(&out);
	diags_free(&d);
	router_file_free(f);
	return rc;
}
