/* The model stage: a valid router builds with every name resolved, the
 * defaults are what docs/router.yaml.md says, and invalid configs are
 * refused with exact messages, all errors of a file in one run. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include <cmocka.h>

#include "model/model.h"
#include "router_text.h"

static const char base[] =
    "interfaces:\n"
    "  wan: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: dhcp }\n"
    "  lan: { match: { mac: \"52:54:00:00:00:02\" }, ipv4: 192.168.1.1/24 }\n"
    "zones:\n"
    "  wan: { interfaces: [wan], masquerade: true }\n"
    "  lan: { interfaces: [lan], services: [dns, dhcp], forward: [wan] }\n"
    "dhcp:\n"
    "  lan: { range: 192.168.1.100-192.168.1.200 }\n"
    "dns:\n"
    "  upstream: [\"9.9.9.9\"]\n";

static bool has_name(const char **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

static void test_seed(void **state)
{
	(void)state;
	char path[4096];
	const char *src = getenv("NFTROUTER_SRCDIR");
	snprintf(path, sizeof(path), "%s/examples/seed.yaml", src ? src : ".");
	struct diags d = DIAGS_INIT;
	struct router_file *rf = router_file_load(path, &d);
	struct router *r = rf ? rf->r : NULL;
	if (!r) {
		diags_print(&d, stderr);
		fail_msg("seed.yaml does not build");
	}
	assert_int_equal(d.n_errors, 0);
	assert_string_equal(r->file_base, "seed.yaml");
	assert_string_equal(r->hostname, "router");
	assert_int_equal(r->n_ifaces, 6);
	assert_int_equal(r->n_zones, 2);
	/* Config order is kept. */
	assert_string_equal(r->ifaces[0].name, "vm0");
	assert_string_equal(r->ifaces[5].name, "opt2");
	const struct zone *wan = router_zone(r, "wan"), *lan = router_zone(r, "lan");
	assert_non_null(wan);
	assert_non_null(lan);
	assert_ptr_equal(wan, &r->zones[0]);
	const struct iface *vm0 = router_iface(r, "vm0"), *ilan = router_iface(r, "lan");
	assert_int_equal(vm0->match, MATCH_NAME);
	assert_string_equal(vm0->match_name, "eth0");
	assert_int_equal(vm0->ipv4, IPV4_DHCP);
	assert_ptr_equal(vm0->zone, wan);
	assert_ptr_equal(ilan->zone, lan);
	assert_int_equal(ilan->match, MATCH_MAC);
	assert_int_equal(ilan->match_mac[5], 3);
	assert_int_equal(ilan->ipv4, IPV4_STATIC);
	assert_int_equal(ilan->n_addrs, 1);
	assert_int_equal(ilan->addrs[0].len, 24);
	assert_true(router_iface(r, "opt2")->optional);
	assert_false(router_iface(r, "opt1")->optional);
	assert_null(router_iface(r, "eth9"));
	assert_null(router_zone(r, "dmz"));
	/* Zones. */
	assert_int_equal(wan->n_ifaces, 2);
	assert_ptr_equal(wan->ifaces[0], router_iface(r, "wan"));
	assert_ptr_equal(wan->ifaces[1], vm0);
	assert_true(wan->masquerade);
	assert_true(wan->counters);
	assert_int_equal(wan->input, VERDICT_DROP);
	assert_int_equal(lan->input, VERDICT_REJECT);
	assert_false(lan->masquerade);
	assert_int_equal(lan->n_forward, 1);
	assert_ptr_equal(lan->forward[0], wan);
	assert_true(zone_has_service(lan, "dns"));
	assert_true(zone_has_service(lan, "dhcp"));
	assert_false(zone_has_service(wan, "dns"));
	/* ICMP split by family. */
	assert_true(has_name(wan->icmp, wan->n_icmp, "router-advertisement"));
	assert_false(has_name(wan->icmpv6, wan->n_icmpv6, "router-advertisement"));
	assert_true(has_name(wan->icmpv6, wan->n_icmpv6, "packet-too-big"));
	assert_false(has_name(wan->icmp, wan->n_icmp, "packet-too-big"));
	assert_true(has_name(wan->icmp, wan->n_icmp, "destination-unreachable"));
	assert_true(has_name(wan->icmpv6, wan->n_icmpv6, "destination-unreachable"));
	assert_int_equal(wan->n_icmp, 4);
	assert_int_equal(wan->n_icmpv6, 7);
	assert_int_equal(wan->icmp_rate.count, 100);
	assert_string_equal(wan->icmp_rate.unit, "second");
	/* lan has no icmp key: the inside default, with ping, no limit. */
	assert_true(has_name(lan->icmp, lan->n_icmp, "echo-request"));
	assert_true(has_name(lan->icmpv6, lan->n_icmpv6, "echo-request"));
	assert_true(has_name(lan->icmpv6, lan->n_icmpv6, "nd-neighbor-solicit"));
	assert_int_equal(lan->icmp_rate.count, 0);
	/* IPv6: prefix delegation on wan, a /64 of it per private port. */
	const struct iface *iwan = router_iface(r, "wan");
	assert_int_equal(iwan->ipv6, IPV6_DHCP);
	assert_int_equal(iwan->pd_len, 56);
	assert_int_equal(vm0->ipv6, IPV6_NONE);
	assert_int_equal(ilan->ipv6, IPV6_LAN);
	assert_ptr_equal(ilan->pd_from, iwan);
	assert_int_equal(ilan->subnet, 2);
	assert_int_equal(router_iface(r, "vm1")->subnet, 1);
	assert_int_equal(router_iface(r, "opt2")->subnet, 4);
	assert_int_equal(r->ipv6.ula, ULA_AUTO);
	/* Rules and forwards. */
	assert_int_equal(r->n_rules, 2);
	const struct rule *ru = &r->rules[0];
	assert_string_equal(ru->name, "admin-ssh");
	assert_ptr_equal(ru->from, wan);
	assert_ptr_equal(ru->iface, vm0);
	assert_null(ru->to);
	assert_int_equal(ru->tcp.n, 1);
	assert_int_equal(ru->tcp.v[0].lo, 22);
	assert_int_equal(ru->tcp.v[0].hi, 22);
	assert_int_equal(ru->udp.n, 0);
	assert_string_equal(ru->log, "Admin connection on VM0: ");
	assert_int_equal(ru->action, VERDICT_ACCEPT);
	assert_string_equal(ru->pos.file, r->file);
	assert_true(ru->pos.line > 0);
	/* The web server's IPv6 rule names the host by its suffix. */
	ru = &r->rules[1];
	assert_string_equal(ru->name, "web6");
	assert_ptr_equal(ru->to, lan);
	assert_true(ru->has_dest);
	assert_true(ru->dest_suffix);
	assert_int_equal(ru->dest.len, 64);
	assert_int_equal(r->n_fwds, 1);
	const struct portfwd *f = &r->fwds[0];
	assert_true(f->tcp);
	assert_false(f->udp);
	assert_int_equal(f->ext.lo, 8443);
	assert_int_equal(f->ext.hi, 8443);
	assert_int_equal(f->to_port, 443);
	assert_ptr_equal(f->to_iface, ilan);
	assert_ptr_equal(f->from, wan);
	/* DHCP. */
	assert_int_equal(r->n_dhcps, 2);
	assert_ptr_equal(ilan->dhcp, &r->dhcps[0]);
	assert_ptr_equal(r->dhcps[0].iface, ilan);
	assert_int_equal(r->dhcps[0].lease, 3600);
	assert_int_equal(r->dhcps[1].n_hosts, 1);
	assert_string_equal(r->dhcps[1].hosts[0].name, "nas");
	assert_int_equal(r->dhcps[1].hosts[0].mac[5], 0x56);
	assert_null(router_iface(r, "wan")->dhcp);
	/* DNS. */
	assert_int_equal(r->dns.n_upstream, 2);
	assert_true(r->dns.upstream[0].tls);
	assert_int_equal(r->dns.upstream[0].port, 853);
	assert_string_equal(r->dns.upstream[0].tls_name, "cloudflare-dns.com");
	assert_false(r->dns.upstream[1].tls);
	assert_int_equal(r->dns.upstream[1].port, 53);
	assert_string_equal(r->dns.domain, "lan");
	assert_int_equal(r->blackhole.timeout, 86400);
	assert_int_equal(strlen(rf->hash), 64);
	assert_int_equal(rf->len, strlen(rf->text));
	router_file_free(rf);
	diags_free(&d);
}

