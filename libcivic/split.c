/* Pro-rata split with largest remainder (spec section 2) and the "split"
 * evaluation kind. See split.h for the contract. */
#include "split.h"

#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "eval.h"

/* Arrays this short are sorted by insertion: fewer branches than merging
 * and no scratch traffic, which matters for 4-6 obligations per plan. */
#define SMALL_SORT 16

static void insertion_sort(uint32_t *idx, size_t n, civic_index_cmp cmp,
                           const void *ctx) {
  size_t i, j;
  for (i = 1; i < n; i++) {
    uint32_t v = idx[i];
    for (j = i; j > 0 && cmp(v, idx[j - 1], ctx) < 0; j--)
      idx[j] = idx[j - 1];
    idx[j] = v;
  }
}

/* Bottom-up merge sort: stable, O(n log n), scratch of n entries. */
static void merge_sort(uint32_t *idx, uint32_t *tmp, size_t n,
                       civic_index_cmp cmp, const void *ctx) {
  size_t width, lo;
  uint32_t *src = idx, *dst = tmp;
  for (lo = 0; lo < n; lo += SMALL_SORT)
    insertion_sort(idx + lo, n - lo < SMALL_SORT ? n - lo : SMALL_SORT, cmp,
                   ctx);
  for (width = SMALL_SORT; width < n; width *= 2) {
    for (lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t a = lo, b = mid, k = lo;
      while (a < mid && b < hi)
        dst[k++] = cmp(src[b], src[a], ctx) < 0 ? src[b++] : src[a++];
      while (a < mid)
        dst[k++] = src[a++];
      while (b < hi)
        dst[k++] = src[b++];
    }
    uint32_t *swap = src;
    src = dst;
    dst = swap;
  }
  if (src != idx)
    memcpy(idx, src, n * sizeof *idx);
}

void civic_sort_indices(uint32_t *idx, uint32_t *tmp, size_t n,
                        civic_index_cmp cmp, const void *ctx) {
  if (n <= SMALL_SORT)
    insertion_sort(idx, n, cmp, ctx);
  else
    merge_sort(idx, tmp, n, cmp, ctx);
}

/* Larger remainder first, then smaller position (= smaller id). */
static int by_remainder(uint32_t a, uint32_t b, const void *ctx) {
  const int64_t *rem = ctx;
  if (rem[a] != rem[b])
    return rem[a] > rem[b] ? -1 : 1;
  return a < b ? -1 : (a > b);
}

void civic_split_ranked(int64_t total, int64_t sum, const int64_t *claims,
                        size_t n, int64_t *shares, int64_t *rem,
                        uint32_t *order, uint32_t *tmp) {
  int64_t given = 0, left;
  size_t i;

  if (total == 0 || sum == 0) {
    memset(shares, 0, n * sizeof *shares);
    return;
  }
  if (total == sum) { /* everyone is paid in full: no division needed */
    memcpy(shares, claims, n * sizeof *shares);
    return;
  }
  for (i = 0; i < n; i++) {
    /* total <= sum < 2^63 and claims[i] < 2^63: the product fits 2^126. */
    civic_i128 q = (civic_i128)total * (civic_i128)claims[i];
    shares[i] = (int64_t)(q / sum);
    rem[i] = (int64_t)(q % sum);
    given += shares[i]; /* <= total: cannot overflow */
  }
  left = total - given; /* 0 <= left < n */
  if (left == 0)
    return;
  if (n <= SMALL_SORT) {
    /* Pick the largest remainder `left` times; scanning upwards with a
     * strict > keeps the smallest position among equal remainders. A
     * picked claim is marked -1 (real remainders are >= 0). At least
     * `left` remainders are positive because they sum to left * sum. */
    for (; left > 0; left--) {
      size_t best = 0;
      for (i = 1; i < n; i++)
        if (rem[i] > rem[best])
          best = i;
      shares[best]++;
      rem[best] = -1;
    }
    return;
  }
  for (i = 0; i < n; i++)
    order[i] = (uint32_t)i;
  civic_sort_indices(order, tmp, n, by_remainder, rem);
  for (i = 0; i < (size_t)left; i++)
    shares[order[i]]++;
}

static int by_id(uint32_t a, uint32_t b, const void *ctx) {
  const char *const *ids = ctx;
  int c = strcmp(ids[a], ids[b]); /* strcmp compares bytes as unsigned */
  if (c != 0)
    return c;
  return a < b ? -1 : (a > b);
}

/* Validate claims and total; on success *sum_out holds D. */
static civic_status check_split_input(civic_diag *d, const char *where,
                                      int64_t total, const int64_t *claims,
                                      size_t n, int64_t *sum_out) {
  int64_t sum = 0;
  size_t i;
  for (i = 0; i < n; i++)
    if (claims[i] < 0)
      return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                            "%s[%zu].amount: must be >= 0, got %lld", where, i,
                            (long long)claims[i]);
  for (i = 0; i < n; i++)
    if (!civic_add_i64(sum, claims[i], &sum))
      return civic_diag_set(d, CIVIC_E_OVERFLOW,
                            "%s: the sum of the claims exceeds int64", where);
  if (total < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "total: must be >= 0, got %lld", (long long)total);
  if (total > sum)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "total: %lld is more than the sum of the claims "
                          "(%lld)",
                          (long long)total, (long long)sum);
  *sum_out = sum;
  return CIVIC_OK;
}

