#include "render/render.h"

void render_paths_default(struct render_paths *p)
{
	p->state_dir = DEFAULT_STATE_DIR;
	p->run_dir = DEFAULT_RUN_DIR;
	p->config = DEFAULT_CONFIG;
	p->bin = DEFAULT_BIN;
	p->tls_ca = DEFAULT_TLS_CA;
}
