package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compiled-scheme paths against the JSON door, on the first successful
 * case of tests/vectors/recalc.json (so no numbers are invented here).
 */
class RecalcTest {
  static JsonNode firstSuccessCase() throws Exception {
    JsonNode doc = VectorsTest.JSON.readTree(VectorsTest.vectorDir().resolve("recalc.json").toFile());
    for (JsonNode c : doc.get("cases")) {
      if (!c.get("expect").has("error")) {
        return c;
      }
    }
    throw new AssertionError("recalc.json has no successful case");
  }

  @Test
  void compiledSchemeMatchesTheJsonDoor() throws Exception {
    JsonNode c = firstSuccessCase();
    ObjectNode input = (ObjectNode) c.get("input");
    String full = VectorsTest.JSON.writeValueAsString(input);
    JsonNode viaEvaluate = VectorsTest.JSON.readTree(Civic.evaluate("recalc", full));
    assertEquals(c.get("expect"), viaEvaluate);
    assertEquals(viaEvaluate, VectorsTest.JSON.readTree(Recalc.run(full)));

    ObjectNode withoutScheme = input.deepCopy();
    withoutScheme.remove("scheme");
    try (Recalc.Scheme scheme = Recalc.Scheme.compile(
        VectorsTest.JSON.writeValueAsString(input.get("scheme")))) {
      assertFalse(scheme.benefitIds().isEmpty());
      assertEquals(viaEvaluate, VectorsTest.JSON.readTree(
          scheme.run(VectorsTest.JSON.writeValueAsString(withoutScheme))));

      // The batch path gives each month's "due" per benefit, as the full run.
      YearMonth from = YearMonth.parse(input.get("from").asText());
      YearMonth to = YearMonth.parse(input.get("to").asText());
      String timeline = VectorsTest.JSON.writeValueAsString(input.get("timeline"));
      long[][][] due = scheme.due(from, to, List.of(timeline, timeline));
      assertEquals(2, due.length);
      JsonNode months = viaEvaluate.get("months");
      assertEquals(months.size(), due[0].length);
      for (int m = 0; m < months.size(); m++) {
        for (JsonNode b : months.get(m).get("benefits")) {
          int idx = scheme.benefitIds().indexOf(b.get("benefit").asText());
          assertTrue(idx >= 0, b.toString());
          assertEquals(b.get("due").longValue(), due[0][m][idx], "month " + m + " " + b);
          assertEquals(due[0][m][idx], due[1][m][idx]);
        }
      }
    }
  }

  @Test
  void exampleSchemeCompiles() throws Exception {
    Path example = VectorsTest.repoRoot().resolve("examples/schemes/nl-participatiewet-2025.json");
    if (!Files.exists(example)) {
      return; // the example ships with the repository, not with every test tree
    }
    try (Recalc.Scheme scheme = Recalc.Scheme.compile(Files.readString(example))) {
      assertFalse(scheme.benefitIds().isEmpty());
    }
  }
}
