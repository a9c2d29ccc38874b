/* Internal: fast, JSON-free access to a ledger for other library modules
 * (settlement, reward token, key registry) and for tests.
 *
 * Why this exists: settlement and the token module keep their own state
 * (consent records, task states) as generic journal events and rebuild it on
 * reopen by iterating the ledger's events; they also read balances and
 * pending totals while planning a batch. Going through JSON for that would
 * be slow and lossy, so these calls hand out plain structs.
 *
 * Lifetime: every `const char *` in a view points into the ledger's arena and
 * stays valid, unchanged, until civic_ledger_free (ids, events and transfers
 * are never deleted or edited). Each call takes the ledger's read lock, so
 * they are safe to call from any thread alongside posting; a sequence of
 * calls may see batches land in between (read civic_ledger_position_get first
 * and stop at it if you need one consistent snapshot: positions only grow).
 */
#ifndef CIVIC_LEDGER_INTERNAL_H
#define CIVIC_LEDGER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "civic/ledger.h"
#include "diag.h"

/* One journal event (see civic_batch_add_event). */
typedef struct civic_event_view {
  const char *id;
  const char *type;
  const char *actor;
  int64_t time;          /* the caller's time, as posted */
  const char *data_json; /* canonical JSON object text: compact, keys sorted */
  uint64_t position;     /* journal position (1-based record number) */
  size_t index;          /* index in posting order, for civic_ledger_event_at */
} civic_event_view;

/* Number of events, in posting order (index 0 is the oldest). */
size_t civic_ledger_event_count(const civic_ledger *ledger);

/* Event number `index` (0 <= index < count). CIVIC_E_OUT_OF_RANGE past the
 * end. */
civic_status civic_ledger_event_at(const civic_ledger *ledger, size_t index,
                                   civic_event_view *out);

/* The event with this id, or CIVIC_E_UNKNOWN_REFERENCE. */
civic_status civic_ledger_event_find(const civic_ledger *ledger, const char *id,
                                     civic_event_view *out);

/* One account's current figures. `balance` is posted credits minus posted
 * debits; `debits_pending` / `credits_pending` are open two-phase amounts.
 * The spendable amount is balance - debits_pending - min_balance (unless
 * has_min_balance is false: no limit). */
typedef struct civic_account_view {
  const char *id;
  const char *asset;
  bool has_min_balance;
  int64_t min_balance; /* CIVIC_NO_MIN_BALANCE when has_min_balance is false */
  int64_t balance;
  int64_t debits_pending;
  int64_t credits_pending;
  uint64_t created_position; /* journal position of the creating batch */
} civic_account_view;

/* Current figures of an account, or CIVIC_E_UNKNOWN_REFERENCE. */
civic_status civic_ledger_account_get(const civic_ledger *ledger,
                                      const char *id, civic_account_view *out);

/* true when an account / asset with this id / code exists. */
bool civic_ledger_has_account(const civic_ledger *ledger, const char *id);
bool civic_ledger_has_asset(const civic_ledger *ledger, const char *code);

/* Scale of an asset, or CIVIC_E_UNKNOWN_REFERENCE. */
civic_status civic_ledger_asset_scale(const civic_ledger *ledger,
                                      const char *code, int32_t *scale);

/* Kinds of transfer, as stored. */
typedef enum civic_transfer_kind {
  CIVIC_TRANSFER_NORMAL = 0,       /* moves funds at once */
  CIVIC_TRANSFER_PENDING = 1,      /* reserves funds (phase one) */
  CIVIC_TRANSFER_POST_PENDING = 2, /* completes a pending transfer */
  CIVIC_TRANSFER_VOID_PENDING = 3  /* cancels a pending transfer */
} civic_transfer_kind;

/* State of a pending transfer. */
typedef enum civic_pending_state {
  CIVIC_PENDING_NONE = 0, /* not a pending transfer */
  CIVIC_PENDING_OPEN = 1,
  CIVIC_PENDING_POSTED = 2,
  CIVIC_PENDING_VOIDED = 3
} civic_pending_state;

/* One stored transfer. For post/void, from/to/asset are those of the
 * pending transfer and amount is the amount actually moved (0 for void). */
typedef struct civic_transfer_view {
  civic_transfer_kind kind;
  const char *id;
  const char *from;
  const char *to;
  int64_t amount;
  const char *asset;
  int64_t time;
  const char *reference;  /* "" when none was given */
  const char *pending_id; /* "" unless kind is POST_PENDING / VOID_PENDING */
  civic_pending_state pending_state; /* for kind PENDING */
  uint64_t position;
} civic_transfer_view;

/* The transfer with this id, or CIVIC_E_UNKNOWN_REFERENCE. */
civic_status civic_ledger_transfer_find(const civic_ledger *ledger,
                                        const char *id,
                                        civic_transfer_view *out);

/* Number of transfers and transfer number `index` in posting order. */
size_t civic_ledger_transfer_count(const civic_ledger *ledger);
civic_status civic_ledger_transfer_at(const civic_ledger *ledger, size_t index,
                                      civic_transfer_view *out);

/* Current journal position (number of records; 0 for an empty ledger). */
uint64_t civic_ledger_position_get(const civic_ledger *ledger);

/* Post a batch and, on failure, copy the detailed message into `d` as well
 * (so a module can report "settle: ledger refused: transfers[3]...: ..."
 * through its own diag). Same semantics as civic_ledger_post. */
civic_status civic_ledger_post_diag(civic_ledger *ledger,
                                    const civic_batch *batch,
                                    uint64_t *position, civic_diag *d);

/* Number of items of each kind in a batch (for modules building batches). */
size_t civic_batch_item_count(const civic_batch *batch);

#endif
