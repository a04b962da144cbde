/* A PPPoE WAN's needs of the system (model.h, struct pppoe): asked by
 * `check` before any apply, and by the daemon before it starts pppd. */
#ifndef NFTROUTER_SYSTEM_PPPOE_H
#define NFTROUTER_SYSTEM_PPPOE_H

#include "model/model.h"
#include "util/diag.h"

#define PPPD_BIN "/usr/sbin/pppd"
/* The DHCPv6 client of a session with `ipv6: dhcp` (render/pppd.c). */
#define DHCPCD_BIN "/usr/sbin/dhcpcd"
/* pppd 2.4.9 (Debian 12) runs /etc/ppp/ip-up and ip-down, which run the
 * files in these directories (run-parts): nftrouter's is a symlink to the
 * nftrouter binary, which knows by the directory in its argv[0] which
 * event it is (cmd/ppp_hook.c). A pppd that is not nftrouter's has none of
 * the NFTROUTER_HOOK_* variables, and the hook leaves it alone. */
#define PPPOE_HOOK_UP_DIR "/etc/ppp/ip-up.d"
#define PPPOE_HOOK_DOWN_DIR "/etc/ppp/ip-down.d"
/* The same for IPV6CP (`+ipv6`, a port with `ipv6: dhcp`): pppd runs
 * /etc/ppp/ipv6-up and ipv6-down, which run these, with the link-local
 * addresses in place of the IPv4 ones. */
#define PPPOE_HOOK_UP6_DIR "/etc/ppp/ipv6-up.d"
#define PPPOE_HOOK_DOWN6_DIR "/etc/ppp/ipv6-down.d"
#define PPPOE_HOOK_NAME "nftrouter"

/* The kernel's PPP and PPPoE (loaded, built in, or installed as modules)
 * and pppd; with `ipv6: dhcp` dhcpcd too. 0, or -EOPNOTSUPP with an error at port p's line naming what
 * is missing and where it was looked for. */
int pppoe_kfeature(const struct iface *p, struct diags *d);

/* The password of PPPoE port p from its password-file: a regular file
 * owned by root, mode 0600 or stricter (no group or other bits), opened
 * without following a symlink, one line of 1..255 printable characters
 * (a final newline is dropped). *out: malloc'd (the caller wipes and
 * frees it). 0, or -errno with the error at the password-file line. */
int pppoe_secret_read(const struct iface *p, char **out, struct diags *d);
/* pppoe_secret_read for every PPPoE port, reading and wiping (check).
 * A file that is not there is no error: missing[i] (r->n_ifaces entries)
 * names it, for a note; the daemon refuses to start that pppd until it
 * is there. 0 or the first -errno. */
int pppoe_check(const struct router *r, const char **missing, struct diags *d);

/* PPPOE_HOOK_{UP,DOWN}_DIR/nftrouter -> self (absolute), made or
 * re-pointed, and with ipv6 the same in PPPOE_HOOK_{UP,DOWN}6_DIR; 0, or
 * -errno with why in d (no /etc/ppp: ppp not installed; a file of that
 * name that is not a symlink is left alone). */
int pppoe_hooks_install(const char *self, bool ipv6, struct diags *d);

#endif
