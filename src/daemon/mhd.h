/* libmicrohttpd, loaded with dlopen when the metrics endpoint starts,
 * not linked: it pulls in GnuTLS and seven more libraries whose loading
 * and constructors cost every nftrouter process about 1.5 ms of CPU (6 ms
 * wall on a loaded machine) before main, and only the daemon serving
 * metrics uses it. `nftrouter ban` is a process start (docs/bans.md). */
#ifndef NFTROUTER_DAEMON_MHD_H
#define NFTROUTER_DAEMON_MHD_H

#include <microhttpd.h>

struct mhd_api {
	struct MHD_Daemon *(*start_daemon)(unsigned int flags, uint16_t port,
					   MHD_AcceptPolicyCallback apc, void *apc_cls,
					   MHD_AccessHandlerCallback dh, void *dh_cls, ...);
	void (*stop_daemon)(struct MHD_Daemon *daemon);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *daemon,
						       enum MHD_DaemonInfoType info_type, ...);
	enum MHD_Result (*get_timeout)(struct MHD_Daemon *daemon, MHD_UNSIGNED_LONG_LONG *timeout);
	enum MHD_Result (*run)(struct MHD_Daemon *daemon);
	struct MHD_Response *(*create_response_from_buffer)(size_t size, void *buffer,
							     enum MHD_ResponseMemoryMode mode);
	enum MHD_Result (*add_response_header)(struct MHD_Response *response, const char *header,
					       const char *content);
	enum MHD_Result (*queue_response)(struct MHD_Connection *connection, unsigned int status_code,
					  struct MHD_Response *response);
	void (*destroy_response)(struct MHD_Response *response);
};

/* Load the library and fill api; *lib is the handle for mhd_unload.
 * 0, or -ELIBACC with *why set to dlerror()'s text. */
int mhd_load(struct mhd_api *api, void **lib, const char **why);
void mhd_unload(void *lib);

#endif
