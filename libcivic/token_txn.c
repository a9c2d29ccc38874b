/* One token operation = one ledger batch: its events (with their actor) and
 * the transfers they cause, all or nothing. Every operation starts by
 * sweeping the lots that have expired by its time into the same batch
 * (spec section 6), so after any successful operation the ledger's token
 * balances equal the unexpired lots. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_internal.h"
#include "token_internal.h"

civic_status tk_check_id(civic_diag *d, const char *what, const char *id) {
  size_t n;
  if (id == NULL)
    return civic_diag_set(d, CIVIC_E_INVALID_ARGUMENT, "%s: NULL", what);
  n = strlen(id);
  if (n == 0)
    return civic_diag_set(d, CIVIC_E_EMPTY, "%s: must not be empty", what);
  if (n >= TK_ID_MAX)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "%s: longer than %d bytes",
                          what, TK_ID_MAX - 1);
  /* ':' separates account-name parts and '/' event-id parts. */
  if (strpbrk(id, ":/") != NULL)
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "%s: \"%.64s\" must not contain ':' or '/'", what,
                          id);
  return CIVIC_OK;
}

static civic_status sweep_expired(tk_txn *x) {
  civic_token *t = x->t;
  json_t *lots = json_array();
  size_t i, j;
  civic_status st = CIVIC_OK;
  if (x->time < t->earliest_expiry) { /* nothing can have expired yet */
    json_decref(lots);
    return CIVIC_OK;
  }
  if (lots == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
  for (i = 0; i < t->n_citizens && st == CIVIC_OK; i++) {
    const tk_citizen *c = &t->citizens[i];
    int64_t burn = 0;
    for (j = 0; j < c->n_lots; j++) {
      const tk_lot *l = &c->lots[j];
      if (l->has_expiry && l->expires_at <= x->time && l->amount > 0) {
        burn += l->amount;
        if (json_array_append_new(lots, json_pack("[s,I,I]", c->id,
                                                  (json_int_t)l->lot,
                                                  (json_int_t)l->amount)) != 0)
          st = civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
      }
    }
    if (burn > 0 && st == CIVIC_OK) {
      char wallet[2 * TK_ID_MAX], issuer[2 * TK_ID_MAX];
      tk_account(wallet, sizeof wallet, t, "wallet", c->id);
      tk_account(issuer, sizeof issuer, t, "issuer", NULL);
      st = tk_txn_transfer(x, wallet, issuer, burn, false);
    }
  }
  if (st == CIVIC_OK && json_array_size(lots) > 0)
    return tk_txn_event(x, "civic.token.expire", "",
                        json_pack("{s:o}", "lots", lots));
  json_decref(lots);
  return st;
}

civic_status tk_txn_begin(tk_txn *x, civic_token *t, const char *actor,
                          int64_t time) {
  civic_status st;
  memset(x, 0, sizeof *x);
  x->t = t;
  x->time = time;
  x->seq = t->seq + 1;
  civic_diag_clear(&t->diag);
  if (actor == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT,
                          "actor: must not be NULL");
  /* The journal is the history: an operation dated before the latest one
   * would let an expiry or a cap be judged out of order. */
  if (time < t->last_time)
    return civic_diag_set(&t->diag, CIVIC_E_OUT_OF_RANGE,
                          "time: %lld is before the latest token event (%lld)",
                          (long long)time, (long long)t->last_time);
  if (civic_batch_new(&x->batch) != CIVIC_OK ||
      (x->events = json_array()) == NULL) {
    tk_txn_abort(x);
    return civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
  }
  st = sweep_expired(x);
  if (st != CIVIC_OK)
    tk_txn_abort(x);
  return st;
}

civic_status tk_txn_event(tk_txn *x, const char *type, const char *actor,
                          json_t *data) {
  civic_token *t = x->t;
  char id[64];
  char *text;
  civic_status st;
  if (data == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
  snprintf(id, sizeof id, "%s/%llu", t->cfg.code, (unsigned long long)x->seq);
  text = civic_json_dump(data);
  st = text ? civic_batch_add_event(x->batch, id, type, actor, x->time, text)
            : CIVIC_E_NOMEM;
  free(text);
  if (st == CIVIC_OK &&
      json_array_append_new(x->events, json_pack("[s,o]", type, data)) != 0)
    st = CIVIC_E_NOMEM;
  else if (st != CIVIC_OK)
    json_decref(data);
  if (st != CIVIC_OK)
    return civic_diag_set(&t->diag, st, "%s: cannot add the event", type);
  x->seq++;
  return CIVIC_OK;
}

civic_status tk_txn_transfer(tk_txn *x, const char *from, const char *to,
                             int64_t amount, bool eur) {
  civic_token *t = x->t;
  char id[64];
  civic_status st;
  snprintf(id, sizeof id, "%s/%llu.%u", t->cfg.code, (unsigned long long)x->seq,
           x->transfers++);
  st = civic_batch_add_transfer(x->batch, id, from, to, amount,
                                eur ? t->cfg.eur : t->cfg.code, x->time, NULL);
  if (st != CIVIC_OK)
    return civic_diag_set(&t->diag, st, "transfer %s -> %s: cannot add", from,
                          to);
  return CIVIC_OK;
}

civic_status tk_txn_account(tk_txn *x, const char *id, bool eur,
                            int64_t min_balance) {
  civic_token *t = x->t;
  civic_status st = civic_batch_add_account(
      x->batch, id, eur ? t->cfg.eur : t->cfg.code, min_balance);
  if (st != CIVIC_OK)
    return civic_diag_set(&t->diag, st, "account %s: cannot add", id);
  return CIVIC_OK;
}

void tk_txn_abort(tk_txn *x) {
  civic_batch_free(x->batch);
  json_decref(x->events);
  x->batch = NULL;
  x->events = NULL;
}

civic_status tk_txn_commit(tk_txn *x) {
  civic_token *t = x->t;
  size_t i;
  civic_status st = civic_ledger_post_diag(t->ledger, x->batch, NULL, &t->diag);
  for (i = 0; st == CIVIC_OK && i < json_array_size(x->events); i++) {
    const json_t *ev = json_array_get(x->events, i);
    st = tk_apply(t, json_string_value(json_array_get(ev, 0)),
                  json_array_get(ev, 1), x->time);
  }
  tk_txn_abort(x);
  return st;
}

civic_status tk_txn_finish(tk_txn *x, civic_status st) {
  if (st == CIVIC_OK)
    return tk_txn_commit(x);
  tk_txn_abort(x);
  return st;
}

civic_status tk_create_from_json(civic_token *t, const char *actor,
                                 const char *what, const char *json,
                                 int64_t time, tk_json_reader read,
                                 const char *type) {
  json_t *o = NULL, *data = NULL;
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  if (json == NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT, "%s: NULL", what);
  if (st == CIVIC_OK)
    st = civic_json_parse(&t->diag, json, strlen(json), &o);
  if (st == CIVIC_OK)
    st = read(t, o, &data);
  json_decref(o);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, type, actor, data);
  return tk_txn_finish(&x, st);
}
