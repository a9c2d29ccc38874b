/* Reward-token redemption (spec section 5): the pure formula, its JSON form
 * for civic_evaluate / `civic redeem`, and the public C call.
 *
 * gross = floor(t * num / den) needs the exact product t*num, which may
 * exceed int64 even when gross fits (a rate near INT64_MAX over a large
 * denominator), so it is formed in 128 bits; only gross itself can overflow.
 * fee <= gross and net <= gross, so neither can.
 */
#include "civic/token.h"
#include "checked.h"
#include "civic/evaluate.h"
#include "eval.h"
#include "token_internal.h"

#define FEE_BP_MAX 10000

civic_status civic_redeem_compute(civic_diag *d, const char *what,
                                  int64_t tokens, int64_t rate_num,
                                  int64_t rate_den, int64_t fee_bp,
                                  int64_t *gross, int64_t *net, int64_t *fee) {
  int64_t g, f;
  if (tokens < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT, "%stokens: must be >= 0",
                          what);
  if (rate_num < 0)
    return civic_diag_set(d, CIVIC_E_NEGATIVE_AMOUNT,
                          "%srate_num: must be >= 0", what);
  if (rate_den <= 0)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "%srate_den: must be > 0",
                          what);
  if (fee_bp < 0 || fee_bp > FEE_BP_MAX)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%sfee_bp: must be in 0..10000", what);
  if (!civic_muldiv_floor(tokens, rate_num, rate_den, &g))
    return civic_diag_set(d, CIVIC_E_OVERFLOW,
                          "%sgross: floor(tokens * rate_num / rate_den) "
                          "exceeds int64",
                          what);
  /* gross * fee_bp / 10000 <= gross: always fits. */
  if (!civic_muldiv_floor(g, fee_bp, FEE_BP_MAX, &f))
    return civic_diag_set(d, CIVIC_E_OVERFLOW, "%sfee: exceeds int64", what);
  *gross = g;
  *fee = f;
  *net = g - f;
  return CIVIC_OK;
}

/* Read one field as an integer over the whole int64 range; the ranges are
 * checked by civic_redeem_compute so the JSON and C doors agree. The fee is
 * a rate in 0..10000 (not an amount), so a negative fee is out_of_range. */
static civic_status read_all(civic_diag *d, const json_t *in, int64_t v[4]) {
  static const char *const KEYS[4] = {"tokens", "rate_num", "rate_den",
                                      "fee_bp"};
  int i;
  for (i = 0; i < 4; i++) {
    civic_status st =
        civic_json_int(d, in, "", KEYS[i], INT64_MIN, INT64_MAX, &v[i]);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

civic_status civic_redeem_eval_json(civic_diag *d, const json_t *in,
                                    json_t **out) {
  int64_t v[4], gross, net, fee;
  json_t *o;
  civic_status st;
  *out = NULL;
  st = read_all(d, in, v);
  if (st == CIVIC_OK)
    st =
        civic_redeem_compute(d, "", v[0], v[1], v[2], v[3], &gross, &net, &fee);
  if (st != CIVIC_OK)
    return st;
  o = json_object();
  if (o == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  st = civic_json_set_int(d, o, "gross", gross);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, o, "net", net);
  if (st == CIVIC_OK)
    st = civic_json_set_int(d, o, "fee", fee);
  if (st != CIVIC_OK) {
    json_decref(o);
    return st;
  }
  *out = o;
  return CIVIC_OK;
}

civic_status civic_redeem(civic_ctx *ctx, int64_t tokens, int64_t rate_num,
                          int64_t rate_den, int32_t fee_bp, int64_t *gross,
                          int64_t *net, int64_t *fee) {
  int64_t g = 0, n = 0, f = 0;
  civic_status st;
  if (ctx == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  civic_diag_clear(&ctx->diag);
  if (gross == NULL || net == NULL || fee == NULL)
    return civic_diag_set(&ctx->diag, CIVIC_E_INVALID_ARGUMENT,
                          "gross, net and fee must not be NULL");
  st = civic_redeem_compute(&ctx->diag, "", tokens, rate_num, rate_den, fee_bp,
                            &g, &n, &f);
  if (st != CIVIC_OK)
    return st;
  *gross = g;
  *net = n;
  *fee = f;
  return CIVIC_OK;
}

civic_status civic_redeem_json(civic_ctx *ctx, const char *input,
                               char **output) {
  return civic_evaluate(ctx, "redeem", input, output);
}
