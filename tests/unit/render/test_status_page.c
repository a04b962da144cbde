/* The status page: the tables' rows, HTML escaping of what clients
 * choose (a lease's name) and of log lines, the traffic polylines
 * scaled into the graph, and no script anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/status_page.h"

static void test_page(void **state)
{
	(void)state;
	struct page_port p[] = {
	    {"wan", "wan", true, true, "203.0.113.5/24", true, "bound"},
	    {"opt", "lan", false, false, "", false, NULL},
	};
	double in[] = {0, 100, 50}, out[] = {0, 200, 0};
	struct page_zone z[] = {{"wan", in, out, 3}};
	struct page_lease l[] = {{"192.168.1.10", "52:54:00:00:00:01", "<script>x</script>", 60},
				 {"192.168.1.11", "52:54:00:00:00:02", "", -1}};
	const char *bans[] = {"198.51.100.0/24 (forever)"};
	struct page_in in_ = {.hostname = "gw", .hash = "0123456789abcdef", .now = 1, .step = 10,
			      .ports = p, .n_ports = 2, .zones = z, .n_zones = 1,
			      .leases = l, .n_leases = 2, .bans = bans, .n_bans = 1,
			      .log = "t rule=knock line=3 src=1.2.3.4 <&>\n"};
	struct buf b = BUF_INIT;
	assert_int_equal(render_status_page(&in_, &b), 0);
	char *s = buf_steal(&b);
	assert_non_null(s);
	assert_non_null(strstr(s, "<title>gw - nftrouter</title>"));
	assert_non_null(strstr(s, "<td>wan</td><td>wan</td><td>up</td><td>203.0.113.5/24</td><td>bound</td>"));
	assert_non_null(strstr(s, "<td>opt</td><td>lan</td><td>absent</td><td></td><td></td>"));
	assert_non_null(strstr(s, "<td>192.168.1.10</td><td>52:54:00:00:00:01</td>"
				  "<td>&lt;script&gt;x&lt;/script&gt;</td><td>60 s</td>"));
	assert_non_null(strstr(s, "<td>never</td>"));
	assert_non_null(strstr(s, "<li>198.51.100.0/24 (forever)</li>"));
	assert_non_null(strstr(s, "src=1.2.3.4 &lt;&amp;&gt;"));
	/* max 200: out's middle point at the top (y = 4), its ends at 120. */
	assert_non_null(strstr(s, "<polyline class=\"out\" fill=\"none\" "
				  "points=\"0.0,120.0 300.0,4.0 600.0,120.0\"/>"));
	assert_non_null(strstr(s, "<polyline class=\"in\" fill=\"none\" "
				  "points=\"0.0,120.0 300.0,62.0 600.0,91.0\"/>"));
	assert_null(strstr(s, "<script"));
	/* No DNS counters known: no DNS section. */
	assert_null(strstr(s, "<h2>DNS</h2>"));
	free(s);
	in_.has_dns = true;
	in_.dns_local = 60;
	in_.dns_forwarded = 47;
	in_.now = 1700000010;
	in_.dns_time = 1700000004;
	assert_int_equal(render_status_page(&in_, &b), 0);
	s = buf_steal(&b);
	assert_non_null(s);
	assert_non_null(strstr(s, "<h2>DNS</h2>\n<p id=\"dns\">60 queries answered locally (cache, "
				  "local names, blocked names), 47 forwarded upstream; dnsmasq's "
				  "counters, read 6 s ago.</p>\n"));
	assert_null(strstr(s, "High availability"));
	free(s);
	/* ha: the router's role and whether the peer is heard. */
	in_.ha_role = "backup";
	assert_int_equal(render_status_page(&in_, &b), 0);
	s = buf_steal(&b);
	assert_non_null(s);
	assert_non_null(strstr(s, "this router is <b>backup</b>; the peer is <b>not reachable</b>."));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_page)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
