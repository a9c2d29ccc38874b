/**
 * @file token.h
 * @brief Local reward token: redemption (spec section 5), and the token on a
 *        ledger: reserve, tasks, rewards, lots and expiry (section 6),
 *        spending at local entrepreneurs, redemption, polls (section 7) and
 *        the municipal dashboard.
 *
 * A ::civic_token is a view over a ::civic_ledger. Every change is one ledger
 * batch holding a journal event `civic.token.*` (with its actor and the
 * caller's time) and the transfers it causes, all or nothing; the token's
 * state is rebuilt from those events by ::civic_token_load. Times are the
 * caller's, in seconds since 1970-01-01 UTC (the library never reads a
 * clock); they must not go back between operations. Every operation first
 * burns the lots that have expired by its time (in the same batch).
 *
 * Ledger accounts, for a token with code CODE: `CODE:issuer` (token, no
 * limit: minting debits it, burning credits it), `CODE:reserve` (EUR, >= 0),
 * `CODE:funding` (EUR, no limit: the municipality's budget),
 * `CODE:wallet:<citizen>` and `CODE:shop:<entrepreneur>` (token, >= 0),
 * `CODE:payout:<entrepreneur>` (EUR, receives redemptions).
 *
 * Conventions for every `civic_token_*` operation below: @p token is the
 * handle; @p actor names who acts (kept in the journal event; not NULL);
 * @p time is the caller's time in seconds. Each returns ::CIVIC_OK or the
 * status of the first refusal, with the detail in ::civic_token_errmsg, and
 * then nothing has changed. Besides the codes listed per call, any
 * operation can return ::CIVIC_E_INVALID_ARGUMENT (a NULL argument),
 * ::CIVIC_E_EMPTY / ::CIVIC_E_OUT_OF_RANGE (an empty id, or one holding ':'
 * or '/'), ::CIVIC_E_OUT_OF_RANGE (@p time earlier than the latest token
 * event), ::CIVIC_E_UNKNOWN_REFERENCE (an unknown task or poll),
 * ::CIVIC_E_NOMEM, and the ledger's own codes (e.g. ::CIVIC_E_IO when the
 * journal cannot be written). Strings returned through `char **` are freed
 * with ::civic_free.
 *
 * Thread safety: the redemption calls are pure and may run from any number
 * of threads at once, each with its own ::civic_ctx. A ::civic_token must be
 * used by one thread at a time, and only one ::civic_token per token code
 * may post to a ledger at a time (other modules may post concurrently).
 */
#ifndef CIVIC_TOKEN_H
#define CIVIC_TOKEN_H

#include "common.h"
#include "ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Redeem @p tokens token units at @p rate_num / @p rate_den EUR minor units
 * per unit with a fee of @p fee_bp basis points (spec section 5):
 * gross = floor(tokens * rate_num / rate_den), fee = floor(gross * fee_bp /
 * 10000), net = gross - fee. The product is formed exactly in 128 bits.
 *
 * @param ctx  error context (required).
 * @param tokens   >= 0.
 * @param rate_num >= 0.
 * @param rate_den > 0.
 * @param fee_bp   0..10000.
 * @param[out] gross, net, fee receive the results (untouched on failure).
 * @return ::CIVIC_OK; ::CIVIC_E_NEGATIVE_AMOUNT (tokens or rate_num < 0);
 *   ::CIVIC_E_OUT_OF_RANGE (rate_den <= 0, fee_bp outside 0..10000);
 *   ::CIVIC_E_OVERFLOW (gross outside int64); ::CIVIC_E_INVALID_ARGUMENT.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_redeem(civic_ctx *ctx, int64_t tokens, int64_t rate_num, int64_t rate_den,
             int32_t fee_bp, int64_t *gross, int64_t *net, int64_t *fee);

/**
 * The same as ::civic_redeem with JSON in and out (spec section 8 `redeem`):
 * `{"tokens", "rate_num", "rate_den", "fee_bp"}` gives
 * `{"gross", "net", "fee"}`.
 * @param ctx   error context (required); names the offending field.
 * @param input NUL-terminated JSON input object.
 * @param[out] output receives JSON text to free with ::civic_free; NULL on
 *   failure.
 * @return as ::civic_redeem, plus the JSON input codes
 *   (::CIVIC_E_MALFORMED_JSON, ::CIVIC_E_MISSING_FIELD, ::CIVIC_E_WRONG_TYPE,
 *   ::CIVIC_E_NOT_INTEGER, ::CIVIC_E_OVERFLOW for a literal outside int64).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_redeem_json(civic_ctx *ctx,
                                                         const char *input,
                                                         char **output);

/** A reward token kept on a ledger. */
typedef struct civic_token civic_token;

