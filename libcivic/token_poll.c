/* Polls on the ledger (spec section 7): one ballot per pseudonymous voter
 * per poll, each checked by the same tally code that `civic tally` runs, so a
 * ballot that the final tally would refuse is refused when it is cast. */
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "token_internal.h"

/* Run the tally on spec + ballots (a borrowed array). */
static civic_status run_tally(civic_diag *d, const json_t *spec,
                              json_t *ballots, json_t **out) {
  json_t *in = json_copy((json_t *)spec);
  civic_status st;
  *out = NULL;
  if (in == NULL || json_object_set(in, "ballots", ballots) != 0) {
    json_decref(in);
    return civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  }
  st = civic_tally_eval_json(d, in, out);
  json_decref(in);
  return st;
}

static civic_status read_poll(civic_token *t, const json_t *o, json_t **data) {
  civic_diag *d = &t->diag;
  static const char *const SPEC_KEYS[] = {"method", "credits", "budget",
                                          "proposals"};
  const char *id;
  int64_t opens, closes;
  json_t *spec, *empty, *out = NULL;
  size_t i;
  civic_status st = civic_json_string(d, o, "", "id", true, &id);
  if (st == CIVIC_OK)
    st = tk_check_id(d, "id", id);
  if (st == CIVIC_OK && tk_find_poll(t, id) != NULL)
    st = civic_diag_set(d, CIVIC_E_DUPLICATE_ID, "id: poll \"%.64s\" exists",
                        id);
  if (st == CIVIC_OK)
    st = civic_json_int(d, o, "", "opens", INT64_MIN, INT64_MAX, &opens);
  if (st == CIVIC_OK)
    st = civic_json_int(d, o, "", "closes", INT64_MIN, INT64_MAX, &closes);
  if (st == CIVIC_OK && closes <= opens)
    st = civic_diag_set(d, CIVIC_E_OUT_OF_RANGE, "closes: must be after opens");
  if (st != CIVIC_OK)
    return st;
  spec = json_object();
  for (i = 0; spec != NULL && i < 4; i++) {
    json_t *v = json_object_get(o, SPEC_KEYS[i]);
    if (v != NULL && !json_is_null(v))
      json_object_set(spec, SPEC_KEYS[i], v);
  }
  empty = json_array();
  if (spec == NULL || empty == NULL)
    st = civic_diag_set(d, CIVIC_E_NOMEM, "out of memory");
  else
    st = run_tally(d, spec, empty, &out); /* checks method and proposals */
  json_decref(out);
  json_decref(empty);
  if (st != CIVIC_OK) {
    json_decref(spec);
    return st;
  }
  *data = json_pack("{s:s,s:o,s:I,s:I}", "poll", id, "spec", spec, "opens",
                    (json_int_t)opens, "closes", (json_int_t)closes);
  return CIVIC_OK;
}

civic_status civic_token_poll_create(civic_token *t, const char *actor,
                                     const char *poll_json, int64_t time) {
  return tk_create_from_json(t, actor, "poll_json", poll_json, time, read_poll,
                             "civic.token.poll.create");
}

static civic_status open_poll(civic_token *t, const char *id, int64_t time,
                              tk_poll **out) {
  tk_poll *p = id ? tk_find_poll(t, id) : NULL;
  if (p == NULL)
    return civic_diag_set(&t->diag, CIVIC_E_UNKNOWN_REFERENCE,
                          "poll: no poll \"%.64s\"", id ? id : "(null)");
  if (p->closed || time < p->opens || time >= p->closes)
    return civic_diag_set(&t->diag, CIVIC_E_POLL_CLOSED,
                          "poll: \"%.64s\" takes ballots in [%lld, %lld)%s",
                          p->id, (long long)p->opens, (long long)p->closes,
                          p->closed ? " and is closed" : "");
  *out = p;
  return CIVIC_OK;
}

