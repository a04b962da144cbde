/* Confirm-or-rollback. `apply --confirm SECS` forks a detached timer
 * (setsid, double fork, stdio on /dev/null) that holds the apply's undo
 * record in memory. It undoes the apply at the deadline, or at once on
 * SIGUSR1 (`nftrouter rollback`); SIGTERM (`nftrouter confirm`) ends it
 * quietly. RUN_DIR/confirm.pid says "PID DEADLINE STARTTIME"; the start
 * time (from /proc/PID/stat) proves a PID is still our timer and not a
 * reused number. RUN_DIR/confirm.lock serialises the timer's rollback
 * against confirm. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/tree.h"
#include "system/apply_int.h"
#include "system/state.h"
#include "util/file.h"


static unsigned long long proc_starttime(pid_t pid, char *state)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if (file_read_into(path, buf, sizeof(buf)) < 0)
		return 0;
	/* Field 22; the command name (field 2) may hold spaces, so count
	 * from its closing parenthesis. */
	char *p = strrchr(buf, ')');
	unsigned long long st = 0;
	if (!p || !p[1] || !p[2])
		return 0;
	if (state)
		*state = p[2];
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &st) != 1)
		return 0;
	return st;
}

static int lock_open(const char *run_dir)
{
	return state_lock(run_dir, "confirm.lock");
}

int apply_lock(const char *run_dir)
{
	return state_lock(run_dir, "apply.lock");
}

struct pidfile {
	pid_t pid;
	long long deadline;
	unsigned long long start;
};

static int pidfile_read(const char *run_dir, struct pidfile *pf)
{
	char *text = NULL;
	long pid;
	int rc = state_read(run_dir, "confirm.pid", &text, NULL);
	if (rc < 0)
		return rc;
	if (sscanf(text, "%ld %lld %llu", &pid, &pf->deadline, &pf->start) != 3 || pid <= 1)
		rc = -EINVAL;
	pf->pid = (pid_t)pid;
	free(text);
	return rc;
}

static bool pidfile_alive(const struct pidfile *pf)
{
	char state = 0;
	return kill(pf->pid, 0) == 0 && proc_starttime(pf->pid, &state) == pf->start &&
	       state != 'Z';
}

int apply_pending_get(const char *run_dir, struct apply_pending *p)
{
	struct pidfile pf;
	int rc = pidfile_read(run_dir, &pf);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0)
		return rc;
	if (!pidfile_alive(&pf))
		return 0;
	p->pid = pf.pid;
	p->deadline = pf.deadline;
	return 1;
}

int confirm_pending(const char *state_dir, const char *run_dir)
{
	struct apply_pending p;
	int rc = apply_pending_get(run_dir, &p);
	if (rc == 0) {
		/* A timer that died (or a reboot, which empties RUN_DIR) leaves
		 * an unconfirmed config: it was never kept, so drop it. */
		state_config_remove(state_dir, "pending");
		(void)state_remove(state_dir, "pending.list");
		(void)state_remove(run_dir, "confirm.pid");
	}
	return rc;
}

static void timer_result(struct apply_ctx *c, int rc)
{
	char line[256];
	snprintf(line, sizeof(line), "%lld rolled back %s\n", (long long)time(NULL),
		 rc == 0 ? "ok" : "INCOMPLETE");
	(void)state_write(c->o->run_dir, "confirm.result", line, strlen(line));
}

