/* The token on a ledger: setup and reopen, the reserve, the entrepreneur
 * registry, spending, citizen transfers, redemption and expiry. Tasks are in
 * task.c, polls in token_poll.c, the dashboard in token_dash.c. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "ledger_internal.h"
#include "token_internal.h"

#define ACC 2 * TK_ID_MAX

/* ---- setup and open ---- */

static civic_status opt_int(civic_diag *d, const json_t *o, const char *key,
                            int64_t min, int64_t max, int64_t dflt,
                            int64_t *out) {
  if (!civic_json_has(o, key)) {
    *out = dflt;
    return CIVIC_OK;
  }
  return civic_json_int(d, o, "", key, min, max, out);
}

static civic_status read_config(civic_diag *d, const json_t *o, tk_config *c) {
  const char *code, *eur = "EUR", *issuer;
  int64_t scale, eur_scale, cap_month, cap_year, life;
  bool transfers = false;
  civic_status st = civic_json_string(d, o, "", "code", true, &code);
  if (st == CIVIC_OK)
    st = tk_check_id(d, "code", code);
  if (st == CIVIC_OK && strlen(code) >= sizeof c->code)
    st = civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "code: at most 15 bytes");
  if (st == CIVIC_OK)
    st = civic_json_string(d, o, "", "issuer", true, &issuer);
  if (st == CIVIC_OK && civic_json_has(o, "eur"))
    st = civic_json_string(d, o, "", "eur", true, &eur);
  if (st == CIVIC_OK && strlen(eur) >= sizeof c->eur)
    st = civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "eur: at most 15 bytes");
  if (st == CIVIC_OK && strcmp(eur, code) == 0)
    st = civic_diag_set(d, CIVIC_E_DUPLICATE_ID, "eur: must differ from code");
  if (st == CIVIC_OK)
    st = opt_int(d, o, "scale", 0, 18, 0, &scale);
  if (st == CIVIC_OK)
    st = opt_int(d, o, "eur_scale", 0, 18, 2, &eur_scale);
  if (st == CIVIC_OK)
    st = opt_int(d, o, "rate_num", 0, INT64_MAX, 100, &c->rate_num);
  if (st == CIVIC_OK)
    st = opt_int(d, o, "rate_den", 1, INT64_MAX, 1, &c->rate_den);
  if (st == CIVIC_OK)
    st = opt_int(d, o, "fee_bp", 0, 10000, 0, &c->fee_bp);
  if (st == CIVIC_OK)
    st = opt_int(d, o, "cap_month", 0, INT64_MAX, 0, &cap_month);
  if (st == CIVIC_OK)
    st = opt_int(d, o, "cap_year", 0, INT64_MAX, 1499, &cap_year);
  if (st == CIVIC_OK)
    st = opt_int(d, o, "lot_lifetime", 0, INT64_MAX, 0, &life);
  if (st == CIVIC_OK && civic_json_has(o, "citizen_transfers"))
    st = civic_json_bool(d, o, "", "citizen_transfers", &transfers);
  if (st != CIVIC_OK)
    return st;
  snprintf(c->code, sizeof c->code, "%s", code);
  snprintf(c->eur, sizeof c->eur, "%s", eur);
  snprintf(c->issuer, sizeof c->issuer, "%.127s", issuer);
  c->scale = (int32_t)scale;
  c->eur_scale = (int32_t)eur_scale;
  c->cap_month = cap_month;
  c->cap_year = cap_year;
  c->lot_lifetime = life;
  c->citizen_transfers = transfers;
  return CIVIC_OK;
}

static void token_init(civic_token *t, civic_ledger *ledger) {
  memset(t, 0, sizeof *t);
  t->ledger = ledger;
  t->last_time = INT64_MIN;
  t->next_lot = 1;
  t->earliest_expiry = INT64_MAX;
}

