/**
 * @file ledger.h
 * @brief Deterministic double-entry ledger with an append-only, hash-linked
 *        journal (spec sections 1 and 9).
 *
 * A ledger is either in memory only or backed by a journal file. Every
 * accepted batch becomes one journal record; reopening replays the records to
 * the identical state hash.
 *
 * Thread safety: a ::civic_ledger may be shared by many threads. Posting
 * calls are serialised inside the handle (and durable posts from several
 * threads share one fsync: group commit); queries may run concurrently with
 * each other and see a whole-batch state. A ::civic_batch belongs to one
 * thread at a time. The error message of a ledger is per handle, so with
 * several threads read it through the calls that return it to you
 * (civic_ledger_post_json's result) rather than ::civic_ledger_errmsg.
 */
#ifndef CIVIC_LEDGER_H
#define CIVIC_LEDGER_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A ledger: accounts, balances and (optionally) its journal file. */
typedef struct civic_ledger civic_ledger;

/** A batch under construction: assets, accounts and transfers to post at once. */
typedef struct civic_batch civic_batch;

/** Marks an account whose balance has no lower limit (an outside party). */
#define CIVIC_NO_MIN_BALANCE INT64_MIN

/**
 * Create an in-memory ledger (nothing is written to disk).
 * @param[out] out receives the ledger; free with ::civic_ledger_free.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_new_memory(civic_ledger **out);

/**
 * Create a new, empty journal file at @p path and open it.
 * Fails with ::CIVIC_E_IO if the file already exists.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_create(civic_ledger **out,
                                                           const char *path);

/**
 * Open an existing journal, replaying and checking every record. A torn tail
 * left by a crash is cut back to the last whole record; any other damage is
 * refused with a message naming the record.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_open(civic_ledger **out,
                                                         const char *path);

/** Close the journal (if any) and free the ledger. Accepts NULL. */
CIVIC_API void civic_ledger_free(civic_ledger *ledger);

/** Last detailed error message on this ledger, or "". */
CIVIC_API const char *civic_ledger_errmsg(const civic_ledger *ledger);

/**
 * Apply one batch given as JSON (spec section 9 form), all or nothing.
 * @param[out] result optional; receives JSON
 *   `{"position": n, "applied": n, "skipped": n}` to free with ::civic_free.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_post_json(
    civic_ledger *ledger, const char *batch_json, char **result);

/** Create an empty batch. Free with ::civic_batch_free. */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_new(civic_batch **out);

/** Free a batch. Accepts NULL. */
CIVIC_API void civic_batch_free(civic_batch *batch);

/** Empty a batch for reuse, keeping its memory. */
CIVIC_API void civic_batch_clear(civic_batch *batch);

/** Add an asset (code such as "EUR", scale 0..18). */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_add_asset(civic_batch *batch,
                                                             const char *code,
                                                             int32_t scale);

/**
 * Add an account. @p min_balance is the lowest balance the account may reach
 * (0 for an escrow or wallet, negative for a credit line) or
 * ::CIVIC_NO_MIN_BALANCE for no limit.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_add_account(
    civic_batch *batch, const char *id, const char *asset, int64_t min_balance);

/**
 * Add a transfer of @p amount (> 0) minor units from @p from to @p to.
 * @p effective_time is the caller's time (the core never reads a clock);
 * @p reference is an opaque string kept with the transfer (may be NULL).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_add_transfer(
    civic_batch *batch, const char *id, const char *from, const char *to,
    int64_t amount, const char *asset, int64_t effective_time,
    const char *reference);

/**
 * Post a batch, all or nothing. Items whose id exists with identical fields
 * are skipped (safe retry). When the ledger has a journal the batch is
 * durable when this returns.
 * @param[out] position optional; receives the journal position of the batch.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_post(civic_ledger *ledger,
                                                         const civic_batch *batch,
                                                         uint64_t *position);

/** Current balance of an account. ::CIVIC_E_UNKNOWN_REFERENCE if none. */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_balance(
    const civic_ledger *ledger, const char *account, int64_t *balance);

/**
 * State hash (BLAKE2b-256 over the canonical state) as 64 lowercase hex
 * characters plus NUL, written into @p hex (at least 65 bytes).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_state_hash_hex(
    const civic_ledger *ledger, char *hex);

/**
 * All balances as JSON `{"accounts": [{"id","asset","balance"}],
 * "state_hash": "<hex>"}`, accounts sorted by id byte-wise.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_balances_json(
    const civic_ledger *ledger, char **out);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_LEDGER_H */
