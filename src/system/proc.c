#include "system/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Runs in the child between fork and exec: only async-signal-safe calls.
 * On failure the errno goes to the parent through status_fd. */
static void proc_child(char *const argv[], int out_fd, int status_fd)
{
	sigset_t none;
	int err;
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
	pid_t p = fork();
	if (p < 0) {
		rc = -errno;
		goto out;
	}
	if (p == 0)
		proc_child(argv, out[1], st[1]);
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

int proc_write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(path) + 8;
	char *tmp = malloc(len);
	int fd = -1, rc = 0;
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, len, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	size_t left = strlen(text);
	while (left) {
		ssize_t n = write(fd, text, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		text += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || close(fd) < 0) {
		fd = -1;
		rc = -errno;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	free(tmp);
	return rc;
}

int proc_read_file(const char *path, size_t max, char **out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	char *s = NULL;
	size_t len = 0, cap = 0;
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *ns = realloc(s, cap);
			if (!ns) {
				rc = -ENOMEM;
				goto out;
			}
			s = ns;
		}
		ssize_t n = read(fd, s + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			rc = -EFBIG;
			goto out;
		}
	}
	s[len] = '\0';
	*out = s;
	s = NULL;
out:
	free(s);
	close(fd);
	return rc;
}
