/* The token half of `civic demo`: a Heerlen-style reward cycle on an
 * in-memory ledger, printed as a short story. Tasks are posted, citizens
 * commit and complete them, rewards are minted, spent at a local baker and
 * redeemed for euros from the reserve, and residents vote on wishes. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define T0 1767225600LL /* 2026-01-01 */
#define DAY 86400LL

static int failures;

/* Expect success; otherwise report and remember. */
static void ok(civic_token *t, civic_status st, const char *what) {
  if (st != CIVIC_OK) {
    printf("  !! %s failed: %s (%s)\n", what, civic_status_name(st),
           civic_token_errmsg(t));
    failures++;
  }
}

/* Expect a refusal and show it: these are the rules at work. */
static void refused(civic_token *t, civic_status st, const char *what) {
  (void)t; /* same signature as ok(), so the calls read alike */
  if (st == CIVIC_OK) {
    printf("  !! %s was accepted\n", what);
    failures++;
    return;
  }
  printf("  refused: %s -> %s\n", what, civic_status_name(st));
}

static int64_t field(const char *json, const char *key) {
  json_t *o = json_loads(json, 0, NULL);
  int64_t v = (int64_t)json_integer_value(json_object_get(o, key));
  json_decref(o);
  return v;
}

static void post_tasks(civic_token *t) {
  ok(t,
     civic_token_task_create(t, "municipality",
                             "{\"id\":\"litter-park\",\"title\":\"Pick up "
                             "litter in the Burgemeester park\",\"domain\":"
                             "\"public space\",\"zone\":\"centrum\","
                             "\"reward\":15,\"capacity\":2,\"start\":"
                             "1767225600,\"end\":1769904000}",
                             T0),
     "create task");
  ok(t,
     civic_token_task_create(t, "municipality",
                             "{\"id\":\"graffiti-tunnel\",\"title\":\"Paint "
                             "over graffiti in the station tunnel\","
                             "\"domain\":\"public space\",\"zone\":\"noord\","
                             "\"reward\":25,\"capacity\":1,\"start\":"
                             "1767225600,\"end\":1769904000}",
                             T0),
     "create task");
  ok(t, civic_token_task_publish(t, "municipality", "litter-park", T0),
     "publish");
  ok(t, civic_token_task_publish(t, "municipality", "graffiti-tunnel", T0),
     "publish");
  printf("Tasks posted: litter-park (15 HLN, 2 places, centrum),\n"
         "              graffiti-tunnel (25 HLN, 1 place, noord)\n");
}

static void do_tasks(civic_token *t) {
  ok(t, civic_token_task_commit(t, "anna", "litter-park", T0 + DAY), "commit");
  ok(t, civic_token_task_commit(t, "bram", "litter-park", T0 + DAY), "commit");
  ok(t, civic_token_task_commit(t, "cem", "graffiti-tunnel", T0 + DAY),
     "commit");
  printf("anna and bram commit to litter-park, cem to graffiti-tunnel\n");
  refused(t, civic_token_task_commit(t, "dewi", "litter-park", T0 + DAY),
          "dewi commits to the full litter-park");
  ok(t,
     civic_token_task_submit(t, "anna", "litter-park", "photo:9f2c",
                             T0 + 2 * DAY),
     "submit");
  ok(t,
     civic_token_task_submit(t, "bram", "litter-park", "photo:11ab",
                             T0 + 2 * DAY),
     "submit");
  ok(t,
     civic_token_task_submit(t, "cem", "graffiti-tunnel", "photo:77d0",
                             T0 + 2 * DAY),
     "submit");
  printf("Evidence submitted; the municipality reviews it:\n");
  ok(t,
     civic_token_task_approve(t, "municipality", "litter-park", "anna",
                              T0 + 3 * DAY),
     "approve");
  ok(t,
     civic_token_task_approve(t, "municipality", "graffiti-tunnel", "cem",
                              T0 + 3 * DAY),
     "approve");
  ok(t,
     civic_token_task_reject(t, "municipality", "litter-park", "bram",
                             "photo shows another street", T0 + 3 * DAY),
     "reject");
  printf("  approved anna (+15 HLN) and cem (+25 HLN); bram rejected\n");
  refused(t,
          civic_token_task_approve(t, "municipality", "litter-park", "anna",
                                   T0 + 3 * DAY),
          "approve anna a second time");
}

static void spend_and_redeem(civic_token *t) {
  char *res = NULL;
  int64_t anna = 0;
  ok(t,
     civic_token_entrepreneur_register(t, "municipality", "bakkerij-jansen",
                                       "centrum", T0 + 4 * DAY),
     "register");
  printf("Bakkerij Jansen registers as a local entrepreneur\n");
  ok(t, civic_token_spend(t, "anna", "bakkerij-jansen", 12, T0 + 5 * DAY),
     "spend");
  ok(t, civic_token_spend(t, "cem", "bakkerij-jansen", 20, T0 + 5 * DAY),
     "spend");
  ok(t, civic_token_balance(t, "anna", T0 + 5 * DAY, &anna), "balance");
  printf("anna spends 12 HLN and cem 20 HLN on bread (anna keeps %lld HLN)\n",
         (long long)anna);
  refused(t, civic_token_spend(t, "cem", "online-megastore", 5, T0 + 5 * DAY),
          "cem pays an unregistered web shop");
  refused(t, civic_token_transfer(t, "cem", "dewi", 5, T0 + 5 * DAY),
          "cem gives tokens to dewi (policy: off)");
  ok(t, civic_token_redeem(t, "bakkerij-jansen", 32, T0 + 6 * DAY, &res),
     "redeem");
  if (res != NULL)
    printf("The baker redeems 32 HLN: gross EUR %lld.%02lld, fee EUR "
           "%lld.%02lld,\n  paid out EUR %lld.%02lld (the fee stays in the "
           "reserve; the 32 HLN are burned)\n",
           (long long)(field(res, "gross") / 100),
           (long long)(field(res, "gross") % 100),
           (long long)(field(res, "fee") / 100),
           (long long)(field(res, "fee") % 100),
           (long long)(field(res, "net") / 100),
           (long long)(field(res, "net") % 100));
  civic_free(res);
}

