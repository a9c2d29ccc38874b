/* The settlement half of `civic demo` (the README's main job): a November
 * for five Utrecht-style residents on one in-memory ledger. Every resident's
 * period is run on the days things happen (rent on the 1st, water on the
 * 15th, the rent allowance on the 20th, assistance and wages on the 25th,
 * close on the 30th), as a municipal batch would, and then a statement per
 * resident and the guarantee fund's position are printed. The figures are
 * illustrative, not real norms. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DEMO_DAYS 30
#define DEMO_START 1793491200LL  /* 2026-11-01 00:00 UTC */
#define DEMO_CREDIT_LINE 5000000 /* EUR 50.000,00 */
#define DEMO_FLOOR 40000         /* protected living allowance EUR 400,00 */
#define DEMO_RECOVERY_CAP 10000  /* at most EUR 100,00 recovered a month */
#define DEMO_ADVANCE_CAP 150000  /* EUR 1.500,00 per resident (pilot) */

typedef struct demo_income {
  const char *id, *payer;
  int64_t amount, expected_day, arrives_day; /* arrives_day 0: never */
  const char *earmark;
} demo_income;

typedef struct demo_resident {
  const char *id, *story;
  demo_income incomes[2];
  int64_t rent, energy, insurance, water, debt;
  const char *mode; /* "remainder" or "fixed" */
  int64_t fixed;
  const char *payout;
} demo_resident;

static const demo_resident RESIDENTS[] = {
    {"anna",
     "enough income",
     {{"bijstand", "agency:gemeente", 165000, 25, 25, NULL}, {0}},
     85000,
     14000,
     13800,
     3200,
     0,
     "remainder",
     0,
     "monthly"},
    {"bram",
     "part-time wages below his fixed costs (shortfall), weekly allowance",
     {{"wages", "employer:bakkerij", 110000, 25, 25, NULL}, {0}},
     92000,
     16000,
     13800,
     3200,
     5000,
     "remainder",
     0,
     "weekly"},
    {"chantal",
     "an earmarked rent allowance",
     {{"bijstand", "agency:gemeente", 128000, 25, 25, NULL},
      {"huurtoeslag", "agency:toeslagen", 38000, 20, 20, "rent"}},
     90000,
     15000,
     13800,
     3200,
     0,
     "remainder",
     0,
     "monthly"},
    {"dirk",
     "repaying October's advance; fixed EUR 500.00 allowance with a buffer",
     {{"ww-uitkering", "agency:uwv", 185000, 25, 25, NULL}, {0}},
     80000,
     13000,
     13800,
     3200,
     0,
     "fixed",
     50000,
     "monthly"},
    {"eva",
     "assistance expected on the 25th has not arrived",
     {{"bijstand", "agency:gemeente", 150000, 25, 0, NULL}, {0}},
     78000,
     12000,
     13800,
     3200,
     0,
     "remainder",
     0,
     "monthly"},
};
#define NRESIDENTS (sizeof RESIDENTS / sizeof RESIDENTS[0])

static json_t *obligation(const char *id, const char *category, int priority,
                          int64_t amount, int guaranteed, const char *payee,
                          int due) {
  return json_pack("{s:s,s:s,s:i,s:I,s:b,s:s,s:i}", "id", id, "category",
                   category, "priority", priority, "amount", (json_int_t)amount,
                   "guaranteed", guaranteed, "payee", payee, "due_day", due);
}

static json_t *demo_incomes(const demo_resident *r, int64_t as_of,
                            int64_t income0) {
  json_t *arr = json_array();
  size_t i;
  for (i = 0; i < 2 && r->incomes[i].id != NULL; i++) {
    const demo_income *in = &r->incomes[i];
    int64_t amount = i == 0 && income0 >= 0 ? income0 : in->amount;
    json_t *received = json_array();
    json_t *o;
    if (in->arrives_day > 0 && in->arrives_day <= as_of)
      json_array_append_new(received,
                            json_pack("{s:s,s:I,s:I}", "id", "bank-1", "day",
                                      (json_int_t)in->arrives_day, "amount",
                                      (json_int_t)amount));
    o = json_pack("{s:s,s:s,s:I,s:I,s:o}", "id", in->id, "payer", in->payer,
                  "amount", (json_int_t)amount, "expected_day",
                  (json_int_t)in->expected_day, "received", received);
    if (in->earmark != NULL)
      json_object_set_new(o, "earmark", json_string(in->earmark));
    json_array_append_new(arr, o);
  }
  return arr;
}

