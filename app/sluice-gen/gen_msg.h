/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Log messages: RFC 3164, RFC 5424 and raw lines with realistic, varied
 * content (or lines of a corpus file), sized to a distribution.
 */
#ifndef GEN_MSG_H
#define GEN_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "gen_buf.h"
#include "gen_rand.h"

/** Who sends a flow's messages: its name and clock. */
struct gen_host {
	char name[40];
	int64_t skew_ns;       /**< the host clock minus the capture clock */
	int16_t tz_min;        /**< local time offset from UTC, minutes */
	uint8_t frac;          /**< RFC 5424 fraction digits: 0, 3 or 6 */
	uint8_t utc_z;         /**< RFC 5424 writes "Z" rather than +00:00 */
	uint32_t boot_s;       /**< uptime at capture start (kernel stamps) */
};

/** Message size distributions (--sizes). */
enum gen_size_kind {
	GEN_SIZE_REAL,     /**< log-normal body around an average, plus a tail */
	GEN_SIZE_FIXED,    /**< every message exactly a..a */
	GEN_SIZE_UNIFORM,  /**< uniform in [a, b] */
	GEN_SIZE_NATURAL,  /**< as the content comes out, no resizing */
};

/** Message generation parameters. */
struct gen_msg_params {
	double mix[3];           /**< weights: RFC 3164, RFC 5424, raw */
	enum gen_size_kind size_kind;
	uint32_t size_a;         /**< average, fixed size or minimum */
	uint32_t size_b;         /**< maximum (uniform) */
	double frag_pct;         /**< share of 2-60 KiB messages */
	const char *corpus;      /**< file of lines, or NULL */
};

/** The message generator (one per run). */
struct gen_msgs;

/**
 * Make a generator; loads the corpus if any.
 * @return the generator, or NULL with a reason in @p err.
 */
struct gen_msgs *gen_msgs_create(const struct gen_msg_params *p, uint64_t seed,
				 char *err, size_t errlen);

/** Free a generator (NULL is fine). */
void gen_msgs_free(struct gen_msgs *g);

/** Give a flow's host a name and a clock. */
void gen_host_make(struct gen_msgs *g, struct gen_host *h, uint32_t idx);

/**
 * Write one message sent by @p h at capture time @p ts_ns into @p out
 * (@p cap bytes, at least GEN_MAX_MSG). Messages that are not "large"
 * stay within @p max_single bytes so they fit one packet.
 * @return the message length (>= 1); it holds no CR, LF or NUL.
 */
uint32_t gen_msg_make(struct gen_msgs *g, const struct gen_host *h,
		      uint64_t ts_ns, uint32_t max_single, uint8_t *out, uint32_t cap);

/** Largest message gen_msg_make() writes. */
#define GEN_MAX_MSG 65500u

/** Lines read from the corpus (0 without one). */
uint64_t gen_msgs_corpus_lines(const struct gen_msgs *g);

/* ---- content (gen_content.c) ---- */

/** One kind of log source: its tag, facility and body writer. */
struct gen_content {
	const char *name;
	uint8_t facility;
	uint8_t pid;           /**< tag carries [pid] in RFC 3164 */
	uint8_t java_fill;     /**< grows with stack frames, not key=value */
	uint32_t weight;
	/** Write a body; return the severity (0-7). @p tag may be changed. */
	int (*body)(struct gen_rand *r, struct gen_buf *b, const struct gen_host *h,
		    uint64_t host_ns, const char **tag);
	const char *tag;
};

/** The content table and its size. */
extern const struct gen_content gen_contents[];
extern const unsigned int gen_ncontents;

/** Append filler that looks like more of the same message. */
void gen_fill(struct gen_rand *r, struct gen_buf *b, bool java);

/** Append a broken-down UTC time; helpers shared with the header code. */
struct gen_tm {
	int year, mon, day, hour, min, sec;
	uint32_t nsec;
	int wday;
};

/** Split ns since the epoch (UTC) into calendar fields. */
void gen_tm_from_ns(struct gen_tm *tm, int64_t ns);

/** Three-letter month names. */
extern const char *const gen_months[12];

/** Append "YYYY<sep>MM<sep>DD". */
static inline void
gen_put_ymd(struct gen_buf *b, const struct gen_tm *tm, char sep)
{
	gb_u(b, tm->year);
	gb_ch(b, sep);
	gb_uw(b, tm->mon, 2, '0');
	gb_ch(b, sep);
	gb_uw(b, tm->day, 2, '0');
}

/** Append "HH:MM:SS". */
static inline void
gen_put_hms(struct gen_buf *b, const struct gen_tm *tm)
{
	gb_uw(b, tm->hour, 2, '0');
	gb_ch(b, ':');
	gb_uw(b, tm->min, 2, '0');
	gb_ch(b, ':');
	gb_uw(b, tm->sec, 2, '0');
}

/** Append '.' and the first @p digits (3: ms, 6: us) of the second's fraction. */
static inline void
gen_put_frac(struct gen_buf *b, const struct gen_tm *tm, int digits)
{
	uint32_t div = 1000000000;
	int i;

	for (i = 0; i < digits; i++)
		div /= 10;
	gb_ch(b, '.');
	gb_uw(b, tm->nsec / div, digits, '0');
}

#endif /* GEN_MSG_H */
