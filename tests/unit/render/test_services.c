/* Renderers of the services around the firewall: dnsmasq, unbound,
 * sysctl, udev, systemd. The router is built by hand (examples/seed.yaml's router), so
 * these tests do not depend on the model stage; the service configs are
 * checked by the services' own checkers (dnsmasq --test, unbound-checkconf),
 * and the systemd unit against dist/nftrouter.service. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "render/render.h"

struct seed {
	struct router r;
	struct iface ifaces[4];
	struct zone zones[2];
	struct iface *wan_ifaces[2], *lan_ifaces[2];
	const struct service *lan_services[2];
	struct cidr lan_addr, vm1_addr;
	struct dhcp dhcps[2];
	struct dhcp_host hosts[1];
	struct upstream up[2];
};

static void must(int rc)
{
	assert_int_equal(rc, 0);
}

/* examples/seed.yaml's router, reduced: wan (dhcp, by mac), vm0 (by name, admin),
 * lan and vm1 with DHCP, lan zone opening dns and dhcp, one tls and one
 * plain upstream. */
static struct seed *seed_new(void)
{
	struct seed *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	struct router *r = &s->r;
	r->file = (char *)"tests/router.yaml";
	r->file_base = "router.yaml";
	snprintf(r->hostname, sizeof(r->hostname), "router");
	r->ifaces = s->ifaces;
	r->n_ifaces = 4;
	const char *names[] = {"wan", "vm0", "lan", "vm1"};
	for (int i = 0; i < 4; i++) {
		snprintf(s->ifaces[i].name, 16, "%s", names[i]);
		s->ifaces[i].pos = (struct pos){r->file, 3 + i, 3};
	}
	s->ifaces[0].match = MATCH_MAC;
	must(mac_parse("52:54:00:00:00:02", s->ifaces[0].match_mac));
	s->ifaces[0].ipv4 = IPV4_DHCP;
	s->ifaces[1].match = MATCH_NAME;
	snprintf(s->ifaces[1].match_name, 16, "eth0");
	s->ifaces[1].ipv4 = IPV4_DHCP;
	s->ifaces[2].match = MATCH_PCI;
	must(pci_parse("01:00.1", s->ifaces[2].match_pci));
	s->ifaces[2].ipv4 = IPV4_STATIC;
	must(cidr_parse("192.168.100.1/24", &s->lan_addr));
	s->ifaces[2].addrs = &s->lan_addr;
	s->ifaces[2].n_addrs = 1;
	s->ifaces[3].match = MATCH_MAC;
	must(mac_parse("52:54:00:00:00:0B", s->ifaces[3].match_mac));
	s->ifaces[3].ipv4 = IPV4_STATIC;
	must(cidr_parse("192.168.1.1/24", &s->vm1_addr));
	s->ifaces[3].addrs = &s->vm1_addr;
	s->ifaces[3].n_addrs = 1;

	r->zones = s->zones;
	r->n_zones = 2;
	snprintf(s->zones[0].name, 16, "wan");
	s->zones[0].masquerade = true;
	s->wan_ifaces[0] = &s->ifaces[0];
	s->wan_ifaces[1] = &s->ifaces[1];
	s->zones[0].ifaces = s->wan_ifaces;
	s->zones[0].n_ifaces = 2;
	snprintf(s->zones[1].name, 16, "lan");
	s->lan_ifaces[0] = &s->ifaces[2];
	s->lan_ifaces[1] = &s->ifaces[3];
	s->zones[1].ifaces = s->lan_ifaces;
	s->zones[1].n_ifaces = 2;
	s->ifaces[0].zone = s->ifaces[1].zone = &s->zones[0];
	s->ifaces[2].zone = s->ifaces[3].zone = &s->zones[1];

