/* Token state: lookups, the calendar, balances, and tk_apply, the single
 * place where token events change the in-memory state (used both after a
 * successful post and when replaying the journal on open). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "token_internal.h"

bool tk_grow(void **items, size_t *cap, size_t n, size_t size) {
  void *grown;
  size_t want;
  if (n < *cap)
    return true;
  want = *cap ? *cap * 2 : 8;
  grown = realloc(*items, want * size);
  if (grown == NULL)
    return false;
  memset((char *)grown + *cap * size, 0, (want - *cap) * size);
  *items = grown;
  *cap = want;
  return true;
}

/* Linear lookups: a pilot has hundreds of tasks and thousands of citizens;
 * a hash index is the obvious next step if that grows. */
tk_citizen *tk_find_citizen(const civic_token *t, const char *id) {
  size_t i;
  for (i = 0; i < t->n_citizens; i++)
    if (strcmp(t->citizens[i].id, id) == 0)
      return &t->citizens[i];
  return NULL;
}

tk_ent *tk_find_ent(const civic_token *t, const char *id) {
  size_t i;
  for (i = 0; i < t->n_ents; i++)
    if (strcmp(t->ents[i].id, id) == 0)
      return &t->ents[i];
  return NULL;
}

tk_task *tk_find_task(const civic_token *t, const char *id) {
  size_t i;
  for (i = 0; i < t->n_tasks; i++)
    if (strcmp(t->tasks[i].id, id) == 0)
      return &t->tasks[i];
  return NULL;
}

tk_poll *tk_find_poll(const civic_token *t, const char *id) {
  size_t i;
  for (i = 0; i < t->n_polls; i++)
    if (strcmp(t->polls[i].id, id) == 0)
      return &t->polls[i];
  return NULL;
}

tk_commit *tk_find_commit(const tk_task *task, const char *citizen) {
  size_t i;
  for (i = 0; i < task->n_commits; i++)
    if (strcmp(task->commits[i].citizen, citizen) == 0)
      return &task->commits[i];
  return NULL;
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, pure
 * integer arithmetic, valid over the whole int64 range of seconds). */
int32_t tk_month_of(int64_t time) {
  int64_t days = time / 86400 - (time % 86400 < 0 ? 1 : 0);
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2)
    y++;
  return (int32_t)(y * 100 + m);
}

static bool lot_expired(const tk_lot *l, int64_t time) {
  return l->has_expiry && l->expires_at <= time;
}

void tk_citizen_balance(const tk_citizen *c, int64_t time, int64_t *live,
                        int64_t *expired) {
  size_t i;
  *live = 0;
  *expired = 0;
  for (i = 0; i < c->n_lots; i++) {
    const tk_lot *l = &c->lots[i];
    if (lot_expired(l, time))
      *expired += l->amount + l->expired;
    else
      *live += l->amount;
  }
}

int64_t tk_supply_at(const civic_token *t, int64_t time) {
  int64_t supply = t->minted - t->burned - t->expired;
  size_t i, j;
  if (time < t->earliest_expiry)
    return supply;
  for (i = 0; i < t->n_citizens; i++)
    for (j = 0; j < t->citizens[i].n_lots; j++)
      if (lot_expired(&t->citizens[i].lots[j], time))
        supply -= t->citizens[i].lots[j].amount;
  return supply;
}

void tk_account(char *buf, size_t cap, const civic_token *t, const char *kind,
                const char *id) {
  if (id == NULL)
    snprintf(buf, cap, "%s:%s", t->cfg.code, kind);
  else
    snprintf(buf, cap, "%s:%s:%s", t->cfg.code, kind, id);
}

/* ---- reading event data (written by this module, checked anyway) ---- */

static const char *str_of(const json_t *data, const char *key) {
  const char *s = json_string_value(json_object_get(data, key));
  return s ? s : "";
}

static int64_t int_of(const json_t *data, const char *key) {
  return (int64_t)json_integer_value(json_object_get(data, key));
}

static char *dup(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p)
    memcpy(p, s, n);
  return p;
}