/* Free everything the state owns and return to a fresh handle. */
static void token_clear(civic_token *t) {
  size_t i, j;
  civic_ledger *ledger = t->ledger;
  for (i = 0; i < t->n_citizens; i++) {
    free(t->citizens[i].id);
    free(t->citizens[i].lots);
    free(t->citizens[i].rewards);
  }
  for (i = 0; i < t->n_ents; i++) {
    free(t->ents[i].id);
    free(t->ents[i].zone);
  }
  for (i = 0; i < t->n_tasks; i++) {
    tk_task *k = &t->tasks[i];
    for (j = 0; j < k->n_commits; j++) {
      free(k->commits[j].citizen);
      free(k->commits[j].evidence);
    }
    free(k->commits);
    free(k->id);
    free(k->title);
    free(k->domain);
    free(k->zone);
  }
  for (i = 0; i < t->n_polls; i++) {
    free(t->polls[i].id);
    json_decref(t->polls[i].spec);
    json_decref(t->polls[i].ballots);
  }
  free(t->citizens);
  free(t->ents);
  free(t->tasks);
  free(t->polls);
  token_init(t, ledger);
}

static json_t *config_json(const tk_config *c) {
  return json_pack(
      "{s:s,s:s,s:s,s:i,s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:b}", "code", c->code,
      "eur", c->eur, "issuer", c->issuer, "scale", (int)c->scale, "eur_scale",
      (int)c->eur_scale, "rate_num", (json_int_t)c->rate_num, "rate_den",
      (json_int_t)c->rate_den, "fee_bp", (json_int_t)c->fee_bp, "cap_month",
      (json_int_t)c->cap_month, "cap_year", (json_int_t)c->cap_year,
      "lot_lifetime", (json_int_t)c->lot_lifetime, "citizen_transfers",
      c->citizen_transfers);
}

civic_status civic_token_new(civic_token **out, civic_ledger *ledger) {
  civic_token *t;
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  if (ledger == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  t = malloc(sizeof *t);
  if (t == NULL)
    return CIVIC_E_NOMEM;
  token_init(t, ledger);
  *out = t;
  return CIVIC_OK;
}

static civic_status need_fresh(civic_token *t) {
  civic_diag_clear(&t->diag);
  if (t->seq != 0)
    return civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT,
                          "token: this handle already holds token %s",
                          t->cfg.code);
  return CIVIC_OK;
}

static civic_status setup_batch(civic_token *t, int64_t time) {
  char acc[ACC];
  tk_txn x;
  civic_status st = tk_txn_begin(&x, t, t->cfg.issuer, time);
  if (st != CIVIC_OK)
    return st;
  if (civic_batch_add_asset(x.batch, t->cfg.code, t->cfg.scale) != CIVIC_OK ||
      civic_batch_add_asset(x.batch, t->cfg.eur, t->cfg.eur_scale) != CIVIC_OK)
    st = civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
  tk_account(acc, sizeof acc, t, "issuer", NULL);
  if (st == CIVIC_OK)
    st = tk_txn_account(&x, acc, false, CIVIC_NO_MIN_BALANCE);
  tk_account(acc, sizeof acc, t, "reserve", NULL);
  if (st == CIVIC_OK)
    st = tk_txn_account(&x, acc, true, 0);
  tk_account(acc, sizeof acc, t, "funding", NULL);
  if (st == CIVIC_OK)
    st = tk_txn_account(&x, acc, true, CIVIC_NO_MIN_BALANCE);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.setup", t->cfg.issuer,
                      config_json(&t->cfg));
  return tk_txn_finish(&x, st);
}

civic_status civic_token_setup(civic_token *t, const char *config_json_text,
                               int64_t time) {
  json_t *cfg = NULL;
  civic_event_view ev;
  char first[32];
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = need_fresh(t);
  if (st != CIVIC_OK)
    return st;
  if (config_json_text == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT, "config: NULL");
  st = civic_json_parse(&t->diag, config_json_text, strlen(config_json_text),
                        &cfg);
  if (st == CIVIC_OK)
    st = read_config(&t->diag, cfg, &t->cfg);
  json_decref(cfg);
  if (st == CIVIC_OK) {
    snprintf(first, sizeof first, "%s/1", t->cfg.code);
    if (civic_ledger_event_find(t->ledger, first, &ev) == CIVIC_OK)
      st = civic_diag_set(&t->diag, CIVIC_E_DUPLICATE_ID,
                          "code: token %s is already set up on this ledger",
                          t->cfg.code);
  }
  if (st == CIVIC_OK)
    st = setup_batch(t, time);
  if (st != CIVIC_OK) {
    civic_diag keep = t->diag;
    token_clear(t);
    t->diag = keep;
  }
  return st;
}

