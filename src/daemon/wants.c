/* The children a model asks for, as services.c and services_ha.c list
 * them before services_sync adopts them: names, command lines, configs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/internal.h"

char *services_path(struct daemon *d, const char *file)
{
	size_t len = strlen(d->o->run_dir) + strlen(file) + 2;
	char *s = malloc(len);
	if (s)
		snprintf(s, len, "%s/%s", d->o->run_dir, file);
	return s;
}


/* A NULL-terminated argv of copies; NULL if any allocation failed. */
char **services_argv(size_t n, ...)
{
	char **v = calloc(n + 1, sizeof(*v));
	va_list ap;
	bool ok = v != NULL;
	va_start(ap, n);
	for (size_t i = 0; v && i < n; i++) {
		const char *a = va_arg(ap, const char *);
		ok &= (v[i] = strdup(a)) != NULL;
	}
	va_end(ap);
	if (!ok && v) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		v = NULL;
	}
	return v;
}

static void want_free(struct want *w)
{
	for (size_t i = 0; w->argv && w->argv[i]; i++)
		free(w->argv[i]);
	free(w->argv);
	free(w->conf_path);
	free(w->conf);
	memset(w, 0, sizeof(*w));
}

void wants_free(struct wants *w)
{
	for (size_t i = 0; i < w->n; i++)
		want_free(&w->v[i]);
	free(w->v);
	memset(w, 0, sizeof(*w));
}

/* A new empty want at the end of the list, named; NULL without memory. */
struct want *wants_add(struct wants *w, const char *name)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4;
		struct want *v = realloc(w->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		w->v = v;
		w->cap = cap;
	}
	struct want *x = &w->v[w->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name);
	return x;
}

