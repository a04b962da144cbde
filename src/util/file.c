#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* A rename is durable only once the directory holding it is synced. */
static int fsync_parent(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if ((size_t)(slash - path) >= sizeof(dir))
		return -ENAMETOOLONG;
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return file_sync_dir(dir);
}

static int write_all(int fd, const char *data, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

int file_append_sync(const char *path, const char *data, size_t len)
{
	/* no O_CREAT: appending only continues a file the caller made */
	int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = write_all(fd, data, len);
	if (ret == 0 && fdatasync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* O_NOFOLLOW as file_write_atomic's temporaries: a symlink at path is
 * refused (ELOOP), not written through. */
int file_write(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	int ret = write_all(fd, text, strlen(text));
	if (ret == 0 && fchmod(fd, mode) < 0)
		ret = -errno;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

int file_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
		      unsigned flags)
{
	char tmp[PATH_MAX];
	int rc, fd;
	/* The pid keeps two writers (the daemon and a hook) off one temporary. */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/* O_EXCL|O_NOFOLLOW: a file or symlink already at the temporary's
	 * name (planted, or left by a killed writer whose pid we now have) is
	 * never written through; it is removed (unlink takes the link, not
	 * its target) and the name created afresh, once. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	/* fchmod: the mode asked for, whatever the umask. */
	if ((rc = write_all(fd, data, len)) < 0 || (rc = fchmod(fd, mode) < 0 ? -errno : 0) < 0 ||
	    ((flags & FILE_SYNC) && (rc = fsync(fd) < 0 ? -errno : 0) < 0))
		goto out;
	rc = close(fd) < 0 ? -errno : 0;
	fd = -1;
	if (rc < 0)
		goto out;
	if (rename(tmp, path) < 0) {
		rc = -errno;
		goto out;
	}
	if (flags & FILE_SYNC)
		rc = fsync_parent(path);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

int file_dir_check(const char *dir, const char *what, struct diags *d)
{
	struct diags none = DIAGS_INIT;
	struct stat st;
	const char *w = what ? what : "", *sp = what ? " " : "";
	int rc = 0;
	if (!d)
		d = &none; /* the caller wants the verdict only */
	if (stat(dir, &st) < 0) {
		rc = -errno;
		diag_error(d, nopos, "%s%s%s: %s", w, sp, dir, strerror(-rc));
	} else if (!S_ISDIR(st.st_mode)) {
		rc = -ENOTDIR;
		diag_error(d, nopos, "%s%s%s: not a directory", w, sp, dir);
	} else if (st.st_uid != geteuid()) {
		rc = -EPERM;
		diag_error(d, nopos, "%s%s%s: owned by uid %u, not by uid %u (root); refusing it (chown %u %s)",
			   w, sp, dir, (unsigned)st.st_uid, (unsigned)geteuid(), (unsigned)geteuid(), dir);
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		rc = -EPERM;
		diag_error(d, nopos, "%s%s%s: writable by %s (mode %04o); refusing it (chmod go-w %s)", w,
			   sp, dir, (st.st_mode & S_IWOTH) ? "everyone" : "its group",
			   (unsigned)(st.st_mode & 07777), dir);
	}
	diags_free(&none);
	return rc;
}

int file_read(const char *path, size_t max, char **out, size_t *lenp)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	char *s = NULL;
	size_t len = 0, cap = 0;
	*out = NULL;
	if (fd < 0)
		return -errno;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *ns = realloc(s, cap);
			if (!ns) {
				rc = -ENOMEM;
				goto out;
			}
			s = ns;
		}
		ssize_t n = read(fd, s + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			rc = -EFBIG;
			goto out;
		}
	}
	s[len] = '\0';
	*out = s;
	s = NULL;
	if (lenp)
		*lenp = len;
out:
	free(s);
	close(fd);
	return rc;
}

ssize_t file_read_into(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t rc = 0;
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return rc < 0 ? rc : (ssize_t)len;
}
