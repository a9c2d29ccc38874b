/* Exhaustive mode (issue 6, item 4): every case of a tiny domain is run
 * through civic_evaluate and compared with a small reference model written
 * here, straight from the spec and independent of libcivic's code:
 *
 *  - split: 1 to 3 claims with amounts 0..15 (every combination), every
 *    total 0..D with up to two claims, eight chosen totals with three;
 *  - waterfall: 0 to 3 obligations with amounts 0..15 and priorities 0..1,
 *    general income 0..15, with and without earmarked funds, guaranteed and
 *    not, several floor / recovery policies;
 *  - prorate: every month length 28..31, every segment [s, e), amounts
 *    0..15 and a few large ones, and every split of a month at one event.
 *
 * Each case also runs with its lists reversed (order independence). The
 * model works on plain small integers: with amounts this small nothing can
 * overflow, so every formula can be written exactly as the spec states it.
 */
#include <civic/civic.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAX_CLAIMS 3
#define AMOUNT_MAX 15

/* ---------------------------------------------------------------------- */
/* Reference model                                                          */

/* Spec section 2, stated per claim: a claim gets one unit more than the
 * floor of its quota exactly when fewer than `left` claims rank before it
 * (larger remainder first, then smaller id byte-wise). */
static void ref_split(long P, const long *a, const char *const *id, int n,
                      long *share) {
  long D = 0, given = 0, q[MAX_CLAIMS + 1], r[MAX_CLAIMS + 1];
  for (int i = 0; i < n; i++)
    D += a[i];
  for (int i = 0; i < n; i++) {
    q[i] = D > 0 ? P * a[i] / D : 0;
    r[i] = D > 0 ? P * a[i] % D : 0;
    given += q[i];
  }
  for (int i = 0; i < n; i++) {
    int before = 0;
    for (int j = 0; j < n; j++)
      if (j != i && (r[j] > r[i] || (r[j] == r[i] && strcmp(id[j], id[i]) < 0)))
        before++;
    share[i] = q[i] + (before < P - given ? 1 : 0);
  }
}

typedef struct ob {
  const char *id;
  const char *category;
  int priority;
  long amount;
  bool guaranteed;
  long pe, pg, covered, unpaid; /* results */
} ob;

typedef struct plan {
  long opening, general_income, rent_earmark, other_earmark;
  long receivable, floor, cap;
  bool floor_guaranteed;
  int n;
  ob o[MAX_CLAIMS];
} plan;

typedef struct outcome {
  long living, top_up, recovery, advance, receivable_after;
} outcome;

/* Pay `pay` pro rata over the obligations of priority p (and category cat
 * unless NULL), on their amounts (earmarked) or remaining needs (general). */
static void pay_level(plan *pl, const char *cat, int p, long pay,
                      bool earmarked) {
  long a[MAX_CLAIMS] = {0}, s[MAX_CLAIMS] = {0};
  const char *ids[MAX_CLAIMS] = {NULL};
  int idx[MAX_CLAIMS] = {0}, m = 0;
  for (int i = 0; i < pl->n; i++) {
    ob *o = &pl->o[i];
    if (o->priority != p || (cat && strcmp(o->category, cat) != 0))
      continue;
    a[m] = earmarked ? o->amount : o->amount - o->pe;
    ids[m] = o->id;
    idx[m++] = i;
  }
  ref_split(pay, a, ids, m, s);
  for (int j = 0; j < m; j++) {
    if (earmarked)
      pl->o[idx[j]].pe = s[j];
    else
      pl->o[idx[j]].pg = s[j];
  }
}

static long level_sum(const plan *pl, const char *cat, int p, bool need) {
  long sum = 0;
  for (int i = 0; i < pl->n; i++)
    if (pl->o[i].priority == p &&
        (cat == NULL || strcmp(pl->o[i].category, cat) == 0))
      sum += need ? pl->o[i].amount - pl->o[i].pe : pl->o[i].amount;
  return sum;
}

static long min_l(long a, long b) { return a < b ? a : b; }

/* Spec section 3, steps 1-7, for priorities 0 and 1. The only earmarks
 * are "rent" (obligations may have it) and "childcare" (none has it, so it
 * all joins the pool). */
