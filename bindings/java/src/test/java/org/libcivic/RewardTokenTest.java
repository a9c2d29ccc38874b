package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RewardTokenTest {
  static final long T0 = 1_767_225_600L; // 2026-01-01 00:00 UTC
  static final long DAY = 86_400;

  @Test
  void taskRewardSpendRedeem() {
    try (Ledger ledger = Ledger.memory();
        RewardToken hln = RewardToken.setup(ledger,
            "{\"code\": \"HLN\", \"issuer\": \"heerlen\"}", T0)) {
      hln.fundReserve("heerlen", 100_000, T0);           // EUR 1,000.00
      hln.registerEntrepreneur("heerlen", "bakker", "centrum", T0);
      hln.createTask("heerlen", "{\"id\": \"t1\", \"title\": \"Park cleanup\", "
          + "\"domain\": \"public_space\", \"zone\": \"centrum\", \"reward\": 25, "
          + "\"capacity\": 2, \"start\": " + T0 + ", \"end\": " + (T0 + 7 * DAY) + "}", T0);
      hln.publishTask("heerlen", "t1", T0 + 1);
      hln.commit("c1", "t1", T0 + 2);
      hln.submit("c1", "t1", "photo:1", T0 + 3);
      hln.approve("heerlen", "t1", "c1", T0 + 4);
      assertEquals(25, hln.balance("c1", T0 + 5));
      assertEquals("already_rewarded", assertThrows(CivicException.class,
          () -> hln.approve("heerlen", "t1", "c1", T0 + 6)).name());

      hln.spend("c1", "bakker", 10, T0 + 7);
      assertEquals(15, hln.balance("c1", T0 + 8));
      // Default rate 100 cents per token, no fee: gross = floor(10 * 100 / 1) = 1000.
      assertEquals(new Token.Redemption(1000, 1000, 0), hln.redeem("bakker", 10, T0 + 9));
      assertEquals(1000, ledger.balance("HLN:payout:bakker"));
      assertEquals("insufficient_tokens", assertThrows(CivicException.class,
          () -> hln.spend("c1", "bakker", 16, T0 + 10)).name());
      assertTrue(hln.dashboardJson().contains("\"supply\""));
    }
  }

  @Test
  void reloadFromTheJournal() {
    try (Ledger ledger = Ledger.memory()) {
      try (RewardToken t = RewardToken.setup(ledger, "{\"code\": \"HLN\", \"issuer\": \"h\"}", T0)) {
        t.fundReserve("h", 5_000, T0);
      }
      try (RewardToken t = RewardToken.load(ledger, "HLN")) {
        assertTrue(t.dashboardJson().contains("5000"));
      }
      assertEquals("unknown_reference",
          assertThrows(CivicException.class, () -> RewardToken.load(ledger, "XYZ")).name());
    }
  }

  @Test
  void pseudonymsDifferPerPoll() {
    String key = "00".repeat(32);
    String a = RewardToken.voterPseudonym(key, "poll-1", "c1");
    String b = RewardToken.voterPseudonym(key, "poll-2", "c1");
    assertEquals(64, a.length());
    assertTrue(!a.equals(b));
  }
}
