/* Units of the daemon: hashing, JSON escaping, the lease file parser,
 * reply parsing, child spawning, sd_notify, the poller's callbacks and
 * supervision without a cap on children, and what load and reload decide
 * against a recording system (no root). */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/internal.h"
#include "system/status.h"
#include "system/ctl.h"
#include "system/failsafe.h"
#include "system/proc.h"
#include "util/json.h"
#include "util/file.h"
#include "util/sha256.h"

/* Files the code under test reads, written as the daemon writes them. */
static int write_text(const char *path, const char *text, mode_t mode)
{
	return file_write_atomic(path, text, strlen(text), mode, 0);
}

static void test_sha256_vectors(void **state)
{
	char out[65];
	sha256_hex("", 0, out);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sha256_hex("abc", 3, out);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_hex(two, strlen(two), out);
	assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *m = malloc(1000000);
	assert_non_null(m);
	memset(m, 'a', 1000000);
	sha256_hex(m, 1000000, out);
	assert_string_equal(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

static void test_json_escape(void **state)
{
	struct buf b = BUF_INIT;
	json_puts(&b, "a\"b\\c\nd\te\x01\x7f\xc3\xa9");
	char *s = buf_steal(&b);
	assert_string_equal(s, "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\\u00c3\\u00a9\"");
	free(s);
}

static void test_leases(void **state)
{
	char dir[] = "/tmp/nftr-test-leases.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dnsmasq.leases", dir);
	struct lease *l = NULL;
	size_t n = 7;
	assert_int_equal(leases_read(dir, &l, &n), 0); /* no file: no leases */
	assert_int_equal(n, 0);
	assert_int_equal(write_text(path,
					 "1800000000 52:54:00:12:34:56 192.168.1.20 nas 01:52:54:00:12:34:56\n"
					 "0 52:54:00:aa:bb:cc 192.168.1.21 * *\n"
					 "duid 00:01:00:01:2c:00:00:00:52:54:00:00:00:01\n",
					 0600),
			 0);
	assert_int_equal(leases_read(dir, &l, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(l[0].expires, 1800000000);
	assert_string_equal(l[0].mac, "52:54:00:12:34:56");
	assert_string_equal(l[0].ip, "192.168.1.20");
	assert_string_equal(l[0].name, "nas");
	assert_string_equal(l[0].client_id, "01:52:54:00:12:34:56");
	assert_int_equal(l[1].expires, 0);
	assert_string_equal(l[1].name, "");
	assert_string_equal(l[1].client_id, "");
	struct buf b = BUF_INIT;
	assert_int_equal(leases_format(l, n, true, &b), 0);
	char *s = buf_steal(&b);
	assert_non_null(strstr(s, "\"ip\":\"192.168.1.20\",\"name\":\"nas\""));
	assert_non_null(strstr(s, "\"expires\":0,\"left\":0"));
	free(s);
	free(l);
	unlink(path);
	rmdir(dir);
}

static void test_reply_parsing(void **state)
{
	const char *ok = "{\"ok\":true,\"text\":\"a\\nb \\\"q\\\" \\u00e9\"}\n";
	const char *bad = "{\"ok\":false,\"error\":\"not banned\",\"errno\":2}\n";
	assert_true(ctl_reply_ok(ok));
	assert_false(ctl_reply_ok(bad));
	char *t = ctl_reply_str(ok, "text");
	assert_string_equal(t, "a\nb \"q\" \xe9");
	free(t);
	assert_null(ctl_reply_str(ok, "error"));
	struct diags d = DIAGS_INIT;
	/* A refusal's lines become one error each; a silent one still says so. */
	assert_int_equal(ctl_reply_diags(bad, &d), 1);
	assert_string_equal(d.v[0].msg, "not banned");
	assert_int_equal(ctl_reply_diags("{\"ok\":false,\"error\":\"a:1:1: x\\nb:2:1: y\"}", &d), 2);
	assert_string_equal(d.v[2].msg, "b:2:1: y");
	assert_int_equal(ctl_reply_diags("{\"ok\":false}", &d), 0);
	assert_int_equal(d.n_errors, 4);
	diags_free(&d);
	assert_int_equal(ctl_reply_int(bad, "errno", -1), 2);
	assert_int_equal(ctl_reply_int(bad, "status", -1), -1);
	assert_int_equal(ctl_reply_errno(bad), 2);
	assert_int_equal(ctl_reply_errno(ok), 0);
	char *reply = NULL;
	int rc = ctl_request("/nonexistent-nftrouter-dir", "status", 1000, &reply);
	assert_true(ctl_no_daemon(rc));
	assert_int_equal(ctl_request("/tmp", "two\nlines", 1000, &reply), -EINVAL);
}

static char *read_all(int fd)
{
	static char buf[4096];
	size_t len = 0;
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	for (ssize_t n; (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0;)
		len += (size_t)n;
	buf[len] = '\0';
	return buf;
}

static void test_spawn(void **state)
{
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	char *argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; grep SigBlk /proc/self/status; exit 3",
			NULL};
	pid_t pid;
	int fd, status;
	assert_int_equal(proc_spawn(argv, &pid, &fd), 0);
	char *out = read_all(fd);
	close(fd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 3);
	assert_non_null(strstr(out, "out\n"));
	assert_non_null(strstr(out, "err\n"));
	/* The daemon blocks signals for its signalfd; a child must not. */
	assert_non_null(strstr(out, "SigBlk:\t0000000000000000"));
	char *missing[] = {"/nonexistent/program", NULL};
	assert_int_equal(proc_spawn(missing, &pid, &fd), -ENOENT);
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void test_stop_stale(void **state)
{
	char dir[] = "/tmp/nftr-test-stale.XXXXXX", pidfile[64], mark[64], pid_s[16];
	assert_non_null(mkdtemp(dir));
	snprintf(pidfile, sizeof(pidfile), "%s/x.pid", dir);
	snprintf(mark, sizeof(mark), "%s/x.conf", dir);
	assert_int_equal(proc_stop_stale(pidfile, mark, 100), 0); /* no pid file */
	/* A shell blocked reading a pipe: no grandchild left behind. */
	int hold[2];
	assert_int_equal(pipe(hold), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(hold[0], 0);
		execl("/bin/sh", "sh", "-c", "read x", mark, (char *)NULL);
		_exit(127);
	}
	close(hold[0]);
	snprintf(pid_s, sizeof(pid_s), "%d\n", (int)pid);
	assert_int_equal(write_text(pidfile, pid_s, 0600), 0);
	/* Another process's pid file (a pid reused by something else) is left alone. */
	assert_int_equal(proc_stop_stale(pidfile, "/not/our/config", 100), 0);
	for (int i = 0; i < 100 && strncmp(pid_s, "sh", 2) != 0; i++) {
		/* wait for the exec, so the command line is the shell's */
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
		FILE *f = fopen(path, "r");
		if (f) {
			if (!fgets(pid_s, sizeof(pid_s), f))
				pid_s[0] = '\0';
			fclose(f);
		}
		usleep(10000);
	}
	assert_int_equal(proc_stop_stale(pidfile, mark, 2000), 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	close(hold[1]);
	unlink(pidfile);
	rmdir(dir);
}

static void test_notify(void **state)
{
	char name[64], buf[64];
	snprintf(name, sizeof(name), "@nftrouter-test-notify-%d", (int)getpid());
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	memcpy(sa.sun_path + 1, name + 1, strlen(name) - 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(name))),
			 0);
	assert_int_equal(notify_send(name, "READY=1\nSTATUS=x"), 0);
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_int_equal(n, 16);
	buf[n] = '\0';
	assert_string_equal(buf, "READY=1\nSTATUS=x");
	assert_int_equal(notify_send(NULL, "READY=1"), 0);   /* no socket: nothing to do */
	assert_int_equal(notify_send("relative", "READY=1"), -EINVAL);
	close(fd);
}

struct poll_seen {
	struct poller *p;
	int calls[3];
	int *victim;      /* fd that callback 0 unwatches and closes */
	int reuse[2];     /* the pipe opened in its place */
	watch_fn *on_new; /* and watched with this */
};

static void on_ready(int fd, uint32_t events, void *data, int which)
{
	struct poll_seen *s = data;
	char c;
	(void)events;
	s->calls[which]++;
	if (read(fd, &c, 1) < 0)
		c = 0;
	if (which == 0 && s->victim && *s->victim >= 0) {
		/* Unwatch and close another ready fd, and get its number back
		 * for a new, silent pipe watched with another callback. */
		int old = *s->victim;
		poller_unwatch_close(s->p, s->victim);
		assert_int_equal(pipe(s->reuse), 0);
		assert_int_equal(s->reuse[0], old); /* the lowest free number */
		assert_int_equal(poller_watch(s->p, s->reuse[0], EPOLLIN, s->on_new, s), 0);
	}
}

static void on_a(int fd, uint32_t ev, void *data) { on_ready(fd, ev, data, 0); }
static void on_b(int fd, uint32_t ev, void *data) { on_ready(fd, ev, data, 1); }
static void on_c(int fd, uint32_t ev, void *data) { on_ready(fd, ev, data, 2); }

static void test_poller(void **state)
{
	struct poller p;
	struct poll_seen s = {.p = &p, .on_new = on_c};
	int a[2], b[2];
	assert_int_equal(poller_init(&p), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	assert_int_equal(poller_watch(&p, a[0], EPOLLIN, on_a, &s), 0);
	assert_int_equal(poller_watch(&p, b[0], EPOLLIN, on_b, &s), 0);
	assert_int_equal(poller_watch(&p, b[0], EPOLLIN, on_b, &s), -EEXIST);
	assert_int_equal(poller_modify(&p, a[1], EPOLLIN), -ENOENT);
	/* Both ready in one batch; whichever runs first, b's callback must
	 * not run after a's unwatched b, nor the callback of the new watch
	 * that has b's number now (its pipe is empty). */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "y", 1), 1);
	s.victim = &b[0];
	int n = poller_dispatch(&p, 1000);
	assert_true(n == 1 || n == 2);
	assert_int_equal(s.calls[0], 1);
	assert_true(s.calls[1] <= 1);
	int b_first = s.calls[1];
	assert_int_equal(s.calls[2], 0);
	assert_int_equal(poller_dispatch(&p, 0), 0);
	assert_int_equal(s.calls[2], 0);
	assert_int_equal(write(s.reuse[1], "z", 1), 1);
	assert_int_equal(poller_dispatch(&p, 1000), 1);
	assert_int_equal(s.calls[2], 1);
	assert_int_equal(s.calls[1], b_first);
	poller_unwatch(&p, a[0]);
	poller_unwatch(&p, a[0]); /* twice: a no-op */
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(poller_dispatch(&p, 0), 0);
	poller_fini(&p);
	close(a[0]);
	close(a[1]);
	close(b[1]);
	close(s.reuse[0]);
	close(s.reuse[1]);
}

/* More children than the old fixed table held (18), all started, all
 * logged, all stopped: supervision has no cap. */
static void test_children_uncapped(void **state)
{
	enum { N = 40 };
	struct daemon_opts o = {.log = tmpfile()};
	struct daemon d = {.o = &o, .sig_fd = -1};
	sigset_t set, old;
	assert_non_null(o.log);
	assert_int_equal(poller_init(&d.poll), 0);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	d.sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	assert_true(d.sig_fd >= 0);
	for (int i = 0; i < N; i++) {
		char name[32];
		char **argv = calloc(4, sizeof(*argv));
		assert_non_null(argv);
		argv[0] = strdup("/bin/sh");
		argv[1] = strdup("-c");
		argv[2] = strdup("echo up; exec sleep 30");
		snprintf(name, sizeof(name), "kid%d", i);
		struct child *c = child_new(&d, name, argv, NULL, NULL);
		assert_non_null(c);
		assert_int_equal(child_spawn(c), 0);
		assert_true(c->pid > 0);
	}
	size_t n = 0;
	for (struct child *c = d.children; c; c = c->next, n++) {
		char name[32];
		snprintf(name, sizeof(name), "kid%zu", n);
		assert_string_equal(c->name, name); /* in start order */
	}
	assert_int_equal(n, N);
	assert_non_null(child_find(&d, "kid39"));
	assert_null(child_find(&d, "kid40"));
	child_stop_all(&d);
	assert_null(d.children);
	/* Each one's exit is in the log. */
	rewind(o.log);
	char line[256];
	int exits = 0;
	while (fgets(line, sizeof(line), o.log))
		exits += strstr(line, "killed by signal 15") != NULL;
	assert_int_equal(exits, N);
	close(d.sig_fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	poller_fini(&d.poll);
	fclose(o.log);
}

/* A server that answers after reading part of the request and closes
 * with the rest unread resets the connection: the client still takes the
 * whole reply line it got before the reset. */
static void test_ctl_reset_after_reply(void **state)
{
	char dir[] = "/tmp/nftr-test-ctl.XXXXXX", path[128], req[3001], *reply = NULL;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" CTL_SOCK_NAME, dir);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char b[16];
		int c = accept(l, NULL, NULL);
		ssize_t n = c >= 0 ? read(c, b, sizeof(b)) : -1;
		const char *r = "{\"ok\":false,\"error\":\"too long\"}\n";
		if (n > 0 && write(c, r, strlen(r)) < 0)
			_exit(2);
		_exit(0); /* closes with the request's rest unread: a reset */
	}
	close(l);
	memset(req, 'a', sizeof(req) - 1);
	req[sizeof(req) - 1] = '\0';
	int rc = ctl_request(dir, req, 5000, &reply);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(rc, 0);
	assert_non_null(reply);
	assert_string_equal(reply, "{\"ok\":false,\"error\":\"too long\"}\n");
	free(reply);
	unlink(path);
	rmdir(dir);
}

/* daemon_load, at start and as daemon_reload calls it, against a
 * recording system (struct daemon_sys): what the daemon decides, without
 * root. (daemon_reload then rescans links and syncs the children, which
 * start real programs: the namespace tests run-reload and
 * run-fail-closed cover that part.) */
static struct {
	int applies, closes;
	enum exit_status apply_rc;
	bool close_admin;    /* the last close was given a model */
	bool ignore_pending; /* of the last apply */
} sys_rec;

static enum exit_status rec_apply(const struct router *r, const struct apply_opts *o,
				  struct diags *dg)
{
	sys_rec.applies++;
	sys_rec.ignore_pending = o->ignore_pending;
	if (sys_rec.apply_rc != EXIT_OK)
		diag_error(dg, nopos, "the kernel said no");
	return sys_rec.apply_rc;
}

static int rec_close(const struct router *admin, const char *lock_dir, struct diags *dg)
{
	sys_rec.closes++;
	sys_rec.close_admin = admin != NULL;
	return FAILSAFE_LOADED;
}

static const char reload_yaml[] =
	"interfaces:\n"
	"  wan: { match: { name: wan0 }, ipv4: dhcp, metric: %d }\n"
	"  lan: { match: { name: lan0 }, ipv4: 192.168.50.1/24 }\n"
	"zones:\n"
	"  wan: { interfaces: [wan], masquerade: true, input: drop }\n"
	"  lan: { interfaces: [lan], input: reject, services: [dns, dhcp], forward: [wan] }\n"
	"dhcp:\n"
	"  lan: { range: 192.168.50.100-192.168.50.199 }\n"
	"dns:\n"
	"  upstream: [\"192.0.2.53\"]\n";

static void write_config(const char *path, int metric)
{
	char text[sizeof(reload_yaml) + 16];
	snprintf(text, sizeof(text), reload_yaml, metric);
	assert_int_equal(write_text(path, text, 0600), 0);
}

static void test_reload_decisions(void **state)
{
	char dir[] = "/tmp/nftr-test-reload.XXXXXX", cfg[128], st[128], run[128];
	assert_non_null(mkdtemp(dir));
	snprintf(cfg, sizeof(cfg), "%s/router.yaml", dir);
	snprintf(st, sizeof(st), "%s/state", dir);
	snprintf(run, sizeof(run), "%s/run", dir);
	assert_int_equal(mkdir(st, 0700), 0);
	assert_int_equal(mkdir(run, 0700), 0);
	static const struct daemon_sys rec = {.apply = rec_apply, .close = rec_close};
	struct daemon_opts o = {.config = cfg, .state_dir = st, .run_dir = run, .log = tmpfile()};
	struct daemon d = {.o = &o, .sys = &rec, .sig_fd = -1, .listen_fd = -1};
	struct buf msg = BUF_INIT;
	assert_non_null(o.log);
	assert_int_equal(poller_init(&d.poll), 0);

	/* The first apply refused: the router closes (with the admin access
	 * of the config tried) and the daemon runs on, showing why. */
	write_config(cfg, 10);
	sys_rec.apply_rc = EXIT_SYSTEM;
	assert_int_equal(daemon_load(&d, true, &msg), EXIT_OK);
	assert_int_equal(sys_rec.applies, 1);
	assert_int_equal(sys_rec.closes, 1);
	assert_true(sys_rec.close_admin);
	assert_false(sys_rec.ignore_pending); /* the first apply honours a pending confirm */
	assert_true(d.fail_closed);
	assert_null(d.r);
	assert_non_null(d.error);
	assert_non_null(strstr(d.error, "the kernel said no"));
	buf_free(&msg);

	/* A reload the kernel takes: the config runs, the error clears. */
	sys_rec.apply_rc = EXIT_OK;
	assert_int_equal(daemon_load(&d, false, &msg), EXIT_OK);
	buf_free(&msg);
	assert_int_equal(sys_rec.applies, 2);
	assert_true(sys_rec.ignore_pending);
	assert_false(d.fail_closed);
	assert_null(d.error);
	assert_non_null(d.r);
	const struct router *running = d.r;
	char hash[65];
	memcpy(hash, d.hash, sizeof(hash));

	/* A broken config on reload: nothing applied, nothing closed, the
	 * running config stays and status says why. */
	assert_int_equal(write_text(cfg, "interfaces: [\n", 0600), 0);
	assert_int_equal(daemon_load(&d, false, &msg), EXIT_INVALID);
	assert_non_null(strstr(msg.s, "router.yaml:"));
	buf_free(&msg);
	assert_int_equal(sys_rec.applies, 2);
	assert_int_equal(sys_rec.closes, 1);
	assert_ptr_equal(d.r, running);
	assert_string_equal(d.hash, hash);
	assert_non_null(d.error);

	/* A reload the kernel refuses: the same, and never fail-closed. */
	write_config(cfg, 20);
	sys_rec.apply_rc = EXIT_SYSTEM;
	assert_int_equal(daemon_load(&d, false, &msg), EXIT_SYSTEM);
	assert_non_null(strstr(msg.s, "the kernel said no"));
	buf_free(&msg);
	assert_int_equal(sys_rec.applies, 3);
	assert_int_equal(sys_rec.closes, 1);
	assert_ptr_equal(d.r, running);
	assert_false(d.fail_closed);

	/* Only the metric of a DHCP port changed: applied, and that port is
	 * marked to renew its lease (its hook sets the routes). */
	sys_rec.apply_rc = EXIT_OK;
	assert_int_equal(daemon_load(&d, false, &msg), EXIT_OK);
	buf_free(&msg);
	assert_int_equal(d.r->ifaces[0].metric, 20);
	assert_true(d.ports[0].renew);
	assert_false(d.ports[1].renew);

	/* An invalid config at a first start: closed with no model to take
	 * admin access from (the state dir was not checked: none trusted). */
	struct daemon d2 = {.o = &o, .sys = &rec, .sig_fd = -1, .listen_fd = -1};
	assert_int_equal(poller_init(&d2.poll), 0);
	assert_int_equal(write_text(cfg, "zones: 7\n", 0600), 0);
	assert_int_equal(daemon_load(&d2, true, &msg), EXIT_OK);
	buf_free(&msg);
	assert_int_equal(sys_rec.closes, 2);
	assert_false(sys_rec.close_admin);
	assert_true(d2.fail_closed);
	assert_non_null(d2.error);

	free(d2.error);
	free(d2.ports);
	poller_fini(&d2.poll);
	router_free(d.r);
	free(d.config_text);
	free(d.ports);
	free(d.error);
	poller_fini(&d.poll);
	fclose(o.log);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors), cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_leases),         cmocka_unit_test(test_reply_parsing),
		cmocka_unit_test(test_spawn),          cmocka_unit_test(test_notify),
		cmocka_unit_test(test_stop_stale),     cmocka_unit_test(test_poller),
		cmocka_unit_test(test_children_uncapped), cmocka_unit_test(test_ctl_reset_after_reply),
		cmocka_unit_test(test_reload_decisions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