static void test_defaults(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(base, &d);
	assert_non_null(r);
	assert_string_equal(r->hostname, "router");
	const struct zone *wan = router_zone(r, "wan"), *lan = router_zone(r, "lan");
	assert_int_equal(wan->input, VERDICT_DROP);
	assert_int_equal(lan->input, VERDICT_DROP);
	assert_false(lan->counters);
	/* The outside default: no ping, ND and errors only, 100/second. */
	assert_false(has_name(wan->icmp, wan->n_icmp, "echo-request"));
	assert_true(has_name(wan->icmpv6, wan->n_icmpv6, "nd-neighbor-advert"));
	assert_int_equal(wan->icmp_rate.count, 100);
	assert_int_equal(r->dhcps[0].lease, 3600);
	assert_int_equal(r->dhcps[0].n_dns, 0);
	assert_false(r->dhcps[0].has_gateway);
	assert_int_equal(r->blackhole.timeout, 86400);
	assert_int_equal(r->blackhole.n_lists, 0);
	assert_int_equal(r->dns.domain[0], '\0');
	assert_int_equal(router_iface(r, "lan")->mtu, 0);
	assert_string_equal(r->file_base, "t.yaml");
	router_free(r);
	router_free(NULL);
	diags_free(&d);
}

static void test_upstreams_and_lists(void **state)
{
	(void)state;
	char text[2048];
	snprintf(text, sizeof(text), "%s",
		 "interfaces:\n  lan: { match: { pci: \"01:00.1\" }, ipv4: [10.0.0.1/24, "
		 "10.1.0.1/16] }\n"
		 "zones:\n  lan: { interfaces: lan, services: [dns], icmp: [echo-request], "
		 "icmp-rate: 5/minute }\n"
		 "dns:\n  upstream: [\"[2001:db8::1]:5353\", \"2001:db8::2\", \"10.0.0.9:5300\",\n"
		 "    \"tls://[2001:db8::3]:8853#dns.example\"]\n"
		 "blackhole:\n  timeout: 0\n  lists: [bad.txt, /etc/abs.txt]\n");
	struct diags d = DIAGS_INIT;
	struct cfg_doc *doc = cfg_parse_buf("/etc/nftrouter/router.yaml", text, strlen(text), &d);
	assert_non_null(doc);
	struct router *r = model_build(doc, &d);
	cfg_doc_free(doc);
	if (!r) {
		diags_print(&d, stderr);
		fail();
	}
	const struct iface *lan = router_iface(r, "lan");
	assert_int_equal(lan->match, MATCH_PCI);
	assert_string_equal(lan->match_pci, "0000:01:00.1");
	assert_int_equal(lan->n_addrs, 2);
	const struct upstream *u = r->dns.upstream;
	assert_int_equal(r->dns.n_upstream, 4);
	assert_int_equal(u[0].addr.family, AF_INET6);
	assert_int_equal(u[0].port, 5353);
	assert_int_equal(u[1].addr.family, AF_INET6);
	assert_int_equal(u[1].port, 53);
	assert_int_equal(u[2].port, 5300);
	assert_true(u[3].tls);
	assert_int_equal(u[3].port, 8853);
	assert_string_equal(u[3].tls_name, "dns.example");
	const struct zone *z = router_zone(r, "lan");
	assert_int_equal(z->n_icmp, 1);
	assert_int_equal(z->n_icmpv6, 1);
	assert_int_equal(z->icmp_rate.count, 5);
	assert_string_equal(z->icmp_rate.unit, "minute");
	assert_int_equal(r->blackhole.timeout, 0);
	assert_int_equal(r->blackhole.n_lists, 2);
	assert_string_equal(r->blackhole.lists[0].path, "/etc/nftrouter/bad.txt");
	assert_string_equal(r->blackhole.lists[1].path, "/etc/abs.txt");
	router_free(r);
	diags_free(&d);
}

