/**
 * @file waterfall.h
 * @brief Benefit-priority waterfall for one resident and one period
 *        (spec sections 2 and 3): plans, results, explanation trace and a
 *        columnar batch API.
 *
 * Thread safety: every function is reentrant and keeps no global state.
 * Distinct handles may be used from distinct threads at the same time. One
 * handle (plan, result, batch, ::civic_ctx) must not be used by two threads
 * at once; a plan that no thread modifies may be read by several
 * ::civic_waterfall_run calls at once, each with its own result and context.
 *
 * Memory: handles grow their buffers as needed and keep them across
 * ::civic_waterfall_plan_reset and repeated runs, so evaluating many
 * residents with one plan/result pair (or one batch) allocates nothing once
 * the buffers are warm.
 */
#ifndef CIVIC_WATERFALL_H
#define CIVIC_WATERFALL_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * One resident's plan for one period: opening balance, incomes, obligations,
 * receivable outstanding and policy (spec section 3 "Input").
 *
 * The add/set calls only store what they are given (copying strings); every
 * value is checked by ::civic_waterfall_run, which names the offending item
 * ("obligations[2].amount: must be >= 0") exactly as the JSON form would.
 */
typedef struct civic_waterfall_plan civic_waterfall_plan;

/** The outcome of ::civic_waterfall_run (spec section 3 "Output"). */
typedef struct civic_waterfall_result civic_waterfall_result;

/** Columnar input and output arrays for many plans at once. */
typedef struct civic_waterfall_batch civic_waterfall_batch;

/** Flags for ::civic_waterfall_run. */
typedef enum civic_waterfall_flags {
  CIVIC_WATERFALL_DEFAULT = 0, /**< Compute the numbers only. */
  CIVIC_WATERFALL_TRACE = 1    /**< Also record the explanation trace. */
} civic_waterfall_flags;

/**
 * Create an empty plan (all amounts 0, no incomes or obligations, policy
 * all zero and floor not guaranteed).
 * @param[out] out receives the plan; free it with ::civic_waterfall_plan_free.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT (NULL @p out) or
 *         ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_waterfall_plan_new(civic_waterfall_plan **out);

/** Free a plan. Accepts NULL. */
CIVIC_API void civic_waterfall_plan_free(civic_waterfall_plan *plan);

