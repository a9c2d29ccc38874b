package org.libcivic;

import java.util.Objects;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ctx;

/**
 * Monthly settlement of residents' escrow accounts on a {@link Ledger}
 * (include/civic/settle.h, docs/settlement.md): consent, income, obligations
 * paid on their due days, the guarantee fund that bridges and advances,
 * recovery and the living allowance, all derived from the waterfall so the
 * ledger and the math agree to the cent. Every transfer id is deterministic:
 * settling the same plan twice posts nothing.
 *
 * <p>Thread safety: calls for <em>different</em> residents may run from many
 * threads on one Ledger at once; settle one resident from one thread at a
 * time (two concurrent runs for the same resident may collide, and one then
 * fails with nothing changed). Error details are per call (each call has its
 * own native error context), so they are exact even under concurrency.
 */
public final class Settlement {
  /** Default id of the guarantee fund's account. */
  public static final String DEFAULT_FUND = "fund:guarantee";

  private Settlement() {}

  /**
   * Creates the EUR asset (scale 2) and the guarantee fund account with a
   * credit line of {@code creditLine} cents, unless they exist with the same
   * fields.
   *
   * @param fund the fund account id, or null for {@link #DEFAULT_FUND}
   */
  public static void setup(Ledger ledger, String fund, long creditLine) {
    call(ledger, (ctx, h) -> CivicSwig.civic_settle_setup(ctx, h, fund, creditLine));
  }

  /** Records a resident's consent (scope e.g. "escrow"); {@code time} is the caller's clock. */
  public static void grantConsent(
      Ledger ledger, String resident, String actor, long time, String scope) {
    Objects.requireNonNull(resident, "resident");
    call(ledger, (ctx, h) ->
        CivicSwig.civic_settle_consent_grant(ctx, h, resident, actor, time, scope));
  }

  /** Revokes consent: no new period is settled for the resident afterwards. */
  public static void revokeConsent(Ledger ledger, String resident, String actor, long time) {
    Objects.requireNonNull(resident, "resident");
    call(ledger, (ctx, h) ->
        CivicSwig.civic_settle_consent_revoke(ctx, h, resident, actor, time));
  }

  /** Whether the resident's consent is currently granted. */
  public static boolean hasConsent(Ledger ledger, String resident) {
    Objects.requireNonNull(resident, "resident");
    int[] granted = new int[1];
    call(ledger, (ctx, h) ->
        CivicSwig.civic_settle_consent_status(ctx, h, resident, granted));
    return granted[0] != 0;
  }

  /**
   * Settles one resident's period as of a day, all or nothing, from the plan
   * JSON of settle.h ({@code {"resident", "period", "days", "as_of",
   * "incomes", "obligations", "policy", ...}}), and returns the statement as
   * JSON (what came in, what went where, flags, alerts, balances, transfers
   * posted by this call).
   */
  public static String settle(Ledger ledger, String planJson) {
    Objects.requireNonNull(planJson, "planJson");
    String[] out = new String[1];
    call(ledger, (ctx, h) -> CivicSwig.civic_settle_period_json(ctx, h, planJson, out));
    return out[0];
  }

  /** Late-income alerts and flagged residents as of {@code day}, as JSON. */
  public static String alerts(Ledger ledger, int day) {
    String[] out = new String[1];
    call(ledger, (ctx, h) -> CivicSwig.civic_settle_alerts_json(ctx, h, day, out));
    return out[0];
  }

  /** A settle result (from {@link #settle}) as a readable statement for the resident. */
  public static String statement(String resultJson) {
    Objects.requireNonNull(resultJson, "resultJson");
    Civic.init();
    String[] out = new String[1];
    try (civic_ctx ctx = Civic.newContext()) {
      CivicSwig.civic_settle_statement_text(ctx, resultJson, out);
    }
    return out[0];
  }

  /** Cents as "EUR 1234.56" ("EUR -12.00" when negative), as in settle.h. */
  public static String formatEur(long cents) {
    Civic.init();
    String[] out = new String[1];
    CivicSwig.civic_settle_format_eur(cents, out);
    return out[0];
  }

  private interface LedgerCall {
    void run(civic_ctx ctx, org.libcivic.swig.civic_ledger handle);
  }

  private static void call(Ledger ledger, LedgerCall c) {
    Objects.requireNonNull(ledger, "ledger");
    try (civic_ctx ctx = Civic.newContext()) {
      ledger.use(h -> c.run(ctx, h));
    }
  }
}
