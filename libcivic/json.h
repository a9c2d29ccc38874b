/* Internal: exact JSON reading and writing on top of jansson.
 *
 * Why jansson and not cJSON: cJSON stores every number as a double, which is
 * exact only up to 2^53, while spec section 1 requires the whole int64 range.
 * jansson keeps integers as `long long` and reports values outside that range
 * as a numeric-overflow error, and it keeps fractions and exponents apart as
 * reals, which we refuse. Objects keep insertion order, so output is stable.
 *
 * Every getter takes `where` (the path of the enclosing object, such as
 * "obligations[2]", or "" at the top) so error messages name the field.
 */
#ifndef CIVIC_JSON_H
#define CIVIC_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

/* Parse one JSON object. Duplicate keys, NUL characters in strings, integers
 * outside int64 and trailing garbage are refused. */
civic_status civic_json_parse(civic_diag *d, const char *text, size_t len,
                              json_t **out);

/* Serialise compactly with keys in insertion order; NULL on out of memory. */
char *civic_json_dump(const json_t *value);

/* Build "where.key" or "key" into buf (for nested paths). */
const char *civic_json_path(char *buf, size_t cap, const char *where,
                            const char *key);
/* Build "where[index]" into buf. */
const char *civic_json_index_path(char *buf, size_t cap, const char *where,
                                  size_t index);

/* true when the key is present and not null. */
bool civic_json_has(const json_t *obj, const char *key);

/* Required integer within [min, max]. Fractions and exponents give
 * CIVIC_E_NOT_INTEGER; other types CIVIC_E_WRONG_TYPE; a value below a min
 * of 0 gives CIVIC_E_NEGATIVE_AMOUNT, any other miss CIVIC_E_OUT_OF_RANGE. */
civic_status civic_json_int(civic_diag *d, const json_t *obj, const char *where,
                            const char *key, int64_t min, int64_t max,
                            int64_t *out);

/* Required amount: an integer >= 0. */
civic_status civic_json_amount(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               int64_t *out);

/* Required boolean. */
civic_status civic_json_bool(civic_diag *d, const json_t *obj,
                             const char *where, const char *key, bool *out);

/* Required string (UTF-8, no NUL); the pointer lives as long as obj. If
 * nonempty is true an empty string is refused with CIVIC_E_EMPTY. */
civic_status civic_json_string(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               bool nonempty, const char **out);

/* Required array / object. */
civic_status civic_json_array(civic_diag *d, const json_t *obj,
                              const char *where, const char *key, json_t **out);
civic_status civic_json_object(civic_diag *d, const json_t *obj,
                               const char *where, const char *key,
                               json_t **out);

/* An array element that must itself be an object. */
civic_status civic_json_element_object(civic_diag *d, const json_t *array,
                                       const char *where, size_t index);

/* Append/set helpers that report CIVIC_E_NOMEM. */
civic_status civic_json_set_int(civic_diag *d, json_t *obj, const char *key,
                                int64_t value);
civic_status civic_json_set_str(civic_diag *d, json_t *obj, const char *key,
                                const char *value);
civic_status civic_json_set_new(civic_diag *d, json_t *obj, const char *key,
                                json_t *value); /* steals value */
civic_status civic_json_append_new(civic_diag *d, json_t *array,
                                   json_t *value); /* steals value */

#endif
