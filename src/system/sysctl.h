/* Sysctls under /proc/sys, written from render_sysctl's text so the
 * rendered file and what apply writes are one source of truth. net.*
 * keys are per network namespace: the values of the caller's namespace
 * are read and written. */
#ifndef NFTROUTER_SYSTEM_SYSCTL_H
#define NFTROUTER_SYSTEM_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/diag.h"

struct sysctl_entry {
	char key[128];   /* dotted, as rendered: net.ipv4.ip_forward */
	char value[64];  /* wanted */
	char old[64];    /* read before writing */
	bool written;    /* apply changed it: restore puts old back */
	bool optional;   /* "-key = value" (sysctl.d): absent is fine, nothing to set */
};

struct sysctl_set {
	struct sysctl_entry *v;
	size_t n;
};

/* Parse sysctl.conf text ("key = value", '#'/';' comments; "-key" as
 * sysctl.d(5): a key the kernel does not have is skipped). -EINVAL with
 * a diag naming the line on malformed input. */
int sysctl_parse(const char *text, struct sysctl_set *out, struct diags *d);
void sysctl_set_free(struct sysctl_set *s);

/* Read one value (trailing newline removed). 0 or -errno. */
int sysctl_read(const char *key, char *out, size_t size);
int sysctl_write(const char *key, const char *value);

/* Read every old value, then write those that differ. On failure the ones
 * written are restored and -errno returned (d names the key). */
int sysctl_apply(struct sysctl_set *s, struct diags *d);
/* Put back the old values of the entries apply wrote (reverse order). */
int sysctl_restore(struct sysctl_set *s, struct diags *d);
/* True if every entry already has its value (nothing to write). */
bool sysctl_unchanged(struct sysctl_set *s);
/* For `diff`: "~ KEY: NOW -> WANTED" for each entry that differs, appended
 * to b; how many. */
size_t sysctl_describe(struct sysctl_set *s, struct buf *b);

#endif
