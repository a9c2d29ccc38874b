/* The C side of the batch benchmark: the same columns that
 * bench_batch.py hands to civic.waterfall_columns, run through the C batch
 * API (set every input column, run, get every output column), best of N.
 *
 * usage: waterfall_batch_c COLUMNS_FILE REPEATS
 * COLUMNS_FILE: records of (int32 column, int64 count, count x int64).
 * Prints {"plans": n, "seconds": best} as JSON.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "civic/civic.h"

#define MAX_COLS 32

typedef struct column {
  int32_t id;
  int64_t count;
  int64_t *values;
} column;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int read_columns(const char *path, column *cols, int *ncols) {
  FILE *f = fopen(path, "rb");
  int n = 0;
  if (f == NULL)
    return -1;
  while (n < MAX_COLS && fread(&cols[n].id, sizeof(int32_t), 1, f) == 1) {
    if (fread(&cols[n].count, sizeof(int64_t), 1, f) != 1)
      break;
    cols[n].values = malloc((size_t)cols[n].count * sizeof(int64_t) + 8);
    if (fread(cols[n].values, sizeof(int64_t), (size_t)cols[n].count, f) !=
        (size_t)cols[n].count)
      break;
    n++;
  }
  fclose(f);
  *ncols = n;
  return 0;
}

static const civic_waterfall_column OUTPUTS[] = {
    CIVIC_WATERFALL_COL_PAID_EARMARKED, CIVIC_WATERFALL_COL_PAID_GENERAL,
    CIVIC_WATERFALL_COL_COVERED,        CIVIC_WATERFALL_COL_UNPAID,
    CIVIC_WATERFALL_COL_LIVING_ALLOWANCE, CIVIC_WATERFALL_COL_TOP_UP,
    CIVIC_WATERFALL_COL_RECOVERY,       CIVIC_WATERFALL_COL_ADVANCE,
    CIVIC_WATERFALL_COL_RECEIVABLE_AFTER};

int main(int argc, char **argv) {
  column cols[MAX_COLS];
  int ncols = 0, rep, repeats, i;
  size_t k;
  double best = 1e30;
  int64_t plans = 0;
  civic_ctx *ctx = NULL;
  int64_t *outs[sizeof OUTPUTS / sizeof OUTPUTS[0]] = {0};
  if (argc != 3 || read_columns(argv[1], cols, &ncols) != 0) {
    fprintf(stderr, "usage: waterfall_batch_c COLUMNS_FILE REPEATS\n");
    return 2;
  }
  repeats = atoi(argv[2]);
  if (civic_ctx_new(&ctx) != CIVIC_OK)
    return 1;
  for (i = 0; i < ncols; i++)
    if (cols[i].id == CIVIC_WATERFALL_COL_OPENING_BALANCE)
      plans = cols[i].count;
  for (rep = 0; rep < repeats; rep++) {
    /* A fresh batch per run, as civic.waterfall_columns makes one. */
    civic_waterfall_batch *batch = NULL;
    double t0 = now(), dt;
    if (civic_waterfall_batch_new(&batch) != CIVIC_OK)
      return 1;
    for (i = 0; i < ncols; i++)
      if (civic_waterfall_batch_set_column(batch, (civic_waterfall_column)cols[i].id,
                                           cols[i].values,
                                           (size_t)cols[i].count) != CIVIC_OK)
        return 1;
    if (civic_waterfall_batch_run(ctx, batch) != CIVIC_OK) {
      fprintf(stderr, "%s\n", civic_ctx_errmsg(ctx));
      return 1;
    }
    for (k = 0; k < sizeof OUTPUTS / sizeof OUTPUTS[0]; k++) {
      /* Output buffers are allocated once and reused: the most favourable
       * C caller (the Python side allocates fresh numpy arrays each run). */
      size_t len = civic_waterfall_batch_column_length(batch, OUTPUTS[k]);
      if (outs[k] == NULL)
        outs[k] = malloc(len * sizeof(int64_t) + 8);
      if (civic_waterfall_batch_get_column(batch, OUTPUTS[k], outs[k], len) != CIVIC_OK)
        return 1;
    }
    civic_waterfall_batch_free(batch);
    dt = now() - t0;
    if (dt < best)
      best = dt;
  }
  printf("{\"plans\": %lld, \"seconds\": %.6f}\n", (long long)plans, best);
  civic_ctx_free(ctx);
  for (i = 0; i < ncols; i++)
    free(cols[i].values);
  for (k = 0; k < sizeof OUTPUTS / sizeof OUTPUTS[0]; k++)
    free(outs[k]);
  return 0;
}
