/* epoll with a callback per fd. A watch unwatched while a batch of
 * events is being dispatched is only marked dead (its epoll_event of the
 * same batch still points to it) and freed after the batch. */
#include "daemon/poller.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define POLLER_BATCH 32

struct watch {
	int fd;          /* -1: unwatched, freed after the batch */
	watch_fn *fn;
	void *data;
	struct watch *next;
};

int poller_init(struct poller *p)
{
	p->list = NULL;
	p->dispatching = 0;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	return p->epfd < 0 ? -errno : 0;
}

static struct watch *poller_find(struct poller *p, int fd)
{
	for (struct watch *w = p->list; w; w = w->next)
		if (w->fd == fd)
			return w;
	return NULL;
}

/* Free the dead watches (none may be referenced by a pending event). */
static void poller_sweep(struct poller *p)
{
	for (struct watch **pw = &p->list; *pw;) {
		struct watch *w = *pw;
		if (w->fd >= 0) {
			pw = &w->next;
			continue;
		}
		*pw = w->next;
		free(w);
	}
}

void poller_fini(struct poller *p)
{
	while (p->list) {
		struct watch *w = p->list;
		p->list = w->next;
		free(w);
	}
	if (p->epfd >= 0)
		close(p->epfd);
	p->epfd = -1;
}

int poller_watch(struct poller *p, int fd, uint32_t events, watch_fn *fn, void *data)
{
	if (fd < 0 || !fn)
		return -EINVAL;
	if (poller_find(p, fd))
		return -EEXIST;
	struct watch *w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct watch){.fd = fd, .fn = fn, .data = data, .next = p->list};
	struct epoll_event ev = {.events = events, .data.ptr = w};
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int rc = -errno;
		free(w);
		return rc;
	}
	p->list = w;
	return 0;
}

int poller_modify(struct poller *p, int fd, uint32_t events)
{
	struct watch *w = poller_find(p, fd);
	if (!w)
		return -ENOENT;
	struct epoll_event ev = {.events = events, .data.ptr = w};
	return epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

void poller_unwatch(struct poller *p, int fd)
{
	struct watch *w = fd >= 0 ? poller_find(p, fd) : NULL;
	if (!w)
		return;
	epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
	w->fd = -1;
	if (!p->dispatching)
		poller_sweep(p);
}

void poller_unwatch_close(struct poller *p, int *fd)
{
	if (*fd < 0)
		return;
	poller_unwatch(p, *fd);
	close(*fd);
	*fd = -1;
}

int poller_dispatch(struct poller *p, int timeout_ms)
{
	struct epoll_event ev[POLLER_BATCH];
	int n = epoll_wait(p->epfd, ev, POLLER_BATCH, timeout_ms);
	if (n < 0)
		return -errno;
	p->dispatching++;
	for (int i = 0; i < n; i++) {
		struct watch *w = ev[i].data.ptr;
		if (w->fd >= 0)
			w->fn(w->fd, ev[i].events, w->data);
	}
	if (--p->dispatching == 0)
		poller_sweep(p);
	return n;
}
