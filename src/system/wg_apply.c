/* apply's WireGuard step (system/wg.h: wg_plan). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/wg.h"

struct wg_item {
	const struct iface *p;
	struct wg_dev want, old;
	bool had_old; /* the link was there (and WireGuard) before */
	bool same;    /* the kernel's device is want already */
	bool keyless; /* no key in the state dir yet (diff) */
	bool done;    /* set: undo restores old */
};

struct wg_plan {
	struct wg_item *v;
	size_t n;
};

void wg_plan_free(struct wg_plan *pl)
{
	if (!pl)
		return;
	for (size_t i = 0; i < pl->n; i++) {
		wg_dev_free(&pl->v[i].want);
		wg_dev_free(&pl->v[i].old);
	}
	free(pl->v);
	free(pl);
}

static int item_plan(const char *state_dir, const struct iface *p, bool create,
		     struct wg_item *it, struct diags *d)
{
	uint8_t priv[WGKEY_LEN] = {0};
	it->p = p;
	int rc = wg_key_load(state_dir, p, create, priv, d);
	if (rc == -ENOENT && !create) {
		it->keyless = true;
		priv[0] = 8; /* any valid key: only diff sees it */
	} else if (rc < 0) {
		return rc;
	}
	if ((rc = wg_dev_from_model(p, priv, &it->want, d)) < 0)
		return rc;
	rc = wg_get(p->name, &it->old);
	if (rc == -ENODEV || rc == -ENOENT)
		return 0; /* no link (or no WireGuard yet): the port plan makes it */
	if (rc < 0) {
		diag_error(d, p->pos, "interface '%s': reading its WireGuard device: %s%s",
			   p->name, strerror(-rc),
			   rc == -EOPNOTSUPP ? " (a link of that name that is not WireGuard)" : "");
		return rc;
	}
	it->had_old = true;
	it->same = !it->keyless && wg_dev_same(&it->want, &it->old);
	return 0;
}

struct wg_plan *wg_plan_new(const char *state_dir, const struct router *r, bool create,
			    struct diags *d, int *err)
{
	struct wg_plan *pl = calloc(1, sizeof(*pl));
	*err = -ENOMEM;
	if (!pl || !(pl->v = calloc(r->n_ifaces + 1, sizeof(*pl->v)))) {
		free(pl);
		return NULL;
	}
	for (size_t i = 0; i < r->n_ifaces; i++) {
		if (!r->ifaces[i].wg)
			continue;
		int rc = item_plan(state_dir, &r->ifaces[i], create, &pl->v[pl->n++], d);
		if (rc < 0) {
			*err = rc;
			wg_plan_free(pl);
			return NULL;
		}
	}
	*err = 0;
	return pl;
}

bool wg_plan_empty(const struct wg_plan *pl)
{
	for (size_t i = 0; pl && i < pl->n; i++)
		if (!pl->v[i].same)
			return false;
	return true;
}

static const char *peer_name(const struct iface *p, const uint8_t *key, char *b64)
{
	for (size_t i = 0; i < p->wg->n_peers; i++)
		if (memcmp(p->wg->peers[i].key, key, WGKEY_LEN) == 0)
			return p->wg->peers[i].name;
	wgkey_to_base64(key, b64);
	return b64;
}

static size_t item_describe(const struct wg_item *it, struct buf *b)
{
	char b64[WGKEY_B64];
	const char *name = it->p->name;
	size_t n = 0;
	if (it->keyless && ++n)
		buf_printf(b, "+ %s: private key (made by apply)\n", name);
	if (it->had_old && it->old.port != it->want.port && ++n)
		buf_printf(b, "~ %s: listen port %u -> %u\n", name, (unsigned)it->old.port,
			   (unsigned)it->want.port);
	for (size_t i = 0; i < it->old.n_peers; i++) {
		const struct wg_live_peer *o = &it->old.peers[i];
		bool kept = false;
		for (size_t j = 0; j < it->want.n_peers && !kept; j++)
			kept = memcmp(it->want.peers[j].key, o->key, WGKEY_LEN) == 0;
		if (!kept && ++n)
			buf_printf(b, "- %s: peer %s\n", name, peer_name(it->p, o->key, b64));
	}
	for (size_t j = 0; j < it->want.n_peers; j++) {
		const struct wg_live_peer *w = &it->want.peers[j];
		const struct wg_live_peer *o = NULL;
		for (size_t i = 0; i < it->old.n_peers && !o; i++)
			if (memcmp(it->old.peers[i].key, w->key, WGKEY_LEN) == 0)
				o = &it->old.peers[i];
		struct wg_dev one = {.n_peers = 1, .peers = (struct wg_live_peer *)w};
		struct wg_dev other = {.n_peers = 1, .peers = (struct wg_live_peer *)o};
		if (!o && ++n)
			buf_printf(b, "+ %s: peer %s\n", name, peer_name(it->p, w->key, b64));
		else if (o && !wg_dev_same(&one, &other) && ++n)
			buf_printf(b, "~ %s: peer %s (allowed-ips, endpoint, keepalive or preshared "
				      "key)\n",
				   name, peer_name(it->p, w->key, b64));
	}
	return n;
}

size_t wg_plan_describe(const struct wg_plan *pl, struct buf *b)
{
	size_t n = 0;
	for (size_t i = 0; pl && i < pl->n; i++)
		n += item_describe(&pl->v[i], b);
	return n;
}

int wg_plan_apply(struct wg_plan *pl, struct diags *d)
{
	for (size_t i = 0; i < pl->n; i++) {
		struct wg_item *it = &pl->v[i];
		if (it->same)
			continue;
		/* Marked first: a half-set device is restored too. */
		it->done = true;
		int rc = wg_set(&it->want, it->had_old ? &it->old : NULL, false);
		if (rc < 0) {
			diag_error(d, it->p->pos, "interface '%s': setting its WireGuard device: %s",
				   it->p->name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

int wg_plan_undo(struct wg_plan *pl, struct diags *d)
{
	int first = 0;
	for (size_t i = pl->n; i-- > 0;) {
		struct wg_item *it = &pl->v[i];
		if (!it->done || !it->had_old)
			continue;
		int rc = wg_set(&it->old, NULL, true);
		if (rc < 0) {
			diag_error(d, it->p->pos,
				   "rollback: interface '%s': restoring its WireGuard device: %s",
				   it->p->name, strerror(-rc));
			first = first ? first : rc;
		}
		it->done = false;
	}
	return first;
}
