/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Parse stage: one syslog message (RFC 5424, RFC 3164 as sent in the wild,
 * or a raw line) into offsets and lengths. A pure function over bytes: no
 * handle, no allocation, no copy, no locale, never a read past @p len.
 *
 * The header is sl_parse_msg.h, not sl_parse.h: pipelines/common already
 * has an sl_parse.h (command-line value parsers), and two headers of one
 * name on the include path would pick one silently.
 *
 * A message that fails strict parsing keeps every field that could be
 * parsed and carries SL_PARSE_F_ERR (plus a flag saying why where one
 * exists); the caller stores it flagged parse-error (SL_REC_F_PARSE_ERR).
 */
#ifndef SL_PARSE_MSG_H
#define SL_PARSE_MSG_H

#include <stdbool.h>
#include <stdint.h>

/** Message kinds, the return value of sl_parse_msg(). */
#define SL_PARSE_RAW  0 /**< not syslog: msg is the whole line */
#define SL_PARSE_5424 1 /**< RFC 5424 (VERSION after PRI) */
#define SL_PARSE_3164 2 /**< BSD syslog, RFC 3164 and its dialects */

/* Flags (struct sl_parsed::flags). */
#define SL_PARSE_F_ERR       0x0001 /**< strict parse failed; fields are partial */
#define SL_PARSE_F_BOM       0x0002 /**< 5424 MSG began with a UTF-8 BOM (not in msg) */
#define SL_PARSE_F_NO_PRI    0x0004 /**< no <PRI> at the start */
#define SL_PARSE_F_BAD_PRI   0x0008 /**< <PRI> present but > 191 or malformed digits */
#define SL_PARSE_F_BAD_TS    0x0010 /**< timestamp present but invalid */
#define SL_PARSE_F_LONG      0x0020 /**< a header field exceeds its RFC length limit */
#define SL_PARSE_F_TRUNC     0x0040 /**< header ends before all its fields */
#define SL_PARSE_F_BAD_SD    0x0080 /**< malformed or unterminated STRUCTURED-DATA */
#define SL_PARSE_F_BAD_UTF8  0x0100 /**< BOM-marked MSG is not valid UTF-8 */
#define SL_PARSE_F_NO_TS     0x0200 /**< 3164 with PRI but no timestamp (not an error) */
#define SL_PARSE_F_CISCO     0x0400 /**< 3164 with a Cisco sequence/host prefix */
#define SL_PARSE_F_LEAP      0x0800 /**< second 60 accepted (counted as :59 + 1 s) */

/* RFC 5424 section 6 field length limits. */
#define SL_PARSE_HOST_MAX   255
#define SL_PARSE_APP_MAX    48
#define SL_PARSE_PROCID_MAX 128
#define SL_PARSE_MSGID_MAX  32
#define SL_PARSE_SDNAME_MAX 32

/** A field: offset and length into the message; len 0 = absent or NILVALUE. */
struct sl_span {
	uint32_t off;
	uint32_t len;
};

/** Result of sl_parse_msg(): offsets into the caller's message, no copies. */
struct sl_parsed {
	uint8_t kind;      /**< SL_PARSE_5424, SL_PARSE_3164 or SL_PARSE_RAW */
	uint8_t severity;  /**< 0-7, or SL_SEV_NONE (0xff) */
	uint8_t facility;  /**< 0-23, or SL_FAC_NONE (0xff) */
	uint8_t version;   /**< 5424 VERSION (1), 0 for 3164 and raw */
	uint16_t flags;    /**< SL_PARSE_F_* */
	int64_t ts_ns;     /**< ns since the epoch, UTC; INT64_MIN if none */
	struct sl_span host, app, procid, msgid;
	struct sl_span sd; /**< whole STRUCTURED-DATA ("[...][...]"), valid elements only */
	struct sl_span msg; /**< MSG (after a BOM, if any) */
};

/**
 * Parse one message.
 *
 * RFC 3164 timestamps carry neither year nor zone: the time is taken as UTC
 * in @p year_hint (e.g. the receive year). Timestamps outside 1678-2261
 * cannot be held in int64 nanoseconds and give ts_ns INT64_MIN.
 *
 * @param p          message bytes (framing removed); need not be terminated
 * @param len        bytes at @p p; nothing past p[len - 1] is read
 * @param year_hint  year for timestamps without one; <= 0: such timestamps
 *                   are parsed but ts_ns stays INT64_MIN
 * @param out        filled in full whatever the input
 * @return out->kind (SL_PARSE_RAW, SL_PARSE_5424 or SL_PARSE_3164).
 */
int sl_parse_msg(const uint8_t *p, uint32_t len, int32_t year_hint,
		 struct sl_parsed *out);

/** Iterator over STRUCTURED-DATA elements and their params. */
struct sl_sd_iter {
	uint32_t pos;     /**< next element */
	uint32_t end;     /**< end of the SD span */
	uint32_t ppos;    /**< next param in the current element */
	uint32_t pend;    /**< end of the current element (its ']') */
};

/**
 * Start iterating over the SD elements of a parsed message.
 * @param m   result of sl_parse_msg()
 * @param it  iterator to initialise
 */
void sl_parse_sd_begin(const struct sl_parsed *m, struct sl_sd_iter *it);

/**
 * Next SD element.
 * @param p   the message given to sl_parse_msg()
 * @param it  iterator from sl_parse_sd_begin()
 * @param id  set to the SD-ID
 * @return true with @p id set, false when there are no more elements.
 */
bool sl_parse_sd_next(const uint8_t *p, struct sl_sd_iter *it, struct sl_span *id);

/**
 * Next param of the element last returned by sl_parse_sd_next().
 * @param p      the message
 * @param it     iterator
 * @param name   set to the PARAM-NAME
 * @param value  set to the PARAM-VALUE between the quotes, still escaped
 *               (see sl_parse_unescape())
 * @return true with both set, false when the element has no more params.
 */
bool sl_parse_sd_param(const uint8_t *p, struct sl_sd_iter *it,
		       struct sl_span *name, struct sl_span *value);

/**
 * Copy a PARAM-VALUE into @p buf resolving the escapes \" \\ \] (a backslash
 * before any other character is kept, as RFC 5424 section 6.3.3 says).
 * Not terminated.
 * @param p      the message
 * @param value  a value span from sl_parse_sd_param()
 * @param buf    destination
 * @param cap    bytes at @p buf
 * @return bytes written, or -ENOSPC if @p cap is too small (buf then holds
 *         the first @p cap bytes).
 */
int sl_parse_unescape(const uint8_t *p, struct sl_span value, char *buf, uint32_t cap);

#endif /* SL_PARSE_MSG_H */