/* The grandchild: wait for the deadline or a signal, then undo. */
static void timer_run(struct apply_ctx *c, long long deadline)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	for (int guard = 0; guard < 1000000; guard++) {
		long long left = deadline - (long long)time(NULL);
		if (left <= 0)
			break;
		struct timespec ts = {(time_t)left, 0};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGTERM)
			_exit(0);
		if (sig == SIGUSR1)
			break;
	}
	int fd = lock_open(c->o->run_dir);
	/* Never in the middle of another apply (a daemon's reload). */
	int afd = apply_lock(c->o->run_dir);
	char *y = NULL;
	/* confirm may have won the race for the lock: then keep everything. */
	if (state_read(c->o->state_dir, "pending.yaml", &y, NULL) == 0) {
		/* Journaled as a failed apply's undo is: if the timer dies
		 * halfway, the next apply, rollback or run finishes the way
		 * back to the applied config (the one this apply left alone). */
		struct journal back = {.next = c->own.old, .old = c->own.old, .prev = c->own.prev};
		bool journaled = back.next.yaml && journal_write(c->o->state_dir, &back) == 0;
		int rc = apply_undo(c);
		state_config_remove(c->o->state_dir, "pending");
		(void)state_remove(c->o->state_dir, "pending.list");
		if (journaled && rc == 0)
			(void)journal_remove(c->o->state_dir);
		timer_result(c, rc);
		(void)state_remove(c->o->run_dir, "confirm.pid");
	}
	free(y);
	if (afd >= 0)
		close(afd);
	if (fd >= 0)
		close(fd);
	_exit(0);
}

int confirm_timer_start(struct apply_ctx *c, unsigned secs)
{
	long long deadline = (long long)time(NULL) + secs;
	int rc = state_mkdir(c->o->run_dir);
	if (rc < 0) {
		diag_error(c->d, nopos, "run dir %s: %s", c->o->run_dir, strerror(-rc));
		return rc;
	}
	(void)state_remove(c->o->run_dir, "confirm.result");
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	/* Blocked before the fork, so no signal is lost before sigtimedwait. */
	sigprocmask(SIG_BLOCK, &set, &old);
	pid_t child = fork();
	if (child < 0) {
		rc = -errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		diag_error(c->d, nopos, "fork: %s", strerror(-rc));
		return rc;
	}
	if (child == 0) {
		setsid();
		pid_t gc = fork();
		if (gc < 0)
			_exit(1);
		if (gc > 0) {
			char line[96];
			snprintf(line, sizeof(line), "%ld %lld %llu\n", (long)gc, deadline,
				 proc_starttime(gc, NULL));
			_exit(state_write(c->o->run_dir, "confirm.pid", line, strlen(line)) < 0);
		}
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		/* Nothing inherited may keep a session open (an `ssh host
		 * nftrouter apply --confirm` waits for every holder of its
		 * pipes) or hold a daemon's sockets: close all, and talk to the
		 * kernel over sockets of the timer's own. */
		close_range(3, ~0U, 0);
		c->nft = nft_open();
		c->ls = link_sock_open();
		if (chdir("/") < 0 || !c->nft || !c->ls)
			_exit(1);
		timer_run(c, deadline);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	int status = 0;
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		diag_error(c->d, nopos, "the confirm timer did not start");
		return -ECHILD;
	}
	return 0;
}

/* pending.* becomes applied.*, applied.* previous.*, through a journal
 * as an apply's own state is: a kill halfway is finished by the next
 * command (which applies the pending config, the one running). */
static int confirm_state(const char *state_dir)
{
	struct journal j = {0};
	int rc = state_config_read(state_dir, "pending", &j.next);
	if (rc < 0 || ((rc = state_config_read(state_dir, "applied", &j.old)) < 0 && rc != -ENOENT) ||
	    ((rc = state_config_read(state_dir, "previous", &j.prev)) < 0 && rc != -ENOENT))
		goto out;
	if ((rc = journal_write(state_dir, &j)) < 0 || (rc = journal_commit(state_dir, &j)) < 0)
		goto out;
	rc = state_rename(state_dir, "pending.list", "applied.list");
	if (rc < 0 && rc != -ENOENT)
		goto out;
	state_config_remove(state_dir, "pending");
	rc = journal_remove(state_dir);
out:
	journal_free(&j);
	return rc;
}

