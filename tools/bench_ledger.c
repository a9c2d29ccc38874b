/* Ledger throughput: transfers per second in memory and durably (journal with
 * fsync, large batches so group commit amortises it), and transfers per
 * second when reopening (replay plus full verification) the journal just
 * written. Also the memory held per transfer. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "civic/ledger.h"

#define BENCH_ACCOUNTS 1000
#define BENCH_BATCH 10000

typedef struct workload {
  size_t transfers;
  char (*ids)[32];
  int *from, *to;
  char accounts[BENCH_ACCOUNTS][16];
} workload;

static int workload_make(workload *w, size_t transfers) {
  size_t i;
  uint64_t s = 7;
  w->transfers = transfers;
  w->ids = malloc(transfers * sizeof *w->ids);
  w->from = malloc(transfers * sizeof *w->from);
  w->to = malloc(transfers * sizeof *w->to);
  if (w->ids == NULL || w->from == NULL || w->to == NULL)
    return -1;
  for (i = 0; i < BENCH_ACCOUNTS; i++)
    snprintf(w->accounts[i], sizeof w->accounts[i], "acct-%04zu", i);
  for (i = 0; i < transfers; i++) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    snprintf(w->ids[i], sizeof w->ids[i], "tx-%010zu", i);
    w->from[i] = (int)((s >> 33) % BENCH_ACCOUNTS);
    w->to[i] = (w->from[i] + 1 + (int)((s >> 45) % (BENCH_ACCOUNTS - 1))) %
               BENCH_ACCOUNTS;
  }
  return 0;
}

static void workload_free(workload *w) {
  free(w->ids);
  free(w->from);
  free(w->to);
}

/* Create the asset and accounts, then post every transfer in batches;
 * returns the elapsed nanoseconds of the transfer part, 0 on failure. */
static uint64_t post_all(civic_ledger *l, const workload *w) {
  civic_batch *b = NULL;
  uint64_t start, elapsed = 0;
  size_t i, k;
  if (civic_batch_new(&b) != CIVIC_OK ||
      civic_batch_add_asset(b, "EUR", 2) != CIVIC_OK)
    goto done;
  for (i = 0; i < BENCH_ACCOUNTS; i++)
    if (civic_batch_add_account(b, w->accounts[i], "EUR",
                                CIVIC_NO_MIN_BALANCE) != CIVIC_OK)
      goto done;
  if (civic_ledger_post(l, b, NULL) != CIVIC_OK)
    goto done;
  start = bench_now_ns();
  for (k = 0; k < w->transfers; k += BENCH_BATCH) {
    civic_batch_clear(b);
    for (i = k; i < k + BENCH_BATCH && i < w->transfers; i++)
      if (civic_batch_add_transfer(
              b, w->ids[i], w->accounts[w->from[i]], w->accounts[w->to[i]],
              1 + (int64_t)(i % 500), "EUR", (int64_t)i, NULL) != CIVIC_OK)
        goto done;
    if (civic_ledger_post(l, b, NULL) != CIVIC_OK) {
      fprintf(stderr, "bench: post failed: %s\n", civic_ledger_errmsg(l));
      goto done;
    }
  }
  elapsed = bench_now_ns() - start;
done:
  civic_batch_free(b);
  return elapsed;
}

static void put(bench_result *r, const char *name, uint64_t per_s,
                const char *target) {
  r->name = name;
  r->per_s = per_s;
  r->target = target;
  r->extra_name = NULL;
  r->extra_value = 0;
}

size_t bench_ledger(bench_result *out, size_t cap, uint64_t budget_ns) {
  workload w;
  civic_ledger *l = NULL;
  size_t n = 0, transfers = budget_ns >= 500000000u ? 1000000 : 100000;
  uint64_t ns;
  size_t heap_before;
  char dir[] = "/var/tmp/civic-bench-XXXXXX", path[64];

  if (cap < 3 || workload_make(&w, transfers) != 0)
    return 0;

  /* In memory; the heap growth gives the memory held per transfer. */
  heap_before = mallinfo2().uordblks + mallinfo2().hblkhd;
  if (civic_ledger_new_memory(&l) == CIVIC_OK && (ns = post_all(l, &w)) > 0) {
    size_t held = mallinfo2().uordblks + mallinfo2().hblkhd - heap_before;
    put(&out[n], "ledger_transfers_per_s", bench_rate(transfers, ns), ">= 0.3");
    out[n].extra_name = "ledger_bytes_per_transfer";
    out[n].extra_value = held / transfers;
    n++;
  }
  civic_ledger_free(l);
  l = NULL;

  /* Durable, then reopen (replay + verify) the same journal. */
  if (mkdtemp(dir) == NULL)
    goto done;
  snprintf(path, sizeof path, "%s/bench.journal", dir);
  if (civic_ledger_create(&l, path) == CIVIC_OK && (ns = post_all(l, &w)) > 0) {
    put(&out[n++], "ledger_durable_transfers_per_s", bench_rate(transfers, ns),
        ">= 0.1");
    civic_ledger_free(l);
    l = NULL;
    ns = bench_now_ns();
    if (civic_ledger_open(&l, path) == CIVIC_OK)
      put(&out[n++], "replay_verify_records_per_s",
          bench_rate(transfers, bench_now_ns() - ns), ">= 0.5");
  }
  civic_ledger_free(l);
  unlink(path);
  rmdir(dir);
done:
  workload_free(&w);
  return n;
}
