/* Settlement of a resident's period on the ledger (issue 3 items 2, 3, 5):
 * the intra-month bridge, advances and their recovery, idempotent and
 * late-income re-runs, consent, the advance cap, alerts, the fixed
 * allowance with its buffer, and that statements reconcile with balances. */
#include <civic/civic.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define FLOOR 60000

/* ---- fixtures ---------------------------------------------------------- */

static civic_ledger *new_ledger(void) {
  civic_ledger *l = NULL;
  ck_assert_int_eq(civic_ledger_new_memory(&l), CIVIC_OK);
  ck_assert_int_eq(civic_settle_setup(NULL, l, NULL, 1000000), CIVIC_OK);
  return l;
}

static void grant(civic_ledger *l, const char *resident) {
  ck_assert_int_eq(
      civic_settle_consent_grant(NULL, l, resident, "gemeente", 0, "escrow"),
      CIVIC_OK);
}

/* A typical month: rent, energy and health insurance due on the 1st, water
 * on the 15th (all guaranteed), one income expected on the 25th. `received`
 * lists receipts as {amount, day} pairs, `nreceived` of them. */
typedef struct month {
  const char *resident, *period;
  int64_t income;
  int64_t received[3][2];
  int nreceived;
  int64_t as_of;
  int close;
  int floor_guaranteed;
  int64_t cap;      /* -1: none */
  const char *mode; /* "remainder" or "fixed" */
  int64_t fixed;
  int review;
  const char *payout;
  const char *corrections; /* JSON array text, or NULL for none */
} month;

static month base_month(const char *resident, const char *period,
                        int64_t income) {
  month m;
  memset(&m, 0, sizeof m);
  m.resident = resident;
  m.period = period;
  m.income = income;
  m.as_of = 30;
  m.close = 1;
  m.floor_guaranteed = 1;
  m.cap = -1;
  m.mode = "remainder";
  m.payout = "monthly";
  return m;
}

static void receive(month *m, int64_t amount, int64_t day) {
  m->received[m->nreceived][0] = amount;
  m->received[m->nreceived][1] = day;
  m->nreceived++;
}

static json_t *obligation(const char *id, const char *cat, int prio,
                          int64_t amount, const char *payee, int due) {
  return json_pack("{s:s,s:s,s:i,s:I,s:b,s:s,s:i}", "id", id, "category", cat,
                   "priority", prio, "amount", (json_int_t)amount, "guaranteed",
                   1, "payee", payee, "due_day", due);
}

static char *plan_text(const month *m) {
  json_t *received = json_array(), *policy, *plan;
  char *text;
  int i;
  for (i = 0; i < m->nreceived; i++) {
    char id[16];
    snprintf(id, sizeof id, "tx%d", i + 1);
    json_array_append_new(received,
                          json_pack("{s:s,s:I,s:I}", "id", id, "day",
                                    (json_int_t)m->received[i][1], "amount",
                                    (json_int_t)m->received[i][0]));
  }
  policy = json_pack("{s:I,s:b,s:I,s:s,s:s,s:b}", "living_floor",
                     (json_int_t)FLOOR, "floor_guaranteed", m->floor_guaranteed,
                     "recovery_cap", (json_int_t)10000, "allowance_mode",
                     m->mode, "payout", m->payout, "review", m->review);
  if (m->cap >= 0)
    json_object_set_new(policy, "advance_cap", json_integer(m->cap));
  if (strcmp(m->mode, "fixed") == 0)
    json_object_set_new(policy, "fixed_allowance", json_integer(m->fixed));
  plan = json_pack(
      "{s:s,s:s,s:i,s:I,s:b,s:[{s:s,s:s,s:I,s:i,s:o}],s:[o,o,o,o],s:o}",
      "resident", m->resident, "period", m->period, "days", 30, "as_of",
      (json_int_t)m->as_of, "close", m->close, "incomes", "id", "bijstand",
      "payer", "agency:gemeente", "amount", (json_int_t)m->income,
      "expected_day", 25, "received", received, "obligations",
      obligation("rent", "rent", 0, 90000, "payee:landlord", 1),
      obligation("energy", "energy", 1, 15000, "payee:energy", 1),
      obligation("insurance", "health_insurance", 2, 14000, "payee:insurer", 1),
      obligation("water", "water", 3, 3000, "payee:water", 15), "policy",
      policy);
  ck_assert_ptr_nonnull(plan);
  if (m->corrections != NULL) {
    json_t *corr = json_loads(m->corrections, 0, NULL);
    ck_assert_ptr_nonnull(corr);
    json_object_set_new(plan, "corrections", corr);
  }
  text = json_dumps(plan, JSON_COMPACT);
  json_decref(plan);
  return text;
}

/* Settle and return the parsed result (caller decrefs). */
static json_t *settle_ok(civic_ledger *l, const month *m) {
  civic_ctx *ctx = NULL;
  char *plan = plan_text(m), *out = NULL;
  civic_status st;
  json_t *res;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  st = civic_settle_period_json(ctx, l, plan, &out);
  ck_assert_msg(st == CIVIC_OK, "settle failed: %s: %s", civic_status_name(st),
                civic_ctx_errmsg(ctx));
  res = json_loads(out, 0, NULL);
  ck_assert_ptr_nonnull(res);
  civic_free(out);
  free(plan);
  civic_ctx_free(ctx);
  return res;
}

static civic_status settle_status(civic_ledger *l, const month *m, char *msg,
                                  size_t cap) {
  civic_ctx *ctx = NULL;
  char *plan = plan_text(m);
  civic_status st;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  st = civic_settle_period_json(ctx, l, plan, NULL);
  if (msg)
    snprintf(msg, cap, "%s", civic_ctx_errmsg(ctx));
  free(plan);
  civic_ctx_free(ctx);
  return st;
}

static int64_t bal(const civic_ledger *l, const char *account) {
  int64_t b = 0;
  if (civic_ledger_balance(l, account, &b) != CIVIC_OK)
    return 0;
  return b;
}

static int64_t num(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  ck_assert_msg(json_is_integer(v), "field %s missing", key);
  return (int64_t)json_integer_value(v);
}

static void state_hash(const civic_ledger *l, char *hex) {
  ck_assert_int_eq(civic_ledger_state_hash_hex(l, hex), CIVIC_OK);
}

/* Ledger invariant: every asset's balances sum to zero. */
static void assert_zero_sum(const civic_ledger *l) {
  char *text = NULL;
  json_t *all, *accounts;
  size_t i;
  int64_t sum = 0;
  ck_assert_int_eq(civic_ledger_balances_json(l, &text), CIVIC_OK);
  all = json_loads(text, 0, NULL);
  accounts = json_object_get(all, "accounts");
  for (i = 0; i < json_array_size(accounts); i++)
    sum += num(json_array_get(accounts, i), "balance");
  ck_assert_int_eq(sum, 0);
  json_decref(all);
  civic_free(text);
}

