/* Tasks in public space: create, publish, commit (capacity enforced), submit
 * evidence, approve (the reward is minted exactly once, within the caps and
 * the reserve's cover) or reject, expire, cancel. Each is one journal event
 * carrying its actor.
 *
 * Life of a task:    draft -> published -> expired | cancelled
 *                    draft -> cancelled
 * Life of a citizen's commitment on it:
 *                    committed -> submitted -> approved (paid, final)
 *                                           -> rejected -> committed ...
 */
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "token_internal.h"

#define ACC 2 * TK_ID_MAX

static const char *const STATUS_NAMES[] = {"draft", "published", "expired",
                                           "cancelled"};

/* Look the task up or report it unknown. */
static civic_status get_task(civic_token *t, const char *id, tk_task **out) {
  if (id == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT, "task: NULL");
  *out = tk_find_task(t, id);
  if (*out == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_UNKNOWN_REFERENCE,
                          "task: no task \"%.64s\"", id);
  return CIVIC_OK;
}

static civic_status wrong_status(civic_token *t, const tk_task *task,
                                 const char *op) {
  return civic_diag_set(&t->diag, CIVIC_E_TASK_STATE,
                        "task: \"%.64s\" is %s; cannot %s", task->id,
                        STATUS_NAMES[task->status], op);
}

static civic_status read_task(civic_token *t, const json_t *o, json_t **data) {
  civic_diag *d = &t->diag;
  const char *id, *title, *domain, *zone;
  int64_t reward, capacity, start, end;
  civic_status st = civic_json_string(d, o, "", "id", true, &id);
  if (st == CIVIC_OK)
    st = tk_check_id(d, "id", id);
  if (st == CIVIC_OK)
    st = civic_json_string(d, o, "", "title", true, &title);
  if (st == CIVIC_OK)
    st = civic_json_string(d, o, "", "domain", true, &domain);
  if (st == CIVIC_OK)
    st = civic_json_string(d, o, "", "zone", true, &zone);
  if (st == CIVIC_OK)
    st = civic_json_int(d, o, "", "reward", 1, INT64_MAX, &reward);
  if (st == CIVIC_OK)
    st = civic_json_int(d, o, "", "capacity", 1, INT64_MAX, &capacity);
  if (st == CIVIC_OK)
    st = civic_json_int(d, o, "", "start", INT64_MIN, INT64_MAX, &start);
  if (st == CIVIC_OK)
    st = civic_json_int(d, o, "", "end", INT64_MIN, INT64_MAX, &end);
  if (st == CIVIC_OK && end <= start)
    st = civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "end: must be after start");
  if (st == CIVIC_OK && tk_find_task(t, id) != NULL)
    st = civic_diag_set(d, CIVIC_E_DUPLICATE_ID, "id: task \"%.64s\" exists",
                        id);
  if (st != CIVIC_OK)
    return st;
  *data = json_pack("{s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "task", id, "title",
                    title, "domain", domain, "zone", zone, "reward",
                    (json_int_t)reward, "capacity", (json_int_t)capacity,
                    "start", (json_int_t)start, "end", (json_int_t)end);
  return CIVIC_OK;
}

civic_status civic_token_task_create(civic_token *t, const char *actor,
                                     const char *task_json, int64_t time) {
  return tk_create_from_json(t, actor, "task_json", task_json, time, read_task,
                             "civic.token.task.create");
}

/* publish / expire / cancel: a change of the task's own status. */
static civic_status task_status_change(civic_token *t, const char *actor,
                                       const char *id, int64_t time,
                                       const char *verb) {
  tk_task *task = NULL;
  tk_txn x;
  char type[48];
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  st = get_task(t, id, &task);
  if (st == CIVIC_OK && strcmp(verb, "publish") == 0 &&
      task->status != TK_DRAFT)
    st = wrong_status(t, task, verb);
  if (st == CIVIC_OK && strcmp(verb, "expire") == 0) {
    if (task->status != TK_PUBLISHED)
      st = wrong_status(t, task, verb);
    else if (time < task->end)
      st = civic_diag_set(&t->diag, CIVIC_E_TASK_STATE,
                          "time: task \"%.64s\" runs until %lld", task->id,
                          (long long)task->end);
  }
  if (st == CIVIC_OK && strcmp(verb, "cancel") == 0 &&
      task->status != TK_DRAFT && task->status != TK_PUBLISHED)
    st = wrong_status(t, task, verb);
  snprintf(type, sizeof type, "civic.token.task.%s", verb);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, type, actor, json_pack("{s:s}", "task", id));
  return tk_txn_finish(&x, st);
}