static bool has_voted(const tk_poll *p, const char *voter) {
  size_t i;
  for (i = 0; i < json_array_size(p->ballots); i++) {
    const char *v = json_string_value(
        json_object_get(json_array_get(p->ballots, i), "voter"));
    if (v != NULL && strcmp(v, voter) == 0)
      return true;
  }
  return false;
}

/* Check one ballot alone against the poll (shape, proposals, credits). */
static civic_status check_ballot(civic_token *t, const tk_poll *p,
                                 json_t *ballot) {
  json_t *one = json_array(), *out = NULL;
  civic_status st;
  if (one == NULL || json_array_append(one, ballot) != 0) {
    json_decref(one);
    return civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
  }
  st = run_tally(&t->diag, p->spec, one, &out);
  json_decref(out);
  json_decref(one);
  return st;
}

civic_status civic_token_poll_vote(civic_token *t, const char *poll,
                                   const char *voter, const char *ballot_json,
                                   int64_t time) {
  tk_poll *p = NULL;
  json_t *ballot = NULL;
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, voter ? voter : "", time);
  if (st != CIVIC_OK)
    return st;
  st = open_poll(t, poll, time, &p);
  if (st == CIVIC_OK)
    st = tk_check_id(&t->diag, "voter", voter);
  if (st == CIVIC_OK && has_voted(p, voter))
    st = civic_diag_set(&t->diag, CIVIC_E_DUPLICATE_BALLOT,
                        "voter: already voted in poll \"%.64s\"", p->id);
  if (st == CIVIC_OK && ballot_json == NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_INVALID_ARGUMENT, "ballot: NULL");
  if (st == CIVIC_OK)
    st = civic_json_parse(&t->diag, ballot_json, strlen(ballot_json), &ballot);
  if (st == CIVIC_OK && json_object_get(ballot, "voter") != NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_OUT_OF_RANGE,
                        "ballot.voter: give the voter as its own argument");
  if (st == CIVIC_OK &&
      json_object_set_new(ballot, "voter", json_string(voter)) != 0)
    st = civic_diag_set(&t->diag, CIVIC_E_NOMEM, "out of memory");
  if (st == CIVIC_OK)
    st = check_ballot(t, p, ballot);
  if (st == CIVIC_OK) {
    st = tk_txn_event(&x, "civic.token.poll.ballot", voter,
                      json_pack("{s:s,s:o}", "poll", poll, "ballot", ballot));
    ballot = NULL;
  }
  json_decref(ballot);
  return tk_txn_finish(&x, st);
}

civic_status civic_token_poll_close(civic_token *t, const char *actor,
                                    const char *poll, int64_t time) {
  tk_poll *p;
  tk_txn x;
  civic_status st;
  if (t == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  st = tk_txn_begin(&x, t, actor, time);
  if (st != CIVIC_OK)
    return st;
  p = poll ? tk_find_poll(t, poll) : NULL;
  if (p == NULL)
    st = civic_diag_set(&t->diag, CIVIC_E_UNKNOWN_REFERENCE,
                        "poll: no poll \"%.64s\"", poll ? poll : "(null)");
  else if (p->closed)
    st = civic_diag_set(&t->diag, CIVIC_E_POLL_CLOSED,
                        "poll: \"%.64s\" is already closed", poll);
  if (st == CIVIC_OK)
    st = tk_txn_event(&x, "civic.token.poll.close", actor,
                      json_pack("{s:s}", "poll", poll));
  return tk_txn_finish(&x, st);
}

civic_status civic_token_poll_tally(const civic_token *t, const char *poll,
                                    char **out) {
  const tk_poll *p;
  json_t *result = NULL;
  civic_diag d;
  civic_status st;
  if (t == NULL || poll == NULL || out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  p = tk_find_poll(t, poll);
  if (p == NULL)
    return CIVIC_E_UNKNOWN_REFERENCE;
  civic_diag_clear(&d);
  st = run_tally(&d, p->spec, p->ballots, &result);
  if (st != CIVIC_OK)
    return st;
  *out = civic_json_dump(result);
  json_decref(result);
  return *out ? CIVIC_OK : CIVIC_E_NOMEM;
}
