package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The example of docs/java.md, verbatim between the markers, so it really compiles and runs. */
class DocsExampleTest {
  @Test
  void example() {
    // --- docs/java.md example begins ---
    // 1. Any kind through the JSON door (waterfall, prorate, redeem, tally, split, recalc).
    String out = Civic.evaluate("redeem", """
        {"tokens": 2500, "rate_num": 1, "rate_den": 1, "fee_bp": 150}""");
    // out is {"gross": 2500, "fee": 37, "net": 2463} (key order may differ)

    // 2. Errors are unchecked CivicExceptions with a stable name and the field.
    try {
      Civic.evaluate("redeem", """
          {"tokens": -5, "rate_num": 1, "rate_den": 1, "fee_bp": 0}""");
    } catch (CivicException e) {
      String why = e.name() + " / " + e.detail(); // "negative_amount / tokens: must be >= 0"
    }

    // 3. The waterfall with typed, immutable values.
    Waterfall.Result month = Waterfall.run(Waterfall.Plan.builder()
        .income("assistance", 120_000)              // cents
        .income("rent-allowance", 40_000, "rent")   // earmarked for rent
        .obligation("rent", "rent", 0, 95_000, true)
        .obligation("energy", "energy", 1, 15_000, true)
        .policy(30_000, true, 5_000)                // living floor, guaranteed, recovery cap
        .build());
    long living = month.livingAllowance();          // 50000

    // 4. A ledger handle (in memory here; Ledger.create/open for a journal file).
    try (Ledger ledger = Ledger.memory()) {
      ledger.post("""
          {"assets": [{"code": "EUR", "scale": 2}],
           "accounts": [{"id": "agency", "asset": "EUR", "min_balance": null},
                        {"id": "escrow:r1", "asset": "EUR", "min_balance": 0}],
           "transfers": [{"id": "2026-11-r1-income", "from": "agency", "to": "escrow:r1",
                          "amount": 120000, "asset": "EUR"}]}""");
      long escrow = ledger.balance("escrow:r1");    // 120000
      String hash = ledger.stateHash();             // 64 hex characters
      // --- docs/java.md example ends ---
      assertEquals(120_000, escrow);
      assertEquals(64, hash.length());
    }
    assertTrue(out.contains("\"net\":2463") || out.contains("\"net\": 2463"), out);
    assertEquals(50_000, living);
  }

  /** The docs show exactly the code above (less this file's indentation). */
  @Test
  void docsShowThisCode() throws IOException {
    Path root = VectorsTest.repoRoot();
    List<String> test = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(
        Path.of(System.getProperty("basedir", "."))
            .resolve("src/test/java/org/libcivic/DocsExampleTest.java"))) {
      if (line.contains("--- docs/java.md example ends ---")) {
        break;
      }
      if (in) {
        test.add(line.length() >= 4 ? line.substring(4) : line.strip());
      }
      in |= line.contains("--- docs/java.md example begins ---");
    }
    String doc = Files.readString(root.resolve("docs/java.md"));
    int start = doc.indexOf("```java\nimport org.libcivic.*;\n\n");
    assertTrue(start >= 0, "docs/java.md lost its example block");
    start = doc.indexOf("\n\n", start) + 2;
    int end = doc.indexOf("\n}\n```", start);
    List<String> shown = List.of(doc.substring(start, end).split("\n", -1));
    assertEquals(test, shown);
  }
}
