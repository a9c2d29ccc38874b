/* Internal: pieces of the token module shared between its files.
 *
 * The token keeps no state of its own on disk: every change is a generic
 * ledger event ("civic.token.*", id "<CODE>/<seq>") posted in the same batch
 * as the transfers it causes, and the in-memory state below is rebuilt on
 * open by applying those events in journal order. Operations therefore
 * (1) validate against the state, (2) describe the change as events plus
 * transfers in one batch, (3) post it, and only then (4) apply the very same
 * event data through tk_apply, the one mutation path shared with replay.
 */
#ifndef CIVIC_TOKEN_INTERNAL_H
#define CIVIC_TOKEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "civic/ledger.h"
#include "civic/token.h"
#include "diag.h"
#include "json.h"

/* Spec section 5: gross = floor(t*num/den), fee = floor(gross*fee_bp/10000),
 * net = gross - fee. Checks the ranges (t, num >= 0; den > 0; fee_bp in
 * 0..10000) and reports overflow of gross; `what` prefixes messages. */
civic_status civic_redeem_compute(civic_diag *d, const char *what,
                                  int64_t tokens, int64_t rate_num,
                                  int64_t rate_den, int64_t fee_bp,
                                  int64_t *gross, int64_t *net, int64_t *fee);

#define TK_ID_MAX 128

typedef struct tk_config {
  char code[16]; /* token asset code, also the account and event prefix */
  char eur[16];  /* reserve asset code */
  int32_t scale; /* token asset scale */
  int32_t eur_scale;
  char issuer[TK_ID_MAX];
  int64_t rate_num, rate_den, fee_bp;
  int64_t cap_month, cap_year; /* reward caps in token units; 0 = none */
  int64_t lot_lifetime;        /* seconds from mint to expiry; 0 = never */
  bool citizen_transfers;      /* policy switch */
} tk_config;

typedef struct tk_lot {
  int64_t lot;    /* number; smaller is older at equal minted_at */
  int64_t amount; /* what is left */
  int64_t minted_at;
  bool has_expiry;
  int64_t expires_at;
  int64_t expired; /* burned by expiry */
} tk_lot;

typedef struct tk_bucket {
  int32_t month; /* yyyy*100 + mm */
  int64_t amount;
} tk_bucket;

typedef struct tk_citizen {
  char *id;
  tk_lot *lots;
  size_t n_lots, cap_lots;
  tk_bucket *rewards; /* rewards received per month */
  size_t n_rewards, cap_rewards;
} tk_citizen;

typedef struct tk_ent {
  char *id;
  char *zone;
  bool active;
  int64_t balance; /* tokens held */
  int64_t redeemed_tokens, redeemed_gross, redeemed_net, redeemed_fee;
  int64_t redemptions, received;
} tk_ent;

typedef enum tk_commit_state {
  TK_COMMITTED = 0,
  TK_SUBMITTED = 1,
  TK_APPROVED = 2,
  TK_REJECTED = 3
} tk_commit_state;

typedef struct tk_commit {
  char *citizen;
  tk_commit_state state;
  int64_t committed_at;
  char *evidence;
} tk_commit;

typedef enum tk_task_status {
  TK_DRAFT = 0,
  TK_PUBLISHED = 1,
  TK_EXPIRED = 2,
  TK_CANCELLED = 3
} tk_task_status;

typedef struct tk_task {
  char *id, *title, *domain, *zone;
  int64_t reward, capacity, start, end;
  tk_task_status status;
  tk_commit *commits;
  size_t n_commits, cap_commits;
} tk_task;

typedef struct tk_poll {
  char *id;
  json_t *spec;    /* {method, credits?, budget?, proposals} */
  json_t *ballots; /* array of {voter, approvals|votes} */
  int64_t opens, closes;
  bool closed;
} tk_poll;

