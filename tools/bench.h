/* Benchmarks of the civic tool: each module's measurement lives in its own
 * bench_<module>.c and is listed in bench_all.c. */
#ifndef CIVIC_BENCH_H
#define CIVIC_BENCH_H

#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_RESULTS 32

typedef struct bench_result {
  const char *name;       /* JSON key, e.g. "waterfall_per_s" */
  uint64_t per_s;         /* operations per second */
  const char *target;     /* ratio target as text, or NULL */
  const char *extra_name; /* optional second figure (e.g. bytes per account) */
  uint64_t extra_value;
} bench_result;

uint64_t bench_now_ns(void);
uint64_t bench_rate(uint64_t ops, uint64_t ns);

/* Each module's benchmarks; each writes at most `cap` results and returns
 * how many it wrote. */
size_t bench_ledger(bench_result *out, size_t cap, uint64_t budget_ns);
size_t bench_waterfall(bench_result *out, size_t cap, uint64_t budget_ns);
size_t bench_recalc(bench_result *out, size_t cap, uint64_t budget_ns);

/* Run every registered benchmark; returns how many results were written. */
size_t bench_run_all(bench_result *out, size_t cap, uint64_t budget_ns);

#endif
