/* Vote tally (spec section 7): golden vectors, one test per error, and
 * random polls checked against a plain reference count and for order
 * independence. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "token_vectors.h"

START_TEST(golden_vectors) { ck_assert_uint_ge(tv_run_file("tally"), 30); }
END_TEST

static void expect_error(const char *input, civic_status want) {
  char *out = NULL;
  civic_status st = tv_eval("tally", input, &out);
  ck_assert_msg(st == want, "%s: expected %s, got %s", input,
                civic_status_name(want), civic_status_name(st));
  ck_assert_ptr_null(out);
}

#define PROPS                                                                  \
  "\"proposals\":[{\"id\":\"a\",\"cost\":1},{\"id\":\"b\",\"cost\":2}]"

START_TEST(errors_each_have_their_code) {
  expect_error("{\"method\":\"approval\"," PROPS
               ",\"ballots\":[{\"voter\":\"v\","
               "\"approvals\":[\"a\",\"a\"]}]}",
               CIVIC_E_DUPLICATE_ID);
  expect_error("{\"method\":\"approval\"," PROPS
               ",\"ballots\":[{\"voter\":\"v\","
               "\"approvals\":[\"c\"]}]}",
               CIVIC_E_UNKNOWN_REFERENCE);
  expect_error("{\"method\":\"approval\"," PROPS
               ",\"ballots\":[{\"voter\":\"v\","
               "\"approvals\":[]},{\"voter\":\"v\",\"approvals\":[]}]}",
               CIVIC_E_DUPLICATE_BALLOT);
  expect_error("{\"method\":\"quadratic\",\"credits\":4," PROPS
               ",\"ballots\":[{\"voter\":\"v\",\"votes\":{\"a\":2,\"b\":1}}]}",
               CIVIC_E_OVER_CREDITS);
  expect_error("{\"method\":\"quadratic\"," PROPS
               ",\"ballots\":[{\"voter\":\"v\",\"votes\":{\"a\":1}}]}",
               CIVIC_E_MISSING_FIELD);
  expect_error("{\"method\":\"quadratic\",\"credits\":4," PROPS
               ",\"ballots\":[{\"voter\":\"v\",\"votes\":{\"a\":-1}}]}",
               CIVIC_E_NEGATIVE_AMOUNT);
  /* duplicate keys inside votes: the parser refuses the text */
  expect_error("{\"method\":\"quadratic\",\"credits\":4," PROPS
               ",\"ballots\":[{\"voter\":\"v\",\"votes\":{\"a\":1,\"a\":1}}]}",
               CIVIC_E_MALFORMED_JSON);
  expect_error(
      "{\"method\":\"approval\",\"proposals\":[{\"id\":\"a\",\"cost\":1},"
      "{\"id\":\"a\",\"cost\":1}],\"ballots\":[]}",
      CIVIC_E_DUPLICATE_ID);
  expect_error("{\"method\":\"approval\"," PROPS
               ",\"ballots\":[{\"voter\":\"v\","
               "\"votes\":{\"a\":1}}]}",
               CIVIC_E_BALLOT_METHOD_MISMATCH);
  expect_error("{\"method\":\"approval\"," PROPS
               ",\"ballots\":[{\"voter\":\"v\","
               "\"approvals\":[],\"votes\":{}}]}",
               CIVIC_E_BALLOT_METHOD_MISMATCH);
  expect_error("{\"method\":\"quadratic\",\"credits\":1," PROPS
               ",\"ballots\":[{\"voter\":\"v\",\"approvals\":[\"a\"]}]}",
               CIVIC_E_BALLOT_METHOD_MISMATCH);
  expect_error(
      "{\"method\":\"approval\",\"proposals\":[{\"id\":\"\",\"cost\":1}],"
      "\"ballots\":[]}",
      CIVIC_E_EMPTY);
  expect_error("{\"method\":\"approval\"," PROPS
               ",\"ballots\":[{\"voter\":\"\","
               "\"approvals\":[]}]}",
               CIVIC_E_EMPTY);
  expect_error("{\"method\":\"approval\"," PROPS ",\"ballots\":[7]}",
               CIVIC_E_WRONG_TYPE);
  expect_error("{\"method\":\"approval\"," PROPS ",\"ballots\":{}}",
               CIVIC_E_WRONG_TYPE);
  expect_error("{\"method\":7," PROPS ",\"ballots\":[]}", CIVIC_E_WRONG_TYPE);
  expect_error("{\"method\":\"range\"," PROPS ",\"ballots\":[]}",
               CIVIC_E_OUT_OF_RANGE);
  expect_error("{\"method\":\"approval\",\"budget\":1e2," PROPS
               ",\"ballots\":[]}",
               CIVIC_E_NOT_INTEGER);
  /* 3037000499^2 + 77000^2 = 9223372030926249001 + 5929000000
   * = 9223372036855249001 > 2^63 - 1 */
  expect_error(
      "{\"method\":\"quadratic\",\"credits\":9223372036854775807," PROPS
      ",\"ballots\":[{\"voter\":\"v\",\"votes\":{\"a\":3037000499,"
      "\"b\":77000}}]}",
      CIVIC_E_OVER_CREDITS);
}
END_TEST

START_TEST(message_names_the_ballot) {
  civic_ctx *ctx = NULL;
  char *out = NULL;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_tally_json(ctx,
                                    "{\"method\":\"approval\"," PROPS
                                    ",\"ballots\":[{\"voter\":\"v\","
                                    "\"approvals\":[\"a\"]},{\"voter\":\"w\","
                                    "\"approvals\":[\"zz\"]}]}",
                                    &out),
                   CIVIC_E_UNKNOWN_REFERENCE);
  ck_assert_ptr_nonnull(
      strstr(civic_ctx_errmsg(ctx), "ballots[1].approvals[0]"));
  civic_ctx_free(ctx);
}
END_TEST

