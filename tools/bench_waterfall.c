/* Waterfall throughput: many plans of 4-6 obligations through the columnar
 * batch API, and a city of 100,000 households settled for 12 months with the
 * receivable carried from month to month. */
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_data.h"
#include "civic/waterfall.h"

/* Fill a batch with `plans` synthetic households (bench_data.c). */
static int load_batch(civic_waterfall_batch *b, const bench_city *city) {
  return civic_waterfall_batch_set_column(b,
                                          CIVIC_WATERFALL_COL_OPENING_BALANCE,
                                          city->opening, city->plans) ||
         civic_waterfall_batch_set_column(
             b, CIVIC_WATERFALL_COL_RECEIVABLE_OUTSTANDING, city->receivable,
             city->plans) ||
         civic_waterfall_batch_set_column(b, CIVIC_WATERFALL_COL_LIVING_FLOOR,
                                          city->floor, city->plans) ||
         civic_waterfall_batch_set_column(
             b, CIVIC_WATERFALL_COL_FLOOR_GUARANTEED, city->floor_guaranteed,
             city->plans) ||
         civic_waterfall_batch_set_column(b, CIVIC_WATERFALL_COL_RECOVERY_CAP,
                                          city->recovery_cap, city->plans) ||
         civic_waterfall_batch_set_column(b, CIVIC_WATERFALL_COL_INCOME_PLAN,
                                          city->income_plan, city->incomes) ||
         civic_waterfall_batch_set_column(b, CIVIC_WATERFALL_COL_INCOME_AMOUNT,
                                          city->income_amount, city->incomes) ||
         civic_waterfall_batch_set_column(b, CIVIC_WATERFALL_COL_INCOME_EARMARK,
                                          city->income_earmark,
                                          city->incomes) ||
         civic_waterfall_batch_set_column(b,
                                          CIVIC_WATERFALL_COL_OBLIGATION_PLAN,
                                          city->ob_plan, city->obligations) ||
         civic_waterfall_batch_set_column(
             b, CIVIC_WATERFALL_COL_OBLIGATION_CATEGORY, city->ob_category,
             city->obligations) ||
         civic_waterfall_batch_set_column(
             b, CIVIC_WATERFALL_COL_OBLIGATION_PRIORITY, city->ob_priority,
             city->obligations) ||
         civic_waterfall_batch_set_column(b,
                                          CIVIC_WATERFALL_COL_OBLIGATION_AMOUNT,
                                          city->ob_amount, city->obligations) ||
         civic_waterfall_batch_set_column(
             b, CIVIC_WATERFALL_COL_OBLIGATION_GUARANTEED, city->ob_guaranteed,
             city->obligations);
}

size_t bench_waterfall(bench_result *out, size_t cap, uint64_t budget_ns) {
  bench_city city;
  civic_waterfall_batch *batch = NULL;
  civic_ctx *ctx = NULL;
  uint64_t start, elapsed, plans_done = 0;
  size_t n = 0, month;
  int64_t *after = NULL;

  if (cap < 2 || bench_city_make(&city, 100000, 42) != 0)
    return 0;
  if (civic_ctx_new(&ctx) != CIVIC_OK ||
      civic_waterfall_batch_new(&batch) != CIVIC_OK ||
      load_batch(batch, &city) != 0)
    goto done;

  /* Plans per second: rerun the same batch until the budget is spent. */
  start = bench_now_ns();
  do {
    if (civic_waterfall_batch_run(ctx, batch) != CIVIC_OK)
      goto done;
    plans_done += city.plans;
    elapsed = bench_now_ns() - start;
  } while (elapsed < budget_ns);
  out[n].name = "waterfall_per_s";
  out[n].per_s = bench_rate(plans_done, elapsed);
  out[n].target = ">= 0.5";
  out[n].extra_name = NULL;
  n++;

  /* City: 12 months, each month's receivable_after is next month's
   * receivable_outstanding (advances are recovered later). */
  after = malloc(city.plans * sizeof *after);
  if (after == NULL)
    goto done;
  start = bench_now_ns();
  for (month = 0; month < 12; month++) {
    if (civic_waterfall_batch_run(ctx, batch) != CIVIC_OK ||
        civic_waterfall_batch_get_column(batch,
                                         CIVIC_WATERFALL_COL_RECEIVABLE_AFTER,
                                         after, city.plans) != CIVIC_OK ||
        civic_waterfall_batch_set_column(
            batch, CIVIC_WATERFALL_COL_RECEIVABLE_OUTSTANDING, after,
            city.plans) != CIVIC_OK)
      goto done;
  }
  elapsed = bench_now_ns() - start;
  out[n].name = "city_household_months_per_s";
  out[n].per_s = bench_rate(12u * city.plans, elapsed);
  out[n].target = NULL;
  out[n].extra_name = "city_100k_x_12_ms";
  out[n].extra_value = elapsed / 1000000u;
  n++;

done:
  free(after);
  civic_waterfall_batch_free(batch);
  civic_ctx_free(ctx);
  bench_city_free(&city);
  return n;
}
