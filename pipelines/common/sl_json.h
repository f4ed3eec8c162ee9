/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * How a stored message is written in JSON, shared by sluice-cat (its json
 * format), sluice-gen (the expect files tests compare with it) and
 * sluice-rules (every text field it prints): the bytes themselves when they
 * are valid UTF-8, base64 otherwise.
 */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** True when @p s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool sl_utf8_valid(const uint8_t *s, size_t n);

/** Bytes sl_json_msg() may write for a message of @p n bytes. */
#define SL_JSON_MSG_MAX(n) (6 * (size_t)(n) + 16)

/**
 * Encode a message as a JSON member: `"msg":"<escaped>"` when it is valid
 * UTF-8 (" and \ escaped, bytes below 0x20 as \u00XX), else
 * `"msg_b64":"<base64>"`.
 * @return bytes written to @p out (at most SL_JSON_MSG_MAX(n)).
 */
size_t sl_json_msg(uint8_t *out, const uint8_t *s, size_t n);

/** Bytes sl_json_member() may write for a name of @p nl bytes and a value of @p n. */
#define SL_JSON_MEMBER_MAX(nl, n) (6 * (size_t)(n) + (size_t)(nl) + 16)

/**
 * Encode bytes as a JSON member the way sl_json_msg() encodes a message:
 * `"NAME":"<escaped>"` when they are valid UTF-8, else `"NAME_b64":"<base64>"`.
 * sl_json_msg(out, s, n) is sl_json_member(out, "msg", s, n).
 * @param name  member name, written as is (plain ASCII, nothing to escape)
 * @return bytes written to @p out (at most SL_JSON_MEMBER_MAX(strlen(name), n)).
 */
size_t sl_json_member(uint8_t *out, const char *name, const uint8_t *s, size_t n);

/**
 * Write valid UTF-8 as a JSON string, quotes included: " and \ escaped,
 * bytes below 0x20 as \u00XX. The caller checks sl_utf8_valid() first
 * (other bytes are copied as they are, which is not valid JSON).
 * @return bytes written (at most 6 * n + 2).
 */
size_t sl_json_string(uint8_t *out, const uint8_t *s, size_t n);

/**
 * Write bytes as a base64 JSON string, quotes included.
 * @return bytes written (at most 4 * ((n + 2) / 3) + 2).
 */
size_t sl_json_base64(uint8_t *out, const uint8_t *s, size_t n);

#endif /* SL_JSON_H */
