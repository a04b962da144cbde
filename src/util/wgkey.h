/* WireGuard keys: Curve25519 keys of 32 bytes, written as base64 (44
 * characters, one '=' of padding) in router.yaml, the state dir and the
 * client configs `nftrouter wg peer` prints. Pure, except wgkey_generate
 * (the kernel's random generator). */
#ifndef NFTROUTER_WGKEY_H
#define NFTROUTER_WGKEY_H

#include <stdint.h>

#define WGKEY_LEN 32
#define WGKEY_B64 45 /* 44 characters and the NUL */

/* Exactly 44 base64 characters ending in '=' that decode to 32 bytes,
 * with the unused low bits of the last character zero (as every encoder
 * writes them): any other spelling of a key is refused, so one key has one
 * text. 0 or -EINVAL. */
int wgkey_from_base64(const char *s, uint8_t key[WGKEY_LEN]);
void wgkey_to_base64(const uint8_t key[WGKEY_LEN], char out[WGKEY_B64]);
/* A new private key: 32 random bytes clamped as X25519 wants them
 * (RFC 7748 5). 0 or -errno. */
int wgkey_generate(uint8_t priv[WGKEY_LEN]);
/* The public key of a private key (X25519 with the base point, through
 * OpenSSL's libcrypto). 0 or -EINVAL. */
int wgkey_public(const uint8_t priv[WGKEY_LEN], uint8_t pub[WGKEY_LEN]);
/* Whether all 32 bytes are zero (the kernel's "no key"). */
int wgkey_is_zero(const uint8_t key[WGKEY_LEN]);

#endif
