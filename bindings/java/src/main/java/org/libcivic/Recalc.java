package org.libcivic;

import java.time.YearMonth;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ctx;
import org.libcivic.swig.civic_recalc_scheme;

/**
 * Life-event recalculation (include/civic/recalc.h, docs/recalc.md): rules
 * as data, household timelines, corrections without debt traps.
 *
 * <p>Thread safety: every method may run on any number of threads; a
 * compiled {@link Scheme} may be shared by them (close waits for calls in
 * flight).
 */
public final class Recalc {
  private Recalc() {}

  /**
   * Recalculates one household from {@code {scheme, timeline, payments,
   * from, to, known_at?, policy}} and returns the JSON result (months,
   * corrections, transfers, recovery plan). Same as
   * {@code Civic.evaluate("recalc", inputJson)}.
   */
  public static String run(String inputJson) {
    Objects.requireNonNull(inputJson, "inputJson");
    Civic.init();
    String[] out = new String[1];
    try (civic_ctx ctx = Civic.newContext()) {
      CivicSwig.civic_recalc_run(ctx, inputJson, out);
    }
    return out[0];
  }

  /** A scheme loaded and checked once, for recalculating many households. */
  public static final class Scheme implements AutoCloseable {
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private civic_recalc_scheme handle; // null once closed; guarded by lock
    private final List<String> benefitIds;

    private Scheme(civic_recalc_scheme handle) {
      this.handle = handle;
      long n = CivicSwig.civic_recalc_scheme_benefit_count(handle);
      List<String> ids = new ArrayList<>();
      for (long i = 0; i < n; i++) {
        ids.add(CivicSwig.civic_recalc_scheme_benefit_id(handle, i));
      }
      this.benefitIds = Collections.unmodifiableList(ids);
    }

    /**
     * Loads and checks a scheme (the JSON object an input's "scheme" member
     * holds, e.g. examples/schemes/nl-participatiewet-2025.json).
     *
     * @throws CivicException "parameter_gap", "parameter_overlap",
     *     "cyclic_rule", "bad_formula", ... naming "scheme...."
     */
    public static Scheme compile(String schemeJson) {
      Objects.requireNonNull(schemeJson, "schemeJson");
      Civic.init();
      civic_recalc_scheme[] h = new civic_recalc_scheme[1];
      try (civic_ctx ctx = Civic.newContext()) {
        CivicSwig.civic_recalc_scheme_new(ctx, schemeJson, h);
      }
      return new Scheme(h[0]);
    }

    /** The scheme's benefit ids, in the order of {@link #due}'s last index. */
    public List<String> benefitIds() {
      return benefitIds;
    }

    /** {@link Recalc#run} with this scheme: the same input without "scheme". */
    public String run(String inputJson) {
      Objects.requireNonNull(inputJson, "inputJson");
      String[] out = new String[1];
      lock.readLock().lock();
      try (civic_ctx ctx = Civic.newContext()) {
        CivicSwig.civic_recalc_run_with_scheme(ctx, live(), inputJson, out);
      } finally {
        lock.readLock().unlock();
      }
      return out[0];
    }

    /**
     * Monthly entitlements (cents, as known now) of many households at once,
     * without corrections: {@code due[h][m][b]} for household h (list order),
     * month m (0 = {@code from}, {@code to} inclusive) and benefit b
     * ({@link #benefitIds()} order).
     *
     * @param timelineJsons each household's timeline, in the form of the
     *     "timeline" member of a {@link Recalc#run} input
     */
    public long[][][] due(YearMonth from, YearMonth to, List<String> timelineJsons) {
      int households = timelineJsons.size();
      int months = Math.toIntExact(ChronoUnit.MONTHS.between(from, to) + 1);
      int benefits = benefitIds.size();
      if (months <= 0) {
        throw new IllegalArgumentException("to is before from");
      }
      String input = "{\"from\": \"" + from + "\", \"to\": \"" + to + "\", \"timelines\": ["
          + String.join(", ", timelineJsons) + "]}";
      long[] flat = new long[Math.multiplyExact(Math.multiplyExact(households, months), benefits)];
      lock.readLock().lock();
      try (civic_ctx ctx = Civic.newContext()) {
        CivicSwig.civic_recalc_due_batch(ctx, live(), input, flat);
      } finally {
        lock.readLock().unlock();
      }
      long[][][] due = new long[households][months][benefits];
      for (int h = 0; h < households; h++) {
        for (int m = 0; m < months; m++) {
          System.arraycopy(flat, (h * months + m) * benefits, due[h][m], 0, benefits);
        }
      }
      return due;
    }

    /** Frees the compiled scheme once no call is using it. Idempotent. */
    @Override
    public void close() {
      lock.writeLock().lock();
      try {
        if (handle != null) {
          handle.close();
          handle = null;
        }
      } finally {
        lock.writeLock().unlock();
      }
    }

    private civic_recalc_scheme live() {
      if (handle == null) {
        throw new IllegalStateException("scheme is closed");
      }
      return handle;
    }
  }
}
