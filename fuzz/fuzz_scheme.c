/* fuzz_scheme: bytes as a recalculation scheme (rules as data: dated
 * parameters, formula variables, benefits). Loading must never crash, leak
 * or hang, and a scheme that loads must evaluate deterministically on every
 * day its parameters change, for a few households, with amounts >= 0
 * (a negative result counts as 0) or a clean error. */
#include <civic/civic.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_support.h"
#include "scheme.h"

/* A few households: {adults, children, partner, rent, municipality, earned,
 * other, earned months, alive}. */
static const int64_t HOUSEHOLDS[][CIVIC_FACT_COUNT_] = {
    {1, 0, 0, 65000, 344, 0, 0, 0, 1},
    {2, 2, 1, 92000, 344, 150000, 20000, 3, 1},
    {1, 1, 0, 0, 363, 9223372036854775807LL, 0, 99, 0},
};
#define N_HOUSEHOLDS (sizeof HOUSEHOLDS / sizeof HOUSEHOLDS[0])

static void evaluate_day(const civic_scheme *s, int32_t day) {
  size_t n = civic_scheme_benefit_count(s);
  int64_t *a = calloc(n + 1, sizeof *a), *b = calloc(n + 1, sizeof *b);
  if (a == NULL || b == NULL)
    abort();
  for (size_t h = 0; h < N_HOUSEHOLDS; h++) {
    civic_diag d1 = {0}, d2 = {0};
    civic_status s1 = civic_scheme_eval(&d1, s, day, HOUSEHOLDS[h], a);
    civic_status s2 = civic_scheme_eval(&d2, s, day, HOUSEHOLDS[h], b);
    FZ_CHECK(s1 == s2, "scheme: evaluation not deterministic (%s vs %s)",
             civic_status_name(s1), civic_status_name(s2));
    if (s1 != CIVIC_OK) {
      FZ_CHECK(d1.msg[0] != '\0', "scheme: error %s without a message",
               civic_status_name(s1));
      continue;
    }
    FZ_CHECK(memcmp(a, b, n * sizeof *a) == 0,
             "scheme: evaluation not deterministic");
    for (size_t i = 0; i < n; i++)
      FZ_CHECK(a[i] >= 0, "scheme: benefit %s is negative (%lld)",
               civic_scheme_benefit_id(s, i), (long long)a[i]);
  }
  free(a);
  free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t err;
  json_t *obj;
  civic_diag d = {0};
  civic_scheme *s = NULL;
  civic_status st;
  if (size > 65536)
    return 0;
  obj = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
  if (!json_is_object(obj)) {
    json_decref(obj);
    return 0;
  }
  st = civic_scheme_load(&d, obj, "scheme", &s);
  if (st != CIVIC_OK) {
    FZ_CHECK(s == NULL, "scheme: refused (%s) but returned a scheme",
             civic_status_name(st));
    FZ_CHECK(d.msg[0] != '\0', "scheme: refused (%s) without a message",
             civic_status_name(st));
  } else {
    int32_t from = civic_scheme_valid_from(s);
    int32_t until = civic_scheme_valid_until(s);
    int32_t day = from;
    FZ_CHECK(from <= until, "scheme: loaded with an empty period");
    for (int k = 0; k < 24 && day <= until; k++) {
      evaluate_day(s, day);
      day = civic_scheme_next_change(s, day);
    }
    evaluate_day(s, until);
  }
  civic_scheme_free(s);
  json_decref(obj);
  return 0;
}
