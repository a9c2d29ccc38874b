package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TokenTest {
  @Test
  void redeemByHand() {
    // gross = floor(2500 * 1 / 1) = 2500; fee = floor(2500 * 150 / 10000) = 37; net = 2463.
    assertEquals(new Token.Redemption(2500, 2463, 37), Token.redeem(2500, 1, 1, 150));
    // A 128-bit product: floor(MAX * 3 / 3) = MAX.
    assertEquals(Long.MAX_VALUE, Token.redeem(Long.MAX_VALUE, 3, 3, 0).gross());
  }

  @Test
  void refusals() {
    assertEquals("out_of_range",
        assertThrows(CivicException.class, () -> Token.redeem(1, 1, 0, 0)).name());
    assertEquals("overflow",
        assertThrows(CivicException.class, () -> Token.redeem(Long.MAX_VALUE, 2, 1, 0)).name());
  }
}
