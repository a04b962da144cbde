/* Exit statuses, the one list: every command returns one of these, the
 * daemon's start and apply_router() too, and --help texts and
 * docs/nftrouter.md describe these numbers. */
#ifndef NFTROUTER_UTIL_EXIT_H
#define NFTROUTER_UTIL_EXIT_H

enum exit_status {
	EXIT_OK = 0,
	EXIT_INVALID = 1,    /* the config or the request is invalid; nothing changed */
	EXIT_USAGE = 2,      /* bad options or arguments */
	EXIT_SYSTEM = 3,     /* the system refused (not root, missing port, kernel); nothing changed */
	EXIT_ROLLEDBACK = 4, /* a step failed after others were done; those were undone */
};

#endif
