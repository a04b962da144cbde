/* WireGuard's generic netlink interface (linux/wireguard.h), spoken with
 * libmnl: resolve the family, dump a device, set one in messages of
 * bounded size. */
#include "system/wg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A SET_DEVICE message is sent when less than a peer's worst case
 * (every allowed-ip an IPv6 one, ~2.7 kB) is left. */
#define WG_MSG_BUF 32768
#define WG_PEER_ROOM 4096

struct wg_sock {
	struct mnl_socket *nl;
	unsigned portid, seq;
	uint16_t family;
};

static int talk(struct wg_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char *buf = malloc(WG_MSG_BUF);
	int rc = 0;
	if (!buf)
		return -ENOMEM;
	nlh->nlmsg_seq = ++s->seq;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out;
	}
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(s->nl, buf, WG_MSG_BUF);
		if (len < 0) {
			rc = -errno;
			break;
		}
		int r = mnl_cb_run(buf, (size_t)len, s->seq, s->portid, cb, data);
		if (r < 0) {
			rc = errno ? -errno : -EIO;
			break;
		}
		if (r == MNL_CB_STOP)
			break;
	}
out:
	free(buf);
	return rc;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_header(char *buf, uint16_t type, uint16_t flags, uint8_t cmd,
				    uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static void sock_close(struct wg_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
}

/* -ENOENT: no "wireguard" family (no module). */
static int sock_open(struct wg_sock *s)
{
	char buf[256];
	memset(s, 0, sizeof(*s));
	if (!(s->nl = mnl_socket_open(NETLINK_GENERIC)))
		return -errno;
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int rc = -errno;
		sock_close(s);
		return rc;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (unsigned)time(NULL);
	struct nlmsghdr *nlh = genl_header(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
					   CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	int rc = talk(s, nlh, family_cb, &s->family);
	if (rc == 0 && !s->family)
		rc = -ENOENT;
	if (rc < 0)
		sock_close(s);
	return rc;
}

/* --- reading a device ------------------------------------------------ */

static int parse_allowed(const struct nlattr *list, struct wg_live_peer *p)
{
	struct nlattr *ip, *a;
	size_t n = p->n_allowed;
	mnl_attr_for_each_nested(ip, list) n++;
	struct cidr *v = realloc(p->allowed, (n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	p->allowed = v;
	mnl_attr_for_each_nested(ip, list)
	{
		struct cidr c = {0};
		mnl_attr_for_each_nested(a, ip)
		{
			uint16_t t = mnl_attr_get_type(a), len = mnl_attr_get_payload_len(a);
			if (t == WGALLOWEDIP_A_FAMILY && len == 2)
				c.addr.family = mnl_attr_get_u16(a);
			else if (t == WGALLOWEDIP_A_IPADDR && (len == 4 || len == 16))
				memcpy(c.addr.a, mnl_attr_get_payload(a), len);
			else if (t == WGALLOWEDIP_A_CIDR_MASK && len == 1)
				c.len = mnl_attr_get_u8(a);
		}
		if (c.addr.family == AF_INET || c.addr.family == AF_INET6)
			p->allowed[p->n_allowed++] = c;
	}
	return 0;
}

static void parse_endpoint(const struct nlattr *a, struct wg_live_peer *p)
{
	uint16_t len = mnl_attr_get_payload_len(a);
	const struct sockaddr *sa = mnl_attr_get_payload(a);
	if (len >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		p->endpoint.family = AF_INET;
		memcpy(p->endpoint.a, &in->sin_addr, 4);
		p->endpoint_port = ntohs(in->sin_port);
		p->has_endpoint = true;
	} else if (len >= sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		p->endpoint.family = AF_INET6;
		memcpy(p->endpoint.a, &in6->sin6_addr, 16);
		p->endpoint_port = ntohs(in6->sin6_port);
		p->has_endpoint = true;
	}
}

static void parse_peer_attr(const struct nlattr *a, struct wg_live_peer *p, int *err)
{
	uint16_t len = mnl_attr_get_payload_len(a);
	const void *v = mnl_attr_get_payload(a);
	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_PRESHARED_KEY:
		if (len == WGKEY_LEN)
			memcpy(p->psk, v, WGKEY_LEN);
		break;
	case WGPEER_A_ENDPOINT: parse_endpoint(a, p); break;
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (len == 2)
			p->keepalive = mnl_attr_get_u16(a);
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (len == sizeof(struct __kernel_timespec))
			p->handshake = ((const struct __kernel_timespec *)v)->tv_sec;
		break;
	case WGPEER_A_RX_BYTES:
		if (len == 8)
			p->rx = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_TX_BYTES:
		if (len == 8)
			p->tx = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_ALLOWEDIPS:
		if (parse_allowed(a, p) < 0)
			*err = -ENOMEM;
		break;
	}
}

/* A peer may go on in the next message of the dump (same key first). */
static int parse_peers(const struct nlattr *list, struct wg_dev *d)
{
	struct nlattr *pa, *a;
	int err = 0;
	mnl_attr_for_each_nested(pa, list)
	{
		struct nlattr *key = NULL;
		mnl_attr_for_each_nested(a, pa) if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY &&
						      mnl_attr_get_payload_len(a) == WGKEY_LEN) key = a;
		if (!key)
			continue;
		struct wg_live_peer *p = d->n_peers ? &d->peers[d->n_peers - 1] : NULL;
		if (!p || memcmp(p->key, mnl_attr_get_payload(key), WGKEY_LEN) != 0) {
			struct wg_live_peer *v = realloc(d->peers, (d->n_peers + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			d->peers = v;
			p = &d->peers[d->n_peers++];
			memset(p, 0, sizeof(*p));
			memcpy(p->key, mnl_attr_get_payload(key), WGKEY_LEN);
		}
		mnl_attr_for_each_nested(a, pa) parse_peer_attr(a, p, &err);
		if (err)
			return err;
	}
	return 0;
}

struct get_ctx {
	struct wg_dev *d;
	int err;
};

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_ctx *c = data;
	struct nlattr *a;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
	{
		uint16_t len = mnl_attr_get_payload_len(a);
		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_PRIVATE_KEY:
			if (len == WGKEY_LEN)
				memcpy(c->d->priv, mnl_attr_get_payload(a), WGKEY_LEN);
			break;
		case WGDEVICE_A_PUBLIC_KEY:
			if (len == WGKEY_LEN)
				memcpy(c->d->pub, mnl_attr_get_payload(a), WGKEY_LEN);
			break;
		case WGDEVICE_A_LISTEN_PORT:
			if (len == 2)
				c->d->port = mnl_attr_get_u16(a);
			break;
		case WGDEVICE_A_PEERS:
			if (!c->err)
				c->err = parse_peers(a, c->d);
			break;
		}
	}
	return MNL_CB_OK;
}

int wg_get(const char *name, struct wg_dev *out)
{
	struct wg_sock s;
	char buf[256];
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	int rc = sock_open(&s);
	if (rc < 0)
		return rc;
	struct nlmsghdr *nlh = genl_header(buf, s.family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
					   WG_CMD_GET_DEVICE, WG_GENL_VERSION);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, name);
	struct get_ctx c = {out, 0};
	rc = talk(&s, nlh, get_cb, &c);
	sock_close(&s);
	if (rc == 0 && c.err)
		rc = c.err;
	if (rc < 0)
		wg_dev_free(out);
	return rc;
}

void wg_dev_free(struct wg_dev *d)
{
	for (size_t i = 0; d && i < d->n_peers; i++)
		free(d->peers[i].allowed);
	if (d) {
		free(d->peers);
		d->peers = NULL;
		d->n_peers = 0;
	}
}

/* --- setting a device ------------------------------------------------ */

struct set_msg {
	char *buf;
	struct nlmsghdr *nlh;
	struct nlattr *peers;
};

static void msg_start(struct wg_sock *s, struct set_msg *m, const struct wg_dev *want,
		      bool first, bool replace)
{
	m->nlh = genl_header(m->buf, s->family, NLM_F_REQUEST | NLM_F_ACK, WG_CMD_SET_DEVICE,
			     WG_GENL_VERSION);
	mnl_attr_put_strz(m->nlh, WGDEVICE_A_IFNAME, want->name);
	if (first) {
		mnl_attr_put_u32(m->nlh, WGDEVICE_A_FLAGS, replace ? WGDEVICE_F_REPLACE_PEERS : 0);
		mnl_attr_put(m->nlh, WGDEVICE_A_PRIVATE_KEY, WGKEY_LEN, want->priv);
		mnl_attr_put_u16(m->nlh, WGDEVICE_A_LISTEN_PORT, want->port);
	}
	m->peers = mnl_attr_nest_start(m->nlh, WGDEVICE_A_PEERS);
}

static int msg_send(struct wg_sock *s, struct set_msg *m)
{
	mnl_attr_nest_end(m->nlh, m->peers);
	return talk(s, m->nlh, NULL, NULL);
}

static void put_endpoint(struct nlmsghdr *nlh, const struct wg_live_peer *p)
{
	if (p->endpoint.family == AF_INET) {
		struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(p->endpoint_port)};
		memcpy(&in.sin_addr, p->endpoint.a, 4);
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(in), &in);
	} else {
		struct sockaddr_in6 in6 = {.sin6_family = AF_INET6,
					   .sin6_port = htons(p->endpoint_port)};
		memcpy(&in6.sin6_addr, p->endpoint.a, 16);
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(in6), &in6);
	}
}

