/**
 * @file settle.h
 * @brief Monthly settlement of a resident's escrow on the ledger: consent,
 *        income, obligations paid on their due days, a guarantee fund that
 *        bridges and advances, recovery, living allowance (remainder or
 *        fixed with a buffer), an advance cap and late-income alerts.
 *
 * The amounts come from the pure waterfall (spec section 3, waterfall.h), so
 * the ledger and the math agree to the cent. Every transfer id is derived
 * from (resident, period, purpose, subject, sequence), so settling the same
 * plan twice posts nothing, and a re-run after late or partial income posts
 * only the difference. The full design (accounts, flows, id scheme, modes,
 * flags) is in docs/settlement.md.
 *
 * Thread safety: every call is reentrant and keeps no global state. Calls on
 * one ::civic_ledger may run from several threads for *different* residents
 * (the ledger serialises the posts; the shared guarantee fund's credit line
 * is checked atomically by the ledger). Settle one resident from one thread
 * at a time: two concurrent runs for the same resident can collide on a
 * transfer id, in which case one of them fails with nothing changed. One
 * ::civic_ctx per thread.
 *
 * Errors: every call takes an optional ::civic_ctx (may be NULL) that
 * receives the detailed message naming the field, e.g.
 * "obligations[1].due_day: must be in 1..30". On any error nothing changes.
 */
#ifndef CIVIC_SETTLE_H
#define CIVIC_SETTLE_H

#include "common.h"
#include "ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Default id of the guarantee fund's account. */
#define CIVIC_SETTLE_DEFAULT_FUND "fund:guarantee"

