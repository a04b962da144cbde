/* JSON output helpers for --json and the control socket's replies. */
#ifndef NFTROUTER_JSON_H
#define NFTROUTER_JSON_H

#include "util/buf.h"

/* s as a JSON string, quotes included; control bytes and bytes that are
 * not printable ASCII are escaped as \u00XX, so any input yields valid
 * JSON. */
void json_puts(struct buf *b, const char *s);

#endif