/* The resident's plan as the municipal system knows it on day `as_of`.
 * `income0` >= 0 replaces the first income's amount (for October). */
static char *demo_plan(const demo_resident *r, const char *period,
                       int64_t as_of, int close, int64_t income0) {
  json_t *obls, *plan;
  char *text;
  obls = json_pack(
      "[o,o,o,o]",
      obligation("rent", "rent", 0, r->rent, 1, "payee:woonstad", 1),
      obligation("energy", "energy", 1, r->energy, 1, "payee:eneco", 1),
      obligation("insurance", "health_insurance", 2, r->insurance, 1,
                 "payee:cz", 1),
      obligation("water", "water", 3, r->water, 1, "payee:vitens", 15));
  if (r->debt > 0)
    json_array_append_new(obls, obligation("debt-plan", "debt", 4, r->debt, 0,
                                           "payee:kredietbank", 28));
  plan = json_pack(
      "{s:s,s:s,s:i,s:I,s:b,s:I,s:s,s:o,s:o,s:{s:i,s:b,s:i,s:i,s:s,s:i,s:s}}",
      "resident", r->id, "period", period, "days", DEMO_DAYS, "as_of",
      (json_int_t)as_of, "close", close, "start_time", (json_int_t)DEMO_START,
      "actor", "gemeente-utrecht", "incomes", demo_incomes(r, as_of, income0),
      "obligations", obls, "policy", "living_floor", DEMO_FLOOR,
      "floor_guaranteed", 1, "recovery_cap", DEMO_RECOVERY_CAP, "advance_cap",
      DEMO_ADVANCE_CAP, "allowance_mode", r->mode, "fixed_allowance",
      (int)r->fixed, "payout", r->payout);
  text = plan ? json_dumps(plan, JSON_COMPACT) : NULL;
  json_decref(plan);
  return text;
}

/* Run one plan; keep the last result text in *result (replacing it). */
static int demo_run(civic_ctx *ctx, civic_ledger *ledger,
                    const demo_resident *r, const char *period, int64_t as_of,
                    int close, int64_t income0, char **result) {
  char *plan = demo_plan(r, period, as_of, close, income0), *out = NULL;
  civic_status st;
  if (plan == NULL)
    return cli_fail(CIVIC_E_NOMEM, "out of memory");
  st = civic_settle_period_json(ctx, ledger, plan, &out);
  free(plan);
  if (st != CIVIC_OK)
    return cli_fail(st, civic_ctx_errmsg(ctx));
  if (result != NULL) {
    civic_free(*result);
    *result = out;
  } else {
    civic_free(out);
  }
  return 0;
}

static const char *eur(int64_t cents, char *buf) {
  if (civic_settle_format_eur(cents, buf, 32) != CIVIC_OK)
    buf[0] = '\0';
  return buf;
}

static int64_t balance(const civic_ledger *ledger, const char *account) {
  int64_t b = 0;
  if (civic_ledger_balance(ledger, account, &b) != CIVIC_OK)
    return 0;
  return b;
}

static int64_t result_int(const char *json, const char *key) {
  json_t *o = json_loads(json, 0, NULL);
  int64_t v = (int64_t)json_integer_value(json_object_get(o, key));
  json_decref(o);
  return v;
}

/* October for Dirk: lower benefit, so he starts November owing an advance. */
static int demo_october(civic_ctx *ctx, civic_ledger *ledger) {
  const demo_resident *dirk = &RESIDENTS[3];
  return demo_run(ctx, ledger, dirk, "2026-10", DEMO_DAYS, 1, 120000, NULL);
}

static int demo_setup(civic_ctx *ctx, civic_ledger *ledger) {
  size_t i;
  civic_status st = civic_settle_setup(ctx, ledger, NULL, DEMO_CREDIT_LINE);
  for (i = 0; st == CIVIC_OK && i < NRESIDENTS; i++)
    st = civic_settle_consent_grant(ctx, ledger, RESIDENTS[i].id,
                                    "gemeente-utrecht", DEMO_START,
                                    "escrow, payees, living allowance");
  if (st != CIVIC_OK)
    return cli_fail(st, civic_ctx_errmsg(ctx));
  return demo_october(ctx, ledger);
}

static void print_fund(const civic_ledger *ledger, const char *when) {
  char a[32], b[32];
  int64_t receivables = 0;
  size_t i;
  for (i = 0; i < NRESIDENTS; i++) {
    char acct[64];
    snprintf(acct, sizeof acct, "receivable:%s", RESIDENTS[i].id);
    receivables -= balance(ledger, acct);
  }
  printf("  %-7s fund balance %s (bridges still open), receivables %s\n", when,
         eur(balance(ledger, CIVIC_SETTLE_DEFAULT_FUND), a),
         eur(receivables, b));
}

