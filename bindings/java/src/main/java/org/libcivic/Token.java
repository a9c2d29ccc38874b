package org.libcivic;

import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ctx;

/**
 * Local reward token calculations (spec section 5). Thread safety: every
 * method may run on any number of threads at once.
 */
public final class Token {
  private Token() {}

  /** What a merchant's redemption pays: gross, the fee kept in the reserve, and net paid out. */
  public record Redemption(long gross, long net, long fee) {}

  /**
   * Redeems {@code tokens} units at {@code rateNum/rateDen} EUR minor units per
   * unit with a fee of {@code feeBp} basis points: gross = floor(tokens *
   * rateNum / rateDen) (exact 128-bit product), fee = floor(gross * feeBp /
   * 10000), net = gross - fee.
   *
   * @throws CivicException "negative_amount", "out_of_range" (rateDen <= 0,
   *     feeBp outside 0..10000) or "overflow"
   */
  public static Redemption redeem(long tokens, long rateNum, long rateDen, int feeBp) {
    Civic.init();
    long[] gross = new long[1];
    long[] net = new long[1];
    long[] fee = new long[1];
    try (civic_ctx ctx = Civic.newContext()) {
      CivicSwig.civic_redeem(ctx, tokens, rateNum, rateDen, feeBp, gross, net, fee);
    }
    return new Redemption(gross[0], net[0], fee[0]);
  }
}
