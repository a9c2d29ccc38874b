/**
 * @file vote.h
 * @brief Deterministic vote tally (spec section 7): approval and quadratic
 *        ballots, ranking, and participatory-budget selection.
 *
 * The tally is a pure function of its JSON input. Polls kept on a ledger
 * (one ballot per resident per poll) live in token.h and use the same tally.
 *
 * Thread safety: every function here may run from any number of threads at
 * once, each with its own ::civic_ctx.
 */
#ifndef CIVIC_VOTE_H
#define CIVIC_VOTE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Tally one poll given as JSON (the `tally` form of spec section 8):
 * `{"method": "approval"|"quadratic", "credits"?, "budget"?,
 *   "proposals": [{"id", "cost"}], "ballots": [{"voter", "approvals": [id]} |
 *   {"voter", "votes": {id: n}}]}`.
 *
 * Output: `{"ranking": [{"id", "score"}], "selected": [id]}`; every proposal
 * is ranked (a score of 0 included), higher score first, ties by smaller id
 * byte-wise; `selected` appears only when `budget` is given and lists the
 * chosen proposals in ranking order.
 *
 * @param ctx   error context (required); names the offending field on error.
 * @param input NUL-terminated JSON text.
 * @param[out] output receives the output JSON text; free with ::civic_free.
 *   NULL on failure.
 * @return ::CIVIC_OK; ::CIVIC_E_MALFORMED_JSON (including duplicate keys in a
 *   `votes` object), ::CIVIC_E_MISSING_FIELD (also `credits` for quadratic),
 *   ::CIVIC_E_WRONG_TYPE, ::CIVIC_E_NOT_INTEGER, ::CIVIC_E_NEGATIVE_AMOUNT,
 *   ::CIVIC_E_OUT_OF_RANGE (unknown method), ::CIVIC_E_EMPTY (empty id or
 *   voter), ::CIVIC_E_DUPLICATE_ID (proposal id twice, or a ballot naming a
 *   proposal twice), ::CIVIC_E_UNKNOWN_REFERENCE (ballot names an unknown
 *   proposal), ::CIVIC_E_DUPLICATE_BALLOT (voter with two ballots),
 *   ::CIVIC_E_OVER_CREDITS, ::CIVIC_E_BALLOT_METHOD_MISMATCH,
 *   ::CIVIC_E_OVERFLOW (a score outside int64), ::CIVIC_E_NOMEM.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_tally_json(civic_ctx *ctx,
                                                        const char *input,
                                                        char **output);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_VOTE_H */
