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
 * A ::civic_recalc_scheme is immutable after creation and may be shared by
 * threads; calls using it still need one ::civic_ctx per thread.
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

/**
 * A scheme (docs/recalc.md section 3) parsed and checked once, to be reused
 * for many households: loading a scheme (JSON, formulas, cycle checks)
 * costs more than recalculating one household-year with it.
 *
 * Immutable once created: one handle may be used by many threads at once
 * (each with its own ::civic_ctx). Create with ::civic_recalc_scheme_new,
 * free with ::civic_recalc_scheme_free.
 */
typedef struct civic_recalc_scheme civic_recalc_scheme;

/**
 * Load and check a scheme.
 *
 * @param ctx error context (required).
 * @param scheme_json NUL-terminated JSON object: the scheme itself (what an
 *        input's "scheme" member holds), e.g. the content of
 *        examples/schemes/nl-participatiewet-2025.json.
 * @param[out] out receives the handle, owned by the caller (free with
 *        ::civic_recalc_scheme_free); set to NULL on failure.
 * @return ::CIVIC_OK; ::CIVIC_E_MALFORMED_JSON; the scheme codes of
 *         ::civic_recalc_run (::CIVIC_E_PARAMETER_GAP,
 *         ::CIVIC_E_PARAMETER_OVERLAP, ::CIVIC_E_CYCLIC_RULE,
 *         ::CIVIC_E_BAD_FORMULA, ::CIVIC_E_UNKNOWN_REFERENCE,
 *         ::CIVIC_E_BAD_DATE and the generic input codes), with messages
 *         naming "scheme...."; ::CIVIC_E_INVALID_ARGUMENT if an argument is
 *         NULL; ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_recalc_scheme_new(
    civic_ctx *ctx, const char *scheme_json, civic_recalc_scheme **out);

/**
 * Free a compiled scheme. Accepts NULL. No call may be using the handle.
 *
 * @param scheme the handle, or NULL.
 */
CIVIC_API void civic_recalc_scheme_free(civic_recalc_scheme *scheme);

/**
 * Number of benefits of a compiled scheme (0 for NULL).
 *
 * @param scheme the handle.
 * @return the number of benefits; they are numbered in byte-wise order of
 *         their ids, the order of every output list and of
 *         ::civic_recalc_due_batch.
 */
CIVIC_API size_t
civic_recalc_scheme_benefit_count(const civic_recalc_scheme *scheme);

/**
 * Id of benefit `index` of a compiled scheme.
 *
 * @param scheme the handle.
 * @param index 0 .. ::civic_recalc_scheme_benefit_count - 1.
 * @return the id, owned by the handle and valid until it is freed; NULL for
 *         a NULL handle or an index out of range.
 */
CIVIC_API const char *
civic_recalc_scheme_benefit_id(const civic_recalc_scheme *scheme, size_t index);

/**
 * ::civic_recalc_run with a compiled scheme: the same input without its
 * "scheme" member, the same output byte for byte. Use it to recalculate
 * many households with one scheme.
 *
 * @param ctx error context (required).
 * @param scheme compiled scheme (required; not modified, may be shared).
 * @param input NUL-terminated JSON object as for ::civic_recalc_run but
 *        without "scheme" (a "scheme" member is refused with
 *        ::CIVIC_E_INVALID_ARGUMENT rather than silently ignored); a
 *        "population" run is accepted too.
 * @param[out] output receives the JSON result; free it with ::civic_free.
 *        Set to NULL on failure.
 * @return the codes of ::civic_recalc_run; ::CIVIC_E_INVALID_ARGUMENT for
 *         a NULL argument or a "scheme" member.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_recalc_run_with_scheme(civic_ctx *ctx, const civic_recalc_scheme *scheme,
                             const char *input, char **output);

/**
 * Monthly entitlements of many households at once (docs/recalc.md 5.1, as
 * known now: every event counts), without corrections, JSON output or
 * recovery plans: the batch path for population studies.
 *
 * @param ctx error context (required).
 * @param scheme compiled scheme (required).
 * @param input NUL-terminated JSON object `{"from": "YYYY-MM", "to":
 *        "YYYY-MM", "timelines": [timeline, ...]}`, each timeline in the
 *        form of the "timeline" member of ::civic_recalc_run; errors name
 *        "timelines[i]....".
 * @param[out] due receives H x M x B amounts in cents, household-major:
 *        `due[(h*M + m)*B + b]` for household h (input order), month m
 *        (0 = from) and benefit b (::civic_recalc_scheme_benefit_id order).
 *        Written only on success.
 * @param due_count number of entries of `due`; must equal H x M x B.
 * @return ::CIVIC_OK; the input and timeline codes of ::civic_recalc_run;
 *         ::CIVIC_E_INVALID_ARGUMENT for a NULL argument, a "scheme" member
 *         or a wrong due_count (the message gives the count needed).
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_recalc_due_batch(civic_ctx *ctx, const civic_recalc_scheme *scheme,
                       const char *input, int64_t *due, size_t due_count);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_RECALC_H */