civic_status civic_token_load(civic_token *t, const char *code) {
  size_t i, n, plen;
  char prefix[32];
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = need_fresh(t);
  if (st != CIVIC_OK)
    return st;
  if (code == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT, "code: NULL");
  snprintf(prefix, sizeof prefix, "%.15s/", code);
  plen = strlen(prefix);
  n = civic_ledger_event_count(t->ledger);
  for (i = 0; i < n && st == CIVIC_OK; i++) {
    civic_event_view ev;
    json_t *data = NULL;
    st = civic_ledger_event_at(t->ledger, i, &ev);
    if (st != CIVIC_OK || strncmp(ev.id, prefix, plen) != 0 ||
        strncmp(ev.type, "civic.token.", 12) != 0)
      continue;
    st = civic_json_parse(&t->diag, ev.data_json, strlen(ev.data_json), &data);
    if (st == CIVIC_OK)
      st = tk_apply(t, ev.type, data, ev.time);
    json_decref(data);
  }
  if (st == CIVIC_OK && t->seq == 0)
    st = civic_diag_set(&t->diag, CIVIC_E_UNKNOWN_REFERENCE,
                        "code: no token %.15s on this ledger", code);
  if (st != CIVIC_OK) {
    civic_diag keep = t->diag;
    token_clear(t);
    t->diag = keep;
  }
  return st;
}

void civic_token_free(civic_token *t) {
  if (t == NULL)
    return;
  token_clear(t);
  free(t);
}

const char *civic_token_errmsg(const civic_token *t) {
  return t ? t->diag.msg : "no token";
}

/* ---- reserve and policy ---- */

static civic_status positive(civic_diag *d, const char *what, int64_t v) {
  if (v <= 0)
    return civic_diag_set(
        d, v < 0 ? CIVIC_E_NEGATIVE_AMOUNT : CIVIC_E_OUT_OF_RANGE,
        "%s: must be > 0, got %lld", what, (long long)v);
  return CIVIC_OK;
}

/* Finish an operation: post if everything before went well, else drop. */
civic_status civic_token_fund_reserve(civic_token *t, const char *actor,
                                      int64_t amount, int64_t time) {
  char from[ACC], to[ACC];
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  st = positive(&t->diag, "amount", amount);
  if (st == CIVIC_OK && t->reserve > INT64_MAX - amount)
    st =
        civic_diag_set(&t->diag, CIVIC_E_OVERFLOW, "amount: reserve overflows");
  tk_account(from, sizeof from, t, "funding", NULL);
  tk_account(to, sizeof to, t, "reserve", NULL);
  if (st == CIVIC_OK)
    st = tk_txn_transfer(&x, from, to, amount, true);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.fund", actor,
                      json_pack("{s:I}", "amount", (json_int_t)amount));
  return tk_txn_finish(&x, st);
}

civic_status civic_token_set_citizen_transfers(civic_token *t,
                                               const char *actor, int allow,
                                               int64_t time) {
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  st = tk_txn_event(&x, "civic.token.policy", actor,
                    json_pack("{s:b}", "citizen_transfers", allow != 0));
  return tk_txn_finish(&x, st);
}

/* ---- entrepreneurs ---- */

civic_status civic_token_entrepreneur_register(civic_token *t,
                                               const char *actor,
                                               const char *id, const char *zone,
                                               int64_t time) {
  char acc[ACC];
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  st = tk_check_id(&t->diag, "entrepreneur", id);
  if (st == CIVIC_OK && zone == NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT, "zone: NULL");
  if (st == CIVIC_OK && tk_find_ent(t, id) != NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_DUPLICATE_ID,
                        "entrepreneur: \"%s\" is already registered", id);
  if (st == CIVIC_OK && tk_find_citizen(t, id) != NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_DUPLICATE_ID,
                        "entrepreneur: \"%s\" is a citizen's id", id);
  if (st == CIVIC_OK) {
    tk_account(acc, sizeof acc, t, "shop", id);
    st = tk_txn_account(&x, acc, false, 0);
  }
  if (st == CIVIC_OK) {
    tk_account(acc, sizeof acc, t, "payout", id);
    st = tk_txn_account(&x, acc, true, 0);
  }
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.entrepreneur.register", actor,
                      json_pack("{s:s,s:s}", "entrepreneur", id, "zone", zone));
  return tk_txn_finish(&x, st);
}

