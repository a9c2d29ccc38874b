/* The municipal dashboard: tasks by status, supply and reserve with the
 * coverage ratio, redemptions per entrepreneur, participation per zone and
 * month. Everything is computed from the token state, which is itself
 * rebuilt from the journal, so the dashboard and an auditor agree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "token_internal.h"

__extension__ typedef unsigned __int128 tk_u128;

/* floor(a * 10000 / b) for 0 <= a, 0 < b < 2^126, saturating at INT64_MAX.
 * Long division by decimal digits keeps it exact; when b is so large that
 * r * 10 could pass 2^128, both are first shifted right by 8 bits (a
 * deterministic approximation of a display figure, never of money). */
static int64_t basis_points(tk_u128 a, tk_u128 b) {
  tk_u128 q, r;
  int i;
  if (b >> 124) {
    a >>= 8;
    b >>= 8;
  }
  q = a / b;
  r = a % b;
  if (q > (tk_u128)(INT64_MAX / 10000))
    return INT64_MAX;
  for (i = 0; i < 4; i++) {
    r *= 10;
    q = q * 10 + r / b;
    r %= b;
  }
  return (int64_t)q;
}

static civic_status add_supply(const civic_token *t, json_t *o) {
  int64_t supply = t->minted - t->burned - t->expired;
  tk_u128 need = (tk_u128)supply * (tk_u128)t->cfg.rate_num;
  tk_u128 have = (tk_u128)t->reserve * (tk_u128)t->cfg.rate_den;
  tk_u128 required = (need + (tk_u128)t->cfg.rate_den - 1) / t->cfg.rate_den;
  json_object_set_new(o, "supply", json_integer(supply));
  json_object_set_new(o, "minted", json_integer(t->minted));
  json_object_set_new(o, "burned", json_integer(t->burned));
  json_object_set_new(o, "expired", json_integer(t->expired));
  json_object_set_new(o, "reserve", json_integer(t->reserve));
  json_object_set_new(o, "funded", json_integer(t->funded));
  json_object_set_new(o, "paid_out", json_integer(t->paid_out));
  /* required <= reserve while the cover invariant holds; saturate anyway */
  json_object_set_new(o, "required_reserve",
                      json_integer(required > (tk_u128)INT64_MAX
                                       ? INT64_MAX
                                       : (json_int_t)required));
  json_object_set_new(o, "coverage_bp",
                      need == 0 ? json_null()
                                : json_integer(basis_points(have, need)));
  return CIVIC_OK;
}

static json_t *tasks_by_status(const civic_token *t, json_t **commits) {
  static const char *const TASK[] = {"draft", "published", "expired",
                                     "cancelled"};
  static const char *const COMMIT[] = {"committed", "submitted", "approved",
                                       "rejected"};
  int64_t nt[4] = {0}, nc[4] = {0};
  json_t *o = json_object();
  size_t i, j;
  for (i = 0; i < t->n_tasks; i++) {
    nt[t->tasks[i].status]++;
    for (j = 0; j < t->tasks[i].n_commits; j++)
      nc[t->tasks[i].commits[j].state]++;
  }
  *commits = json_object();
  for (i = 0; i < 4; i++) {
    json_object_set_new(o, TASK[i], json_integer(nt[i]));
    json_object_set_new(*commits, COMMIT[i], json_integer(nc[i]));
  }
  return o;
}

static int ent_order(const void *a, const void *b) {
  return strcmp((*(const tk_ent *const *)a)->id,
                (*(const tk_ent *const *)b)->id);
}

