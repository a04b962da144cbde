/* `log` lines: every one goes to the daemon's NFLOG group with a prefix
 * that names where it comes from, "nftr NAME LINE TEXT":
 *   NAME  the rule's name, or zone:ZONE:input / zone:ZONE:forward for a
 *         zone's `log: true` (rule names cannot hold ':')
 *   LINE  the router.yaml line of the rule or of the zone's `log` key
 *   TEXT  the rule's own `log` text (empty for a zone)
 * so the daemon (daemon/fwlog.c) can tell which line of the config
 * logged a packet without a table of handles. NFLOG works in network
 * namespaces, where the kernel's syslog target does not. */
#include <stdio.h>
#include <string.h>

#include "render/fwlog.h"
#include "render/nft_internal.h"

/* "limit rate R/U burst B packets counter log prefix "..." group G" */
static void put_log(struct nft_out *o, const char *name, int line, const char *text,
		    const struct rate *rate, uint32_t burst)
{
	char prefix[FWLOG_PREFIX_MAX + 1];
	if (!rate->count || !rate->unit || !str_quotable(name, 80) ||
	    (text && !str_quotable(text, 127))) {
		o->bad = true;
		return;
	}
	/* NF_LOG_PREFIXLEN is 128 with the NUL: the rule's own text is cut
	 * to fit; the name and line, which the daemon reads, never are. */
	snprintf(prefix, sizeof(prefix), "%s %s %d %s", FWLOG_PREFIX_TAG, name, line,
		 text ? text : "");
	buf_printf(&o->b,
		   "limit rate %u/%s burst %u packets counter log prefix \"%s\" group %u",
		   rate->count, rate->unit, burst, prefix, (unsigned)NFTROUTER_LOG_GROUP);
}

void put_rule_log(struct nft_out *o, const struct rule *ru)
{
	put_log(o, ru->name, ru->pos.line, ru->log, &ru->log_rate, ru->log_burst);
}

void put_zone_log(struct nft_out *o, const struct zone *z, const char *hook)
{
	char name[48];
	if (!z->log)
		return;
	snprintf(name, sizeof(name), "zone:%s:%s", z->name, hook);
	buf_puts(&o->b, "\t\t");
	put_log(o, name, z->log_line, NULL, &z->log_rate, z->log_burst);
	put_origin(o, "zone ", z->name, strcmp(hook, "input") == 0 ? ": log (input)" : ": log (forward)",
		   z->log_line);
}
