/* dlopen of libmicrohttpd; see mhd.h for why. */
#include "daemon/mhd.h"

#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>

#ifndef MHD_SONAME
#define MHD_SONAME "libmicrohttpd.so.12"
#endif

int mhd_load(struct mhd_api *api, void **lib, const char **why)
{
	static const struct {
		const char *sym;
		size_t off;
	} fn[] = {
	    {"MHD_start_daemon", offsetof(struct mhd_api, start_daemon)},
	    {"MHD_stop_daemon", offsetof(struct mhd_api, stop_daemon)},
	    {"MHD_get_daemon_info", offsetof(struct mhd_api, get_daemon_info)},
	    {"MHD_get_timeout", offsetof(struct mhd_api, get_timeout)},
	    {"MHD_run", offsetof(struct mhd_api, run)},
	    {"MHD_create_response_from_buffer", offsetof(struct mhd_api, create_response_from_buffer)},
	    {"MHD_add_response_header", offsetof(struct mhd_api, add_response_header)},
	    {"MHD_queue_response", offsetof(struct mhd_api, queue_response)},
	    {"MHD_destroy_response", offsetof(struct mhd_api, destroy_response)},
	};
	void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		*why = dlerror();
		return -ELIBACC;
	}
	for (size_t i = 0; i < sizeof(fn) / sizeof(fn[0]); i++) {
		void *p = dlsym(h, fn[i].sym);
		if (!p) {
			*why = dlerror();
			dlclose(h);
			return -ELIBACC;
		}
		/* POSIX: a data pointer from dlsym converts to a function pointer */
		*(void **)(void *)((char *)api + fn[i].off) = p;
	}
	*lib = h;
	return 0;
}

void mhd_unload(void *lib)
{
	if (lib)
		dlclose(lib);
}