/* A saved copy (previous.yaml): its errors name the copy, the file that
 * is wrong; its relative paths and rule comments follow the original. */
static void test_router_file_parse(void **state)
{
	(void)state;
	const char *ok = "interfaces:\n  lan: { match: { name: eth1 }, ipv4: [10.0.0.1/24] }\n"
			 "zones:\n  lan: { interfaces: lan }\n"
			 "blackhole:\n  lists: [bad.txt]\n";
	struct diags d = DIAGS_INIT;
	struct router_file *f = router_file_parse("/var/lib/nftrouter/previous.yaml",
						  "/etc/nftrouter/router.yaml", ok, strlen(ok), &d);
	assert_non_null(f);
	assert_string_equal(f->text, ok);
	assert_int_equal(f->len, strlen(ok));
	assert_string_equal(f->r->file_base, "router.yaml");
	assert_string_equal(f->r->blackhole.lists[0].path, "/etc/nftrouter/bad.txt");
	router_file_free(f);
	const char *bad = "interfaces:\n  lan: { match: { name: eth1 }, ipv4: [10.0.0.1/24] }\n"
			  "zones:\n  lan: { interfaces: eth9 }\n";
	f = router_file_parse("/var/lib/nftrouter/previous.yaml", "/etc/nftrouter/router.yaml", bad,
			      strlen(bad), &d);
	assert_null(f);
	assert_true(d.n_errors > 0);
	for (size_t i = 0; i < d.n; i++)
		assert_string_equal(d.v[i].file, "/var/lib/nftrouter/previous.yaml");
	diags_free(&d);
	/* The same bytes, the same hash, whichever way they came in. */
	struct router_file *a = router_file_parse("a", NULL, ok, strlen(ok), &d);
	struct router_file *b = router_file_parse("b", NULL, ok, strlen(ok), &d);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_equal(a->hash, b->hash);
	assert_string_equal(a->r->file_base, "a");
	router_file_free(a);
	router_file_free(b);
	router_file_free(NULL);
	assert_null(router_file_steal(NULL));
	diags_free(&d);
}

