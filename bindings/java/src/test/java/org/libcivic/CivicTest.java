package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class CivicTest {
  @Test
  void versionMatchesTheHeaders() {
    assertEquals("0.1.0", Civic.version());
  }

  @Test
  void redeemIsExactNearInt64Max() throws Exception {
    // gross = floor(t * num / den) with a 128-bit product: t*2/2 = t.
    String out = Civic.evaluate("redeem",
        "{\"tokens\": 9223372036854775807, \"rate_num\": 2, \"rate_den\": 2, \"fee_bp\": 0}");
    JsonNode r = VectorsTest.JSON.readTree(out);
    assertEquals(new BigInteger("9223372036854775807"), r.get("gross").bigIntegerValue());
    assertEquals(new BigInteger("9223372036854775807"), r.get("net").bigIntegerValue());
  }

  @Test
  void badInputThrowsWithCodeNameAndField() {
    CivicException e = assertThrows(CivicException.class, () -> Civic.evaluate("redeem",
        "{\"tokens\": -1, \"rate_num\": 1, \"rate_den\": 1, \"fee_bp\": 0}"));
    assertEquals("negative_amount", e.name());
    assertEquals(7, e.code());
    assertTrue(e.detail().contains("tokens"), e.detail());
    assertTrue(e.getMessage().startsWith("negative_amount: "), e.getMessage());
  }

  @Test
  void outOfInt64AndFractionsAreRefused() {
    assertEquals("overflow", assertThrows(CivicException.class, () -> Civic.evaluate("redeem",
        "{\"tokens\": 9223372036854775808, \"rate_num\": 1, \"rate_den\": 1, \"fee_bp\": 0}"))
        .name());
    assertEquals("not_integer", assertThrows(CivicException.class, () -> Civic.evaluate("redeem",
        "{\"tokens\": 1.5, \"rate_num\": 1, \"rate_den\": 1, \"fee_bp\": 0}")).name());
  }

  @Test
  void unknownKindAndMalformedJson() {
    assertEquals("unknown_kind",
        assertThrows(CivicException.class, () -> Civic.evaluate("nope", "{}")).name());
    assertEquals("malformed_json",
        assertThrows(CivicException.class, () -> Civic.evaluate("redeem", "{")).name());
  }

  @Test
  void nulInsideTheTextIsRefusedNotTruncated() {
    assertThrows(IllegalArgumentException.class, () -> Civic.evaluate("redeem",
        "{\"tokens\": 1, \"rate_num\": 1, \"rate_den\": 1, \"fee_bp\": 0}\0garbage"));
  }

  @Test
  void nonAsciiIdsRoundTripAsUtf8() throws Exception {
    // A character outside the BMP would be mangled by JNI's modified UTF-8.
    String id = "\u00e9t\u00e9-\uD83C\uDFE0";
    String out = Civic.evaluate("tally", "{\"method\": \"approval\", \"proposals\": "
        + "[{\"id\": \"" + id + "\", \"cost\": 0}], \"ballots\": [{\"voter\": \"v\", "
        + "\"approvals\": [\"" + id + "\"]}]}");
    JsonNode r = VectorsTest.JSON.readTree(out);
    assertEquals(id, r.get("ranking").get(0).get("id").asText());
  }

  @Test
  void prorateByHand() {
    // 31-day month, 123457 from day 10: half_up(123457*31/31) - half_up(123457*10/31)
    // = 123457 - floor((2*1234570 + 31) / 62) = 123457 - 39825 = 83632.
    assertEquals(83_632, Civic.prorate(123_457, 10, 31, 31));
    assertEquals("out_of_range",
        assertThrows(CivicException.class, () -> Civic.prorate(1, 0, 1, 27)).name());
  }

  @Test
  void evaluateFromManyThreadsGivesOneAnswer() throws Exception {
    String in = "{\"total\": 1000, \"claims\": [{\"id\": \"a\", \"amount\": 1000}, "
        + "{\"id\": \"b\", \"amount\": 1000}, {\"id\": \"c\", \"amount\": 1000}]}";
    String want = Civic.evaluate("split", in);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.List<java.util.concurrent.Future<Boolean>> all = new java.util.ArrayList<>();
    for (int t = 0; t < 8; t++) {
      all.add(pool.submit(() -> {
        for (int i = 0; i < 500; i++) {
          if (!Civic.evaluate("split", in).equals(want)) {
            return false;
          }
          // Errors interleaved with successes keep their own messages.
          CivicException e = assertThrows(CivicException.class, () -> Civic.evaluate("split",
              "{\"total\": -1, \"claims\": [{\"id\": \"a\", \"amount\": 1}]}"));
          if (!e.detail().contains("total")) {
            return false;
          }
        }
        return true;
      }));
    }
    for (java.util.concurrent.Future<Boolean> f : all) {
      assertTrue(f.get());
    }
    pool.shutdown();
  }

  @Test
  void statusNamesAndSentences() {
    assertEquals("negative_amount", Civic.statusName(7));
    assertFalse(Civic.statusMessage(7).isEmpty());
  }

  @Test
  void everyListedKindIsKnownToTheLibrary() {
    for (String kind : Civic.KINDS) {
      CivicException e = assertThrows(CivicException.class, () -> Civic.evaluate(kind, "{}"));
      assertTrue(!e.name().equals("unknown_kind"), kind + " is not known to libcivic");
    }
  }

  @Test
  void nativeLibraryComesFromTheJarOrThePathOverride() {
    assertEquals("linux-x86_64", NativeLibrary.platform());
  }
}
