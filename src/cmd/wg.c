/* nftrouter wg show | wg peer NAME: the router's WireGuard ports. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "render/wg_client.h"
#include "system/qr.h"
#include "system/wg.h"
#include "util/file.h"
#include "util/json.h"

static void wg_usage(FILE *f)
{
	fputs("Usage: nftrouter wg show [-c FILE] [--state-dir DIR] [--json]\n"
	      "       nftrouter wg peer NAME [-c FILE] [--state-dir DIR] [--endpoint HOST[:PORT]]\n"
	      "                     [--allowed-ips LIST] [--private-key FILE] [--qr | --no-qr]\n\n"
	      "The WireGuard ports of router.yaml (interfaces.X.wireguard).\n\n"
	      "wg show: each WireGuard port as the kernel has it, read over netlink: its\n"
	      "public key and listen port, and each peer (named from router.yaml; a peer the\n"
	      "kernel has and the config does not is shown by its key) with its endpoint, the\n"
	      "time of its latest handshake, the bytes received from it and sent to it, and\n"
	      "its allowed-ips. A port whose link is absent (not applied yet) says so.\n\n"
	      "wg peer NAME: a ready wg-quick config for peer NAME's side (a phone, a laptop):\n"
	      "[Interface] with the peer's Address (its allowed-ips) and, when the port's\n"
	      "zone opens dns, DNS (the router's address on the port); [Peer] with the\n"
	      "router's public key (of the private key apply keeps in STATE_DIR/\n"
	      "wireguard-PORT.key), the preshared key when the peer has one, Endpoint and\n"
	      "AllowedIPs. nftrouter never knows a peer's private key: the config has\n"
	      "'PrivateKey = PRIVATE-KEY-OF-NAME' to replace, unless --private-key gives it\n"
	      "(checked against the peer's public-key). On a terminal, a QR code of the same\n"
	      "config follows (qrencode(1), when installed), for a phone's WireGuard app.\n\n"
	      "Options:\n"
	      "  -c, --config FILE      router.yaml (default $NFTROUTER_CONFIG or " DEFAULT_CONFIG
	      ")\n"
	      "  --state-dir DIR        where the router's keys are (default $NFTROUTER_STATE_DIR\n"
	      "                         or " DEFAULT_STATE_DIR ")\n"
	      "  --json                 (show) one JSON document: {\"ok\":true,\"interfaces\":[{\n"
	      "                         \"name\",\"present\",\"public_key\",\"port\",\"peers\":[{\n"
	      "                         \"name\",\"public_key\",\"endpoint\",\"latest_handshake\"\n"
	      "                         (unix seconds, 0 never),\"rx_bytes\",\"tx_bytes\",\n"
	      "                         \"allowed_ips\"}]}]}\n"
	      "  --endpoint HOST[:PORT] (peer) the router's address as the peer dials it;\n"
	      "                         default wireguard.endpoint; the port defaults to the\n"
	      "                         listen port\n"
	      "  --allowed-ips LIST     (peer) what the peer routes through the tunnel, e.g.\n"
	      "                         \"192.168.1.0/24\"; default from zone policy: everything\n"
	      "                         (0.0.0.0/0) when the port's zone forwards to a WAN, else\n"
	      "                         the subnets of the port and of the zones it forwards to\n"
	      "  --private-key FILE     (peer) the peer's private key (base64, as `wg genkey`\n"
	      "                         prints) to put in the config\n"
	      "  --qr, --no-qr          (peer) a QR code after the config even when stdout is\n"
	      "                         not a terminal, or never\n"
	      "  -h, --help             this text\n\n"
	      "Exit status: 0 ok; 1 invalid config, unknown peer, or a private key that is not\n"
	      "the peer's; 2 usage; 3 no key yet (apply first) or a key file refused, netlink\n"
	      "or qrencode failed.\n",
	      f);
}

enum { OPT_JSON = CMD_OPT_OWN, OPT_ENDPOINT, OPT_ALLOWED, OPT_PRIVATE, OPT_QR, OPT_NO_QR };

struct wg_args {
	struct cmd_paths paths;
	bool json;
	const char *endpoint, *allowed, *private_file;
	int qr; /* -1 never, 0 on a terminal, 1 always */
};

