/* The state dir (/var/lib/nftrouter): what apply applied, so `rollback`,
 * `status` and the confirm timer can find it. Every write is atomic
 * (temporary file, fsync, rename, fsync of the directory): a crash leaves
 * the old file or the new one, never half of one.
 *
 *   applied.yaml  applied.nft  applied.path   the config applied last
 *   previous.yaml previous.nft previous.path  the one before (rollback)
 *   pending.yaml  pending.nft  pending.path   applied with --confirm, not yet confirmed
 *
 * *.path holds the config's original path, so relative paths in it (the
 * blocklists) resolve as they did. */
#ifndef NFTROUTER_SYSTEM_STATE_H
#define NFTROUTER_SYSTEM_STATE_H

#include <stddef.h>

#include "util/diag.h"

/* mkdir -p with mode 0700 for what nftrouter creates; then the dir must
 * pass file_dir_check (owned by us, writable by nobody else): -EPERM if
 * not. Use file_dir_check itself for the message that names the fault. */
int state_mkdir(const char *dir);
/* state_mkdir, with the refusal said in d: "KIND dir DIR: writable by
 * everyone (mode 0777); refusing it (chmod go-w DIR)". kind: "state" or
 * "run". 0 or -errno. */
int state_dir_ready(const char *dir, const char *kind, struct diags *d);
/* Atomic, fsynced (file_write_atomic); -EPERM if dir fails file_dir_check. */
int state_write(const char *dir, const char *name, const char *data, size_t len);
/* Append to an existing dir/name and fdatasync it (file_append_sync):
 * cheaper than state_write (no rename, no directory sync), for a file
 * whose reader skips a cut last line. -ENOENT if it does not exist. */
int state_append(const char *dir, const char *name, const char *data, size_t len);
/* *out malloc'd and NUL-terminated; -ENOENT when absent. */
int state_read(const char *dir, const char *name, char **out, size_t *len);
/* mkdir dir, then an exclusive flock on dir/name (created 0600), waiting
 * for it. Returns the fd (close it to release) or -errno. */
int state_lock(const char *dir, const char *name);
int state_remove(const char *dir, const char *name);
/* Remove the NAME.tmpPID temporaries of writers that were killed (their
 * pid no longer exists). The number removed, or -errno. */
int state_tmp_sweep(const char *dir);
int state_rename(const char *dir, const char *from, const char *to);

/* One applied config: its three files under a prefix ("applied"). */
struct state_config {
	char *yaml, *nft, *path;
};
int state_config_read(const char *dir, const char *prefix, struct state_config *c);
int state_config_write(const char *dir, const char *prefix, const struct state_config *c);
/* Moves prefix.* to to.*, replacing them; absent files are skipped. */
int state_config_move(const char *dir, const char *prefix, const char *to);
void state_config_remove(const char *dir, const char *prefix);
void state_config_free(struct state_config *c);

#endif
