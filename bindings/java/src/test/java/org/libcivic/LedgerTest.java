package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerTest {
  static final int THREADS = 8;
  static final int MONTHS = 250;
  static final long RENT = 80_000;
  static final long ENERGY = 12_345;

  static String setupBatch() {
    StringBuilder b = new StringBuilder("{\"assets\": [{\"code\": \"EUR\", \"scale\": 2}], "
        + "\"accounts\": [{\"id\": \"agency\", \"asset\": \"EUR\", \"min_balance\": null}, "
        + "{\"id\": \"landlord\", \"asset\": \"EUR\", \"min_balance\": 0}, "
        + "{\"id\": \"energy\", \"asset\": \"EUR\", \"min_balance\": 0}");
    for (int r = 0; r < THREADS; r++) {
      b.append(", {\"id\": \"escrow:r").append(r).append("\", \"asset\": \"EUR\", \"min_balance\": 0}");
    }
    return b.append("]}").toString();
  }

  static long income(int resident) {
    return 150_000 + resident;
  }

  /** One resident's month: income in, rent and energy out, all in one batch. */
  static String monthBatch(int r, int m) {
    String p = "r" + r + "-m" + m;
    return "{\"transfers\": ["
        + "{\"id\": \"" + p + "-income\", \"from\": \"agency\", \"to\": \"escrow:r" + r
        + "\", \"amount\": " + income(r) + ", \"asset\": \"EUR\"}, "
        + "{\"id\": \"" + p + "-rent\", \"from\": \"escrow:r" + r
        + "\", \"to\": \"landlord\", \"amount\": " + RENT + ", \"asset\": \"EUR\"}, "
        + "{\"id\": \"" + p + "-energy\", \"from\": \"escrow:r" + r
        + "\", \"to\": \"energy\", \"amount\": " + ENERGY + ", \"asset\": \"EUR\"}]}";
  }

  @Test
  void postBalanceAndHash() {
    try (Ledger l = Ledger.memory()) {
      String empty = l.stateHash();
      assertEquals(64, empty.length());
      l.post(setupBatch());
      Ledger.PostResult p = l.post(monthBatch(0, 0));
      assertEquals(3, p.applied());
      assertEquals(0, p.skipped());
      assertEquals(income(0) - RENT - ENERGY, l.balance("escrow:r0"));
      assertEquals(-income(0), l.balance("agency"));
      // A retry of the same batch changes nothing.
      Ledger.PostResult again = l.post(monthBatch(0, 0));
      assertEquals(0, again.applied());
      assertEquals(3, again.skipped());
      assertNotEquals(empty, l.stateHash());
      long sum = l.balances().stream().mapToLong(Ledger.AccountBalance::balance).sum();
      assertEquals(0, sum);
      assertTrue(l.balancesJson().contains(l.stateHash()));
    }
  }

  @Test
  void refusedBatchChangesNothing() {
    try (Ledger l = Ledger.memory()) {
      l.post(setupBatch());
      String before = l.stateHash();
      // Rent before any income would take escrow:r1 below its minimum of 0.
      String overdraw = "{\"transfers\": [{\"id\": \"x\", \"from\": \"escrow:r1\", "
          + "\"to\": \"landlord\", \"amount\": 1, \"asset\": \"EUR\"}]}";
      CivicException e = assertThrows(CivicException.class, () -> l.post(overdraw));
      assertTrue(e.code() != 0);
      assertEquals(before, l.stateHash());
      assertThrows(CivicException.class, () -> l.balance("no-such-account"));
    }
  }

  @Test
  void historyAndPointInTimeBalances(@TempDir Path dir) throws Exception {
    Path journal = dir.resolve("h.journal");
    try (Ledger l = Ledger.create(journal)) {
      l.post(setupBatch());
      long first = l.post(monthBatch(2, 0)).position();
      l.post(monthBatch(2, 1));
      assertEquals(2 * (income(2) - RENT - ENERGY), l.balance("escrow:r2"));
      assertEquals(income(2) - RENT - ENERGY, l.balanceAt("escrow:r2", first));
      assertTrue(l.historyJson("escrow:r2").contains("r2-m1-rent"));
      assertTrue(l.accountJson("escrow:r2").contains("\"min_balance\":0"));
      assertEquals(first + 1, l.position());
    }
    assertTrue(Ledger.verifyFile(journal).contains("\"ok\":true"));
    // Flip one byte in the middle of the journal: verification must name it.
    byte[] bytes = java.nio.file.Files.readAllBytes(journal);
    bytes[bytes.length / 2] ^= 0x01;
    java.nio.file.Files.write(journal, bytes);
    CivicException e = assertThrows(CivicException.class, () -> Ledger.verifyFile(journal));
    assertTrue(e.detail().contains("\"ok\":false"), e.detail());
  }

  @Test
  void signedBatches(@TempDir Path dir) {
    Ledger.KeyPair uwv = Ledger.newKeyPair();
    assertEquals(64, uwv.publicKeyHex().length());
    assertEquals(128, uwv.secretKeyHex().length());
    assertTrue(!uwv.toString().contains(uwv.secretKeyHex()));
    Path journal = dir.resolve("signed.journal");
    try (Ledger l = Ledger.create(journal)) {
      l.post(setupBatch());
      l.post("{\"events\": [{\"id\": \"key-uwv-1\", \"type\": \"civic.key.register\", "
          + "\"actor\": \"uwv\", \"time\": 0, \"data\": {\"key\": \"uwv-1\", "
          + "\"public_key\": \"" + uwv.publicKeyHex() + "\"}}]}");
      assertEquals(3, l.postSigned(monthBatch(4, 0), "uwv-1", uwv.secretKeyHex()).applied());
      String before = l.stateHash();
      Ledger.KeyPair forger = Ledger.newKeyPair();
      assertThrows(CivicException.class,
          () -> l.postSigned(monthBatch(4, 1), "uwv-1", forger.secretKeyHex()));
      assertEquals(before, l.stateHash());
    }
    assertTrue(Ledger.verifyFile(journal).contains("\"ok\":true"));
  }

  @Test
  void closedLedgerRefusesCalls() {
    Ledger l = Ledger.memory();
    l.close();
    l.close(); // idempotent
    assertThrows(IllegalStateException.class, l::stateHash);
  }

  @Test
  void journalReopensToTheSameState(@TempDir Path dir) {
    Path journal = dir.resolve("city.journal");
    String hash;
    try (Ledger l = Ledger.create(journal)) {
      l.post(setupBatch());
      l.post(monthBatch(3, 0));
      hash = l.stateHash();
    }
    try (Ledger l = Ledger.open(journal)) {
      assertEquals(hash, l.stateHash());
      assertEquals(income(3) - RENT - ENERGY, l.balance("escrow:r3"));
    }
    assertEquals("io_error", assertThrows(CivicException.class, () -> Ledger.create(journal)).name());
  }

  /**
   * Eight threads post different residents' months against ONE handle (the
   * C ledger is documented thread-safe), each month also retried once; the
   * final balances must be exact and the journal must replay to the same hash.
   */
  @Test
  void concurrentPostsOnOneHandle(@TempDir Path dir) throws Exception {
    Path journal = dir.resolve("concurrent.journal");
    String hash;
    try (Ledger l = Ledger.create(journal)) {
      l.post(setupBatch());
      ExecutorService pool = Executors.newFixedThreadPool(THREADS);
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Long>> done = new ArrayList<>();
      for (int r = 0; r < THREADS; r++) {
        final int resident = r;
        done.add(pool.submit(() -> {
          start.await();
          long skipped = 0;
          for (int m = 0; m < MONTHS; m++) {
            l.post(monthBatch(resident, m));
            skipped += l.post(monthBatch(resident, m)).skipped(); // safe retry
            l.balance("escrow:r" + resident); // queries interleave with posts
          }
          return skipped;
        }));
      }
      start.countDown();
      for (Future<Long> f : done) {
        assertEquals(3L * MONTHS, f.get());
      }
      pool.shutdown();

      long incomes = 0;
      for (int r = 0; r < THREADS; r++) {
        assertEquals(MONTHS * (income(r) - RENT - ENERGY), l.balance("escrow:r" + r));
        incomes += MONTHS * income(r);
      }
      assertEquals(-incomes, l.balance("agency"));
      assertEquals((long) THREADS * MONTHS * RENT, l.balance("landlord"));
      assertEquals((long) THREADS * MONTHS * ENERGY, l.balance("energy"));
      assertEquals(0, l.balances().stream().mapToLong(Ledger.AccountBalance::balance).sum());
      hash = l.stateHash();
    }
    try (Ledger l = Ledger.open(journal)) {
      assertEquals(hash, l.stateHash());
    }
  }
}
