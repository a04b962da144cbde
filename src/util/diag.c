#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A message quotes what it was given (a config value, a file name, a
 * kernel's text): its control characters are written as C escapes, so a
 * diagnostic is always one line and cannot fake another. Frees msg when
 * it returns a new string; NULL on allocation failure. */
static char *controls_escape(char *msg)
{
	size_t extra = 0;
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
		extra += *p < 0x20 || *p == 0x7f ? 3 : 0;
	if (!extra)
		return msg;
	char *out = malloc(strlen(msg) + extra + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)msg; out && *p; p++) {
		if (*p >= 0x20 && *p != 0x7f)
			*o++ = (char)*p;
		else if (*p == '\n' || *p == '\t' || *p == '\r')
			o += sprintf(o, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
		else
			o += sprintf(o, "\\x%02x", *p);
	}
	if (out)
		*o = '\0';
	free(msg);
	return out;
}

/* Bytes one character of s takes: a UTF-8 lead byte says how many. */
static size_t char_len(unsigned char c)
{
	return c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

const char *diag_quote(char *out, size_t size, const char *s, size_t len)
{
	size_t j = 0, i = 0;
	if (size < 4) {
		if (size)
			out[0] = '\0';
		return out;
	}
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		char esc[5];
		size_t n = char_len(c);
		if (c < 0x20 || c == 0x7f) {
			n = (size_t)snprintf(esc, sizeof(esc), c == '\n' ? "\\n" : c == '\t' ? "\\t" :
							      c == '\r' ? "\\r" : "\\x%02x", c);
		} else if (i + n > len) {
			n = len - i;
		}
		if (j + n + 4 > size) /* room for "..." and the NUL */
			break;
		if (c < 0x20 || c == 0x7f) {
			memcpy(out + j, esc, n);
			i++;
		} else {
			memcpy(out + j, s + i, n);
			i += n;
		}
		j += n;
	}
	if (i < len) {
		memcpy(out + j, "...", 3);
		j += 3;
	}
	out[j] = '\0';
	return out;
}

__attribute__((format(printf, 4, 0))) static void
diag_vadd(struct diags *d, enum diag_level level, struct pos pos, const char *fmt, va_list ap)
{
	if (d->oom)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag *v = realloc(d->v, cap * sizeof(*v));
		if (!v) {
			d->oom = true;
			d->n_errors++;
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	struct diag *g = &d->v[d->n];
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	if (msg)
		msg = controls_escape(msg);
	g->level = level;
	g->file = pos.file ? strdup(pos.file) : NULL;
	if (g->file)
		g->file = controls_escape(g->file);
	g->msg = msg;
	g->pos = pos;
	g->pos.file = g->file;
	if (!msg || (pos.file && !g->file)) {
		free(msg);
		free(g->file);
		d->oom = true;
		d->n_errors++;
		return;
	}
	d->n++;
	if (level == DIAG_ERROR)
		d->n_errors++;
}

void diag_error(struct diags *d, struct pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, pos, fmt, ap);
	va_end(ap);
}

void diag_verror(struct diags *d, struct pos pos, const char *fmt, va_list ap)
{
	diag_vadd(d, DIAG_ERROR, pos, fmt, ap);
}

void diag_warn(struct diags *d, struct pos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_vadd(d, DIAG_WARNING, pos, fmt, ap);
	va_end(ap);
}

void diags_move(struct diags *to, struct diags *from, enum diag_level level, struct pos pos,
		const char *prefix)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct diag *g = &from->v[i];
		struct pos at = g->pos.line ? g->pos : pos;
		if (level == DIAG_ERROR)
			diag_error(to, at, "%s%s", prefix ? prefix : "", g->msg);
		else
			diag_warn(to, at, "%s%s", prefix ? prefix : "", g->msg);
	}
	if (from->oom)
		diag_error(to, pos, "out of memory");
	diags_free(from);
}

char *diags_join(const struct diags *d, const char *sep)
{
	char *out = strdup(""), *next;
	for (size_t i = 0; out && i < d->n; i++) {
		const struct diag *g = &d->v[i];
		int n;
		if (g->level != DIAG_ERROR)
			continue;
		if (g->file && g->pos.line > 0)
			n = asprintf(&next, "%s%s%s:%d:%d: %s", out, *out ? sep : "", g->file, g->pos.line,
				     g->pos.col, g->msg);
		else if (g->file)
			n = asprintf(&next, "%s%s%s: %s", out, *out ? sep : "", g->file, g->msg);
		else
			n = asprintf(&next, "%s%s%s", out, *out ? sep : "", g->msg);
		free(out);
		out = n < 0 ? NULL : next;
	}
	return out;
}

void diags_free(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	*d = (struct diags)DIAGS_INIT;
}

static int diag_cmp(const struct diag *a, const struct diag *b)
{
	int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
	if (c)
		return c;
	if (a->pos.line != b->pos.line)
		return a->pos.line < b->pos.line ? -1 : 1;
	if (a->pos.col != b->pos.col)
		return a->pos.col < b->pos.col ? -1 : 1;
	return 0;
}

void diags_sort(struct diags *d)
{
	/* Insertion sort: stable, and error lists are short. */
	for (size_t i = 1; i < d->n; i++) {
		struct diag x = d->v[i];
		size_t j = i;
		while (j > 0 && diag_cmp(&d->v[j - 1], &x) > 0) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = x;
	}
}

void diags_print(const struct diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct diag *g = &d->v[i];
		const char *lvl = g->level == DIAG_ERROR ? "error" : "warning";
		if (g->file && g->pos.line > 0)
			fprintf(f, "%s:%d:%d: %s: %s\n", g->file, g->pos.line, g->pos.col, lvl, g->msg);
		else if (g->file)
			fprintf(f, "%s: %s: %s\n", g->file, lvl, g->msg);
		else
			fprintf(f, "nftrouter: %s: %s\n", lvl, g->msg);
	}
	if (d->oom)
		fprintf(f, "nftrouter: error: out of memory while collecting errors\n");
}
