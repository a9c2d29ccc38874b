package org.libcivic;

import java.util.List;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ctx;

/**
 * Entry point of the libcivic Java binding: the stateless evaluations of
 * spec section 8 (JSON object in, JSON object out) and the library version.
 *
 * <p>Thread safety: every method may be called from any number of threads at
 * once; each call uses its own native error context.
 */
public final class Civic {
  static {
    NativeLibrary.load();
    CivicSwig.civic_init();
  }

  /** Kinds accepted by {@link #evaluate} (as in libcivic/evaluate.c). */
  public static final List<String> KINDS =
      List.of("waterfall", "prorate", "redeem", "tally", "split", "recalc");

  private Civic() {}

  /**
   * Evaluates one input object of a kind ("waterfall", "prorate", "redeem",
   * "tally", "split", "recalc"; see {@link #KINDS}) and returns the output object as compact JSON text.
   * Integers are read exactly over the whole int64 range; a fraction, an
   * exponent or a literal outside int64 is refused.
   *
   * @throws CivicException with the status name (e.g. "negative_amount") and a
   *     message naming the field, for any bad input or an unknown kind
   * @throws NullPointerException if kind or json is null
   */
  public static String evaluate(String kind, String json) {
    if (kind == null || json == null) {
      throw new NullPointerException("kind and json must not be null");
    }
    try (civic_ctx ctx = newContext()) {
      String[] out = new String[1];
      CivicSwig.civic_evaluate(ctx, kind, json, out);
      return out[0];
    }
  }

  /**
   * A monthly {@code amount} in force on days [start, end) of a month of
   * {@code daysInMonth} days (day 0 is the 1st), spec section 4:
   * half_up(amount * end / D) - half_up(amount * start / D).
   *
   * @throws CivicException "negative_amount" or "out_of_range"
   */
  public static long prorate(long amount, int start, int end, int daysInMonth) {
    long[] out = new long[1];
    try (civic_ctx ctx = newContext()) {
      CivicSwig.civic_prorate_amount(ctx, out, amount, start, end, daysInMonth);
    }
    return out[0];
  }

  /** The native library's release version, e.g. "0.1.0". */
  public static String version() {
    return CivicSwig.civic_version_string();
  }

  /** The stable snake_case name of a status code ("negative_amount"). */
  public static String statusName(int code) {
    return CivicSwig.civic_status_name(code);
  }

  /** One English sentence describing a status code. */
  public static String statusMessage(int code) {
    return CivicSwig.civic_strerror(code);
  }

  /** Makes sure the native library is loaded and initialised. */
  static void init() {
    // Running the static initialiser is the whole point.
  }

  static civic_ctx newContext() {
    civic_ctx[] holder = new civic_ctx[1];
    CivicSwig.civic_ctx_new(holder);
    return holder[0];
  }
}