#define NOMEM(t) civic_diag_set(&(t)->diag, CIVIC_E_NOMEM, "out of memory")

static tk_citizen *citizen_or_new(civic_token *t, const char *id) {
  tk_citizen *c = tk_find_citizen(t, id);
  if (c != NULL)
    return c;
  if (!tk_grow((void **)&t->citizens, &t->cap_citizens, t->n_citizens,
               sizeof *t->citizens))
    return NULL;
  c = &t->citizens[t->n_citizens];
  memset(c, 0, sizeof *c);
  c->id = dup(id);
  if (c->id == NULL)
    return NULL;
  t->n_citizens++;
  return c;
}

static tk_lot *find_lot(tk_citizen *c, int64_t lot) {
  size_t i;
  for (i = 0; i < c->n_lots; i++)
    if (c->lots[i].lot == lot)
      return &c->lots[i];
  return NULL;
}

static civic_status add_lot(civic_token *t, tk_citizen *c, const tk_lot *l) {
  if (!tk_grow((void **)&c->lots, &c->cap_lots, c->n_lots, sizeof *c->lots))
    return NOMEM(t);
  c->lots[c->n_lots++] = *l;
  if (l->has_expiry && l->amount > 0 && l->expires_at < t->earliest_expiry)
    t->earliest_expiry = l->expires_at;
  if (l->lot >= t->next_lot)
    t->next_lot = l->lot + 1;
  return CIVIC_OK;
}

static civic_status add_reward(civic_token *t, tk_citizen *c, int32_t month,
                               int64_t amount) {
  size_t i;
  for (i = 0; i < c->n_rewards; i++)
    if (c->rewards[i].month == month) {
      c->rewards[i].amount += amount;
      return CIVIC_OK;
    }
  if (!tk_grow((void **)&c->rewards, &c->cap_rewards, c->n_rewards,
               sizeof *c->rewards))
    return NOMEM(t);
  c->rewards[c->n_rewards].month = month;
  c->rewards[c->n_rewards].amount = amount;
  c->n_rewards++;
  return CIVIC_OK;
}

static civic_status bad_event(civic_token *t, const char *type,
                              const char *why) {
  return civic_diag_set(&t->diag, CIVIC_E_UNKNOWN_REFERENCE,
                        "token event %s: %s", type, why);
}

/* ---- one function per event type ---- */

static civic_status apply_setup(civic_token *t, const json_t *d) {
  tk_config *c = &t->cfg;
  snprintf(c->code, sizeof c->code, "%s", str_of(d, "code"));
  snprintf(c->eur, sizeof c->eur, "%s", str_of(d, "eur"));
  snprintf(c->issuer, sizeof c->issuer, "%s", str_of(d, "issuer"));
  c->scale = (int32_t)int_of(d, "scale");
  c->eur_scale = (int32_t)int_of(d, "eur_scale");
  c->rate_num = int_of(d, "rate_num");
  c->rate_den = int_of(d, "rate_den");
  c->fee_bp = int_of(d, "fee_bp");
  c->cap_month = int_of(d, "cap_month");
  c->cap_year = int_of(d, "cap_year");
  c->lot_lifetime = int_of(d, "lot_lifetime");
  c->citizen_transfers = json_is_true(json_object_get(d, "citizen_transfers"));
  return CIVIC_OK;
}

static civic_status apply_task_create(civic_token *t, const json_t *d) {
  tk_task *task;
  if (!tk_grow((void **)&t->tasks, &t->cap_tasks, t->n_tasks, sizeof *t->tasks))
    return NOMEM(t);
  task = &t->tasks[t->n_tasks];
  memset(task, 0, sizeof *task);
  task->id = dup(str_of(d, "task"));
  task->title = dup(str_of(d, "title"));
  task->domain = dup(str_of(d, "domain"));
  task->zone = dup(str_of(d, "zone"));
  if (!task->id || !task->title || !task->domain || !task->zone) {
    free(task->id);
    free(task->title);
    free(task->domain);
    free(task->zone);
    return NOMEM(t);
  }
  task->reward = int_of(d, "reward");
  task->capacity = int_of(d, "capacity");
  task->start = int_of(d, "start");
  task->end = int_of(d, "end");
  task->status = TK_DRAFT;
  t->n_tasks++;
  return CIVIC_OK;
}

