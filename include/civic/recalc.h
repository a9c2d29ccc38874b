/**
 * @file recalc.h
 * @brief Proration (spec section 4) and life-event recalculation: a scheme of
 *        dated parameters and rules, a household timeline, payments made,
 *        and the corrections that follow.
 *
 * Thread safety: every function here is pure (no state survives the call)
 * and may run on any thread at once, provided each thread passes its own
 * ::civic_ctx (a context records the last error and must not be shared by
 * two threads at the same time).
 *
 * The JSON forms are described in docs/recalc.md; the same computations are
 * available through ::civic_evaluate with kinds "prorate" and "recalc".
 */
#ifndef CIVIC_RECALC_H
#define CIVIC_RECALC_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Prorate one monthly amount over days [start, end) of a month (spec 4):
 * `half_up(amount*end/days) - half_up(amount*start/days)`.
 *
 * @param ctx error context (required).
 * @param[out] out receives the prorated amount (0 <= *out <= amount).
 * @param amount the monthly amount, >= 0.
 * @param start first day in force, 0-based (0 is the 1st), 0..days_in_month.
 * @param end first day no longer in force, start..days_in_month.
 * @param days_in_month 28..31.
 * @return ::CIVIC_OK; ::CIVIC_E_NEGATIVE_AMOUNT if amount < 0;
 *         ::CIVIC_E_OUT_OF_RANGE for a bad day count or day index;
 *         ::CIVIC_E_INVALID_ARGUMENT if ctx or out is NULL.
 *         On error *out is left unchanged.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_prorate_amount(civic_ctx *ctx, int64_t *out, int64_t amount,
                     int32_t start, int32_t end, int32_t days_in_month);

/**
 * Recalculate a household's entitlements from a scheme, a timeline of life
 * events and the payments made, and propose corrections (docs/recalc.md).
 *
 * @param ctx error context (required); on failure its message names the
 *        offending place ("scheme.parameters.norm_single[1].from: ...").
 * @param input NUL-terminated JSON object `{scheme, timeline, payments,
 *        from, to, known_at?, policy}` (see docs/recalc.md).
 * @param[out] output receives the JSON result (months, corrections,
 *        transfers, recovery plan); the caller frees it with ::civic_free.
 *        Set to NULL on failure.
 * @return ::CIVIC_OK, or the status of the first fault found: the generic
 *         input codes, ::CIVIC_E_UNKNOWN_REFERENCE (unknown variable,
 *         parameter or event type), ::CIVIC_E_CYCLIC_RULE,
 *         ::CIVIC_E_PARAMETER_GAP, ::CIVIC_E_PARAMETER_OVERLAP,
 *         ::CIVIC_E_BAD_DATE, ::CIVIC_E_BAD_FORMULA, ::CIVIC_E_OVERFLOW.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_recalc_run(civic_ctx *ctx,
                                                        const char *input,
                                                        char **output);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_RECALC_H */
