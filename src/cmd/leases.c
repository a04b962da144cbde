/* nftrouter leases: the DHCP leases dnsmasq handed out. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "system/status.h"
#include "system/ctl.h"

static void leases_usage(FILE *f)
{
	fputs("Usage: nftrouter leases [--json] [--state-dir DIR] [--run-dir DIR]\n\n"
	      "List the DHCP leases (MAC, IP, host name, time left) from dnsmasq's lease file\n"
	      "STATE_DIR/dnsmasq.leases: through the daemon when it runs, else from the file.\n\n"
	      "Options:\n"
	      "  --json           one JSON document: {\"ok\":true,\"leases\":[{\"mac\",\"ip\",\n"
	      "                   \"name\",\"client_id\",\"expires\",\"left\"}]}\n"
	      "  --state-dir DIR  default $NFTROUTER_STATE_DIR or " DEFAULT_STATE_DIR "\n"
	      "  --run-dir DIR    default $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR "\n"
	      "  -h, --help       this text\n\n"
	      "Exit status: 0 ok (also with no leases); 2 usage; 3 the file could not be read.\n",
	      f);
}

int leases_main(int argc, char **argv)
{
	enum { OPT_JSON = CMD_OPT_OWN };
	static const struct option opts[] = {CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR,
					     {"json", no_argument, NULL, OPT_JSON},
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	bool json = false;
	char *reply = NULL;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "h", opts, &paths, leases_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case OPT_JSON: json = true; break;
		}
	}
	if (!cmd_operands(argc, 0, leases_usage))
		return EXIT_USAGE;
	/* The daemon's answer is the same file read by the same code; asking it
	 * matters when its state dir differs from ours. */
	if (json && ctl_request(paths.run_dir, "leases", 10000, &reply) == 0 && ctl_reply_ok(reply)) {
		fputs(reply, stdout);
		free(reply);
		return EXIT_OK;
	}
	free(reply);
	struct lease *l = NULL;
	size_t n = 0;
	struct buf b = BUF_INIT;
	int rc = leases_read(paths.state_dir, &l, &n);
	if (rc < 0 || leases_format(l, n, json, &b) < 0) {
		cmd_err("leases: %s/dnsmasq.leases: %s", paths.state_dir, strerror(rc < 0 ? -rc : ENOMEM));
		free(l);
		buf_free(&b);
		return EXIT_SYSTEM;
	}
	if (!json && n == 0)
		printf("no leases\n");
	fwrite(b.s, 1, b.len, stdout);
	buf_free(&b);
	free(l);
	return EXIT_OK;
}
