/* The token on a ledger: reserve cover, tasks, caps, spending rules, lots
 * and expiry, redemption, polls, rebuild from the journal, one test per
 * refusal (each leaving the ledger untouched), and random operation
 * sequences checked against the invariants of issue 5. */
#include <civic/civic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checked.h"
#include "ledger_internal.h"
#include "testutil.h"
#include "token_internal.h"

#define T0 1767225600LL /* 2026-01-01 00:00:00 UTC */
#define DAY 86400LL

static const char *PILOT =
    "{\"code\":\"HLN\",\"issuer\":\"heerlen\",\"rate_num\":100,"
    "\"rate_den\":1,\"fee_bp\":0,\"cap_year\":1499}";

static civic_token *fresh(civic_ledger **ledger, const char *config) {
  civic_token *t = NULL;
  ck_assert_int_eq(civic_ledger_new_memory(ledger), CIVIC_OK);
  ck_assert_int_eq(civic_token_new(&t, *ledger), CIVIC_OK);
  ck_assert_msg(civic_token_setup(t, config, T0) == CIVIC_OK, "%s",
                civic_token_errmsg(t));
  return t;
}

static void ok(civic_token *t, civic_status st) {
  ck_assert_msg(st == CIVIC_OK, "%s: %s", civic_status_name(st),
                civic_token_errmsg(t));
}

/* A refused operation must change nothing: same journal position and the
 * same dashboard. */
typedef struct snapshot {
  uint64_t position;
  char *dashboard;
} snapshot;

static snapshot snap(civic_ledger *l, civic_token *t) {
  snapshot s;
  s.position = civic_ledger_position_get(l);
  ck_assert_int_eq(civic_token_dashboard_json(t, &s.dashboard), CIVIC_OK);
  return s;
}

static void refused(civic_token *t, civic_status st, civic_status want) {
  ck_assert_msg(st == want, "expected %s, got %s: %s", civic_status_name(want),
                civic_status_name(st), civic_token_errmsg(t));
  ck_assert_msg(strlen(civic_token_errmsg(t)) > 0, "no message for %s",
                civic_status_name(want));
}

/* Run an operation expected to fail and check nothing moved. */
#define REFUSED(l, t, call, want)                                              \
  do {                                                                         \
    snapshot b_ = snap(l, t);                                                  \
    snapshot a_;                                                               \
    refused(t, (call), (want));                                                \
    a_ = snap(l, t);                                                           \
    ck_assert(a_.position == b_.position);                                     \
    ck_assert_str_eq(a_.dashboard, b_.dashboard);                              \
    civic_free(a_.dashboard);                                                  \
    civic_free(b_.dashboard);                                                  \
  } while (0)

static int64_t balance_of(civic_ledger *l, const char *account) {
  int64_t b = 0;
  ck_assert_msg(civic_ledger_balance(l, account, &b) == CIVIC_OK, "%s",
                account);
  return b;
}

static void task(civic_token *t, const char *id, int64_t reward,
                 int64_t capacity, const char *zone) {
  char json[512];
  snprintf(json, sizeof json,
           "{\"id\":\"%s\",\"title\":\"Clean %s\",\"domain\":\"public "
           "space\",\"zone\":\"%s\",\"reward\":%lld,\"capacity\":%lld,"
           "\"start\":%lld,\"end\":%lld}",
           id, id, zone, (long long)reward, (long long)capacity, (long long)T0,
           (long long)(T0 + 400 * DAY));
  ok(t, civic_token_task_create(t, "municipality", json, T0));
  ok(t, civic_token_task_publish(t, "municipality", id, T0));
}

/* commit, submit and approve in one go */
static civic_status earn(civic_token *t, const char *task_id,
                         const char *citizen, int64_t time) {
  civic_status st = civic_token_task_commit(t, citizen, task_id, time);
  if (st == CIVIC_OK)
    st = civic_token_task_submit(t, citizen, task_id, "photo:abc", time);
  if (st == CIVIC_OK)
    st = civic_token_task_approve(t, "municipality", task_id, citizen, time);
  return st;
}

START_TEST(month_of_calendar) {
  ck_assert_int_eq(tk_month_of(T0), 202601);
  ck_assert_int_eq(tk_month_of(1769904000LL - 1), 202601);
  ck_assert_int_eq(tk_month_of(1769904000LL), 202602);
  ck_assert_int_eq(tk_month_of(-3600), 196912);
  ck_assert_int_eq(tk_month_of(951825600LL), 200002);
  ck_assert_int_eq(tk_month_of(0), 197001);
}
END_TEST

