/* Diagnostics: the error list every stage fills instead of printing.
 * A position is 1-based (people count from 1, libyaml from 0). The
 * command layer prints them as "FILE:LINE:COL: error: MSG". */
#ifndef NFTROUTER_DIAG_H
#define NFTROUTER_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pos {
	const char *file; /* borrowed: owned by the document or the caller */
	int line;         /* 0 = no position (a whole-file or system error) */
	int col;
};

/* No position: a system error or a request, not a line of a file. */
static const struct pos nopos = {NULL, 0, 0};

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag {
	enum diag_level level;
	struct pos pos;
	char *file; /* own copy of pos.file, so a diag outlives its document */
	char *msg;
};

struct diags {
	struct diag *v;
	size_t n;
	size_t cap;
	size_t n_errors;
	bool oom;
};

#define DIAGS_INIT {NULL, 0, 0, 0, false}

void diag_error(struct diags *d, struct pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warn(struct diags *d, struct pos pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* diag_error for a caller's own printf-like wrapper. */
void diag_verror(struct diags *d, struct pos pos, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
void diags_free(struct diags *d);
/* Move every diagnostic of from into to, as level, prefixed with prefix,
 * at pos when from's has no line (a line of a file reported by a parser
 * of one value, say); from is left empty. For a caller that knows better
 * than the callee what a failure means (a bad state-file line is a
 * warning: the line is skipped). */
void diags_move(struct diags *to, struct diags *from, enum diag_level level, struct pos pos,
		const char *prefix);
/* s[0..len) as a message shows a value: control characters as C escapes
 * (\n, \t, \r, \xNN), so it can neither break the line nor fake another;
 * cut with "..." to fit in size (never inside a UTF-8 character). Returns
 * out. diag_error and diag_warn escape whatever reaches them the same way;
 * this is for the values a message quotes, to keep them short. */
const char *diag_quote(char *out, size_t size, const char *s, size_t len);
/* The errors of d as one malloc'd line, each "FILE:LINE:COL: MSG" (or
 * MSG without a position), joined by sep: for a protocol or a log that
 * carries one line. "" when d holds no error; NULL on allocation failure. */
char *diags_join(const struct diags *d, const char *sep);
/* Sort by file, line, column (stable), so the report reads top to bottom
 * whichever pass found each error. */
void diags_sort(struct diags *d);
/* One line per diagnostic: "FILE:LINE:COL: error: MSG" or "nftrouter: error: MSG". */
void diags_print(const struct diags *d, FILE *f);

#endif
