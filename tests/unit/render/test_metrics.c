/* render_metrics: the exposition's lines for a hand-made input, label
 * escaping, and the format's structure (each family's HELP and TYPE
 * once, before its samples, which are contiguous). The lab test
 * tests/lab/run-metrics.sh checks the daemon's live output with promtool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "render/metrics.h"
#include "text_assert.h"

static char *render(const struct metrics_in *in)
{
	struct buf b = BUF_INIT;
	assert_int_equal(render_metrics(in, &b), 0);
	char *s = buf_steal(&b);
	assert_non_null(s);
	return s;
}

/* Every sample's family has HELP and TYPE before it, once; a family's
 * samples are not split by another family. */
static void check_structure(char *text)
{
	char seen[64][96];
	size_t n_seen = 0;
	char current[96] = "";
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char name[96];
		if (strncmp(line, "# HELP ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%95s", name), 1);
			for (size_t i = 0; i < n_seen; i++)
				assert_string_not_equal(seen[i], name);
			assert_true(n_seen < 64);
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", name);
			snprintf(current, sizeof(current), "%s", name);
			continue;
		}
		if (strncmp(line, "# TYPE ", 7) == 0) {
			assert_int_equal(sscanf(line + 7, "%95s", name), 1);
			assert_string_equal(name, current);
			const char *type = line + 7 + strlen(name) + 1;
			assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
			if (strcmp(type, "counter") == 0)
				assert_non_null(strstr(name, "_total"));
			continue;
		}
		assert_true(line[0] != '#');
		size_t len = strcspn(line, "{ ");
		assert_true(len < sizeof(name));
		memcpy(name, line, len);
		name[len] = '\0';
		assert_string_equal(name, current);
		assert_int_equal(strncmp(name, "nftrouter_", 10), 0);
		const char *v = strrchr(line, ' ');
		assert_non_null(v);
		char *end;
		(void)strtoull(v + 1, &end, 10);
		assert_true(*end == '\0' && end > v + 1);
	}
}

static void test_full(void **state)
{
	(void)state;
	struct metrics_zone z[] = {{"wan", "egress", 20, 21000}, {"wan", "ingress", 19, 20000}};
	struct metrics_port p[] = {
	    {.port = "wan", .present = true, .carrier = true, .rx_packets = 5, .rx_bytes = 600,
	     .tx_packets = 7, .tx_bytes = 800, .dhcp = true, .dhcp_bound = true,
	     .dhcp_event_time = 1700000000, .dhcp_lease_expiry = 1700003600},
	    {.port = "opt"},
	};
	struct metrics_range rg[] = {{"lan", 2, 41}};
	struct metrics_child c[] = {{"dnsmasq", true, 3}};
	struct metrics_dns_upstream up[] = {{"203.0.113.1#53", 40, 1}, {"2001:db8::53#53", 7, 0}};
	struct metrics_dns dns = {.time = 1700000005, .local = 60, .forwarded = 47,
				  .cache_size = 1000, .cache_insertions = 45,
				  .cache_evictions = 2, .upstreams = up, .n_upstreams = 2};
	struct metrics_in in = {.dns = &dns, .hash = "abc123", .applied = true, .apply_time = 1700000001,
				.start_time = 1700000000, .reloads = 2,
				.zones = z, .n_zones = 2, .ports = p, .n_ports = 2,
				.ranges = rg, .n_ranges = 1, .children = c, .n_children = 1,
				.has_conntrack = true, .conntrack_entries = 12,
				.conntrack_limit = 65536, .has_bans = true, .bans = 4,
				.has_blocklist = true, .blocklist4 = 1000, .blocklist6 = 3,
				.has_dns_blocklist = true, .dns_blocklist_names = 1000002,
				.log_events = 9};
	char *s = render(&in);
	has_line(s, "# TYPE nftrouter_zone_packets_total counter");
	has_line(s, "nftrouter_zone_packets_total{zone=\"wan\",direction=\"egress\"} 20");
	has_line(s, "nftrouter_zone_bytes_total{zone=\"wan\",direction=\"ingress\"} 20000");
	has_line(s, "nftrouter_port_present{port=\"opt\"} 0");
	has_line(s, "nftrouter_port_present{port=\"wan\"} 1");
	has_line(s, "nftrouter_port_receive_bytes_total{port=\"wan\"} 600");
	has_line(s, "nftrouter_port_transmit_packets_total{port=\"wan\"} 7");
	assert_null(strstr(s, "{port=\"opt\"} 0\nnftrouter_port_carrier"));
	assert_null(strstr(s, "nftrouter_port_receive_bytes_total{port=\"opt\"}"));
	has_line(s, "nftrouter_dhcp_client_bound{port=\"wan\"} 1");
	has_line(s, "nftrouter_dhcp_client_event_timestamp_seconds{port=\"wan\"} 1700000000");
	has_line(s, "nftrouter_dhcp_client_lease_expiry_timestamp_seconds{port=\"wan\"} 1700003600");
	has_line(s, "nftrouter_dhcp_leases{range=\"lan\"} 2");
	has_line(s, "nftrouter_dhcp_range_addresses{range=\"lan\"} 41");
	has_line(s, "nftrouter_child_restarts_total{child=\"dnsmasq\"} 3");
	has_line(s, "nftrouter_conntrack_entries 12");
	has_line(s, "nftrouter_conntrack_entries_limit 65536");
	has_line(s, "nftrouter_bans 4");
	has_line(s, "nftrouter_blocklist_ranges{family=\"ipv4\"} 1000");
	has_line(s, "nftrouter_last_apply_success 1");
	has_line(s, "nftrouter_last_apply_timestamp_seconds 1700000001");
	has_line(s, "nftrouter_reloads_total 2");
	has_line(s, "nftrouter_config_info{hash=\"abc123\"} 1");
	has_line(s, "nftrouter_log_events_total 9");
	has_line(s, "nftrouter_dns_blocklist_names 1000002");
	has_line(s, "# TYPE nftrouter_dns_queries_total counter");
	has_line(s, "nftrouter_dns_queries_total{result=\"local\"} 60");
	has_line(s, "nftrouter_dns_queries_total{result=\"forwarded\"} 47");
	has_line(s, "nftrouter_dns_upstream_queries_total{upstream=\"203.0.113.1#53\"} 40");
	has_line(s, "nftrouter_dns_upstream_queries_total{upstream=\"2001:db8::53#53\"} 7");
	has_line(s, "nftrouter_dns_upstream_failed_queries_total{upstream=\"203.0.113.1#53\"} 1");
	has_line(s, "nftrouter_dns_cache_entries_limit 1000");
	has_line(s, "nftrouter_dns_cache_insertions_total 45");
	has_line(s, "nftrouter_dns_cache_evictions_total 2");
	has_line(s, "nftrouter_dns_stats_timestamp_seconds 1700000005");
	check_structure(s);
	free(s);
}

