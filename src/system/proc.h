/* Child processes of the daemon: fork/exec with stdout and stderr on one
 * pipe the daemon reads line by line into its log. */
#ifndef NFTROUTER_SYSTEM_PROC_H
#define NFTROUTER_SYSTEM_PROC_H

#include <sys/types.h>

/* Start argv[0] (a path) with argv. The child gets /dev/null on stdin,
 * both output streams on a pipe whose non-blocking, close-on-exec read
 * end is returned in *out_fd, an empty signal mask and default signal
 * dispositions (the daemon blocks signals for its signalfd; children must
 * not inherit that), its own process group (a terminal's ^C reaches the
 * daemon only, which then stops its children in order), and no other
 * descriptors, and SIGTERM when the daemon dies (PR_SET_PDEATHSIG), even
 * by SIGKILL. An exec failure is reported here as -errno, not as an
 * exit status later. 0 or -errno. */
int proc_spawn(char *const argv[], pid_t *pid, int *out_fd);

/* A child of an earlier daemon that outlived it (killed with SIGKILL: a
 * child that dropped privileges, like dnsmasq, loses its parent-death
 * signal): if pidfile names a live process whose command line contains
 * mark (its config's path), SIGTERM it and wait up to timeout_ms for it
 * to exit (a pidfd: no polling), then SIGKILL. 1 one was stopped, 0 none,
 * -errno. */
int proc_stop_stale(const char *pidfile, const char *mark, int timeout_ms);

#endif