/**
 * Create the settlement asset (EUR, scale 2) and the guarantee fund account
 * with a credit line, unless they exist already with the same fields.
 * @param ctx         optional error context.
 * @param ledger      the ledger.
 * @param fund        fund account id, or NULL for ::CIVIC_SETTLE_DEFAULT_FUND.
 * @param credit_line how far (in cents, >= 0) the fund may go below zero;
 *                    its min_balance becomes -credit_line.
 * @return ::CIVIC_OK; ::CIVIC_E_NEGATIVE_AMOUNT for a negative credit line;
 *         ::CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS if the fund exists with
 *         another credit line; any ledger status.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_settle_setup(civic_ctx *ctx,
                                                          civic_ledger *ledger,
                                                          const char *fund,
                                                          int64_t credit_line);

/**
 * Record the resident's consent to settlement as a journal event
 * (`settle.consent.grant`), so it survives reopening. Granting while consent
 * is already in force changes nothing.
 * @param ctx      optional error context.
 * @param ledger   the ledger.
 * @param resident resident id: 1..64 characters of [A-Za-z0-9._-].
 * @param actor    who records it (e.g. "gemeente-utrecht"); not NULL.
 * @param time     the caller's time (the library reads no clock).
 * @param scope    what the consent covers (free text, e.g. "escrow+payees"),
 *                 or NULL.
 * @return ::CIVIC_OK; ::CIVIC_E_OUT_OF_RANGE / ::CIVIC_E_EMPTY for a bad
 *         resident id; ::CIVIC_E_INVALID_ARGUMENT; any ledger status.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_settle_consent_grant(
    civic_ctx *ctx, civic_ledger *ledger, const char *resident,
    const char *actor, int64_t time, const char *scope);

/**
 * Revoke the resident's consent (event `settle.consent.revoke`) and return
 * control: in the same batch the resident's buffer is paid out to the
 * resident's own account `bank:<resident>`, and so is the escrow balance when
 * no period is open. A period already open may still be run and closed (the
 * payees were promised its payments); no new period can start.
 * @return ::CIVIC_OK; ::CIVIC_E_NO_CONSENT when no consent is in force; as
 *         ::civic_settle_consent_grant otherwise.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_settle_consent_revoke(
    civic_ctx *ctx, civic_ledger *ledger, const char *resident,
    const char *actor, int64_t time);

/**
 * Whether consent is in force for @p resident.
 * @param ctx      optional error context.
 * @param ledger   the ledger (read only).
 * @param resident resident id.
 * @param[out] granted receives 1 when in force, 0 otherwise (never granted,
 *             or revoked).
 * @return ::CIVIC_OK or ::CIVIC_E_INVALID_ARGUMENT / a bad resident id.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_settle_consent_status(civic_ctx *ctx, const civic_ledger *ledger,
                            const char *resident, int *granted);

/**
 * Settle one resident's period as of a day, all or nothing.
 *
 * @p plan_json (all amounts in cents):
 * `{"resident", "period", "days", "as_of", "close"?, "start_time"?,
 *   "actor"?, "fund"?,
 *   "incomes": [{"id", "payer", "amount", "expected_day", "earmark"?,
 *                "received": [{"id", "day", "amount"}]}],
 *   "obligations": [{"id", "category", "priority", "amount", "guaranteed",
 *                    "payee", "due_day"}],
 *   "corrections"?: [{"id", "payer", "amount", "reason", "corrects": [id]}],
 *   "policy": {"living_floor", "floor_guaranteed", "recovery_cap",
 *              "advance_cap"?, "allowance_mode"?: "remainder"|"fixed",
 *              "fixed_allowance"?, "payout"?: "monthly"|"weekly",
 *              "payout_days"?: [day], "review"?}}`.
 * Run it as often as wanted (each morning, when income lands); with
 * `"close": true` the period's remaining bridge is booked as the resident's
 * advance (receivable) and the period is final.
 *
 * `corrections` are the period's corrections from recalculation (recalc.h):
 * `amount` > 0 is an underpayment, paid now by `payer` straight to the
 * resident's `bank:<resident>`; `amount` < 0 is an overpayment, booked as
 * the resident's receivable (`receivable:<resident> -> payer`) and repaid by
 * the recovery step of later periods. Each is posted once, under
 * `settle/<resident>/<period>/correction/<id>`; keep them in the plan on
 * every run of the period. The statement lists them with their reason.
 *
 * @param ctx         optional error context.
 * @param ledger      the ledger (with the fund made by ::civic_settle_setup).
 * @param plan_json   NUL-terminated plan.
 * @param[out] result_json optional; receives the statement as JSON (what came
 *             in, what went where, flags, alerts, balances, the transfers
 *             posted by this call); free with ::civic_free.
 * @return ::CIVIC_OK; input errors (::CIVIC_E_MISSING_FIELD,
 *         ::CIVIC_E_WRONG_TYPE, ::CIVIC_E_NEGATIVE_AMOUNT,
 *         ::CIVIC_E_OUT_OF_RANGE, ::CIVIC_E_DUPLICATE_ID, ...);
 *         ::CIVIC_E_NO_CONSENT (a new period without consent);
 *         ::CIVIC_E_PERIOD_OPEN (another period is still open);
 *         ::CIVIC_E_PERIOD_CLOSED (a closed period would change);
 *         ::CIVIC_E_SETTLE_CONFLICT (a receipt or payment already posted
 *         differs); ::CIVIC_E_UNKNOWN_ACCOUNT (no fund); ledger refusals
 *         such as ::CIVIC_E_EXCEEDS_MIN_BALANCE (fund's credit line).
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_settle_period_json(civic_ctx *ctx, civic_ledger *ledger,
                         const char *plan_json, char **result_json);

/**
 * Alerts and flagged cases for the municipal app, as JSON
 * `{"day": d, "alerts": [{"resident", "period", "income", "expected_day",
 * "expected", "received", "missing"}], "flagged": [{"resident", "period",
 * "flags": [...]}]}`: every open period whose expected income has not fully
 * arrived by day @p day (strictly after its expected day), and every
 * resident whose latest period carries a flag (advance_cap_reached,
 * advance_over_cap, income_missing). Sorted by resident id byte-wise.
 * @param ctx    optional error context.
 * @param ledger the ledger (read only).
 * @param day    the day of the open periods to judge (0..32).
 * @param[out] out free with ::civic_free.
 * @return ::CIVIC_OK, ::CIVIC_E_OUT_OF_RANGE, ::CIVIC_E_INVALID_ARGUMENT or
 *         ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_settle_alerts_json(
    civic_ctx *ctx, const civic_ledger *ledger, int32_t day, char **out);

/**
 * Format a result of ::civic_settle_period_json as a readable statement for
 * the resident (amounts as "EUR 1234.56").
 * @param ctx         optional error context.
 * @param result_json a result of ::civic_settle_period_json.
 * @param[out] text   free with ::civic_free.
 * @return ::CIVIC_OK, ::CIVIC_E_MALFORMED_JSON or a missing/mistyped field.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_settle_statement_text(
    civic_ctx *ctx, const char *result_json, char **text);

/**
 * Format an amount in cents as "EUR 1234.56" ("EUR -12.00" when negative)
 * into @p buf.
 * @param cents amount in cents.
 * @param buf   receives the text.
 * @param cap   size of @p buf; at least 32 bytes.
 * @return ::CIVIC_OK or ::CIVIC_E_INVALID_ARGUMENT (NULL or too small).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_settle_format_eur(int64_t cents,
                                                               char *buf,
                                                               size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_SETTLE_H */
