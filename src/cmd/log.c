/* nftrouter log: the firewall log the daemon keeps (docs/firewall-log.md). */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "system/ctl.h"

#define LOG_FOLLOW_MS 500
#define LOG_MAX 512 /* the daemon's ring */

static void log_usage(FILE *f)
{
	fputs("Usage: nftrouter log [--follow] [--json] [-n N]\n\n"
	      "Print the firewall log the running daemon keeps: one line per packet a\n"
	      "`log` line of the ruleset sent to its NFLOG group (group 3960): a rule with\n"
	      "`log`, and for a zone with `log: true` what its input policy drops or\n"
	      "rejects and the new connections out of it that no forward entry allows.\n"
	      "Each line: time (UTC), rule=NAME (zone:ZONE:input or zone:ZONE:forward for\n"
	      "a zone's log) and line=N of router.yaml, in=PORT/ZONE and out=PORT/ZONE,\n"
	      "proto, src and dst (with ports for tcp/udp), the packet's length. The\n"
	      "ruleset limits each log line's rate (a rule's log-rate, 10/minute burst 5\n"
	      "by default). The daemon keeps the last 512 events; its own log gets at most\n"
	      "20 a second.\n\n"
	      "Options:\n"
	      "  -n N               the last N events (default 20; 0: all the daemon keeps)\n"
	      "  -f, --follow       then print new events as they come (checks twice a\n"
	      "                     second) until interrupted\n"
	      "  --json             one JSON object per line: seq, time, rule, line, in,\n"
	      "                     in_zone, out, out_zone, proto, src, dst, sport, dport\n"
	      "                     (tcp/udp), icmp_type (icmp), len\n"
	      "  --run-dir DIR      the daemon's control socket's dir\n"
	      "                     (default $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR ")\n"
	      "  -c, --config FILE, --state-dir DIR\n"
	      "                     accepted for symmetry with the other commands; unused\n"
	      "  -h, --help         this text\n\n"
	      "Exit status: 0 printed; 2 usage; 3 no daemon runs, or it cannot read its\n"
	      "log group (another NFLOG listener holds it).\n",
	      f);
}

/* One request; prints its events. 0, or an exit status. */
static int log_fetch(const char *run_dir, unsigned long n, unsigned long long *since, bool json)
{
	char req[96], *reply = NULL;
	snprintf(req, sizeof(req), "log %lu %llu %s", n, *since, json ? "json" : "text");
	int rc = ctl_request(run_dir, req, 5000, &reply);
	if (rc < 0) {
		cmd_err("log: %s: %s", ctl_no_daemon(rc) ? "no daemon answers" : "control socket",
			strerror(-rc));
		free(reply);
		return EXIT_SYSTEM;
	}
	char *text = ctl_reply_str(reply, "text");
	if (!ctl_reply_ok(reply) || !text) {
		char *err = ctl_reply_str(reply, "error");
		cmd_err("log: the daemon refused: %s", err ? err : "no reply");
		free(err);
		free(text);
		free(reply);
		return EXIT_SYSTEM;
	}
	if (!strstr(reply, "\"reading\":true")) {
		cmd_err("log: the daemon does not read its log group (see its log)");
		free(text);
		free(reply);
		return EXIT_SYSTEM;
	}
	fputs(text, stdout);
	fflush(stdout);
	/* "last" is a number member: parse it from the reply. */
	const char *p = strstr(reply, "\"last\":");
	if (p)
		*since = strtoull(p + 7, NULL, 10);
	free(text);
	free(reply);
	return EXIT_OK;
}

int log_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG, CMD_OPTION_STATE_DIR, CMD_OPTION_RUN_DIR,
					     {"json", no_argument, NULL, 'j'},
					     {"follow", no_argument, NULL, 'f'},
					     CMD_OPTION_HELP, CMD_OPTION_END};
	struct cmd_paths paths;
	bool json = false, follow = false;
	unsigned long n = 20;
	char *end;
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:hfn:", opts, &paths, log_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case 'j': json = true; break;
		case 'f': follow = true; break;
		case 'n':
			n = strtoul(optarg, &end, 10);
			if (!*optarg || *end || n > LOG_MAX) {
				cmd_err("log: -n: a number 0-%d, got '%s'", LOG_MAX, optarg);
				return EXIT_USAGE;
			}
			break;
		}
	}
	if (!cmd_operands(argc, 0, log_usage))
		return EXIT_USAGE;
	unsigned long long since = 0;
	int rc = log_fetch(paths.run_dir, n, &since, json);
	while (rc == EXIT_OK && follow) {
		struct timespec ts = {0, LOG_FOLLOW_MS * 1000000L};
		nanosleep(&ts, NULL);
		rc = log_fetch(paths.run_dir, 0, &since, json);
	}
	return rc;
}
