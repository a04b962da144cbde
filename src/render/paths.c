#include "render/render.h"

void render_paths_default(struct render_paths *p)
{
	p->state_dir = "/var/lib/nftrouter";
	p->run_dir = "/run/nftrouter";
	p->config = "/etc/nftrouter/router.yaml";
	p->bin = "/usr/sbin/nftrouter";
	p->tls_ca = "/etc/ssl/certs/ca-certificates.crt";
}
