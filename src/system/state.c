#include "system/state.h"
#include "util/file.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int state_mkdir(const char *dir)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return file_dir_check(path, NULL, NULL);
}

int state_dir_ready(const char *dir, const char *kind, struct diags *d)
{
	char what[32];
	int rc = state_mkdir(dir);
	snprintf(what, sizeof(what), "%s dir", kind);
	/* The dir check names what is wrong with it; else the mkdir's error. */
	if (rc < 0 && file_dir_check(dir, what, d) == 0)
		diag_error(d, nopos, "%s dir %s: %s", kind, dir, strerror(-rc));
	return rc;
}

static int join(char *out, size_t size, const char *dir, const char *name)
{
	return snprintf(out, size, "%s/%s", dir, name) >= (int)size ? -ENAMETOOLONG : 0;
}

int state_write(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];
	int rc = join(path, sizeof(path), dir, name);
	if (rc < 0 || (rc = file_dir_check(dir, NULL, NULL)) < 0)
		return rc;
	return file_write_atomic(path, data, len, 0600, FILE_SYNC);
}

int state_append(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];
	int rc = join(path, sizeof(path), dir, name);
	if (rc < 0 || (rc = file_dir_check(dir, NULL, NULL)) < 0)
		return rc;
	return file_append_sync(path, data, len);
}

int state_read(const char *dir, const char *name, char **out, size_t *len)
{
	char path[PATH_MAX];
	int rc;
	*out = NULL;
	if ((rc = join(path, sizeof(path), dir, name)) < 0)
		return rc;
	/* Only nftrouter writes here: no limit beyond memory. */
	return file_read(path, SIZE_MAX / 2, out, len);
}

int state_lock(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int rc = state_mkdir(dir);
	if (rc < 0 || (rc = join(path, sizeof(path), dir, name)) < 0)
		return rc;
	/* O_NOFOLLOW: a symlink planted at the lock's name is refused
	 * (ELOOP), not followed to create or lock a file elsewhere. */
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* NAME.tmpPID: file_write_atomic's temporary, left behind by a writer
 * that was killed. The pid's process is gone, or it is another process
 * that cannot be writing here any more once it is not that writer; a
 * live pid is left alone (it may be the daemon or a hook writing now). */
static bool tmp_stale(const char *name)
{
	const char *t = strstr(name, ".tmp");
	for (const char *n; t && (n = strstr(t + 1, ".tmp"));)
		t = n;
	if (!t || !t[4])
		return false;
	char *end;
	errno = 0;
	long pid = strtol(t + 4, &end, 10);
	if (*end || errno || pid <= 0 || pid > INT32_MAX || pid == (long)getpid())
		return false;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

int state_tmp_sweep(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *e;
	int n = 0;
	if (!dp)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dp)))
		if (tmp_stale(e->d_name) && unlinkat(dirfd(dp), e->d_name, 0) == 0)
			n++;
	closedir(dp);
	if (n > 0)
		(void)file_sync_dir(dir);
	return n;
}

int state_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int rc = join(path, sizeof(path), dir, name);
	if (rc < 0)
		return rc;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int state_rename(const char *dir, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	int rc;
	if ((rc = join(a, sizeof(a), dir, from)) < 0 || (rc = join(b, sizeof(b), dir, to)) < 0)
		return rc;
	if (rename(a, b) < 0)
		return -errno;
	return file_sync_dir(dir);
}

static const char *const exts[] = {"yaml", "nft", "path"};

static void names(const char *prefix, char out[3][64])
{
	for (size_t i = 0; i < 3; i++)
		snprintf(out[i], 64, "%s.%s", prefix, exts[i]);
}

void state_config_free(struct state_config *c)
{
	if (!c)
		return;
	free(c->yaml);
	free(c->nft);
	free(c->path);
	c->yaml = c->nft = c->path = NULL;
}

int state_config_read(const char *dir, const char *prefix, struct state_config *c)
{
	char n[3][64];
	char **dst[3] = {&c->yaml, &c->nft, &c->path};
	names(prefix, n);
	c->yaml = c->nft = c->path = NULL;
	for (size_t i = 0; i < 3; i++) {
		int rc = state_read(dir, n[i], dst[i], NULL);
		/* applied.nft and .path are conveniences; the yaml is the config. */
		if (rc < 0 && (i == 0 || rc != -ENOENT)) {
			state_config_free(c);
			return rc;
		}
	}
	return 0;
}

int state_config_write(const char *dir, const char *prefix, const struct state_config *c)
{
	char n[3][64];
	const char *src[3] = {c->yaml, c->nft, c->path};
	names(prefix, n);
	/* The yaml last: a config pair is complete once its yaml is there. */
	static const size_t order[] = {1, 2, 0};
	for (size_t k = 0; k < 3; k++) {
		size_t i = order[k];
		if (!src[i])
			continue;
		int rc = state_write(dir, n[i], src[i], strlen(src[i]));
		if (rc < 0)
			return rc;
	}
	return 0;
}

int state_config_move(const char *dir, const char *prefix, const char *to)
{
	char a[3][64], b[3][64];
	names(prefix, a);
	names(to, b);
	for (size_t i = 0; i < 3; i++) {
		int rc = state_rename(dir, a[i], b[i]);
		if (rc < 0 && rc != -ENOENT)
			return rc;
	}
	return 0;
}

void state_config_remove(const char *dir, const char *prefix)
{
	char n[3][64];
	names(prefix, n);
	for (size_t i = 0; i < 3; i++)
		(void)state_remove(dir, n[i]);
}