civic_status civic_split(civic_diag *d, const char *where, int64_t total,
                         const int64_t *claims, const char *const *ids,
                         size_t n, int64_t *shares) {
  int64_t sum = 0, *ranked_claims, *ranked_shares, *rem;
  uint32_t *by_id_order, *order, *tmp;
  civic_status st;
  size_t i;
  void *block;

  st = check_split_input(d, where, total, claims, n, &sum);
  if (st != CIVIC_OK)
    return st;
  if (n == 0)
    return CIVIC_OK;
  if (n > UINT32_MAX / 2)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "%s: too many claims",
                          where);
  block = malloc(n * (3 * sizeof(int64_t) + 3 * sizeof(uint32_t)));
  if (block == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory splitting");
  ranked_claims = block;
  ranked_shares = ranked_claims + n;
  rem = ranked_shares + n;
  by_id_order = (uint32_t *)(rem + n);
  order = by_id_order + n;
  tmp = order + n;

  /* Rank the claims by id: the position in id order is the tie-break, so
   * the result cannot depend on the order the claims were given in. */
  for (i = 0; i < n; i++)
    by_id_order[i] = (uint32_t)i;
  civic_sort_indices(by_id_order, tmp, n, by_id, ids);
  for (i = 1; i < n; i++)
    if (strcmp(ids[by_id_order[i - 1]], ids[by_id_order[i]]) == 0) {
      size_t later = by_id_order[i];
      free(block);
      return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                            "%s[%zu].id: duplicate id '%.64s'", where, later,
                            ids[later]);
    }
  for (i = 0; i < n; i++)
    ranked_claims[i] = claims[by_id_order[i]];
  civic_split_ranked(total, sum, ranked_claims, n, ranked_shares, rem, order,
                     tmp);
  for (i = 0; i < n; i++)
    shares[by_id_order[i]] = ranked_shares[i];
  free(block);
  return CIVIC_OK;
}

/* ---- the "split" evaluation kind ---- */

static civic_status read_claims(civic_diag *d, const json_t *list,
                                int64_t *claims, const char **ids) {
  char where[64];
  size_t i;
  civic_status st;
  for (i = 0; i < json_array_size(list); i++) {
    const json_t *c = json_array_get(list, i);
    st = civic_json_element_object(d, list, "claims", i);
    if (st != CIVIC_OK)
      return st;
    civic_json_index_path(where, sizeof where, "claims", i);
    st = civic_json_string(d, c, where, "id", false, &ids[i]);
    if (st == CIVIC_OK)
      st = civic_json_amount(d, c, where, "amount", &claims[i]);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status write_shares(civic_diag *d, const char **ids,
                                 const int64_t *shares, size_t n,
                                 json_t **out) {
  json_t *root = json_object(), *list = json_array();
  civic_status st = CIVIC_OK;
  size_t i;
  if (root == NULL || list == NULL) {
    json_decref(root);
    json_decref(list);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  }
  st = civic_json_set_new(d, root, "shares", list);
  for (i = 0; st == CIVIC_OK && i < n; i++) {
    json_t *item = json_object();
    st = civic_json_append_new(d, list, item);
    if (st == CIVIC_OK)
      st = civic_json_set_str(d, item, "id", ids[i]);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, item, "share", shares[i]);
  }
  if (st != CIVIC_OK) {
    json_decref(root);
    return st;
  }
  *out = root;
  return CIVIC_OK;
}

civic_status civic_split_eval_json(civic_diag *d, const json_t *in,
                                   json_t **out) {
  json_t *list;
  int64_t total = 0, *claims = NULL, *shares = NULL;
  const char **ids = NULL;
  size_t n;
  civic_status st;

  *out = NULL;
  st = civic_json_amount(d, in, "", "total", &total);
  if (st == CIVIC_OK)
    st = civic_json_array(d, in, "", "claims", &list);
  if (st != CIVIC_OK)
    return st;
  n = json_array_size(list);
  claims = calloc(n + 1, sizeof *claims);
  shares = calloc(n + 1, sizeof *shares);
  ids = calloc(n + 1, sizeof *ids);
  if (claims == NULL || shares == NULL || ids == NULL)
    st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory reading claims");
  if (st == CIVIC_OK)
    st = read_claims(d, list, claims, ids);
  if (st == CIVIC_OK)
    st = civic_split(d, "claims", total, claims, (const char *const *)ids, n,
                     shares);
  if (st == CIVIC_OK)
    st = write_shares(d, ids, shares, n, out);
  free(claims);
  free(shares);
  free(ids);
  return st;
}
