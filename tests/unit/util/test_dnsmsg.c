/* The DNS question and the TXT answers of dnsmasq's statistics
 * (src/util/dnsmsg.c): the bytes of a question, an answer as dnsmasq
 * 2.90 writes it, and answers broken every way a peer could break them. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "util/dnsmsg.h"

/* An answer to "hits.bind CH TXT" as dnsmasq sends it: the question,
 * then one TXT record whose owner is a pointer to the question's name. */
static const uint8_t hits_answer[] = {
    0x12, 0x34, 0x85, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,           /* id, QR AA RD RA, 1 q, 1 an */
    4, 'h', 'i', 't', 's', 4, 'b', 'i', 'n', 'd', 0, 0, 16, 0, 3, /* hits.bind TXT CH */
    0xc0, 12, 0, 16, 0, 3, 0, 0, 0, 0, 0, 4,                  /* ptr, TXT CH ttl 0, rdlen 4 */
    3, '4', '2', '7'};

/* A copy of an answer to break; *len its length. */
static size_t copy(uint8_t *out, const uint8_t *in, size_t len)
{
	memcpy(out, in, len);
	return len;
}

static void test_query_bytes(void **state)
{
	(void)state;
	uint8_t q[DNSMSG_QUERY_MAX];
	static const uint8_t want[] = {0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
				       7, 's', 'e', 'r', 'v', 'e', 'r', 's', 4, 'b', 'i', 'n', 'd', 0,
				       0, 16, 0, 3};
	int n = dnsmsg_query(q, sizeof(q), 0xabcd, "servers.bind", DNSMSG_TYPE_TXT, DNSMSG_CLASS_CH);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(q, want, sizeof(want));
	/* A trailing dot is the same name. */
	assert_int_equal(dnsmsg_query(q, sizeof(q), 0xabcd, "servers.bind.", 16, 3), sizeof(want));
	assert_memory_equal(q, want, sizeof(want));
}

static void test_query_refused(void **state)
{
	(void)state;
	uint8_t q[DNSMSG_QUERY_MAX];
	char label64[80], long_name[300];
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".bind");
	/* 128 labels "a": 257 bytes on the wire, over 255. */
	for (size_t i = 0; i < 255; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[255] = '\0';
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, "", 16, 3), -EINVAL);
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, ".", 16, 3), -EINVAL);
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, "a..bind", 16, 3), -EINVAL);
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, ".bind", 16, 3), -EINVAL);
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, "bind..", 16, 3), -EINVAL);
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, label64, 16, 3), -EINVAL);
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, long_name, 16, 3), -EINVAL);
	assert_int_equal(dnsmsg_query(q, 20, 1, "hits.bind", 16, 3), -ENOSPC);
	/* 127 labels: 255 bytes, the most there may be. */
	long_name[253] = '\0';
	assert_int_equal(dnsmsg_query(q, sizeof(q), 1, long_name, 16, 3), 12 + 255 + 4);
}

static void test_answer(void **state)
{
	(void)state;
	struct dnsmsg_txt t;
	uint16_t id;
	assert_int_equal(dnsmsg_id(hits_answer, sizeof(hits_answer), &id), 0);
	assert_int_equal(id, 0x1234);
	assert_int_equal(dnsmsg_txt(hits_answer, sizeof(hits_answer), "hits.bind", &t), 0);
	assert_int_equal(t.n, 1);
	assert_string_equal(t.s[0], "427");
	/* Names compare without case, as DNS does. */
	assert_int_equal(dnsmsg_txt(hits_answer, sizeof(hits_answer), "HITS.bind.", &t), 0);
	/* The answer to another question is not this one's. */
	assert_int_equal(dnsmsg_txt(hits_answer, sizeof(hits_answer), "misses.bind", &t), -EPROTO);
	assert_int_equal(dnsmsg_id(hits_answer, 11, &id), -EBADMSG);
}

/* servers.bind: one record, one string per upstream. */
static void test_answer_strings(void **state)
{
	(void)state;
	static const uint8_t head[] = {
	    0, 7, 0x84, 0, 0, 1, 0, 1, 0, 0, 0, 0,
	    7, 's', 'e', 'r', 'v', 'e', 'r', 's', 4, 'b', 'i', 'n', 'd', 0, 0, 16, 0, 3,
	    0xc0, 12, 0, 16, 0, 3, 0, 0, 0, 0, 0, 0 /* rdlength, set below */};
	static const char *str[] = {"203.0.113.1#53 9 0", "198.51.100.9#53 3 1"};
	uint8_t b[128];
	struct dnsmsg_txt t;
	size_t n = copy(b, head, sizeof(head));
	for (size_t i = 0; i < 2; i++) {
		b[n++] = (uint8_t)strlen(str[i]);
		memcpy(b + n, str[i], strlen(str[i]));
		n += strlen(str[i]);
	}
	b[sizeof(head) - 1] = (uint8_t)(n - sizeof(head));
	assert_int_equal(dnsmsg_txt(b, n, "servers.bind", &t), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(t.s[0], str[0]);
	assert_string_equal(t.s[1], str[1]);
	/* rdlength past the datagram's end. */
	b[sizeof(head) - 1]++;
	assert_int_equal(dnsmsg_txt(b, n, "servers.bind", &t), -EBADMSG);
	/* rdlength ending inside the second string. */
	b[sizeof(head) - 1] = (uint8_t)(n - sizeof(head) - 2);
	assert_int_equal(dnsmsg_txt(b, n, "servers.bind", &t), -EBADMSG);
}

static void test_answer_not_a_reply(void **state)
{
	(void)state;
	uint8_t b[sizeof(hits_answer)];
	struct dnsmsg_txt t;
	size_t n = copy(b, hits_answer, sizeof(hits_answer));
	b[2] &= 0x7f; /* QR clear: a question */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EPROTO);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[2] |= 0x02; /* TC: truncated */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EPROTO);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[3] = (uint8_t)((b[3] & 0xf0) | 4); /* NOTIMP, as with --no-ident */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EPROTO);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[2] |= 0x10; /* opcode 2 */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EPROTO);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[5] = 2; /* two questions */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EPROTO);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[5] = 0;
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EPROTO);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[26] = 1; /* question class IN */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EPROTO);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[7] = 0; /* no answer record */
	assert_int_equal(dnsmsg_txt(b, 27, "hits.bind", &t), -ENODATA);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[30] = 1; /* the record is an A record */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -ENODATA);
}