/* text with one substitution applied to base. */
static char *variant(const char *from, const char *to)
{
	static char out[4096];
	const char *at = strstr(base, from);
	if (!at)
		fail_msg("'%s' not in base", from);
	snprintf(out, sizeof(out), "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
	return out;
}

static void assert_first_error(const char *text, const char *want)
{
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(text, &d);
	assert_null(r);
	assert_true(d.n_errors >= 1);
	diags_sort(&d);
	char got[512];
	snprintf(got, sizeof(got), "%d:%d: %s", d.v[0].pos.line, d.v[0].pos.col, d.v[0].msg);
	assert_string_equal(got, want);
	diags_free(&d);
}

static void test_errors(void **state)
{
	(void)state;
	assert_first_error(variant("interfaces: [lan]", "interfaces: [lan, eth9]"),
			   "6:28: zone 'lan': unknown interface 'eth9'");
	assert_first_error(variant("ipv4: dhcp", "ipv4: dhcp, mtu: 67"),
			   "2:64: interface 'wan': mtu: expected a number 68..65535, got '67'");
	assert_first_error(
	    variant("services: [dns, dhcp]", "services: [dns]"),
	    "8:3: dhcp 'lan': zone 'lan' does not open the dhcp service, so the "
	    "router's own firewall would drop the requests; add dhcp to its services");
	assert_first_error(variant("dns:\n  upstream: [\"9.9.9.9\"]\n", ""),
			   "6:40: zone 'lan': serves dns but dns.upstream is empty; add upstream "
			   "servers under dns:");
	assert_first_error(variant("192.168.1.100-", "192.168.0.100-"),
			   "8:17: dhcp 'lan': range: '192.168.0.100-192.168.1.200' is outside "
			   "interface 'lan''s subnet 192.168.1.0/24");
	assert_first_error(variant("masquerade: true }", "masquerade: true, input: [drop] }"),
			   "5:54: zone 'wan': input: expected a value, got a list");
	assert_first_error(variant("zones:\n", "hostname: \"a;b\"\nzones:\n"),
			   "4:11: hostname: contains a semicolon (;), which could break out of the "
			   "generated nftables or dnsmasq text; not allowed");
	assert_first_error(
	    variant("dns:\n",
		    "rules:\n  - { name: r, from: wan, tcp: \"22, 80\", action: drop }\ndns:\n"),
	    "10:32: rule 'r': tcp: malformed port '22, 80' (1-65535, or a range A-B with "
	    "A <= B; several ports: a list [22, 80])");
	assert_first_error(variant("ipv4: dhcp }", "ipv4: dhcp, optinal: true }"),
			   "2:59: interface 'wan': unknown key 'optinal'; did you mean 'optional'? "
			   "(allowed: match, ipv4, ipv6, optional, mtu, gateway, ipv6-prefix, ipv6-gateway, metric, health, vlan, bridge, wireguard, pppoe, shaping)");
	/* Two keys equally near: no guess. */
	assert_first_error(variant("ipv4: dhcp }", "ipv4: dhcp, ipv5: none }"),
			   "2:59: interface 'wan': unknown key 'ipv5' (allowed: match, ipv4, ipv6, "
			   "optional, mtu, gateway, ipv6-prefix, ipv6-gateway, metric, health, vlan, bridge, wireguard, pppoe, shaping)");
	assert_first_error("interfaces: {}\nzones: {}\n",
			   "1:13: interfaces: the router needs at least one interface");
	assert_first_error("- a\n", "1:1: router.yaml: expected a map, got a list");
}

static void test_all_errors_one_run(void **state)
{
	(void)state;
	const char *text =
	    "interfaces:\n"
	    "  wan: { match: { mac: \"52:54:00:00:00:0g\" }, ipv4: dhcp }\n"
	    "  lan: { match: { mac: \"52:54:00:00:00:02\" }, ipv4: 192.168.1.1/33 }\n"
	    "  opt: { match: { mac: \"52:54:00:00:00:03\" }, ipv4: 10.0.0.1/8, mtu: 9 }\n"
	    "zones:\n"
	    "  wan: { interfaces: [wan], masquerade: maybe }\n"
	    "  lan: { interfaces: [lan, eth9], services: [telnet] }\n"
	    "rules:\n"
	    "  - { name: x, from: nowhere, tcp: 0, action: permit }\n"
	    "bogus: 1\n";
	struct diags d = DIAGS_INIT;
	assert_null(router_try_text(text, &d));
	diags_sort(&d);
	static const char *const want[] = {
	    "2:24: interface 'wan': match: mac: malformed MAC address '52:54:00:00:00:0g' (six "
	    "hex pairs: 52:54:00:00:00:02)",
	    "3:53: interface 'lan': ipv4: prefix length of '192.168.1.1/33' out of range (0..32)",
	    "4:3: interface 'opt' is in no zone; add it to one zone's interfaces",
	    "4:70: interface 'opt': mtu: expected a number 68..65535, got '9'",
	    "6:41: zone 'wan': masquerade: expected true or false, got 'maybe'",
	    "7:28: zone 'lan': unknown interface 'eth9'",
	    "7:46: zone 'lan': services: unknown service 'telnet' (known: ssh, dns, dns-tls, dhcp, "
	    "dhcpv6, http, https, ntp, tftp, snmp, syslog, mdns, wireguard, iperf3; other ports: a "
	    "rule)",
	    "9:22: rule 'x': from: unknown zone 'nowhere'",
	    "9:36: rule 'x': tcp: malformed port '0' (1-65535, or a range A-B with A <= B)",
	    "9:47: rule 'x': action: expected accept, drop or reject, got 'permit'",
	    "10:1: router.yaml: unknown key 'bogus' (allowed: hostname, interfaces, offload, zones, rules, "
	    "port-forwards, dhcp, dns, blackhole, ipv6, proxmox, metrics, ha)",
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; i < d.n && i < n; i++) {
		char got[512];
		snprintf(got, sizeof(got), "%d:%d: %s", d.v[i].pos.line, d.v[i].pos.col,
			 d.v[i].msg);
		assert_string_equal(got, want[i]);
	}
	assert_int_equal(d.n, n);
	assert_int_equal(d.n_errors, n);
	diags_free(&d);
}

/* Every string that reaches nftables or dnsmasq text refuses every
 * character that could end its field, naming the character. Each
 * template holds one %s where a double-quoted YAML value goes. */
static void test_injection(void **state)
{
	(void)state;
	static const char *const fields[] = {
	    "hostname: \"r%sx\"\n",
	    "rules:\n  - { name: \"r%sx\", from: wan, action: drop }\n",
	    "rules:\n  - { name: r, from: wan, log: \"r%sx\", action: drop }\n",
	    "port-forwards:\n  - { name: \"f%sx\", from: wan, tcp: 80, to: 192.168.1.9 }\n",
	    "dns:\n  upstream: [\"tls://9.9.9.9#a%sx\"]\n",
	    "dns:\n  upstream: [\"9.9.9.9\"]\n  domain: \"a%sx\"\n",
	    "blackhole:\n  lists: [\"a%sx\"]\n",
	};
	static const struct {
		const char *yaml, *name;
	} chars[] = {
	    {"\\\"", "a double quote"},
	    {"'", "a single quote"},
	    {"\\n", "a newline"},
	    {"\\r", "a carriage return"},
	    {"\\t", "a tab"},
	    {";", "a semicolon"},
	    {"{", "a brace ({)"},
	    {"}", "a brace (})"},
	    {"#", "a hash"},
	    {"\\\\", "a backslash"},
	    {"`", "a backquote"},
	    {"$", "a dollar sign"},
	    {"\\x01", "a control character (0x01)"},
	    {"\\x7f", "a control character (0x7f)"},
	    {"\\u00e9", "a non-ASCII byte (0xc3)"},
	};
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		for (size_t c = 0; c < sizeof(chars) / sizeof(chars[0]); c++) {
			/* '#' is the separator of a tls:// upstream's name; the name is
			 * then checked as a DNS name. */
			bool tls_hash =
			    strstr(fields[f], "tls://") && strcmp(chars[c].yaml, "#") == 0;
			char field[256], text[4096 + 256 + 64]; /* variant() + field + tail */
			const char *hole = strstr(fields[f], "%s");
			snprintf(field, sizeof(field), "%.*s%s%s", (int)(hole - fields[f]),
				 fields[f], chars[c].yaml, hole + 2);
			const char *tail =
			    strstr(fields[f], "dns:") ? "" : "dns:\n  upstream: [\"9.9.9.9\"]\n";
			char *b = variant("dns:\n  upstream: [\"9.9.9.9\"]\n", "");
			snprintf(text, sizeof(text), "%s%s%s", b, field, tail);
			struct diags d = DIAGS_INIT;
			struct router *r = router_try_text(text, &d);
			if (r)
				fail_msg("accepted %s in: %s", chars[c].name, field);
			bool named = false;
			for (size_t i = 0; i < d.n; i++)
				named = named || strstr(d.v[i].msg, chars[c].name) ||
					(tls_hash && strstr(d.v[i].msg, "valid DNS name"));
			if (!named)
				fail_msg("no error names %s for: %s (first: %s)", chars[c].name,
					 field, d.n ? d.v[0].msg : "none");
			diags_free(&d);
		}
	}
}