civic_status civic_token_task_publish(civic_token *t, const char *actor,
                                      const char *task, int64_t time) {
  return task_status_change(t, actor, task, time, "publish");
}

civic_status civic_token_task_expire(civic_token *t, const char *actor,
                                     const char *task, int64_t time) {
  return task_status_change(t, actor, task, time, "expire");
}

civic_status civic_token_task_cancel(civic_token *t, const char *actor,
                                     const char *task, int64_t time) {
  return task_status_change(t, actor, task, time, "cancel");
}

/* Places taken: committed, submitted and approved citizens. */
static int64_t places_taken(const tk_task *task) {
  size_t i;
  int64_t n = 0;
  for (i = 0; i < task->n_commits; i++)
    if (task->commits[i].state != TK_REJECTED)
      n++;
  return n;
}

civic_status civic_token_task_commit(civic_token *t, const char *citizen,
                                     const char *id, int64_t time) {
  tk_task *task = NULL;
  const tk_commit *c;
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, citizen, time);
  if (st != CIVIC_OK)
    return st;
  st = tk_check_id(&t->diag, "citizen", citizen);
  if (st == CIVIC_OK && tk_find_ent(t, citizen) != NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_OUT_OF_RANGE,
                        "citizen: \"%.64s\" is an entrepreneur", citizen);
  if (st == CIVIC_OK)
    st = get_task(t, id, &task);
  if (st == CIVIC_OK && task->status != TK_PUBLISHED)
    st = wrong_status(t, task, "commit");
  if (st == CIVIC_OK && (time < task->start || time >= task->end))
    st = civic_diag_set(&t->diag, CIVIC_E_TASK_STATE,
                        "time: %lld is outside task \"%.64s\"'s window "
                        "[%lld, %lld)",
                        (long long)time, task->id, (long long)task->start,
                        (long long)task->end);
  c = st == CIVIC_OK ? tk_find_commit(task, citizen) : NULL;
  if (c != NULL && c->state != TK_REJECTED)
    st = civic_diag_set(&t->diag, CIVIC_E_TASK_STATE,
                        "citizen: \"%.64s\" is already committed to \"%.64s\"",
                        citizen, task->id);
  if (st == CIVIC_OK && places_taken(task) >= task->capacity)
    st = civic_diag_set(&t->diag, CIVIC_E_CAPACITY_FULL,
                        "task: \"%.64s\" has all %lld places taken", task->id,
                        (long long)task->capacity);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.task.commit", citizen,
                      json_pack("{s:s,s:s}", "task", id, "citizen", citizen));
  return tk_txn_finish(&x, st);
}

/* The commitment of `citizen` on `task`, which must be in state `want`. */
static civic_status get_commit(civic_token *t, const tk_task *task,
                               const char *citizen, tk_commit_state want,
                               const char *op) {
  const tk_commit *c;
  if (citizen == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT, "citizen: NULL");
  c = tk_find_commit(task, citizen);
  if (c != NULL && c->state == TK_APPROVED)
    return civic_diag_set(&t->diag, CIVIC_E_ALREADY_REWARDED,
                          "citizen: \"%.64s\" was already approved and paid "
                          "for \"%.64s\"",
                          citizen, task->id);
  if (c == NULL || c->state != want)
    return civic_diag_set(&t->diag, CIVIC_E_TASK_STATE,
                          "citizen: \"%.64s\" has no %s commitment on "
                          "\"%.64s\" to %s",
                          citizen, want == TK_COMMITTED ? "open" : "submitted",
                          task->id, op);
  return CIVIC_OK;
}

civic_status civic_token_task_submit(civic_token *t, const char *citizen,
                                     const char *id, const char *evidence,
                                     int64_t time) {
  tk_task *task = NULL;
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, citizen ? citizen : "", time);
  if (st != CIVIC_OK)
    return st;
  st = get_task(t, id, &task);
  if (st == CIVIC_OK && task->status != TK_PUBLISHED)
    st = wrong_status(t, task, "submit evidence");
  if (st == CIVIC_OK)
    st = get_commit(t, task, citizen, TK_COMMITTED, "submit evidence");
  if (st == CIVIC_OK && (evidence == NULL || evidence[0] == '\0'))
    st = civic_diag_set(&t->diag, CIVIC_E_EMPTY, "evidence: must not be empty");
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.task.submit", citizen,
                      json_pack("{s:s,s:s,s:s}", "task", id, "citizen", citizen,
                                "evidence", evidence));
  return tk_txn_finish(&x, st);
}

