#include "util/wgkey.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/random.h>

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int wgkey_from_base64(const char *s, uint8_t key[WGKEY_LEN])
{
	uint8_t out[WGKEY_LEN + 1];
	if (strlen(s) != WGKEY_B64 - 1 || s[WGKEY_B64 - 2] != '=')
		return -EINVAL;
	/* 43 characters carry 258 bits: 32 bytes and 2 bits that must be 0. */
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	for (size_t i = 0; i < WGKEY_B64 - 2; i++) {
		int v = b64_value(s[i]);
		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (n != WGKEY_LEN || acc != 0)
		return -EINVAL;
	memcpy(key, out, WGKEY_LEN);
	return 0;
}

void wgkey_to_base64(const uint8_t key[WGKEY_LEN], char out[WGKEY_B64])
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < WGKEY_LEN; i++) {
		acc = (acc << 8) | key[i];
		bits += 8;
		while (bits >= 6) {
			bits -= 6;
			out[o++] = b64[(acc >> bits) & 63];
		}
	}
	out[o++] = b64[(acc << (6 - bits)) & 63];
	out[o++] = '=';
	out[o] = '\0';
}

int wgkey_generate(uint8_t priv[WGKEY_LEN])
{
	if (getrandom(priv, WGKEY_LEN, 0) != WGKEY_LEN)
		return errno ? -errno : -EIO;
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
	return 0;
}

int wgkey_public(const uint8_t priv[WGKEY_LEN], uint8_t pub[WGKEY_LEN])
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WGKEY_LEN);
	size_t len = WGKEY_LEN;
	int rc = k && EVP_PKEY_get_raw_public_key(k, pub, &len) == 1 && len == WGKEY_LEN
			 ? 0
			 : -EINVAL;
	EVP_PKEY_free(k);
	return rc;
}

int wgkey_is_zero(const uint8_t key[WGKEY_LEN])
{
	uint8_t acc = 0;
	for (size_t i = 0; i < WGKEY_LEN; i++)
		acc |= key[i];
	return acc == 0;
}
