/* sd_notify(3)'s protocol is one datagram to $NOTIFY_SOCKET; a leading
 * '@' names an abstract socket. Implemented here so the daemon needs no
 * libsystemd (the lab and non-systemd hosts set NOTIFY_SOCKET too).
 * The daemon takes the variable out of its environment at start: a child
 * that sees it (unbound built with systemd support) would notify in our
 * place, and unbound even exits when that fails. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/internal.h"

int notify_send(const char *path, const char *state)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int rc = 0;
	if (!path || !*path)
		return 0;
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(sa.sun_path))
		return -EINVAL;
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
				      (path[0] == '@' ? 0 : 1));
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) < 0)
		rc = -errno;
	close(fd);
	return rc;
}