static void test_warnings(void **state)
{
	(void)state;
	const char *text =
	    "interfaces:\n"
	    "  wan: { match: { mac: \"52:54:00:00:00:01\" }, ipv4: dhcp }\n"
	    "  lan: { match: { mac: \"52:54:00:00:00:02\" }, ipv4: 192.168.1.1/24 }\n"
	    "zones:\n"
	    "  wan: { interfaces: [wan], masquerade: true, input: accept, services: [ssh] }\n"
	    "  lan: { interfaces: [lan], forward: [wan] }\n"
	    "rules:\n"
	    "  - { name: ssh, from: wan, tcp: 22, action: accept }\n"
	    "port-forwards:\n"
	    "  - { name: ssh-nas, from: wan, tcp: 20-30, to: 192.168.1.5 }\n";
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(text, &d);
	assert_non_null(r); /* warnings do not refuse a config */
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(d.n, 3);
	diags_sort(&d);
	assert_int_equal(d.v[0].level, DIAG_WARNING);
	assert_int_equal(d.v[0].pos.line, 5);
	assert_non_null(strstr(d.v[0].msg, "input accept on a masquerading"));
	assert_int_equal(d.v[1].pos.line, 10);
	assert_non_null(strstr(d.v[1].msg, "hides rule 'ssh' (line 8)"));
	assert_non_null(strstr(d.v[2].msg, "hides service 'ssh' of zone 'wan'"));
	router_free(r);
	diags_free(&d);
	/* examples/seed.yaml builds without a warning. */
	r = router_try_text(base, &d);
	assert_non_null(r);
	assert_int_equal(d.n, 0);
	router_free(r);
	diags_free(&d);
}

