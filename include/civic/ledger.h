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

/** A batch under construction: assets, accounts and transfers to post at once.
 */
typedef struct civic_batch civic_batch;

/** Marks an account whose balance has no lower limit (an outside party). */
#define CIVIC_NO_MIN_BALANCE INT64_MIN

/**
 * Create an in-memory ledger (nothing is written to disk).
 * @param[out] out receives the ledger; free with ::civic_ledger_free.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_ledger_new_memory(civic_ledger **out);

/**
 * Create a new, empty journal file at @p path and open it.
 * Fails with ::CIVIC_E_IO if the file already exists.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_create(civic_ledger **out,
                                                           const char *path);

/**
 * Open an existing journal, replaying and checking every record. A torn tail
 * left by a crash is cut back to the last whole record; any other damage is
 * refused (::CIVIC_E_JOURNAL_CORRUPT, ::CIVIC_E_JOURNAL_BROKEN_LINK,
 * ::CIVIC_E_SIGNATURE_INVALID, ...). On failure no handle is returned: call
 * ::civic_ledger_verify_file for the message naming the record. A second
 * writer on the same file gets ::CIVIC_E_JOURNAL_LOCKED.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_open(civic_ledger **out,
                                                         const char *path);

/** Close the journal (if any) and free the ledger. Accepts NULL. */
CIVIC_API void civic_ledger_free(civic_ledger *ledger);

/** Last detailed error message on this ledger, or "". */
CIVIC_API const char *civic_ledger_errmsg(const civic_ledger *ledger);

/**
 * Apply one batch given as JSON (spec section 9 form), all or nothing:
 * `{"assets": [{"code","scale"}], "accounts": [{"id","asset","min_balance"}],
 * "transfers": [{"id","from","to","amount","asset","time"?,"reference"?,
 * "pending"?: true} | {"id","post_pending": ID,"amount"?} |
 * {"id","void_pending": ID}], "events": [{"id","type","actor"?,"time"?,
 * "data": {}}]}`, every list optional (docs/ledger.md). Refusals give their
 * own code (::CIVIC_E_EXCEEDS_MIN_BALANCE, ::CIVIC_E_UNKNOWN_ACCOUNT, ...)
 * and ::civic_ledger_errmsg names the item ("transfers[3].amount: ...").
 * Thread-safe; durable on return for a journalled ledger.
 * @param[out] result optional; receives JSON
 *   `{"position": n, "applied": n, "skipped": n}` to free with ::civic_free.
 * @param ledger the ledger.
 * @param batch_json NUL-terminated JSON text of the batch.
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
CIVIC_API CIVIC_NODISCARD civic_status
civic_batch_add_transfer(civic_batch *batch, const char *id, const char *from,
                         const char *to, int64_t amount, const char *asset,
                         int64_t effective_time, const char *reference);

/**
 * Post a batch, all or nothing. Items whose id exists with identical fields
 * are skipped (safe retry). When the ledger has a journal the batch is
 * durable when this returns.
 * @param[out] position optional; receives the journal position of the batch.
 * @param ledger the ledger (may be shared by threads).
 * @param batch the batch to post; not modified.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_post(
    civic_ledger *ledger, const civic_batch *batch, uint64_t *position);

/** Current balance of an account. ::CIVIC_E_UNKNOWN_REFERENCE if none. */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_balance(
    const civic_ledger *ledger, const char *account, int64_t *balance);

/**
 * State hash (BLAKE2b-256 over the canonical state) as 64 lowercase hex
 * characters plus NUL, written into @p hex (at least 65 bytes).
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_ledger_state_hash_hex(const civic_ledger *ledger, char *hex);

/**
 * All balances as JSON `{"accounts": [{"id","asset","balance"}],
 * "state_hash": "<hex>"}`, accounts sorted by id byte-wise.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_ledger_balances_json(const civic_ledger *ledger, char **out);

/**
 * Add a pending transfer (phase one of a two-phase transfer): @p amount (> 0)
 * is reserved on @p from (it counts against its minimum balance) and shown
 * as pending on @p to, but no balance moves until a post.
 * Same parameters and ownership as ::civic_batch_add_transfer.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_batch_add_pending(civic_batch *batch, const char *id, const char *from,
                        const char *to, int64_t amount, const char *asset,
                        int64_t effective_time, const char *reference);

/**
 * Add a transfer @p id that posts (completes) the pending transfer
 * @p pending_id, moving @p amount (0 = the whole pending amount; may be
 * smaller, never larger) and releasing the rest of the reservation.
 * Refusals: ::CIVIC_E_PENDING_NOT_FOUND, ::CIVIC_E_NOT_PENDING,
 * ::CIVIC_E_PENDING_ALREADY_POSTED, ::CIVIC_E_PENDING_ALREADY_VOIDED,
 * ::CIVIC_E_POST_EXCEEDS_PENDING (reported when the batch is posted).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_add_post_pending(
    civic_batch *batch, const char *id, const char *pending_id, int64_t amount,
    int64_t effective_time, const char *reference);

/** Add a transfer @p id that voids (cancels) the pending transfer
 * @p pending_id, releasing its whole reservation. */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_add_void_pending(
    civic_batch *batch, const char *id, const char *pending_id,
    int64_t effective_time, const char *reference);

