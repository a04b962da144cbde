/* Assertions on rendered text, for unit tests of renderers. Include after
 * <cmocka.h>. static inline: a test uses what it needs. */
#ifndef NFTROUTER_TESTS_TEXT_ASSERT_H
#define NFTROUTER_TESTS_TEXT_ASSERT_H

#include <string.h>

/* text has line as one whole line (not a part of a longer one). */
static inline void has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)); p++)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
	fail_msg("missing line '%s' in:\n%s", line, text);
}

#endif
