/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * sluice-rules output: one JSON object or one text line per message, from
 * what sl_parse_msg() and sl_classify_explain() said about it. The layout
 * is described in app/sluice-rules/README.md.
 */
#ifndef SR_RENDER_H
#define SR_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_classify.h"
#include "sl_parse_msg.h"

/** Longest message: longer input lines are cut here and marked truncated. */
#define SR_LINE_MAX 65536u

/** Everything known about one input line. */
struct sr_result {
	uint64_t line;                 /**< 1-based input line number */
	const uint8_t *p;              /**< message bytes (LF, CR removed) */
	uint32_t len;                  /**< <= SR_LINE_MAX */
	bool truncated;                /**< the line was longer than SR_LINE_MAX */
	bool scan_error;               /**< classify returned -EIO */
	const struct sl_parsed *parsed;
	const struct sl_verdict *v;
	const uint32_t *matches;       /**< rule indexes, ascending */
	uint32_t n_matches;
};

struct sr_render; /**< buffers for one output stream */

/** Output formats. */
enum sr_format { SR_FMT_JSON, SR_FMT_TEXT };

/**
 * @param f    where lines go
 * @param c    the compiled rules (for rule, stream and tag names)
 * @return handle, or NULL (out of memory).
 */
struct sr_render *sr_render_create(FILE *f, const struct sl_classify *c,
				   enum sr_format fmt);
/** NULL is a no-op. */
void sr_render_free(struct sr_render *r);

/** Write one result as one line. */
void sr_render(struct sr_render *r, const struct sr_result *res);

/**
 * Name of what happened to a message: keep, drop, route, sample-keep or
 * sample-drop (docs in README.md).
 */
const char *sr_action_name(const struct sl_classify *c, const struct sl_verdict *v,
			   bool scan_error);

#endif /* SR_RENDER_H */
