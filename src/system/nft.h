/* The only code that talks to libnftables. */
#ifndef NFTROUTER_SYSTEM_NFT_H
#define NFTROUTER_SYSTEM_NFT_H

#include <stdbool.h>

struct nft;

/* NULL on allocation failure. */
struct nft *nft_open(void);
void nft_close(struct nft *n);

/* Run an nft script as one transaction. With dry_run, the kernel checks
 * everything and commits nothing (nft -c). On failure returns the -errno
 * nft's message names (nft_errno) and, if err is not NULL, a malloc'd
 * copy of that message (nft's whole text: script lines and carets). */
int nft_run(struct nft *n, const char *script, bool dry_run, char **err);
/* Run a listing command ("list table inet nftrouter") and return its
 * output (malloc'd) in *out. Fails as nft_run does. */
int nft_query(struct nft *n, const char *cmd, bool json, char **out, char **err);

/* libnftables reports the kernel's errors as text only ("Could not
 * process rule: No such file or directory"). This is the one place that
 * turns that text back into an error code: -EPERM for no privilege
 * (EPERM or EACCES), -ENOENT, -EEXIST, -EBUSY, -ENOMEM, -ENOSPC, -E2BIG,
 * -EOPNOTSUPP, else -EINVAL (a syntax or semantic error). */
int nft_errno(const char *msg);

/* nft repeats "Error: ..." with the offending script line and carets
 * under each: keep the distinct error lines only (at most 5), joined by
 * "; ", in place. Text without an "Error:" line is kept as it is. */
void nft_error_condense(char *msg);

#endif
