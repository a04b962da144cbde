/* udpflood: a bounded UDP packet sender for the benchmarks.
 *
 *   udpflood -d DST [-p PORT] [-l PAYLOAD] [-t SECS] [-n COUNT] [-b SPORT]
 *            [-s SRC] [-f FLOWS]
 *
 * Sends PAYLOAD-byte UDP datagrams (default 18: a 64-byte Ethernet frame
 * with FCS) to DST:PORT with sendmmsg, as fast as it can, until SECS pass
 * or COUNT packets were sent, whichever comes first. -b sends from
 * source port SPORT (so a reply can be sent to it first). With -s (needs
 * CAP_NET_RAW) it writes the IPv4 header itself, from SRC, and spreads the
 * packets over FLOWS source ports (default 1024), like a flood would.
 * Prints one line: "sent=N secs=S cpu=C" where C is this process's
 * user+system CPU seconds (on veth, the receive path of every hop runs in
 * the sender's softirq context, so C/N is the per-packet cost of the
 * whole path). Exit 0, or 1 with a message on stderr. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAXPKT 1500

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_secs(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void usage(void)
{
	fprintf(stderr, "usage: udpflood -d DST [-p PORT] [-l PAYLOAD] [-t SECS] [-n COUNT] "
			"[-b SPORT] [-s SRC] [-f FLOWS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dst = NULL, *src = NULL;
	int port = 9, payload = 18, flows = 1024, sport = 0, c;
	double secs = 2;
	unsigned long long max = 100000000ULL, sent = 0;
	static unsigned char bufs[BATCH][MAXPKT];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in to = {.sin_family = AF_INET};
	int fd;

	while ((c = getopt(argc, argv, "d:p:l:t:n:s:f:b:")) != -1) {
		switch (c) {
		case 'd': dst = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'l': payload = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': max = strtoull(optarg, NULL, 10); break;
		case 's': src = optarg; break;
		case 'f': flows = atoi(optarg); break;
		case 'b': sport = atoi(optarg); break;
		default: usage();
		}
	}
	if (!dst || port < 1 || port > 65535 || payload < 0 ||
	    payload > MAXPKT - 28 || secs <= 0 || secs > 600 || flows < 1 || flows > 60000 ||
	    sport < 0 || sport > 65535)
		usage();
	to.sin_port = htons(port);
	if (inet_pton(AF_INET, dst, &to.sin_addr) != 1)
		usage();

	memset(msgs, 0, sizeof(msgs));
	if (src) {
		struct in_addr s;
		if (inet_pton(AF_INET, src, &s) != 1)
			usage();
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0) {
			perror("udpflood: raw socket");
			return 1;
		}
		for (int i = 0; i < BATCH; i++) {
			struct iphdr *ip = (struct iphdr *)bufs[i];
			struct udphdr *u = (struct udphdr *)(ip + 1);
			ip->version = 4;
			ip->ihl = 5;
			ip->ttl = 64;
			ip->protocol = IPPROTO_UDP;
			ip->tot_len = htons(28 + payload);
			ip->saddr = s.s_addr;
			ip->daddr = to.sin_addr.s_addr;
			u->dest = htons(port);
			u->len = htons(8 + payload);
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = 28 + payload;
			msgs[i].msg_hdr.msg_name = &to;
			msgs[i].msg_hdr.msg_namelen = sizeof(to);
		}
	} else {
		struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(sport)};
		int one = 1;
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd >= 0 && sport)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || (sport && bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) ||
		    connect(fd, (struct sockaddr *)&to, sizeof(to)) < 0) {
			perror("udpflood: udp socket");
			return 1;
		}
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = payload;
		}
	}
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	double t0 = now(), c0 = cpu_secs(), t = t0;
	unsigned flow = 0;
	while (sent < max && t - t0 < secs) {
		unsigned n = BATCH;
		if (max - sent < n)
			n = (unsigned)(max - sent);
		if (src) {
			for (unsigned i = 0; i < n; i++) {
				struct udphdr *u = (struct udphdr *)(bufs[i] + 20);
				u->source = htons((uint16_t)(1024 + flow));
				flow = (flow + 1) % (unsigned)flows;
			}
		}
		int r = sendmmsg(fd, msgs, n, 0);
		if (r > 0)
			sent += (unsigned)r;
		else if (r < 0 && errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED &&
			 errno != EINTR) {
			perror("udpflood: sendmmsg");
			return 1;
		}
		t = now();
	}
	printf("sent=%llu secs=%.6f cpu=%.6f\n", sent, t - t0, cpu_secs() - c0);
	close(fd);
	return 0;
}