static void test_dhcp_overrides(void **state)
{
	(void)state;
	char *text =
	    variant("  lan: { range: 192.168.1.100-192.168.1.200 }\n",
		    "  lan:\n"
		    "    range: 192.168.1.100-192.168.1.200\n"
		    "    lease: 12h\n"
		    "    dns: [192.168.1.2, 9.9.9.9]\n"
		    "    gateway: 192.168.1.254\n"
		    "    hosts:\n"
		    "      - { mac: \"52:54:00:AA:00:01\", ip: 192.168.1.20 }\n"
		    "      - { mac: \"52:54:00:aa:00:02\", ip: 192.168.1.150, name: printer }\n");
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(text, &d);
	if (!r) {
		diags_print(&d, stderr);
		fail();
	}
	const struct dhcp *h = router_iface(r, "lan")->dhcp;
	assert_non_null(h);
	assert_int_equal(h->lease, 12 * 3600);
	assert_int_equal(h->n_dns, 2);
	assert_int_equal(h->dns[0].a[3], 2);
	assert_int_equal(h->dns[1].a[0], 9);
	assert_true(h->has_gateway);
	assert_int_equal(h->gateway.a[3], 254);
	assert_int_equal(h->start.a[3], 100);
	assert_int_equal(h->end.a[3], 200);
	assert_int_equal(h->n_hosts, 2);
	assert_int_equal(h->hosts[0].mac[3], 0xaa);
	assert_string_equal(h->hosts[0].name, "");
	assert_string_equal(h->hosts[1].name, "printer");
	assert_int_equal(h->hosts[1].ip.a[3], 150); /* inside the pool: allowed */
	router_free(r);
	diags_free(&d);
}

static void test_lookups(void **state)
{
	(void)state;
	const struct service *s = service_find("dns");
	assert_non_null(s);
	assert_int_equal(s->tcp[0], 53);
	assert_int_equal(s->udp[0], 53);
	assert_int_equal(s->tcp[1], 0);
	s = service_find("dhcp");
	assert_int_equal(s->udp[0], 67);
	assert_int_equal(s->tcp[0], 0);
	assert_int_equal(service_find("ssh")->tcp[0], 22);
	assert_null(service_find("telnet"));
	assert_string_equal(verdict_name(VERDICT_ACCEPT), "accept");
	assert_string_equal(verdict_name(VERDICT_DROP), "drop");
	assert_string_equal(verdict_name(VERDICT_REJECT), "reject");
}

/* gateway: a static port's default route; with several, each is kept in
 * config order (apply gives them increasing metrics). */
static void cidr_is(const struct cidr *c, const char *want)
{
	char got[ADDR_STRLEN];
	cidr_format(c, got, sizeof(got));
	assert_string_equal(got, want);
}

/* PREFIX:N::1/64 for the delegated lengths, the ULA, and what does not fit. */
static void test_ipv6_subnet_addr(void **state)
{
	(void)state;
	struct cidr p, out;
	assert_int_equal(cidr_parse("2001:db8:1:ff00::/56", &p), 0);
	assert_int_equal(ipv6_subnet_addr(&p, 1, &out), 0);
	cidr_is(&out, "2001:db8:1:ff01::1/64");
	assert_int_equal(ipv6_subnet_addr(&p, 255, &out), 0);
	cidr_is(&out, "2001:db8:1:ffff::1/64");
	assert_int_equal(ipv6_subnet_addr(&p, 256, &out), -ERANGE);
	assert_int_equal(cidr_parse("2001:db8:3:fff0::/60", &p), 0);
	assert_int_equal(ipv6_subnet_addr(&p, 15, &out), 0);
	cidr_is(&out, "2001:db8:3:ffff::1/64");
	assert_int_equal(ipv6_subnet_addr(&p, 17, &out), -ERANGE);
	assert_int_equal(cidr_parse("fd12:3456:789a::/48", &p), 0);
	assert_int_equal(ipv6_subnet_addr(&p, 0x1234, &out), 0);
	cidr_is(&out, "fd12:3456:789a:1234::1/64");
	assert_int_equal(cidr_parse("2001:db8:1:2::/64", &p), 0);
	assert_int_equal(ipv6_subnet_addr(&p, 0, &out), 0);
	cidr_is(&out, "2001:db8:1:2::1/64");
	assert_int_equal(ipv6_subnet_addr(&p, 1, &out), -ERANGE);
	/* Host bits of the delegation are ignored. */
	assert_int_equal(cidr_parse("2001:db8:1:ff00::7/56", &p), 0);
	assert_int_equal(ipv6_subnet_addr(&p, 2, &out), 0);
	cidr_is(&out, "2001:db8:1:ff02::1/64");
}

/* A LAN port's addresses: static ones, the delegated /64 while there is a
 * delegation that holds N, the ULA /64. */
