package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettlementTest {
  static final int RESIDENTS = 8;
  static final int PERIODS = 6;
  static final long RENT = 80_000;
  static final long ENERGY = 12_345;

  static long income(int r) {
    return 150_000 + r;
  }

  /**
   * Resident r's month m, settled and closed on day 30: assistance arrives on
   * day 25, rent is due on day 1 (the guarantee fund bridges it until the
   * income lands), energy on day 5. Living allowance = income - rent - energy.
   */
  static String plan(int r, int m) {
    return "{\"resident\": \"r" + r + "\", \"period\": \"2026-0" + (m + 1) + "\", "
        + "\"days\": 30, \"as_of\": 30, \"close\": true, "
        + "\"incomes\": [{\"id\": \"assistance\", \"payer\": \"agency:uwv\", \"amount\": "
        + income(r) + ", \"expected_day\": 25, \"received\": [{\"id\": \"pay-" + m
        + "\", \"day\": 25, \"amount\": " + income(r) + "}]}], "
        + "\"obligations\": [{\"id\": \"rent\", \"category\": \"rent\", \"priority\": 0, "
        + "\"amount\": " + RENT + ", \"guaranteed\": true, \"payee\": \"landlord:woonstad\", "
        + "\"due_day\": 1}, {\"id\": \"energy\", \"category\": \"energy\", \"priority\": 1, "
        + "\"amount\": " + ENERGY + ", \"guaranteed\": true, \"payee\": \"energy:eneco\", "
        + "\"due_day\": 5}], "
        + "\"policy\": {\"living_floor\": 30000, \"floor_guaranteed\": true, \"recovery_cap\": 0}}";
  }

  static void setup(Ledger l) {
    Settlement.setup(l, null, 10_000_000);
    for (int r = 0; r < RESIDENTS; r++) {
      Settlement.grantConsent(l, "r" + r, "municipality", 1_767_225_600L, "escrow");
    }
  }

  static Map<String, Long> balances(Ledger l) {
    Map<String, Long> m = new HashMap<>();
    for (Ledger.AccountBalance b : l.balances()) {
      m.put(b.id(), b.balance());
    }
    return m;
  }

  @Test
  void settleOnePeriodTwiceChangesNothingTheSecondTime() {
    try (Ledger l = Ledger.memory()) {
      setup(l);
      assertTrue(Settlement.hasConsent(l, "r0"));
      String result = Settlement.settle(l, plan(0, 0));
      assertTrue(result.startsWith("{"), result);
      String hash = l.stateHash();
      Settlement.settle(l, plan(0, 0));
      assertEquals(hash, l.stateHash());
      assertFalse(Settlement.statement(result).isBlank());
    }
  }

  @Test
  void noConsentNoSettlement() {
    try (Ledger l = Ledger.memory()) {
      Settlement.setup(l, null, 1_000_000);
      CivicException e = assertThrows(CivicException.class,
          () -> Settlement.settle(l, plan(1, 0)));
      assertEquals("no_consent", e.name());
    }
  }

  @Test
  void formatsEuros() {
    assertEquals("EUR 1234.56", Settlement.formatEur(123_456));
    assertEquals("EUR -12.00", Settlement.formatEur(-1_200));
    assertEquals("EUR -92233720368547758.08", Settlement.formatEur(Long.MIN_VALUE));
  }

  /**
   * Eight threads settle eight residents, six closed months each, against ONE
   * journal-backed ledger handle. Every amount is known in advance, so the
   * final balances are checked exactly, and the journal must replay to the
   * same state hash.
   */
  @Test
  void concurrentSettlementOnOneHandle(@TempDir Path dir) throws Exception {
    Path journal = dir.resolve("settle.journal");
    String hash;
    try (Ledger l = Ledger.create(journal)) {
      setup(l);
      ExecutorService pool = Executors.newFixedThreadPool(RESIDENTS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int r = 0; r < RESIDENTS; r++) {
        final int resident = r;
        done.add(pool.submit(() -> {
          start.await();
          for (int m = 0; m < PERIODS; m++) {
            Settlement.settle(l, plan(resident, m));
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get();
      }
      pool.shutdown();

      Map<String, Long> b = balances(l);
      long incomes = 0;
      for (int r = 0; r < RESIDENTS; r++) {
        incomes += PERIODS * income(r);
        // Whatever is not paid to payees is the resident's: in escrow,
        // buffer or paid out to the bank account.
        long residentSide = b.getOrDefault("escrow:r" + r, 0L)
            + b.getOrDefault("buffer:r" + r, 0L) + b.getOrDefault("bank:r" + r, 0L);
        assertEquals(PERIODS * (income(r) - RENT - ENERGY), residentSide, "resident r" + r);
        assertEquals(0L, b.getOrDefault("receivable:r" + r, 0L), "receivable r" + r);
      }
      assertEquals(-incomes, b.get("agency:uwv"));
      assertEquals((long) RESIDENTS * PERIODS * RENT, b.get("landlord:woonstad"));
      assertEquals((long) RESIDENTS * PERIODS * ENERGY, b.get("energy:eneco"));
      assertEquals(0L, b.get(Settlement.DEFAULT_FUND)); // every bridge repaid
      assertEquals(0L, b.values().stream().mapToLong(Long::longValue).sum());
      hash = l.stateHash();
    }
    try (Ledger l = Ledger.open(journal)) {
      assertEquals(hash, l.stateHash());
    }
  }
}
