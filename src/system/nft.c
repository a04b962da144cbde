#include "system/nft.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

/* libnftables is dlopen'ed here, on the first nft_open, not linked: it
 * pulls in libxtables, libjansson and libgmp, whose loading every
 * nftrouter process would pay before main, and the hot commands (`ban`,
 * `counters`, `status`) mostly talk netlink directly (nlset.h). */
#ifndef NFT_SONAME
#define NFT_SONAME "libnftables.so.1"
#endif

struct nft {
	void *lib;
	struct nft_ctx *ctx;
	struct nft_ctx *(*ctx_new)(uint32_t flags);
	void (*ctx_free)(struct nft_ctx *ctx);
	int (*buffer_output)(struct nft_ctx *ctx);
	int (*buffer_error)(struct nft_ctx *ctx);
	const char *(*get_output_buffer)(struct nft_ctx *ctx);
	const char *(*get_error_buffer)(struct nft_ctx *ctx);
	unsigned int (*output_get_flags)(struct nft_ctx *ctx);
	void (*output_set_flags)(struct nft_ctx *ctx, unsigned int flags);
	void (*set_dry_run)(struct nft_ctx *ctx, bool dry);
	int (*run_cmd_from_buffer)(struct nft_ctx *ctx, const char *buf);
};

static int nft_load(struct nft *n)
{
	static const struct {
		const char *sym;
		size_t off;
	} fn[] = {
	    {"nft_ctx_new", offsetof(struct nft, ctx_new)},
	    {"nft_ctx_free", offsetof(struct nft, ctx_free)},
	    {"nft_ctx_buffer_output", offsetof(struct nft, buffer_output)},
	    {"nft_ctx_buffer_error", offsetof(struct nft, buffer_error)},
	    {"nft_ctx_get_output_buffer", offsetof(struct nft, get_output_buffer)},
	    {"nft_ctx_get_error_buffer", offsetof(struct nft, get_error_buffer)},
	    {"nft_ctx_output_get_flags", offsetof(struct nft, output_get_flags)},
	    {"nft_ctx_output_set_flags", offsetof(struct nft, output_set_flags)},
	    {"nft_ctx_set_dry_run", offsetof(struct nft, set_dry_run)},
	    {"nft_run_cmd_from_buffer", offsetof(struct nft, run_cmd_from_buffer)},
	};
	if (!(n->lib = dlopen(NFT_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)))
		return -ELIBACC;
	for (size_t i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		void *p = dlsym(n->lib, fn[i].sym);
		if (!p)
			return -ELIBACC;
		/* POSIX: a pointer from dlsym converts to a function pointer */
		*(void **)(void *)((char *)n + fn[i].off) = p;
	}
	return 0;
}

struct nft *nft_open(void)
{
	struct nft *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	if (nft_load(n) < 0 || !(n->ctx = n->ctx_new(NFT_CTX_DEFAULT))) {
		nft_close(n);
		errno = ELIBACC;
		return NULL;
	}
	/* Capture output and errors instead of letting the library print. */
	if (n->buffer_output(n->ctx) || n->buffer_error(n->ctx)) {
		nft_close(n);
		return NULL;
	}
	return n;
}

void nft_close(struct nft *n)
{
	if (!n)
		return;
	if (n->ctx)
		n->ctx_free(n->ctx);
	if (n->lib)
		dlclose(n->lib);
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
	n->set_dry_run(n->ctx, dry_run);
	int rc = n->run_cmd_from_buffer(n->ctx, script);
	n->set_dry_run(n->ctx, false);
	/* Read both buffers every time so one run's text never leaks into the next. */
	const char *e = n->get_error_buffer(n->ctx);
	(void)n->get_output_buffer(n->ctx);
	if (rc != 0) {
		if (err)
			*err = dup_trimmed(e);
		return nft_errno(e);
	}
	return 0;
}

int nft_query(struct nft *n, const char *cmd, bool json, char **out, char **err)
{
	unsigned int flags = n->output_get_flags(n->ctx);
	if (json)
		n->output_set_flags(n->ctx, flags | NFT_CTX_OUTPUT_JSON);
	int rc = n->run_cmd_from_buffer(n->ctx, cmd);
	n->output_set_flags(n->ctx, flags);
	const char *o = n->get_output_buffer(n->ctx);
	const char *e = n->get_error_buffer(n->ctx);
	if (rc != 0) {
		if (err)
			*err = dup_trimmed(e);
		return nft_errno(e);
	}
	*out = strdup(o ? o : "");
	return *out ? 0 : -ENOMEM;
}