static void put_peer(struct nlmsghdr *nlh, const struct wg_live_peer *p, int k, bool remove)
{
	struct nlattr *pn = mnl_attr_nest_start(nlh, (uint16_t)k);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WGKEY_LEN, p->key);
	if (remove) {
		mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, WGPEER_F_REMOVE_ME);
		mnl_attr_nest_end(nlh, pn);
		return;
	}
	mnl_attr_put_u32(nlh, WGPEER_A_FLAGS, WGPEER_F_REPLACE_ALLOWEDIPS);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WGKEY_LEN, p->psk);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive);
	if (p->has_endpoint)
		put_endpoint(nlh, p);
	struct nlattr *list = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	for (size_t i = 0; i < p->n_allowed; i++) {
		const struct cidr *c = &p->allowed[i];
		struct nlattr *ip = mnl_attr_nest_start(nlh, (uint16_t)i);
		mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, (uint16_t)c->addr.family);
		mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, c->addr.family == AF_INET ? 4 : 16,
			     c->addr.a);
		mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, (uint8_t)c->len);
		mnl_attr_nest_end(nlh, ip);
	}
	mnl_attr_nest_end(nlh, list);
	mnl_attr_nest_end(nlh, pn);
}

static const struct wg_live_peer *peer_find(const struct wg_dev *d, const uint8_t *key)
{
	for (size_t i = 0; d && i < d->n_peers; i++)
		if (memcmp(d->peers[i].key, key, WGKEY_LEN) == 0)
			return &d->peers[i];
	return NULL;
}