static civic_status apply_task_commit(civic_token *t, tk_task *task,
                                      const json_t *d, int64_t time) {
  const char *citizen = str_of(d, "citizen");
  tk_commit *c = tk_find_commit(task, citizen);
  if (c != NULL) { /* a rejected citizen tries again */
    c->state = TK_COMMITTED;
    c->committed_at = time;
    return CIVIC_OK;
  }
  if (!tk_grow((void **)&task->commits, &task->cap_commits, task->n_commits,
               sizeof *task->commits))
    return NOMEM(t);
  c = &task->commits[task->n_commits];
  memset(c, 0, sizeof *c);
  c->citizen = dup(citizen);
  if (c->citizen == NULL)
    return NOMEM(t);
  c->state = TK_COMMITTED;
  c->committed_at = time;
  task->n_commits++;
  return CIVIC_OK;
}

static civic_status apply_approve(civic_token *t, tk_task *task,
                                  const json_t *d, int64_t time) {
  tk_commit *c = tk_find_commit(task, str_of(d, "citizen"));
  tk_citizen *who;
  tk_lot lot;
  civic_status st;
  if (c == NULL)
    return bad_event(t, "approve", "no commitment");
  who = citizen_or_new(t, c->citizen);
  if (who == NULL)
    return NOMEM(t);
  memset(&lot, 0, sizeof lot);
  lot.lot = int_of(d, "lot");
  lot.amount = int_of(d, "amount");
  lot.minted_at = time;
  lot.has_expiry = json_is_integer(json_object_get(d, "expires_at"));
  lot.expires_at = lot.has_expiry ? int_of(d, "expires_at") : 0;
  st = add_lot(t, who, &lot);
  if (st == CIVIC_OK)
    st = add_reward(t, who, tk_month_of(time), lot.amount);
  if (st != CIVIC_OK)
    return st;
  c->state = TK_APPROVED;
  t->minted += lot.amount;
  return CIVIC_OK;
}

static civic_status apply_task_event(civic_token *t, const char *verb,
                                     const json_t *d, int64_t time) {
  tk_task *task = tk_find_task(t, str_of(d, "task"));
  tk_commit *c;
  if (task == NULL)
    return bad_event(t, verb, "unknown task");
  if (strcmp(verb, "publish") == 0)
    task->status = TK_PUBLISHED;
  else if (strcmp(verb, "expire") == 0)
    task->status = TK_EXPIRED;
  else if (strcmp(verb, "cancel") == 0)
    task->status = TK_CANCELLED;
  else if (strcmp(verb, "commit") == 0)
    return apply_task_commit(t, task, d, time);
  else if (strcmp(verb, "approve") == 0)
    return apply_approve(t, task, d, time);
  else if (strcmp(verb, "submit") == 0 || strcmp(verb, "reject") == 0) {
    c = tk_find_commit(task, str_of(d, "citizen"));
    if (c == NULL)
      return bad_event(t, verb, "no commitment");
    if (verb[0] == 's') {
      free(c->evidence);
      c->evidence = dup(str_of(d, "evidence"));
      if (c->evidence == NULL)
        return NOMEM(t);
      c->state = TK_SUBMITTED;
    } else {
      c->state = TK_REJECTED;
    }
  } else
    return bad_event(t, verb, "unknown task verb");
  return CIVIC_OK;
}

static civic_status apply_entrepreneur(civic_token *t, const char *verb,
                                       const json_t *d) {
  const char *id = str_of(d, "entrepreneur");
  tk_ent *e = tk_find_ent(t, id);
  if (strcmp(verb, "register") == 0) {
    if (!tk_grow((void **)&t->ents, &t->cap_ents, t->n_ents, sizeof *t->ents))
      return NOMEM(t);
    e = &t->ents[t->n_ents];
    memset(e, 0, sizeof *e);
    e->id = dup(id);
    e->zone = dup(str_of(d, "zone"));
    if (e->id == NULL || e->zone == NULL) {
      free(e->id);
      free(e->zone);
      return NOMEM(t);
    }
    e->active = true;
    t->n_ents++;
    return CIVIC_OK;
  }
  if (e == NULL)
    return bad_event(t, verb, "unknown entrepreneur");
  e->active = strcmp(verb, "activate") == 0;
  return CIVIC_OK;
}