/* A closed statement reconciles to the cent: money in equals money out,
 * the payees, the resident and the receivable hold what it says. */
static void assert_reconciles(const civic_ledger *l, const json_t *res) {
  const json_t *obls = json_object_get(res, "obligations");
  int64_t out = 0;
  size_t i;
  for (i = 0; i < json_array_size(obls); i++) {
    const json_t *o = json_array_get(obls, i);
    ck_assert_int_eq(num(o, "paid_to_payee"), num(o, "paid_earmarked") +
                                                  num(o, "paid_general") +
                                                  num(o, "covered"));
    out += num(o, "paid_to_payee");
  }
  out += num(res, "recovery") + num(res, "living_paid") + num(res, "to_buffer");
  {
    int64_t covered = num(res, "top_up");
    for (i = 0; i < json_array_size(obls); i++)
      covered += num(json_array_get(obls, i), "covered");
    char *dump = json_dumps(res, JSON_COMPACT);
    /* advance = covered + top-up */
    ck_assert_msg(num(res, "advance") == covered,
                  "advance %lld != covered + top-up %lld in %s",
                  (long long)num(res, "advance"), (long long)covered, dump);
    free(dump);
  }
  ck_assert_int_eq(num(res, "opening_balance") + num(res, "received_total") +
                       num(res, "advance"),
                   out);
  /* An overpayment correction is booked as receivable in its period. */
  ck_assert_int_eq(num(res, "receivable_after"),
                   num(res, "receivable_before") - num(res, "recovery") +
                       num(res, "advance") + num(res, "corrections_owed"));
  ck_assert_int_eq(num(json_object_get(res, "balances"), "receivable"),
                   num(res, "receivable_after"));
  ck_assert_int_eq(num(json_object_get(res, "balances"), "escrow"), 0);
  ck_assert_int_eq(num(json_object_get(res, "bridge"), "open"), 0);
  (void)l;
}

/* The pure waterfall (spec section 3) on the same numbers, for comparison. */
static json_t *pure_waterfall(int64_t income, int64_t receivable) {
  civic_ctx *ctx = NULL;
  char in[1024], *out = NULL;
  json_t *res;
  snprintf(in, sizeof in,
           "{\"opening_balance\":0,\"incomes\":[{\"id\":\"bijstand\","
           "\"amount\":%lld}],\"obligations\":["
           "{\"id\":\"rent\",\"category\":\"rent\",\"priority\":0,\"amount\":"
           "90000,\"guaranteed\":true},{\"id\":\"energy\",\"category\":"
           "\"energy\",\"priority\":1,\"amount\":15000,\"guaranteed\":true},"
           "{\"id\":\"insurance\",\"category\":\"health_insurance\","
           "\"priority\":2,\"amount\":14000,\"guaranteed\":true},{\"id\":"
           "\"water\",\"category\":\"water\",\"priority\":3,\"amount\":3000,"
           "\"guaranteed\":true}],\"receivable_outstanding\":%lld,\"policy\":"
           "{\"living_floor\":%d,\"floor_guaranteed\":true,\"recovery_cap\":"
           "10000}}",
           (long long)income, (long long)receivable, FLOOR);
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_evaluate(ctx, "waterfall", in, &out), CIVIC_OK);
  res = json_loads(out, 0, NULL);
  civic_free(out);
  civic_ctx_free(ctx);
  return res;
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(bridge_nets_to_zero_when_income_suffices) {
  civic_ledger *l = new_ledger();
  month m = base_month("r1", "2026-11", 200000);
  json_t *res;
  grant(l, "r1");
  /* Day 1: rent, energy, insurance are due; nothing has come in yet. */
  m.as_of = 1;
  m.close = 0;
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(bal(l, "payee:landlord"), 90000);
  ck_assert_int_eq(bal(l, "fund:guarantee"), -(90000 + 15000 + 14000));
  ck_assert_int_eq(bal(l, "escrow:r1"), 0);
  /* Day 25: income lands and repays the bridge at once. */
  m.as_of = 25;
  receive(&m, 200000, 25);
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(bal(l, "fund:guarantee"), 0);
  ck_assert_int_eq(bal(l, "escrow:r1"), 200000 - 122000);
  /* Day 30, closed: the rest is the living allowance; no advance. */
  m.as_of = 30;
  m.close = 1;
  res = settle_ok(l, &m);
  ck_assert_int_eq(num(res, "advance"), 0);
  ck_assert_int_eq(num(res, "living_paid"), 78000);
  ck_assert_int_eq(num(json_object_get(res, "bridge"), "drawn"), 119000);
  ck_assert_int_eq(num(json_object_get(res, "bridge"), "repaid"), 119000);
  ck_assert_int_eq(bal(l, "fund:guarantee"), 0);
  ck_assert_int_eq(bal(l, "receivable:r1"), 0);
  ck_assert_int_eq(bal(l, "bank:r1"), 78000);
  assert_reconciles(l, res);
  assert_zero_sum(l);
  json_decref(res);
  civic_ledger_free(l);
}
END_TEST

START_TEST(shortfall_advance_then_recovery_matches_waterfall) {
  civic_ledger *l = new_ledger();
  month m = base_month("r2", "2026-11", 100000);
  json_t *res, *pure;
  grant(l, "r2");
  receive(&m, 100000, 25);
  res = settle_ok(l, &m);
  pure = pure_waterfall(100000, 0);
  /* The ledger agrees with the pure waterfall to the cent. Working:
   * G = 1000.00; rent 900.00; energy gets the 100.00 left (covered 50.00);
   * insurance 140.00 and water 30.00 covered; living 0 topped up to 600.00;
   * advance = 50 + 140 + 30 + 600 = 820.00. */
  ck_assert_int_eq(num(res, "advance"), num(pure, "advance"));
  ck_assert_int_eq(num(res, "advance"), 82000);
  ck_assert_int_eq(num(res, "living_paid"), num(pure, "living_allowance"));
  ck_assert_int_eq(num(res, "receivable_after"), num(pure, "receivable_after"));
  ck_assert_int_eq(bal(l, "receivable:r2"), -82000);
  ck_assert_int_eq(bal(l, "fund:guarantee"),
                   0); /* the bridge became the advance */
  assert_reconciles(l, res);
  json_decref(res);
  json_decref(pure);

  /* Next month has enough: recovery = min(820.00, cap 100.00, G - floor). */
  m = base_month("r2", "2026-12", 200000);
  receive(&m, 200000, 25);
  res = settle_ok(l, &m);
  pure = pure_waterfall(200000, 82000);
  ck_assert_int_eq(num(res, "recovery"), 10000);
  ck_assert_int_eq(num(res, "recovery"), num(pure, "recovery"));
  ck_assert_int_eq(num(res, "living_paid"), num(pure, "living_allowance"));
  ck_assert_int_eq(num(res, "receivable_after"), 72000);
  ck_assert_int_eq(bal(l, "receivable:r2"), -72000);
  ck_assert_int_eq(bal(l, "fund:guarantee"), 0);
  assert_reconciles(l, res);
  assert_zero_sum(l);
  json_decref(res);
  json_decref(pure);
  civic_ledger_free(l);
}
END_TEST

