/* Vote tally (spec section 7): approval and quadratic ballots, ranking by
 * score then id, and participatory-budget selection.
 *
 * Every check happens before any output exists, so a refused poll returns
 * nothing. Scores are int64 (an overflow is reported, never wrapped); the
 * quadratic sum of squares is formed in 128 bits and compared with the
 * credits as it grows, so it can never overflow even then.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checked.h"
#include "civic/evaluate.h"
#include "civic/vote.h"
#include "eval.h"

typedef struct proposal {
  const char *id;
  int64_t cost;
  int64_t score;
  size_t index;       /* position in the input, for messages */
  size_t last_ballot; /* 1 + index of the last ballot naming it; 0 = none */
} proposal;

typedef struct tally {
  bool quadratic;
  bool has_credits;
  int64_t credits;
  bool has_budget;
  int64_t budget;
  proposal *props; /* sorted by id byte-wise, for lookup */
  size_t n_props;
} tally;

typedef struct voter_ref {
  const char *voter;
  size_t index;
} voter_ref;

static int proposal_by_id(const void *a, const void *b) {
  const proposal *pa = a, *pb = b;
  int c = strcmp(pa->id, pb->id);
  if (c != 0)
    return c;
  return pa->index < pb->index ? -1 : pa->index > pb->index;
}

/* Ranking order: higher score first, then smaller id byte-wise. strcmp
 * compares as unsigned char, which is UTF-8 byte order. */
static int proposal_by_rank(const void *a, const void *b) {
  const proposal *pa = a, *pb = b;
  if (pa->score != pb->score)
    return pa->score > pb->score ? -1 : 1;
  return strcmp(pa->id, pb->id);
}

static int voter_by_name(const void *a, const void *b) {
  const voter_ref *va = a, *vb = b;
  int c = strcmp(va->voter, vb->voter);
  if (c != 0)
    return c;
  return va->index < vb->index ? -1 : va->index > vb->index;
}

