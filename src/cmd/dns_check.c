/* nftrouter dns-check: is a name blocked by dns.blocklists, and by which line? */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "model/model.h"
#include "system/dnsblock.h"

static void dns_check_usage(FILE *f)
{
	fputs("Usage: nftrouter dns-check [-c FILE] NAME\n\n"
	      "Say whether the router's DNS answers NAME with NXDOMAIN because of\n"
	      "dns.blocklists, and which entry blocks it: the name itself or a domain above\n"
	      "it (a listed example.com blocks ads.example.com too). Reads the lists the\n"
	      "config names, as apply and the daemon read them (so it also answers for a\n"
	      "list not yet applied). Changes nothing; needs no privileges beyond reading\n"
	      "the files.\n\n"
	      "Output: `NAME: blocked by FILE:LINE (ENTRY)` or `NAME: not blocked`.\n\n"
	      "Options:\n"
	      "  -c, --config FILE  the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	      "  -h, --help         this text\n\n"
	      "Exit status: 0 not blocked; 1 blocked; 2 usage (NAME missing, or not a DNS\n"
	      "name); 3 the config or a list is invalid or unreadable (errors as\n"
	      "FILE:LINE:COL).\n",
	      f);
}

int dns_check_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG, CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &paths, dns_check_usage, &st)) !=
	       CMD_OPT_END)
		if (c == CMD_OPT_EXIT)
			return st;
	if (!cmd_operands(argc, 1, dns_check_usage))
		return EXIT_USAGE;
	const char *name = argv[optind];
	struct router_file *f = cmd_load(paths.config);
	if (!f)
		return EXIT_SYSTEM;
	struct diags d = DIAGS_INIT;
	struct pos at = {0};
	char entry[DNSBLOCK_NAME_MAX + 1] = "";
	int rc = dnsblock_lookup(f->r, name, &at, entry, &d);
	cmd_print_diags(&d);
	diags_free(&d);
	if (rc == -EDOM) {
		st = EXIT_USAGE;
	} else if (rc < 0) {
		st = EXIT_SYSTEM;
	} else if (rc == 1) {
		printf("%s: blocked by %s:%d (%s)\n", name, at.file, at.line, entry);
		st = 1;
	} else {
		printf("%s: not blocked%s\n", name,
		       f->r->dns.n_blocklists ? "" : " (the config has no dns.blocklists)");
		st = EXIT_OK;
	}
	router_file_free(f);
	return st;
}