	r->dhcps = s->dhcps;
	r->n_dhcps = 2;
	for (int i = 0; i < 2; i++) {
		s->dhcps[i].iface = &s->ifaces[2 + i];
		s->ifaces[2 + i].dhcp = &s->dhcps[i];
		s->dhcps[i].pos = (struct pos){r->file, 20 + i, 3};
		s->dhcps[i].lease = 3600;
	}
	must(addr_parse("192.168.100.10", &s->dhcps[0].start));
	must(addr_parse("192.168.100.250", &s->dhcps[0].end));
	must(addr_parse("192.168.1.10", &s->dhcps[1].start));
	must(addr_parse("192.168.1.250", &s->dhcps[1].end));
	s->dhcps[1].lease = 90;
	s->dhcps[1].hosts = s->hosts;
	s->dhcps[1].n_hosts = 1;
	must(mac_parse("52:54:00:12:34:56", s->hosts[0].mac));
	must(addr_parse("192.168.1.20", &s->hosts[0].ip));
	snprintf(s->hosts[0].name, 64, "nas");

	r->dns.upstream = s->up;
	r->dns.n_upstream = 2;
	s->up[0].tls = true;
	must(addr_parse("1.1.1.1", &s->up[0].addr));
	s->up[0].port = 853;
	snprintf(s->up[0].tls_name, 254, "cloudflare-dns.com");
	must(addr_parse("9.9.9.9", &s->up[1].addr));
	s->up[1].port = 53;
	snprintf(r->dns.domain, sizeof(r->dns.domain), "lan");
	return s;
}

/* Open dns (and dhcp) on the lan zone. */
static void seed_open_dns(struct seed *s)
{
	static const struct service dns = {"dns", {53}, {53}}, dhcp = {"dhcp", {0}, {67}};
	s->lan_services[0] = &dns;
	s->lan_services[1] = &dhcp;
	s->zones[1].services = s->lan_services;
	s->zones[1].n_services = 2;
}

static void has(const char *text, const char *line)
{
	assert_non_null(text);
	if (!strstr(text, line))
		fail_msg("missing \"%s\" in:\n%s", line, text);
}

static void has_not(const char *text, const char *line)
{
	assert_non_null(text);
	if (strstr(text, line))
		fail_msg("unexpected \"%s\" in:\n%s", line, text);
}

