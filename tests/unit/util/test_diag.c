/* Diagnostics: one line each, whatever the message quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/diag.h"

static void test_controls_escaped(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	diag_error(&d, (struct pos){"a\nb.yaml", 3, 1}, "unknown interface '%s'", "eth0\nwan:\t\x1b[31m\x7f");
	diag_warn(&d, (struct pos){NULL, 0, 0}, "plain 'é'");
	assert_int_equal(d.n, 2);
	assert_int_equal(d.n_errors, 1);
	assert_string_equal(d.v[0].msg, "unknown interface 'eth0\\nwan:\\t\\x1b[31m\\x7f'");
	assert_string_equal(d.v[0].file, "a\\nb.yaml");
	/* UTF-8 is text, not a control character. */
	assert_string_equal(d.v[1].msg, "plain 'é'");
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	diags_print(&d, f);
	fclose(f);
	/* Two diagnostics, two lines. */
	size_t lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += out[i] == '\n';
	assert_int_equal(lines, 2);
	free(out);
	diags_free(&d);
}

static void test_quote(void **state)
{
	(void)state;
	char out[16];
	assert_string_equal(diag_quote(out, sizeof(out), "a\nb\x01", 4), "a\\nb\\x01");
	/* Cut with "...", never inside a character: "é" is two bytes. */
	assert_string_equal(diag_quote(out, sizeof(out), "abcdefghijklmnopq", 17), "abcdefghijkl...");
	assert_string_equal(diag_quote(out, sizeof(out), "abcdefghijkl\xc3\xa9z", 15),
			    "abcdefghijkl...");
	assert_string_equal(diag_quote(out, sizeof(out), "abcdefghij\xc3\xa9z", 13),
			    "abcdefghij\xc3\xa9...");
	/* An escape is never cut in half either. */
	assert_string_equal(diag_quote(out, sizeof(out), "abcdefghij\x01\x02", 12), "abcdefghij...");
	/* A value may hold a NUL: the length decides, and it is shown. */
	assert_string_equal(diag_quote(out, sizeof(out), "a\0b", 3), "a\\x00b");
	assert_string_equal(diag_quote(out, 3, "abc", 3), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_escaped),
		cmocka_unit_test(test_quote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
