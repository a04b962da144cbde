/* connloop: bounded TCP connection-rate client and server for the benchmarks.
 *
 *   connloop server -p PORT [-t SECS]
 *   connloop client -d DST -p PORT [-t SECS] [-n COUNT]
 *
 * The server accepts and closes at once (so TIME_WAIT stays on the server
 * and the client's ports are reusable), and exits after SECS (default 600).
 * The client opens a connection, waits for the server's close, closes, and
 * repeats until SECS pass or COUNT connections were made. It prints
 * "conns=N fails=F secs=S cpu=C" (C: its own user+system CPU seconds,
 * which include the softirq work its packets cause on every veth hop).
 * Each connect has a 1 s timeout. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

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
	fprintf(stderr, "usage: connloop server -p PORT [-t SECS]\n"
			"       connloop client -d DST -p PORT [-t SECS] [-n COUNT]\n");
	exit(2);
}

static int serve(int port, double secs)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 4096) < 0) {
		perror("connloop: listen");
		return 1;
	}
	double t0 = now();
	while (now() - t0 < secs) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 500) <= 0)
			continue;
		int c = accept(fd, NULL, NULL);
		if (c >= 0)
			close(c);
	}
	close(fd);
	return 0;
}

static int client(const char *dst, int port, double secs, unsigned long max)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	struct timeval tv = {.tv_sec = 1};
	unsigned long conns = 0, fails = 0;
	char buf[64];
	if (inet_pton(AF_INET, dst, &a.sin_addr) != 1)
		usage();
	double t0 = now(), t = t0, c0 = cpu_secs();
	while (conns < max && t - t0 < secs) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("connloop: socket");
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && read(fd, buf, sizeof(buf)) == 0)
			conns++;
		else
			fails++;
		close(fd);
		t = now();
	}
	printf("conns=%lu fails=%lu secs=%.6f cpu=%.6f\n", conns, fails, t - t0, cpu_secs() - c0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *dst = NULL;
	int port = 0, c;
	double secs = 600;
	unsigned long max = 10000000UL;
	if (argc < 2)
		usage();
	const char *mode = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "d:p:t:n:")) != -1) {
		switch (c) {
		case 'd': dst = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		case 'n': max = strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (port < 1 || port > 65535 || secs <= 0 || secs > 3600)
		usage();
	if (strcmp(mode, "server") == 0)
		return serve(port, secs);
	if (strcmp(mode, "client") == 0 && dst)
		return client(dst, port, secs, max);
	usage();
	return 2;
}
