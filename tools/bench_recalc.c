/* Recalculation throughput: synthetic households (deterministic, a
 * fixed-seed generator) recalculated for the 12 months of 2025 through the
 * example scheme, with payments to correct and a recovery plan, measured
 * through the public C API. One call is one household-year. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "civic/recalc.h"

/* examples/schemes/nl-participatiewet-2025.json without its prose fields
 * (name, note, illustrative), so the benchmark does not depend on the
 * working directory. Regenerate it when the example scheme changes. */
/* clang-format off */
static const char SCHEME_JSON[] =
    "{\"period\":{\"from\":\"2025-01-01\",\"until\":\"2026-12-31\"},"
    "\"parameters\":{"
    "\"norm_single\":[{\"from\":\"2025-01-01\",\"value\":134545},{\"from\":\"2025-07-01\",\"value\":136906},{\"from\":\"2026-01-01\",\"value\":139500}],"
    "\"norm_couple\":[{\"from\":\"2025-01-01\",\"value\":192207},{\"from\":\"2025-07-01\",\"value\":195580},{\"from\":\"2026-01-01\",\"value\":199300}],"
    "\"disregard_bp\":[{\"from\":\"2025-01-01\",\"value\":2500}],"
    "\"disregard_cap\":[{\"from\":\"2025-01-01\",\"value\":26295},{\"from\":\"2026-01-01\",\"value\":26800}],"
    "\"disregard_months\":[{\"from\":\"2025-01-01\",\"value\":6}],"
    "\"rent_base\":[{\"from\":\"2025-01-01\",\"value\":22660},{\"from\":\"2026-01-01\",\"value\":23100}],"
    "\"rent_ceiling\":[{\"from\":\"2025-01-01\",\"value\":90007},{\"from\":\"2026-01-01\",\"value\":93245}],"
    "\"rent_allowance_bp\":[{\"from\":\"2025-01-01\",\"value\":6500}],"
    "\"child_budget_per_child\":[{\"from\":\"2025-01-01\",\"value\":21400},{\"from\":\"2026-01-01\",\"value\":21900}],"
    "\"single_parent_supplement\":[{\"from\":\"2025-01-01\",\"value\":29500},{\"from\":\"2026-01-01\",\"value\":30200}],"
    "\"utrecht_code\":[{\"from\":\"2025-01-01\",\"value\":344}],"
    "\"utrecht_supplement\":[{\"from\":\"2025-01-01\",\"value\":2500}],"
    "\"bvv_single\":[{\"from\":\"2025-01-01\",\"value\":127818},{\"from\":\"2025-07-01\",\"value\":130061},{\"from\":\"2026-01-01\",\"value\":132525}],"
    "\"bvv_couple\":[{\"from\":\"2025-01-01\",\"value\":182597},{\"from\":\"2025-07-01\",\"value\":185801},{\"from\":\"2026-01-01\",\"value\":189335}]},"
    "\"variables\":{"
    "\"single_parent\":\"adults == 1 && children > 0\","
    "\"beslagvrije_voet\":\"if(has_partner, bvv_couple, bvv_single)\","
    "\"norm\":\"if(has_partner, norm_couple, norm_single)\","
    "\"in_disregard_period\":\"earned_months >= 1 && earned_months <= disregard_months\","
    "\"earnings_disregard\":\"if(in_disregard_period, min(bp(earned_income, disregard_bp), disregard_cap), 0)\","
    "\"counted_income\":\"earned_income - earnings_disregard + other_income\","
    "\"bijstand\":\"max(0, norm - counted_income)\","
    "\"eligible_rent\":\"min(rent, rent_ceiling)\","
    "\"rent_allowance_e4\":\"if(rent > rent_ceiling, 0, max(0, eligible_rent - rent_base) * rent_allowance_bp)\","
    "\"rent_allowance_rounded\":{\"formula\":\"rent_allowance_e4\",\"round\":{\"mode\":\"up\",\"unit\":10000}},"
    "\"huurtoeslag\":\"div(rent_allowance_rounded, 10000)\","
    "\"kindgebonden_budget\":\"children * child_budget_per_child + if(single_parent, single_parent_supplement, 0)\","
    "\"municipal_supplement\":\"if(municipality == utrecht_code && bijstand > 0, utrecht_supplement, 0)\"},"
    "\"benefits\":[\"bijstand\",\"huurtoeslag\",\"kindgebonden_budget\",\"municipal_supplement\"]}";
