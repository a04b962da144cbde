/* SHA-256 (FIPS 180-4), for the applied config's hash that `status`
 * shows. No library on the system offers one we already link. */
#ifndef NFTROUTER_SHA256_H
#define NFTROUTER_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* out: 64 lowercase hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
