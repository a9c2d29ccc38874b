/* fuzz_waterfall_invariants: structured random plans (always well-formed:
 * unique ids, amounts >= 0, priorities 0..3) built from the fuzzer's bytes
 * like FuzzedDataProvider would. Each plan must either be accepted and
 * match the spec (conservation, every obligation accounted for, pro-rata
 * shares within their quota, order independence), or be refused as
 * `overflow` exactly when the spec's reference says a named quantity leaves
 * int64. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_support.h"

static const char *const CATEGORIES[] = {"rent", "energy", "health_insurance",
                                         "water", "debt"};
#define N_CATEGORIES (sizeof CATEGORIES / sizeof CATEGORIES[0])
static const char *const OBLIGATION_IDS[] = {"m", "b", "\xc3\xa9",
                                             "a", "z", "ab"};

static json_t *make_plan(fz_bytes *b) {
  json_t *plan = json_object(), *incomes = json_array(),
         *obligations = json_array(), *policy = json_object();
  size_t n_inc = (size_t)fz_range(b, 0, 4), n_obl = (size_t)fz_range(b, 0, 6);
  /* priorities 0..3, but mostly 0..1 so that levels hold several claims */
  char id[32];
  json_object_set_new(plan, "opening_balance", json_integer(fz_amount(b)));
  for (size_t i = 0; i < n_inc; i++) {
    json_t *inc = json_object();
    unsigned earmark = (unsigned)fz_range(b, 0, N_CATEGORIES + 1);
    snprintf(id, sizeof id, "i%zu", i);
    json_object_set_new(inc, "id", json_string(id));
    json_object_set_new(inc, "amount", json_integer(fz_amount(b)));
    /* 0..4 a category, 5 a category nobody owes, 6 no earmark. */
    if (earmark < N_CATEGORIES)
      json_object_set_new(inc, "earmark", json_string(CATEGORIES[earmark]));
    else if (earmark == N_CATEGORIES)
      json_object_set_new(inc, "earmark", json_string("childcare"));
    json_array_append_new(incomes, inc);
  }
  for (size_t i = 0; i < n_obl; i++) {
    json_t *ob = json_object();
    /* Ids whose byte order differs from input order (and from ASCII order
     * for the UTF-8 one), so the id tie-break is really exercised. */
    json_object_set_new(ob, "id", json_string(OBLIGATION_IDS[i]));
    json_object_set_new(
        ob, "category",
        json_string(CATEGORIES[fz_range(b, 0, N_CATEGORIES - 1)]));
    json_object_set_new(ob, "priority",
                        json_integer((json_int_t)(fz_range(b, 0, 7) / 3)));
    json_object_set_new(ob, "amount", json_integer(fz_amount(b)));
    json_object_set_new(ob, "guaranteed", json_boolean(fz_bool(b)));
    json_array_append_new(obligations, ob);
  }
  json_object_set_new(plan, "incomes", incomes);
  json_object_set_new(plan, "obligations", obligations);
  json_object_set_new(plan, "receivable_outstanding",
                      json_integer(fz_amount(b)));
  json_object_set_new(policy, "living_floor", json_integer(fz_amount(b)));
  json_object_set_new(policy, "floor_guaranteed", json_boolean(fz_bool(b)));
  json_object_set_new(policy, "recovery_cap", json_integer(fz_amount(b)));
  json_object_set_new(plan, "policy", policy);
  return plan;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_bytes b = {data, size};
  json_t *plan = make_plan(&b), *out = NULL;
  int status = 0;
  bool ok = fz_evaluate_tree("waterfall", plan, &out, &status);
  bool overflows = fz_reference_overflows("waterfall", plan);
  if (!ok) {
    char *text = json_dumps(plan, JSON_COMPACT | JSON_PRESERVE_ORDER);
    FZ_CHECK(status == CIVIC_E_OVERFLOW && overflows,
             "waterfall: well-formed plan refused with %s (reference "
             "overflow: %d): %s",
             civic_status_name((civic_status)status), overflows, text);
    free(text);
  }
  json_decref(out);
  /* Full spec check of the answer plus order independence. */
  fz_check_kind("waterfall", plan);
  json_decref(plan);
  return 0;
}