static const char *peer_label(const struct iface *p, const uint8_t *key, char *b64)
{
	for (size_t i = 0; i < p->wg->n_peers; i++)
		if (memcmp(p->wg->peers[i].key, key, WGKEY_LEN) == 0)
			return p->wg->peers[i].name;
	wgkey_to_base64(key, b64);
	return b64;
}

static void fmt_bytes(uint64_t v, char *out, size_t size)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double x = (double)v;
	size_t u = 0;
	while (x >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
		x /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%llu B", (unsigned long long)v);
	else
		snprintf(out, size, "%.1f %s", x, unit[u]);
}

static void fmt_endpoint(const struct wg_live_peer *p, char *out, size_t size)
{
	char a[ADDR_STRLEN];
	if (!p->has_endpoint) {
		snprintf(out, size, "-");
		return;
	}
	addr_format(&p->endpoint, a, sizeof(a));
	snprintf(out, size, p->endpoint.family == AF_INET6 ? "[%s]:%u" : "%s:%u", a,
		 (unsigned)p->endpoint_port);
}

static void fmt_allowed(const struct wg_live_peer *p, struct buf *b, bool json)
{
	char a[ADDR_STRLEN];
	for (size_t i = 0; i < p->n_allowed; i++) {
		cidr_format(&p->allowed[i], a, sizeof(a));
		if (json) {
			buf_puts(b, i ? "," : "");
			json_puts(b, a);
		} else {
			buf_printf(b, "%s%s", i ? ", " : "", a);
		}
	}
}

static void show_text(const struct iface *p, const struct wg_dev *d, bool present, struct buf *b)
{
	char k[WGKEY_B64], ep[ADDR_STRLEN + 8], rx[32], tx[32], hs[64];
	if (!present) {
		buf_printf(b, "%s: no such link (not applied yet?)\n", p->name);
		return;
	}
	wgkey_to_base64(d->pub, k);
	buf_printf(b, "%s: public key %s, listening on port %u, %zu peer%s\n", p->name, k,
		   (unsigned)d->port, d->n_peers, d->n_peers == 1 ? "" : "s");
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct wg_live_peer *q = &d->peers[i];
		fmt_endpoint(q, ep, sizeof(ep));
		fmt_bytes(q->rx, rx, sizeof(rx));
		fmt_bytes(q->tx, tx, sizeof(tx));
		long long age = (long long)time(NULL) - q->handshake;
		if (q->handshake)
			snprintf(hs, sizeof(hs), "%llds ago", age < 0 ? 0 : age);
		else
			snprintf(hs, sizeof(hs), "never");
		buf_printf(b,
			   "  peer %s\n    endpoint %s, latest handshake %s, transfer %s received, "
			   "%s sent\n    allowed-ips ",
			   peer_label(p, q->key, k), ep, hs, rx, tx);
		fmt_allowed(q, b, false);
		buf_putc(b, '\n');
	}
}

static void show_json(const struct iface *p, const struct wg_dev *d, bool present, struct buf *b)
{
	char k[WGKEY_B64], ep[ADDR_STRLEN + 8];
	buf_puts(b, "{\"name\":");
	json_puts(b, p->name);
	buf_printf(b, ",\"present\":%s", present ? "true" : "false");
	if (present) {
		wgkey_to_base64(d->pub, k);
		buf_puts(b, ",\"public_key\":");
		json_puts(b, k);
		buf_printf(b, ",\"port\":%u", (unsigned)d->port);
	}
	buf_puts(b, ",\"peers\":[");
	for (size_t i = 0; present && i < d->n_peers; i++) {
		const struct wg_live_peer *q = &d->peers[i];
		bool known = strcmp(peer_label(p, q->key, k), k) != 0;
		buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		if (known)
			json_puts(b, peer_label(p, q->key, k));
		else
			buf_puts(b, "null");
		wgkey_to_base64(q->key, k);
		buf_puts(b, ",\"public_key\":");
		json_puts(b, k);
		buf_puts(b, ",\"endpoint\":");
		fmt_endpoint(q, ep, sizeof(ep));
		if (q->has_endpoint)
			json_puts(b, ep);
		else
			buf_puts(b, "null");
		buf_printf(b, ",\"latest_handshake\":%lld,\"rx_bytes\":%llu,\"tx_bytes\":%llu",
			   (long long)q->handshake, (unsigned long long)q->rx,
			   (unsigned long long)q->tx);
		buf_puts(b, ",\"allowed_ips\":[");
		fmt_allowed(q, b, true);
		buf_puts(b, "]}");
	}
	buf_puts(b, "]}");
}

