/* The daemon's NFLOG group (libnetfilter_log): the packets the ruleset's
 * `log` lines send there (render/nft_log.c), read without blocking. */
#ifndef NFTROUTER_SYSTEM_NFLOG_H
#define NFTROUTER_SYSTEM_NFLOG_H

#include <stddef.h>
#include <stdint.h>

struct nflog_pkt {
	const char *prefix;      /* "" when none */
	uint32_t indev, outdev;  /* ifindex, 0 none */
	const uint8_t *payload;  /* the IP packet, its first bytes */
	size_t len;
	int64_t sec;             /* the kernel's timestamp, else now */
	uint32_t usec;
};

struct nflog_src;
/* Bound to group (copying the first 128 bytes of each packet: headers
 * only), non-blocking. 0 or -errno (-EBUSY: another listener has it). */
int nflog_src_open(uint16_t group, struct nflog_src **out);
int nflog_src_fd(const struct nflog_src *s);
/* Every packet queued now, to fn; returns how many, or -errno.
 * -ENOBUFS (the kernel dropped some: the socket's buffer was full) is
 * counted in *lost and reading goes on. */
int nflog_src_read(struct nflog_src *s, void (*fn)(const struct nflog_pkt *p, void *data),
		   void *data, uint64_t *lost);
void nflog_src_close(struct nflog_src *s);

#endif