/**
 * Create an empty token handle over @p ledger; then either
 * ::civic_token_setup a new token or ::civic_token_load an existing one.
 * @param ledger borrowed; must outlive the token.
 * @param[out] out receives the handle; free with ::civic_token_free.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_new(civic_token **out,
                                                       civic_ledger *ledger);

/**
 * Set up a new token on the ledger: the token asset, the issuer, reserve and
 * funding accounts, and a setup event.
 * @param token a handle from ::civic_token_new that holds no token yet.
 * @param time  the caller's time of the setup (the core reads no clock).
 * @param config_json `{"code": "HLN", "scale": 0, "eur": "EUR",
 *   "eur_scale": 2, "issuer": "heerlen", "rate_num": 100, "rate_den": 1,
 *   "fee_bp": 0, "cap_month": 0, "cap_year": 1499, "lot_lifetime": 0,
 *   "citizen_transfers": false}`; only code and issuer are required (the
 *   rest default to the Heerlen pilot shown: 1 token = EUR 1.00, yearly cap
 *   1,499 tokens, no month cap (0), no expiry (0), no fee). The redemption
 *   rate num/den is in EUR minor units per token unit.
 * @return ::CIVIC_OK, a JSON input code naming the field,
 *   ::CIVIC_E_DUPLICATE_ID if that code is already set up on the ledger,
 *   ::CIVIC_E_INVALID_ARGUMENT if the handle already holds a token.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_setup(civic_token *token, const char *config_json, int64_t time);

/**
 * Load the token @p code set up earlier on the ledger, rebuilding its state
 * from the journal events (after ::civic_ledger_open, for instance).
 * @return ::CIVIC_E_UNKNOWN_REFERENCE if there is no such token;
 *   ::CIVIC_E_INVALID_ARGUMENT if the handle already holds a token.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_load(civic_token *token,
                                                        const char *code);

/** Free the token handle (not the ledger). Accepts NULL. */
CIVIC_API void civic_token_free(civic_token *token);

/** Last detailed error message on this token, or "". */
CIVIC_API const char *civic_token_errmsg(const civic_token *token);

/** Move @p amount (> 0) EUR minor units from the funding account into the
 * reserve. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_fund_reserve(
    civic_token *token, const char *actor, int64_t amount, int64_t time);

/** Switch citizen-to-citizen transfers on (1) or off (0). */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_set_citizen_transfers(
    civic_token *token, const char *actor, int allow, int64_t time);

/**
 * Create a task in state draft. @p task_json: `{"id", "title", "domain",
 * "zone", "reward" (> 0 token units), "capacity" (> 0 citizens), "start",
 * "end" (start < end; commitments are accepted in [start, end))}`.
 * @return ::CIVIC_E_DUPLICATE_ID for an existing id, JSON input codes.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_task_create(
    civic_token *token, const char *actor, const char *task_json, int64_t time);

/** Publish a draft task. ::CIVIC_E_TASK_STATE unless it is a draft. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_task_publish(
    civic_token *token, const char *actor, const char *task, int64_t time);

/**
 * A citizen commits to a published task inside its time window.
 * @return ::CIVIC_E_TASK_STATE (not published, outside the window, already
 *   committed), ::CIVIC_E_CAPACITY_FULL (committed, submitted and approved
 *   citizens already fill the capacity; a rejected one frees a place).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_task_commit(
    civic_token *token, const char *citizen, const char *task, int64_t time);

/** The committed citizen submits evidence (a reference such as a photo
 * hash). ::CIVIC_E_TASK_STATE unless the citizen is committed and the task
 * is published; ::CIVIC_E_ALREADY_REWARDED after approval. */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_task_submit(civic_token *token, const char *citizen,
                        const char *task, const char *evidence, int64_t time);

/**
 * Approve a submission and mint the task's reward to the citizen as a new
 * lot (expiring after the token's lot lifetime, if any), exactly once.
 * @return ::CIVIC_E_ALREADY_REWARDED (second approval),
 *   ::CIVIC_E_TASK_STATE (nothing submitted, or the task was cancelled),
 *   ::CIVIC_E_REWARD_CAP (month or year cap), ::CIVIC_E_RESERVE_INSUFFICIENT
 *   ((supply + reward) x rate would exceed the reserve).
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_task_approve(civic_token *token, const char *actor,
                         const char *task, const char *citizen, int64_t time);

/** Reject a submission (the citizen may commit again while there is room).
 * ::CIVIC_E_TASK_STATE unless submitted; ::CIVIC_E_ALREADY_REWARDED if
 * approved. */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_task_reject(civic_token *token, const char *actor, const char *task,
                        const char *citizen, const char *reason, int64_t time);