civic_status civic_token_entrepreneur_set_active(civic_token *t,
                                                 const char *actor,
                                                 const char *id, int active,
                                                 int64_t time) {
  tk_txn x;
  civic_status st;
  if (t == NULL || id == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  if (tk_find_ent(t, id) == NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_NOT_ENTREPRENEUR,
                        "entrepreneur: \"%.64s\" is not registered", id);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x,
                      active ? "civic.token.entrepreneur.activate"
                             : "civic.token.entrepreneur.deactivate",
                      actor, json_pack("{s:s}", "entrepreneur", id));
  return tk_txn_finish(&x, st);
}

/* ---- spending ---- */

typedef struct lot_ref {
  const tk_lot *lot;
} lot_ref;

/* Spend order (spec section 6): oldest minted_at first, then older lot. */
static int lot_order(const void *a, const void *b) {
  const tk_lot *x = ((const lot_ref *)a)->lot, *y = ((const lot_ref *)b)->lot;
  if (x->minted_at != y->minted_at)
    return x->minted_at < y->minted_at ? -1 : 1;
  return x->lot < y->lot ? -1 : x->lot > y->lot;
}

/* Check the citizen can pay `amount` at the txn's time and pick the lots:
 * appends [lot, take] pairs to *picked (a new array). */
static civic_status pick_lots(tk_txn *x, const char *citizen, int64_t amount,
                              json_t **picked) {
  civic_token *t = x->t;
  const tk_citizen *c = tk_find_citizen(t, citizen);
  lot_ref *refs;
  size_t i, n = 0;
  int64_t live = 0, expired = 0, left = amount;
  *picked = NULL;
  if (c != NULL)
    tk_citizen_balance(c, x->time, &live, &expired);
  if (live < amount) {
    if (live + expired >= amount)
      return civic_diag_set(&t->diag, CIVIC_E_TOKENS_EXPIRED,
                            "amount: %s holds %lld unexpired tokens; %lld more "
                            "have expired",
                            citizen, (long long)live, (long long)expired);
    return civic_diag_set(&t->diag, CIVIC_E_INSUFFICIENT_TOKENS,
                          "amount: %s holds %lld tokens, %lld asked", citizen,
                          (long long)live, (long long)amount);
  }
  refs = calloc(c->n_lots ? c->n_lots : 1, sizeof *refs);
  *picked = json_array();
  if (refs == NULL || *picked == NULL) {
    free(refs);
    json_decref(*picked);
    *picked = NULL;
    return civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
  }
  for (i = 0; i < c->n_lots; i++) {
    const tk_lot *l = &c->lots[i];
    if (l->amount > 0 && !(l->has_expiry && l->expires_at <= x->time))
      refs[n++].lot = l;
  }
  qsort(refs, n, sizeof *refs, lot_order);
  for (i = 0; i < n && left > 0; i++) {
    int64_t take = refs[i].lot->amount < left ? refs[i].lot->amount : left;
    json_array_append_new(
        *picked,
        json_pack("[I,I]", (json_int_t)refs[i].lot->lot, (json_int_t)take));
    left -= take;
  }
  free(refs);
  return CIVIC_OK;
}

civic_status civic_token_spend(civic_token *t, const char *citizen,
                               const char *ent_id, int64_t amount,
                               int64_t time) {
  char from[ACC], to[ACC];
  const tk_ent *e;
  json_t *lots = NULL;
  tk_txn x;
  civic_status st;
  if (t == NULL || citizen == NULL || ent_id == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, citizen, time);
  if (st != CIVIC_OK)
    return st;
  st = positive(&t->diag, "amount", amount);
  e = tk_find_ent(t, ent_id);
  if (st == CIVIC_OK && e == NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_NOT_ENTREPRENEUR,
                        "entrepreneur: \"%.64s\" is not a registered "
                        "entrepreneur",
                        ent_id);
  if (st == CIVIC_OK && !e->active)
    st = civic_diag_set(&t->diag, CIVIC_E_ENTREPRENEUR_INACTIVE,
                        "entrepreneur: \"%.64s\" is deactivated", ent_id);
  if (st == CIVIC_OK)
    st = pick_lots(&x, citizen, amount, &lots);
  tk_account(from, sizeof from, t, "wallet", citizen);
  tk_account(to, sizeof to, t, "shop", ent_id);
  if (st == CIVIC_OK)
    st = tk_txn_transfer(&x, from, to, amount, false);
  if (st == CIVIC_OK) {
    st = tk_txn_event(&x, "civic.token.spend", citizen,
                      json_pack("{s:s,s:s,s:I,s:o}", "citizen", citizen,
                                "entrepreneur", ent_id, "amount",
                                (json_int_t)amount, "lots", lots));
    lots = NULL;
  }
  json_decref(lots);
  return tk_txn_finish(&x, st);
}