START_TEST(settling_twice_changes_nothing) {
  civic_ledger *l = new_ledger();
  month m = base_month("r3", "2026-11", 150000);
  char before[65], after[65];
  json_t *res;
  grant(l, "r3");
  receive(&m, 150000, 25);
  m.as_of = 26;
  m.close = 0;
  json_decref(settle_ok(l, &m));
  state_hash(l, before);
  res = settle_ok(l, &m);
  state_hash(l, after);
  ck_assert_str_eq(before, after);
  ck_assert_int_eq(json_array_size(json_object_get(res, "posted")), 0);
  json_decref(res);
  m.as_of = 30;
  m.close = 1;
  json_decref(settle_ok(l, &m));
  state_hash(l, before);
  res = settle_ok(l, &m);
  state_hash(l, after);
  ck_assert_str_eq(before, after);
  ck_assert_int_eq(json_array_size(json_object_get(res, "posted")), 0);
  json_decref(res);
  civic_ledger_free(l);
}
END_TEST

/* Partial income on the 25th, the rest on the 28th: the payees, the fund and
 * the resident end up exactly as when all of it had come at once, and no
 * transfer id is ever posted twice. */
START_TEST(partial_then_late_income_pays_only_the_difference) {
  civic_ledger *a = new_ledger(), *b = new_ledger();
  month m = base_month("r4", "2026-11", 200000), once;
  json_t *res;
  const char *accounts[] = {"payee:landlord", "payee:energy", "payee:insurer",
                            "payee:water",    "bank:r4",      "receivable:r4",
                            "fund:guarantee", "escrow:r4"};
  size_t i;
  grant(a, "r4");
  grant(b, "r4");
  m.close = 0;
  m.as_of = 1;
  json_decref(settle_ok(a, &m));
  m.as_of = 25;
  receive(&m, 60000, 25);
  res = settle_ok(a, &m);
  ck_assert_int_eq(json_array_size(json_object_get(res, "alerts")), 0);
  json_decref(res);
  m.as_of = 28;
  res = settle_ok(a, &m); /* still short: an alert for the missing part */
  ck_assert_int_eq(json_array_size(json_object_get(res, "alerts")), 1);
  json_decref(res);
  receive(&m, 140000, 28);
  res = settle_ok(a, &m);
  ck_assert_int_eq(json_array_size(json_object_get(res, "alerts")), 0);
  json_decref(res);
  m.as_of = 30;
  m.close = 1;
  res = settle_ok(a, &m);
  assert_reconciles(a, res);
  ck_assert_int_eq(num(res, "advance"), 0);
  json_decref(res);

  once = base_month("r4", "2026-11", 200000);
  receive(&once, 200000, 25);
  json_decref(settle_ok(b, &once));
  for (i = 0; i < sizeof accounts / sizeof accounts[0]; i++)
    ck_assert_msg(bal(a, accounts[i]) == bal(b, accounts[i]),
                  "%s: %lld in steps vs %lld at once", accounts[i],
                  (long long)bal(a, accounts[i]),
                  (long long)bal(b, accounts[i]));
  ck_assert_int_eq(bal(a, "payee:landlord"), 90000); /* never twice */
  assert_zero_sum(a);
  civic_ledger_free(a);
  civic_ledger_free(b);
}
END_TEST

START_TEST(consent_gates_and_survives_reopen) {
  char path[] = "/tmp/civic_settle_consentXXXXXX";
  int fd = mkstemp(path);
  civic_ledger *l = NULL;
  month m = base_month("r5", "2026-11", 150000);
  int granted = -1;
  char msg[512];
  ck_assert_int_ge(fd, 0);
  close(fd);
  unlink(path);
  ck_assert_int_eq(civic_ledger_create(&l, path), CIVIC_OK);
  ck_assert_int_eq(civic_settle_setup(NULL, l, NULL, 1000000), CIVIC_OK);
  receive(&m, 150000, 25);
  /* No consent, no settlement. */
  ck_assert_int_eq(settle_status(l, &m, msg, sizeof msg), CIVIC_E_NO_CONSENT);
  ck_assert_ptr_nonnull(strstr(msg, "r5"));
  grant(l, "r5");
  m.close = 0;
  m.as_of = 26;
  json_decref(settle_ok(l, &m));
  /* Revoked mid-period: the open period may still be finished. */
  ck_assert_int_eq(civic_settle_consent_revoke(NULL, l, "r5", "resident", 10),
                   CIVIC_OK);
  civic_ledger_free(l);
  l = NULL;
  ck_assert_int_eq(civic_ledger_open(&l, path), CIVIC_OK);
  ck_assert_int_eq(civic_settle_consent_status(NULL, l, "r5", &granted),
                   CIVIC_OK);
  ck_assert_int_eq(granted, 0);
  m.close = 1;
  m.as_of = 30;
  json_decref(settle_ok(l, &m));
  /* ... but no new period starts, and revoking twice is refused. */
  m = base_month("r5", "2026-12", 150000);
  ck_assert_int_eq(settle_status(l, &m, NULL, 0), CIVIC_E_NO_CONSENT);
  ck_assert_int_eq(civic_settle_consent_revoke(NULL, l, "r5", "resident", 11),
                   CIVIC_E_NO_CONSENT);
  ck_assert_int_eq(bal(l, "escrow:r5"), 0);
  civic_ledger_free(l);
  unlink(path);
}
END_TEST

