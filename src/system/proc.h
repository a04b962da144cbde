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
 * descriptors. An exec failure is reported here as -errno, not as an
 * exit status later. 0 or -errno. */
int proc_spawn(char *const argv[], pid_t *pid, int *out_fd);

/* Write text to path through a temporary file and rename, so a reader
 * (a child re-reading its config) never sees half a file. 0 or -errno. */
int proc_write_file(const char *path, const char *text, mode_t mode);

/* Read a whole file (at most max bytes) into a malloc'd NUL-terminated
 * string. 0 or -errno (-EFBIG when larger than max). */
int proc_read_file(const char *path, size_t max, char **out);

#endif
