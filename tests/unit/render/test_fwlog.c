/* Firewall log events: the prefix the renderer writes parses back to the
 * rule's name and line (also when the rule's own text is cut to fit),
 * packets' headers are read (IPv4 tcp, IPv6 udp, icmp, a later
 * fragment, junk), and the text and JSON lines carry every field. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/fwlog.h"

static void test_prefix(void **state)
{
	(void)state;
	char name[FWLOG_NAME_MAX + 1];
	int line = -1;
	assert_int_equal(fwlog_prefix_parse("nftr admin-ssh 41 Admin SSH: ", name, sizeof(name), &line), 0);
	assert_string_equal(name, "admin-ssh");
	assert_int_equal(line, 41);
	assert_int_equal(fwlog_prefix_parse("nftr zone:wan:input 22 ", name, sizeof(name), &line), 0);
	assert_string_equal(name, "zone:wan:input");
	assert_int_equal(line, 22);
	assert_int_equal(fwlog_prefix_parse("nftr x 7", name, sizeof(name), &line), 0);
	const char *bad[] = {"", "nftr", "nftr ", "nftr x", "nftr x y", "nftr  5 ", "other x 5 ",
			     "nftr x 5y", "nftr x -1 "};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(fwlog_prefix_parse(bad[i], name, sizeof(name), &line), -EINVAL);
	assert_int_equal(fwlog_prefix_parse("nftr x 5", name, 1, &line), -EINVAL);
}

static const uint8_t tcp4[] = {
    0x45, 0, 0, 60, 0, 0, 0x40, 0, 64, 6, 0, 0, 203, 0, 113, 1, 203, 0, 113, 10,
    0x9c, 0x40, 0, 22, /* ports 40000 → 22 */
};

static void test_packet(void **state)
{
	(void)state;
	struct fwlog_event e = {0};
	assert_int_equal(fwlog_packet_parse(tcp4, sizeof(tcp4), &e), 0);
	assert_int_equal(e.family, AF_INET);
	assert_int_equal(e.proto, 6);
	assert_int_equal(e.sport, 40000);
	assert_int_equal(e.dport, 22);
	assert_int_equal(e.len, 60);
	assert_int_equal(e.src.a[3], 1);
	assert_int_equal(e.dst.a[3], 10);

	uint8_t frag[sizeof(tcp4)];
	memcpy(frag, tcp4, sizeof(frag));
	frag[7] = 10; /* fragment offset 80: no ports in it */
	memset(&e, 0, sizeof(e));
	assert_int_equal(fwlog_packet_parse(frag, sizeof(frag), &e), 0);
	assert_int_equal(e.sport, 0);
	assert_int_equal(e.dport, 0);

	uint8_t udp6[48] = {0x60, 0, 0, 0, 0, 8, 17, 64};
	inet_pton(AF_INET6, "2001:db8::1", udp6 + 8);
	inet_pton(AF_INET6, "2001:db8::2", udp6 + 24);
	udp6[40] = 0x00, udp6[41] = 53, udp6[42] = 0x13, udp6[43] = 0x88;
	memset(&e, 0, sizeof(e));
	assert_int_equal(fwlog_packet_parse(udp6, sizeof(udp6), &e), 0);
	assert_int_equal(e.family, AF_INET6);
	assert_int_equal(e.proto, 17);
	assert_int_equal(e.sport, 53);
	assert_int_equal(e.dport, 5000);
	assert_int_equal(e.len, 48);

	uint8_t junk[30] = {0x50};
	assert_int_equal(fwlog_packet_parse(junk, sizeof(junk), &e), -EINVAL);
	assert_int_equal(fwlog_packet_parse(tcp4, 10, &e), -EINVAL);
	uint8_t badihl[sizeof(tcp4)];
	memcpy(badihl, tcp4, sizeof(badihl));
	badihl[0] = 0x4f; /* 60-byte header in a 24-byte packet */
	assert_int_equal(fwlog_packet_parse(badihl, sizeof(badihl), &e), -EINVAL);
}

static void test_format(void **state)
{
	(void)state;
	struct fwlog_event e = {.seq = 3, .sec = 1795800019, .usec = 123456, .line = 22};
	snprintf(e.rule, sizeof(e.rule), "zone:wan:input");
	snprintf(e.in, sizeof(e.in), "wan");
	snprintf(e.in_zone, sizeof(e.in_zone), "wan");
	assert_int_equal(fwlog_packet_parse(tcp4, sizeof(tcp4), &e), 0);
	struct buf b = BUF_INIT;
	fwlog_format(&e, false, &b);
	fwlog_format(&e, true, &b);
	char *s = buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s,
			    "2026-11-27T17:20:19.123Z rule=zone:wan:input line=22 in=wan/wan out=- "
			    "proto=tcp src=203.0.113.1:40000 dst=203.0.113.10:22 len=60\n"
			    "{\"seq\":3,\"time\":\"2026-11-27T17:20:19.123Z\",\"rule\":\"zone:wan:input\","
			    "\"line\":22,\"in\":\"wan\",\"in_zone\":\"wan\",\"out\":\"\",\"out_zone\":\"\","
			    "\"proto\":\"tcp\",\"src\":\"203.0.113.1\",\"dst\":\"203.0.113.10\","
			    "\"sport\":40000,\"dport\":22,\"len\":60}\n");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prefix),
	    cmocka_unit_test(test_packet),
	    cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