/* Take [lot, amount] pairs out of a citizen's lots. */
static civic_status take_lots(civic_token *t, tk_citizen *c,
                              const json_t *lots) {
  size_t i;
  for (i = 0; i < json_array_size(lots); i++) {
    const json_t *pair = json_array_get(lots, i);
    tk_lot *l =
        find_lot(c, (int64_t)json_integer_value(json_array_get(pair, 0)));
    int64_t amount = (int64_t)json_integer_value(json_array_get(pair, 1));
    if (l == NULL || amount > l->amount)
      return bad_event(t, "spend", "lot does not cover the amount");
    l->amount -= amount;
  }
  return CIVIC_OK;
}

static civic_status apply_spend(civic_token *t, const json_t *d) {
  tk_citizen *c = tk_find_citizen(t, str_of(d, "citizen"));
  tk_ent *e = tk_find_ent(t, str_of(d, "entrepreneur"));
  civic_status st;
  if (c == NULL || e == NULL)
    return bad_event(t, "spend", "unknown citizen or entrepreneur");
  st = take_lots(t, c, json_object_get(d, "lots"));
  if (st != CIVIC_OK)
    return st;
  e->balance += int_of(d, "amount");
  e->received += int_of(d, "amount");
  return CIVIC_OK;
}

/* Lots move between citizens keeping their minted_at and expires_at, so a
 * gift never extends a token's life. Triples [from_lot, amount, new_lot]. */
