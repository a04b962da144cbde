#include "util/wgkey.h"

#include <dlfcn.h>
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#ifndef CRYPTO_SONAME
#define CRYPTO_SONAME "libcrypto.so.3"
#endif
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

/* libcrypto is dlopen'ed here, not linked: loading it (and its
 * constructors) cost every nftrouter process about 1 ms of CPU before
 * main, and only the commands that derive a WireGuard public key use
 * it. RTLD_NODELETE keeps it mapped, so a second call costs a lookup. */
int wgkey_public(const uint8_t priv[WGKEY_LEN], uint8_t pub[WGKEY_LEN])
{
	EVP_PKEY *(*new_raw)(int, ENGINE *, const unsigned char *, size_t);
	int (*get_pub)(const EVP_PKEY *, unsigned char *, size_t *);
	void (*pkey_free)(EVP_PKEY *);
	void *lib = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!lib)
		return -ELIBACC;
	/* POSIX: a pointer from dlsym converts to a function pointer */
	*(void **)(void *)&new_raw = dlsym(lib, "EVP_PKEY_new_raw_private_key");
	*(void **)(void *)&get_pub = dlsym(lib, "EVP_PKEY_get_raw_public_key");
	*(void **)(void *)&pkey_free = dlsym(lib, "EVP_PKEY_free");
	if (!new_raw || !get_pub || !pkey_free) {
		dlclose(lib);
		return -ELIBACC;
	}
	EVP_PKEY *k = new_raw(EVP_PKEY_X25519, NULL, priv, WGKEY_LEN);
	size_t len = WGKEY_LEN;
	int rc = k && get_pub(k, pub, &len) == 1 && len == WGKEY_LEN ? 0 : -EINVAL;
	pkey_free(k);
	dlclose(lib);
	return rc;
}

int wgkey_is_zero(const uint8_t key[WGKEY_LEN])
{
	uint8_t acc = 0;
	for (size_t i = 0; i < WGKEY_LEN; i++)
		acc |= key[i];
	return acc == 0;
}
