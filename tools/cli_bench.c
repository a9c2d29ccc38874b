/* civic bench [--json] [--quick]: throughput of the core, reported as ratios
 * to libsodium's BLAKE2b-256 over 128-byte messages measured in the same run,
 * so that figures from different machines and moments can be compared.
 *
 * The tool (not the library) reads the monotonic clock: benchmarks are the
 * one place where time is the thing measured. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "cli.h"

__extension__ typedef unsigned __int128 bench_u128;

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Rate in operations per second as an integer (the benchmark reports whole
 * operations per second; sub-unit precision means nothing here). */
uint64_t bench_rate(uint64_t ops, uint64_t ns) {
  if (ns == 0)
    return 0;
  return (uint64_t)(((bench_u128)ops * 1000000000u) / ns);
}

static uint64_t bench_blake2b(uint64_t budget_ns) {
  unsigned char msg[128], out[32];
  uint64_t ops = 0, start = bench_now_ns(), elapsed;
  memset(msg, 0x5a, sizeof msg);
  do {
    int i;
    for (i = 0; i < 1024; i++) {
      crypto_generichash(out, sizeof out, msg, sizeof msg, NULL, 0);
      msg[0] = out[0]; /* keep the compiler from hoisting the hash */
    }
    ops += 1024;
    elapsed = bench_now_ns() - start;
  } while (elapsed < budget_ns);
  return bench_rate(ops, elapsed);
}

/* Ratio as a decimal string with five places, computed with integers (slow
 * paths such as recalculation sit far below 0.001). */
static void ratio_text(uint64_t num, uint64_t den, char *buf, size_t cap) {
  uint64_t scaled = den ? (uint64_t)(((bench_u128)num * 100000u) / den) : 0;
  snprintf(buf, cap, "%llu.%05llu", (unsigned long long)(scaled / 100000),
           (unsigned long long)(scaled % 100000));
}

int cli_cmd_bench(int argc, char **argv) {
  int json = 0, i;
  uint64_t budget = 500000000u; /* 0.5 s per measurement */
  bench_result results[BENCH_MAX_RESULTS];
  size_t n = 0, k;
  uint64_t norm;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = 1;
    else if (strcmp(argv[i], "--quick") == 0)
      budget = 50000000u;
    else
      return cli_fail(CIVIC_E_INVALID_ARGUMENT, "bench: unknown option");
  }
  /* The normaliser is measured before and after the suite and the faster
   * of the two kept, so a burst of load from elsewhere on the machine during
   * one measurement does not skew every ratio. */
  norm = bench_blake2b(budget);
  n = bench_run_all(results, BENCH_MAX_RESULTS, budget);
  {
    uint64_t again = bench_blake2b(budget);
    if (again > norm)
      norm = again;
  }

  if (json) {
    char r[32];
    printf("{\"blake2b_128B_per_s\": %llu", (unsigned long long)norm);
    for (k = 0; k < n; k++) {
      ratio_text(results[k].per_s, norm, r, sizeof r);
      printf(", \"%s\": %llu, \"%s_ratio\": %s", results[k].name,
             (unsigned long long)results[k].per_s, results[k].name, r);
    }
    for (k = 0; k < n; k++)
      if (results[k].extra_name != NULL)
        printf(", \"%s\": %llu", results[k].extra_name,
               (unsigned long long)results[k].extra_value);
    printf("}\n");
  } else {
    char r[32];
    printf("%-40s %14llu /s\n", "blake2b_128B (normaliser)",
           (unsigned long long)norm);
    for (k = 0; k < n; k++) {
      ratio_text(results[k].per_s, norm, r, sizeof r);
      printf("%-40s %14llu /s  ratio %s (target %s)\n", results[k].name,
             (unsigned long long)results[k].per_s, r,
             results[k].target ? results[k].target : "-");
      if (results[k].extra_name != NULL)
        printf("  %-38s %14llu\n", results[k].extra_name,
               (unsigned long long)results[k].extra_value);
    }
  }
  return 0;
}
