#include "bench_data.h"

#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static int64_t between(uint64_t *s, int64_t lo, int64_t hi) {
  return lo + (int64_t)(next(s) % (uint64_t)(hi - lo + 1));
}

void bench_city_free(bench_city *c) {
  int64_t **cols[] = {&c->opening,          &c->receivable,     &c->floor,
                      &c->floor_guaranteed, &c->recovery_cap,   &c->income_plan,
                      &c->income_amount,    &c->income_earmark, &c->ob_plan,
                      &c->ob_category,      &c->ob_priority,    &c->ob_amount,
                      &c->ob_guaranteed};
  size_t i;
  for (i = 0; i < sizeof cols / sizeof cols[0]; i++) {
    free(*cols[i]);
    *cols[i] = NULL;
  }
}

int bench_city_make(bench_city *c, size_t households, uint64_t seed) {
  size_t h, inc = 0, ob = 0;
  uint64_t s = seed;
  memset(c, 0, sizeof *c);
  c->plans = households;
  c->opening = calloc(households, sizeof(int64_t));
  c->receivable = calloc(households, sizeof(int64_t));
  c->floor = calloc(households, sizeof(int64_t));
  c->floor_guaranteed = calloc(households, sizeof(int64_t));
  c->recovery_cap = calloc(households, sizeof(int64_t));
  c->income_plan = calloc(households * 2, sizeof(int64_t));
  c->income_amount = calloc(households * 2, sizeof(int64_t));
  c->income_earmark = calloc(households * 2, sizeof(int64_t));
  c->ob_plan = calloc(households * 6, sizeof(int64_t));
  c->ob_category = calloc(households * 6, sizeof(int64_t));
  c->ob_priority = calloc(households * 6, sizeof(int64_t));
  c->ob_amount = calloc(households * 6, sizeof(int64_t));
  c->ob_guaranteed = calloc(households * 6, sizeof(int64_t));
  if (!c->opening || !c->receivable || !c->floor || !c->floor_guaranteed ||
      !c->recovery_cap || !c->income_plan || !c->income_amount ||
      !c->income_earmark || !c->ob_plan || !c->ob_category || !c->ob_priority ||
      !c->ob_amount || !c->ob_guaranteed) {
    bench_city_free(c);
    return -1;
  }
  for (h = 0; h < households; h++) {
    int64_t k, extra = between(&s, 0, 2); /* 4 to 6 obligations */
    c->opening[h] = between(&s, 0, 20000);
    c->receivable[h] = next(&s) % 4 == 0 ? between(&s, 0, 150000) : 0;
    c->floor[h] = 30000;
    c->floor_guaranteed[h] = 1;
    c->recovery_cap[h] = 5000;
    /* Social assistance (general) and, for half, a rent allowance. */
    c->income_plan[inc] = (int64_t)h;
    c->income_amount[inc] = between(&s, 90000, 190000);
    c->income_earmark[inc++] = -1;
    if (next(&s) % 2 == 0) {
      c->income_plan[inc] = (int64_t)h;
      c->income_amount[inc] = between(&s, 10000, 40000);
      c->income_earmark[inc++] = BENCH_RENT;
    }
    for (k = 0; k < 4 + extra; k++) {
      static const int64_t lo[] = {60000, 8000, 12000, 2000, 2000, 1500};
      static const int64_t hi[] = {110000, 25000, 16000, 4000, 20000, 5000};
      c->ob_plan[ob] = (int64_t)h;
      c->ob_category[ob] = k;
      c->ob_priority[ob] = k < 4 ? k : 4;
      c->ob_amount[ob] = between(&s, lo[k], hi[k]);
      c->ob_guaranteed[ob++] = k < 4;
    }
  }
  c->incomes = inc;
  c->obligations = ob;
  return 0;
}