/**
 * Add a generic journal event (a state change of another module: a consent
 * record, a task state, a key registration). Idempotent by @p id like a
 * transfer. @p data_json must be a JSON object; it is stored in canonical
 * form (compact, keys sorted). @p actor may be "" but not NULL.
 * Events whose type starts with "civic.key." are the key registry:
 * "civic.key.register" with data {"key": ID, "public_key": HEX64,
 * "institution": ID (optional; without it a legacy key that owns nothing
 * under the signature policy)} and "civic.key.revoke" with data {"key": ID}.
 * "civic.policy.require_signatures" with data {"ledger": ID} turns on the
 * signature policy for good (see docs/ledger.md).
 * @return ::CIVIC_E_MALFORMED_JSON if @p data_json is not one JSON object.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_batch_add_event(civic_batch *batch, const char *id, const char *type,
                      const char *actor, int64_t time, const char *data_json);

/**
 * Sign the batch as institution key @p key_id with an Ed25519 secret key
 * given as 128 hex characters. The signature covers the batch's canonical
 * encoding and is checked against the ledger's key registry when the batch
 * is posted and whenever the journal is verified. Call after the last add.
 * @return ::CIVIC_E_INVALID_KEY for a malformed secret key.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_sign(
    civic_batch *batch, const char *key_id, const char *secret_key_hex);

/**
 * The digest an institution signs for @p batch (detached signing, e.g. on a
 * machine that never sees the ledger): BLAKE2b-256 over
 * "civic-batch-sig-v2" || u32 len || @p ledger_id || canonical body when the
 * ledger's signature policy is on (its ledger id), or over
 * "civic-batch-sig-v1" || body when @p ledger_id is "" (policy off). The
 * batch that turns the policy on is signed with its own ledger id.
 * @param[out] digest_hex 64 hex characters; free with ::civic_free.
 * Thread-safety: reads @p batch only.
 * @param batch the batch, after its last add.
 * @param ledger_id the ledger id, or "" while the policy is off.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_signing_digest_hex(
    const civic_batch *batch, const char *ledger_id, char **digest_hex);

/**
 * Ed25519-sign a 32-byte digest (64 hex, see
 * ::civic_batch_signing_digest_hex) with a secret key (128 hex).
 * @param[out] signature_hex 128 hex characters; free with ::civic_free.
 * @return ::CIVIC_E_INVALID_KEY for malformed hex.
 * @param digest_hex the 32-byte digest as 64 hex characters.
 * @param secret_key_hex the Ed25519 secret key as 128 hex characters.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_sign_digest_hex(
    const char *digest_hex, const char *secret_key_hex, char **signature_hex);

/**
 * Attach a detached Ed25519 signature (128 hex) made by key @p key_id over
 * ::civic_batch_signing_digest_hex. Replaces any earlier ::civic_batch_sign.
 * The signature is checked when the batch is posted.
 * @return ::CIVIC_E_INVALID_KEY for a malformed key id or signature.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_batch_set_signature(
    civic_batch *batch, const char *key_id, const char *signature_hex);

/**
 * Make a new Ed25519 key pair as hex (64 and 128 characters).
 * @param[out] public_key_hex, secret_key_hex free both with ::civic_free.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_keypair_new_hex(char **public_key_hex, char **secret_key_hex);

/**
 * Like ::civic_ledger_post_json, but the batch is signed as institution key
 * @p key_id with @p secret_key_hex (128 hex characters, see
 * ::civic_batch_sign) before it is posted.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_post_json_signed(
    civic_ledger *ledger, const char *batch_json, const char *key_id,
    const char *secret_key_hex, char **result);

/** Journal position of the last accepted batch (0 when empty). */
CIVIC_API CIVIC_NODISCARD civic_status
civic_ledger_position(const civic_ledger *ledger, uint64_t *position);

/**
 * Balance of an account as of journal position @p position (the state right
 * after that batch). ::CIVIC_E_OUT_OF_RANGE if @p position is in the future,
 * ::CIVIC_E_UNKNOWN_REFERENCE if the account did not exist then.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_ledger_balance_at(const civic_ledger *ledger, const char *account,
                        uint64_t position, int64_t *balance);

/**
 * One account as JSON: `{"id","asset","min_balance","balance",
 * "debits_pending","credits_pending"}` (min_balance null when unbounded).
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_account_json(
    const civic_ledger *ledger, const char *account, char **out);

/**
 * An account's history as JSON `{"account","asset","entries":[{"id","kind",
 * "position","time","from","to","amount","reference","balance"}]}` in
 * posting order; `balance` is the account's balance after the entry.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_history_json(
    const civic_ledger *ledger, const char *account, char **out);

/** Transfers whose reference equals @p reference, as JSON
 * `{"transfers": [...]}` in posting order. */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_transfers_by_reference_json(
    const civic_ledger *ledger, const char *reference, char **out);

/**
 * Events whose type starts with @p type_prefix ("" or NULL for all) as JSON
 * `{"events": [{"id","type","actor","time","data","position"}]}` in posting
 * order.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ledger_events_json(
    const civic_ledger *ledger, const char *type_prefix, char **out);

/**
 * Re-check a journal file from disk without opening it for writing: file
 * header, every record's checksum, hash link and signature, and that every
 * batch replays. Never modifies the file.
 * @param[out] report receives JSON `{"ok": true, "records": n,
 *   "state_hash": hex}` or `{"ok": false, "error": name, "record": n,
 *   "offset": n, "message": ...}`; free with ::civic_free. Set even when the
 *   journal is bad (the status then names the first failure).
 * @param path the journal file.
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_ledger_verify_file(const char *path, char **report);

/**
 * Export a journal file as JSON `{"records": [{"position","hash","signer",
 * "batch": {...}}]}` where each batch is in the spec section 9 form (plus
 * "events" and the two-phase fields).
 */
CIVIC_API CIVIC_NODISCARD civic_status
civic_ledger_export_file(const char *path, char **out);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_LEDGER_H */
