#include "system/probe.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int probe_open(const char *ifname)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (fd < 0)
		return -errno;
	/* Through this port, even when the main table's best default route
	 * is another WAN's (or this one's is demoted). */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static uint16_t probe_sum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int probe_send(int fd, const struct ipaddr *target, uint16_t id, uint16_t seq)
{
	uint8_t pkt[16] = {ICMP_ECHO, 0, 0, 0, (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(seq >> 8),
			   (uint8_t)seq, 'n', 'f', 't', 'r', 'o', 'u', 't', 'e'};
	uint16_t sum = probe_sum(pkt, sizeof(pkt));
	pkt[2] = (uint8_t)(sum >> 8);
	pkt[3] = (uint8_t)sum;
	struct sockaddr_in to = {.sin_family = AF_INET};
	memcpy(&to.sin_addr, target->a, 4);
	if (sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

int probe_read(int fd, uint16_t id, struct ipaddr *from, uint16_t *seq)
{
	uint8_t buf[1500];
	for (;;) {
		struct sockaddr_in src;
		socklen_t sl = sizeof(src);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		/* A raw IPv4 socket reads the IP header too. */
		size_t hl = (size_t)(buf[0] & 0x0f) * 4;
		if ((size_t)n < hl + 8 || buf[hl] != ICMP_ECHOREPLY ||
		    (uint16_t)(buf[hl + 4] << 8 | buf[hl + 5]) != id)
			continue;
		memset(from, 0, sizeof(*from));
		from->family = AF_INET;
		memcpy(from->a, &src.sin_addr, 4);
		*seq = (uint16_t)(buf[hl + 6] << 8 | buf[hl + 7]);
		return 1;
	}
}