/* clang-format on */

#define BENCH_HOUSEHOLDS 256
#define BENCH_INPUT_CAP 16384

/* splitmix64: a small deterministic generator. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15u);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

static int64_t pick(uint64_t *rng, int64_t lo, int64_t hi) {
  return lo + (int64_t)(next_random(rng) % (uint64_t)(hi - lo + 1));
}

/* "YYYY-MM-DD" of day `d` counted from 2025-01-01 (0..729). */
static void format_day(int d, char *buf) {
  static const unsigned LEN[12] = {31, 28, 31, 30, 31, 30,
                                   31, 31, 30, 31, 30, 31};
  unsigned year = 2025, month = 0, day = (unsigned)d % 730u;
  if (day >= 365) {
    year = 2026;
    day -= 365;
  }
  while (month < 11 && day >= LEN[month])
    day -= LEN[month++];
  snprintf(buf, 11, "%04u-%02u-%02u", year % 10000u, (month + 1) % 100u,
           (day + 1) % 100u);
}

typedef struct text_buf {
  char *buf;
  size_t len, cap;
  int failed;
} text_buf;

static void appendf(text_buf *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void appendf(text_buf *t, const char *fmt, ...) {
  va_list ap;
  int n;
  if (t->failed)
    return;
  va_start(ap, fmt);
  n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
  va_end(ap);
  if (n < 0 || (size_t)n >= t->cap - t->len)
    t->failed = 1;
  else
    t->len += (size_t)n;
}

/* One life event on day `day`; keeps the household consistent (a
 * cohabitation ends only if it started) so every timeline is valid. */
static void put_event(text_buf *t, uint64_t *rng, int day, int k, int *adults,
                      int *children) {
  char eff[11], rep[11];
  int kind = (int)pick(rng, 0, 4), reported = day + (int)pick(rng, -10, 90);
  format_day(day, eff);
  format_day(reported < 0 ? 0 : reported, rep);
  appendf(t, "%s{\"id\":\"ev-%d\",\"effective\":\"%s\",\"reported\":\"%s\",",
          k ? "," : "", k, eff, rep);
  if (kind == 0)
    appendf(t, "\"type\":\"relocation\",\"rent\":%lld,\"municipality\":%d}",
            (long long)pick(rng, 40000, 110000), pick(rng, 0, 1) ? 344 : 363);
  else if (kind == 1)
    appendf(t, "\"type\":\"income_change\",\"earned_income\":%lld}",
            (long long)(pick(rng, 0, 3) ? pick(rng, 20000, 250000) : 0));
  else if (kind == 2) {
    appendf(t, "\"type\":\"birth\"}");
    (*children)++;
  } else if (*adults == 1) {
    appendf(t, "\"type\":\"cohabitation_start\"}");
    *adults = 2;
  } else {
    appendf(t, "\"type\":\"cohabitation_end\"}");
    *adults = 1;
  }
}

static const char *const BENEFITS[] = {
    "bijstand", "huurtoeslag", "kindgebonden_budget", "municipal_supplement"};

/* The payments an agency made for 2025: rough amounts, so that most months
 * need a correction (under- or overpayment). */
static void put_payments(text_buf *t, uint64_t *rng) {
  int month, b, first = 1;
  appendf(t, "\"payments\":[");
  for (month = 1; month <= 12; month++)
    for (b = 0; b < 4; b++) {
      int64_t amount = b == 0   ? pick(rng, 60000, 140000)
                       : b == 1 ? pick(rng, 0, 35000)
                       : b == 2 ? pick(rng, 0, 1) * 21400
                                : pick(rng, 0, 1) * 2500;
      appendf(t, "%s{\"id\":\"p-%02d-%d\",\"month\":\"2025-%02d\",",
              first ? "" : ",", month, b, month);
      appendf(t, "\"benefit\":\"%s\",\"amount\":%lld}", BENEFITS[b],
              (long long)amount);
      first = 0;
    }
  appendf(t, "],");
}

/* The recalculation input of household `index` (without the scheme when
 * `with_scheme` is 0: the compiled-scheme entry point supplies it). */
static int household_input(text_buf *t, uint64_t *rng, size_t index,
                           int with_scheme) {
  int adults = (int)pick(rng, 1, 2), children = (int)pick(rng, 0, 3);
  int events = (int)pick(rng, 0, 3), k, day = 0;
  int64_t earned = pick(rng, 0, 2) ? 0 : pick(rng, 20000, 200000);
  t->len = 0;
  t->failed = 0;
  appendf(t, "{");
  if (with_scheme)
    appendf(t, "\"scheme\":%s,", SCHEME_JSON);
  appendf(t, "\"from\":\"2025-01\",\"to\":\"2025-12\",\"timeline\":{");
  appendf(t, "\"household\":\"hh-%06zu\",\"start\":\"2025-01-01\",", index);
  appendf(t, "\"initial\":{\"adults\":%d,\"children\":%d,\"has_partner\":%d,",
          adults, children, adults - 1);
  appendf(t, "\"rent\":%lld,\"municipality\":%d,",
          (long long)pick(rng, 40000, 110000), pick(rng, 0, 2) ? 344 : 363);
  appendf(t, "\"earned_income\":%lld,\"other_income\":%lld},\"events\":[",
          (long long)earned, (long long)(pick(rng, 0, 4) ? 0 : 30000));
  for (k = 0; k < events; k++) {
    day += (int)pick(rng, 1, 364 / (events + 1));
    put_event(t, rng, day, k, &adults, &children);
  }
  appendf(t, "]},");
  put_payments(t, rng);
  appendf(t,
          "\"policy\":{\"payer_account\":\"agency:utrecht\","
          "\"resident_account\":\"escrow:hh-%06zu\","
          "\"receivable_account\":\"receivable:hh-%06zu\","
          "\"receivable_outstanding\":0,\"recovery_cap\":15000,"
          "\"min_instalment\":1000,\"max_term_months\":12,"
          "\"floor_parameter\":\"beslagvrije_voet\"}}",
          index, index);
  return t->failed ? -1 : 0;
}

static void free_inputs(char **inputs) {
  size_t i;
  if (inputs == NULL)
    return;
  for (i = 0; i < BENCH_HOUSEHOLDS; i++)
    free(inputs[i]);
  free(inputs);
}

/* BENCH_HOUSEHOLDS inputs, generated once; NULL on out of memory. */
static char **make_inputs(int with_scheme) {
  char **inputs = calloc(BENCH_HOUSEHOLDS, sizeof *inputs);
  text_buf t = {NULL, 0, BENCH_INPUT_CAP, 0};
  uint64_t rng = 2025;
  size_t i;
  if (inputs == NULL)
    return NULL;
  for (i = 0; i < BENCH_HOUSEHOLDS; i++) {
    t.buf = malloc(BENCH_INPUT_CAP);
    inputs[i] = t.buf;
    if (t.buf == NULL || household_input(&t, &rng, i, with_scheme) != 0) {
      free_inputs(inputs); /* calloc'd: the entries not made yet are NULL */
      return NULL;
    }
  }
  return inputs;
}

/* Household-years per second through civic_recalc_run (the scheme inside
 * every input, parsed on every call); 0 if a run fails. */
static uint64_t rate_inline_scheme(civic_ctx *ctx, char **inputs,
                                   uint64_t budget_ns) {
  uint64_t start = bench_now_ns(), elapsed, done = 0;
  do {
    char *out = NULL;
    if (civic_recalc_run(ctx, inputs[done % BENCH_HOUSEHOLDS], &out) !=
        CIVIC_OK)
      return 0;
    civic_free(out);
    done++;
    elapsed = bench_now_ns() - start;
  } while (elapsed < budget_ns || done < BENCH_HOUSEHOLDS);
  return bench_rate(done, elapsed);
}

/* Household-years per second through civic_recalc_run_with_scheme (the
 * scheme compiled once, as a municipality's month-end run would). */
static uint64_t rate_compiled_scheme(civic_ctx *ctx,
                                     const civic_recalc_scheme *scheme,
                                     char **inputs, uint64_t budget_ns) {
  uint64_t start = bench_now_ns(), elapsed, done = 0;
  do {
    char *out = NULL;
    if (civic_recalc_run_with_scheme(
            ctx, scheme, inputs[done % BENCH_HOUSEHOLDS], &out) != CIVIC_OK)
      return 0;
    civic_free(out);
    done++;
    elapsed = bench_now_ns() - start;
  } while (elapsed < budget_ns || done < BENCH_HOUSEHOLDS);
  return bench_rate(done, elapsed);
}

/* One batch input {"from", "to", "timelines": [...]} holding the timelines
 * of all BENCH_HOUSEHOLDS inputs (cut out of the generated texts). */
static char *batch_input(char **inputs) {
  size_t cap = 64, i, len;
  char *text, *p;
  for (i = 0; i < BENCH_HOUSEHOLDS; i++)
    cap += strlen(inputs[i]) + 1;
  text = malloc(cap);
  if (text == NULL)
    return NULL;
  len = (size_t)snprintf(text, cap,
                         "{\"from\":\"2025-01\",\"to\":\"2025-12\","
                         "\"timelines\":[");
  for (i = 0; i < BENCH_HOUSEHOLDS; i++) {
    const char *from = strstr(inputs[i], "\"timeline\":") + 11;
    const char *to = strstr(from, "]},") + 2; /* end of the events list */
    if (i > 0)
      text[len++] = ',';
    memcpy(text + len, from, (size_t)(to - from));
    len += (size_t)(to - from);
  }
  p = text + len;
  memcpy(p, "]}", 3);
  return text;
}

/* Household-years per second of entitlements only, through
 * civic_recalc_due_batch (JSON timelines in, an integer array out). */
static uint64_t rate_due_batch(civic_ctx *ctx,
                               const civic_recalc_scheme *scheme,
                               const char *batch, uint64_t budget_ns) {
  size_t count = (size_t)BENCH_HOUSEHOLDS * 12u *
                 civic_recalc_scheme_benefit_count(scheme);
  int64_t *due = malloc(count * sizeof *due);
  uint64_t start = bench_now_ns(), elapsed, done = 0;
  if (due == NULL)
    return 0;
  do {
    if (civic_recalc_due_batch(ctx, scheme, batch, due, count) != CIVIC_OK) {
      free(due);
      return 0;
    }
    done += BENCH_HOUSEHOLDS;
    elapsed = bench_now_ns() - start;
  } while (elapsed < budget_ns);
  free(due);
  return bench_rate(done, elapsed);
}

static void set_result(bench_result *r, const char *name, uint64_t per_s,
                       const char *target) {
  r->name = name;
  r->per_s = per_s;
  r->target = target;
  r->extra_name = NULL;
  r->extra_value = 0;
}

size_t bench_recalc(bench_result *out, size_t cap, uint64_t budget_ns) {
  civic_ctx *ctx = NULL;
  civic_recalc_scheme *scheme = NULL;
  char **inline_inputs = make_inputs(1), **inputs = make_inputs(0);
  char *batch = NULL;
  size_t n = 0;
  if (cap < 3 || inline_inputs == NULL || inputs == NULL ||
      civic_ctx_new(&ctx) != CIVIC_OK ||
      civic_recalc_scheme_new(ctx, SCHEME_JSON, &scheme) != CIVIC_OK ||
      (batch = batch_input(inputs)) == NULL)
    goto done;
  /* The headline figure: full recalculation (entitlements, corrections,
   * netting, recovery plan, ledger transfers, JSON in and out) with the
   * scheme compiled once. */
  set_result(&out[n++], "recalc_household_years_per_s",
             rate_compiled_scheme(ctx, scheme, inputs, budget_ns), NULL);
  /* The same with the scheme inside every input (civic_recalc_run, the
   * `civic recalc` path): what compiling the scheme once saves. */
  set_result(&out[n++], "recalc_inline_scheme_household_years_per_s",
             rate_inline_scheme(ctx, inline_inputs, budget_ns), NULL);
  /* Entitlements only, the batch path used for population studies and the
   * OpenFisca comparison. */
  set_result(&out[n++], "recalc_due_batch_household_years_per_s",
             rate_due_batch(ctx, scheme, batch, budget_ns), NULL);
done:
  free(batch);
  free_inputs(inline_inputs);
  free_inputs(inputs);
  civic_recalc_scheme_free(scheme);
  civic_ctx_free(ctx);
  return n;
}