/* Rewards of a citizen in the month of `time` and in its year. */
static void rewards_in(const tk_citizen *c, int64_t time, int64_t *month,
                       int64_t *year) {
  int32_t m = tk_month_of(time);
  size_t i;
  *month = *year = 0;
  for (i = 0; c != NULL && i < c->n_rewards; i++) {
    if (c->rewards[i].month / 100 == m / 100)
      *year += c->rewards[i].amount;
    if (c->rewards[i].month == m)
      *month += c->rewards[i].amount;
  }
}

/* The reward must fit the citizen's caps and the reserve's cover:
 * (supply + reward) * num <= reserve * den, both sides in 128 bits. */
static civic_status check_mint(civic_token *t, const char *citizen,
                               int64_t reward, int64_t time) {
  int64_t month, year, supply = tk_supply_at(t, time);
  rewards_in(tk_find_citizen(t, citizen), time, &month, &year);
  if (t->cfg.cap_month > 0 && month + reward > t->cfg.cap_month)
    return civic_diag_set(&t->diag, CIVIC_E_REWARD_CAP,
                          "reward: %lld would bring %s to %lld this month; "
                          "cap %lld",
                          (long long)reward, citizen,
                          (long long)(month + reward),
                          (long long)t->cfg.cap_month);
  if (t->cfg.cap_year > 0 && year + reward > t->cfg.cap_year)
    return civic_diag_set(&t->diag, CIVIC_E_REWARD_CAP,
                          "reward: %lld would bring %s to %lld this year; "
                          "cap %lld",
                          (long long)reward, citizen,
                          (long long)(year + reward),
                          (long long)t->cfg.cap_year);
  if (t->minted > INT64_MAX - reward)
    return civic_diag_set(&t->diag, CIVIC_E_OVERFLOW,
                          "reward: total minted exceeds int64");
  if (((civic_i128)supply + reward) * t->cfg.rate_num >
      (civic_i128)t->reserve * t->cfg.rate_den)
    return civic_diag_set(&t->diag, CIVIC_E_RESERVE_INSUFFICIENT,
                          "reward: %lld more tokens on %lld outstanding would "
                          "exceed the reserve of %lld at %lld/%lld",
                          (long long)reward, (long long)supply,
                          (long long)t->reserve, (long long)t->cfg.rate_num,
                          (long long)t->cfg.rate_den);
  return CIVIC_OK;
}

civic_status civic_token_task_approve(civic_token *t, const char *actor,
                                      const char *id, const char *citizen,
                                      int64_t time) {
  tk_task *task = NULL;
  char issuer[ACC], wallet[ACC];
  json_t *data;
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  st = get_task(t, id, &task);
  if (st == CIVIC_OK)
    st = get_commit(t, task, citizen, TK_SUBMITTED, "approve");
  if (st == CIVIC_OK && task->status == TK_CANCELLED)
    st = wrong_status(t, task, "approve");
  if (st == CIVIC_OK)
    st = check_mint(t, citizen, task->reward, time);
  if (st == CIVIC_OK && t->cfg.lot_lifetime > 0 &&
      time > INT64_MAX - t->cfg.lot_lifetime)
    st =
        civic_diag_set(&t->diag, CIVIC_E_OVERFLOW, "time: expiry beyond int64");
  if (st != CIVIC_OK)
    return tk_txn_finish(&x, st);
  tk_account(issuer, sizeof issuer, t, "issuer", NULL);
  tk_account(wallet, sizeof wallet, t, "wallet", citizen);
  data = json_pack("{s:s,s:s,s:I,s:I}", "task", id, "citizen", citizen, "lot",
                   (json_int_t)t->next_lot, "amount", (json_int_t)task->reward);
  if (data != NULL && t->cfg.lot_lifetime > 0)
    json_object_set_new(data, "expires_at",
                        json_integer(time + t->cfg.lot_lifetime));
  st = tk_txn_account(&x, wallet, false, 0);
  if (st == CIVIC_OK)
    st = tk_txn_transfer(&x, issuer, wallet, task->reward, false);
  if (st == CIVIC_OK) {
    st = tk_txn_event(&x, "civic.token.task.approve", actor, data);
    data = NULL;
  }
  json_decref(data);
  return tk_txn_finish(&x, st);
}

civic_status civic_token_task_reject(civic_token *t, const char *actor,
                                     const char *id, const char *citizen,
                                     const char *reason, int64_t time) {
  tk_task *task = NULL;
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  st = get_task(t, id, &task);
  if (st == CIVIC_OK)
    st = get_commit(t, task, citizen, TK_SUBMITTED, "reject");
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.task.reject", actor,
                      json_pack("{s:s,s:s,s:s}", "task", id, "citizen", citizen,
                                "reason", reason ? reason : ""));
  return tk_txn_finish(&x, st);
}