START_TEST(revoke_returns_buffer_and_escrow) {
  civic_ledger *l = new_ledger();
  month m = base_month("r6", "2026-11", 200000);
  grant(l, "r6");
  m.mode = "fixed";
  m.fixed = 60000;
  receive(&m, 200000, 25);
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(bal(l, "buffer:r6"), 200000 - 122000 - 60000);
  /* December starts (buffer 180.00), then consent is revoked mid-period:
   * the buffer goes home at once, the open period is still finished. */
  m = base_month("r6", "2026-12", 200000);
  m.mode = "fixed";
  m.fixed = 60000;
  m.close = 0;
  m.as_of = 1;
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(civic_settle_consent_revoke(NULL, l, "r6", "resident", 0),
                   CIVIC_OK);
  ck_assert_int_eq(bal(l, "buffer:r6"), 0);
  ck_assert_int_eq(bal(l, "bank:r6"), 78000);
  receive(&m, 200000, 25);
  m.close = 1;
  m.as_of = 30;
  json_decref(settle_ok(l, &m));
  /* closing after revocation trues up: December's surplus goes home too */
  ck_assert_int_eq(bal(l, "buffer:r6"), 0);
  ck_assert_int_eq(bal(l, "bank:r6"), 2 * 78000);
  ck_assert_int_eq(bal(l, "escrow:r6"), 0);
  ck_assert_int_eq(bal(l, "fund:guarantee"), 0);
  assert_zero_sum(l);
  civic_ledger_free(l);
}
END_TEST

START_TEST(advance_cap_stops_advancing_and_flags) {
  civic_ledger *l = new_ledger();
  month m = base_month("r7", "2026-11", 0);
  json_t *res;
  char *alerts = NULL;
  grant(l, "r7");
  /* No income at all, cap 1,500.00: 900 + 150 + 140 + 30 + 600 = 1,820.00
   * would be needed; rent, energy, insurance (1,190.00) fit, water gets the
   * 30.00 too (1,220.00), the floor top-up only 280.00 of 600.00. */
  m.cap = 150000;
  res = settle_ok(l, &m);
  ck_assert_int_eq(num(res, "advance"), 150000);
  ck_assert_int_eq(num(res, "living_paid"), 28000);
  ck_assert_int_eq(bal(l, "receivable:r7"), -150000);
  ck_assert_str_eq(
      json_string_value(json_array_get(json_object_get(res, "flags"), 0)),
      "advance_cap_reached");
  assert_reconciles(l, res);
  json_decref(res);
  /* Next month, still nothing: the room is zero, nothing more is advanced. */
  m = base_month("r7", "2026-12", 0);
  m.cap = 150000;
  res = settle_ok(l, &m);
  ck_assert_int_eq(num(res, "advance"), 0);
  ck_assert_int_eq(
      num(json_array_get(json_object_get(res, "obligations"), 0), "unpaid"),
      90000);
  ck_assert_int_eq(bal(l, "receivable:r7"), -150000);
  assert_reconciles(l, res);
  json_decref(res);
  ck_assert_int_eq(civic_settle_alerts_json(NULL, l, 30, &alerts), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(alerts, "advance_cap_reached"));
  civic_free(alerts);
  assert_zero_sum(l);
  civic_ledger_free(l);
}
END_TEST

/* A resident at the cap is still bridged against income that is expected
 * (it repays the bridge); if that income then fails to arrive, the bridge
 * becomes an advance over the cap and the case is flagged. */
START_TEST(bridge_at_cap_relies_on_expected_income) {
  civic_ledger *l = new_ledger();
  month m = base_month("r14", "2026-10", 0);
  json_t *res, *flags;
  grant(l, "r14");
  m.cap = 150000;
  json_decref(settle_ok(l, &m)); /* advance 1,500.00: at the cap */
  m = base_month("r14", "2026-11", 200000);
  m.cap = 150000;
  m.close = 0;
  m.as_of = 1;
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(bal(l, "payee:landlord"), 2 * 90000);
  ck_assert_int_eq(bal(l, "fund:guarantee"), -119000);
  m.as_of = 30; /* the income never came */
  m.close = 1;
  res = settle_ok(l, &m);
  flags = json_object_get(res, "flags");
  ck_assert_int_eq(num(res, "advance"), 119000);
  ck_assert_int_eq(json_array_size(flags), 3);
  ck_assert_str_eq(json_string_value(json_array_get(flags, 0)),
                   "advance_cap_reached");
  ck_assert_str_eq(json_string_value(json_array_get(flags, 1)),
                   "advance_over_cap");
  ck_assert_str_eq(json_string_value(json_array_get(flags, 2)),
                   "income_missing");
  /* water (due the 15th, never run then) and the floor were not advanced */
  ck_assert_int_eq(bal(l, "payee:water"), 3000);
  ck_assert_int_eq(num(res, "living_paid"), 0);
  assert_reconciles(l, res);
  assert_zero_sum(l);
  json_decref(res);
  civic_ledger_free(l);
}
END_TEST

START_TEST(late_income_raises_an_alert) {
  civic_ledger *l = new_ledger();
  month m = base_month("r8", "2026-11", 130000);
  char *alerts = NULL;
  json_t *a;
  grant(l, "r8");
  m.close = 0;
  m.as_of = 20;
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(civic_settle_alerts_json(NULL, l, 25, &alerts), CIVIC_OK);
  a = json_loads(alerts, 0, NULL);
  ck_assert_int_eq(json_array_size(json_object_get(a, "alerts")), 0);
  json_decref(a);
  civic_free(alerts);
  ck_assert_int_eq(civic_settle_alerts_json(NULL, l, 26, &alerts), CIVIC_OK);
  a = json_loads(alerts, 0, NULL);
  ck_assert_int_eq(json_array_size(json_object_get(a, "alerts")), 1);
  ck_assert_int_eq(
      num(json_array_get(json_object_get(a, "alerts"), 0), "missing"), 130000);
  json_decref(a);
  civic_free(alerts);
  /* Income arrives: the alert is gone. */
  receive(&m, 130000, 27);
  m.as_of = 27;
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(civic_settle_alerts_json(NULL, l, 27, &alerts), CIVIC_OK);
  a = json_loads(alerts, 0, NULL);
  ck_assert_int_eq(json_array_size(json_object_get(a, "alerts")), 0);
  json_decref(a);
  civic_free(alerts);
  civic_ledger_free(l);
}
END_TEST