/* A random poll: n proposals p0..p(n-1), m voters, built as JSON with a
 * plain reference count of the scores beside it. */
typedef struct poll_case {
  json_t *input;
  int64_t score[8];
  int64_t cost[8];
  size_t n;
} poll_case;

static poll_case random_poll(civic_test_rng *rng, bool quadratic) {
  poll_case pc;
  json_t *props = json_array(), *ballots = json_array();
  size_t i, v, m = (size_t)civic_test_rng_below(rng, 12);
  memset(&pc, 0, sizeof pc);
  pc.n = 1 + (size_t)civic_test_rng_below(rng, 8);
  for (i = 0; i < pc.n; i++) {
    char id[24];
    snprintf(id, sizeof id, "p%zu", i);
    pc.cost[i] = (int64_t)civic_test_rng_below(rng, 50);
    json_array_append_new(props, json_pack("{s:s,s:I}", "id", id, "cost",
                                           (json_int_t)pc.cost[i]));
  }
  for (v = 0; v < m; v++) {
    char voter[32];
    json_t *choice = quadratic ? json_object() : json_array();
    int64_t left = 16; /* credits */
    snprintf(voter, sizeof voter, "voter-%zu", v);
    for (i = 0; i < pc.n; i++) {
      char id[24];
      snprintf(id, sizeof id, "p%zu", i);
      if (!quadratic && civic_test_rng_below(rng, 2)) {
        json_array_append_new(choice, json_string(id));
        pc.score[i]++;
      } else if (quadratic && civic_test_rng_below(rng, 2)) {
        int64_t x = (int64_t)civic_test_rng_below(rng, 4);
        if (x * x > left)
          x = 0;
        left -= x * x;
        json_object_set_new(choice, id, json_integer(x));
        pc.score[i] += x;
      }
    }
    json_array_append_new(ballots,
                          json_pack("{s:s,s:o}", "voter", voter,
                                    quadratic ? "votes" : "approvals", choice));
  }
  pc.input = json_pack("{s:s,s:I,s:o,s:o}", "method",
                       quadratic ? "quadratic" : "approval", "budget",
                       (json_int_t)civic_test_rng_below(rng, 120), "proposals",
                       props, "ballots", ballots);
  if (quadratic)
    json_object_set_new(pc.input, "credits", json_integer(16));
  return pc;
}

static size_t index_of(const char *id) { return (size_t)atoi(id + 1); }

/* Ranking sorted and scores equal to the reference; selection greedy. */
static void check_against_reference(const poll_case *pc, const json_t *out) {
  const json_t *ranking = json_object_get(out, "ranking");
  const json_t *selected = json_object_get(out, "selected");
  int64_t left = json_integer_value(json_object_get(pc->input, "budget"));
  size_t i, s = 0;
  ck_assert_uint_eq(json_array_size(ranking), pc->n);
  for (i = 0; i < pc->n; i++) {
    const json_t *row = json_array_get(ranking, i);
    const char *id = json_string_value(json_object_get(row, "id"));
    int64_t score = json_integer_value(json_object_get(row, "score"));
    size_t k = index_of(id);
    ck_assert(score == pc->score[k]);
    if (i > 0) {
      const json_t *prev = json_array_get(ranking, i - 1);
      int64_t ps = json_integer_value(json_object_get(prev, "score"));
      ck_assert(
          ps > score ||
          (ps == score &&
           strcmp(json_string_value(json_object_get(prev, "id")), id) < 0));
    }
    if (score > 0 && pc->cost[k] <= left) {
      ck_assert_str_eq(json_string_value(json_array_get(selected, s)), id);
      left -= pc->cost[k];
      s++;
    }
  }
  ck_assert_uint_eq(json_array_size(selected), s);
}

static void run_random_polls(bool quadratic) {
  civic_test_rng rng = {quadratic ? 7u : 3u};
  int round;
  for (round = 0; round < 400; round++) {
    poll_case pc = random_poll(&rng, quadratic);
    char *text = civic_json_dump(pc.input), *out = NULL, *out2 = NULL;
    json_t *shuffled = tv_shuffled(pc.input, &rng), *got;
    char *text2 = civic_json_dump(shuffled);
    civic_diag d = {0};
    ck_assert_int_eq(tv_eval("tally", text, &out), CIVIC_OK);
    ck_assert_int_eq(tv_eval("tally", text2, &out2), CIVIC_OK);
    ck_assert_str_eq(out, out2); /* order independence, byte for byte */
    ck_assert_int_eq(civic_json_parse(&d, out, strlen(out), &got), CIVIC_OK);
    check_against_reference(&pc, got);
    json_decref(got);
    json_decref(shuffled);
    json_decref(pc.input);
    free(text);
    free(text2);
    civic_free(out);
    civic_free(out2);
  }
}

START_TEST(random_approval_polls) { run_random_polls(false); }
END_TEST

START_TEST(random_quadratic_polls) { run_random_polls(true); }
END_TEST

static Suite *vote_suite(void) {
  Suite *s = suite_create("vote");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, golden_vectors);
  tcase_add_test(tc, errors_each_have_their_code);
  tcase_add_test(tc, message_names_the_ballot);
  tcase_add_test(tc, random_approval_polls);
  tcase_add_test(tc, random_quadratic_polls);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return civic_test_run(vote_suite()); }
