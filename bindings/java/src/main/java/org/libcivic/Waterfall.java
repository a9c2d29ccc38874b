package org.libcivic;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ctx;
import org.libcivic.swig.civic_waterfall_flags;
import org.libcivic.swig.civic_waterfall_plan;
import org.libcivic.swig.civic_waterfall_result;

/**
 * The benefit-priority waterfall of spec section 3 (one resident, one period)
 * with immutable Java values, over the C plan/result API.
 *
 * <pre>{@code
 * Waterfall.Plan plan = Waterfall.Plan.builder()
 *     .income("assistance", 120_000)
 *     .income("rent-allowance", 40_000, "rent")
 *     .obligation("rent", "rent", 0, 95_000, true)
 *     .policy(30_000, true, 5_000)
 *     .build();
 * Waterfall.Result r = Waterfall.run(plan);
 * }</pre>
 *
 * <p>Amounts are long minor units (cents). Values are checked by the library
 * when the plan runs; bad values throw {@link CivicException} naming the item
 * exactly as the JSON form would ("obligations[2].amount: must be >= 0").
 * Thread safety: every method may run on any number of threads at once.
 */
public final class Waterfall {
  private Waterfall() {}

  /** An income; {@code earmark} names an obligation category, or is null for general income. */
  public record Income(String id, long amount, String earmark) {
    public Income {
      Objects.requireNonNull(id, "id");
    }
  }

  /** An obligation of the period; lower priority is paid first. */
  public record Obligation(
      String id, String category, long priority, long amount, boolean guaranteed) {
    public Obligation {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(category, "category");
    }
  }

  /** The municipality's policy: protected living floor, whether the fund tops up to it, recovery cap. */
  public record Policy(long livingFloor, boolean floorGuaranteed, long recoveryCap) {}

  /** One resident's plan for one period (spec section 3 "Input"). Immutable. */
  public record Plan(
      long openingBalance,
      List<Income> incomes,
      List<Obligation> obligations,
      long receivableOutstanding,
      Policy policy) {
    public Plan {
      incomes = List.copyOf(incomes);
      obligations = List.copyOf(obligations);
      Objects.requireNonNull(policy, "policy");
    }

    public static Builder builder() {
      return new Builder();
    }
  }

  /** Builds a {@link Plan}; every amount defaults to 0 and the policy to all zero. */
  public static final class Builder {
    private long openingBalance;
    private long receivableOutstanding;
    private final List<Income> incomes = new ArrayList<>();
    private final List<Obligation> obligations = new ArrayList<>();
    private Policy policy = new Policy(0, false, 0);

    private Builder() {}

    public Builder openingBalance(long amount) {
      this.openingBalance = amount;
      return this;
    }

    public Builder receivableOutstanding(long amount) {
      this.receivableOutstanding = amount;
      return this;
    }

    /** A general (non-earmarked) income. */
    public Builder income(String id, long amount) {
      incomes.add(new Income(id, amount, null));
      return this;
    }

    /** An income earmarked for obligation category {@code earmark}. */
    public Builder income(String id, long amount, String earmark) {
      incomes.add(new Income(id, amount, earmark));
      return this;
    }

    public Builder obligation(
        String id, String category, long priority, long amount, boolean guaranteed) {
      obligations.add(new Obligation(id, category, priority, amount, guaranteed));
      return this;
    }

    public Builder policy(long livingFloor, boolean floorGuaranteed, long recoveryCap) {
      this.policy = new Policy(livingFloor, floorGuaranteed, recoveryCap);
      return this;
    }

    public Plan build() {
      return new Plan(openingBalance, incomes, obligations, receivableOutstanding, policy);
    }
  }

  /** What happened to one obligation: paid from earmarked / general funds, covered by the fund, unpaid. */
  public record ObligationResult(
      String id, long paidEarmarked, long paidGeneral, long covered, long unpaid) {}

  /** The outcome of a period (spec section 3 "Output"); obligations in plan order. */
  public record Result(
      List<ObligationResult> obligations,
      long livingAllowance,
      long topUp,
      long recovery,
      long advance,
      long receivableAfter) {
    public Result {
      obligations = List.copyOf(obligations);
    }
  }

  /** Runs the waterfall over {@code plan}. */
  public static Result run(Plan plan) {
    Civic.init();
    try (civic_waterfall_plan p = load(plan);
        civic_waterfall_result r = newResult();
        civic_ctx ctx = Civic.newContext()) {
      CivicSwig.civic_waterfall_run(ctx, p, civic_waterfall_flags.CIVIC_WATERFALL_DEFAULT, r);
      return read(r);
    }
  }

  /**
   * Runs the waterfall and explains it in plain English, one sentence per
   * line ("EUR 650.00 of your rent allowance went to rent (earmarked)"), for a
   * resident or a caseworker.
   */
  public static String explain(Plan plan) {
    Civic.init();
    try (civic_waterfall_plan p = load(plan);
        civic_waterfall_result r = newResult();
        civic_ctx ctx = Civic.newContext()) {
      CivicSwig.civic_waterfall_run(ctx, p, civic_waterfall_flags.CIVIC_WATERFALL_TRACE, r);
      String[] text = new String[1];
      CivicSwig.civic_waterfall_result_explain_text(ctx, r, text);
      return text[0];
    }
  }

  private static civic_waterfall_plan load(Plan plan) {
    Objects.requireNonNull(plan, "plan");
    civic_waterfall_plan[] h = new civic_waterfall_plan[1];
    CivicSwig.civic_waterfall_plan_new(h);
    civic_waterfall_plan p = h[0];
    try {
      CivicSwig.civic_waterfall_plan_set_balances(
          p, plan.openingBalance(), plan.receivableOutstanding());
      Policy pol = plan.policy();
      CivicSwig.civic_waterfall_plan_set_policy(
          p, pol.livingFloor(), pol.floorGuaranteed() ? 1 : 0, pol.recoveryCap());
      for (Income i : plan.incomes()) {
        CivicSwig.civic_waterfall_plan_add_income(p, i.id(), i.amount(), i.earmark());
      }
      for (Obligation o : plan.obligations()) {
        CivicSwig.civic_waterfall_plan_add_obligation(
            p, o.id(), o.category(), o.priority(), o.amount(), o.guaranteed() ? 1 : 0);
      }
      return p;
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
  }

  private static civic_waterfall_result newResult() {
    civic_waterfall_result[] h = new civic_waterfall_result[1];
    CivicSwig.civic_waterfall_result_new(h);
    return h[0];
  }

  private static Result read(civic_waterfall_result r) {
    long n = CivicSwig.civic_waterfall_result_obligation_count(r);
    List<ObligationResult> obligations = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      obligations.add(new ObligationResult(
          CivicSwig.civic_waterfall_result_obligation_id(r, i),
          CivicSwig.civic_waterfall_result_paid_earmarked(r, i),
          CivicSwig.civic_waterfall_result_paid_general(r, i),
          CivicSwig.civic_waterfall_result_covered(r, i),
          CivicSwig.civic_waterfall_result_unpaid(r, i)));
    }
    return new Result(
        Collections.unmodifiableList(obligations),
        CivicSwig.civic_waterfall_result_living_allowance(r),
        CivicSwig.civic_waterfall_result_top_up(r),
        CivicSwig.civic_waterfall_result_recovery(r),
        CivicSwig.civic_waterfall_result_advance(r),
        CivicSwig.civic_waterfall_result_receivable_after(r));
  }
}
