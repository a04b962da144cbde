#include "system/proc.h"
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs in the child between fork and exec: only async-signal-safe calls.
 * On failure the errno goes to the parent through status_fd. */
static void proc_child(char *const argv[], int out_fd, int status_fd, pid_t parent)
{
	sigset_t none;
	int err;
	/* A daemon killed with SIGKILL cannot stop its children: the kernel
	 * does, so no orphan dnsmasq holds the ports its successor needs. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	setpgid(0, 0);
	int nul = open("/dev/null", O_RDONLY);
	if (nul < 0 || dup2(nul, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(out_fd, 2) < 0)
		goto fail;
	/* Everything but 0-2 and the close-on-exec status pipe goes. */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != status_fd)
			close(fd);
	execv(argv[0], argv);
fail:
	err = errno;
	if (write(status_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

int proc_spawn(char *const argv[], pid_t *pid, int *out_fd)
{
	int out[2] = {-1, -1}, st[2] = {-1, -1}, rc = 0, err = 0;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
		rc = -errno;
		goto out;
	}
	pid_t self = getpid();
	pid_t p = fork();
	if (p < 0) {
		rc = -errno;
		goto out;
	}
	if (p == 0)
		proc_child(argv, out[1], st[1], self);
	close(st[1]);
	st[1] = -1;
	/* EOF (0 bytes) means exec succeeded and closed the pipe. */
	ssize_t n;
	do
		n = read(st[0], &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(err)) {
		rc = -err;
		/* The child exits at once; the daemon's SIGCHLD handling reaps it. */
		goto out;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	*pid = p;
	*out_fd = out[0];
	out[0] = -1;
out:
	for (int i = 0; i < 2; i++) {
		if (out[i] >= 0)
			close(out[i]);
		if (st[i] >= 0)
			close(st[i]);
	}
	return rc;
}

/* Does /proc/PID/cmdline hold mark as one of its arguments' substrings? */
static bool proc_cmdline_has(pid_t pid, const char *mark)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	ssize_t n = file_read_into(path, buf, sizeof(buf));
	if (n <= 0)
		return false;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1)
		if (strstr(buf + i, mark))
			return true;
	return false;
}

int proc_stop_stale(const char *pidfile, const char *mark, int timeout_ms)
{
	char *text = NULL;
	int rc = file_read(pidfile, 64, &text, NULL);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	long pid = strtol(text, NULL, 10);
	free(text);
	if (pid <= 1 || pid == getpid() || !proc_cmdline_has((pid_t)pid, mark))
		return 0;
	int pfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
	if (pfd < 0)
		return errno == ESRCH ? 0 : -errno;
	/* Checked again through the pidfd: the pid cannot have been reused
	 * between the check and the signal. */
	if (!proc_cmdline_has((pid_t)pid, mark)) {
		close(pfd);
		return 0;
	}
	syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0);
	struct pollfd p = {.fd = pfd, .events = POLLIN};
	if (poll(&p, 1, timeout_ms) == 0) {
		syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0);
		poll(&p, 1, timeout_ms);
	}
	close(pfd);
	return 1;
}