static void ref_waterfall(plan *pl, outcome *out) {
  long E = pl->rent_earmark, G, covered = 0;
  for (int i = 0; i < pl->n; i++)
    pl->o[i].pe = pl->o[i].pg = 0;
  for (int p = 0; p <= 1; p++) {
    long pay = min_l(E, level_sum(pl, "rent", p, false));
    pay_level(pl, "rent", p, pay, true);
    E -= pay;
  }
  G = pl->opening + pl->general_income + E + pl->other_earmark;
  for (int p = 0; p <= 1; p++) {
    long pay = min_l(G, level_sum(pl, NULL, p, true));
    pay_level(pl, NULL, p, pay, false);
    G -= pay;
  }
  out->recovery = min_l(min_l(pl->receivable, pl->cap),
                        G - pl->floor > 0 ? G - pl->floor : 0);
  G -= out->recovery;
  for (int i = 0; i < pl->n; i++) {
    ob *o = &pl->o[i];
    long rest = o->amount - o->pe - o->pg;
    o->covered = o->guaranteed ? rest : 0;
    o->unpaid = o->guaranteed ? 0 : rest;
    covered += o->covered;
  }
  out->top_up = pl->floor_guaranteed && G < pl->floor ? pl->floor - G : 0;
  out->living = G + out->top_up;
  out->advance = covered + out->top_up;
  out->receivable_after = pl->receivable - out->recovery + out->advance;
}

/* Spec section 4 (128-bit so that the large amounts below fit too). */
__extension__ typedef __int128 i128;
static i128 half_up(i128 x, i128 y) { return (2 * x + y) / (2 * y); }
static long ref_prorate(long R, long s, long e, long D) {
  return (long)(half_up((i128)R * e, D) - half_up((i128)R * s, D));
}

/* ---------------------------------------------------------------------- */
/* Driving civic_evaluate                                                   */

typedef struct runner {
  civic_ctx *ctx;
  long calls;
} runner;

static json_t *eval(runner *r, const char *kind, const char *input) {
  char *out = NULL;
  civic_status st = civic_evaluate(r->ctx, kind, input, &out);
  json_t *v;
  r->calls++;
  ck_assert_msg(st == CIVIC_OK, "%s refused %s: %s: %s", kind, input,
                civic_status_name(st), civic_ctx_errmsg(r->ctx));
  v = json_loads(out, 0, NULL);
  civic_free(out);
  ck_assert_ptr_nonnull(v);
  return v;
}

static long get(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  ck_assert_msg(json_is_integer(v), "output field %s missing", key);
  return (long)json_integer_value(v);
}

/* Find the output entry of `key` (an array) whose id is `id`. */
static const json_t *by_id(const json_t *out, const char *key, const char *id) {
  const json_t *arr = json_object_get(out, key);
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const json_t *e = json_array_get(arr, i);
    if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
      return e;
  }
  ck_abort_msg("no %s entry with id %s", key, id);
  return NULL;
}

/* Ids chosen so that input order, ASCII order and UTF-8 byte order all
 * differ: byte-wise "a" < "z" < "\xc3\xa9" (e-acute). */
static const char *const IDS[MAX_CLAIMS] = {"z", "\xc3\xa9", "a"};

/* ---- split ---- */

static void split_json(char *buf, size_t cap, long P, const long *a, int n,
                       bool reversed) {
  size_t o = (size_t)snprintf(buf, cap, "{\"total\": %ld, \"claims\": [", P);
  for (int k = 0; k < n; k++) {
    int i = reversed ? n - 1 - k : k;
    o += (size_t)snprintf(buf + o, cap - o,
                          "%s{\"id\": \"%s\", \"amount\": %ld}", k ? ", " : "",
                          IDS[i], a[i]);
  }
  snprintf(buf + o, cap - o, "]}");
}

static void check_split(runner *r, long P, const long *a, int n) {
  char in[512];
  long want[MAX_CLAIMS];
  /* Every fourth case also runs reversed (order independence); all of
   * them would only double the time for little more coverage. */
  int last = n > 1 && r->calls % 4 == 0 ? 1 : 0;
  ref_split(P, a, IDS, n, want);
  for (int rev = 0; rev <= last; rev++) {
    json_t *out;
    split_json(in, sizeof in, P, a, n, rev != 0);
    out = eval(r, "split", in);
    for (int i = 0; i < n; i++) {
      long got = get(by_id(out, "shares", IDS[i]), "share");
      ck_assert_msg(got == want[i], "%s: share of %s is %ld, spec gives %ld",
                    in, IDS[i], got, want[i]);
    }
    if (!rev) /* input order */
      for (int i = 0; i < n; i++)
        ck_assert_str_eq(
            json_string_value(json_object_get(
                json_array_get(json_object_get(out, "shares"), (size_t)i),
                "id")),
            IDS[i]);
    json_decref(out);
  }
}