static proposal *find_proposal(const tally *t, const char *id) {
  /* Ids are unique once read, so comparing the id alone is enough here. */
  size_t lo = 0, hi = t->n_props;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(t->props[mid].id, id);
    if (c == 0)
      return &t->props[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static civic_status read_method(civic_diag *d, const json_t *in, tally *t) {
  const char *method;
  civic_status st = civic_json_string(d, in, "", "method", false, &method);
  if (st != CIVIC_OK)
    return st;
  if (strcmp(method, "approval") == 0)
    t->quadratic = false;
  else if (strcmp(method, "quadratic") == 0)
    t->quadratic = true;
  else
    return civic_diag_set(d, CIVIC_E_OUT_OF_RANGE,
                          "method: must be \"approval\" or \"quadratic\", got "
                          "\"%.64s\"",
                          method);
  return CIVIC_OK;
}

/* credits (required for quadratic, checked if present otherwise) and the
 * optional budget. */
static civic_status read_limits(civic_diag *d, const json_t *in, tally *t) {
  civic_status st;
  t->has_credits = civic_json_has(in, "credits");
  if (t->quadratic && !t->has_credits)
    return civic_diag_set(d, CIVIC_E_MISSING_FIELD,
                          "credits: required for quadratic ballots");
  if (t->has_credits) {
    st = civic_json_amount(d, in, "", "credits", &t->credits);
    if (st != CIVIC_OK)
      return st;
  }
  t->has_budget = civic_json_has(in, "budget");
  if (t->has_budget)
    return civic_json_amount(d, in, "", "budget", &t->budget);
  return CIVIC_OK;
}

static civic_status read_proposals(civic_diag *d, const json_t *in, tally *t) {
  json_t *arr;
  size_t i;
  char where[64];
  civic_status st = civic_json_array(d, in, "", "proposals", &arr);
  if (st != CIVIC_OK)
    return st;
  t->n_props = json_array_size(arr);
  t->props = calloc(t->n_props ? t->n_props : 1, sizeof *t->props);
  if (t->props == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory reading proposals");
  for (i = 0; i < t->n_props; i++) {
    const json_t *p = json_array_get(arr, i);
    proposal *pr = &t->props[i];
    civic_json_index_path(where, sizeof where, "proposals", i);
    st = civic_json_element_object(d, arr, "proposals", i);
    if (st == CIVIC_OK)
      st = civic_json_string(d, p, where, "id", true, &pr->id);
    if (st == CIVIC_OK)
      st = civic_json_amount(d, p, where, "cost", &pr->cost);
    if (st != CIVIC_OK)
      return st;
    pr->index = i;
  }
  qsort(t->props, t->n_props, sizeof *t->props, proposal_by_id);
  for (i = 1; i < t->n_props; i++)
    if (strcmp(t->props[i - 1].id, t->props[i].id) == 0)
      return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                            "proposals[%zu].id: \"%.64s\" already used by "
                            "proposals[%zu]",
                            t->props[i].index, t->props[i].id,
                            t->props[i - 1].index);
  return CIVIC_OK;
}

/* Look up a proposal named by ballot `b` and refuse a second mention of it
 * in the same ballot. */
static civic_status named_proposal(civic_diag *d, tally *t, size_t b,
                                   const char *id, const char *where,
                                   proposal **out) {
  proposal *p = find_proposal(t, id);
  if (p == NULL)
    return civic_diag_set(d, CIVIC_E_UNKNOWN_REFERENCE,
                          "%s: no proposal with id \"%.64s\"", where, id);
  if (p->last_ballot == b + 1)
    return civic_diag_set(d, CIVIC_E_DUPLICATE_ID,
                          "%s: the ballot names proposal \"%.64s\" twice",
                          where, id);
  p->last_ballot = b + 1;
  *out = p;
  return CIVIC_OK;
}

static civic_status add_score(civic_diag *d, proposal *p, int64_t v,
                              const char *where) {
  if (!civic_add_i64(p->score, v, &p->score))
    return civic_diag_set(d, CIVIC_E_OVERFLOW,
                          "%s: score of proposal \"%.64s\" exceeds int64",
                          where, p->id);
  return CIVIC_OK;
}

static civic_status approval_ballot(civic_diag *d, tally *t, const json_t *b,
                                    size_t bi, const char *where) {
  json_t *arr;
  size_t j;
  char path[128];
  civic_status st = civic_json_array(d, b, where, "approvals", &arr);
  if (st != CIVIC_OK)
    return st;
  for (j = 0; j < json_array_size(arr); j++) {
    const json_t *v = json_array_get(arr, j);
    proposal *p;
    snprintf(path, sizeof path, "%s.approvals[%zu]", where, j);
    if (!json_is_string(v))
      return civic_diag_set(d, CIVIC_E_WRONG_TYPE,
                            "%s: must be a proposal id string", path);
    st = named_proposal(d, t, bi, json_string_value(v), path, &p);
    if (st == CIVIC_OK)
      st = add_score(d, p, 1, path);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

static civic_status quadratic_ballot(civic_diag *d, tally *t, const json_t *b,
                                     size_t bi, const char *where) {
  json_t *votes, *value;
  const char *id;
  char path[128];
  civic_i128 spent = 0;
  civic_status st = civic_json_object(d, b, where, "votes", &votes);
  if (st != CIVIC_OK)
    return st;
  snprintf(path, sizeof path, "%s.votes", where);
  json_object_foreach(votes, id, value) {
    int64_t v;
    proposal *p;
    char vpath[192];
    (void)value;
    snprintf(vpath, sizeof vpath, "%s.%s", path, id);
    st = civic_json_int(d, votes, path, id, 0, INT64_MAX, &v);
    if (st == CIVIC_OK)
      st = named_proposal(d, t, bi, id, vpath, &p);
    if (st != CIVIC_OK)
      return st;
    /* v < 2^63, so v*v < 2^126; spent stays <= credits before each add,
     * so the sum stays below 2^127. */
    spent += (civic_i128)v * (civic_i128)v;
    if (spent > (civic_i128)t->credits)
      return civic_diag_set(d, CIVIC_E_OVER_CREDITS,
                            "%s: the squares of the votes exceed credits %lld",
                            path, (long long)t->credits);
    st = add_score(d, p, v, vpath);
    if (st != CIVIC_OK)
      return st;
  }
  return CIVIC_OK;
}

/* A ballot must carry its method's field and not the other one's. */
static civic_status check_shape(civic_diag *d, const tally *t, const json_t *b,
                                const char *where) {
  const char *other = t->quadratic ? "approvals" : "votes";
  if (json_object_get(b, other) != NULL)
    return civic_diag_set(d, CIVIC_E_BALLOT_METHOD_MISMATCH,
                          "%s.%s: not allowed in a %s poll", where, other,
                          t->quadratic ? "quadratic" : "approval");
  return CIVIC_OK;
}

static civic_status read_ballots(civic_diag *d, const json_t *in, tally *t) {
  json_t *arr;
  size_t i, n;
  char where[64];
  voter_ref *voters;
  civic_status st = civic_json_array(d, in, "", "ballots", &arr);
  if (st != CIVIC_OK)
    return st;
  n = json_array_size(arr);
  voters = calloc(n ? n : 1, sizeof *voters);
  if (voters == NULL)
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory reading ballots");
  for (i = 0; i < n && st == CIVIC_OK; i++) {
    const json_t *b = json_array_get(arr, i);
    civic_json_index_path(where, sizeof where, "ballots", i);
    st = civic_json_element_object(d, arr, "ballots", i);
    if (st == CIVIC_OK)
      st = civic_json_string(d, b, where, "voter", true, &voters[i].voter);
    if (st == CIVIC_OK)
      st = check_shape(d, t, b, where);
    if (st == CIVIC_OK)
      st = t->quadratic ? quadratic_ballot(d, t, b, i, where)
                        : approval_ballot(d, t, b, i, where);
    voters[i].index = i;
  }
  if (st == CIVIC_OK) {
    qsort(voters, n, sizeof *voters, voter_by_name);
    for (i = 1; i < n && st == CIVIC_OK; i++)
      if (strcmp(voters[i - 1].voter, voters[i].voter) == 0)
        st = civic_diag_set(d, CIVIC_E_DUPLICATE_BALLOT,
                            "ballots[%zu].voter: \"%.64s\" already voted in "
                            "ballots[%zu]",
                            voters[i].index, voters[i].voter,
                            voters[i - 1].index);
  }
  free(voters);
  return st;
}

static civic_status build_output(civic_diag *d, tally *t, json_t **out) {
  json_t *o = json_object(), *ranking = json_array(), *selected = NULL;
  int64_t left = t->budget;
  size_t i;
  civic_status st = CIVIC_OK;
  if (o == NULL || ranking == NULL) {
    json_decref(o);
    json_decref(ranking);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory building output");
  }
  qsort(t->props, t->n_props, sizeof *t->props, proposal_by_rank);
  st = civic_json_set_new(d, o, "ranking", ranking);
  if (st == CIVIC_OK && t->has_budget) {
    selected = json_array();
    st = civic_json_set_new(d, o, "selected", selected);
  }
  for (i = 0; i < t->n_props && st == CIVIC_OK; i++) {
    const proposal *p = &t->props[i];
    json_t *row = json_object();
    st = civic_json_append_new(d, ranking, row);
    if (st == CIVIC_OK)
      st = civic_json_set_str(d, row, "id", p->id);
    if (st == CIVIC_OK)
      st = civic_json_set_int(d, row, "score", p->score);
    /* Budget selection: walk the ranking; take every proposal that scored
     * and still fits. A too-expensive one is skipped, not a stop. */
    if (st == CIVIC_OK && selected != NULL && p->score > 0 && p->cost <= left) {
      left -= p->cost;
      st = civic_json_append_new(d, selected, json_string(p->id));
    }
  }
  if (st != CIVIC_OK) {
    json_decref(o);
    return st;
  }
  *out = o;
  return CIVIC_OK;
}

civic_status civic_tally_eval_json(civic_diag *d, const json_t *in,
                                   json_t **out) {
  tally t;
  civic_status st;
  *out = NULL;
  memset(&t, 0, sizeof t);
  st = read_method(d, in, &t);
  if (st == CIVIC_OK)
    st = read_limits(d, in, &t);
  if (st == CIVIC_OK)
    st = read_proposals(d, in, &t);
  if (st == CIVIC_OK)
    st = read_ballots(d, in, &t);
  if (st == CIVIC_OK)
    st = build_output(d, &t, out);
  free(t.props);
  return st;
}

civic_status civic_tally_json(civic_ctx *ctx, const char *input,
                              char **output) {
  return civic_evaluate(ctx, "tally", input, output);
}
