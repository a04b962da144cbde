/* The router's WireGuard private keys in the state dir, and the device a
 * WireGuard port's config asks for. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "system/state.h"
#include "system/wg.h"

/* A key file holds one key and a newline: 45 bytes; anything longer is
 * not one. */
#define KEY_FILE_MAX 128

/* Read a secret file as the state dir's files are trusted: not through
 * a symlink, a regular file owned by us (or root), no bits for group or
 * others. Its text, NUL-terminated, in buf. */
static int secret_read(const char *path, char *buf, size_t size, const char **why)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY), rc = 0;
	*why = NULL;
	if (fd < 0 && errno == ELOOP)
		*why = "a symlink; refusing to follow it";
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		rc = -EINVAL;
	} else if (st.st_uid != 0 && st.st_uid != geteuid()) {
		*why = "owned by another user; refusing it";
		rc = -EPERM;
	} else if (st.st_mode & 077) {
		*why = "readable or writable by group or others; refusing it (chmod 600)";
		rc = -EPERM;
	}
	if (rc < 0)
		goto out;
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	buf[n] = '\0';
	if ((size_t)n == size - 1) {
		*why = "too large for a key";
		rc = -EINVAL;
	}
out:
	close(fd);
	return rc;
}

/* One base64 key, a newline optional. */
static int key_parse(char *text, uint8_t key[WGKEY_LEN])
{
	size_t len = strlen(text);
	if (len && text[len - 1] == '\n')
		text[--len] = '\0';
	return wgkey_from_base64(text, key);
}

static int key_create(const char *state_dir, const char *name, uint8_t priv[WGKEY_LEN])
{
	char b64[WGKEY_B64 + 1];
	int rc = state_mkdir(state_dir);
	if (rc < 0 || (rc = wgkey_generate(priv)) < 0)
		return rc;
	wgkey_to_base64(priv, b64);
	strcat(b64, "\n");
	return state_write(state_dir, name, b64, strlen(b64));
}

int wg_key_load(const char *state_dir, const struct iface *p, bool create,
		uint8_t priv[WGKEY_LEN], struct diags *d)
{
	char name[64], path[PATH_MAX], text[KEY_FILE_MAX];
	const char *why;
	snprintf(name, sizeof(name), "wireguard-%s.key", p->name);
	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	int rc = secret_read(path, text, sizeof(text), &why);
	if (rc == -ENOENT && !why) {
		if (!create)
			return -ENOENT;
		if ((rc = key_create(state_dir, name, priv)) < 0)
			diag_error(d, p->pos, "interface '%s': wireguard: making its key %s: %s",
				   p->name, path, strerror(-rc));
		return rc;
	}
	if (rc == 0 && key_parse(text, priv) < 0) {
		why = "not a WireGuard private key (one line of base64 for 32 bytes)";
		rc = -EINVAL;
	}
	if (rc < 0)
		diag_error(d, p->pos,
			   "interface '%s': wireguard: private key %s: %s%s", p->name, path,
			   why ? why : strerror(-rc),
			   rc == -EINVAL ? "; restore it, or remove it to make a new one (every "
					   "peer then needs the new public key)"
					 : "");
	return rc;
}

static int psk_load(const struct iface *p, const struct wg_peer *c, uint8_t psk[WGKEY_LEN],
		    struct diags *d)
{
	char text[KEY_FILE_MAX];
	const char *why;
	int rc = secret_read(c->psk_file, text, sizeof(text), &why);
	if (rc == 0 && key_parse(text, psk) < 0) {
		why = "not a WireGuard key (one line of base64 for 32 bytes, as `wg genpsk` "
		      "prints)";
		rc = -EINVAL;
	}
	if (rc < 0)
		diag_error(d, c->pos,
			   "interface '%s': wireguard: peer '%s': preshared-key-file %s: %s",
			   p->name, c->name, c->psk_file, why ? why : strerror(-rc));
	return rc;
}

int wg_dev_from_model(const struct iface *p, const uint8_t priv[WGKEY_LEN], struct wg_dev *out,
		      struct diags *d)
{
	int rc = 0;
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", p->name);
	memcpy(out->priv, priv, WGKEY_LEN);
	if (wgkey_public(priv, out->pub) < 0)
		return -EINVAL;
	out->port = p->wg->port;
	if (!(out->peers = calloc(p->wg->n_peers + 1, sizeof(*out->peers))))
		return -ENOMEM;
	for (size_t i = 0; i < p->wg->n_peers; i++) {
		const struct wg_peer *c = &p->wg->peers[i];
		struct wg_live_peer *w = &out->peers[out->n_peers++];
		memcpy(w->key, c->key, WGKEY_LEN);
		w->has_endpoint = c->has_endpoint;
		w->endpoint = c->endpoint;
		w->endpoint_port = c->endpoint_port;
		w->keepalive = c->keepalive;
		if (c->psk_file && psk_load(p, c, w->psk, d) < 0)
			rc = -EINVAL;
		if (!(w->allowed = calloc(c->n_allowed + 1, sizeof(*w->allowed)))) {
			rc = -ENOMEM;
			break;
		}
		memcpy(w->allowed, c->allowed, c->n_allowed * sizeof(*w->allowed));
		w->n_allowed = c->n_allowed;
	}
	if (rc < 0)
		wg_dev_free(out);
	return rc;
}