static void test_ipv6_port_addrs(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(
	    "interfaces:\n"
	    "  wan: { match: { name: eth0 }, ipv4: dhcp, ipv6: dhcp, ipv6-prefix: 60 }\n"
	    "  lan: { match: { name: eth1 }, ipv6: { from: wan, subnet: 3, address: \"2001:db8:9::1/64\" } }\n"
	    "zones:\n"
	    "  wan: { interfaces: [wan], masquerade: true }\n"
	    "  lan: { interfaces: [lan], services: [dhcp], forward: [wan] }\n",
	    &d);
	assert_non_null(r);
	const struct iface *lan = &r->ifaces[1];
	assert_int_equal(lan->ipv6, IPV6_LAN);
	assert_ptr_equal(lan->pd_from, &r->ifaces[0]);
	assert_int_equal(r->ifaces[0].pd_len, 60);
	assert_true(iface_ra(lan));
	assert_false(iface_ra(&r->ifaces[0]));
	struct cidr pd[2], out[MAX_PORT_ADDRS6];
	memset(pd, 0, sizeof(pd));
	struct ipv6_live lv = {.has_ula = true, .pd = pd};
	assert_int_equal(cidr_parse("fd00:1:2::/48", &lv.ula), 0);
	assert_int_equal(ipv6_port_addrs(r, lan, &lv, out, MAX_PORT_ADDRS6), 2);
	cidr_is(&out[0], "2001:db8:9::1/64");
	cidr_is(&out[1], "fd00:1:2:3::1/64");
	assert_int_equal(cidr_parse("2001:db8:5:50::/60", &pd[0]), 0);
	assert_int_equal(ipv6_port_addrs(r, lan, &lv, out, MAX_PORT_ADDRS6), 3);
	cidr_is(&out[1], "2001:db8:5:53::1/64");
	cidr_is(&out[2], "fd00:1:2:3::1/64");
	lv.has_ula = false;
	assert_int_equal(ipv6_port_addrs(r, lan, &lv, out, 1), 1);
	assert_int_equal(ipv6_port_addrs(r, &r->ifaces[0], &lv, out, MAX_PORT_ADDRS6), 0);
	router_free(r);
	diags_free(&d);
}

static void test_gateway(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(
	    variant("ipv4: dhcp }", "ipv4: [10.0.0.2/30, 203.0.113.2/24], gateway: 203.0.113.1 }"),
	    &d);
	assert_non_null(r);
	assert_int_equal(d.n_errors, 0);
	struct ipaddr want;
	assert_int_equal(addr_parse("203.0.113.1", &want), 0);
	assert_true(r->ifaces[0].has_gateway);
	assert_true(addr_equal(&r->ifaces[0].gateway, &want));
	assert_false(r->ifaces[1].has_gateway);
	router_free(r);
	diags_free(&d);
	assert_first_error(variant("ipv4: dhcp }", "ipv4: dhcp, gateway: 10.0.0.1 }"),
			   "2:68: interface 'wan': gateway: only with a static ipv4 address (with "
			   "dhcp the DHCP server gives the gateway)");
	assert_first_error(
	    variant("ipv4: dhcp }", "ipv4: 10.0.0.2/30, gateway: 10.0.0.4 }"),
	    "2:75: interface 'wan': gateway: '10.0.0.4' is outside the subnets of interface 'wan'");
}

static void test_deterministic(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct router *a = router_try_text(base, &d), *b = router_try_text(base, &d);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(a->n_ifaces, b->n_ifaces);
	for (size_t i = 0; i < a->n_ifaces; i++) {
		assert_string_equal(a->ifaces[i].name, b->ifaces[i].name);
		assert_int_equal(a->ifaces[i].pos.line, b->ifaces[i].pos.line);
	}
	router_free(a);
	router_free(b);
	diags_free(&d);
}

/* interfaces.X.metric: each port with a default route its own, by
 * default its place among those ports: losing one WAN never
 * removes another's route. */
static void test_metric(void **state)
{
	(void)state;
	static const char two[] =
	    "interfaces:\n"
	    "  wan1: { match: { name: eth0 }, ipv4: dhcp }\n"
	    "  lan: { match: { name: eth2 }, ipv4: 192.168.1.1/24 }\n"
	    "  wan2: { match: { name: eth1 }, ipv4: dhcp }\n"
	    "  wan3: { match: { name: eth3 }, ipv4: 10.0.0.2/24, gateway: 10.0.0.1 }\n"
	    "zones:\n"
	    "  wan: { interfaces: [wan1, wan2, wan3], masquerade: true }\n"
	    "  lan: { interfaces: [lan], forward: [wan] }\n";
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(two, &d);
	assert_non_null(r);
	assert_int_equal(router_iface(r, "wan1")->metric, 0);
	assert_int_equal(router_iface(r, "wan2")->metric, 1);
	assert_int_equal(router_iface(r, "wan3")->metric, 2);
	assert_false(router_iface(r, "wan2")->has_metric);
	router_free(r);
	char text[1024];
	snprintf(text, sizeof(text), "%s", two);
	char *at = strstr(text, "ipv4: dhcp }\n  lan");
	memmove(at + 22, at + 10, strlen(at + 10) + 1);
	memcpy(at + 10, ", metric: 20", 12);
	r = router_try_text(text, &d);
	assert_non_null(r);
	assert_int_equal(router_iface(r, "wan1")->metric, 20);
	assert_true(router_iface(r, "wan1")->has_metric);
	assert_int_equal(router_iface(r, "wan2")->metric, 1);
	router_free(r);
	diags_free(&d);
	assert_first_error(variant("ipv4: dhcp }", "ipv4: dhcp, metric: 70000 }"),
			   "2:67: interface 'wan': metric: expected a number 0..65535, got '70000'");
	assert_first_error(variant("192.168.1.1/24 }", "192.168.1.1/24, metric: 3 }"),
			   "3:77: interface 'lan': metric: only for a port with a default route "
			   "(ipv4: dhcp, or a gateway)");
}

