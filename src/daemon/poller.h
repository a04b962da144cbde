/* The daemon's event sources: an fd, the events wanted, a callback and
 * its data (as seatd's poller). Whoever owns an fd watches it and says
 * what to call; the loop knows no kinds of sources and has no tables to
 * outgrow. Not a contract outside src/daemon. */
#ifndef NFTROUTER_DAEMON_POLLER_H
#define NFTROUTER_DAEMON_POLLER_H

#include <stdint.h>

/* Called from poller_dispatch with the epoll events of fd. It may watch
 * and unwatch any fd, its own included: an fd unwatched during a batch
 * gets no further call in that batch, even if the number is reused. */
typedef void watch_fn(int fd, uint32_t events, void *data);

struct watch;

struct poller {
	int epfd;
	struct watch *list; /* every watch, live or unwatched in this batch */
	unsigned dispatching; /* > 0: inside poller_dispatch, frees are deferred */
};

/* 0 or -errno. */
int poller_init(struct poller *p);
/* Closes the epoll fd, frees the watches; the watched fds are their
 * owners' to close. */
void poller_fini(struct poller *p);

/* 0, -EEXIST when fd is already watched, or -errno. */
int poller_watch(struct poller *p, int fd, uint32_t events, watch_fn *fn, void *data);
/* Change the events wanted for a watched fd. */
int poller_modify(struct poller *p, int fd, uint32_t events);
/* No more calls for fd; a no-op for an fd not watched. */
void poller_unwatch(struct poller *p, int fd);
/* Unwatch and close *fd if open (>= 0), then mark it closed (-1). */
void poller_unwatch_close(struct poller *p, int *fd);

/* Wait up to timeout_ms (-1: forever) and call the callbacks of the fds
 * that are ready. Returns how many callbacks ran, or -errno (-EINTR is
 * for the caller to retry). */
int poller_dispatch(struct poller *p, int timeout_ms);

#endif