static json_t *redemptions(const civic_token *t) {
  json_t *arr = json_array();
  const tk_ent **sorted = calloc(t->n_ents ? t->n_ents : 1, sizeof *sorted);
  size_t i;
  if (sorted == NULL || arr == NULL) {
    free(sorted);
    json_decref(arr);
    return NULL;
  }
  for (i = 0; i < t->n_ents; i++)
    sorted[i] = &t->ents[i];
  qsort(sorted, t->n_ents, sizeof *sorted, ent_order);
  for (i = 0; i < t->n_ents; i++) {
    const tk_ent *e = sorted[i];
    json_array_append_new(
        arr,
        json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "entrepreneur",
                  e->id, "zone", e->zone, "active", e->active, "received",
                  (json_int_t)e->received, "balance", (json_int_t)e->balance,
                  "tokens", (json_int_t)e->redeemed_tokens, "gross",
                  (json_int_t)e->redeemed_gross, "net",
                  (json_int_t)e->redeemed_net, "fee",
                  (json_int_t)e->redeemed_fee, "count",
                  (json_int_t)e->redemptions));
  }
  free(sorted);
  return arr;
}

/* One commitment seen from the dashboard: where, when, who, paid or not. */
typedef struct part_row {
  const char *zone;
  int32_t month;
  const char *citizen;
  bool completed;
} part_row;

static int part_order(const void *a, const void *b) {
  const part_row *x = a, *y = b;
  int c = strcmp(x->zone, y->zone);
  if (c != 0)
    return c;
  if (x->month != y->month)
    return x->month < y->month ? -1 : 1;
  return strcmp(x->citizen, y->citizen);
}

static json_t *participation(const civic_token *t) {
  size_t n = 0, i, j;
  part_row *rows;
  json_t *arr = json_array();
  for (i = 0; i < t->n_tasks; i++)
    n += t->tasks[i].n_commits;
  rows = calloc(n ? n : 1, sizeof *rows);
  if (rows == NULL || arr == NULL) {
    free(rows);
    json_decref(arr);
    return NULL;
  }
  n = 0;
  for (i = 0; i < t->n_tasks; i++)
    for (j = 0; j < t->tasks[i].n_commits; j++) {
      const tk_commit *c = &t->tasks[i].commits[j];
      rows[n].zone = t->tasks[i].zone;
      rows[n].month = tk_month_of(c->committed_at);
      rows[n].citizen = c->citizen;
      rows[n].completed = c->state == TK_APPROVED;
      n++;
    }
  qsort(rows, n, sizeof *rows, part_order);
  for (i = 0; i < n;) {
    int64_t commitments = 0, completions = 0, citizens = 0;
    char month[16];
    for (j = i; j < n && strcmp(rows[j].zone, rows[i].zone) == 0 &&
                rows[j].month == rows[i].month;
         j++) {
      commitments++;
      completions += rows[j].completed;
      if (j == i || strcmp(rows[j].citizen, rows[j - 1].citizen) != 0)
        citizens++;
    }
    snprintf(month, sizeof month, "%04d-%02d", (int)(rows[i].month / 100),
             (int)(rows[i].month % 100));
    json_array_append_new(arr, json_pack("{s:s,s:s,s:I,s:I,s:I}", "zone",
                                         rows[i].zone, "month", month,
                                         "commitments", (json_int_t)commitments,
                                         "completions", (json_int_t)completions,
                                         "citizens", (json_int_t)citizens));
    i = j;
  }
  free(rows);
  return arr;
}

civic_status civic_token_dashboard_json(const civic_token *t, char **out) {
  json_t *o, *commits = NULL;
  if (t == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  o = json_object();
  if (o == NULL)
    return CIVIC_E_NOMEM;
  json_object_set_new(o, "token", json_string(t->cfg.code));
  add_supply(t, o);
  json_object_set_new(o, "tasks_by_status", tasks_by_status(t, &commits));
  json_object_set_new(o, "commitments_by_state", commits);
  json_object_set_new(o, "redemptions", redemptions(t));
  json_object_set_new(o, "participation", participation(t));
  *out = civic_json_dump(o);
  json_decref(o);
  return *out ? CIVIC_OK : CIVIC_E_NOMEM;
}
