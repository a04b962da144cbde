/* system/journal: the apply journal round-trips any config text, a file
 * that is not one whole journal is refused, and journal_commit makes the
 * state dir name its end state from any half-written start. A temporary
 * directory per test; nothing outside it is touched. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "system/journal.h"
#include "tmpdir.h"
#include "util/file.h"

static void put(const char *dir, const char *name, const char *text)
{
	assert_int_equal(state_write(dir, name, text, strlen(text)), 0);
}

static void expect(const char *dir, const char *name, const char *text)
{
	char *got = NULL;
	int rc = state_read(dir, name, &got, NULL);
	if (!text) {
		assert_int_equal(rc, -ENOENT);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(got, text);
	free(got);
}

static void test_round_trip(void **state)
{
	const char *dir = *state;
	/* Texts that look like section headers, white space first, no
	 * final newline: lengths, not delimiters, carry them. */
	struct journal j = {.confirm = true,
			    .next = {"\n  next.yaml 3\nend\n", "table x\n", "/etc/r.yaml"},
			    .prev = {"p", "", ""}};
	struct journal r;
	assert_int_equal(journal_write(dir, &j), 0);
	assert_int_equal(journal_read(dir, &r), 0);
	assert_true(r.confirm);
	assert_true(state_config_same(&r.next, &j.next));
	assert_string_equal(r.next.yaml, j.next.yaml);
	assert_null(r.old.yaml);
	assert_string_equal(r.prev.yaml, "p");
	journal_free(&r);
	assert_int_equal(journal_remove(dir), 0);
	assert_int_equal(journal_read(dir, &r), -ENOENT);
}

static void test_refused(void **state)
{
	const char *dir = *state;
	struct journal r;
	static const char *const bad[] = {
		"",
		"hello world\n",
		"nftrouter-apply-journal 1\nmode apply\nend\n",                 /* no next */
		"nftrouter-apply-journal 1\nmode apply\nnext.yaml 5\nab\n",     /* cut short */
		"nftrouter-apply-journal 1\nmode apply\nnext.yaml 2\nab\n",     /* no end */
		"nftrouter-apply-journal 1\nmode maybe\nnext.yaml 2\nab\nend\n",
		"nftrouter-apply-journal 1\nmode apply\nnext.yaml 2\nab\nnext.yaml 1\nc\nend\n",
		"nftrouter-apply-journal 1\nmode apply\nnext.bin 2\nab\nend\n",
		"nftrouter-apply-journal 1\nmode apply\nnext.yaml 99999999999999999999\nab\nend\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put(dir, JOURNAL_NAME, bad[i]);
		assert_int_equal(journal_read(dir, &r), -EINVAL);
	}
	put(dir, JOURNAL_NAME, "nftrouter-apply-journal 1\nmode apply\nnext.yaml 2\nab\nend\n");
	assert_int_equal(journal_read(dir, &r), 0);
	assert_string_equal(r.next.yaml, "ab");
	assert_null(r.next.nft);
	journal_free(&r);
}

/* The end state from a start where the last commit stopped halfway:
 * previous.* already old, applied.yaml new but applied.nft old. */
static void test_commit(void **state)
{
	const char *dir = *state;
	struct journal j = {.next = {"B", "nftB", "/b"}, .old = {"A", "nftA", "/a"},
			    .prev = {"P", "nftP", "/p"}};
	put(dir, "previous.yaml", "A");
	put(dir, "previous.nft", "nftP");
	put(dir, "applied.yaml", "B");
	put(dir, "applied.nft", "nftA");
	put(dir, "applied.path", "/a");
	assert_int_equal(journal_commit(dir, &j), 0);
	expect(dir, "applied.yaml", "B");
	expect(dir, "applied.nft", "nftB");
	expect(dir, "applied.path", "/b");
	expect(dir, "previous.yaml", "A");
	expect(dir, "previous.nft", "nftA");
	expect(dir, "previous.path", "/a");
	/* Undo: back to old, previous to what it was before. */
	struct journal back = {.next = j.old, .old = j.old, .prev = j.prev};
	assert_int_equal(journal_commit(dir, &back), 0);
	expect(dir, "applied.yaml", "A");
	expect(dir, "previous.yaml", "P");
	expect(dir, "previous.nft", "nftP");
	/* Re-applying the applied config keeps previous (rollback's target). */
	struct journal same = {.next = j.old, .old = j.old, .prev = j.prev};
	assert_int_equal(journal_commit(dir, &same), 0);
	expect(dir, "previous.yaml", "P");
	/* Nothing applied before and nothing to go back to: no previous. */
	struct journal first = {.next = j.next};
	assert_int_equal(journal_commit(dir, &first), 0);
	expect(dir, "applied.yaml", "B");
	expect(dir, "previous.yaml", NULL);
	/* Undo of the first apply ever: no applied config either. */
	struct journal none = {0};
	assert_int_equal(journal_commit(dir, &none), 0);
	expect(dir, "applied.yaml", NULL);
	/* Confirm: only pending.* is written. */
	struct journal conf = {.confirm = true, .next = j.next, .old = j.old};
	assert_int_equal(journal_commit(dir, &conf), 0);
	expect(dir, "pending.yaml", "B");
	expect(dir, "applied.yaml", NULL);
}

/* state_tmp_sweep: a dead writer's temporary goes, a live one's stays. */
static void test_sweep(void **state)
{
	const char *dir = *state;
	char name[64];
	pid_t dead = fork();
	assert_true(dead >= 0);
	if (dead == 0)
		_exit(0);
	assert_int_equal(waitpid(dead, NULL, 0), dead);
	snprintf(name, sizeof(name), "applied.yaml.tmp%ld", (long)dead);
	put(dir, name, "x");
	snprintf(name, sizeof(name), "bans.tmp%ld", (long)getppid());
	put(dir, name, "y");
	put(dir, "applied.tmpfoo", "z");
	assert_int_equal(state_tmp_sweep(dir), 1);
	snprintf(name, sizeof(name), "applied.yaml.tmp%ld", (long)dead);
	expect(dir, name, NULL);
	snprintf(name, sizeof(name), "bans.tmp%ld", (long)getppid());
	expect(dir, name, "y");
	expect(dir, "applied.tmpfoo", "z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_refused, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_commit, tmpdir_setup, tmpdir_teardown),
		cmocka_unit_test_setup_teardown(test_sweep, tmpdir_setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
