/* lab/agent: the QEMU guest agent protocol of `lab up --vm` — the
 * guest-exec request for an argv, and what a guest-exec-status reply
 * says (still running, exit status, signal, base64 output). The replies
 * are shaped as QEMU 7.2's agent sends them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lab/lab.h"

static void test_request_escapes(void **state)
{
	(void)state;
	char *req = lab_agent_exec_request((char *[]){"sh", "-c", "echo \"a\\b\"\n", NULL}, true);
	assert_non_null(req);
	assert_string_equal(req, "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"sh\",\"arg\":[\"-c\","
				 "\"echo \\\"a\\\\b\\\"\\u000a\"],\"capture-output\":true}}\n");
	free(req);
	req = lab_agent_exec_request((char *[]){"true", NULL}, false);
	assert_string_equal(req, "{\"execute\":\"guest-exec\",\"arguments\":{\"path\":\"true\",\"arg\":[],"
				 "\"capture-output\":false}}\n");
	free(req);
}

static void test_status_running(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	assert_int_equal(lab_agent_exec_status("{\"return\": {\"exited\": false}}", &out), -EAGAIN);
	assert_null(out.s);
	assert_int_equal(lab_agent_exec_status("{\"QMP\": {}}", &out), -EIO);
}

static void test_status_output(void **state)
{
	(void)state;
	struct buf out = BUF_INIT;
	/* "hello\n" and "oops" (no padding, then one '=' of padding). */
	int st = lab_agent_exec_status("{\"return\": {\"exitcode\": 3, \"out-data\": \"aGVsbG8K\", "
				       "\"err-data\": \"b29wcw==\", \"exited\": true}}",
				       &out);
	assert_int_equal(st, 3);
	buf_put(&out, "", 0);
	assert_string_equal(out.s, "hello\noops");
	buf_free(&out);
	assert_int_equal(lab_agent_exec_status("{\"return\":{\"exitcode\":0,\"exited\":true}}", NULL), 0);
}

static void test_status_signal(void **state)
{
	(void)state;
	assert_int_equal(lab_agent_exec_status("{\"return\": {\"signal\": 9, \"exited\": true}}", NULL), 128 + 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_escapes),
		cmocka_unit_test(test_status_running),
		cmocka_unit_test(test_status_output),
		cmocka_unit_test(test_status_signal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