START_TEST(full_cycle_and_refusals) {
  civic_ledger *l;
  civic_token *t = fresh(&l, PILOT);
  int64_t bal;
  char *res = NULL;
  /* reserve EUR 200.00 covers 200 tokens at EUR 1 */
  ok(t, civic_token_fund_reserve(t, "municipality", 20000, T0));
  task(t, "litter-park", 10, 2, "centrum");
  ok(t, civic_token_task_commit(t, "anna", "litter-park", T0 + 1));
  ok(t, civic_token_task_commit(t, "bram", "litter-park", T0 + 1));
  REFUSED(l, t, civic_token_task_commit(t, "cem", "litter-park", T0 + 2),
          CIVIC_E_CAPACITY_FULL);
  REFUSED(l, t, civic_token_task_commit(t, "anna", "litter-park", T0 + 2),
          CIVIC_E_TASK_STATE);
  REFUSED(l, t,
          civic_token_task_approve(t, "municipality", "litter-park", "anna",
                                   T0 + 2),
          CIVIC_E_TASK_STATE); /* nothing submitted yet */
  REFUSED(l, t, civic_token_task_commit(t, "anna", "no-such-task", T0 + 2),
          CIVIC_E_UNKNOWN_REFERENCE);
  ok(t, civic_token_task_submit(t, "anna", "litter-park", "photo:1", T0 + 3));
  ok(t, civic_token_task_approve(t, "municipality", "litter-park", "anna",
                                 T0 + 4));
  REFUSED(l, t,
          civic_token_task_approve(t, "municipality", "litter-park", "anna",
                                   T0 + 5),
          CIVIC_E_ALREADY_REWARDED);
  ck_assert_int_eq(balance_of(l, "HLN:wallet:anna"), 10);
  ck_assert_int_eq(balance_of(l, "HLN:issuer"), -10);
  /* bram's evidence is rejected: his place frees up for cem */
  ok(t, civic_token_task_submit(t, "bram", "litter-park", "photo:2", T0 + 5));
  ok(t, civic_token_task_reject(t, "municipality", "litter-park", "bram",
                                "blurry", T0 + 6));
  ok(t, civic_token_task_commit(t, "cem", "litter-park", T0 + 7));

  /* spending rules */
  REFUSED(l, t, civic_token_spend(t, "anna", "bakker", 4, T0 + 8),
          CIVIC_E_NOT_ENTREPRENEUR);
  ok(t, civic_token_entrepreneur_register(t, "municipality", "bakker",
                                          "centrum", T0 + 8));
  REFUSED(l, t,
          civic_token_entrepreneur_register(t, "municipality", "bakker",
                                            "centrum", T0 + 8),
          CIVIC_E_DUPLICATE_ID);
  ok(t, civic_token_entrepreneur_set_active(t, "municipality", "bakker", 0,
                                            T0 + 9));
  REFUSED(l, t, civic_token_spend(t, "anna", "bakker", 4, T0 + 9),
          CIVIC_E_ENTREPRENEUR_INACTIVE);
  ok(t, civic_token_entrepreneur_set_active(t, "municipality", "bakker", 1,
                                            T0 + 10));
  REFUSED(l, t, civic_token_spend(t, "anna", "bakker", 11, T0 + 10),
          CIVIC_E_INSUFFICIENT_TOKENS);
  REFUSED(l, t, civic_token_spend(t, "anna", "bakker", 0, T0 + 10),
          CIVIC_E_OUT_OF_RANGE);
  ok(t, civic_token_spend(t, "anna", "bakker", 4, T0 + 10));
  REFUSED(l, t, civic_token_transfer(t, "anna", "bram", 1, T0 + 11),
          CIVIC_E_TRANSFERS_DISABLED);
  ok(t, civic_token_set_citizen_transfers(t, "council", 1, T0 + 11));
  ok(t, civic_token_transfer(t, "anna", "bram", 1, T0 + 12));
  ok(t, civic_token_balance(t, "anna", T0 + 12, &bal));
  ck_assert_int_eq(bal, 5);
  ck_assert_int_eq(balance_of(l, "HLN:wallet:bram"), 1);
  REFUSED(l, t, civic_token_spend(t, "anna", "bakker", 1, T0 + 11),
          CIVIC_E_OUT_OF_RANGE); /* time went back */

  /* redemption: 4 tokens at 100 cents = 400 gross, no fee */
  REFUSED(l, t, civic_token_redeem(t, "bakker", 5, T0 + 13, NULL),
          CIVIC_E_INSUFFICIENT_TOKENS);
  ok(t, civic_token_redeem(t, "bakker", 4, T0 + 13, &res));
  ck_assert_str_eq(res, "{\"gross\":400,\"net\":400,\"fee\":0}");
  civic_free(res);
  ck_assert_int_eq(balance_of(l, "HLN:reserve"), 20000 - 400);
  ck_assert_int_eq(balance_of(l, "HLN:payout:bakker"), 400);
  ck_assert_int_eq(balance_of(l, "HLN:shop:bakker"), 0);
  ck_assert_int_eq(balance_of(l, "HLN:issuer"), -6);
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

START_TEST(reserve_cover_refuses_mint) {
  civic_ledger *l;
  civic_token *t = fresh(&l, PILOT);
  ok(t, civic_token_fund_reserve(t, "municipality", 1500, T0)); /* EUR 15 */
  task(t, "t1", 10, 5, "zuid");
  ok(t, earn(t, "t1", "anna", T0 + 1)); /* 10 tokens need EUR 10 */
  ok(t, civic_token_task_commit(t, "bram", "t1", T0 + 2));
  ok(t, civic_token_task_submit(t, "bram", "t1", "photo", T0 + 2));
  /* 20 tokens would need EUR 20 > EUR 15 */
  REFUSED(l, t,
          civic_token_task_approve(t, "municipality", "t1", "bram", T0 + 3),
          CIVIC_E_RESERVE_INSUFFICIENT);
  ok(t, civic_token_fund_reserve(t, "municipality", 500, T0 + 4));
  ok(t, civic_token_task_approve(t, "municipality", "t1", "bram", T0 + 4));
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

START_TEST(reward_caps_month_and_year) {
  civic_ledger *l;
  civic_token *t = fresh(&l, "{\"code\":\"HLN\",\"issuer\":\"heerlen\","
                             "\"cap_month\":25,\"cap_year\":40}");
  ok(t, civic_token_fund_reserve(t, "municipality", 1000000, T0));
  task(t, "a", 10, 9, "z");
  task(t, "b", 10, 9, "z");
  task(t, "c", 10, 9, "z");
  task(t, "d", 10, 9, "z");
  task(t, "e", 10, 9, "z");
  ok(t, earn(t, "a", "anna", T0 + 1));
  ok(t, earn(t, "b", "anna", T0 + 2));
  ok(t, civic_token_task_commit(t, "anna", "c", T0 + 3));
  ok(t, civic_token_task_submit(t, "anna", "c", "p", T0 + 3));
  REFUSED(l, t, civic_token_task_approve(t, "m", "c", "anna", T0 + 4),
          CIVIC_E_REWARD_CAP); /* 30 > 25 in January */
  /* February: the month cap resets, the year cap (40) does not */
  ok(t, civic_token_task_approve(t, "m", "c", "anna", T0 + 31 * DAY));
  ok(t, civic_token_task_commit(t, "anna", "d", T0 + 32 * DAY));
  ok(t, civic_token_task_submit(t, "anna", "d", "p", T0 + 32 * DAY));
  ok(t, civic_token_task_approve(t, "m", "d", "anna", T0 + 60 * DAY)); /* 40 */
  ok(t, civic_token_task_commit(t, "anna", "e", T0 + 61 * DAY));
  ok(t, civic_token_task_submit(t, "anna", "e", "p", T0 + 61 * DAY));
  REFUSED(l, t, civic_token_task_approve(t, "m", "e", "anna", T0 + 91 * DAY),
          CIVIC_E_REWARD_CAP); /* 50 > 40 in 2026 */
  /* bram has his own caps */
  ok(t, earn(t, "e", "bram", T0 + 92 * DAY));
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

START_TEST(lots_spend_oldest_first_and_expire) {
  civic_ledger *l;
  civic_token *t = fresh(&l, "{\"code\":\"HLN\",\"issuer\":\"h\","
                             "\"lot_lifetime\":1000}");
  char *w = NULL, *dash = NULL;
  int64_t bal;
  ok(t, civic_token_fund_reserve(t, "m", 100000, T0));
  task(t, "a", 10, 9, "z");
  task(t, "b", 7, 9, "z");
  ok(t, civic_token_entrepreneur_register(t, "m", "shop", "z", T0));
  ok(t, earn(t, "a", "anna", T0 + 100)); /* lot 1: 10, expires T0+1100 */
  ok(t, earn(t, "b", "anna", T0 + 200)); /* lot 2: 7, expires T0+1200 */
  ok(t, civic_token_spend(t, "anna", "shop", 12, T0 + 300));
  /* oldest first: lot 1 fully, 2 from lot 2 */
  ok(t, civic_token_wallet_json(t, "anna", T0 + 300, &w));
  ck_assert_str_eq(w, "{\"citizen\":\"anna\",\"balance\":5,\"expired\":0,"
                      "\"lots\":[{\"lot\":2,\"amount\":5,\"minted_at\":"
                      "1767225800,\"expires_at\":1767226800}]}");
  civic_free(w);
  /* at expires_at exactly the lot no longer counts */
  ok(t, civic_token_balance(t, "anna", T0 + 1199, &bal));
  ck_assert_int_eq(bal, 5);
  ok(t, civic_token_balance(t, "anna", T0 + 1200, &bal));
  ck_assert_int_eq(bal, 0);
  REFUSED(l, t, civic_token_spend(t, "anna", "shop", 3, T0 + 1200),
          CIVIC_E_TOKENS_EXPIRED);
  REFUSED(l, t, civic_token_spend(t, "anna", "shop", 6, T0 + 1200),
          CIVIC_E_INSUFFICIENT_TOKENS);
  ok(t, civic_token_expire_lots(t, T0 + 1200));
  ck_assert_int_eq(balance_of(l, "HLN:wallet:anna"), 0);
  ok(t, civic_token_dashboard_json(t, &dash));
  ck_assert_ptr_nonnull(strstr(dash, "\"supply\":12,\"minted\":17,"
                                     "\"burned\":0,\"expired\":5"));
  civic_free(dash);
  /* still refused as expired after the sweep */
  REFUSED(l, t, civic_token_spend(t, "anna", "shop", 3, T0 + 1300),
          CIVIC_E_TOKENS_EXPIRED);
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

START_TEST(redeem_with_fee_keeps_fee_in_reserve) {
  civic_ledger *l;
  civic_token *t = fresh(&l, "{\"code\":\"HLN\",\"issuer\":\"h\","
                             "\"rate_num\":100,\"rate_den\":3,"
                             "\"fee_bp\":250}");
  char *res = NULL;
  ok(t, civic_token_fund_reserve(t, "m", 10000, T0));
  task(t, "a", 30, 9, "z");
  ok(t, civic_token_entrepreneur_register(t, "m", "shop", "z", T0));
  ok(t, earn(t, "a", "anna", T0 + 1));
  ok(t, civic_token_spend(t, "anna", "shop", 29, T0 + 2));
  /* gross = floor(29*100/3) = 966, fee = floor(966*250/10000) = 24 */
  ok(t, civic_token_redeem(t, "shop", 29, T0 + 3, &res));
  ck_assert_str_eq(res, "{\"gross\":966,\"net\":942,\"fee\":24}");
  civic_free(res);
  ck_assert_int_eq(balance_of(l, "HLN:reserve"), 10000 - 942);
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

START_TEST(polls_one_ballot_each) {
  civic_ledger *l;
  civic_token *t = fresh(&l, PILOT);
  char *tally = NULL, *p1 = NULL, *p2 = NULL, *p3 = NULL;
  const char *key =
      "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  ok(t, civic_token_poll_create(
            t, "council",
            "{\"id\":\"wishes\",\"method\":\"quadratic\",\"credits\":9,"
            "\"budget\":50,\"proposals\":[{\"id\":\"bench\",\"cost\":20},"
            "{\"id\":\"trees\",\"cost\":40},{\"id\":\"mural\",\"cost\":30}],"
            "\"opens\":1767225600,\"closes\":1767830400}",
            T0));
  ok(t, civic_token_voter_pseudonym(key, "wishes", "anna", &p1));
  ok(t, civic_token_voter_pseudonym(key, "wishes", "bram", &p2));
  ok(t, civic_token_voter_pseudonym(key, "other", "anna", &p3));
  ck_assert_uint_eq(strlen(p1), 64);
  ck_assert_str_ne(p1, p2);
  ck_assert_str_ne(p1, p3);
  ok(t, civic_token_poll_vote(t, "wishes", p1,
                              "{\"votes\":{\"trees\":2,\"bench\":2}}", T0 + 1));
  REFUSED(l, t,
          civic_token_poll_vote(t, "wishes", p1, "{\"votes\":{\"mural\":1}}",
                                T0 + 2),
          CIVIC_E_DUPLICATE_BALLOT);
  REFUSED(l, t,
          civic_token_poll_vote(
              t, "wishes", p2, "{\"votes\":{\"mural\":3,\"bench\":1}}", T0 + 2),
          CIVIC_E_OVER_CREDITS);
  REFUSED(l, t,
          civic_token_poll_vote(t, "wishes", p2, "{\"votes\":{\"pool\":1}}",
                                T0 + 2),
          CIVIC_E_UNKNOWN_REFERENCE);
  REFUSED(l, t,
          civic_token_poll_vote(t, "wishes", p2, "{\"approvals\":[\"bench\"]}",
                                T0 + 2),
          CIVIC_E_BALLOT_METHOD_MISMATCH);
  ok(t, civic_token_poll_vote(t, "wishes", p2,
                              "{\"votes\":{\"mural\":2,\"trees\":1}}", T0 + 3));
  ok(t, civic_token_poll_close(t, "council", "wishes", T0 + 4));
  REFUSED(l, t,
          civic_token_poll_vote(t, "wishes", p3, "{\"votes\":{}}", T0 + 5),
          CIVIC_E_POLL_CLOSED);
  /* trees 3, bench 2, mural 2 -> trees (40) fits 50, bench (20) does not
   * fit 10, mural (30) neither */
  ok(t, civic_token_poll_tally(t, "wishes", &tally));
  ck_assert_str_eq(tally, "{\"ranking\":[{\"id\":\"trees\",\"score\":3},"
                          "{\"id\":\"bench\",\"score\":2},{\"id\":\"mural\","
                          "\"score\":2}],\"selected\":[\"trees\"]}");
  civic_free(tally);
  civic_free(p1);
  civic_free(p2);
  civic_free(p3);
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

START_TEST(state_rebuilds_from_journal) {
  char path[256], *d1 = NULL, *d2 = NULL, *w1 = NULL, *w2 = NULL;
  civic_ledger *l = NULL;
  civic_token *t = NULL;
  snprintf(path, sizeof path, "%s/test_token_%ld.journal", CIVIC_BINARY_DIR,
           (long)getpid());
  unlink(path);
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  ck_assert_int_eq(civic_token_new(&t, l), CIVIC_OK);
  ok(t, civic_token_setup(t,
                          "{\"code\":\"HLN\",\"issuer\":\"h\","
                          "\"lot_lifetime\":500}",
                          T0));
  ok(t, civic_token_fund_reserve(t, "m", 5000, T0));
  task(t, "a", 10, 3, "noord");
  task(t, "b", 5, 3, "zuid");
  ok(t, civic_token_entrepreneur_register(t, "m", "shop", "noord", T0));
  ok(t, earn(t, "a", "anna", T0 + 10));
  ok(t, earn(t, "b", "anna", T0 + 20));
  ok(t, civic_token_spend(t, "anna", "shop", 11, T0 + 30));
  ok(t, civic_token_redeem(t, "shop", 6, T0 + 40, NULL));
  ok(t, civic_token_poll_create(
            t, "m",
            "{\"id\":\"p\",\"method\":\"approval\",\"proposals\":[{\"id\":"
            "\"x\",\"cost\":1}],\"opens\":0,\"closes\":1867225600}",
            T0 + 50));
  ok(t,
     civic_token_poll_vote(t, "p", "v1", "{\"approvals\":[\"x\"]}", T0 + 60));
  ok(t, civic_token_expire_lots(t, T0 + 600));
  ok(t, civic_token_dashboard_json(t, &d1));
  ok(t, civic_token_wallet_json(t, "anna", T0 + 600, &w1));
  civic_token_free(t);
  civic_ledger_free(l);

  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  ck_assert_int_eq(civic_token_new(&t, l), CIVIC_OK);
  ok(t, civic_token_load(t, "HLN"));
  ok(t, civic_token_dashboard_json(t, &d2));
  ok(t, civic_token_wallet_json(t, "anna", T0 + 600, &w2));
  ck_assert_str_eq(d1, d2);
  ck_assert_str_eq(w1, w2);
  /* the rebuilt token keeps refusing what it refused before */
  ck_assert_int_eq(civic_token_task_approve(t, "m", "a", "anna", T0 + 700),
                   CIVIC_E_ALREADY_REWARDED);
  ck_assert_int_eq(
      civic_token_poll_vote(t, "p", "v1", "{\"approvals\":[]}", T0 + 700),
      CIVIC_E_DUPLICATE_BALLOT);
  ck_assert_int_eq(civic_token_spend(t, "anna", "shop", 1, T0 + 100),
                   CIVIC_E_OUT_OF_RANGE);
  civic_free(d1);
  civic_free(d2);
  civic_free(w1);
  civic_free(w2);
  civic_token_free(t);
  ck_assert_int_eq(civic_token_new(&t, l), CIVIC_OK);
  ck_assert_int_eq(civic_token_load(t, "XXX"), CIVIC_E_UNKNOWN_REFERENCE);
  ck_assert_int_eq(
      civic_token_setup(t, "{\"code\":\"HLN\",\"issuer\":\"h\"}", T0 + 800),
      CIVIC_E_DUPLICATE_ID);
  civic_token_free(t);
  civic_ledger_free(l);
  unlink(path);
}
END_TEST

START_TEST(bad_input_named) {
  civic_ledger *l;
  civic_token *t = fresh(&l, PILOT);
  civic_token *u = NULL;
  REFUSED(l, t,
          civic_token_task_create(t, "m",
                                  "{\"id\":\"x\",\"title\":\"t\",\"domain\":"
                                  "\"d\",\"zone\":\"z\",\"reward\":0,"
                                  "\"capacity\":1,\"start\":0,\"end\":1}",
                                  T0),
          CIVIC_E_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(civic_token_errmsg(t), "reward"));
  REFUSED(l, t,
          civic_token_task_create(t, "m",
                                  "{\"id\":\"x\",\"title\":\"t\",\"domain\":"
                                  "\"d\",\"zone\":\"z\",\"reward\":1,"
                                  "\"capacity\":1,\"start\":5,\"end\":5}",
                                  T0),
          CIVIC_E_OUT_OF_RANGE);
  REFUSED(l, t,
          civic_token_task_create(t, "m",
                                  "{\"id\":\"a:b\",\"title\":\"t\",\"domain\":"
                                  "\"d\",\"zone\":\"z\",\"reward\":1,"
                                  "\"capacity\":1,\"start\":0,\"end\":5}",
                                  T0),
          CIVIC_E_OUT_OF_RANGE);
  REFUSED(l, t, civic_token_task_create(t, "m", "{\"id\":\"x\"}", T0),
          CIVIC_E_MISSING_FIELD);
  REFUSED(l, t, civic_token_task_publish(t, "m", "x", T0),
          CIVIC_E_UNKNOWN_REFERENCE);
  REFUSED(l, t, civic_token_fund_reserve(t, "m", -5, T0),
          CIVIC_E_NEGATIVE_AMOUNT);
  task(t, "t", 1, 1, "z");
  REFUSED(l, t, civic_token_task_publish(t, "m", "t", T0), CIVIC_E_TASK_STATE);
  REFUSED(l, t, civic_token_task_expire(t, "m", "t", T0 + 1),
          CIVIC_E_TASK_STATE); /* still running */
  ok(t, civic_token_task_cancel(t, "m", "t", T0 + 1));
  REFUSED(l, t, civic_token_task_commit(t, "anna", "t", T0 + 2),
          CIVIC_E_TASK_STATE);
  ck_assert_int_eq(civic_token_new(&u, l), CIVIC_OK);
  ck_assert_int_eq(civic_token_setup(u,
                                     "{\"code\":\"ZZ\",\"issuer\":\"h\","
                                     "\"fee_bp\":10001}",
                                     T0),
                   CIVIC_E_OUT_OF_RANGE);
  ck_assert_ptr_nonnull(strstr(civic_token_errmsg(u), "fee_bp"));
  civic_token_free(u);
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

START_TEST(expire_and_cancel_tasks) {
  civic_ledger *l;
  civic_token *t = fresh(&l, PILOT);
  char *dash = NULL;
  ok(t, civic_token_fund_reserve(t, "m", 100000, T0));
  task(t, "long", 5, 3, "z");
  ok(t, civic_token_task_create(t, "m",
                                "{\"id\":\"short\",\"title\":\"t\","
                                "\"domain\":\"d\",\"zone\":\"z\",\"reward\":5,"
                                "\"capacity\":3,\"start\":1767225600,"
                                "\"end\":1767312000}",
                                T0));
  REFUSED(l, t, civic_token_task_commit(t, "anna", "short", T0),
          CIVIC_E_TASK_STATE); /* still a draft */
  ok(t, civic_token_task_publish(t, "m", "short", T0));
  ok(t, civic_token_task_commit(t, "anna", "short", T0 + 10));
  ok(t, civic_token_task_commit(t, "bram", "short", T0 + 10));
  ok(t, civic_token_task_submit(t, "anna", "short", "photo", T0 + 20));
  REFUSED(l, t, civic_token_task_commit(t, "cem", "short", T0 + DAY),
          CIVIC_E_TASK_STATE); /* window [start, end) is over */
  ok(t, civic_token_task_expire(t, "m", "short", T0 + DAY));
  REFUSED(l, t, civic_token_task_submit(t, "bram", "short", "late", T0 + DAY),
          CIVIC_E_TASK_STATE);
  /* work handed in before the expiry is still paid */
  ok(t, civic_token_task_approve(t, "m", "short", "anna", T0 + DAY + 1));
  REFUSED(l, t, civic_token_task_cancel(t, "m", "short", T0 + DAY + 2),
          CIVIC_E_TASK_STATE);
  ok(t, civic_token_task_commit(t, "anna", "long", T0 + DAY + 3));
  ok(t, civic_token_task_submit(t, "anna", "long", "p", T0 + DAY + 3));
  ok(t, civic_token_task_cancel(t, "m", "long", T0 + DAY + 4));
  REFUSED(l, t, civic_token_task_approve(t, "m", "long", "anna", T0 + DAY + 5),
          CIVIC_E_TASK_STATE);
  ok(t, civic_token_dashboard_json(t, &dash));
  ck_assert_ptr_nonnull(strstr(dash, "\"tasks_by_status\":{\"draft\":0,"
                                     "\"published\":0,\"expired\":1,"
                                     "\"cancelled\":1}"));
  ck_assert_ptr_nonnull(strstr(dash, "\"participation\":[{\"zone\":\"z\","
                                     "\"month\":\"2026-01\",\"commitments\":3,"
                                     "\"completions\":1,\"citizens\":2}]"));
  civic_free(dash);
  civic_token_free(t);
  civic_ledger_free(l);
}
END_TEST

/* ---- random operation sequences ---- */

static const char *const CITIZENS[] = {"anna", "bram", "cem", "dewi"};
static const char *const SHOPS[] = {"bakker", "fiets"};
static const char *const TASKS[] = {"t0", "t1", "t2", "t3", "t4", "t5"};

/* Invariants of issue 5, checked against the ledger's own balances. */
static void check_invariants(civic_ledger *l, civic_token *t, int64_t now) {
  char acc[128];
  int64_t held = 0, rewarded = 0;
  size_t i, j;
  int64_t supply = t->minted - t->burned - t->expired;
  /* supply = minted - burned - expired, and it is what the holders hold */
  for (i = 0; i < 4; i++) {
    civic_account_view v;
    snprintf(acc, sizeof acc, "HLN:wallet:%s", CITIZENS[i]);
    if (civic_ledger_account_get(l, acc, &v) == CIVIC_OK) {
      int64_t live, expired;
      const tk_citizen *c = tk_find_citizen(t, CITIZENS[i]);
      ck_assert(v.balance >= 0);
      held += v.balance;
      tk_citizen_balance(c, t->last_time, &live, &expired);
      ck_assert(v.balance == live); /* swept: the ledger equals the lots */
    }
  }
  for (i = 0; i < 2; i++) {
    civic_account_view v;
    snprintf(acc, sizeof acc, "HLN:shop:%s", SHOPS[i]);
    if (civic_ledger_account_get(l, acc, &v) == CIVIC_OK) {
      ck_assert(v.balance >= 0);
      held += v.balance;
    }
  }
  ck_assert(supply >= 0);
  ck_assert(held == supply);
  ck_assert(-balance_of(l, "HLN:issuer") == supply);
  /* reserve >= supply x rate */
  ck_assert(balance_of(l, "HLN:reserve") == t->reserve);
  ck_assert((civic_i128)t->reserve * t->cfg.rate_den >=
            (civic_i128)supply * t->cfg.rate_num);
  /* a task never pays twice: minted = sum of rewards of approved places */
  for (i = 0; i < t->n_tasks; i++)
    for (j = 0; j < t->tasks[i].n_commits; j++)
      if (t->tasks[i].commits[j].state == TK_APPROVED)
        rewarded += t->tasks[i].reward;
  ck_assert(rewarded == t->minted);
  (void)now;
}

/* Successes per operation kind, so the test proves it exercised them. */
static int g_succeeded[12];

/* Pick an existing commitment in state `want` (any state if want < 0), so
 * that the lifecycle moves forward often instead of being refused. */
static bool pick_commit(civic_test_rng *rng, const civic_token *t, int want,
                        const char **task, const char **citizen) {
  size_t i, j, n = 0, k;
  for (i = 0; i < t->n_tasks; i++)
    for (j = 0; j < t->tasks[i].n_commits; j++)
      if (want < 0 || (int)t->tasks[i].commits[j].state == want)
        n++;
  if (n == 0)
    return false;
  k = (size_t)civic_test_rng_below(rng, n);
  for (i = 0; i < t->n_tasks; i++)
    for (j = 0; j < t->tasks[i].n_commits; j++)
      if (want < 0 || (int)t->tasks[i].commits[j].state == want) {
        if (k-- == 0) {
          *task = t->tasks[i].id;
          *citizen = t->tasks[i].commits[j].citizen;
          return true;
        }
      }
  return false;
}

static void random_step(civic_test_rng *rng, civic_ledger *l, civic_token *t,
                        int64_t now) {
  const char *c = CITIZENS[civic_test_rng_below(rng, 4)];
  const char *s = SHOPS[civic_test_rng_below(rng, 2)];
  const char *k = TASKS[civic_test_rng_below(rng, 6)];
  int64_t amount = 1 + (int64_t)civic_test_rng_below(rng, 14);
  uint64_t before = civic_ledger_position_get(l);
  char hash_before[65], hash_after[65];
  unsigned kind = (unsigned)civic_test_rng_below(rng, 12);
  bool mostly = civic_test_rng_below(rng, 5) != 0; /* 80 %: a likely case */
  civic_status st = CIVIC_OK;
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, hash_before), CIVIC_OK);
  if (mostly && kind == 2)
    pick_commit(rng, t, TK_COMMITTED, &k, &c);
  if (mostly && (kind == 3 || kind == 4 || kind == 5))
    pick_commit(rng, t, civic_test_rng_below(rng, 4) ? TK_SUBMITTED : -1, &k,
                &c);
  if (mostly && (kind == 6 || kind == 7 || kind == 9)) {
    int64_t have = 0;
    if (civic_token_balance(t, c, now, &have) == CIVIC_OK && have > 0)
      amount = 1 + (int64_t)civic_test_rng_below(rng, (uint64_t)have);
  }
  if (mostly && kind == 8) {
    int64_t have = 0;
    if (civic_token_balance(t, s, now, &have) == CIVIC_OK && have > 0)
      amount = 1 + (int64_t)civic_test_rng_below(rng, (uint64_t)have);
  }
  switch (kind) {
  case 0:
    st = civic_token_fund_reserve(t, "m", amount * 50, now);
    break;
  case 1:
    st = civic_token_task_commit(t, c, k, now);
    break;
  case 2:
    st = civic_token_task_submit(t, c, k, "photo", now);
    break;
  case 3:
  case 4:
    st = civic_token_task_approve(t, "m", k, c, now);
    break;
  case 5:
    st = civic_token_task_reject(t, "m", k, c, "no", now);
    break;
  case 6:
  case 7:
    st = civic_token_spend(t, c, s, amount, now);
    break;
  case 8:
    st = civic_token_redeem(t, s, amount, now, NULL);
    break;
  case 9:
    st = civic_token_transfer(t, c, CITIZENS[civic_test_rng_below(rng, 4)],
                              amount, now);
    break;
  case 10:
    st = civic_token_entrepreneur_set_active(
        t, "m", s, civic_test_rng_below(rng, 4) != 0, now);
    break;
  default:
    st = civic_token_expire_lots(t, now);
    break;
  }
  if (st == CIVIC_OK)
    g_succeeded[kind]++;
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, hash_after), CIVIC_OK);
  if (st != CIVIC_OK) { /* refused: nothing changed */
    ck_assert(civic_ledger_position_get(l) == before);
    ck_assert_str_eq(hash_before, hash_after);
  }
}

/* A second handle rebuilt from the journal's events sees the same state. */
static void expect_same_after_reload(civic_ledger *l, civic_token *t) {
  civic_token *u = NULL;
  char *a = NULL, *b = NULL;
  size_t i;
  ck_assert_int_eq(civic_token_new(&u, l), CIVIC_OK);
  ok(u, civic_token_load(u, "HLN"));
  ok(t, civic_token_dashboard_json(t, &a));
  ok(u, civic_token_dashboard_json(u, &b));
  ck_assert_str_eq(a, b);
  for (i = 0; i < 4; i++) {
    civic_free(a);
    civic_free(b);
    ok(t, civic_token_wallet_json(t, CITIZENS[i], t->last_time, &a));
    ok(u, civic_token_wallet_json(u, CITIZENS[i], t->last_time, &b));
    ck_assert_str_eq(a, b);
  }
  civic_free(a);
  civic_free(b);
  civic_token_free(u);
}

START_TEST(random_operation_sequences) {
  civic_test_rng rng = {2026};
  int64_t expired_total = 0;
  int run;
  for (run = 0; run < 12; run++) {
    civic_ledger *l;
    civic_token *t;
    char cfg[256];
    int64_t now = T0;
    int step;
    size_t i;
    snprintf(cfg, sizeof cfg,
             "{\"code\":\"HLN\",\"issuer\":\"h\",\"rate_num\":%d,"
             "\"rate_den\":%d,\"fee_bp\":%d,\"cap_month\":%d,"
             "\"lot_lifetime\":%d,\"citizen_transfers\":%s}",
             1 + (int)civic_test_rng_below(&rng, 150),
             1 + (int)civic_test_rng_below(&rng, 7),
             (int)civic_test_rng_below(&rng, 10001),
             (int)civic_test_rng_below(&rng, 60),
             (int)civic_test_rng_below(&rng, 3) * 20 * (int)DAY,
             civic_test_rng_below(&rng, 2) ? "true" : "false");
    t = fresh(&l, cfg);
    ok(t, civic_token_fund_reserve(t, "m", 20000, now));
    for (i = 0; i < 6; i++)
      task(t, TASKS[i], 1 + (int64_t)civic_test_rng_below(&rng, 12),
           1 + (int64_t)civic_test_rng_below(&rng, 3),
           i % 2 ? "noord" : "zuid");
    for (i = 0; i < 2; i++)
      ok(t, civic_token_entrepreneur_register(t, "m", SHOPS[i], "z", now));
    for (step = 0; step < 300; step++) {
      now += (int64_t)civic_test_rng_below(&rng, DAY);
      random_step(&rng, l, t, now);
      check_invariants(l, t, now);
    }
    expect_same_after_reload(l, t);
    expired_total += t->expired;
    civic_token_free(t);
    civic_ledger_free(l);
  }
  ck_assert_msg(expired_total > 0, "no lot ever expired");
  /* every kind of operation really happened, many times */
  for (run = 0; run < 12; run++)
    ck_assert_msg(g_succeeded[run] >= 30, "operation %d succeeded %d times",
                  run, g_succeeded[run]);
}
END_TEST

static Suite *token_suite(void) {
  Suite *s = suite_create("token");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, month_of_calendar);
  tcase_add_test(tc, full_cycle_and_refusals);
  tcase_add_test(tc, reserve_cover_refuses_mint);
  tcase_add_test(tc, reward_caps_month_and_year);
  tcase_add_test(tc, lots_spend_oldest_first_and_expire);
  tcase_add_test(tc, redeem_with_fee_keeps_fee_in_reserve);
  tcase_add_test(tc, polls_one_ballot_each);
  tcase_add_test(tc, state_rebuilds_from_journal);
  tcase_add_test(tc, bad_input_named);
  tcase_add_test(tc, expire_and_cancel_tasks);
  tcase_add_test(tc, random_operation_sequences);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return civic_test_run(token_suite()); }
