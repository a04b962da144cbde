/* The only code that talks to libnftables. */
#ifndef NFTROUTER_SYSTEM_NFT_H
#define NFTROUTER_SYSTEM_NFT_H

#include <stdbool.h>

struct nft;

/* NULL on allocation failure. */
struct nft *nft_open(void);
void nft_close(struct nft *n);

/* Run an nft script as one transaction. With dry_run, the kernel checks
 * everything and commits nothing (nft -c). On failure returns -errno-ish
 * (negative) and, if err is not NULL, a malloc'd copy of nft's message. */
int nft_run(struct nft *n, const char *script, bool dry_run, char **err);
/* Run a listing command ("list table inet nftrouter") and return its
 * output (malloc'd) in *out. */
int nft_query(struct nft *n, const char *cmd, bool json, char **out, char **err);

#endif
