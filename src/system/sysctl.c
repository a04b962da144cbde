#include "system/sysctl.h"
#include "util/file.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct pos sysctl_pos = {NULL, 0, 0};

void sysctl_set_free(struct sysctl_set *s)
{
	if (!s)
		return;
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	return s;
}

/* A key must stay under /proc/sys: no "..", no leading '/'. */
static bool key_valid(const char *k)
{
	if (!*k || *k == '.' || *k == '/' || strstr(k, ".."))
		return false;
	for (const char *p = k; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-/", *p))
			return false;
	return true;
}

int sysctl_parse(const char *text, struct sysctl_set *out, struct diags *d)
{
	out->v = NULL;
	out->n = 0;
	size_t cap = 0, lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];
		lineno++;
		if (len >= sizeof(line))
			goto bad;
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl ? 1 : 0);
		char *l = trim(line);
		if (!*l || *l == '#' || *l == ';')
			continue;
		char *eq = strchr(l, '=');
		if (!eq)
			goto bad;
		*eq = '\0';
		char *k = trim(l), *v = trim(eq + 1);
		bool optional = *k == '-';
		if (optional)
			k++;
		if (!key_valid(k) || strlen(k) >= sizeof(out->v->key) || !*v ||
		    strlen(v) >= sizeof(out->v->value))
			goto bad;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			struct sysctl_entry *nv = realloc(out->v, cap * sizeof(*nv));
			if (!nv) {
				sysctl_set_free(out);
				return -ENOMEM;
			}
			out->v = nv;
		}
		struct sysctl_entry *e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		snprintf(e->key, sizeof(e->key), "%s", k);
		e->optional = optional;
		snprintf(e->value, sizeof(e->value), "%s", v);
	}
	return 0;
bad:
	diag_error(d, sysctl_pos, "rendered sysctl line %zu is malformed", lineno);
	sysctl_set_free(out);
	return -EINVAL;
}

/* sysctl(8)'s rule: a key without '/' uses dots as separators. */
static void key_path(const char *key, char *path, size_t size)
{
	int n = snprintf(path, size, "/proc/sys/%s", key);
	if (!strchr(key, '/') && n > 0)
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
}

int sysctl_read(const char *key, char *out, size_t size)
{
	char path[256];
	key_path(key, path, sizeof(path));
	ssize_t n = file_read_into(path, out, size);
	if (n < 0)
		return (int)n;
	while (n && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return 0;
}

int sysctl_write(const char *key, const char *value)
{
	char path[256];
	key_path(key, path, sizeof(path));
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	int rc = n == (ssize_t)len ? 0 : n < 0 ? -errno : -EIO;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

/* Kernel values may print with tabs between fields ("4096\t87380"). */
static bool value_equal(const char *a, const char *b)
{
	for (;;) {
		while (isspace((unsigned char)*a) && isspace((unsigned char)a[1]))
			a++;
		while (isspace((unsigned char)*b) && isspace((unsigned char)b[1]))
			b++;
		if (isspace((unsigned char)*a) && isspace((unsigned char)*b)) {
			a++, b++;
			continue;
		}
		if (*a != *b)
			return false;
		if (!*a)
			return true;
		a++, b++;
	}
}

bool sysctl_unchanged(struct sysctl_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		char cur[sizeof(s->v[i].old)];
		int rc = sysctl_read(s->v[i].key, cur, sizeof(cur));
		if (rc == -ENOENT && s->v[i].optional)
			continue;
		if (rc < 0 || !value_equal(cur, s->v[i].value))
			return false;
	}
	return true;
}

int sysctl_apply(struct sysctl_set *s, struct diags *d)
{
	int rc = 0;
	for (size_t i = 0; i < s->n; i++) {
		struct sysctl_entry *e = &s->v[i];
		e->written = false;
		rc = sysctl_read(e->key, e->old, sizeof(e->old));
		if (rc == -ENOENT && e->optional) {
			rc = 0;
			continue;
		}
		if (rc < 0) {
			diag_error(d, sysctl_pos, "sysctl %s: %s", e->key, strerror(-rc));
			goto fail;
		}
		if (value_equal(e->old, e->value))
			continue;
		if ((rc = sysctl_write(e->key, e->value)) < 0) {
			diag_error(d, sysctl_pos, "sysctl %s = %s: %s", e->key, e->value,
				   strerror(-rc));
			goto fail;
		}
		e->written = true;
	}
	return 0;
fail:
	sysctl_restore(s, d);
	return rc;
}

int sysctl_restore(struct sysctl_set *s, struct diags *d)
{
	int rc = 0;
	for (size_t i = s->n; i-- > 0;) {
		struct sysctl_entry *e = &s->v[i];
		if (!e->written)
			continue;
		int w = sysctl_write(e->key, e->old);
		if (w < 0) {
			diag_error(d, sysctl_pos, "restoring sysctl %s = %s: %s", e->key, e->old,
				   strerror(-w));
			rc = rc ? rc : w;
		} else {
			e->written = false;
		}
	}
	return rc;
}

size_t sysctl_describe(struct sysctl_set *s, struct buf *b)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		char cur[sizeof(s->v[i].old)];
		int rc = sysctl_read(s->v[i].key, cur, sizeof(cur));
		if (rc == -ENOENT && s->v[i].optional)
			continue;
		if (rc < 0)
			snprintf(cur, sizeof(cur), "(unreadable)");
		else if (value_equal(cur, s->v[i].value))
			continue;
		cur[strcspn(cur, "\n")] = '\0';
		buf_printf(b, "~ %s: %s -> %s\n", s->v[i].key, cur, s->v[i].value);
		n++;
	}
	return n;
}
