/* Synthetic households for benchmarks: deterministic (a fixed-seed
 * generator), Utrecht-like amounts in euro cents, rows grouped by plan. */
#ifndef CIVIC_BENCH_DATA_H
#define CIVIC_BENCH_DATA_H

#include <stddef.h>
#include <stdint.h>

typedef struct bench_city {
  size_t plans, incomes, obligations;
  int64_t *opening, *receivable, *floor, *floor_guaranteed, *recovery_cap;
  int64_t *income_plan, *income_amount, *income_earmark;
  int64_t *ob_plan, *ob_category, *ob_priority, *ob_amount, *ob_guaranteed;
} bench_city;

/* Category codes used by the synthetic city. */
enum {
  BENCH_RENT = 0,
  BENCH_ENERGY = 1,
  BENCH_HEALTH = 2,
  BENCH_WATER = 3,
  BENCH_DEBT = 4,
  BENCH_PHONE = 5
};

/* 0 on success; -1 on out of memory (nothing to free then). */
int bench_city_make(bench_city *city, size_t households, uint64_t seed);
void bench_city_free(bench_city *city);

#endif
