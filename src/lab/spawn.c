/* Child processes of the lab: ip(8) and the peer programs, always with
 * fork/exec and an argv array. */
#include "lab/lab.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LAB_ARGV_MAX 64

long lab_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void lab_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void child_setup_env(char *const env[])
{
	/* lab up blocks SIGINT/SIGTERM to read them from a signalfd; the
	 * mask survives exec, so children start with an empty one. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; env && env[i]; i++)
		putenv(env[i]);
}

static int wait_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

int lab_run(char *const argv[], char *const env[], struct buf *out, int timeout_ms)
{
	int fds[2], st = 0, ret;
	char chunk[4096];
	long deadline = lab_now_ms() + timeout_ms;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out ? fds[1] : null, 1);
		dup2(out ? fds[1] : null, 2);
		child_setup_env(env);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	ret = 0;
	for (;;) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		long left = deadline - lab_now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			ret = -ETIMEDOUT;
			break;
		}
		int n = poll(&p, 1, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		ssize_t r = read(fds[0], chunk, sizeof(chunk));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (out)
			buf_put(out, chunk, (size_t)r);
	}
	close(fds[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (ret == 0)
		ret = wait_status(st);
	if (out)
		buf_put(out, "", 0);
	return ret;
}

/* argv for `ip netns exec NS ARGV...` in v (LAB_ARGV_MAX entries). */
static int ns_argv(const struct lab_host *h, char *const argv[], char **v)
{
	size_t n = 0;
	v[n++] = (char *)"ip";
	v[n++] = (char *)"netns";
	v[n++] = (char *)"exec";
	v[n++] = (char *)h->ns;
	for (size_t i = 0; argv[i]; i++) {
		if (n + 1 >= LAB_ARGV_MAX)
			return -E2BIG;
		v[n++] = argv[i];
	}
	v[n] = NULL;
	return 0;
}

int lab_run_in(const struct lab *l, const struct lab_host *h, char *const argv[], struct buf *out,
	       int timeout_ms)
{
	char *v[LAB_ARGV_MAX];
	int ret = ns_argv(h, argv, v);
	if (l->vm && h->role == LAB_ROUTER)
		return lab_vm_exec(l, argv, out, timeout_ms);
	if (ret < 0)
		return ret;
	return lab_run(v, NULL, out, timeout_ms);
}

pid_t lab_spawn_in(const struct lab *l, const struct lab_host *h, char *const argv[], char *const env[],
		   const char *log, const char *tag)
{
	char *v[LAB_ARGV_MAX];
	char rec[96];
	int ret = ns_argv(h, argv, v);
	pid_t pid;

	if (l->vm && h->role == LAB_ROUTER)
		return lab_vm_spawn(l, argv); /* ends with the guest: not recorded */
	if (ret < 0)
		return ret;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
		setsid();
		/* The lab's children must not inherit the caller's signal
		 * dispositions (lab up ignores nothing, but be explicit). */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		dup2(null, 0);
		dup2(fd >= 0 ? fd : null, 1);
		dup2(fd >= 0 ? fd : null, 2);
		child_setup_env(env);
		execvp(v[0], v);
		_exit(127);
	}
	/* `ip netns exec` execs the program itself, so this pid is the
	 * program's; down verifies it still lives in a lab namespace. */
	snprintf(rec, sizeof(rec), "%d %s", (int)pid, tag);
	ret = lab_manifest_add(l, "pid", rec);
	if (ret < 0)
		return ret;
	return pid;
}

void lab_stop(const struct lab *l, const struct lab_host *h, pid_t pid)
{
	if (pid <= 0)
		return;
	if (l->vm && h->role == LAB_ROUTER) {
		lab_vm_kill(l, pid);
		return;
	}
	kill(pid, SIGTERM);
	for (int i = 0; i < 20; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		struct timespec ts = {0, 50000000L};
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int lab_nftrouter(const struct lab *l, char *const args[], struct buf *out, int timeout_ms)
{
	char state[PATH_MAX], run[PATH_MAX];
	char *v[24];
	size_t n = 0;
	lab_path(l, "state", state, sizeof(state));
	lab_path(l, "run", run, sizeof(run));
	v[n++] = l->vm ? (char *)"nftrouter" : (char *)l->bin;
	for (size_t i = 0; args[i] && n < 14; i++)
		v[n++] = args[i];
	if (!l->vm) {
		v[n++] = (char *)"-c";
		v[n++] = (char *)l->config;
		v[n++] = (char *)"--state-dir";
		v[n++] = state;
		v[n++] = (char *)"--run-dir";
		v[n++] = run;
	}
	v[n] = NULL;
	return lab_run_in(l, lab_router(l), v, out, timeout_ms);
}