START_TEST(split_exhaustive) {
  runner r = {NULL, 0};
  long a[MAX_CLAIMS];
  ck_assert_int_eq(civic_ctx_new(&r.ctx), CIVIC_OK);
  for (int n = 1; n <= MAX_CLAIMS; n++) {
    long combos = 1;
    for (int k = 0; k < n; k++)
      combos *= AMOUNT_MAX + 1;
    for (long c = 0; c < combos; c++) {
      long D = 0, rest = c;
      for (int k = 0; k < n; k++) {
        a[k] = rest % (AMOUNT_MAX + 1);
        rest /= AMOUNT_MAX + 1;
        D += a[k];
      }
      if (D == 0)
        continue; /* spec section 2 needs D > 0 */
      if (n < MAX_CLAIMS) {
        for (long P = 0; P <= D; P++)
          check_split(&r, P, a, n);
      } else {
        /* Three claims: the edges, the thirds and halves where remainders
         * tie, and one more total that cycles through 0..D. */
        const long totals[] = {0,           1,     D / 3, D / 2,
                               (2 * D) / 3, D - 1, D,     c % (D + 1)};
        for (size_t k = 0; k < sizeof totals / sizeof totals[0]; k++)
          check_split(&r, totals[k], a, n);
      }
    }
  }
  fprintf(stderr, "split: %ld evaluations\n", r.calls);
  civic_ctx_free(r.ctx);
}
END_TEST

/* ---- waterfall ---- */

static void waterfall_json(char *buf, size_t cap, const plan *pl,
                           bool reversed) {
  size_t o = (size_t)snprintf(
      buf, cap, "{\"opening_balance\": %ld, \"incomes\": [", pl->opening);
  const char *incomes[3];
  char tmp[3][96];
  int ni = 0;
  snprintf(tmp[ni], sizeof tmp[ni], "{\"id\": \"wage\", \"amount\": %ld}",
           pl->general_income);
  incomes[ni] = tmp[ni];
  ni++;
  snprintf(tmp[ni], sizeof tmp[ni],
           "{\"id\": \"rent_allowance\", \"amount\": %ld, \"earmark\": "
           "\"rent\"}",
           pl->rent_earmark);
  incomes[ni] = tmp[ni];
  ni++;
  snprintf(tmp[ni], sizeof tmp[ni],
           "{\"id\": \"childcare\", \"amount\": %ld, \"earmark\": "
           "\"childcare\"}",
           pl->other_earmark);
  incomes[ni] = tmp[ni];
  ni++;
  for (int k = 0; k < ni; k++)
    o += (size_t)snprintf(buf + o, cap - o, "%s%s", k ? ", " : "",
                          incomes[reversed ? ni - 1 - k : k]);
  o += (size_t)snprintf(buf + o, cap - o, "], \"obligations\": [");
  for (int k = 0; k < pl->n; k++) {
    const ob *ob_ = &pl->o[reversed ? pl->n - 1 - k : k];
    o += (size_t)snprintf(
        buf + o, cap - o,
        "%s{\"id\": \"%s\", \"category\": \"%s\", \"priority\": %d, "
        "\"amount\": %ld, \"guaranteed\": %s}",
        k ? ", " : "", ob_->id, ob_->category, ob_->priority, ob_->amount,
        ob_->guaranteed ? "true" : "false");
  }
  snprintf(buf + o, cap - o,
           "], \"receivable_outstanding\": %ld, \"policy\": {\"living_floor\": "
           "%ld, \"floor_guaranteed\": %s, \"recovery_cap\": %ld}}",
           pl->receivable, pl->floor, pl->floor_guaranteed ? "true" : "false",
           pl->cap);
}

static void check_waterfall(runner *r, plan *pl) {
  char in[2048];
  outcome want;
  int last = pl->n > 1 && r->calls % 4 == 0 ? 1 : 0;
  ref_waterfall(pl, &want);
  for (int rev = 0; rev <= last; rev++) {
    json_t *out;
    waterfall_json(in, sizeof in, pl, rev != 0);
    out = eval(r, "waterfall", in);
    for (int i = 0; i < pl->n; i++) {
      const ob *o = &pl->o[i];
      const json_t *x = by_id(out, "obligations", o->id);
      ck_assert_msg(get(x, "paid_earmarked") == o->pe &&
                        get(x, "paid_general") == o->pg &&
                        get(x, "covered") == o->covered &&
                        get(x, "unpaid") == o->unpaid,
                    "%s: obligation %s: got %ld/%ld/%ld/%ld, spec gives "
                    "%ld/%ld/%ld/%ld",
                    in, o->id, get(x, "paid_earmarked"), get(x, "paid_general"),
                    get(x, "covered"), get(x, "unpaid"), o->pe, o->pg,
                    o->covered, o->unpaid);
    }
    ck_assert_msg(get(out, "living_allowance") == want.living &&
                      get(out, "top_up") == want.top_up &&
                      get(out, "recovery") == want.recovery &&
                      get(out, "advance") == want.advance &&
                      get(out, "receivable_after") == want.receivable_after,
                  "%s: totals: got living %ld top_up %ld recovery %ld advance "
                  "%ld receivable_after %ld; spec gives %ld %ld %ld %ld %ld",
                  in, get(out, "living_allowance"), get(out, "top_up"),
                  get(out, "recovery"), get(out, "advance"),
                  get(out, "receivable_after"), want.living, want.top_up,
                  want.recovery, want.advance, want.receivable_after);
    json_decref(out);
  }
}

