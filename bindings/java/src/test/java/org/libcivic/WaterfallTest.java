package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaterfallTest {
  /**
   * By hand (spec section 3): E_rent = 40000 pays rent 40000 earmarked;
   * G = 0 + 120000 = 120000; priority 0: rent still needs 55000, G = 65000;
   * priority 1: energy 15000, G = 50000; recovery = min(10000, 5000,
   * 50000 - 30000) = 5000, G = 45000 = living allowance; nothing covered,
   * no top-up, advance 0; receivable_after = 10000 - 5000 + 0 = 5000.
   */
  static Waterfall.Plan plan() {
    return Waterfall.Plan.builder()
        .income("assistance", 120_000)
        .income("rent-allowance", 40_000, "rent")
        .obligation("rent", "rent", 0, 95_000, true)
        .obligation("energy", "energy", 1, 15_000, true)
        .receivableOutstanding(10_000)
        .policy(30_000, true, 5_000)
        .build();
  }

  @Test
  void handWorkedPlan() {
    Waterfall.Result r = Waterfall.run(plan());
    assertEquals(List.of(
        new Waterfall.ObligationResult("rent", 40_000, 55_000, 0, 0),
        new Waterfall.ObligationResult("energy", 0, 15_000, 0, 0)), r.obligations());
    assertEquals(45_000, r.livingAllowance());
    assertEquals(0, r.topUp());
    assertEquals(5_000, r.recovery());
    assertEquals(0, r.advance());
    assertEquals(5_000, r.receivableAfter());
  }

  @Test
  void agreesWithTheJsonDoor() throws Exception {
    String json = "{\"opening_balance\": 0, \"incomes\": [{\"id\": \"assistance\", \"amount\": "
        + "120000}, {\"id\": \"rent-allowance\", \"amount\": 40000, \"earmark\": \"rent\"}], "
        + "\"obligations\": [{\"id\": \"rent\", \"category\": \"rent\", \"priority\": 0, "
        + "\"amount\": 95000, \"guaranteed\": true}, {\"id\": \"energy\", \"category\": "
        + "\"energy\", \"priority\": 1, \"amount\": 15000, \"guaranteed\": true}], "
        + "\"receivable_outstanding\": 10000, \"policy\": {\"living_floor\": 30000, "
        + "\"floor_guaranteed\": true, \"recovery_cap\": 5000}}";
    JsonNode j = VectorsTest.JSON.readTree(Civic.evaluate("waterfall", json));
    Waterfall.Result r = Waterfall.run(plan());
    assertEquals(r.livingAllowance(), j.get("living_allowance").longValue());
    assertEquals(r.receivableAfter(), j.get("receivable_after").longValue());
    assertEquals(r.obligations().get(0).paidGeneral(),
        j.get("obligations").get(0).get("paid_general").longValue());
  }

  @Test
  void shortfallIsCoveredAndToppedUp() {
    // Income 50000 vs rent 80000 guaranteed: rent paid 50000, covered 30000;
    // G = 0 < floor 20000: top-up 20000; advance = 30000 + 20000 = 50000.
    Waterfall.Result r = Waterfall.run(Waterfall.Plan.builder()
        .income("assistance", 50_000)
        .obligation("rent", "rent", 0, 80_000, true)
        .policy(20_000, true, 0)
        .build());
    assertEquals(new Waterfall.ObligationResult("rent", 0, 50_000, 30_000, 0),
        r.obligations().get(0));
    assertEquals(20_000, r.topUp());
    assertEquals(20_000, r.livingAllowance());
    assertEquals(50_000, r.advance());
    assertEquals(50_000, r.receivableAfter());
  }

  @Test
  void badValueNamesTheItem() {
    CivicException e = assertThrows(CivicException.class, () -> Waterfall.run(
        Waterfall.Plan.builder().obligation("rent", "rent", 0, -1, true).build()));
    assertEquals("negative_amount", e.name());
    assertTrue(e.detail().contains("obligations[0]"), e.detail());
  }

  @Test
  void explanationInPlainWords() {
    String text = Waterfall.explain(plan());
    assertFalse(text.isBlank());
    assertTrue(text.contains("rent"), text);
  }

  /** The same two plans as handWorkedPlan and shortfallIsCoveredAndToppedUp, as columns. */
  @Test
  void columnarBatchAgreesWithSinglePlans() {
    final long rent = 0;
    final long energy = 1;
    try (WaterfallBatch b = new WaterfallBatch()) {
      b.set(WaterfallBatch.Column.OPENING_BALANCE, 0, 0)
          .set(WaterfallBatch.Column.RECEIVABLE_OUTSTANDING, 10_000, 0)
          .set(WaterfallBatch.Column.LIVING_FLOOR, 30_000, 20_000)
          .set(WaterfallBatch.Column.FLOOR_GUARANTEED, 1, 1)
          .set(WaterfallBatch.Column.RECOVERY_CAP, 5_000, 0)
          .set(WaterfallBatch.Column.INCOME_PLAN, 0, 0, 1)
          .set(WaterfallBatch.Column.INCOME_AMOUNT, 120_000, 40_000, 50_000)
          .set(WaterfallBatch.Column.INCOME_EARMARK, -1, rent, -1)
          .set(WaterfallBatch.Column.OBLIGATION_PLAN, 0, 0, 1)
          .set(WaterfallBatch.Column.OBLIGATION_CATEGORY, rent, energy, rent)
          .set(WaterfallBatch.Column.OBLIGATION_PRIORITY, 0, 1, 0)
          .set(WaterfallBatch.Column.OBLIGATION_AMOUNT, 95_000, 15_000, 80_000)
          .set(WaterfallBatch.Column.OBLIGATION_GUARANTEED, 1, 1, 1);
      b.run();
      assertArrayEquals(new long[] {45_000, 20_000}, b.get(WaterfallBatch.Column.LIVING_ALLOWANCE));
      assertArrayEquals(new long[] {5_000, 50_000}, b.get(WaterfallBatch.Column.RECEIVABLE_AFTER));
      assertArrayEquals(new long[] {40_000, 0, 0}, b.get(WaterfallBatch.Column.PAID_EARMARKED));
      assertArrayEquals(new long[] {55_000, 15_000, 50_000}, b.get(WaterfallBatch.Column.PAID_GENERAL));
      assertArrayEquals(new long[] {0, 0, 30_000}, b.get(WaterfallBatch.Column.COVERED));
      b.set(WaterfallBatch.Column.OBLIGATION_AMOUNT, 95_000, -1, 80_000);
      assertEquals("negative_amount", assertThrows(CivicException.class, b::run).name());
    }
  }

  @Test
  void plansAreImmutable() {
    Waterfall.Plan p = plan();
    assertThrows(UnsupportedOperationException.class,
        () -> p.incomes().add(new Waterfall.Income("x", 1, null)));
  }
}
