/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Errors of a configuration file (rules, tenants): every one of them is
 * collected with its line, then written out sorted by line, one per line:
 *
 *   FILE: reason                  (line 0: the file as a whole)
 *   FILE:LINE: reason             (no name)
 *   FILE:LINE: WHAT NAME: reason  (e.g. "rule ssh", "tenant acme")
 *
 * No DPDK: the file parsers that use it are fuzzed alone.
 */
#ifndef SL_ERRS_H
#define SL_ERRS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/** Errors kept; later ones are only counted ("... and N more errors"). */
#define SL_ERRS_MAX 10000u

/** One error message, with its line for sorting. */
struct sl_err_msg {
	uint32_t line;
	uint32_t seq;   /**< order of arrival: the sort is stable */
	char *text;
};

/** Errors of one file. Zero it and set @p file: { .file = path }. */
struct sl_errs {
	const char *file;          /**< names the file in every message */
	struct sl_err_msg *v;
	uint32_t n, cap;
	uint32_t dropped;          /**< not stored (beyond SL_ERRS_MAX, or no memory) */
};

/**
 * Add an error. Control characters in the text (echoed file content)
 * become '?'.
 * @param e     the collector
 * @param line  line in the file; 0: the file as a whole
 * @param what  kind of the named thing ("rule", "tenant"), with @p name
 * @param name  its name, or NULL: no "WHAT NAME: " part
 * @param fmt   printf format of the reason
 */
void sl_err(struct sl_errs *e, uint32_t line, const char *what, const char *name,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/** As sl_err(), with a va_list. */
void sl_errv(struct sl_errs *e, uint32_t line, const char *what, const char *name,
	     const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/** Errors so far (stored or not). */
static inline uint32_t
sl_errs_count(const struct sl_errs *e)
{
	return e->n + e->dropped;
}

/**
 * Write the errors sorted by line (stable), each followed by a newline,
 * into @p buf: always terminated when @p len > 0, cut if too small. Lines
 * that were dropped are counted in a last line "FILE: ... and N more errors".
 */
void sl_errs_write(struct sl_errs *e, char *buf, size_t len);

/** Free the messages; @p e can be used again (same file). */
void sl_errs_free(struct sl_errs *e);

#endif /* SL_ERRS_H */
