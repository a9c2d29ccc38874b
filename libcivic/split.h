/* Internal: pro-rata split with largest remainder (spec section 2).
 *
 * Every module that divides an amount over claims uses these, so the whole
 * library agrees on who gets the odd cents. Products P * a_i are formed in
 * 128 bits (each factor < 2^63), so no claim size can overflow them.
 */
#ifndef CIVIC_SPLIT_H
#define CIVIC_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* Split `total` over claims[0..n) whose position is their tie-break rank:
 * among equal remainders the smaller index wins the extra unit. The caller
 * guarantees 0 <= total <= D = sum(claims) (D computed and checked by the
 * caller and passed in), every claim >= 0, and D > 0 unless total == 0.
 *   shares: n outputs.
 *   rem:    n int64 of scratch.
 *   order, tmp: n uint32 of scratch each (sorting when several ties).
 * Never fails and never allocates. */
void civic_split_ranked(int64_t total, int64_t sum, const int64_t *claims,
                        size_t n, int64_t *shares, int64_t *rem,
                        uint32_t *order, uint32_t *tmp);

/* The full section 2 split with byte-wise UTF-8 id tie-breaks, independent
 * of input order. Checks everything and reports through `d` with `where`
 * naming the list ("claims"):
 *   claims[i] < 0            -> CIVIC_E_NEGATIVE_AMOUNT
 *   two equal ids            -> CIVIC_E_DUPLICATE_ID
 *   sum(claims) > INT64_MAX  -> CIVIC_E_OVERFLOW
 *   total < 0                -> CIVIC_E_NEGATIVE_AMOUNT
 *   total > sum, or sum == 0 with total > 0 -> CIVIC_E_OUT_OF_RANGE
 * (sum == 0 with total == 0 is allowed: every share is 0). Allocates its
 * scratch; on failure shares are untouched. */
civic_status civic_split(civic_diag *d, const char *where, int64_t total,
                         const int64_t *claims, const char *const *ids,
                         size_t n, int64_t *shares);

/* Stable sort of index array idx[0..n) by cmp(a, b, ctx) (< 0: a first),
 * using tmp[0..n) as scratch. Insertion sort for short arrays, merge sort
 * otherwise: O(n log n), no allocation. */
typedef int (*civic_index_cmp)(uint32_t a, uint32_t b, const void *ctx);
void civic_sort_indices(uint32_t *idx, uint32_t *tmp, size_t n,
                        civic_index_cmp cmp, const void *ctx);

#endif