/* Nothing known: no empty families (a HELP without samples), no
 * conntrack or bans lines when they could not be read. */
static void test_empty(void **state)
{
	(void)state;
	struct metrics_in in = {.applied = false, .fail_closed = true};
	char *s = render(&in);
	has_line(s, "nftrouter_last_apply_success 0");
	has_line(s, "nftrouter_fail_closed 1");
	assert_null(strstr(s, "zone_"));
	assert_null(strstr(s, "conntrack"));
	assert_null(strstr(s, "nftrouter_bans"));
	assert_null(strstr(s, "config_info"));
	assert_null(strstr(s, "nftrouter_dns_"));
	assert_null(strstr(s, "nftrouter_ha_"));
	check_structure(s);
	free(s);
}

/* An ha: router: one role sample is 1, the others 0; the sync counters
 * only when conntrackd answered. */
static void test_ha(void **state)
{
	(void)state;
	struct metrics_in in = {.ha = true,
				.ha_role = "backup",
				.ha_transitions = 3,
				.ha_last_transition = 1700000000,
				.ha_peer_reachable = true};
	char *s = render(&in);
	has_line(s, "nftrouter_ha_role{role=\"backup\"} 1");
	has_line(s, "nftrouter_ha_role{role=\"master\"} 0");
	has_line(s, "nftrouter_ha_transitions_total 3");
	has_line(s, "nftrouter_ha_last_transition_timestamp_seconds 1700000000");
	has_line(s, "nftrouter_ha_peer_reachable 1");
	assert_null(strstr(s, "nftrouter_ha_sync_packets_total"));
	check_structure(s);
	free(s);
	in.ha_stats = true;
	in.ha_sync_packets_sent = 7;
	in.ha_sync_packets_recv = 9;
	s = render(&in);
	has_line(s, "nftrouter_ha_sync_packets_total{direction=\"sent\"} 7");
	has_line(s, "nftrouter_ha_sync_packets_total{direction=\"received\"} 9");
	has_line(s, "nftrouter_ha_sync_errors_total 0");
	check_structure(s);
	free(s);
}

static void test_escape(void **state)
{
	(void)state;
	struct metrics_child c[] = {{"a\"b\\c\nd", false, 0}};
	struct metrics_in in = {.children = c, .n_children = 1};
	char *s = render(&in);
	has_line(s, "nftrouter_child_up{child=\"a\\\"b\\\\c\\nd\"} 0");
	free(s);
	/* An upstream as dnsmasq names it is a label value like any other. */
	struct metrics_dns_upstream up[] = {{"fe80::1%lan\"#53", 1, 0}};
	struct metrics_dns dns = {.upstreams = up, .n_upstreams = 1};
	struct metrics_in in2 = {.dns = &dns};
	s = render(&in2);
	has_line(s, "nftrouter_dns_upstream_queries_total{upstream=\"fe80::1%lan\\\"#53\"} 1");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_ha),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
