/* WireGuard's pure parts and its key file: base64 keys (util/wgkey.c),
 * X25519 public keys against RFC 7748's test vector, the model of
 * interfaces.X.wireguard, the client config `wg peer` prints
 * (render/wg_client.c), and STATE/wireguard-PORT.key (system/wg_key.c):
 * made once with mode 0600, read back the same, and refused (never
 * replaced) when it is a symlink, too open or not one key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/tree.h"
#include "model/model.h"
#include "render/wg_client.h"
#include "system/wg.h"
#include "tmpdir.h"
#include "util/wgkey.h"

static const char phone_pub[] = "ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT+As=";

static void hex(const char *s, uint8_t *out)
{
	for (size_t i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

static void test_base64(void **state)
{
	(void)state;
	uint8_t k[WGKEY_LEN], again[WGKEY_LEN];
	char b64[WGKEY_B64];
	assert_int_equal(wgkey_from_base64(phone_pub, k), 0);
	wgkey_to_base64(k, b64);
	assert_string_equal(b64, phone_pub);
	for (unsigned i = 0; i < 256; i++) {
		memset(k, (int)i, sizeof(k));
		k[31] = (uint8_t)(255 - i);
		wgkey_to_base64(k, b64);
		assert_int_equal(strlen(b64), 44);
		assert_int_equal(wgkey_from_base64(b64, again), 0);
		assert_memory_equal(k, again, WGKEY_LEN);
	}
	/* Too short, too long, no padding, a foreign character, unused bits
	 * set in the last character ('B' where 'A'..'/'-step 4 is due). */
	assert_int_equal(wgkey_from_base64("ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT", k), -EINVAL);
	assert_int_equal(wgkey_from_base64("ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT+As==", k), -EINVAL);
	assert_int_equal(wgkey_from_base64("ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT+AsA", k), -EINVAL);
	assert_int_equal(wgkey_from_base64("ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkq_+As=", k), -EINVAL);
	assert_int_equal(wgkey_from_base64("ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT+At=", k), -EINVAL);
	assert_int_equal(wgkey_from_base64("", k), -EINVAL);
}

/* RFC 7748 6.1: Alice's private key and public key. */
static void test_public(void **state)
{
	(void)state;
	uint8_t priv[32], want[32], pub[32], gen[32];
	hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", priv);
	hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", want);
	assert_int_equal(wgkey_public(priv, pub), 0);
	assert_memory_equal(pub, want, 32);
	/* A generated key is clamped and differs from the next one. */
	assert_int_equal(wgkey_generate(priv), 0);
	assert_int_equal(wgkey_generate(gen), 0);
	assert_memory_not_equal(priv, gen, 32);
	assert_int_equal(priv[0] & 7, 0);
	assert_int_equal(priv[31] & 0xc0, 0x40);
	assert_false(wgkey_is_zero(priv));
	memset(gen, 0, sizeof(gen));
	assert_true(wgkey_is_zero(gen));
}

static const char cfg_text[] =
	"interfaces:\n"
	"  wan: { match: { name: eth0 }, ipv4: dhcp }\n"
	"  lan: { match: { name: eth1 }, ipv4: 192.168.1.1/24 }\n"
	"  wg0:\n"
	"    ipv4: 10.8.0.1/24\n"
	"    wireguard:\n"
	"      listen-zones: [wan]\n"
	"      peers:\n"
	"        - { name: phone, public-key: ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT+As=,\n"
	"            allowed-ips: [10.8.0.2/32], persistent-keepalive: 25 }\n"
	"        - { name: laptop, public-key: E52f8LP4F41kpAn7rYqVX7wuNfu4OU7RRlkmmYgn9S0=,\n"
	"            allowed-ips: 10.8.0.3/32, endpoint: \"198.51.100.7:51000\" }\n"
	"zones:\n"
	"  wan: { interfaces: [wan], masquerade: true }\n"
	"  lan: { interfaces: [lan], forward: [wan] }\n"
	"  vpn: { interfaces: [wg0], services: [dns], forward: [%s] }\n"
	"dns: { upstream: [\"9.9.9.9\"] }\n";

static struct router *build(const char *forward)
{
	char text[sizeof(cfg_text) + 64];
	struct diags d = DIAGS_INIT;
	snprintf(text, sizeof(text), cfg_text, forward);
	struct cfg_doc *doc = cfg_parse_buf("router.yaml", text, strlen(text), &d);
	struct router *r = doc ? model_build(doc, &d) : NULL;
	for (size_t i = 0; i < d.n; i++)
		print_message("%d:%d: %s\n", d.v[i].pos.line, d.v[i].pos.col, d.v[i].msg);
	cfg_doc_free(doc);
	diags_free(&d);
	assert_non_null(r);
	return r;
}

static void test_model(void **state)
{
	(void)state;
	struct router *r = build("lan, wan");
	const struct iface *p = router_iface(r, "wg0");
	assert_non_null(p->wg);
	assert_int_equal(p->match, MATCH_NAME);
	assert_int_equal(p->wg->port, 51820);
	assert_int_equal(p->wg->n_listen, 1);
	assert_string_equal(p->wg->listen_zones[0]->name, "wan");
	assert_int_equal(p->wg->n_peers, 2);
	const struct wg_peer *ph = &p->wg->peers[0], *lp = &p->wg->peers[1];
	assert_string_equal(ph->name, "phone");
	assert_int_equal(ph->keepalive, 25);
	assert_false(ph->has_endpoint);
	assert_int_equal(ph->pos.line, 9);
	assert_true(lp->has_endpoint);
	assert_int_equal(lp->endpoint_port, 51000);
	assert_int_equal(lp->n_allowed, 1);
	assert_int_equal(lp->allowed[0].len, 32);
	router_free(r);
}