/* One peer per step: the removals (cur's peers want lacks), then want's. */
int wg_set(const struct wg_dev *want, const struct wg_dev *cur, bool replace)
{
	struct wg_sock s;
	struct set_msg m = {0};
	int rc = sock_open(&s), k = 0;
	if (rc < 0)
		return rc;
	if (!(m.buf = malloc(WG_MSG_BUF))) {
		rc = -ENOMEM;
		goto out;
	}
	msg_start(&s, &m, want, true, replace);
	size_t n_rm = replace || !cur ? 0 : cur->n_peers;
	for (size_t i = 0; i < n_rm + want->n_peers; i++) {
		bool rm = i < n_rm;
		const struct wg_live_peer *p = rm ? &cur->peers[i] : &want->peers[i - n_rm];
		if (rm && peer_find(want, p->key))
			continue;
		if (WG_MSG_BUF - m.nlh->nlmsg_len < WG_PEER_ROOM) {
			if ((rc = msg_send(&s, &m)) < 0)
				goto out;
			msg_start(&s, &m, want, false, replace);
			k = 0;
		}
		put_peer(m.nlh, p, k++, rm);
	}
	rc = msg_send(&s, &m);
out:
	free(m.buf);
	sock_close(&s);
	return rc;
}

static bool peer_same(const struct wg_live_peer *a, const struct wg_live_peer *b)
{
	if (memcmp(a->psk, b->psk, WGKEY_LEN) != 0 || a->keepalive != b->keepalive ||
	    a->n_allowed != b->n_allowed)
		return false;
	/* An endpoint the config does not name is the peer's to roam. */
	if (a->has_endpoint && (!b->has_endpoint || !addr_equal(&a->endpoint, &b->endpoint) ||
				a->endpoint_port != b->endpoint_port))
		return false;
	for (size_t i = 0; i < a->n_allowed; i++) {
		bool found = false;
		for (size_t j = 0; j < b->n_allowed && !found; j++)
			found = cidr_equal(&a->allowed[i], &b->allowed[j]);
		if (!found)
			return false;
	}
	return true;
}

bool wg_dev_same(const struct wg_dev *want, const struct wg_dev *cur)
{
	if (memcmp(want->priv, cur->priv, WGKEY_LEN) != 0 || want->port != cur->port ||
	    want->n_peers != cur->n_peers)
		return false;
	for (size_t i = 0; i < want->n_peers; i++) {
		const struct wg_live_peer *c = peer_find(cur, want->peers[i].key);
		if (!c || !peer_same(&want->peers[i], c))
			return false;
	}
	return true;
}
