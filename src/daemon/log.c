/* The daemon's log is its output, so this is the one place outside cmd/
 * that prints: to the stream the command handed in. */
#include <stdarg.h>
#include <stdio.h>

#include "daemon/internal.h"

void daemon_log(struct daemon *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(d->o->log, fmt, ap);
	va_end(ap);
	fputc('\n', d->o->log);
	fflush(d->o->log);
}

void daemon_log_diags(struct daemon *d, struct diags *dg, struct buf *msg)
{
	diags_sort(dg);
	diags_print(dg, d->o->log);
	fflush(d->o->log);
	for (size_t i = 0; msg && i < dg->n; i++) {
		const struct diag *x = &dg->v[i];
		if (x->level != DIAG_ERROR)
			continue;
		if (msg->len)
			buf_putc(msg, '\n');
		if (x->pos.line)
			buf_printf(msg, "%s:%d:%d: error: %s", x->file ? x->file : "", x->pos.line, x->pos.col,
				   x->msg);
		else
			buf_printf(msg, "nftrouter: error: %s", x->msg);
	}
}

int64_t daemon_uptime(const struct timespec *since)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - since->tv_sec);
}