/* interfaces.X.health: defaults, written values, refusals. */
static void test_health(void **state)
{
	(void)state;
	struct diags d = DIAGS_INIT;
	struct router *r = router_try_text(variant("ipv4: dhcp }", "ipv4: dhcp, health: { targets: [198.51.100.1, "
						 "203.0.113.9] } }"),
				 &d);
	assert_non_null(r);
	const struct health *h = &router_iface(r, "wan")->health;
	assert_true(h->on);
	assert_int_equal(h->n_targets, 2);
	assert_int_equal(h->interval, 1);
	assert_int_equal(h->down, 3);
	assert_int_equal(h->up, 3);
	assert_false(router_iface(r, "lan")->health.on);
	router_free(r);
	r = router_try_text(variant("ipv4: dhcp }", "ipv4: dhcp, health: { targets: [198.51.100.1], interval: 5s, "
					  "down: 2, up: 10 } }"),
		  &d);
	assert_non_null(r);
	h = &router_iface(r, "wan")->health;
	assert_int_equal(h->interval, 5);
	assert_int_equal(h->down, 2);
	assert_int_equal(h->up, 10);
	router_free(r);
	diags_free(&d);
	assert_first_error(variant("ipv4: dhcp }", "ipv4: dhcp, health: { targets: [198.51.100.1], "
						   "interval: 0 } }"),
			   "2:104: interface 'wan': health: interval: 1s to 1h");
	assert_first_error(variant("ipv4: dhcp }", "ipv4: dhcp, health: { targets: [] } }"),
			   "2:78: interface 'wan': health: targets: 1 to 8 addresses");
}

/* metrics.listen: ADDRESS:PORT, brackets for IPv6 (and only for it). */
static void test_metrics_listen(void **state)
{
	(void)state;
	struct ipaddr a;
	uint16_t port = 0;
	assert_int_equal(metrics_listen_parse("127.0.0.1:9630", &a, &port), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(port, 9630);
	assert_int_equal(metrics_listen_parse("[::1]:80", &a, &port), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(port, 80);
	const char *bad[] = {"127.0.0.1", "::1:9630", "[127.0.0.1]:1", "[::1]9630", "[::1]:0",
			     ":9630", "127.0.0.1:", "127.0.0.1:65536", "host:9630", "[]:1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(metrics_listen_parse(bad[i], &a, &port), -EINVAL);
}

/* ha: the resolved pair: the sync port and this router's address on it,
 * the peer, priority, preempt's default (true), the virtual addresses on
 * their ports; ha_virtual_of finds them. */
static void test_ha(void **state)
{
	(void)state;
	static const char text[] =
	    "interfaces:\n"
	    "  wan: { match: { name: eth0 }, ipv4: 203.0.113.2/24, gateway: 203.0.113.1 }\n"
	    "  lan: { match: { name: eth1 }, ipv4: 192.168.1.2/24 }\n"
	    "  sync: { match: { name: eth2 }, ipv4: 10.99.0.1/30 }\n"
	    "zones:\n"
	    "  wan: { interfaces: [wan], masquerade: true, input: drop }\n"
	    "  lan: { interfaces: [lan], input: reject, forward: [wan] }\n"
	    "  sync: { interfaces: [sync], input: drop }\n"
	    "ha:\n"
	    "  sync-interface: sync\n"
	    "  peer: 10.99.0.2\n"
	    "  priority: 200\n"
	    "  virtual: { lan: 192.168.1.1/24, wan: 203.0.113.10/24 }\n";
	struct router *r = router_from_text(text);
	assert_true(r->ha.on);
	assert_string_equal(r->ha.sync->name, "sync");
	assert_int_equal(r->ha.sync_addr.len, 30);
	assert_int_equal(r->ha.sync_addr.addr.a[3], 1);
	assert_int_equal(r->ha.peer.a[3], 2);
	assert_int_equal(r->ha.priority, 200);
	assert_true(r->ha.preempt);
	assert_int_equal(r->ha.n_virt, 2);
	const struct cidr *v = ha_virtual_of(r, router_iface(r, "wan"));
	assert_non_null(v);
	assert_int_equal(v->addr.a[3], 10);
	assert_int_equal(v->len, 24);
	assert_null(ha_virtual_of(r, router_iface(r, "sync")));
	router_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seed),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_upstreams_and_lists),
	    cmocka_unit_test(test_router_file_parse),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_all_errors_one_run),
	    cmocka_unit_test(test_metrics_listen),
	    cmocka_unit_test(test_ha),
	    cmocka_unit_test(test_injection),
	    cmocka_unit_test(test_warnings),
	    cmocka_unit_test(test_dhcp_overrides),
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_gateway),
	    cmocka_unit_test(test_ipv6_subnet_addr),
	    cmocka_unit_test(test_ipv6_port_addrs),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_metric),
	    cmocka_unit_test(test_health),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