START_TEST(fixed_allowance_buffer_and_review_true_up) {
  civic_ledger *l = new_ledger();
  month m = base_month("r9", "2026-11", 200000);
  json_t *res;
  grant(l, "r9");
  m.mode = "fixed";
  m.fixed = 65000;
  receive(&m, 200000, 25);
  res = settle_ok(l, &m); /* remainder would be 780.00: 650 paid, 130 kept */
  ck_assert_int_eq(num(res, "living_paid"), 65000);
  ck_assert_int_eq(num(res, "to_buffer"), 13000);
  ck_assert_int_eq(bal(l, "buffer:r9"), 13000);
  assert_reconciles(l, res);
  json_decref(res);
  /* A lean month: 1,250.00 income leaves 30.00, topped up by the fund to the
   * floor 600.00 (advance 570.00); the buffer adds 50.00 to reach 650.00. */
  m = base_month("r9", "2026-12", 125000);
  m.mode = "fixed";
  m.fixed = 65000;
  receive(&m, 125000, 25);
  res = settle_ok(l, &m);
  ck_assert_int_eq(num(res, "living_paid"), 65000);
  ck_assert_int_eq(num(res, "to_buffer"), -5000);
  ck_assert_int_eq(bal(l, "buffer:r9"), 8000);
  assert_reconciles(l, res);
  json_decref(res);
  /* Six-monthly review. The lean month's advance (570.00) is recovered at
   * 100.00, so the remainder is 780.00 - 100.00 = 680.00: 650.00 paid, 30.00
   * to the buffer (80.00 + 30.00 = 110.00), then the buffer is paid out. */
  m = base_month("r9", "2027-01", 200000);
  m.mode = "fixed";
  m.fixed = 65000;
  m.review = 1;
  receive(&m, 200000, 25);
  res = settle_ok(l, &m);
  ck_assert_int_eq(num(res, "recovery"), 10000);
  ck_assert_int_eq(num(res, "to_buffer"), 3000);
  ck_assert_int_eq(num(res, "true_up"), 8000 + 3000);
  ck_assert_int_eq(bal(l, "buffer:r9"), 0);
  ck_assert_int_eq(bal(l, "bank:r9"), 3 * 65000 + 11000);
  json_decref(res);
  assert_zero_sum(l);
  civic_ledger_free(l);
}
END_TEST

START_TEST(weekly_living_allowance) {
  civic_ledger *l = new_ledger();
  month m = base_month("r10", "2026-11", 200000);
  json_t *res;
  grant(l, "r10");
  m.payout = "weekly"; /* days 1, 8, 15, 22, 29 */
  m.close = 0;
  m.as_of = 8; /* nothing in yet: the guaranteed floor is bridged */
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(bal(l, "bank:r10"), 2 * (FLOOR / 5));
  receive(&m, 200000, 25);
  m.as_of = 29;
  json_decref(settle_ok(l, &m));
  ck_assert_int_eq(bal(l, "bank:r10"), 78000);
  m.as_of = 30;
  m.close = 1;
  res = settle_ok(l, &m);
  ck_assert_int_eq(bal(l, "bank:r10"), 78000);
  ck_assert_int_eq(num(res, "advance"), 0);
  assert_reconciles(l, res);
  json_decref(res);
  civic_ledger_free(l);
}
END_TEST

START_TEST(period_order_and_closed_periods) {
  civic_ledger *l = new_ledger();
  month m = base_month("r11", "2026-11", 150000), next;
  grant(l, "r11");
  m.close = 0;
  m.as_of = 5;
  json_decref(settle_ok(l, &m));
  next = base_month("r11", "2026-12", 150000);
  ck_assert_int_eq(settle_status(l, &next, NULL, 0), CIVIC_E_PERIOD_OPEN);
  receive(&m, 150000, 25);
  m.close = 1;
  m.as_of = 30;
  json_decref(settle_ok(l, &m));
  /* A closed period may be re-run unchanged, never changed. */
  json_decref(settle_ok(l, &m));
  receive(&m, 1000, 30);
  ck_assert_int_eq(settle_status(l, &m, NULL, 0), CIVIC_E_PERIOD_CLOSED);
  json_decref(settle_ok(l, &next));
  civic_ledger_free(l);
}
END_TEST

START_TEST(bad_input_names_the_field_and_changes_nothing) {
  civic_ledger *l = new_ledger();
  civic_ctx *ctx = NULL;
  char before[65], after[65];
  month m = base_month("r12", "2026-11", 140000);
  char *plan = plan_text(&m), *bad;
  char *at;
  grant(l, "r12");
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  state_hash(l, before);
  /* A negative obligation amount. */
  at = strstr(plan, "\"amount\":15000");
  ck_assert_ptr_nonnull(at);
  bad = malloc(strlen(plan) + 2);
  memcpy(bad, plan, (size_t)(at - plan));
  strcpy(bad + (at - plan), "\"amount\":-15000");
  strcat(bad, at + strlen("\"amount\":15000"));
  ck_assert_int_eq(civic_settle_period_json(ctx, l, bad, NULL),
                   CIVIC_E_NEGATIVE_AMOUNT);
  ck_assert_str_eq(civic_ctx_errmsg(ctx),
                   "obligations[1].amount: must be >= 0, got -15000");
  state_hash(l, after);
  ck_assert_str_eq(before, after);
  free(bad);
  /* A resident id with a slash would break the id scheme. */
  ck_assert_int_eq(civic_settle_period_json(
                       ctx, l, "{\"resident\":\"a/b\",\"period\":\"p\"}", NULL),
                   CIVIC_E_OUT_OF_RANGE);
  ck_assert_int_eq(civic_settle_period_json(ctx, l, "{\"resident\":1}", NULL),
                   CIVIC_E_WRONG_TYPE);
  state_hash(l, after);
  ck_assert_str_eq(before, after);
  free(plan);
  civic_ctx_free(ctx);
  civic_ledger_free(l);
}
END_TEST

START_TEST(statement_text_and_format) {
  civic_ledger *l = new_ledger();
  month m = base_month("r13", "2026-11", 100000);
  civic_ctx *ctx = NULL;
  char *plan, *out = NULL, *text = NULL, buf[32];
  grant(l, "r13");
  receive(&m, 100000, 25);
  plan = plan_text(&m);
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  ck_assert_int_eq(civic_settle_period_json(ctx, l, plan, &out), CIVIC_OK);
  ck_assert_int_eq(civic_settle_statement_text(ctx, out, &text), CIVIC_OK);
  ck_assert_ptr_nonnull(strstr(text, "EUR 1000.00"));
  ck_assert_ptr_nonnull(strstr(text, "advanced by fund"));
  ck_assert_int_eq(civic_settle_format_eur(123456789, buf, sizeof buf),
                   CIVIC_OK);
  ck_assert_str_eq(buf, "EUR 1234567.89");
  ck_assert_int_eq(civic_settle_format_eur(-5, buf, sizeof buf), CIVIC_OK);
  ck_assert_str_eq(buf, "EUR -0.05");
  ck_assert_int_eq(civic_settle_format_eur(INT64_MIN, buf, sizeof buf),
                   CIVIC_OK);
  ck_assert_str_eq(buf, "EUR -92233720368547758.08");
  civic_free(text);
  civic_free(out);
  free(plan);
  civic_ctx_free(ctx);
  civic_ledger_free(l);
}
END_TEST

/* ---- corrections from recalculation ------------------------------------ */

static char *statement_text_of(const json_t *res) {
  char *json = json_dumps(res, JSON_COMPACT), *text = NULL;
  ck_assert_int_eq(civic_settle_statement_text(NULL, json, &text), CIVIC_OK);
  free(json);
  return text;
}

