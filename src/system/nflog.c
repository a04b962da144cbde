/* NFLOG over libnetfilter_log. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <libnetfilter_log/libnetfilter_log.h>

#include "system/nflog.h"

#define NFLOG_COPY 128 /* IPv6 header + a transport header, with room */

struct nflog_src {
	struct nflog_handle *h;
	struct nflog_g_handle *gh;
	void (*fn)(const struct nflog_pkt *p, void *data);
	void *data;
	int count;
};

static int nflog_on_packet(struct nflog_g_handle *gh, struct nfgenmsg *msg, struct nflog_data *nfa,
			   void *data)
{
	struct nflog_src *s = data;
	struct nflog_pkt p = {0};
	struct timeval tv;
	char *payload = NULL, *prefix = nflog_get_prefix(nfa);
	int n = nflog_get_payload(nfa, &payload);
	(void)gh;
	(void)msg;
	p.prefix = prefix ? prefix : "";
	p.indev = nflog_get_indev(nfa);
	p.outdev = nflog_get_outdev(nfa);
	p.payload = (const uint8_t *)payload;
	p.len = n > 0 && payload ? (size_t)n : 0;
	if (nflog_get_timestamp(nfa, &tv) != 0)
		gettimeofday(&tv, NULL);
	p.sec = (int64_t)tv.tv_sec;
	p.usec = (uint32_t)tv.tv_usec;
	s->fn(&p, s->data);
	s->count++;
	return 0;
}

int nflog_src_open(uint16_t group, struct nflog_src **out)
{
	struct nflog_src *s = calloc(1, sizeof(*s));
	int err = -ENOMEM;
	if (!s)
		return err;
	errno = 0;
	if (!(s->h = nflog_open()))
		goto fail;
	if (!(s->gh = nflog_bind_group(s->h, group)))
		goto fail;
	/* The kernel batches up to 100 packets or 1 s by default: a dropped
	 * packet would show a second late. One at a time instead (the
	 * ruleset's rate limits keep that cheap). */
	if (nflog_set_mode(s->gh, NFULNL_COPY_PACKET, NFLOG_COPY) < 0 ||
	    nflog_set_qthresh(s->gh, 1) < 0 || nflog_set_timeout(s->gh, 0) < 0)
		goto fail;
	nflog_callback_register(s->gh, nflog_on_packet, s);
	int fd = nflog_fd(s->h);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	err = errno ? -errno : -EIO;
	nflog_src_close(s);
	return err;
}

int nflog_src_fd(const struct nflog_src *s)
{
	return nflog_fd(s->h);
}

int nflog_src_read(struct nflog_src *s, void (*fn)(const struct nflog_pkt *p, void *data),
		   void *data, uint64_t *lost)
{
	char buf[8192];
	s->fn = fn;
	s->data = data;
	s->count = 0;
	/* Bounded: a flood cannot keep the loop here forever. */
	for (int i = 0; i < 256; i++) {
		ssize_t n = recv(nflog_fd(s->h), buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS) {
			(*lost)++;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			break;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		nflog_handle_packet(s->h, buf, (int)n);
	}
	return s->count;
}

void nflog_src_close(struct nflog_src *s)
{
	if (!s)
		return;
	if (s->gh)
		nflog_unbind_group(s->gh);
	if (s->h)
		nflog_close(s->h);
	free(s);
}
