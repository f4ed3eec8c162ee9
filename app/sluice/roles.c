/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>

#include "roles.h"

/* Parse "1-3,5" into lcore ids that the EAL enabled. */
static int
parse_lcores(const char *flag, const char *s, unsigned int *ids, unsigned int *n,
	     char *err, size_t errlen)
{
	char buf[512], *tok, *save = NULL;
	bool seen[RTE_MAX_LCORE] = { false };

	*n = 0;
	if (strlen(s) >= sizeof(buf) || *s == '\0') {
		snprintf(err, errlen, "%s: '%s' is not an lcore list", flag, s);
		return -EINVAL;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end, *dash = strchr(tok, '-');
		unsigned long lo, hi, l;

		lo = strtoul(tok, &end, 10);
		if (end == tok || (dash ? end != dash : *end != '\0'))
			goto bad;
		hi = lo;
		if (dash) {
			hi = strtoul(dash + 1, &end, 10);
			if (end == dash + 1 || *end != '\0' || hi < lo)
				goto bad;
		}
		for (l = lo; l <= hi; l++) {
			if (l >= RTE_MAX_LCORE || !rte_lcore_is_enabled(l)) {
				snprintf(err, errlen, "%s: lcore %lu is not in the EAL's lcore set (-l)",
					 flag, l);
				return -EINVAL;
			}
			if (seen[l])
				continue;
			if (*n == SL_MAX_LCORES) {
				snprintf(err, errlen, "%s: at most %d lcores", flag, SL_MAX_LCORES);
				return -EINVAL;
			}
			seen[l] = true;
			ids[(*n)++] = (unsigned int)l;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: '%s' is not an lcore list (e.g. 1-3,5)", flag, s);
	return -EINVAL;
}

int
sl_roles_assign(struct sl_roles *r, const char *workers, const char *writers,
		char *err, size_t errlen)
{
	unsigned int all[SL_MAX_LCORES], n = 0, l, i, nw;

	memset(r, 0, sizeof(*r));
	/* Main lcore first, then the others in id order. */
	all[n++] = rte_get_main_lcore();
	RTE_LCORE_FOREACH_WORKER(l) {
		if (n < SL_MAX_LCORES)
			all[n++] = l;
	}

	if (workers && parse_lcores("--workers", workers, r->workers, &r->n_workers,
				    err, errlen) != 0)
		return -EINVAL;
	if (writers && parse_lcores("--writers", writers, r->writers, &r->n_writers,
				    err, errlen) != 0)
		return -EINVAL;

	if (!workers && !writers) {
		if (n == 1) {
			r->workers[r->n_workers++] = all[0];
			r->writers[r->n_writers++] = all[0];
		} else if (n == 2) {
			/* The worker needs a fraction of its lcore; compression
			 * is what takes time, so both lcores write. */
			r->writers[r->n_writers++] = all[0];
			r->writers[r->n_writers++] = all[1];
			r->workers[r->n_workers++] = all[1];
		} else {
			nw = n / 4 ? n / 4 : 1;
			for (i = 0; i < n; i++) {
				if (i < nw)
					r->writers[r->n_writers++] = all[i];
				else
					r->workers[r->n_workers++] = all[i];
			}
		}
		return 0;
	}
	if (!writers) {
		/* Writers: lcores that are not workers, else the main lcore. */
		for (i = 0; i < n && r->n_writers < (n + 3) / 4; i++) {
			bool w = false;
			unsigned int j;

			for (j = 0; j < r->n_workers; j++)
				w |= r->workers[j] == all[i];
			if (!w)
				r->writers[r->n_writers++] = all[i];
		}
		if (r->n_writers == 0)
			r->writers[r->n_writers++] = all[0];
	}
	if (!workers) {
		/* Workers: lcores that are not writers, else the main lcore. */
		for (i = 0; i < n; i++) {
			bool w = false;
			unsigned int j;

			for (j = 0; j < r->n_writers; j++)
				w |= r->writers[j] == all[i];
			if (!w)
				r->workers[r->n_workers++] = all[i];
		}
		if (r->n_workers == 0)
			r->workers[r->n_workers++] = all[0];
	}
	if (r->n_workers == 0 || r->n_writers == 0) {
		snprintf(err, errlen, "--workers/--writers: need at least one of each");
		return -EINVAL;
	}
	return 0;
}
