/* A growable byte string. Renderers build their text in one of these.
 * Allocation failure is sticky: every later append is a no-op and
 * buf_steal() returns NULL, so callers check once at the end. */
#ifndef NFTROUTER_BUF_H
#define NFTROUTER_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *s;
	size_t len;
	size_t cap;
	bool oom;
};

#define BUF_INIT {NULL, 0, 0, false}

void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the NUL-terminated text to the caller (an empty buffer yields "").
 * Returns NULL if any allocation failed; the buffer is reset either way. */
char *buf_steal(struct buf *b);
void buf_free(struct buf *b);

#endif
