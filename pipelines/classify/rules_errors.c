/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Error messages of a rules file: "FILE:LINE: rule NAME: reason", every one
 * of them (parse errors and patterns Hyperscan rejects), written out sorted
 * by line. The collector is the common one (sl_errs.h); this is its rules
 * flavour.
 */
#include <stdarg.h>

#include "classify_private.h"

void
cl_err(struct cl_errs *e, uint32_t line, const char *rule, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_errv(e, line, "rule", rule, fmt, ap);
	va_end(ap);
}
