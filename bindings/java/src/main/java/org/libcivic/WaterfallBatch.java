package org.libcivic;

import java.util.Objects;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ctx;
import org.libcivic.swig.civic_waterfall_batch;
import org.libcivic.swig.civic_waterfall_column;

/**
 * Many waterfalls at once in columns of longs (include/civic/waterfall.h
 * "columnar batch"): the fast path for settling a whole city, with no JSON
 * and no per-plan objects. Plan columns have one value per plan; income and
 * obligation columns one value per row, with a {@code *_PLAN} column giving
 * each row's plan index (non-decreasing). Categories and earmarks are
 * integer codes chosen by the caller (an earmark below 0 means general
 * income); booleans are 0 or 1. Within a plan an earlier obligation row
 * counts as the smaller id when breaking pro-rata ties.
 *
 * <p>Thread safety: one batch must be used by one thread at a time, so the
 * methods are synchronized; use one batch per thread for parallel work.
 */
public final class WaterfallBatch implements AutoCloseable {
  /** The columns, with the C codes of {@code civic_waterfall_column}. */
  public enum Column {
    OPENING_BALANCE(civic_waterfall_column.CIVIC_WATERFALL_COL_OPENING_BALANCE),
    RECEIVABLE_OUTSTANDING(civic_waterfall_column.CIVIC_WATERFALL_COL_RECEIVABLE_OUTSTANDING),
    LIVING_FLOOR(civic_waterfall_column.CIVIC_WATERFALL_COL_LIVING_FLOOR),
    FLOOR_GUARANTEED(civic_waterfall_column.CIVIC_WATERFALL_COL_FLOOR_GUARANTEED),
    RECOVERY_CAP(civic_waterfall_column.CIVIC_WATERFALL_COL_RECOVERY_CAP),
    INCOME_PLAN(civic_waterfall_column.CIVIC_WATERFALL_COL_INCOME_PLAN),
    INCOME_AMOUNT(civic_waterfall_column.CIVIC_WATERFALL_COL_INCOME_AMOUNT),
    INCOME_EARMARK(civic_waterfall_column.CIVIC_WATERFALL_COL_INCOME_EARMARK),
    OBLIGATION_PLAN(civic_waterfall_column.CIVIC_WATERFALL_COL_OBLIGATION_PLAN),
    OBLIGATION_CATEGORY(civic_waterfall_column.CIVIC_WATERFALL_COL_OBLIGATION_CATEGORY),
    OBLIGATION_PRIORITY(civic_waterfall_column.CIVIC_WATERFALL_COL_OBLIGATION_PRIORITY),
    OBLIGATION_AMOUNT(civic_waterfall_column.CIVIC_WATERFALL_COL_OBLIGATION_AMOUNT),
    OBLIGATION_GUARANTEED(civic_waterfall_column.CIVIC_WATERFALL_COL_OBLIGATION_GUARANTEED),
    PAID_EARMARKED(civic_waterfall_column.CIVIC_WATERFALL_COL_PAID_EARMARKED),
    PAID_GENERAL(civic_waterfall_column.CIVIC_WATERFALL_COL_PAID_GENERAL),
    COVERED(civic_waterfall_column.CIVIC_WATERFALL_COL_COVERED),
    UNPAID(civic_waterfall_column.CIVIC_WATERFALL_COL_UNPAID),
    LIVING_ALLOWANCE(civic_waterfall_column.CIVIC_WATERFALL_COL_LIVING_ALLOWANCE),
    TOP_UP(civic_waterfall_column.CIVIC_WATERFALL_COL_TOP_UP),
    RECOVERY(civic_waterfall_column.CIVIC_WATERFALL_COL_RECOVERY),
    ADVANCE(civic_waterfall_column.CIVIC_WATERFALL_COL_ADVANCE),
    RECEIVABLE_AFTER(civic_waterfall_column.CIVIC_WATERFALL_COL_RECEIVABLE_AFTER);

    final int code;

    Column(int code) {
      this.code = code;
    }
  }

  private civic_waterfall_batch handle; // null once closed; guarded by this

  public WaterfallBatch() {
    Civic.init();
    civic_waterfall_batch[] h = new civic_waterfall_batch[1];
    CivicSwig.civic_waterfall_batch_new(h);
    handle = h[0];
  }

  /** Replaces input column {@code column} with a copy of {@code values}. */
  public synchronized WaterfallBatch set(Column column, long... values) {
    Objects.requireNonNull(values, "values");
    CivicSwig.civic_waterfall_batch_set_column(live(), column.code, values);
    return this;
  }

  /**
   * Runs every plan, all or nothing.
   *
   * @throws CivicException naming the plan and row ("plan 12: obligation row
   *     40: amount must be >= 0")
   */
  public synchronized void run() {
    try (civic_ctx ctx = Civic.newContext()) {
      CivicSwig.civic_waterfall_batch_run(ctx, live());
    }
  }

  /** A copy of column {@code column} (input, or output after a successful run). */
  public synchronized long[] get(Column column) {
    long n = CivicSwig.civic_waterfall_batch_column_length(live(), column.code);
    long[] out = new long[Math.toIntExact(n)];
    CivicSwig.civic_waterfall_batch_get_column(live(), column.code, out);
    return out;
  }

  @Override
  public synchronized void close() {
    if (handle != null) {
      handle.close();
      handle = null;
    }
  }

  private civic_waterfall_batch live() {
    if (handle == null) {
      throw new IllegalStateException("batch is closed");
    }
    return handle;
  }
}