/**
 * Empty the plan for the next resident (as after ::civic_waterfall_plan_new)
 * while keeping its buffers, so refilling it does not allocate.
 * @return ::CIVIC_OK or ::CIVIC_E_INVALID_ARGUMENT (NULL @p plan).
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_waterfall_plan_reset(civic_waterfall_plan *plan);

/**
 * Set the opening balance of the escrow account and the receivable the
 * resident owes the municipality from earlier periods (both must be >= 0;
 * checked when the plan runs).
 * @return ::CIVIC_OK or ::CIVIC_E_INVALID_ARGUMENT (NULL @p plan).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_plan_set_balances(
    civic_waterfall_plan *plan, int64_t opening_balance,
    int64_t receivable_outstanding);

/**
 * Set the policy: protected living floor per period (>= 0), whether the
 * guarantee fund tops the living allowance up to the floor (non-zero = yes),
 * and the most recovered per period (>= 0).
 * @return ::CIVIC_OK or ::CIVIC_E_INVALID_ARGUMENT (NULL @p plan).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_plan_set_policy(
    civic_waterfall_plan *plan, int64_t living_floor, int floor_guaranteed,
    int64_t recovery_cap);

/**
 * Append an income.
 * @param plan    the plan.
 * @param id      income id (UTF-8, copied); ids must be unique among the
 *                plan's incomes.
 * @param amount  amount in minor units (>= 0).
 * @param earmark obligation category the income is earmarked for (copied),
 *                or NULL for general (non-earmarked) income.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT (NULL @p plan or @p id) or
 *         ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_waterfall_plan_add_income(civic_waterfall_plan *plan, const char *id,
                                int64_t amount, const char *earmark);

/**
 * Append an obligation.
 * @param plan       the plan.
 * @param id         obligation id (UTF-8, copied, unique among obligations);
 *                   the byte-wise id order breaks pro-rata ties.
 * @param category   category (e.g. "rent"), matched against earmarks.
 * @param priority   priority (>= 0, lower is paid first).
 * @param amount     amount due this period (>= 0).
 * @param guaranteed non-zero when the guarantee fund covers its unpaid rest.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT (a NULL pointer) or
 *         ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_plan_add_obligation(
    civic_waterfall_plan *plan, const char *id, const char *category,
    int64_t priority, int64_t amount, int guaranteed);

/**
 * Replace the plan's content with the spec section 8 JSON input object
 * (`opening_balance`, `incomes`, `obligations`, `receivable_outstanding`,
 * `policy`). Checks types and fields; value ranges are checked by the run.
 * @param ctx   error context (required); names the offending field.
 * @param plan  the plan to fill; on failure it is left empty (reset).
 * @param json  NUL-terminated JSON text.
 * @return ::CIVIC_OK, ::CIVIC_E_MALFORMED_JSON, ::CIVIC_E_MISSING_FIELD,
 *         ::CIVIC_E_WRONG_TYPE, ::CIVIC_E_NOT_INTEGER, ::CIVIC_E_OVERFLOW,
 *         ::CIVIC_E_NEGATIVE_AMOUNT, ::CIVIC_E_INVALID_ARGUMENT or
 *         ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_plan_load_json(
    civic_ctx *ctx, civic_waterfall_plan *plan, const char *json);

/**
 * Create an empty result (zero obligations, all totals 0).
 * @param[out] out receives the result; free with ::civic_waterfall_result_free.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT or ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_waterfall_result_new(civic_waterfall_result **out);

/** Free a result. Accepts NULL. */
CIVIC_API void civic_waterfall_result_free(civic_waterfall_result *result);

/**
 * Run the waterfall of spec section 3 over @p plan into @p result.
 *
 * The result copies what it needs from the plan (ids, categories), so the
 * plan may be reset or freed afterwards. The plan is not modified.
 *
 * @param ctx    error context (required).
 * @param plan   the plan (read only).
 * @param flags  ::CIVIC_WATERFALL_DEFAULT or ::CIVIC_WATERFALL_TRACE.
 * @param result receives the outcome; on failure it is emptied (zero
 *               obligations, totals 0), never half-written.
 * @return ::CIVIC_OK; ::CIVIC_E_NEGATIVE_AMOUNT (an amount, balance or
 *         policy value below 0); ::CIVIC_E_OUT_OF_RANGE (a negative
 *         priority); ::CIVIC_E_DUPLICATE_ID (two incomes or two obligations
 *         with one id); ::CIVIC_E_OVERFLOW (a named sum such as an earmarked
 *         total, a level's demand, the pool G, `advance` or
 *         `receivable_after` outside int64); ::CIVIC_E_INVALID_ARGUMENT;
 *         ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_waterfall_run(civic_ctx *ctx, const civic_waterfall_plan *plan,
                    uint32_t flags, civic_waterfall_result *result);

/** Number of obligations in the result (the plan's, in input order). */
CIVIC_API size_t
civic_waterfall_result_obligation_count(const civic_waterfall_result *result);

/** Id of obligation @p index (input order); NULL if out of range. Valid
 *  until the result is run again or freed. */
CIVIC_API const char *
civic_waterfall_result_obligation_id(const civic_waterfall_result *result,
                                     size_t index);

/** Paid from earmarked funds to obligation @p index; 0 if out of range. */
CIVIC_API int64_t civic_waterfall_result_paid_earmarked(
    const civic_waterfall_result *result, size_t index);

/** Paid from the general pool to obligation @p index; 0 if out of range. */
CIVIC_API int64_t civic_waterfall_result_paid_general(
    const civic_waterfall_result *result, size_t index);

