/* Inside the link layer: the socket and one request, shared by link.c
 * (links, addresses, the port as a whole) and link_make.c (links apply
 * makes and removes). Only those include it. */
#ifndef NFTROUTER_SYSTEM_LINK_INT_H
#define NFTROUTER_SYSTEM_LINK_INT_H

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "system/link.h"

/* MNL_SOCKET_BUFFER_SIZE is a sysconf() call (a VLA); requests are small and
 * one dump read never exceeds 32 KiB. */
#define LINK_REQ_BUF 1024
#define LINK_RECV_BUF 32768

struct link_sock {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	const struct link_backend *be; /* not NULL: the calls go there */
	void *be_data;
};

/* Starts in buf (LINK_REQ_BUF bytes) a link request of type (RTM_NEWLINK,
 * RTM_GETLINK, RTM_DELLINK) with NLM_F_REQUEST | NLM_F_ACK | flags about
 * link ifindex (0: none yet); its ifinfomsg, for flags to be set, in *ifm. */
struct nlmsghdr *link_req(char *buf, uint16_t type, uint16_t flags, int ifindex,
			  struct ifinfomsg **ifm);

/* Send one request and read until its ack/done, feeding data to cb. */
int link_talk(struct link_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