static void test_answer_malformed(void **state)
{
	(void)state;
	uint8_t b[sizeof(hits_answer) + 8];
	struct dnsmsg_txt t;
	size_t n;
	/* Cut anywhere: never read past the end, never an answer. */
	for (n = 0; n < sizeof(hits_answer); n++) {
		copy(b, hits_answer, sizeof(hits_answer));
		int rc = dnsmsg_txt(b, n, "hits.bind", &t);
		assert_true(rc == -EBADMSG || rc == -ENODATA);
	}
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[7] = 2; /* a second record announced, not there */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[28] = 12 + 15; /* pointer forwards, to itself's region: refused */
	b[27] = 0xc0;
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[28] = 27; /* pointer to itself: a loop */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[12] = 0xc0; /* the question's name a pointer to the header */
	b[13] = 0;
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[12] = 0x40; /* an extended label type */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[12] = 60; /* a label longer than the message */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[39] = 4; /* the string is longer than its record */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[38] = 3; /* rdlength shorter than the string */
	assert_int_equal(dnsmsg_txt(b, n - 1, "hits.bind", &t), -EBADMSG);
	n = copy(b, hits_answer, sizeof(hits_answer));
	b[41] = '\n'; /* not printable */
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	b[41] = 0;
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
	b[41] = 0xc3;
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -EBADMSG);
}

/* More strings than kept: refused, not cut silently. */
static void test_answer_too_many(void **state)
{
	(void)state;
	uint8_t b[sizeof(hits_answer) + DNSMSG_TXT_STRINGS + 1];
	struct dnsmsg_txt t;
	size_t n = copy(b, hits_answer, sizeof(hits_answer) - 4);
	for (size_t i = 0; i <= DNSMSG_TXT_STRINGS; i++)
		b[n++] = 0; /* empty strings */
	b[37] = 0; /* rdlength */
	b[38] = DNSMSG_TXT_STRINGS + 1;
	assert_int_equal(dnsmsg_txt(b, n, "hits.bind", &t), -E2BIG);
	b[38] = DNSMSG_TXT_STRINGS;
	assert_int_equal(dnsmsg_txt(b, n - 1, "hits.bind", &t), 0);
	assert_int_equal(t.n, DNSMSG_TXT_STRINGS);
}

static void test_stat_count(void **state)
{
	(void)state;
	uint32_t v;
	assert_int_equal(dnsmsg_stat_count("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(dnsmsg_stat_count("4294967295", &v), 0);
	assert_int_equal(v, 4294967295u);
	/* %d past 2^31: the unsigned value it is. */
	assert_int_equal(dnsmsg_stat_count("-1", &v), 0);
	assert_int_equal(v, 4294967295u);
	assert_int_equal(dnsmsg_stat_count("-2147483648", &v), 0);
	assert_int_equal(v, 2147483648u);
	static const char *bad[] = {"", "-", "-0", "4294967296", "-2147483649", "12345678901",
				    "1 ", " 1", "+1", "0x10", "1e3", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(dnsmsg_stat_count(bad[i], &v), -EINVAL);
}

static void test_stat_server(void **state)
{
	(void)state;
	struct dnsmsg_server s;
	assert_int_equal(dnsmsg_stat_server("203.0.113.1#53 1200 3", &s), 0);
	assert_string_equal(s.server, "203.0.113.1#53");
	assert_int_equal(s.queries, 1200);
	assert_int_equal(s.failed, 3);
	assert_int_equal(dnsmsg_stat_server("2001:db8::53#5353 0 0", &s), 0);
	assert_string_equal(s.server, "2001:db8::53#5353");
	static const char *bad[] = {
	    "", "#53 1 1", "203.0.113.1 1 1", "203.0.113.1#53 1", "203.0.113.1#53 1 1 1",
	    "203.0.113.1#53  1 1", "203.0.113.1#0 1 1", "203.0.113.1#65536 1 1",
	    "203.0.113.1#-53 1 1", "203.0.113.1#53 -1 1", "203.0.113.1#53 1 -1",
	    "203.0.113.1#53 x 1", "203.0.113.1#53 1 1 ", "a\"b#53 1 1", "a b#53 1 1",
	    "203.0.113.1#53 99999999999 1",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa#53 1 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (dnsmsg_stat_server(bad[i], &s) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_bytes),     cmocka_unit_test(test_query_refused),
	    cmocka_unit_test(test_answer),          cmocka_unit_test(test_answer_strings),
	    cmocka_unit_test(test_answer_not_a_reply), cmocka_unit_test(test_answer_malformed),
	    cmocka_unit_test(test_answer_too_many), cmocka_unit_test(test_stat_count),
	    cmocka_unit_test(test_stat_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