static civic_status apply_transfer(civic_token *t, const json_t *d) {
  tk_citizen *from = tk_find_citizen(t, str_of(d, "from"));
  tk_citizen *to;
  const json_t *lots = json_object_get(d, "lots");
  size_t i;
  if (from == NULL)
    return bad_event(t, "transfer", "unknown sender");
  to = citizen_or_new(t, str_of(d, "to"));
  if (to == NULL)
    return NOMEM(t);
  from = tk_find_citizen(t, str_of(d, "from")); /* array may have moved */
  for (i = 0; i < json_array_size(lots); i++) {
    const json_t *x = json_array_get(lots, i);
    tk_lot *l =
        find_lot(from, (int64_t)json_integer_value(json_array_get(x, 0)));
    tk_lot copy;
    civic_status st;
    int64_t amount = (int64_t)json_integer_value(json_array_get(x, 1));
    if (l == NULL || amount > l->amount)
      return bad_event(t, "transfer", "lot does not cover the amount");
    l->amount -= amount;
    copy = *l;
    copy.lot = (int64_t)json_integer_value(json_array_get(x, 2));
    copy.amount = amount;
    copy.expired = 0;
    st = add_lot(t, to, &copy);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status apply_redeem(civic_token *t, const json_t *d) {
  tk_ent *e = tk_find_ent(t, str_of(d, "entrepreneur"));
  int64_t tokens = int_of(d, "tokens"), net = int_of(d, "net");
  if (e == NULL)
    return bad_event(t, "redeem", "unknown entrepreneur");
  e->balance -= tokens;
  e->redeemed_tokens += tokens;
  e->redeemed_gross += int_of(d, "gross");
  e->redeemed_net += net;
  e->redeemed_fee += int_of(d, "fee");
  e->redemptions++;
  t->burned += tokens;
  t->reserve -= net;
  t->paid_out += net;
  return CIVIC_OK;
}

static void recompute_earliest_expiry(civic_token *t) {
  size_t i, j;
  t->earliest_expiry = INT64_MAX;
  for (i = 0; i < t->n_citizens; i++)
    for (j = 0; j < t->citizens[i].n_lots; j++) {
      const tk_lot *l = &t->citizens[i].lots[j];
      if (l->has_expiry && l->amount > 0 && l->expires_at < t->earliest_expiry)
        t->earliest_expiry = l->expires_at;
    }
}

/* Triples [citizen, lot, amount]: the rest of each lot is burned. */
static civic_status apply_expire(civic_token *t, const json_t *d) {
  const json_t *lots = json_object_get(d, "lots");
  size_t i;
  for (i = 0; i < json_array_size(lots); i++) {
    const json_t *x = json_array_get(lots, i);
    tk_citizen *c =
        tk_find_citizen(t, json_string_value(json_array_get(x, 0))
                               ? json_string_value(json_array_get(x, 0))
                               : "");
    tk_lot *l =
        c ? find_lot(c, (int64_t)json_integer_value(json_array_get(x, 1)))
          : NULL;
    int64_t amount = (int64_t)json_integer_value(json_array_get(x, 2));
    if (l == NULL || amount != l->amount)
      return bad_event(t, "expire", "lot does not match");
    l->amount = 0;
    l->expired += amount;
    t->expired += amount;
  }
  recompute_earliest_expiry(t);
  return CIVIC_OK;
}

static civic_status apply_poll(civic_token *t, const char *verb,
                               const json_t *d) {
  tk_poll *p = tk_find_poll(t, str_of(d, "poll"));
  if (strcmp(verb, "create") == 0) {
    if (!tk_grow((void **)&t->polls, &t->cap_polls, t->n_polls,
                 sizeof *t->polls))
      return NOMEM(t);
    p = &t->polls[t->n_polls];
    memset(p, 0, sizeof *p);
    p->id = dup(str_of(d, "poll"));
    p->spec = json_deep_copy(json_object_get(d, "spec"));
    p->ballots = json_array();
    if (p->id == NULL || p->spec == NULL || p->ballots == NULL) {
      free(p->id);
      json_decref(p->spec);
      json_decref(p->ballots);
      return NOMEM(t);
    }
    p->opens = int_of(d, "opens");
    p->closes = int_of(d, "closes");
    t->n_polls++;
    return CIVIC_OK;
  }
  if (p == NULL)
    return bad_event(t, verb, "unknown poll");
  if (strcmp(verb, "close") == 0) {
    p->closed = true;
    return CIVIC_OK;
  }
  if (json_array_append(p->ballots, json_object_get(d, "ballot")) != 0)
    return NOMEM(t);
  return CIVIC_OK;
}

civic_status tk_apply(civic_token *t, const char *type, const json_t *data,
                      int64_t time) {
  static const char PREFIX[] = "civic.token.";
  const char *verb;
  if (strncmp(type, PREFIX, sizeof PREFIX - 1) != 0)
    return CIVIC_OK; /* not ours */
  verb = type + sizeof PREFIX - 1;
  if (time > t->last_time)
    t->last_time = time;
  t->seq++;
  if (strcmp(verb, "setup") == 0)
    return apply_setup(t, data);
  if (strcmp(verb, "fund") == 0) {
    t->reserve += int_of(data, "amount");
    t->funded += int_of(data, "amount");
    return CIVIC_OK;
  }
  if (strcmp(verb, "policy") == 0) {
    t->cfg.citizen_transfers =
        json_is_true(json_object_get(data, "citizen_transfers"));
    return CIVIC_OK;
  }
  if (strncmp(verb, "task.", 5) == 0) {
    if (strcmp(verb + 5, "create") == 0)
      return apply_task_create(t, data);
    return apply_task_event(t, verb + 5, data, time);
  }
  if (strncmp(verb, "entrepreneur.", 13) == 0)
    return apply_entrepreneur(t, verb + 13, data);
  if (strncmp(verb, "poll.", 5) == 0)
    return apply_poll(t, verb + 5, data);
  if (strcmp(verb, "spend") == 0)
    return apply_spend(t, data);
  if (strcmp(verb, "transfer") == 0)
    return apply_transfer(t, data);
  if (strcmp(verb, "redeem") == 0)
    return apply_redeem(t, data);
  if (strcmp(verb, "expire") == 0)
    return apply_expire(t, data);
  return bad_event(t, type, "unknown event type");
}
