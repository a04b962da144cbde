/* The apply journal, STATE/apply.journal: what an apply is about to do,
 * written and fsynced before its first change to the system and removed
 * after its last, so that an apply killed in between (kill -9, a power
 * cut) is found by the next apply, rollback or run and finished or
 * undone. It holds the three configs the state dir must name at the end
 * either way: the one being applied (next), the one applied before
 * (old), and the one before that (prev). docs/apply.md. */
#ifndef NFTROUTER_SYSTEM_JOURNAL_H
#define NFTROUTER_SYSTEM_JOURNAL_H

#include <stdbool.h>

#include "system/state.h"

#define JOURNAL_NAME "apply.journal"

struct journal {
	/* apply --confirm: such an apply is undone, never finished (its
	 * confirmation never came); pending.* is the state it writes. */
	bool confirm;
	struct state_config next, old, prev; /* yaml NULL: absent */
};

/* The journal text (one file, written atomically and fsynced). */
int journal_write(const char *dir, const struct journal *j);
/* -ENOENT when there is none, -EINVAL when it is not one whole journal. */
int journal_read(const char *dir, struct journal *j);
int journal_remove(const char *dir);
void journal_free(struct journal *j);

/* Make the state dir name the end state of j, whatever part of it is
 * already written (each file atomically; a file already right is not
 * rewritten). Not confirm: applied.* = next; previous.* = old when old
 * is another config, else prev (absent: removed). Confirm: pending.* =
 * next. 0 or -errno. */
int journal_commit(const char *dir, const struct journal *j);

/* The same config (the three files equal; an absent .nft/.path is ""). */
bool state_config_same(const struct state_config *a, const struct state_config *b);

/* Fault injection for tests/lab/apply-crash.sh: when the environment
 * has NFTROUTER_TEST_KILL_AT=NAME, the process kills itself (SIGKILL) at
 * the point called NAME, as a power cut would stop it there. Points:
 * journal, firewall, bans, ports, sysctls (after each), state-previous
 * (between the previous.* and the applied.* writes), state (before the
 * journal is removed), undoing (in the undo of a failed step, between
 * the ports and the firewall). */
void journal_kill_point(const char *name);

#endif