static void vote(civic_token *t) {
  static const char *const VOTERS[] = {"anna", "bram", "cem", "dewi"};
  static const char *const BALLOTS[] = {
      "{\"approvals\":[\"playground\",\"trees\"]}",
      "{\"approvals\":[\"trees\",\"bench\"]}",
      "{\"approvals\":[\"playground\"]}", "{\"approvals\":[\"trees\"]}"};
  /* the municipality's pseudonym key; a real one lives outside the journal */
  const char *key =
      "64656d6f2d6b65792d6e6f742d666f722d70726f64756374696f6e2d75736521";
  char *tally = NULL;
  size_t i;
  ok(t,
     civic_token_poll_create(
         t, "council",
         "{\"id\":\"wishes-2026\",\"method\":\"approval\",\"budget\":300,"
         "\"proposals\":[{\"id\":\"bench\",\"cost\":120},{\"id\":"
         "\"playground\",\"cost\":250},{\"id\":\"trees\",\"cost\":90}],"
         "\"opens\":1767225600,\"closes\":1769904000}",
         T0 + 7 * DAY),
     "poll");
  printf("Poll wishes-2026 (approval, budget EUR 300): bench 120, "
         "playground 250, trees 90\n"
         "  anna: playground+trees, bram: trees+bench, cem: playground, "
         "dewi: trees\n");
  for (i = 0; i < 4; i++) {
    char *pseudonym = NULL;
    ok(t,
       civic_token_voter_pseudonym(key, "wishes-2026", VOTERS[i], &pseudonym),
       "pseudonym");
    if (pseudonym == NULL)
      continue;
    if (i == 0)
      printf("  ballots are cast under pseudonyms (anna -> %.12s...)\n",
             pseudonym);
    ok(t,
       civic_token_poll_vote(t, "wishes-2026", pseudonym, BALLOTS[i],
                             T0 + 8 * DAY),
       "vote");
    if (i == 0)
      refused(t,
              civic_token_poll_vote(t, "wishes-2026", pseudonym, BALLOTS[1],
                                    T0 + 8 * DAY),
              "anna votes twice");
    civic_free(pseudonym);
  }
  ok(t, civic_token_poll_close(t, "council", "wishes-2026", T0 + 9 * DAY),
     "close");
  ok(t, civic_token_poll_tally(t, "wishes-2026", &tally), "tally");
  if (tally != NULL)
    printf("  tally: %s\n  (trees fits, playground 250 > 210 left is "
           "skipped, bench 120 fits)\n",
           tally);
  civic_free(tally);
}

static void dashboard(civic_token *t) {
  char *dash = NULL;
  ok(t, civic_token_dashboard_json(t, &dash), "dashboard");
  if (dash == NULL)
    return;
  printf("Dashboard: supply %lld HLN (minted %lld, burned %lld), reserve EUR "
         "%lld.%02lld, cover %lld%%\n",
         (long long)field(dash, "supply"), (long long)field(dash, "minted"),
         (long long)field(dash, "burned"),
         (long long)(field(dash, "reserve") / 100),
         (long long)(field(dash, "reserve") % 100),
         (long long)(field(dash, "coverage_bp") / 100));
  civic_free(dash);
}

int cli_demo_token(void);

int cli_demo_token(void) {
  civic_ledger *ledger = NULL;
  civic_token *t = NULL;
  civic_status st;
  printf("== Reward token: a month in Heerlen (every step below is one "
         "journal event) ==\n");
  st = civic_ledger_new_memory(&ledger);
  if (st == CIVIC_OK)
    st = civic_token_new(&t, ledger);
  if (st == CIVIC_OK)
    st = civic_token_setup(t,
                           "{\"code\":\"HLN\",\"issuer\":\"heerlen\","
                           "\"rate_num\":100,\"rate_den\":1,\"fee_bp\":100,"
                           "\"cap_year\":1499}",
                           T0);
  if (st != CIVIC_OK) {
    printf("token setup failed: %s %s\n", civic_status_name(st),
           t ? civic_token_errmsg(t) : "");
    civic_token_free(t);
    civic_ledger_free(ledger);
    return 1;
  }
  ok(t, civic_token_fund_reserve(t, "municipality", 50000, T0), "fund");
  printf("1 HLN = EUR 1.00, fee 1%% (illustrative), cap 1,499 HLN a year;\n"
         "the municipality puts EUR 500.00 in the reserve\n");
  post_tasks(t);
  do_tasks(t);
  spend_and_redeem(t);
  vote(t);
  dashboard(t);
  civic_token_free(t);
  civic_ledger_free(ledger);
  return failures == 0 ? 0 : 1;
}
