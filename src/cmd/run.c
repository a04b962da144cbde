/* nftrouter run: the router daemon, in the foreground. */
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "daemon/daemon.h"

static void run_usage(FILE *f)
{
	fputs("Usage: nftrouter run [-c FILE] [--state-dir DIR] [--run-dir DIR] [--tls-ca FILE]\n\n"
	      "The router daemon, in the foreground (systemd Type=notify). Applies the config\n"
	      "as `apply` does, then starts and supervises dnsmasq (DHCP and DNS), unbound (for\n"
	      "tls:// DNS upstreams) and a udhcpc per `ipv4: dhcp` port; follows link changes\n"
	      "over netlink (an optional port that appears is renamed, addressed and served);\n"
	      "serves the control socket RUN_DIR/nftrouter.sock (root only) for status, leases,\n"
	      "reload, confirm and bans. Sends READY=1 to $NOTIFY_SOCKET when the router is up.\n"
	      "Logs to stderr; children's output is prefixed with their name.\n\n"
	      "Fail closed: if the first apply fails (invalid config, the kernel refuses, a\n"
	      "corrupt state file), the router never forwards unfiltered: an nftrouter table\n"
	      "already loaded is kept, else a minimal one is loaded that forwards nothing\n"
	      "and accepts only loopback, replies, neighbour discovery and SSH as the config\n"
	      "(or, if invalid, the last applied one) allows. The daemon keeps running\n"
	      "without children, `status` shows the error, and a reload with a good config\n"
	      "recovers.\n\n"
	      "Signals: SIGHUP re-reads the config (an invalid one is logged with its position\n"
	      "and changes nothing; children whose config did not change keep running).\n"
	      "SIGTERM or SIGINT stop the children and exit 0; the firewall stays loaded.\n\n"
	      "Options:\n"
	      "  -c, --config FILE   the config (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG ")\n"
	      "  --state-dir DIR     leases, applied config (default $NFTROUTER_STATE_DIR or\n"
	      "                      " DEFAULT_STATE_DIR ")\n"
	      "  --run-dir DIR       control socket, children's configs (default\n"
	      "                      $NFTROUTER_RUN_DIR or " DEFAULT_RUN_DIR ")\n"
	      "  --tls-ca FILE       CA bundle for DNS-over-TLS upstreams (default\n"
	      "                      $NFTROUTER_TLS_CA or the system bundle)\n"
	      "  -h, --help          this text\n\n"
	      "Exit status: 0 stopped by SIGTERM/SIGINT; 2 usage; 3 the system refused before\n"
	      "the first apply: a refused run or state dir, netlink (the router is closed\n"
	      "first, as above); not root, or another daemon serves the socket (nothing done).\n"
	      "Only when the first apply failed and not even the fail-closed table could be\n"
	      "loaded does it exit with the apply's status: 1 invalid, 3 refused, 4 rolled\n"
	      "back. See docs/run.md and nftrouter(8).\n",
	      f);
}

int run_main(int argc, char **argv)
{
	enum { OPT_CA = CMD_OPT_OWN };
	static const struct option opts[] = {CMD_OPTION_CONFIG,
					     CMD_OPTION_STATE_DIR,
					     CMD_OPTION_RUN_DIR,
					     {"tls-ca", required_argument, NULL, OPT_CA},
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct cmd_paths paths;
	const char *ca = getenv("NFTROUTER_TLS_CA");
	char self[PATH_MAX];
	int c, st;
	cmd_paths_init(&paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &paths, run_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case OPT_CA: ca = optarg; break;
		}
	}
	if (!cmd_operands(argc, 0, run_usage))
		return EXIT_USAGE;
	if (geteuid() != 0) {
		cmd_err("run: needs root (CAP_NET_ADMIN to apply the config)");
		return EXIT_SYSTEM;
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		cmd_err("run: cannot find this executable's path");
		return EXIT_SYSTEM;
	}
	self[n] = '\0';
	struct daemon_opts o = {.config = paths.config,
				.state_dir = paths.state_dir,
				.run_dir = paths.run_dir,
				.tls_ca = ca && *ca ? ca : NULL,
				.self = self,
				.log = stderr};
	return daemon_run(&o);
}
