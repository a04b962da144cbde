/* udhcpc runs the nftrouter binary itself as its script (`udhcpc -s
 * nftrouter`, set up by `nftrouter run`): argv is then just EVENT, and the
 * daemon's directories come in the environment udhcpc inherited. A script
 * file would have to live somewhere executable, and /run is noexec on a
 * stock Debian system (docs/run.md). dhclient -6 runs it the same way,
 * with no argument: its event is in the environment (`reason`). pppd
 * reaches it through a symlink in /etc/ppp/ip-up.d and ip-down.d, and
 * for IPv6 in ipv6-up.d and ipv6-down.d (cmd/ppp_hook.c). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "daemon/daemon.h"

/* Is path's last directory dir ("/ip-up.d/")? run-parts passes the
 * full path as argv[0]. */
static bool hook_in_dir(const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/');
	size_t n = strlen(dir);
	return slash && (size_t)(slash - path) + 1 >= n && strncmp(slash + 1 - n, dir, n) == 0;
}

int cmd_hook_event(int argc, char **argv)
{
	static const char *const events[] = {"deconfig", "bound", "renew", "leasefail", "nak"};
	char *state = getenv(HOOK_ENV_STATE_DIR), *run = getenv(HOOK_ENV_RUN_DIR);
	bool event = false;
	if (argc == 1 && state && run && getenv("reason") && getenv("interface")) {
		/* dhclient -6 -sf nftrouter: no argument, its event in `reason`. */
		char *v6[] = {"dhcp6-hook", "--state-dir", state, "--run-dir", run, NULL};
		return dhcp6_hook_main(5, v6);
	}
	/* pppd's /etc/ppp/ip-up (or ip-down, ipv6-up, ipv6-down) runs
	 * ip-up.d/nftrouter (...), this binary, with its six arguments; a pppd
	 * not nftrouter's has no dirs in its environment and is left alone
	 * (exit 0: run-parts goes on). */
	static const struct {
		const char *dir, *event;
	} ppp[] = {{"/ip-up.d/", "up"},
		   {"/ip-down.d/", "down"},
		   {"/ipv6-up.d/", "up6"},
		   {"/ipv6-down.d/", "down6"}};
	for (size_t i = 0; i < sizeof(ppp) / sizeof(ppp[0]) && argc == 7; i++) {
		if (!hook_in_dir(argv[0], ppp[i].dir))
			continue;
		if (!state || !run)
			return 0;
		char *v[] = {"ppp-hook", "--state-dir", state,	 "--run-dir", run,     (char *)ppp[i].event,
			     argv[1],	 argv[2],	argv[3], argv[4],     argv[5], argv[6], NULL};
		return ppp_hook_main(12, v);
	}
	if (argc != 2 || !state || !run)
		return -1;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		event |= strcmp(argv[1], events[i]) == 0;
	if (!event)
		return -1;
	char *v[] = {"dhcp-hook", "--state-dir", state, "--run-dir", run, argv[1], NULL};
	return dhcp_hook_main(6, v);
}