/** Expire a published task at or after its end: no new commitments or
 * evidence; submissions made before can still be approved or rejected. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_task_expire(
    civic_token *token, const char *actor, const char *task, int64_t time);

/** Cancel a draft or published task: nothing more is accepted or paid. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_task_cancel(
    civic_token *token, const char *actor, const char *task, int64_t time);

/** Register a local entrepreneur (active at once) with its token and payout
 * accounts. ::CIVIC_E_DUPLICATE_ID if registered already. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_entrepreneur_register(
    civic_token *token, const char *actor, const char *entrepreneur,
    const char *zone, int64_t time);

/** Activate (1) or deactivate (0) an entrepreneur.
 * ::CIVIC_E_NOT_ENTREPRENEUR if unknown. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_entrepreneur_set_active(
    civic_token *token, const char *actor, const char *entrepreneur, int active,
    int64_t time);

/**
 * A citizen pays @p amount (> 0) tokens to an entrepreneur, consuming lots
 * oldest minted_at first (ties: older lot first).
 * @return ::CIVIC_E_NOT_ENTREPRENEUR, ::CIVIC_E_ENTREPRENEUR_INACTIVE,
 *   ::CIVIC_E_TOKENS_EXPIRED (enough only counting expired lots),
 *   ::CIVIC_E_INSUFFICIENT_TOKENS.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_spend(civic_token *token, const char *citizen,
                  const char *entrepreneur, int64_t amount, int64_t time);

/** Citizen-to-citizen transfer; lots keep their dates.
 * ::CIVIC_E_TRANSFERS_DISABLED unless the policy allows it; otherwise as
 * ::civic_token_spend. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_transfer(civic_token *token,
                                                            const char *from,
                                                            const char *to,
                                                            int64_t amount,
                                                            int64_t time);

/**
 * An entrepreneur redeems @p tokens (> 0): they are burned and the reserve
 * pays net EUR (spec section 5 with the token's rate and fee) to the
 * entrepreneur's payout account; the fee stays in the reserve.
 * @param token        the token handle.
 * @param entrepreneur a registered entrepreneur's id.
 * @param tokens       token units to redeem (> 0).
 * @param time         the caller's time (never earlier than the last event).
 * @param[out] result_json optional; receives `{"gross","net","fee"}`, free
 *   with ::civic_free.
 * @return ::CIVIC_E_NOT_ENTREPRENEUR, ::CIVIC_E_INSUFFICIENT_TOKENS.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_redeem(civic_token *token, const char *entrepreneur, int64_t tokens,
                   int64_t time, char **result_json);

/** Burn every lot that has expired by @p time (every other operation does
 * this too); a no-op batch is not posted. */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_expire_lots(civic_token *token, int64_t time);

/**
 * Spendable balance at @p time of a citizen (unexpired lots) or an
 * entrepreneur. ::CIVIC_E_UNKNOWN_REFERENCE if neither is known.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_balance(const civic_token *token, const char *holder, int64_t time,
                    int64_t *balance);

/** A citizen's wallet at @p time as JSON `{"citizen", "balance", "expired",
 * "lots": [{"lot","amount","minted_at","expires_at"}]}` (oldest first). */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_wallet_json(
    const civic_token *token, const char *citizen, int64_t time, char **out);

/**
 * Create a poll. @p poll_json: `{"id", "method": "approval"|"quadratic",
 * "credits"?, "budget"?, "proposals": [{"id","cost"}], "opens", "closes"}`
 * (the tally form of spec section 8 without ballots; ballots are accepted in
 * [opens, closes) until closed).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_poll_create(
    civic_token *token, const char *actor, const char *poll_json, int64_t time);

/**
 * Cast one ballot. @p voter should be a pseudonym (see
 * ::civic_token_voter_pseudonym): the journal keeps only this string.
 * @p ballot_json is `{"approvals": [id]}` or `{"votes": {id: n}}`.
 * @return ::CIVIC_E_DUPLICATE_BALLOT, ::CIVIC_E_POLL_CLOSED, and the tally
 *   codes (unknown proposal, over credits, ...) for the ballot itself.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_poll_vote(civic_token *token, const char *poll, const char *voter,
                      const char *ballot_json, int64_t time);

/** Close a poll to ballots. */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_poll_close(
    civic_token *token, const char *actor, const char *poll, int64_t time);

/** Tally a poll (open or closed) as spec section 7: `{"ranking",
 * "selected"?}`, the same as `civic tally` on its proposals and ballots. */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_poll_tally(const civic_token *token, const char *poll, char **out);

/**
 * Pseudonymous voter id: hex of keyed BLAKE2b-256 over poll id, a zero byte
 * and citizen id, with a 32-byte key held by the municipality outside the
 * journal (64 hex characters). Different polls give unlinkable pseudonyms.
 * @param key_hex the municipality's 32-byte pseudonym key as 64 hex characters.
 * @param poll    the poll id.
 * @param citizen the citizen's own (non-pseudonymous) id.
 * @param[out] out 64 hex characters; free with ::civic_free.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_token_voter_pseudonym(
    const char *key_hex, const char *poll, const char *citizen, char **out);

/**
 * Dashboard as JSON: `{"token", "supply", "minted", "burned", "expired",
 * "reserve", "required_reserve", "coverage_bp", "tasks_by_status",
 * "commitments_by_state", "redemptions": [{"entrepreneur", "tokens",
 * "gross", "net", "fee", "count"}], "participation": [{"zone", "month",
 * "commitments", "completions", "citizens"}]}`. supply = minted - burned -
 * expired; required_reserve = ceil(supply x rate); coverage_bp =
 * floor(reserve x 10000 / (supply x rate)) or null when supply is 0.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_token_dashboard_json(const civic_token *token, char **out);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_TOKEN_H */
