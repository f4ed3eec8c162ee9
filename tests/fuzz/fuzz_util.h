/* SPDX-License-Identifier: BSD-3-Clause */
/* What the fuzz targets' invariant checks share. */
#ifndef SL_FUZZ_UTIL_H
#define SL_FUZZ_UTIL_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Abort unless @p s is a name: 1 to @p max characters of [A-Za-z0-9_.-],
 * and with @p dir (the name of a directory) neither "." nor "..".
 */
static inline void
fuzz_check_name(const char *s, size_t max, bool dir)
{
	size_t n = strnlen(s, max + 1), i;

	if (n == 0 || n > max)
		abort();
	if (dir && (strcmp(s, ".") == 0 || strcmp(s, "..") == 0))
		abort();
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			abort();
}

#endif
