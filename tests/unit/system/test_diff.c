/* system/diff: diff_texts, the unified diff `nftrouter diff` shows, made by
 * Debian's diff(1) (diffutils, Essential) run as a child: equal texts give
 * 0 and no output; different ones 1 and a hunk with both labels; an empty
 * side (nothing applied yet) shows every line as added. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "system/diff.h"

static void test_equal(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_int_equal(diff_texts("a\nb\n", "old", "a\nb\n", "new", &b), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void test_changed(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_int_equal(diff_texts("one\ntwo\nthree\n", "applied.nft", "one\n2\nthree\n",
				    "router.yaml (rendered)", &b),
			 1);
	assert_non_null(b.s);
	print_message("%s", b.s);
	assert_string_equal(b.s, "--- applied.nft\n"
				 "+++ router.yaml (rendered)\n"
				 "@@ -1,3 +1,3 @@\n"
				 " one\n"
				 "-two\n"
				 "+2\n"
				 " three\n");
	buf_free(&b);
}

static void test_from_nothing(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_int_equal(diff_texts("", "applied.nft", "x\ny\n", "new", &b), 1);
	assert_non_null(strstr(b.s, "@@ -0,0 +1,2 @@\n+x\n+y\n"));
	buf_free(&b);
}

int main(void)
{
	if (access(DIFF_BIN, X_OK) != 0) {
		print_message("SKIP: %s is missing (diffutils)\n", DIFF_BIN);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_from_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