static void print_alerts(civic_ctx *ctx, const civic_ledger *ledger,
                         int32_t day) {
  char *out = NULL, a[32];
  json_t *o, *alerts;
  size_t i;
  if (civic_settle_alerts_json(ctx, ledger, day, &out) != CIVIC_OK)
    return;
  o = json_loads(out, 0, NULL);
  alerts = json_object_get(o, "alerts");
  for (i = 0; i < json_array_size(alerts); i++) {
    const json_t *al = json_array_get(alerts, i);
    printf("  ALERT day %d: %s's %s (%s, due day %lld) has not arrived\n",
           (int)day, json_string_value(json_object_get(al, "resident")),
           json_string_value(json_object_get(al, "income")),
           eur((int64_t)json_integer_value(json_object_get(al, "missing")), a),
           (long long)json_integer_value(json_object_get(al, "expected_day")));
  }
  json_decref(o);
  civic_free(out);
}

/* The month: every resident run on each event day; Eva's period stays open
 * because her assistance never came. */
static int demo_month(civic_ctx *ctx, civic_ledger *ledger, char **results) {
  static const int64_t DAYS[] = {1, 15, 20, 25, 28, 30};
  size_t d, i;
  int rc;
  for (d = 0; d < sizeof DAYS / sizeof DAYS[0]; d++) {
    for (i = 0; i < NRESIDENTS; i++) {
      int close = DAYS[d] == DEMO_DAYS;
      if (close && strcmp(RESIDENTS[i].id, "eva") == 0)
        continue;
      rc = demo_run(ctx, ledger, &RESIDENTS[i], "2026-11", DAYS[d], close, -1,
                    &results[i]);
      if (rc != 0)
        return rc;
    }
    if (DAYS[d] == 15)
      print_fund(ledger, "day 15:");
  }
  return 0;
}

static void print_statements(civic_ctx *ctx, char **results) {
  size_t i;
  for (i = 0; i < NRESIDENTS; i++) {
    char *text = NULL;
    printf("\n[%s: %s]\n", RESIDENTS[i].id, RESIDENTS[i].story);
    if (civic_settle_statement_text(ctx, results[i], &text) == CIVIC_OK)
      fputs(text, stdout);
    civic_free(text);
  }
}

static void print_summary(const civic_ledger *ledger, char **results) {
  char a[32], b[32];
  int64_t advanced = 0, recovered = 0;
  size_t i;
  for (i = 0; i < NRESIDENTS; i++) {
    if (result_int(results[i], "as_of") == DEMO_DAYS) {
      advanced += result_int(results[i], "advance");
      recovered += result_int(results[i], "recovery");
    }
  }
  printf("\nGuarantee fund (credit line %s, advance cap per resident %s)\n",
         eur(DEMO_CREDIT_LINE, a), eur(DEMO_ADVANCE_CAP, b));
  print_fund(ledger, "day 30:");
  printf("  November: advanced %s to residents, recovered %s\n",
         eur(advanced, a), eur(recovered, b));
}

int cli_demo_settlement(void);

int cli_demo_settlement(void) {
  civic_ledger *ledger = NULL;
  civic_ctx *ctx = NULL;
  char *results[NRESIDENTS] = {0};
  char hash[65];
  int rc;
  size_t i;
  if (civic_ledger_new_memory(&ledger) != CIVIC_OK ||
      civic_ctx_new(&ctx) != CIVIC_OK) {
    civic_ledger_free(ledger);
    return cli_fail(CIVIC_E_NOMEM, "out of memory");
  }
  printf("Settlement, November 2026: five residents, escrow run by the "
         "municipality\n(rent due on the 1st, income on the 20th/25th; the "
         "guarantee fund bridges)\n\n");
  rc = demo_setup(ctx, ledger);
  if (rc == 0)
    rc = demo_month(ctx, ledger, results);
  if (rc == 0) {
    print_statements(ctx, results);
    print_summary(ledger, results);
    print_alerts(ctx, ledger, 28);
    if (civic_ledger_state_hash_hex(ledger, hash) == CIVIC_OK)
      printf("  ledger state hash %.16s...\n", hash);
  }
  for (i = 0; i < NRESIDENTS; i++)
    civic_free(results[i]);
  civic_ctx_free(ctx);
  civic_ledger_free(ledger);
  return rc;
}
