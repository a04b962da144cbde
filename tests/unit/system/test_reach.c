/* The lockout guard's evaluation (model/reach.c): for a new TCP
 * connection to the router, the verdict and the reason must be what the
 * rendered ruleset would do, in its order: port-forward DNAT, the zone's
 * rules[] in config order, its services, its input policy. Also the
 * sysctl text parser apply writes from. */
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

#include "model/model.h"
#include "model/reach.h"
#include "router_text.h"
#include "system/sysctl.h"

/* Line numbers matter: the reasons name them. */
static const char head[] =
	"interfaces:\n"                                                             /* 1 */
	"  wan: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: 203.0.113.1/24 }\n" /* 2 */
	"  vm0: { match: { mac: \"52:54:00:00:00:03\" }, ipv4: 198.51.100.1/24 }\n" /* 3 */
	"  lan: { match: { mac: \"52:54:00:00:00:02\" }, ipv4: 192.168.1.1/24 }\n" /* 4 */
	"zones:\n"                                                                  /* 5 */
	"  wan: { interfaces: [wan, vm0], masquerade: true, input: drop }\n"      /* 6 */
	"  lan: { interfaces: [lan], input: reject, services: [ssh], forward: [wan] }\n"; /* 7 */

static struct router *build(const char *tail)
{
	size_t len = strlen(head) + strlen(tail) + 1;
	char *text = malloc(len);
	assert_non_null(text);
	snprintf(text, len, "%s%s", head, tail);
	struct router *r = router_from_text(text);
	free(text);
	return r;
}

static void check(const struct router *r, const char *iface, const char *client, uint16_t port,
		  bool accepted, const char *why)
{
	struct reach_query q = {.iface = iface, .port = port};
	struct reach_result res;
	assert_int_equal(addr_parse(client, &q.client), 0);
	reach_tcp_input(r, &q, &res);
	if (res.accepted != accepted || !strstr(res.why, why))
		fail_msg("%s from %s port %u: got %s \"%s\", want %s \"%s\"", iface, client, port,
			 res.accepted ? "accepted" : "refused", res.why,
			 accepted ? "accepted" : "refused", why);
}

static void test_policy_and_services(void **state)
{
	(void)state;
	struct router *r = build("");
	check(r, "wan", "192.0.2.7", 22, false, "zone 'wan' input policy drop (t.yaml:6)");
	check(r, "lan", "192.168.1.50", 22, true, "zone 'lan' service 'ssh' (t.yaml:7)");
	check(r, "lan", "192.168.1.50", 23, false, "zone 'lan' input policy reject (t.yaml:7)");
	check(r, "eth9", "192.168.1.50", 22, false, "in no zone");
	check(r, "lo", "127.0.0.1", 22, true, "loopback");
	router_free(r);
}

static void test_rules_in_order(void **state)
{
	(void)state;
	struct router *r = build("rules:\n"                                      /* 8 */
				 "  - { name: only-vm0, from: wan, interface: vm0, tcp: [22], action: accept }\n" /* 9 */
				 "  - { name: no-bad, from: wan, source: 192.0.2.0/24, tcp: [22], action: drop }\n" /* 10 */
				 "  - { name: udp-only, from: wan, udp: [22], action: accept }\n" /* 11 */
				 "  - { name: to-lan, from: wan, to: lan, tcp: [22], action: accept }\n" /* 12 */
				 "  - { name: range, from: wan, tcp: [2000-2100], action: accept }\n" /* 13 */
				 "  - { name: v6, from: wan, source: 2001:db8::/32, tcp: [22], action: accept }\n" /* 14 */
				 "  - { name: any, from: wan, source: 198.51.100.7, action: accept }\n"); /* 15 */
	/* The interface-narrowed rule matches only on vm0. */
	check(r, "vm0", "192.0.2.7", 22, true, "rule 'only-vm0' action accept (t.yaml:9)");
	/* On wan it is skipped; the drop rule comes next. */
	check(r, "wan", "192.0.2.7", 22, false, "rule 'no-bad' action drop (t.yaml:10)");
	/* Outside the drop rule's source: udp-only and the forward rule do
	 * not apply to TCP input; the IPv6 rule not to IPv4. */
	check(r, "wan", "203.0.113.9", 22, false, "zone 'wan' input policy drop");
	check(r, "wan", "2001:db8::5", 22, true, "rule 'v6' action accept (t.yaml:14)");
	check(r, "wan", "203.0.113.9", 2050, true, "rule 'range'");
	check(r, "wan", "203.0.113.9", 2101, false, "input policy drop");
	/* A rule without ports takes every protocol and port. */
	check(r, "wan", "198.51.100.7", 9999, true, "rule 'any' action accept (t.yaml:15)");
	router_free(r);
}

static void test_port_forward_takes_it(void **state)
{
	(void)state;
	struct router *r = build("rules:\n"
				 "  - { name: ssh, from: wan, tcp: [22, 2222], action: accept }\n"
				 "port-forwards:\n"
				 "  - { name: fwd-ssh, from: wan, tcp: 2222, to: 192.168.1.10:22 }\n" /* 11 */
				 "  - { name: office, from: wan, tcp: 22, to: 192.168.1.11, source: 198.51.100.0/24 }\n");
	check(r, "wan", "203.0.113.9", 22, true, "rule 'ssh'");
	check(r, "wan", "203.0.113.9", 2222, false, "port forward 'fwd-ssh' (t.yaml:11)");
	check(r, "wan", "198.51.100.20", 22, false, "port forward 'office'");
	/* dnat ip does not touch IPv6. */
	check(r, "wan", "2001:db8::1", 2222, true, "rule 'ssh'");
	/* Forwards from the wan zone do not apply to the lan zone. */
	check(r, "lan", "192.168.1.50", 2222, false, "zone 'lan' input policy reject");
	router_free(r);
}

static void test_input_accept(void **state)
{
	(void)state;
	struct router *r = build("rules:\n"
				 "  - { name: block, from: lan, tcp: [22], source: 192.168.1.66, action: reject }\n");
	check(r, "lan", "192.168.1.66", 22, false, "rule 'block' action reject");
	check(r, "lan", "192.168.1.67", 22, true, "service 'ssh'");
	router_free(r);
}

static void test_sysctl_parse(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct sysctl_set s;
	assert_int_equal(sysctl_parse("# c\n\nnet.ipv4.ip_forward = 1\n ; x\n"
				      "net/ipv6/conf/all/forwarding=1\nkernel.x =  4096\t87380 \n",
				      &s, &d),
			 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].key, "net.ipv4.ip_forward");
	assert_string_equal(s.v[0].value, "1");
	assert_string_equal(s.v[1].key, "net/ipv6/conf/all/forwarding");
	assert_string_equal(s.v[2].value, "4096\t87380");
	sysctl_set_free(&s);
	/* Nothing may leave /proc/sys, and a line must say key = value. */
	const char *bad[] = {"net.ipv4.ip_forward\n", "../../etc/passwd = 1\n", "/etc/x = 1\n",
			     "net..ipv4 = 1\n", "a = \n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sysctl_parse(bad[i], &s, &d), -EINVAL);
		assert_null(s.v);
	}
	assert_int_equal(d.n_errors, 5);
	diags_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_and_services),
		cmocka_unit_test(test_rules_in_order),
		cmocka_unit_test(test_port_forward_takes_it),
		cmocka_unit_test(test_input_accept),
		cmocka_unit_test(test_sysctl_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