civic_status civic_token_transfer(civic_token *t, const char *from,
                                  const char *to, int64_t amount,
                                  int64_t time) {
  char a[ACC], b[ACC];
  json_t *lots = NULL;
  tk_txn x;
  size_t i;
  int64_t next;
  civic_status st;
  if (t == NULL || from == NULL || to == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, from, time);
  if (st != CIVIC_OK)
    return st;
  if (!t->cfg.citizen_transfers)
    st = civic_diag_set(&t->diag, CIVIC_E_TRANSFERS_DISABLED,
                        "to: transfers between citizens are switched off");
  if (st == CIVIC_OK)
    st = positive(&t->diag, "amount", amount);
  if (st == CIVIC_OK)
    st = tk_check_id(&t->diag, "to", to);
  if (st == CIVIC_OK && strcmp(from, to) == 0)
    st = civic_diag_set(&t->diag, CIVIC_E_OUT_OF_RANGE,
                        "to: the same citizen as from");
  if (st == CIVIC_OK && tk_find_ent(t, to) != NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_OUT_OF_RANGE,
                        "to: \"%.64s\" is an entrepreneur; use spend", to);
  if (st == CIVIC_OK)
    st = pick_lots(&x, from, amount, &lots);
  /* The receiver gets new lot numbers, keeping the dates of the old lots. */
  for (i = 0, next = t->next_lot; st == CIVIC_OK && i < json_array_size(lots);
       i++)
    json_array_append_new(json_array_get(lots, i), json_integer(next++));
  tk_account(a, sizeof a, t, "wallet", from);
  tk_account(b, sizeof b, t, "wallet", to);
  if (st == CIVIC_OK)
    st = tk_txn_account(&x, b, false, 0);
  if (st == CIVIC_OK)
    st = tk_txn_transfer(&x, a, b, amount, false);
  if (st == CIVIC_OK) {
    st = tk_txn_event(&x, "civic.token.transfer", from,
                      json_pack("{s:s,s:s,s:I,s:o}", "from", from, "to", to,
                                "amount", (json_int_t)amount, "lots", lots));
    lots = NULL;
  }
  json_decref(lots);
  return tk_txn_finish(&x, st);
}

/* ---- redemption and expiry ---- */

civic_status civic_token_redeem(civic_token *t, const char *ent_id,
                                int64_t tokens, int64_t time,
                                char **result_json) {
  char shop[ACC], issuer[ACC], reserve[ACC], payout[ACC];
  const tk_ent *e;
  int64_t gross = 0, net = 0, fee = 0;
  tk_txn x;
  civic_status st;
  if (t == NULL || ent_id == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  if (result_json != NULL)
    *result_json = NULL;
  st = tk_txn_begin(&x, t, ent_id, time);
  if (st != CIVIC_OK)
    return st;
  st = positive(&t->diag, "tokens", tokens);
  e = tk_find_ent(t, ent_id);
  /* A deactivated entrepreneur may still cash in what it already holds. */
  if (st == CIVIC_OK && e == NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_NOT_ENTREPRENEUR,
                        "entrepreneur: \"%.64s\" is not registered", ent_id);
  if (st == CIVIC_OK && e->balance < tokens)
    st = civic_diag_set(&t->diag, CIVIC_E_INSUFFICIENT_TOKENS,
                        "tokens: %s holds %lld, %lld asked", ent_id,
                        (long long)e->balance, (long long)tokens);
  if (st == CIVIC_OK)
    st = civic_redeem_compute(&t->diag, "redeem: ", tokens, t->cfg.rate_num,
                              t->cfg.rate_den, t->cfg.fee_bp, &gross, &net,
                              &fee);
  tk_account(shop, sizeof shop, t, "shop", ent_id);
  tk_account(issuer, sizeof issuer, t, "issuer", NULL);
  tk_account(reserve, sizeof reserve, t, "reserve", NULL);
  tk_account(payout, sizeof payout, t, "payout", ent_id);
  if (st == CIVIC_OK)
    st = tk_txn_transfer(&x, shop, issuer, tokens, false);
  if (st == CIVIC_OK && net > 0)
    st = tk_txn_transfer(&x, reserve, payout, net, true);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.redeem", ent_id,
                      json_pack("{s:s,s:I,s:I,s:I,s:I}", "entrepreneur", ent_id,
                                "tokens", (json_int_t)tokens, "gross",
                                (json_int_t)gross, "net", (json_int_t)net,
                                "fee", (json_int_t)fee));
  st = tk_txn_finish(&x, st);
  if (st == CIVIC_OK && result_json != NULL) {
    json_t *r = json_pack("{s:I,s:I,s:I}", "gross", (json_int_t)gross, "net",
                          (json_int_t)net, "fee", (json_int_t)fee);
    *result_json = r ? civic_json_dump(r) : NULL;
    json_decref(r);
  }
  return st;
}

