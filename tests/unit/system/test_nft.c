/* libnftables' error text to error codes: the one mapping (system/nft.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "system/nft.h"

static void test_errno(void **state)
{
	(void)state;
	char msg[256];
	/* As libnftables prints them: strerror() of the kernel's answer. */
	snprintf(msg, sizeof(msg), "Error: Could not process rule: %s\nlist table inet x\n^^^^^",
		 strerror(ENOENT));
	assert_int_equal(nft_errno(msg), -ENOENT);
	snprintf(msg, sizeof(msg), "Error: Could not process rule: %s\nadd set inet b s { }",
		 strerror(EEXIST));
	assert_int_equal(nft_errno(msg), -EEXIST);
	snprintf(msg, sizeof(msg), "netlink: Error: %s", strerror(EACCES));
	assert_int_equal(nft_errno(msg), -EPERM);
	/* No privilege wins over what could not be found. */
	snprintf(msg, sizeof(msg), "Error: %s\nError: %s", strerror(ENOENT), strerror(EPERM));
	assert_int_equal(nft_errno(msg), -EPERM);
	assert_int_equal(nft_errno("Error: syntax error, unexpected junk"), -EINVAL);
	assert_int_equal(nft_errno(NULL), -EINVAL);
}

static void test_condense(void **state)
{
	(void)state;
	char a[] = "/dev/stdin:3:1-4: Error: syntax error\nfoo bar\n^^^\n"
		   "/dev/stdin:3:1-4: Error: syntax error\nfoo bar\n^^^\n"
		   "/dev/stdin:5:2-3: Error: unknown thing\nx\n ^\n";
	nft_error_condense(a);
	assert_string_equal(a, "/dev/stdin:3:1-4: Error: syntax error; "
			       "/dev/stdin:5:2-3: Error: unknown thing");
	/* Back-to-back error lines: the result still fits. */
	char b[] = "Error: a\nError: b\nError: c\nError: d";
	nft_error_condense(b);
	assert_true(strlen(b) <= strlen("Error: a\nError: b\nError: c\nError: d"));
	assert_non_null(strstr(b, "Error: a; Error: b"));
	char c[] = "nothing recognisable\nhere";
	nft_error_condense(c);
	assert_string_equal(c, "nothing recognisable\nhere");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_condense),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
