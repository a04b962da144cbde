#include "system/nft.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

struct nft {
	struct nft_ctx *ctx;
};

struct nft *nft_open(void)
{
	struct nft *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!n->ctx) {
		free(n);
		return NULL;
	}
	/* Capture output and errors instead of letting the library print. */
	if (nft_ctx_buffer_output(n->ctx) || nft_ctx_buffer_error(n->ctx)) {
		nft_close(n);
		return NULL;
	}
	return n;
}

void nft_close(struct nft *n)
{
	if (!n)
		return;
	nft_ctx_free(n->ctx);
	free(n);
}

static char *dup_trimmed(const char *s)
{
	if (!s)
		return strdup("");
	char *d = strdup(s);
	if (!d)
		return NULL;
	size_t len = strlen(d);
	while (len && (d[len - 1] == '\n' || d[len - 1] == ' '))
		d[--len] = '\0';
	return d;
}

int nft_errno(const char *msg)
{
	/* strerror() gives the words libnftables printed, in this process's
	 * locale: no English is hard-coded here. Privilege first: a refused
	 * transaction may also name what it could not find. */
	static const int known[] = {EPERM, EACCES, ENOENT, EEXIST, EBUSY, ENOMEM,
				    ENOSPC, E2BIG, EOPNOTSUPP};
	for (size_t i = 0; msg && i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(msg, strerror(known[i])))
			return known[i] == EACCES ? -EPERM : -known[i];
	return -EINVAL;
}

void nft_error_condense(char *err)
{
	/* Read from a copy, since "; " is longer than the "\n" it replaces;
	 * a line is kept only while the result fits in the input's size. */
	char *in = strdup(err), *out = err, *line = in;
	size_t kept = 0, cap = strlen(err);
	if (!in)
		return;
	while (line && *line) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		bool dup = false;
		if (strncmp(line, "Error:", 6) == 0 || memmem(line, len, ": Error:", 8)) {
			for (char *p = err; p < out && !dup;) {
				dup = strncmp(p, line, len) == 0 && (p[len] == ';' || p[len] == '\0');
				p = strstr(p, "; ");
				p = p ? p + 2 : out;
			}
			if (!dup && kept < 5 && (size_t)(out - err) + len + 2 <= cap) {
				if (out != err) {
					memcpy(out, "; ", 2);
					out += 2;
				}
				memmove(out, line, len);
				out += len;
				*out = '\0';
				kept++;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	if (out == err)
		memcpy(err, in, cap + 1); /* nothing recognisable: keep nft's text as it is */
	free(in);
}

int nft_run(struct nft *n, const char *script, bool dry_run, char **err)
{
	nft_ctx_set_dry_run(n->ctx, dry_run);
	int rc = nft_run_cmd_from_buffer(n->ctx, script);
	nft_ctx_set_dry_run(n->ctx, false);
	/* Read both buffers every time so one run's text never leaks into the next. */
	const char *e = nft_ctx_get_error_buffer(n->ctx);
	(void)nft_ctx_get_output_buffer(n->ctx);
	if (rc != 0) {
		if (err)
			*err = dup_trimmed(e);
		return nft_errno(e);
	}
	return 0;
}

int nft_query(struct nft *n, const char *cmd, bool json, char **out, char **err)
{
	unsigned int flags = nft_ctx_output_get_flags(n->ctx);
	if (json)
		nft_ctx_output_set_flags(n->ctx, flags | NFT_CTX_OUTPUT_JSON);
	int rc = nft_run_cmd_from_buffer(n->ctx, cmd);
	nft_ctx_output_set_flags(n->ctx, flags);
	const char *o = nft_ctx_get_output_buffer(n->ctx);
	const char *e = nft_ctx_get_error_buffer(n->ctx);
	if (rc != 0) {
		if (err)
			*err = dup_trimmed(e);
		return nft_errno(e);
	}
	*out = strdup(o ? o : "");
	return *out ? 0 : -ENOMEM;
}
