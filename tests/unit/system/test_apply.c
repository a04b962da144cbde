/* system/apply: the order of apply's steps and of their undo, and what
 * the state dir and the journal say after a failure, without root: the
 * real runner (apply_run_steps, apply_undo) with steps of this test's own
 * that record what they do. The kernel side of each real step has its own
 * tests (test_ports.c for the port plan; tests/lab for the rest). */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "system/apply_int.h"
#include "system/journal.h"
#include "system/state.h"

#define N_STEPS 5

/* What the test's steps record: "run N", "undo N". */
struct rec {
	char log[32][32];
	size_t n;
	size_t fail_at;   /* 1-based step whose run fails; 0: none */
	size_t undo_fail; /* 1-based step whose undo fails; 0: none */
};

static struct rec *rec_of(struct apply_ctx *c);

static int fake_run(struct apply_ctx *c)
{
	struct rec *r = rec_of(c);
	size_t k = c->cur + 1;
	snprintf(r->log[r->n++], sizeof(r->log[0]), "run %zu", k);
	if (k == r->fail_at) {
		/* Steps 2 and 4 had changed something before failing (as the
		 * port plan does); the others fail before any change. */
		c->done[c->cur] = k % 2 == 0;
		return -EIO;
	}
	c->done[c->cur] = k != 3; /* step 3 changes nothing (as an unchanged ruleset) */
	return 0;
}

static int fake_undo(struct apply_ctx *c)
{
	struct rec *r = rec_of(c);
	size_t k = c->cur + 1;
	assert_true(c->done[c->cur]);
	snprintf(r->log[r->n++], sizeof(r->log[0]), "undo %zu", k);
	return k == r->undo_fail ? -EIO : 0;
}

static const struct apply_step steps[N_STEPS] = {
	{"one", "one", fake_run, fake_undo},     {"two", "two", fake_run, fake_undo},
	{"three", "three", fake_run, fake_undo}, {"four", "four", fake_run, NULL},
	{"five", "five", fake_run, fake_undo},
};

struct run {
	struct apply_ctx c; /* first: the steps find their run from it */
	struct apply_opts o;
	struct diags d;
	struct rec r;
	char dir[64];
};

static struct rec *rec_of(struct apply_ctx *c)
{
	return &((struct run *)(void *)((char *)c - offsetof(struct run, c)))->r;
}

static void run_init(struct run *t, size_t fail_at)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/nftr-test-apply-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	t->o.state_dir = t->o.run_dir = t->dir;
	t->d = (struct diags)DIAGS_INIT;
	t->r.fail_at = fail_at;
	t->c.o = &t->o;
	t->c.d = &t->d;
	t->c.steps = steps;
	t->c.n_steps = N_STEPS;
	t->c.j = &t->c.own;
	/* The state dir names config A (previous P); the apply is of B and
	 * has written its journal, as apply_locked does before its steps. */
	t->c.own.next = (struct state_config){"B", "nftB", "/b"};
	t->c.own.old = (struct state_config){"A", "nftA", "/a"};
	t->c.own.prev = (struct state_config){"P", "nftP", "/p"};
	assert_int_equal(journal_commit(t->dir, &(struct journal){.next = t->c.own.old,
								    .old = t->c.own.prev}),
			 0);
	assert_int_equal(journal_write(t->dir, &t->c.own), 0);
}

static void run_fini(struct run *t)
{
	char path[400];
	DIR *dp = opendir(t->dir);
	struct dirent *e;
	while (dp && (e = readdir(dp)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", t->dir, e->d_name);
			unlink(path);
		}
	if (dp)
		closedir(dp);
	rmdir(t->dir);
	diags_free(&t->d);
}

static void expect_log(const struct rec *r, const char *const *want, size_t n)
{
	for (size_t i = 0; i < r->n; i++)
		print_message("  %s\n", r->log[i]);
	assert_int_equal(r->n, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(r->log[i], want[i]);
}

static void expect_state(const char *dir, const char *applied, const char *previous)
{
	char *y = NULL;
	assert_int_equal(state_read(dir, "applied.yaml", &y, NULL), 0);
	assert_string_equal(y, applied);
	free(y);
	assert_int_equal(state_read(dir, "previous.yaml", &y, NULL), 0);
	assert_string_equal(y, previous);
	free(y);
}

static void test_all_steps(void **state)
{
	(void)state;
	static const char *const want[] = {"run 1", "run 2", "run 3", "run 4", "run 5"};
	struct run t;
	run_init(&t, 0);
	assert_int_equal(apply_run_steps(&t.c), EXIT_OK);
	expect_log(&t.r, want, 5);
	run_fini(&t);
}

/* A failure at step k undoes k-1..1 in reverse: those that changed
 * something and have an undo (3 changed nothing, 4 has no undo). */
static void test_fail_at_each_step(void **state)
{
	(void)state;
	static const char *const want[6][8] = {
		{0},
		{"run 1"},                                         /* nothing changed yet */
		{"run 1", "run 2", "undo 2", "undo 1"},            /* 2 changed, then failed */
		{"run 1", "run 2", "run 3", "undo 2", "undo 1"},
		{"run 1", "run 2", "run 3", "run 4", "undo 2", "undo 1"},
		{"run 1", "run 2", "run 3", "run 4", "run 5", "undo 2", "undo 1"},
	};
	for (size_t k = 1; k <= N_STEPS; k++) {
		struct run t;
		size_t n = 0;
		while (n < 8 && want[k][n])
			n++;
		print_message("fail at step %zu:\n", k);
		run_init(&t, k);
		enum exit_status st = apply_run_steps(&t.c);
		expect_log(&t.r, want[k], n);
		assert_int_equal(st, k == 1 ? EXIT_SYSTEM : EXIT_ROLLEDBACK);
		/* Undone: the state dir names the old config, the journal is
		 * gone, and the message says where it failed. */
		expect_state(t.dir, "A", "P");
		struct journal j;
		assert_int_equal(journal_read(t.dir, &j), -ENOENT);
		assert_non_null(strstr(t.d.v[t.d.n - 1].msg, steps[k - 1].name));
		run_fini(&t);
	}
}

/* The last step (the state) had begun writing B when it failed: undone,
 * the state dir is written back to A. */
static void test_fail_in_state(void **state)
{
	(void)state;
	struct run t;
	run_init(&t, 5);
	t.c.state_started = true;
	assert_int_equal(journal_commit(t.dir, &t.c.own), 0); /* B written */
	expect_state(t.dir, "B", "A");
	assert_int_equal(apply_run_steps(&t.c), EXIT_ROLLEDBACK);
	expect_state(t.dir, "A", "P");
	run_fini(&t);
}

/* An undo that fails: the journal stays, and says to go back to A (the
 * next apply, rollback or run finishes that). */
static void test_undo_incomplete(void **state)
{
	(void)state;
	struct run t;
	run_init(&t, 5);
	t.r.undo_fail = 2;
	assert_int_equal(apply_run_steps(&t.c), EXIT_ROLLEDBACK);
	struct journal j;
	assert_int_equal(journal_read(t.dir, &j), 0);
	assert_string_equal(j.next.yaml, "A");
	assert_string_equal(j.prev.yaml, "P");
	assert_false(j.confirm);
	journal_free(&j);
	assert_non_null(strstr(t.d.v[t.d.n - 1].msg, "incomplete"));
	run_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_steps),
		cmocka_unit_test(test_fail_at_each_step),
		cmocka_unit_test(test_fail_in_state),
		cmocka_unit_test(test_undo_incomplete),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
