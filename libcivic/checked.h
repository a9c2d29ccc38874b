/* Internal: checked integer arithmetic for consensus-critical paths.
 *
 * Every money operation goes through these helpers so that an overflow is
 * reported instead of wrapping. Products of two int64 values are formed in
 * signed 128-bit integers, which hold them exactly (spec section 1).
 */
#ifndef CIVIC_CHECKED_H
#define CIVIC_CHECKED_H

#include <stdbool.h>
#include <stdint.h>

__extension__ typedef __int128 civic_i128;

/* true on success; false (and *out untouched) on overflow. */
static inline bool civic_add_i64(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    return false;
  *out = r;
  return true;
}

static inline bool civic_sub_i64(int64_t a, int64_t b, int64_t *out) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r))
    return false;
  *out = r;
  return true;
}

static inline bool civic_i128_fits_i64(civic_i128 v) {
  return v >= (civic_i128)INT64_MIN && v <= (civic_i128)INT64_MAX;
}

/* floor(a * b / d) for a, b >= 0 and d > 0. The result is at most a*b/d;
 * false when it does not fit int64. */
static inline bool civic_muldiv_floor(int64_t a, int64_t b, int64_t d,
                                      int64_t *out) {
  civic_i128 q = ((civic_i128)a * (civic_i128)b) / (civic_i128)d;
  if (!civic_i128_fits_i64(q))
    return false;
  *out = (int64_t)q;
  return true;
}

/* half_up(a * b / d) = floor((2ab + d) / 2d) for a, b >= 0 and d > 0.
 * 2ab + d stays below 2^127 because a, b < 2^63 and d < 2^63. */
static inline bool civic_muldiv_half_up(int64_t a, int64_t b, int64_t d,
                                        int64_t *out) {
  civic_i128 num = 2 * ((civic_i128)a * (civic_i128)b) + (civic_i128)d;
  civic_i128 q = num / (2 * (civic_i128)d);
  if (!civic_i128_fits_i64(q))
    return false;
  *out = (int64_t)q;
  return true;
}

#endif
