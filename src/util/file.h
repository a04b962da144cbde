/* Whole-file reads and writes, shared by the lab, the state dir, the
 * daemon and the commands so each does not carry its own copy. */
#ifndef NFTROUTER_FILE_H
#define NFTROUTER_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "util/diag.h"

/* Replace path with text, then chmod it to mode. Not atomic: for files
 * nothing reads while they are written (lab scripts, resolv.conf of a
 * namespace not yet used). A symlink at path is refused (-ELOOP), not
 * followed. 0 or -errno. */
int file_write(const char *path, const char *text, mode_t mode);

/* fsync a directory: what makes a rename or unlink in it durable. */
int file_sync_dir(const char *dir);

/* fsync the file and its directory before returning (the state dir:
 * a crash must leave the old file or the new one). */
#define FILE_SYNC 1u

/* Write len bytes to path through a temporary file (path.tmpPID, made
 * with O_EXCL|O_NOFOLLOW: a symlink planted there is removed, never
 * followed) in the same directory and rename, so a reader (a child
 * re-reading its config, a later command) never sees half a file.
 * flags: 0 or FILE_SYNC. 0 or -errno. */
int file_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
		      unsigned flags);

/* Append data to an existing file (O_APPEND, O_NOFOLLOW, never created)
 * and fdatasync it: one write and one flush, no rename. A crash can leave
 * a cut last line, so only for files whose reader skips one. 0 or -errno. */
int file_append_sync(const char *path, const char *data, size_t len);

/* OpenSSH's StrictModes for the state and run dirs: dir must be a
 * directory owned by the effective user (root, for every command that
 * writes there) and writable by nobody else, or anyone could plant,
 * swap or delete the files nftrouter trusts. 0, or -ENOENT/-ENOTDIR/
 * -EPERM with an error in d (if not NULL) naming the dir as "WHAT DIR",
 * the fault and the fix. */
int file_dir_check(const char *dir, const char *what, struct diags *d);

/* Read a small file (a /proc entry, a sysctl) into buf: at most size-1
 * bytes, NUL-terminated. The byte count or -errno. */
ssize_t file_read_into(const char *path, char *buf, size_t size);

/* Read a whole file (at most max bytes) into a malloc'd NUL-terminated
 * string; *len (if not NULL) gets its length. 0 or -errno (-EFBIG when
 * larger than max, -ENOENT when absent). */
int file_read(const char *path, size_t max, char **out, size_t *len);

#endif
