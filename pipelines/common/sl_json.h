/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * How a stored message is written in JSON, shared by sluice-cat (its json
 * format) and sluice-gen (the expect files tests compare with it): the
 * bytes themselves when they are valid UTF-8, base64 otherwise.
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

#endif /* SL_JSON_H */