/* Floor / recovery policies cycled through the enumeration:
 * {living_floor, floor_guaranteed, receivable, recovery_cap}. */
static const long POLICIES[][4] = {
    {0, 0, 0, 0}, {5, 1, 7, 3}, {10, 0, 20, 10}, {3, 1, 0, 5}, {0, 1, 9, 15}};
#define N_POLICIES (sizeof POLICIES / sizeof POLICIES[0])

START_TEST(waterfall_exhaustive) {
  static const char *const CATS[MAX_CLAIMS] = {"rent", "energy", "rent"};
  static const long EARMARKS[][2] = {{0, 0}, {6, 0}, {11, 4}};
  runner r = {NULL, 0};
  long counter = 0;
  ck_assert_int_eq(civic_ctx_new(&r.ctx), CIVIC_OK);
  for (int n = 0; n <= MAX_CLAIMS; n++) {
    long combos = 1;
    for (int k = 0; k < n; k++)
      combos *= AMOUNT_MAX + 1;
    /* With three obligations the priority and guarantee patterns and the
     * income are cycled rather than crossed with every amount, to stay
     * fast; with fewer every pattern meets every amount and income. */
    int patterns = n < MAX_CLAIMS ? 1 << (2 * n) : 1;
    long g_first = 0, g_last = n < MAX_CLAIMS ? AMOUNT_MAX : 0;
    for (long c = 0; c < combos; c++) {
      for (int pat = 0; pat < patterns; pat++) {
        for (long gi = g_first; gi <= g_last; gi++) {
          long g = n < MAX_CLAIMS ? gi : counter % (AMOUNT_MAX + 1);
          int em = (int)((c + g) % 3);
          plan pl;
          int bits = n < MAX_CLAIMS ? pat : (int)(counter % 64);
          long rest = c;
          const long *pol = POLICIES[counter % N_POLICIES];
          memset(&pl, 0, sizeof pl);
          pl.n = n;
          pl.general_income = g;
          pl.opening = (counter / N_POLICIES) % 3 == 0 ? 2 : 0;
          pl.rent_earmark = EARMARKS[em][0];
          pl.other_earmark = EARMARKS[em][1];
          pl.floor = pol[0];
          pl.floor_guaranteed = pol[1] != 0;
          pl.receivable = pol[2];
          pl.cap = pol[3];
          for (int k = 0; k < n; k++) {
            pl.o[k].id = IDS[k];
            pl.o[k].category = CATS[k];
            pl.o[k].amount = rest % (AMOUNT_MAX + 1);
            rest /= AMOUNT_MAX + 1;
            pl.o[k].priority = (bits >> (2 * k)) & 1;
            pl.o[k].guaranteed = ((bits >> (2 * k + 1)) & 1) != 0;
          }
          check_waterfall(&r, &pl);
          counter++;
        }
      }
    }
  }
  fprintf(stderr, "waterfall: %ld evaluations\n", r.calls);
  civic_ctx_free(r.ctx);
}
END_TEST

/* ---- prorate ---- */