/** Unpaid rest of guaranteed obligation @p index covered by the guarantee
 *  fund; 0 if out of range. */
CIVIC_API int64_t civic_waterfall_result_covered(
    const civic_waterfall_result *result, size_t index);

/** Unpaid rest (arrears) of non-guaranteed obligation @p index; 0 if out of
 *  range. */
CIVIC_API int64_t civic_waterfall_result_unpaid(
    const civic_waterfall_result *result, size_t index);

/** Living allowance paid to the resident, including any top-up. */
CIVIC_API int64_t
civic_waterfall_result_living_allowance(const civic_waterfall_result *result);

/** Top-up from the guarantee fund up to the living floor. */
CIVIC_API int64_t
civic_waterfall_result_top_up(const civic_waterfall_result *result);

/** Amount recovered on the receivable this period. */
CIVIC_API int64_t
civic_waterfall_result_recovery(const civic_waterfall_result *result);

/** Advance by the guarantee fund: sum(covered) + top_up. */
CIVIC_API int64_t
civic_waterfall_result_advance(const civic_waterfall_result *result);

/** Receivable after the period: outstanding - recovery + advance. */
CIVIC_API int64_t
civic_waterfall_result_receivable_after(const civic_waterfall_result *result);

/** Number of explanation trace entries (0 unless run with
 *  ::CIVIC_WATERFALL_TRACE). */
CIVIC_API size_t
civic_waterfall_result_trace_count(const civic_waterfall_result *result);

/**
 * The result as the spec section 8 JSON output object, plus a `trace` array
 * when @p flags has ::CIVIC_WATERFALL_TRACE and the run recorded one (see
 * docs/waterfall.md for the trace entry form).
 * @param ctx   error context (required).
 * @param result the result.
 * @param flags ::CIVIC_WATERFALL_DEFAULT or ::CIVIC_WATERFALL_TRACE.
 * @param[out] out compact JSON text; the caller frees it with ::civic_free.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT or ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_result_to_json(
    civic_ctx *ctx, const civic_waterfall_result *result, uint32_t flags,
    char **out);

/**
 * The explanation in plain English sentences, one per line, for a resident
 * or a caseworker ("EUR 650.00 of your rent allowance went to rent
 * (earmarked)"). Needs a result run with ::CIVIC_WATERFALL_TRACE. Amounts
 * are printed as minor units with two decimals (cents to euros).
 * @param ctx    error context (required).
 * @param result a traced result.
 * @param[out] out text; the caller frees it with ::civic_free.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT (no trace recorded) or
 *         ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_result_explain_text(
    civic_ctx *ctx, const civic_waterfall_result *result, char **out);

/**
 * Columns of a ::civic_waterfall_batch. Every column is an int64 array.
 *
 * Plan columns have one value per plan (all the same length, the number of
 * plans). Income and obligation columns have one value per row; the
 * `*_PLAN` column gives each row's plan index (0-based, non-decreasing:
 * rows are grouped by plan). Categories and earmarks are integer codes
 * (>= 0) chosen by the caller; an earmark code < 0 means general income.
 * Within a plan, an earlier obligation row counts as the smaller id when
 * breaking pro-rata ties (so order each plan's rows by id to reproduce the
 * JSON form exactly). Booleans are 0 or 1.
 */