civic_status civic_token_expire_lots(civic_token *t, int64_t time) {
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, "", time);
  if (st != CIVIC_OK)
    return st;
  if (json_array_size(x.events) == 0) { /* nothing expired: post nothing */
    tk_txn_abort(&x);
    return CIVIC_OK;
  }
  return tk_txn_commit(&x);
}

/* ---- queries ---- */

civic_status civic_token_balance(const civic_token *t, const char *holder,
                                 int64_t time, int64_t *balance) {
  const tk_citizen *c;
  const tk_ent *e;
  int64_t live, expired;
  if (t == NULL || holder == NULL || balance == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  e = tk_find_ent(t, holder);
  if (e != NULL) {
    *balance = e->balance;
    return CIVIC_OK;
  }
  c = tk_find_citizen(t, holder);
  if (c == NULL)
    return CIVIC_E_UNKNOWN_REFERENCE;
  tk_citizen_balance(c, time, &live, &expired);
  *balance = live;
  return CIVIC_OK;
}

civic_status civic_token_wallet_json(const civic_token *t, const char *citizen,
                                     int64_t time, char **out) {
  const tk_citizen *c;
  json_t *o, *lots;
  int64_t live = 0, expired = 0;
  size_t i;
  if (t == NULL || citizen == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  c = tk_find_citizen(t, citizen);
  if (c != NULL)
    tk_citizen_balance(c, time, &live, &expired);
  lots = json_array();
  for (i = 0; c != NULL && i < c->n_lots; i++) {
    const tk_lot *l = &c->lots[i];
    if (l->amount == 0 || (l->has_expiry && l->expires_at <= time))
      continue;
    json_array_append_new(
        lots,
        json_pack("{s:I,s:I,s:I,s:o}", "lot", (json_int_t)l->lot, "amount",
                  (json_int_t)l->amount, "minted_at", (json_int_t)l->minted_at,
                  "expires_at",
                  l->has_expiry ? json_integer(l->expires_at) : json_null()));
  }
  o = json_pack("{s:s,s:I,s:I,s:o}", "citizen", citizen, "balance",
                (json_int_t)live, "expired", (json_int_t)expired, "lots", lots);
  *out = o ? civic_json_dump(o) : NULL;
  json_decref(o);
  return *out ? CIVIC_OK : CIVIC_E_NOMEM;
}

civic_status civic_token_voter_pseudonym(const char *key_hex, const char *poll,
                                         const char *citizen, char **out) {
  unsigned char key[32], hash[32];
  crypto_generichash_state st;
  size_t len = 0;
  if (out == NULL || key_hex == NULL || poll == NULL || citizen == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  if (civic_init() != CIVIC_OK)
    return CIVIC_E_NOMEM;
  if (sodium_hex2bin(key, sizeof key, key_hex, strlen(key_hex), NULL, &len,
                     NULL) != 0 ||
      len != sizeof key || strlen(key_hex) != 64)
    return CIVIC_E_OUT_OF_RANGE;
  crypto_generichash_init(&st, key, sizeof key, sizeof hash);
  crypto_generichash_update(&st, (const unsigned char *)poll, strlen(poll) + 1);
  crypto_generichash_update(&st, (const unsigned char *)citizen,
                            strlen(citizen));
  crypto_generichash_final(&st, hash, sizeof hash);
  sodium_memzero(key, sizeof key);
  *out = malloc(65);
  if (*out == NULL)
    return CIVIC_E_NOMEM;
  sodium_bin2hex(*out, 65, hash, sizeof hash);
  return CIVIC_OK;
}
