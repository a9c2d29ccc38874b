/* The list of benchmarks `civic bench` runs, in report order. */
#include "bench.h"

typedef size_t (*bench_fn)(bench_result *out, size_t cap, uint64_t budget_ns);

static const bench_fn BENCHES[] = {bench_ledger, bench_waterfall, bench_recalc};

size_t bench_run_all(bench_result *out, size_t cap, uint64_t budget_ns) {
  size_t i, n = 0;
  for (i = 0; i < sizeof BENCHES / sizeof BENCHES[0]; i++)
    n += BENCHES[i](out + n, cap - n, budget_ns);
  return n;
}
