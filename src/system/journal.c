#include "system/journal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/file.h"

#define JOURNAL_MAGIC "nftrouter-apply-journal 1\n"

/* Section names, in the order written; [i] of each config. */
static const char *const sect[] = {"next", "old", "prev"};
static const char *const ext[] = {"yaml", "nft", "path"};

static char **field(struct state_config *c, size_t i)
{
	return i == 0 ? &c->yaml : i == 1 ? &c->nft : &c->path;
}

static struct state_config *part(struct journal *j, size_t k)
{
	return k == 0 ? &j->next : k == 1 ? &j->old : &j->prev;
}

/* "next.yaml 123\n" + 123 bytes + "\n", per present file: lengths, not
 * delimiters, so a config holding any text at all round-trips. */
int journal_write(const char *dir, const struct journal *j)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, JOURNAL_MAGIC);
	buf_printf(&b, "mode %s\n", j->confirm ? "confirm" : "apply");
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < 3; i++) {
			const char *v = *field(part((struct journal *)j, k), i);
			if (!v)
				continue;
			buf_printf(&b, "%s.%s %zu\n", sect[k], ext[i], strlen(v));
			buf_puts(&b, v);
			buf_putc(&b, '\n');
		}
	buf_puts(&b, "end\n");
	char *text = buf_steal(&b);
	int rc = text ? state_write(dir, JOURNAL_NAME, text, strlen(text)) : -ENOMEM;
	free(text);
	return rc;
}

void journal_free(struct journal *j)
{
	for (size_t k = 0; k < 3; k++)
		state_config_free(part(j, k));
}

/* One "NAME LEN\n" + LEN bytes + "\n" at *p; *p moves past it. */
static int journal_section(struct journal *j, const char **p, const char *end)
{
	char name[16];
	size_t len;
	int n = 0;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	/* The header alone is parsed: a "\n" in a scanf format would also
	 * eat white space that begins the config's bytes. */
	if (!nl || nl - *p > 40 || sscanf(*p, "%15[a-z.] %zu%n", name, &len, &n) != 2 ||
	    *p + n != nl || len >= (size_t)(end - nl - 1) || nl[1 + len] != '\n')
		return -EINVAL;
	for (size_t k = 0; k < 3; k++)
		for (size_t i = 0; i < 3; i++) {
			char want[16];
			snprintf(want, sizeof(want), "%s.%s", sect[k], ext[i]);
			char **dst = field(part(j, k), i);
			if (strcmp(name, want) != 0 || *dst)
				continue;
			if (!(*dst = strndup(nl + 1, len)))
				return -ENOMEM;
			*p = nl + 1 + len + 1;
			return 0;
		}
	return -EINVAL; /* unknown or repeated */
}

int journal_read(const char *dir, struct journal *j)
{
	char *text = NULL;
	size_t len = 0;
	memset(j, 0, sizeof(*j));
	int rc = state_read(dir, JOURNAL_NAME, &text, &len);
	if (rc < 0)
		return rc;
	const char *p = text, *end = text + len;
	rc = -EINVAL;
	if (strncmp(p, JOURNAL_MAGIC, strlen(JOURNAL_MAGIC)) != 0)
		goto out;
	p += strlen(JOURNAL_MAGIC);
	if (strncmp(p, "mode apply\n", 11) == 0) {
		p += 11;
	} else if (strncmp(p, "mode confirm\n", 13) == 0) {
		j->confirm = true;
		p += 13;
	} else {
		goto out;
	}
	/* Bounded by the text: each section consumes at least one byte. */
	while (p < end && strcmp(p, "end\n") != 0)
		if ((rc = journal_section(j, &p, end)) < 0)
			goto out;
	rc = p < end && j->next.yaml ? 0 : -EINVAL;
out:
	if (rc < 0)
		journal_free(j);
	free(text);
	return rc;
}

int journal_remove(const char *dir)
{
	int rc = state_remove(dir, JOURNAL_NAME);
	/* Durable before the command says it is done. */
	return rc < 0 ? rc : file_sync_dir(dir);
}

bool state_config_same(const struct state_config *a, const struct state_config *b)
{
	if (!a->yaml || !b->yaml)
		return !a->yaml && !b->yaml;
	return strcmp(a->yaml, b->yaml) == 0 && strcmp(a->nft ? a->nft : "", b->nft ? b->nft : "") == 0 &&
	       strcmp(a->path ? a->path : "", b->path ? b->path : "") == 0;
}

/* prefix.* := c, each file written only if it is not already so; c with
 * no yaml: prefix.* removed. */
static int config_put(const char *dir, const char *prefix, const struct state_config *c)
{
	struct state_config cur = {0};
	if (!c->yaml) {
		state_config_remove(dir, prefix);
		return 0;
	}
	bool same = state_config_read(dir, prefix, &cur) == 0 && cur.nft && cur.path &&
		    state_config_same(&cur, c);
	state_config_free(&cur);
	return same ? 0 : state_config_write(dir, prefix, c);
}

int journal_commit(const char *dir, const struct journal *j)
{
	if (j->confirm)
		return config_put(dir, "pending", &j->next);
	const struct state_config *prev =
		j->old.yaml && !state_config_same(&j->old, &j->next) ? &j->old : &j->prev;
	int rc = config_put(dir, "previous", prev);
	if (rc < 0)
		return rc;
	journal_kill_point("state-previous");
	return config_put(dir, "applied", &j->next);
}

void journal_kill_point(const char *name)
{
	const char *at = getenv("NFTROUTER_TEST_KILL_AT");
	if (at && strcmp(at, name) == 0)
		raise(SIGKILL);
}
