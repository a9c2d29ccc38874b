/* civic_evaluate: parse, dispatch by kind, serialise. */
#include <string.h>

#include "civic/evaluate.h"
#include "eval.h"

typedef struct kind_entry {
  const char *name;
  civic_eval_fn fn;
} kind_entry;

static const kind_entry KINDS[] = {
    {"waterfall", civic_waterfall_eval_json},
    {"prorate", civic_prorate_eval_json},
    {"redeem", civic_redeem_eval_json},
    {"tally", civic_tally_eval_json},
    {"split", civic_split_eval_json},
    {"recalc", civic_recalc_eval_json},
};

static civic_eval_fn find_kind(const char *kind) {
  size_t i;
  for (i = 0; i < sizeof KINDS / sizeof KINDS[0]; i++)
    if (strcmp(KINDS[i].name, kind) == 0)
      return KINDS[i].fn;
  return NULL;
}

civic_status civic_evaluate(civic_ctx *ctx, const char *kind, const char *input,
                            char **output) {
  civic_diag *d;
  civic_eval_fn fn;
  json_t *in = NULL, *out = NULL;
  civic_status st;

  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  d = &ctx->diag;
  civic_diag_clear(d);
  if (output == NULL || kind == NULL || input == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT,
                          "kind, input and output must not be NULL");
  *output = NULL;
  fn = find_kind(kind);
  if (fn == NULL)
    return civic_diag_set(d, CIVIC_E_UNKNOWN_KIND,
                          "kind: '%.64s' is not one of waterfall, prorate, "
                          "redeem, tally, split, recalc",
                          kind);
  st = civic_json_parse(d, input, strlen(input), &in);
  if (st != CIVIC_OK)
    return st;
  st = fn(d, in, &out);
  json_decref(in);
  if (st != CIVIC_OK) {
    json_decref(out);
    return st;
  }
  *output = civic_json_dump(out);
  json_decref(out);
  if (*output == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory writing output");
  return CIVIC_OK;
}
