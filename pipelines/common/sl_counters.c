/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "sl_counters.h"

void
sl_ctr_print(FILE *f, const struct sl_ctr_set *set, int all)
{
	unsigned int i;

	fprintf(f, "%s[%s]:", set->module, set->instance ? set->instance : "");
	for (i = 0; i < set->n; i++) {
		uint64_t v = set->val[i];

		if (v != 0 || all)
			fprintf(f, " %s=%" PRIu64, set->desc[i].name, v);
	}
	fputc('\n', f);
}

void
sl_ctr_accumulate(uint64_t *sum, const struct sl_ctr_set *set)
{
	unsigned int i;

	for (i = 0; i < set->n; i++)
		sum[i] += set->val[i];
}