START_TEST(prorate_exhaustive) {
  static const long BIG[] = {100000, 123457, 999999937, 4611686018427387903L};
  runner r = {NULL, 0};
  char in[512];
  ck_assert_int_eq(civic_ctx_new(&r.ctx), CIVIC_OK);
  for (long D = 28; D <= 31; D++) {
    /* Every segment of every small amount. */
    for (long R = 0; R <= AMOUNT_MAX + 4; R++) {
      long amount = R <= AMOUNT_MAX ? R : BIG[R - AMOUNT_MAX - 1];
      for (long s = 0; s <= D; s++)
        for (long e = s; e <= D; e++) {
          json_t *out;
          long want = ref_prorate(amount, s, e, D);
          snprintf(in, sizeof in,
                   "{\"days_in_month\": %ld, \"segments\": [{\"amount\": %ld, "
                   "\"start\": %ld, \"end\": %ld}]}",
                   D, amount, s, e);
          out = eval(&r, "prorate", in);
          ck_assert_msg(get(out, "total") == want,
                        "%s: total %ld, spec gives %ld", in, get(out, "total"),
                        want);
          if (s == 0 && e == D)
            ck_assert_msg(get(out, "total") == amount,
                          "%s: a whole month is not R", in);
          json_decref(out);
        }
    }
    /* Splitting a month at one event with no change of rate changes
     * nothing, in either list order. */
    for (long R = 0; R <= AMOUNT_MAX + 4; R++) {
      long amount = R <= AMOUNT_MAX ? R : BIG[R - AMOUNT_MAX - 1];
      for (long cut = 0; cut <= D; cut++)
        for (int rev = 0; rev <= 1; rev++) {
          json_t *out;
          long s1 = rev ? cut : 0, e1 = rev ? D : cut;
          long s2 = rev ? 0 : cut, e2 = rev ? cut : D;
          snprintf(in, sizeof in,
                   "{\"days_in_month\": %ld, \"segments\": [{\"amount\": %ld, "
                   "\"start\": %ld, \"end\": %ld}, {\"amount\": %ld, "
                   "\"start\": %ld, \"end\": %ld}]}",
                   D, amount, s1, e1, amount, s2, e2);
          out = eval(&r, "prorate", in);
          ck_assert_msg(get(out, "total") == amount,
                        "%s: split month total %ld != %ld", in,
                        get(out, "total"), amount);
          json_decref(out);
        }
    }
  }
  fprintf(stderr, "prorate: %ld evaluations\n", r.calls);
  civic_ctx_free(r.ctx);
}
END_TEST

/* The reference model itself, on the spec's own examples, so that a wrong
 * model cannot silently agree with a wrong library. */
START_TEST(reference_model_sanity) {
  long a[3] = {1, 1, 1}, s[3];
  const char *ids[3] = {"c", "b", "a"};
  ref_split(10, a, ids, 3, s); /* 10/3 each: remainders tie, "a" first */
  ck_assert(s[0] == 3 && s[1] == 3 && s[2] == 4);
  {
    long b[2] = {1, 3}, t[2];
    const char *ids2[2] = {"x", "y"};
    ref_split(2, b, ids2, 2, t); /* quotas 0.5 and 1.5: remainders tie */
    ck_assert(t[0] == 1 && t[1] == 1);
  }
  ck_assert_int_eq(ref_prorate(100, 0, 15, 30), 50);
  ck_assert_int_eq(ref_prorate(1, 0, 15, 30), 1); /* half_up(0.5) = 1 */
  ck_assert_int_eq(ref_prorate(1, 15, 30, 30), 0);
  {
    plan pl;
    outcome o;
    memset(&pl, 0, sizeof pl);
    pl.general_income = 100;
    pl.n = 2;
    pl.o[0] = (ob){"x", "rent", 0, 70, true, 0, 0, 0, 0};
    pl.o[1] = (ob){"y", "energy", 0, 70, false, 0, 0, 0, 0};
    pl.floor = 50;
    pl.floor_guaranteed = true;
    ref_waterfall(&pl, &o);
    /* 100 over needs 70/70: 50 each; x's rest covered, y's rest unpaid;
     * the pool is empty, so the floor is topped up in full. */
    ck_assert(pl.o[0].pg == 50 && pl.o[0].covered == 20);
    ck_assert(pl.o[1].pg == 50 && pl.o[1].unpaid == 20);
    ck_assert(o.top_up == 50 && o.living == 50 && o.advance == 70);
  }
}
END_TEST

static Suite *exhaustive_suite(void) {
  Suite *s = suite_create("exhaustive");
  TCase *tc = tcase_create("tiny_domains");
  tcase_add_test(tc, reference_model_sanity);
  tcase_add_test(tc, split_exhaustive);
  tcase_add_test(tc, waterfall_exhaustive);
  tcase_add_test(tc, prorate_exhaustive);
  tcase_set_timeout(tc, 300);
  /* Tagged so that the valgrind stage (CK_EXCLUDE_TAGS=slow) skips it:
   * ~170,000 evaluations are seconds here and many minutes under valgrind. */
  tcase_set_tags(tc, "slow");
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return civic_test_run(exhaustive_suite()); }