/* An underpayment of October's assistance, found by recalculation, is paid
 * by the agency straight to the resident during November's settlement:
 * once, however often November is run, and outside November's waterfall. */
START_TEST(underpayment_correction_paid_to_resident_once) {
  civic_ledger *l = new_ledger();
  month m = base_month("c1", "2026-11", 200000);
  char before[65], after[65], *text;
  json_t *res, *c;
  grant(l, "c1");
  m.corrections =
      "[{\"id\":\"corr-2026-10-bijstand\",\"payer\":\"agency:gemeente\","
      "\"amount\":12500,\"reason\":\"rent allowance raised from 1 "
      "October\",\"corrects\":[\"pay-2026-10-bijstand\"]}]";
  /* Day 10, open: the correction is paid at once; the bridge is as usual. */
  m.as_of = 10;
  m.close = 0;
  res = settle_ok(l, &m);
  ck_assert_int_eq(bal(l, "bank:c1"), 12500);
  ck_assert_int_eq(bal(l, "fund:guarantee"), -(90000 + 15000 + 14000));
  ck_assert_int_eq(num(res, "corrections_paid"), 12500);
  json_decref(res);
  /* Day 30, closed: living 2000.00 - 1220.00 = 780.00 plus the 125.00. */
  receive(&m, 200000, 25);
  m.as_of = 30;
  m.close = 1;
  res = settle_ok(l, &m);
  ck_assert_int_eq(num(res, "living_paid"), 78000);
  ck_assert_int_eq(num(res, "corrections_paid"), 12500);
  ck_assert_int_eq(num(res, "corrections_owed"), 0);
  ck_assert_int_eq(bal(l, "bank:c1"), 78000 + 12500);
  ck_assert_int_eq(bal(l, "agency:gemeente"), -200000 - 12500);
  ck_assert_int_eq(bal(l, "fund:guarantee"), 0);
  ck_assert_int_eq(bal(l, "receivable:c1"), 0);
  c = json_array_get(json_object_get(res, "corrections"), 0);
  ck_assert_str_eq(json_string_value(json_object_get(c, "id")),
                   "corr-2026-10-bijstand");
  ck_assert_int_eq(num(c, "amount"), 12500);
  ck_assert_str_eq(json_string_value(json_object_get(c, "settled")),
                   "paid_to_resident");
  ck_assert_str_eq(json_string_value(json_object_get(c, "reason")),
                   "rent allowance raised from 1 October");
  ck_assert_str_eq(
      json_string_value(json_array_get(json_object_get(c, "corrects"), 0)),
      "pay-2026-10-bijstand");
  ck_assert_str_eq(json_string_value(json_object_get(c, "transfer")),
                   "settle/c1/2026-11/correction/corr-2026-10-bijstand");
  assert_reconciles(l, res);
  assert_zero_sum(l);
  text = statement_text_of(res);
  ck_assert_ptr_nonnull(strstr(text, "corrections:"));
  ck_assert_ptr_nonnull(strstr(text, "EUR 125.00 paid to you now"));
  ck_assert_ptr_nonnull(
      strstr(text, "reason: rent allowance raised from 1 October"));
  ck_assert_ptr_nonnull(strstr(text, "corrects: pay-2026-10-bijstand"));
  civic_free(text);
  json_decref(res);
  /* Re-running the closed period changes nothing. */
  state_hash(l, before);
  res = settle_ok(l, &m);
  state_hash(l, after);
  ck_assert_str_eq(before, after);
  ck_assert_int_eq(json_array_size(json_object_get(res, "posted")), 0);
  assert_reconciles(l, res);
  json_decref(res);
  civic_ledger_free(l);
}
END_TEST

/* An overpayment of 300.00 is owed back: the fund refunds the agency and
 * books it as the resident's receivable; the next period's recovery step
 * repays it within the recovery cap and never below the living floor. */
START_TEST(overpayment_correction_booked_and_recovered) {
  civic_ledger *l = new_ledger();
  month m = base_month("c2", "2026-11", 200000);
  char before[65], after[65], *text;
  json_t *res, *c, *pure;
  grant(l, "c2");
  m.corrections =
      "[{\"id\":\"corr-2026-10-huur\",\"payer\":\"agency:toeslagen\","
      "\"amount\":-30000,\"reason\":\"income above the limit in "
      "October\",\"corrects\":[\"pay-2026-10-huur-a\",\"pay-2026-10-huur-b\"]}"
      "]";
  receive(&m, 200000, 25);
  res = settle_ok(l, &m);
  /* Booked in November, recovered from December on: November's recovery
   * is 0 (nothing owed at its start); receivable after = 0 + 300.00. */
  ck_assert_int_eq(num(res, "recovery"), 0);
  ck_assert_int_eq(num(res, "living_paid"), 78000);
  ck_assert_int_eq(num(res, "corrections_owed"), 30000);
  ck_assert_int_eq(num(res, "receivable_after"), 30000);
  ck_assert_int_eq(bal(l, "receivable:c2"), -30000);
  ck_assert_int_eq(bal(l, "agency:toeslagen"), 30000);
  ck_assert_int_eq(bal(l, "fund:guarantee"), 0);
  c = json_array_get(json_object_get(res, "corrections"), 0);
  ck_assert_int_eq(num(c, "amount"), -30000);
  ck_assert_str_eq(json_string_value(json_object_get(c, "settled")),
                   "booked_as_receivable");
  ck_assert_str_eq(json_string_value(json_object_get(c, "from")),
                   "receivable:c2");
  ck_assert_str_eq(json_string_value(json_object_get(c, "to")),
                   "agency:toeslagen");
  assert_reconciles(l, res);
  assert_zero_sum(l);
  text = statement_text_of(res);
  ck_assert_ptr_nonnull(strstr(text, "you owe EUR 300.00 back"));
  ck_assert_ptr_nonnull(
      strstr(text, "reason: income above the limit in October"));
  ck_assert_ptr_nonnull(
      strstr(text, "corrects: pay-2026-10-huur-a, pay-2026-10-huur-b"));
  civic_free(text);
  json_decref(res);
  state_hash(l, before);
  json_decref(settle_ok(l, &m));
  state_hash(l, after);
  ck_assert_str_eq(before, after);

  /* December: G = 1900.00, after obligations 680.00; recovery =
   * min(cap 100.00, owed 300.00, 680.00 - floor 600.00 = 80.00) = 80.00,
   * so the allowance stays at the floor. */
  m = base_month("c2", "2026-12", 190000);
  receive(&m, 190000, 25);
  res = settle_ok(l, &m);
  pure = pure_waterfall(190000, 30000);
  ck_assert_int_eq(num(res, "recovery"), 8000);
  ck_assert_int_eq(num(res, "recovery"), num(pure, "recovery"));
  ck_assert_int_eq(num(res, "living_paid"), FLOOR);
  ck_assert_int_eq(num(res, "receivable_after"), 22000);
  ck_assert_int_eq(bal(l, "receivable:c2"), -22000);
  ck_assert_int_eq(bal(l, "fund:guarantee"), 0);
  assert_reconciles(l, res);
  assert_zero_sum(l);
  json_decref(res);
  json_decref(pure);
  civic_ledger_free(l);
}
END_TEST

