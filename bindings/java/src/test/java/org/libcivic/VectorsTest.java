package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every golden vector (tests/vectors/*.json) through Civic.evaluate with
 * the shuffle rule of tests/vectors/README.md, and writes the Java report
 * (one JSON line per case) to CIVIC_VECTOR_REPORT.
 */
class VectorsTest {
  /** Integers exact (BigInteger), fractions kept as written (BigDecimal). */
  static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
      .build();
  static final long[] SEEDS = {1, 2, 3, 4, 5};

  private static final List<String> REPORT = new ArrayList<>();

  static Path repoRoot() {
    String p = System.getProperty("civic.source.dir");
    return (p != null ? Path.of(p) : Path.of("../..")).toAbsolutePath().normalize();
  }

  static Path vectorDir() {
    String env = System.getenv("CIVIC_VECTOR_DIR");
    return env != null && !env.isEmpty() ? Path.of(env) : repoRoot().resolve("tests/vectors");
  }

  static Path reportPath() {
    String p = System.getProperty("CIVIC_VECTOR_REPORT");
    if (p == null || p.isEmpty()) {
      p = System.getenv("CIVIC_VECTOR_REPORT");
    }
    return p != null && !p.isEmpty()
        ? Path.of(p)
        : repoRoot().resolve("build/vector-report-java.jsonl");
  }

  @TestFactory
  Stream<DynamicNode> vectors() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(vectorDir())) {
      files = s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted()
          .collect(Collectors.toList());
    }
    assertFalse(files.isEmpty(), "no vector files in " + vectorDir());
    List<DynamicNode> nodes = new ArrayList<>();
    for (Path f : files) {
      JsonNode doc = JSON.readTree(f.toFile());
      String kind = doc.get("kind").asText();
      String file = f.getFileName().toString();
      List<DynamicTest> cases = new ArrayList<>();
      for (JsonNode c : doc.get("cases")) {
        String name = c.get("name").asText();
        cases.add(DynamicTest.dynamicTest(name, () -> runCase(file, kind, name, c)));
      }
      nodes.add(DynamicContainer.dynamicContainer(file, cases));
    }
    return nodes.stream();
  }

  @AfterAll
  static void writeReport() throws IOException {
    Path report = reportPath();
    if (report.getParent() != null) {
      Files.createDirectories(report.getParent());
    }
    Path tmp = report.resolveSibling(report.getFileName() + ".tmp");
    List<String> lines;
    synchronized (REPORT) {
      lines = new ArrayList<>(REPORT);
    }
    Files.write(tmp, lines, StandardCharsets.UTF_8);
    Files.move(tmp, report, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void runCase(String file, String kind, String name, JsonNode c)
      throws IOException {
    JsonNode input = c.get("input");
    JsonNode expect = c.get("expect");
    String failure = check(kind, input, expect, null);
    int shuffles = 0;
    if (failure == null && hasList(input)) {
      for (long seed : SEEDS) {
        Map<String, int[]> perms = new HashMap<>();
        JsonNode shuffled = shuffle(input, new SplitMix64(seed), "", perms);
        String f = check(kind, shuffled, expect, perms.get("/segments"));
        if (f != null) {
          failure = "seed " + seed + ": " + f;
          break;
        }
        shuffles++;
      }
    }
    ObjectNode line = JSON.createObjectNode();
    line.put("lang", "java").put("file", file).put("case", name)
        .put("shuffles", shuffles).put("ok", failure == null);
    if (failure != null) {
      line.put("detail", failure.length() > 400 ? failure.substring(0, 400) : failure);
    }
    synchronized (REPORT) {
      REPORT.add(JSON.writeValueAsString(line));
    }
    final String why = failure;
    assertTrue(why == null, () -> file + " / " + name + ": " + why);
  }

  /** null when the result matches, else what differed. */
  private static String check(String kind, JsonNode input, JsonNode expect, int[] segmentPerm)
      throws IOException {
    String text = JSON.writeValueAsString(input);
    boolean wantError = expect.size() == 1 && expect.has("error");
    String out;
    try {
      out = Civic.evaluate(kind, text);
    } catch (CivicException e) {
      if (wantError && e.name().equals(expect.get("error").asText())) {
        return null;
      }
      return "expected " + expect + ", got error " + e.name() + " (" + e.detail() + ")";
    }
    if (wantError) {
      return "expected error " + expect.get("error").asText() + ", got " + out;
    }
    JsonNode actual = JSON.readTree(out);
    JsonNode want = expect;
    if (kind.equals("waterfall")) {
      want = byId(want, "obligations");
      actual = byId(actual, "obligations");
    } else if (kind.equals("split")) {
      want = byId(want, "shares");
      actual = byId(actual, "shares");
    } else if (kind.equals("prorate") && segmentPerm != null && actual.has("segments")) {
      actual = unpermute((ObjectNode) actual, segmentPerm);
    }
    return want.equals(actual) ? null : "expected " + expect + ", got " + out;
  }

  /** A copy whose array `key` is replaced by an object keyed by each entry's id. */
  private static JsonNode byId(JsonNode o, String key) {
    if (!o.isObject() || !o.path(key).isArray()) {
      return o;
    }
    ObjectNode copy = ((ObjectNode) o).deepCopy();
    ObjectNode m = JSON.createObjectNode();
    ArrayNode dups = JSON.createArrayNode();
    for (JsonNode e : o.get(key)) {
      String id = e.path("id").asText();
      if (m.has(id)) {
        dups.add(e); // an id twice: keep it visible so counts still compare
      }
      m.set(id, e);
    }
    copy.set(key, m);
    if (!dups.isEmpty()) {
      copy.set(key + "#dups", dups);
    }
    return copy;
  }

  /** actual.segments[i] came from original position perm[i]: put it back there. */
  private static JsonNode unpermute(ObjectNode actual, int[] perm) {
    JsonNode segs = actual.get("segments");
    if (segs.size() != perm.length) {
      return actual;
    }
    JsonNode[] back = new JsonNode[perm.length];
    for (int i = 0; i < perm.length; i++) {
      back[perm[i]] = segs.get(i);
    }
    ObjectNode copy = actual.deepCopy();
    ArrayNode a = copy.putArray("segments");
    for (JsonNode n : back) {
      a.add(n);
    }
    return copy;
  }

  static boolean hasList(JsonNode n) {
    if (n.isArray()) {
      if (n.size() >= 2) {
        return true;
      }
      for (JsonNode e : n) {
        if (hasList(e)) {
          return true;
        }
      }
    } else if (n.isObject()) {
      for (JsonNode e : n) {
        if (hasList(e)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The reference shuffle of tests/vectors/README.md section 3: arrays
   * Fisher-Yates from the end with j = next() mod (i+1), then their elements
   * in the new order; objects' members in byte-wise ascending key order.
   * Records the permutation of each array by its path ("/segments").
   */
  static JsonNode shuffle(JsonNode n, SplitMix64 rng, String path, Map<String, int[]> perms) {
    if (n.isArray()) {
      int len = n.size();
      int[] perm = new int[len];
      for (int i = 0; i < len; i++) {
        perm[i] = i;
      }
      for (int i = len - 1; i >= 1; i--) {
        int j = (int) Long.remainderUnsigned(rng.next(), i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      perms.put(path, perm);
      ArrayNode out = JSON.createArrayNode();
      for (int i = 0; i < len; i++) {
        out.add(shuffle(n.get(perm[i]), rng, path + "/" + i, perms));
      }
      return out;
    }
    if (n.isObject()) {
      List<String> keys = new ArrayList<>();
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        keys.add(it.next());
      }
      keys.sort(VectorsTest::compareUtf8);
      Map<String, JsonNode> shuffled = new HashMap<>();
      for (String k : keys) {
        shuffled.put(k, shuffle(n.get(k), rng, path + "/" + k, perms));
      }
      ObjectNode out = JSON.createObjectNode();
      for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
        String k = it.next();
        out.set(k, shuffled.get(k)); // keep the file's key order
      }
      return out;
    }
    return n;
  }

  static int compareUtf8(String a, String b) {
    byte[] x = a.getBytes(StandardCharsets.UTF_8);
    byte[] y = b.getBytes(StandardCharsets.UTF_8);
    return java.util.Arrays.compareUnsigned(x, y);
  }

  /** splitmix64, wrapping uint64 arithmetic (Java long wraps the same way). */
  static final class SplitMix64 {
    private long s;

    SplitMix64(long seed) {
      s = seed;
    }

    long next() {
      s += 0x9e3779b97f4a7c15L;
      long z = s;
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      return z ^ (z >>> 31);
    }
  }
}
