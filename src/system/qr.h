/* A QR code of a text in the terminal, by qrencode(1) when installed. */
#ifndef NFTROUTER_SYSTEM_QR_H
#define NFTROUTER_SYSTEM_QR_H

/* Run `qrencode -t ansiutf8` with text on its stdin and this process's
 * stdout as its own. 0; -ENOENT when qrencode is not installed; another
 * -errno, or -EIO when it failed. */
int qr_print(const char *text);

#endif