/* Bad corrections are refused naming the field; nothing changes. A posted
 * correction cannot change afterwards. */
START_TEST(bad_corrections_name_the_field) {
  static const struct {
    const char *corrections, *msg;
    civic_status st;
  } bad[] = {
      {"[{\"id\":\"x\",\"payer\":\"agency:a\",\"amount\":0,\"reason\":\"r\","
       "\"corrects\":[\"p\"]}]",
       "corrections[0].amount: must not be 0", CIVIC_E_OUT_OF_RANGE},
      {"[{\"id\":\"x\",\"payer\":\"agency:a\",\"amount\":5,\"reason\":\"\","
       "\"corrects\":[\"p\"]}]",
       "corrections[0].reason", CIVIC_E_EMPTY},
      {"[{\"id\":\"a/b\",\"payer\":\"agency:a\",\"amount\":5,\"reason\":"
       "\"r\",\"corrects\":[\"p\"]}]",
       "corrections[0].id", CIVIC_E_OUT_OF_RANGE},
      {"[{\"id\":\"x\",\"payer\":\"agency:a\",\"amount\":5,\"reason\":\"r\","
       "\"corrects\":[]}]",
       "corrections[0].corrects", CIVIC_E_EMPTY},
      {"[{\"id\":\"x\",\"amount\":5,\"reason\":\"r\",\"corrects\":[\"p\"]}]",
       "corrections[0].payer", CIVIC_E_MISSING_FIELD},
      {"[{\"id\":\"x\",\"payer\":\"agency:a\",\"amount\":5,\"reason\":\"r\","
       "\"corrects\":[\"p\"]},{\"id\":\"x\",\"payer\":\"agency:a\","
       "\"amount\":-5,\"reason\":\"r\",\"corrects\":[\"p\"]}]",
       "corrections[1].id", CIVIC_E_DUPLICATE_ID},
      {"[{\"id\":\"x\",\"payer\":\"bank:c3\",\"amount\":5,\"reason\":\"r\","
       "\"corrects\":[\"p\"]}]",
       "corrections[0].payer", CIVIC_E_OUT_OF_RANGE},
  };
  civic_ledger *l = new_ledger();
  month m = base_month("c3", "2026-11", 200000);
  char before[65], after[65], msg[256];
  size_t i;
  grant(l, "c3");
  receive(&m, 200000, 25);
  m.as_of = 26;
  m.close = 0;
  state_hash(l, before);
  for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    m.corrections = bad[i].corrections;
    ck_assert_int_eq(settle_status(l, &m, msg, sizeof msg), bad[i].st);
    ck_assert_msg(strstr(msg, bad[i].msg) != NULL, "case %zu: %s", i, msg);
  }
  state_hash(l, after);
  ck_assert_str_eq(before, after);
  m.corrections = "[{\"id\":\"x\",\"payer\":\"agency:a\",\"amount\":5,"
                  "\"reason\":\"r\",\"corrects\":[\"p\"]}]";
  json_decref(settle_ok(l, &m));
  state_hash(l, before);
  m.corrections = "[{\"id\":\"x\",\"payer\":\"agency:a\",\"amount\":6,"
                  "\"reason\":\"r\",\"corrects\":[\"p\"]}]";
  ck_assert_int_eq(settle_status(l, &m, msg, sizeof msg),
                   CIVIC_E_SETTLE_CONFLICT);
  ck_assert_ptr_nonnull(strstr(msg, "corrections[0]"));
  state_hash(l, after);
  ck_assert_str_eq(before, after);
  civic_ledger_free(l);
}
END_TEST

/* ---- property test: settling in steps equals settling at once ----------- */

typedef struct rnd_receipt {
  int64_t amount, day;
} rnd_receipt;

typedef struct rnd_case {
  int nincomes;
  int64_t expected[2], expected_day[2];
  int earmarked[2];
  rnd_receipt receipts[2][3];
  int nreceipts[2];
  int64_t amount[5], due[5];
  int nobl;
  int64_t floor, recovery_cap, cap, fixed;
  int floor_guaranteed, fixed_mode, weekly;
} rnd_case;

static int64_t rnd(civic_test_rng *g, int64_t bound) {
  return (int64_t)civic_test_rng_below(g, (uint64_t)bound);
}

static void rnd_make(civic_test_rng *g, rnd_case *c, int full_income) {
  int i, k;
  memset(c, 0, sizeof *c);
  c->nincomes = 1 + (int)rnd(g, 2);
  for (i = 0; i < c->nincomes; i++) {
    int64_t left;
    c->expected[i] = rnd(g, 250000);
    c->expected_day[i] = 1 + rnd(g, 30);
    c->earmarked[i] = i == 1 && rnd(g, 2) == 0;
    /* split what arrives (all of it, or a random part) into receipts */
    left = full_income ? c->expected[i] : rnd(g, c->expected[i] + 1);
    c->nreceipts[i] = 1 + (int)rnd(g, 3);
    for (k = 0; k < c->nreceipts[i]; k++) {
      int64_t part = k + 1 == c->nreceipts[i] ? left : rnd(g, left + 1);
      c->receipts[i][k].amount = part;
      c->receipts[i][k].day = 1 + rnd(g, 30);
      left -= part;
    }
  }
  c->nobl = 4 + (int)rnd(g, 2);
  for (i = 0; i < c->nobl; i++) {
    c->amount[i] = rnd(g, 100000);
    c->due[i] = 1 + rnd(g, 30);
  }
  c->floor = rnd(g, 60000);
  c->floor_guaranteed = (int)rnd(g, 2);
  c->recovery_cap = rnd(g, 20000);
  c->cap = rnd(g, 3) == 0 ? -1 : rnd(g, 200000);
  c->fixed_mode = (int)rnd(g, 3) == 0;
  c->fixed = c->floor + rnd(g, 40000);
  c->weekly = (int)rnd(g, 2);
}

