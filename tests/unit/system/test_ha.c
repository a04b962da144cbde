/* system/ha.c's pure parts: which conntrackd steps each VRRP state asks
 * for (the order matters: commit before flush, resync, bulk send), and
 * the sync counters read from `conntrackd -s network` as conntrackd 1.4
 * prints them. tests/lab/run-ha.sh runs the real conntrackd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "system/ha.h"

static void steps_are(const char *state, const char *const *want)
{
	const char *const *got = ha_conntrackd_steps(state);
	size_t i = 0;
	assert_non_null(got);
	for (; want[i]; i++) {
		assert_non_null(got[i]);
		assert_string_equal(got[i], want[i]);
	}
	assert_null(got[i]);
}

static void test_steps(void **state)
{
	(void)state;
	steps_are("MASTER", (const char *const[]){"-c", "-f", "-R", "-B", NULL});
	steps_are("BACKUP", (const char *const[]){"-t", "-n", NULL});
	steps_are("FAULT", (const char *const[]){"-t", NULL});
	assert_null(ha_conntrackd_steps("STOP"));
	assert_null(ha_conntrackd_steps("master")); /* keepalived says it in upper case */
}

static const char network[] =
    "network statistics:\n"
    "\trecv:\n"
    "\t\tMalformed messages:\t                   0\n"
    "\tsend:\n"
    "\t\tMalformed messages:\t                   0\n\n"
    "UDP traffic (active device=sync):\n"
    "                 112 Bytes sent                   96 Bytes recv\n"
    "                   7 Pckts sent                    6 Pckts recv\n"
    "                   1 Error send                    2 Error recv\n\n"
    "message tracking:\n"
    "                   0 Malformed msgs                    0 Lost msgs\n";

static void test_stats(void **state)
{
	(void)state;
	struct ha_sync_stats st;
	assert_int_equal(ha_stats_parse(network, &st), 0);
	assert_int_equal(st.bytes_sent, 112);
	assert_int_equal(st.bytes_recv, 96);
	assert_int_equal(st.pkts_sent, 7);
	assert_int_equal(st.pkts_recv, 6);
	assert_int_equal(st.err_send, 1);
	assert_int_equal(st.err_recv, 2);
	/* No UDP section (another channel, an error text): refused. */
	assert_int_equal(ha_stats_parse("network statistics:\n", &st), -EINVAL);
	assert_int_equal(ha_stats_parse("UDP traffic (active device=sync):\n"
					"  112 Bytes sent   96 Bytes recv\n",
					&st),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_steps),
	    cmocka_unit_test(test_stats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