typedef enum civic_waterfall_column {
  /* inputs, one per plan */
  CIVIC_WATERFALL_COL_OPENING_BALANCE = 0,        /**< opening_balance */
  CIVIC_WATERFALL_COL_RECEIVABLE_OUTSTANDING = 1, /**< receivable_outstanding */
  CIVIC_WATERFALL_COL_LIVING_FLOOR = 2,           /**< policy.living_floor */
  CIVIC_WATERFALL_COL_FLOOR_GUARANTEED = 3, /**< policy.floor_guaranteed */
  CIVIC_WATERFALL_COL_RECOVERY_CAP = 4,     /**< policy.recovery_cap */
  /* inputs, one per income row */
  CIVIC_WATERFALL_COL_INCOME_PLAN = 10,    /**< plan index of the row */
  CIVIC_WATERFALL_COL_INCOME_AMOUNT = 11,  /**< amount */
  CIVIC_WATERFALL_COL_INCOME_EARMARK = 12, /**< category code, < 0: general */
  /* inputs, one per obligation row */
  CIVIC_WATERFALL_COL_OBLIGATION_PLAN = 20,       /**< plan index of the row */
  CIVIC_WATERFALL_COL_OBLIGATION_CATEGORY = 21,   /**< category code >= 0 */
  CIVIC_WATERFALL_COL_OBLIGATION_PRIORITY = 22,   /**< priority >= 0 */
  CIVIC_WATERFALL_COL_OBLIGATION_AMOUNT = 23,     /**< amount >= 0 */
  CIVIC_WATERFALL_COL_OBLIGATION_GUARANTEED = 24, /**< guaranteed 0/1 */
  /* outputs, one per obligation row */
  CIVIC_WATERFALL_COL_PAID_EARMARKED = 40, /**< paid_earmarked */
  CIVIC_WATERFALL_COL_PAID_GENERAL = 41,   /**< paid_general */
  CIVIC_WATERFALL_COL_COVERED = 42,        /**< covered */
  CIVIC_WATERFALL_COL_UNPAID = 43,         /**< unpaid */
  /* outputs, one per plan */
  CIVIC_WATERFALL_COL_LIVING_ALLOWANCE = 50, /**< living_allowance */
  CIVIC_WATERFALL_COL_TOP_UP = 51,           /**< top_up */
  CIVIC_WATERFALL_COL_RECOVERY = 52,         /**< recovery */
  CIVIC_WATERFALL_COL_ADVANCE = 53,          /**< advance */
  CIVIC_WATERFALL_COL_RECEIVABLE_AFTER = 54  /**< receivable_after */
} civic_waterfall_column;

/**
 * Create an empty batch.
 * @param[out] out receives the batch; free with ::civic_waterfall_batch_free.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT or ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_waterfall_batch_new(civic_waterfall_batch **out);

/** Free a batch. Accepts NULL. */
CIVIC_API void civic_waterfall_batch_free(civic_waterfall_batch *batch);

/**
 * Copy @p count values into input column @p column (replacing its previous
 * content; the buffer is kept and reused). Setting an input column discards
 * the outputs of the previous run.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT (NULL batch, NULL values
 *         with count > 0, or not an input column) or ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_batch_set_column(
    civic_waterfall_batch *batch, civic_waterfall_column column,
    const int64_t *values, size_t count);

/**
 * Run every plan of the batch. All or nothing: on any bad value the outputs
 * are emptied and @p ctx names the plan and row ("plan 12: obligation row
 * 40: amount must be >= 0"). Pro-rata ties break by row order (see
 * ::civic_waterfall_column). Allocates only when the batch's largest plan
 * grew since the last run.
 * @return ::CIVIC_OK, ::CIVIC_E_INVALID_ARGUMENT (column lengths disagree,
 *         plan index out of range or decreasing), ::CIVIC_E_NEGATIVE_AMOUNT,
 *         ::CIVIC_E_OUT_OF_RANGE, ::CIVIC_E_OVERFLOW or ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_waterfall_batch_run(civic_ctx *ctx, civic_waterfall_batch *batch);

/** Number of values in column @p column (0 for an unknown column, or an
 *  output column before a successful run). */
CIVIC_API size_t civic_waterfall_batch_column_length(
    const civic_waterfall_batch *batch, civic_waterfall_column column);

/**
 * Copy column @p column (input or output) into @p out, which holds
 * @p count values; @p count must equal its length.
 * @return ::CIVIC_OK or ::CIVIC_E_INVALID_ARGUMENT.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_waterfall_batch_get_column(
    const civic_waterfall_batch *batch, civic_waterfall_column column,
    int64_t *out, size_t count);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_WATERFALL_H */