static int wg_show(const struct router *r, const struct wg_args *a)
{
	struct buf b = BUF_INIT;
	size_t n = 0;
	int rc = EXIT_OK;
	if (a->json)
		buf_puts(&b, "{\"ok\":true,\"interfaces\":[");
	for (size_t i = 0; i < r->n_ifaces; i++) {
		const struct iface *p = &r->ifaces[i];
		struct wg_dev d;
		if (!p->wg)
			continue;
		int e = wg_get(p->name, &d);
		if (e < 0 && e != -ENODEV && e != -ENOENT) {
			cmd_err("wg show: %s: %s", p->name, strerror(-e));
			rc = EXIT_SYSTEM;
			continue;
		}
		if (a->json && n)
			buf_putc(&b, ',');
		(a->json ? show_json : show_text)(p, &d, e == 0, &b);
		n++;
		if (e == 0)
			wg_dev_free(&d);
	}
	if (a->json)
		buf_puts(&b, "]}\n");
	else if (n == 0)
		buf_puts(&b, "no WireGuard ports in the config\n");
	if (b.oom)
		rc = EXIT_SYSTEM;
	else
		fwrite(b.s, 1, b.len, stdout);
	buf_free(&b);
	return rc;
}

static const struct iface *peer_find(const struct router *r, const char *name, size_t *idx)
{
	for (size_t i = 0; i < r->n_ifaces; i++)
		for (size_t k = 0; r->ifaces[i].wg && k < r->ifaces[i].wg->n_peers; k++)
			if (strcmp(r->ifaces[i].wg->peers[k].name, name) == 0) {
				*idx = k;
				return &r->ifaces[i];
			}
	return NULL;
}

/* --private-key FILE: the peer's own key, which must be the one whose
 * public key router.yaml has. */
static int private_key_read(const char *path, const struct wg_peer *c, char out[WGKEY_B64])
{
	char *text = NULL;
	uint8_t priv[WGKEY_LEN], pub[WGKEY_LEN];
	int rc = file_read(path, 4096, &text, NULL);
	if (rc < 0) {
		cmd_err("wg peer: --private-key %s: %s", path, strerror(-rc));
		return EXIT_INVALID;
	}
	text[strcspn(text, "\r\n")] = '\0';
	rc = wgkey_from_base64(text, priv) == 0 && wgkey_public(priv, pub) == 0 ? 0 : -EINVAL;
	free(text);
	if (rc < 0) {
		cmd_err("wg peer: --private-key %s: not a WireGuard key (base64 of 32 bytes)", path);
		return EXIT_INVALID;
	}
	if (memcmp(pub, c->key, WGKEY_LEN) != 0) {
		cmd_err("wg peer: --private-key %s: its public key is not peer '%s''s public-key",
			path, c->name);
		return EXIT_INVALID;
	}
	wgkey_to_base64(priv, out);
	return EXIT_OK;
}