/* Write text to a temporary file, run CMD with it appended, return the exit status. */
static int check_with(const char *text, const char *cmd)
{
	char path[] = "/tmp/nftrouter-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	size_t n = strlen(text);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
	char line[512];
	snprintf(line, sizeof(line), "%s %s >/dev/null 2>&1", cmd, path);
	int rc = system(line);
	unlink(path);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_dnsmasq_seed(void **state)
{
	struct seed *s = seed_new();
	struct render_paths p;
	render_paths_default(&p);
	seed_open_dns(s);
	char *t = render_dnsmasq(&s->r, &p);
	assert_non_null(t);
	has(t, "# generated by nftrouter from router.yaml");
	has(t, "\nno-resolv\nno-hosts\n");
	has(t, "\nbind-dynamic\n");
	has(t, "\nexcept-interface=lo\n");
	has(t, "\ninterface=lan\ninterface=vm1\n");
	has_not(t, "interface=wan");
	has_not(t, "interface=vm0");
	has_not(t, "port=0");
	has(t, "\nserver=9.9.9.9#53\n");
	has(t, "\nserver=127.0.0.1#5353\n");
	has_not(t, "1.1.1.1");
	has(t, "\ndomain=lan\nlocal=/lan/\n");
	has(t, "\nlocalise-queries\ninterface-name=router,lan\ninterface-name=router.lan,lan\n"
	       "interface-name=router,vm1\ninterface-name=router.lan,vm1\n");
	has(t, "\ndhcp-leasefile=/var/lib/nftrouter/dnsmasq.leases\n");
	has(t, "\npid-file=/run/nftrouter/dnsmasq.pid\n");
	has(t, "\ndhcp-range=set:lan,192.168.100.10,192.168.100.250,255.255.255.0,1h\n");
	has(t, "\ndhcp-range=set:vm1,192.168.1.10,192.168.1.250,255.255.255.0,90\n");
	has(t, "\ndhcp-option=tag:lan,option:router,192.168.100.1\n");
	has(t, "\ndhcp-option=tag:lan,option:dns-server,192.168.100.1\n");
	has(t, "\ndhcp-host=52:54:00:12:34:56,192.168.1.20,nas\n");
	assert_int_equal(check_with(t, "dnsmasq --test -C"), 0);
	free(t);
	free(s);
}

/* No zone opens dns: DNS off entirely, and DHCP clients are not told to
 * ask the router. */
static void test_dnsmasq_dhcp_only(void **state)
{
	struct seed *s = seed_new();
	struct render_paths p;
	render_paths_default(&p);
	s->r.dns.n_upstream = 0;
	char *t = render_dnsmasq(&s->r, &p);
	assert_non_null(t);
	has(t, "\nport=0\n");
	has_not(t, "server=");
	has(t, "\ndhcp-option=tag:lan,option:dns-server\n");
	has(t, "\ndhcp-option=tag:vm1,option:dns-server\n");
	assert_int_equal(check_with(t, "dnsmasq --test -C"), 0);
	free(t);
	free(s);
}

/* A configured DNS list and gateway override the router's address. */
static void test_dnsmasq_overrides(void **state)
{
	struct seed *s = seed_new();
	struct render_paths p;
	struct ipaddr dns[2];
	render_paths_default(&p);
	seed_open_dns(s);
	must(addr_parse("192.168.100.2", &dns[0]));
	must(addr_parse("192.168.100.3", &dns[1]));
	s->dhcps[0].dns = dns;
	s->dhcps[0].n_dns = 2;
	s->dhcps[0].has_gateway = true;
	must(addr_parse("192.168.100.254", &s->dhcps[0].gateway));
	char *t = render_dnsmasq(&s->r, &p);
	assert_non_null(t);
	has(t, "\ndhcp-option=tag:lan,option:router,192.168.100.254\n");
	has(t, "\ndhcp-option=tag:lan,option:dns-server,192.168.100.2,192.168.100.3\n");
	assert_int_equal(check_with(t, "dnsmasq --test -C"), 0);
	free(t);
	free(s);
}

static void test_unbound(void **state)
{
	struct seed *s = seed_new();
	struct render_paths p;
	char dir[] = "/tmp/nftrouter-run-XXXXXX";
	render_paths_default(&p);
	assert_non_null(mkdtemp(dir));
	p.run_dir = dir;
	char *t = render_unbound(&s->r, &p);
	assert_non_null(t);
	has(t, "\tinterface: 127.0.0.1\n\tport: 5353\n");
	has(t, "\tforward-tls-upstream: yes\n");
	has(t, "\tforward-addr: 1.1.1.1@853#cloudflare-dns.com\n");
	has_not(t, "9.9.9.9");
	has(t, "\ttls-cert-bundle: \"/etc/ssl/certs/ca-certificates.crt\"\n");
	has(t, "\tmodule-config: \"iterator\"\n");
	assert_int_equal(check_with(t, "unbound-checkconf"), 0);
	free(t);
	p.tls_ca = "/tmp/lab-ca.pem";
	t = render_unbound(&s->r, &p);
	has(t, "\ttls-cert-bundle: \"/tmp/lab-ca.pem\"\n");
	free(t);
	/* Without tls upstreams there is no unbound at all. */
	s->up[0].tls = false;
	t = render_unbound(&s->r, &p);
	assert_string_equal(t, "");
	free(t);
	rmdir(dir);
	free(s);
}

/* The checker itself must reject a broken file, or the tests above prove nothing. */
static void test_checkers_reject(void **state)
{
	assert_int_not_equal(check_with("dhcp-range=nonsense\n", "dnsmasq --test -C"), 0);
	assert_int_not_equal(check_with("server:\n\tno-such-option: yes\n", "unbound-checkconf"),
			     0);
}

static void test_sysctl(void **state)
{
	struct seed *s = seed_new();
	char *t = render_sysctl(&s->r);
	assert_non_null(t);
	has(t, "\nnet.ipv4.ip_forward = 1\n");
	has(t, "\nnet.ipv6.conf.all.forwarding = 1\n");
	has(t, "\nnet.ipv4.conf.all.rp_filter = 2\n");
	/* Every setting follows a comment saying why. */
	bool prev_comment = false;
	for (char *l = t; *l;) {
		char *nl = strchr(l, '\n');
		assert_non_null(nl);
		if (*l != '#')
			assert_true(prev_comment);
		prev_comment = *l == '#';
		l = nl + 1;
	}
	free(t);
	free(s);
}

static void test_udev(void **state)
{
	struct seed *s = seed_new();
	char *t = render_udev(&s->r);
	assert_non_null(t);
	has(t, "\nSUBSYSTEM==\"net\", ACTION==\"add\", DRIVERS==\"?*\", "
	       "ATTR{address}==\"52:54:00:00:00:02\", NAME=\"wan\"\n");
	/* lower case: udev compares ATTR{address} as a string, the kernel prints lower case */
	has(t, "ATTR{address}==\"52:54:00:00:00:0b\", NAME=\"vm1\"\n");
	has(t, "\nSUBSYSTEM==\"net\", ACTION==\"add\", KERNELS==\"0000:01:00.1\", NAME=\"lan\"\n");
	has(t, "# matched by its kernel name \"eth0\", used as it is: no rule\n");
	has_not(t, "NAME=\"vm0\"");
	free(t);
	free(s);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char *text = calloc(1, 65536);
	assert_non_null(text);
	size_t n = fread(text, 1, 65535, f);
	assert_true(n > 0 && n < 65535);
	fclose(f);
	return text;
}

/* dist/nftrouter.service is the unit rendered with the default paths. */
static void test_systemd_dist(void **state)
{
	struct seed *s = seed_new();
	struct render_paths p;
	char path[4096];
	const char *src = getenv("NFTROUTER_SRCDIR");
	render_paths_default(&p);
	char *t = render_systemd(&s->r, &p);
	assert_non_null(t);
	has(t, "\nType=notify\n");
	has(t, "\nExecStart=/usr/sbin/nftrouter run -c /etc/nftrouter/router.yaml "
	       "--state-dir /var/lib/nftrouter --run-dir /run/nftrouter\n");
	has(t, "\nExecReload=/bin/kill -HUP $MAINPID\n");
	has(t, "\nStateDirectory=nftrouter\n");
	has(t, "\nRuntimeDirectory=nftrouter\n");
	has(t, "CAP_NET_ADMIN");
	has(t, "\nWantedBy=multi-user.target\n");
	snprintf(path, sizeof(path), "%s/dist/nftrouter.service", src ? src : ".");
	char *dist = slurp(path);
	assert_string_equal(dist, t);
	free(dist);
	free(t);
	/* Paths outside /var/lib and /run: no StateDirectory/RuntimeDirectory to lie about. */
	p.state_dir = "/srv/nftrouter";
	p.run_dir = "/tmp/x/y";
	t = render_systemd(&s->r, &p);
	has_not(t, "StateDirectory=");
	has_not(t, "RuntimeDirectory=");
	has(t, "--state-dir /srv/nftrouter --run-dir /tmp/x/y\n");
	free(t);
	free(s);
}

/* Same model, same bytes. */
static void test_deterministic(void **state)
{
	struct seed *s = seed_new();
	struct render_paths p;
	render_paths_default(&p);
	seed_open_dns(s);
	char *a = render_dnsmasq(&s->r, &p), *b = render_dnsmasq(&s->r, &p);
	assert_string_equal(a, b);
	free(a);
	free(b);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dnsmasq_seed),
	    cmocka_unit_test(test_dnsmasq_dhcp_only),
	    cmocka_unit_test(test_dnsmasq_overrides),
	    cmocka_unit_test(test_unbound),
	    cmocka_unit_test(test_checkers_reject),
	    cmocka_unit_test(test_sysctl),
	    cmocka_unit_test(test_udev),
	    cmocka_unit_test(test_systemd_dist),
	    cmocka_unit_test(test_deterministic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