static void test_client_config(void **state)
{
	(void)state;
	struct router *r = build("lan, wan");
	const struct iface *p = router_iface(r, "wg0");
	struct wg_client_opts o = {.router_key = "ROUTERKEY=", .endpoint = "203.0.113.2"};
	bool none;
	char *t = render_wg_client(r, p, &p->wg->peers[0], &o, &none);
	print_message("%s", t);
	assert_false(none);
	assert_non_null(strstr(t, "[Interface]\n"));
	assert_non_null(strstr(t, "\nPrivateKey = PRIVATE-KEY-OF-phone\nAddress = 10.8.0.2/32\n"
				  "DNS = 10.8.0.1\n\n[Peer]\nPublicKey = ROUTERKEY=\n"
				  "Endpoint = 203.0.113.2:51820\nAllowedIPs = 0.0.0.0/0\n"
				  "PersistentKeepalive = 25\n"));
	assert_null(strstr(t, "PresharedKey"));
	free(t);
	/* Its own key and PSK given, an IPv6 endpoint, and no endpoint. */
	o.private_key = "OWNKEY=";
	o.psk = "PSK=";
	o.endpoint = "2001:db8::1";
	t = render_wg_client(r, p, &p->wg->peers[1], &o, &none);
	assert_non_null(strstr(t, "\nPrivateKey = OWNKEY=\nAddress = 10.8.0.3/32\n"));
	assert_non_null(strstr(t, "\nPresharedKey = PSK=\nEndpoint = [2001:db8::1]:51820\n"));
	assert_null(strstr(t, "PersistentKeepalive"));
	free(t);
	o.endpoint = NULL;
	t = render_wg_client(r, p, &p->wg->peers[1], &o, &none);
	assert_true(none);
	assert_non_null(strstr(t, "\nEndpoint = ROUTER-ADDRESS:51820\n"));
	free(t);
	router_free(r);
	/* No WAN among the zones it forwards to: the subnets it may reach. */
	r = build("lan");
	p = router_iface(r, "wg0");
	o.endpoint = "vpn.example.org:4500";
	t = render_wg_client(r, p, &p->wg->peers[0], &o, &none);
	assert_non_null(strstr(t, "\nEndpoint = vpn.example.org:4500\n"
				  "AllowedIPs = 10.8.0.0/24, 192.168.1.0/24\n"));
	free(t);
	o.allowed_ips = "192.168.1.5/32";
	t = render_wg_client(r, p, &p->wg->peers[0], &o, &none);
	assert_non_null(strstr(t, "\nAllowedIPs = 192.168.1.5/32\n"));
	free(t);
	router_free(r);
}

static char *key_path(const char *dir)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/wireguard-wg0.key", dir);
	return path;
}

static int load(const char *dir, bool create, uint8_t *key, char *msg)
{
	struct router *r = build("lan");
	struct diags d = DIAGS_INIT;
	int rc = wg_key_load(dir, router_iface(r, "wg0"), create, key, &d);
	msg[0] = '\0';
	if (d.n)
		snprintf(msg, 512, "%s", d.v[0].msg);
	diags_free(&d);
	router_free(r);
	return rc;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_key_file(void **state)
{
	const char *dir = *state;
	uint8_t k1[32], k2[32];
	char msg[512];
	struct stat st;
	assert_int_equal(load(dir, false, k1, msg), -ENOENT);
	assert_int_equal(load(dir, true, k1, msg), 0);
	assert_int_equal(lstat(key_path(dir), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(load(dir, false, k2, msg), 0);
	assert_memory_equal(k1, k2, 32);
	FILE *f = fopen(key_path(dir), "r");
	char line[128];
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_int_equal(strlen(line), 45);
	assert_int_equal(line[44], '\n');
	/* Too open: refused, not rewritten. */
	assert_int_equal(chmod(key_path(dir), 0640), 0);
	assert_int_equal(load(dir, true, k2, msg), -EPERM);
	assert_non_null(strstr(msg, "readable or writable by group or others"));
	assert_int_equal(lstat(key_path(dir), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	/* Corrupt: an error naming the file, never a new key. */
	write_file(key_path(dir), "not a key\n", 0600);
	assert_int_equal(load(dir, true, k2, msg), -EINVAL);
	assert_non_null(strstr(msg, "not a WireGuard private key"));
	assert_non_null(strstr(msg, key_path(dir)));
	f = fopen(key_path(dir), "r");
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_string_equal(line, "not a key\n");
	/* A symlink to a good key file: not followed. */
	char other[512];
	snprintf(other, sizeof(other), "%s/elsewhere", dir);
	write_file(other, "ihl0yJSJ7mVfdt/hotcYkZBxBeXPJgzMgxoZWkqT+As=\n", 0600);
	assert_int_equal(unlink(key_path(dir)), 0);
	assert_int_equal(symlink(other, key_path(dir)), 0);
	assert_int_equal(load(dir, true, k2, msg), -ELOOP);
	assert_non_null(strstr(msg, "a symlink"));
	assert_int_equal(unlink(key_path(dir)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_public),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_client_config),
		cmocka_unit_test_setup_teardown(test_key_file, tmpdir_setup, tmpdir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