static int wg_peer(const struct router *r, const char *name, const struct wg_args *a)
{
	size_t idx = 0;
	const struct iface *p = peer_find(r, name, &idx);
	uint8_t priv[WGKEY_LEN];
	char router_pub[WGKEY_B64], psk[WGKEY_B64], own[WGKEY_B64];
	struct diags d = DIAGS_INIT;
	struct wg_dev dev = {0};
	int rc = EXIT_SYSTEM;
	if (!p) {
		cmd_err("wg peer: no peer '%s' in %s", name, r->file);
		return EXIT_INVALID;
	}
	const struct wg_peer *c = &p->wg->peers[idx];
	struct wg_client_opts o = {.endpoint = a->endpoint, .allowed_ips = a->allowed};
	if (a->private_file && (rc = private_key_read(a->private_file, c, own)) != EXIT_OK)
		return rc;
	o.private_key = a->private_file ? own : NULL;
	int e = wg_key_load(a->paths.state_dir, p, false, priv, &d);
	if (e == -ENOENT)
		cmd_err("wg peer: interface '%s' has no key yet in %s: run nftrouter apply first",
			p->name, a->paths.state_dir);
	if (e < 0 || wg_dev_from_model(p, priv, &dev, &d) < 0) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	wgkey_to_base64(dev.pub, router_pub);
	o.router_key = router_pub;
	if (c->psk_file) {
		wgkey_to_base64(dev.peers[idx].psk, psk);
		o.psk = psk;
	}
	bool no_endpoint;
	char *text = render_wg_client(r, p, c, &o, &no_endpoint);
	if (!text)
		goto out;
	fputs(text, stdout);
	if (no_endpoint)
		cmd_err("wg peer: no endpoint: set interfaces.%s.wireguard.endpoint or pass "
			"--endpoint, then replace ROUTER-ADDRESS",
			p->name);
	rc = EXIT_OK;
	if (a->qr > 0 || (a->qr == 0 && isatty(STDOUT_FILENO))) {
		putchar('\n');
		if ((e = qr_print(text)) < 0 && (a->qr > 0 || e != -ENOENT)) {
			cmd_err("wg peer: qrencode: %s", e == -ENOENT ? "not installed" : strerror(-e));
			rc = a->qr > 0 ? EXIT_SYSTEM : EXIT_OK;
		}
	}
	free(text);
out:
	cmd_print_diags(&d);
	diags_free(&d);
	wg_dev_free(&dev);
	return rc;
}

int wg_main(int argc, char **argv)
{
	static const struct option opts[] = {CMD_OPTION_CONFIG,
					     CMD_OPTION_STATE_DIR,
					     {"json", no_argument, NULL, OPT_JSON},
					     {"endpoint", required_argument, NULL, OPT_ENDPOINT},
					     {"allowed-ips", required_argument, NULL, OPT_ALLOWED},
					     {"private-key", required_argument, NULL, OPT_PRIVATE},
					     {"qr", no_argument, NULL, OPT_QR},
					     {"no-qr", no_argument, NULL, OPT_NO_QR},
					     CMD_OPTION_HELP,
					     CMD_OPTION_END};
	struct wg_args a = {.qr = 0};
	int c, st;
	cmd_paths_init(&a.paths);
	while ((c = cmd_getopt(argc, argv, "c:h", opts, &a.paths, wg_usage, &st)) != CMD_OPT_END) {
		switch (c) {
		case CMD_OPT_EXIT: return st;
		case OPT_JSON: a.json = true; break;
		case OPT_ENDPOINT: a.endpoint = optarg; break;
		case OPT_ALLOWED: a.allowed = optarg; break;
		case OPT_PRIVATE: a.private_file = optarg; break;
		case OPT_QR: a.qr = 1; break;
		case OPT_NO_QR: a.qr = -1; break;
		}
	}
	const char *verb = optind < argc ? argv[optind] : "";
	bool show = strcmp(verb, "show") == 0, peer = strcmp(verb, "peer") == 0;
	if ((!show && !peer) || argc - optind != (show ? 1 : 2) ||
	    (show && (a.endpoint || a.allowed || a.private_file || a.qr)) || (peer && a.json)) {
		wg_usage(stderr);
		return EXIT_USAGE;
	}
	struct router_file *f = cmd_load(a.paths.config);
	if (!f)
		return EXIT_INVALID;
	int rc = show ? wg_show(f->r, &a) : wg_peer(f->r, argv[optind + 1], &a);
	router_file_free(f);
	return rc;
}