static char *rnd_plan(const rnd_case *c, const char *resident,
                      const char *period, int64_t as_of, int close) {
  static const char *CATS[] = {"rent", "energy", "health_insurance", "water",
                               "debt"};
  json_t *incomes = json_array(), *obls = json_array(), *policy, *plan;
  char *text;
  int i, k;
  for (i = 0; i < c->nincomes; i++) {
    json_t *rc = json_array(), *o;
    char id[16];
    for (k = 0; k < c->nreceipts[i]; k++) {
      if (c->receipts[i][k].day > as_of)
        continue; /* not arrived yet on this day */
      snprintf(id, sizeof id, "tx%d", k);
      json_array_append_new(
          rc, json_pack("{s:s,s:I,s:I}", "id", id, "day",
                        (json_int_t)c->receipts[i][k].day, "amount",
                        (json_int_t)c->receipts[i][k].amount));
    }
    snprintf(id, sizeof id, "inc%d", i);
    o = json_pack("{s:s,s:s,s:I,s:I,s:o}", "id", id, "payer", "agency:x",
                  "amount", (json_int_t)c->expected[i], "expected_day",
                  (json_int_t)c->expected_day[i], "received", rc);
    if (c->earmarked[i])
      json_object_set_new(o, "earmark", json_string("rent"));
    json_array_append_new(incomes, o);
  }
  for (i = 0; i < c->nobl; i++)
    json_array_append_new(
        obls, json_pack("{s:s,s:s,s:i,s:I,s:b,s:s,s:I}", "id", CATS[i],
                        "category", CATS[i], "priority", i, "amount",
                        (json_int_t)c->amount[i], "guaranteed", i < 4, "payee",
                        i < 4 ? "payee:p" : "payee:debt", "due_day",
                        (json_int_t)c->due[i]));
  policy =
      json_pack("{s:I,s:b,s:I,s:s,s:s}", "living_floor", (json_int_t)c->floor,
                "floor_guaranteed", c->floor_guaranteed, "recovery_cap",
                (json_int_t)c->recovery_cap, "allowance_mode",
                c->fixed_mode ? "fixed" : "remainder", "payout",
                c->weekly ? "weekly" : "monthly");
  if (c->cap >= 0)
    json_object_set_new(policy, "advance_cap", json_integer(c->cap));
  if (c->fixed_mode)
    json_object_set_new(policy, "fixed_allowance", json_integer(c->fixed));
  plan = json_pack("{s:s,s:s,s:i,s:I,s:b,s:o,s:o,s:o}", "resident", resident,
                   "period", period, "days", 30, "as_of", (json_int_t)as_of,
                   "close", close, "incomes", incomes, "obligations", obls,
                   "policy", policy);
  text = json_dumps(plan, JSON_COMPACT);
  json_decref(plan);
  return text;
}

static json_t *rnd_settle(civic_ledger *l, const rnd_case *c,
                          const char *period, int64_t as_of, int close) {
  civic_ctx *ctx = NULL;
  char *plan = rnd_plan(c, "p", period, as_of, close), *out = NULL;
  civic_status st;
  json_t *res;
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  st = civic_settle_period_json(ctx, l, plan, &out);
  ck_assert_msg(st == CIVIC_OK, "%s: %s\nplan %s", civic_status_name(st),
                civic_ctx_errmsg(ctx), plan);
  res = json_loads(out, 0, NULL);
  civic_free(out);
  free(plan);
  civic_ctx_free(ctx);
  return res;
}

START_TEST(property_steps_equal_one_shot) {
  static const char *ACCOUNTS[] = {"payee:p",  "payee:debt",   "bank:p",
                                   "buffer:p", "receivable:p", "fund:guarantee",
                                   "escrow:p", "agency:x"};
  static const char *PERIODS[] = {"m1", "m2"};
  civic_test_rng g = {0x5e771e5eedULL + (uint64_t)_i};
  rnd_case c;
  civic_ledger *a = new_ledger(), *b = new_ledger();
  json_t *res;
  size_t k, m;
  int full = _i % 2 == 0;
  grant(a, "p");
  grant(b, "p");
  /* Two periods, so advances carried over are recovered in the second. */
  for (m = 0; m < 2; m++) {
    int64_t day = 0;
    rnd_make(&g, &c, full);
    /* ledger a: runs on random increasing days, then closes */
    while ((day += 1 + rnd(&g, 9)) < 30)
      json_decref(rnd_settle(a, &c, PERIODS[m], day, 0));
    res = rnd_settle(a, &c, PERIODS[m], 30, 1);
    assert_reconciles(a, res);
    json_decref(res);
    /* ledger b: one closing run */
    res = rnd_settle(b, &c, PERIODS[m], 30, 1);
    assert_reconciles(b, res);
    json_decref(res);
    assert_zero_sum(a);
    ck_assert_int_eq(bal(a, "fund:guarantee"), 0); /* every bridge settled */
    /* Without a cap, or when all expected income came, the path does not
     * matter: every account ends as after one closing run. */
    if (c.cap < 0 || full)
      for (k = 0; k < sizeof ACCOUNTS / sizeof ACCOUNTS[0]; k++)
        ck_assert_msg(bal(a, ACCOUNTS[k]) == bal(b, ACCOUNTS[k]),
                      "case %d period %zu %s: steps %lld, at once %lld", _i, m,
                      ACCOUNTS[k], (long long)bal(a, ACCOUNTS[k]),
                      (long long)bal(b, ACCOUNTS[k]));
    else
      break; /* the ledgers may differ from here on */
  }
  civic_ledger_free(a);
  civic_ledger_free(b);
}
END_TEST

static Suite *settle_suite(void) {
  Suite *s = suite_create("settle");
  TCase *tc = tcase_create("settle");
  tcase_add_test(tc, bridge_nets_to_zero_when_income_suffices);
  tcase_add_test(tc, shortfall_advance_then_recovery_matches_waterfall);
  tcase_add_test(tc, settling_twice_changes_nothing);
  tcase_add_test(tc, partial_then_late_income_pays_only_the_difference);
  tcase_add_test(tc, consent_gates_and_survives_reopen);
  tcase_add_test(tc, revoke_returns_buffer_and_escrow);
  tcase_add_test(tc, advance_cap_stops_advancing_and_flags);
  tcase_add_test(tc, bridge_at_cap_relies_on_expected_income);
  tcase_add_test(tc, late_income_raises_an_alert);
  tcase_add_test(tc, fixed_allowance_buffer_and_review_true_up);
  tcase_add_test(tc, weekly_living_allowance);
  tcase_add_test(tc, period_order_and_closed_periods);
  tcase_add_test(tc, bad_input_names_the_field_and_changes_nothing);
  tcase_add_test(tc, statement_text_and_format);
  tcase_add_test(tc, underpayment_correction_paid_to_resident_once);
  tcase_add_test(tc, overpayment_correction_booked_and_recovered);
  tcase_add_test(tc, bad_corrections_name_the_field);
  suite_add_tcase(s, tc);
  tc = tcase_create("property");
  tcase_add_loop_test(tc, property_steps_equal_one_shot, 0, 400);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return civic_test_run(settle_suite()); }
