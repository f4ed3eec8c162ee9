/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Prometheus text format from the stats walk (management thread only).
 */
#ifndef SL_PROM_H
#define SL_PROM_H

#include <stdbool.h>
#include <stddef.h>

/** A growing text buffer; after a failed allocation it stays oom. */
struct sl_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

void sl_buf_printf(struct sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sl_buf_free(struct sl_buf *b);

struct prom_sink;
struct sl_stats_sink;

/** A collector; feed it sets through sl_prom_sink(), then render. */
struct prom_sink *sl_prom_new(void);
struct sl_stats_sink *sl_prom_sink(struct prom_sink *p);
/** Append every family, whole, to @p out. @return 0 or -ENOMEM. */
int sl_prom_render(struct prom_sink *p, struct sl_buf *out);
void sl_prom_free(struct prom_sink *p);

#endif /* SL_PROM_H */