struct civic_token {
  civic_ledger *ledger; /* borrowed; must outlive the token */
  civic_diag diag;
  tk_config cfg;
  uint64_t seq;      /* token events so far (event ids are CODE/seq) */
  int64_t last_time; /* time of the latest event; time never goes back */
  int64_t next_lot;
  int64_t minted, burned, expired, reserve, funded, paid_out;
  /* A lower bound on the expiry of every lot that still holds tokens
   * (INT64_MAX: none expires), so operations before it skip the sweep. */
  int64_t earliest_expiry;
  tk_citizen *citizens;
  size_t n_citizens, cap_citizens;
  tk_ent *ents;
  size_t n_ents, cap_ents;
  tk_task *tasks;
  size_t n_tasks, cap_tasks;
  tk_poll *polls;
  size_t n_polls, cap_polls;
};

/* --- token_state.c: lookup, growth, calendar, apply, replay --- */

/* Grow a dynamic array so that one more element fits. */
bool tk_grow(void **items, size_t *cap, size_t n, size_t size);

tk_citizen *tk_find_citizen(const civic_token *t, const char *id);
tk_ent *tk_find_ent(const civic_token *t, const char *id);
tk_task *tk_find_task(const civic_token *t, const char *id);
tk_poll *tk_find_poll(const civic_token *t, const char *id);
tk_commit *tk_find_commit(const tk_task *task, const char *citizen);

/* yyyy*100 + mm of a time in seconds since 1970-01-01 UTC (proleptic
 * Gregorian, integers only). */
int32_t tk_month_of(int64_t time);

/* Unexpired token balance of a citizen at `time` and, beside it, the part of
 * the wallet that has expired by then (burned or about to be). */
void tk_citizen_balance(const tk_citizen *c, int64_t time, int64_t *live,
                        int64_t *expired);

/* Outstanding supply at `time`: minted - burned - expired, less lots that
 * have expired by `time` but are not swept yet. */
int64_t tk_supply_at(const civic_token *t, int64_t time);

/* Apply one event's data to the state (the only mutation path). */
civic_status tk_apply(civic_token *t, const char *type, const json_t *data,
                      int64_t time);

/* Account names. */
void tk_account(char *buf, size_t cap, const civic_token *t, const char *kind,
                const char *id);

/* --- token_txn.c: one operation = one batch --- */

typedef struct tk_txn {
  civic_token *t;
  civic_batch *batch;
  int64_t time;
  json_t *events; /* array of [type, data] applied after the post */
  uint64_t seq;   /* next event number */
  unsigned transfers;
} tk_txn;

/* Start an operation at `time`: checks time order and sweeps lots that
 * have expired by then into the same batch. */
civic_status tk_txn_begin(tk_txn *x, civic_token *t, const char *actor,
                          int64_t time);
/* Add an event (steals data). */
civic_status tk_txn_event(tk_txn *x, const char *type, const char *actor,
                          json_t *data);
/* Add a transfer of the token (asset 0) or of EUR (asset 1). */
civic_status tk_txn_transfer(tk_txn *x, const char *from, const char *to,
                             int64_t amount, bool eur);
civic_status tk_txn_account(tk_txn *x, const char *id, bool eur,
                            int64_t min_balance);
/* Post and apply; always frees the transaction. */
civic_status tk_txn_commit(tk_txn *x);
void tk_txn_abort(tk_txn *x);
/* End an operation: commit when st is CIVIC_OK, otherwise abort and return
 * st, so every operation ends with `return tk_txn_finish(&x, st);`. */
civic_status tk_txn_finish(tk_txn *x, civic_status st);

/* Turns a parsed JSON description into the data of a create event. */
typedef civic_status (*tk_json_reader)(civic_token *t, const json_t *in,
                                       json_t **data);
/* The shape shared by every "create from JSON" operation (task, poll):
 * parse `json` (named `what` in errors), build the event data with `read`
 * and post it as one event of `type`, all or nothing. */
civic_status tk_create_from_json(civic_token *t, const char *actor,
                                 const char *what, const char *json,
                                 int64_t time, tk_json_reader read,
                                 const char *type);

/* Check an id-like argument (non-empty, < TK_ID_MAX, no ':' or '/'). */
civic_status tk_check_id(civic_diag *d, const char *what, const char *id);

#endif