int apply_confirm(const char *state_dir, const char *run_dir, struct diags *d)
{
	struct pidfile pf;
	int fd, afd = -1, rc;
	if ((rc = state_dir_ready(state_dir, "state", d)) < 0 ||
	    (rc = state_dir_ready(run_dir, "run", d)) < 0)
		return rc;
	if ((fd = lock_open(run_dir)) < 0) {
		diag_error(d, nopos, "run dir %s: %s", run_dir, strerror(-fd));
		return fd;
	}
	rc = pidfile_read(run_dir, &pf);
	if (rc < 0 || !pidfile_alive(&pf)) {
		confirm_pending(state_dir, run_dir);
		diag_error(d, nopos, "no `apply --confirm` is pending (already confirmed, or rolled "
				     "back when its time ran out)");
		rc = -ENOENT;
		goto out;
	}
	/* Never beside an apply (a daemon's reload) writing the state dir. */
	afd = apply_lock(run_dir);
	if (afd < 0) {
		rc = afd;
		diag_error(d, nopos, "run dir %s: %s", run_dir, strerror(-rc));
		goto out;
	}
	/* We hold the lock, so the timer is not rolling back: stop it. */
	if (kill(pf.pid, SIGTERM) < 0 && errno != ESRCH) {
		rc = -errno;
		diag_error(d, nopos, "stopping the confirm timer (pid %ld): %s", (long)pf.pid,
			   strerror(errno));
		goto out;
	}
	if ((rc = confirm_state(state_dir)) < 0) {
		diag_error(d, nopos, "state dir %s: %s", state_dir, strerror(-rc));
		goto out;
	}
	(void)state_remove(run_dir, "confirm.pid");
out:
	if (afd >= 0)
		close(afd);
	close(fd);
	return rc;
}

/* Ask the timer to roll back now and wait (bounded) until it has. */
static enum exit_status rollback_pending(const char *run_dir, const struct pidfile *pf,
					  struct diags *d)
{
	char *res = NULL;
	if (kill(pf->pid, SIGUSR1) < 0) {
		diag_error(d, nopos, "signalling the confirm timer: %s", strerror(errno));
		return EXIT_SYSTEM;
	}
	/* The timer removes confirm.pid when it is done; a dead timer is a
	 * zombie until some init reaps it, so its pid says less. */
	struct pidfile now;
	for (int i = 0; i < 300 && pidfile_read(run_dir, &now) == 0 && pidfile_alive(&now); i++) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	enum exit_status st = EXIT_OK;
	if (state_read(run_dir, "confirm.result", &res, NULL) < 0 || !strstr(res, " ok")) {
		diag_error(d, nopos, "the rollback of the pending apply did not complete%s%s",
			   res ? ": " : "", res ? res : "");
		st = EXIT_ROLLEDBACK;
	}
	free(res);
	return st;
}

static enum exit_status rollback_previous(const struct apply_opts *o, struct diags *d)
{
	struct state_config sc = {0};
	struct router_file *f = NULL;
	enum exit_status st = EXIT_SYSTEM;
	char file[4096];
	snprintf(file, sizeof(file), "%s/previous.yaml", o->state_dir);
	/* An interrupted apply is finished first: previous.* is what it
	 * leaves, not a state file half moved. */
	int lock = apply_begin(o, d);
	if (lock < 0)
		return st;
	st = EXIT_INVALID;
	int rc = state_config_read(o->state_dir, "previous", &sc);
	if (rc < 0) {
		diag_error(d, nopos, "nothing to roll back to: %s: %s", file, strerror(-rc));
		goto out;
	}
	/* Its errors name previous.yaml, the file that is wrong; relative
	 * paths in it resolve against its original path, as they did. */
	const char *origin = sc.path && *sc.path ? sc.path : NULL;
	f = router_file_parse(file, origin, sc.yaml, strlen(sc.yaml), d);
	if (!f) {
		diag_error(d, nopos, "the previous config (%s) no longer builds", file);
		goto out;
	}
	struct apply_opts po = *o;
	po.config_text = f->text;
	po.config_path = origin ? origin : file;
	po.confirm_secs = 0;
	st = apply_locked(f->r, &po, NULL, d);
out:
	close(lock);
	router_file_free(f);
	state_config_free(&sc);
	return st;
}

enum exit_status apply_rollback(const struct apply_opts *o, struct diags *d)
{
	struct pidfile pf;
	if (pidfile_read(o->run_dir, &pf) == 0 && pidfile_alive(&pf))
		return rollback_pending(o->run_dir, &pf, d);
	confirm_pending(o->state_dir, o->run_dir);
	return rollback_previous(o, d);
}
