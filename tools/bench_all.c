/* The list of benchmarks `civic bench` runs, in report order. Modules add
 * their measurement function here as they land. */
#include "bench.h"

size_t bench_run_all(bench_result *out, size_t cap, uint64_t budget_ns) {
  (void)out;
  (void)cap;
  (void)budget_ns;
  return 0;
}
