package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three ways the native library is found (NativeLibrary), each in a fresh
 * JVM since a JVM loads it only once: the jar's copy, the override property,
 * and java.library.path when the classes carry no copy.
 */
class NativeLoadingTest {
  /** Entry point of the child JVMs. */
  public static void main(String[] args) {
    String version = Civic.version(); // loads the library
    System.out.println(NativeLibrary.source() + " " + version);
  }

  static Path classes() {
    return Path.of(System.getProperty("basedir", ".")).resolve("target/classes");
  }

  static Path library() {
    return classes().resolve("native/" + NativeLibrary.platform() + "/libcivicjni.so");
  }

  static String run(String classpath, String... props) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(List.of(props));
    cmd.addAll(List.of("-cp", classpath, NativeLoadingTest.class.getName()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return out.strip();
  }

  static String testClasses() {
    return Path.of(System.getProperty("basedir", ".")).resolve("target/test-classes").toString();
  }

  @Test
  void fromTheJarResources() throws Exception {
    assertEquals("jar 0.1.0", run(classes() + ":" + testClasses()));
  }

  @Test
  void fromTheOverrideProperty(@TempDir Path dir) throws Exception {
    Path copy = Files.copy(library(), dir.resolve("libcivicjni-custom.so"));
    assertEquals("property 0.1.0", run(classes() + ":" + testClasses(),
        "-D" + NativeLibrary.PATH_PROPERTY + "=" + copy));
  }

  @Test
  void fromJavaLibraryPath(@TempDir Path dir) throws Exception {
    // Classes without the bundled copy, and the library in a directory of its own.
    Path bare = dir.resolve("classes");
    copyTree(classes().resolve("org"), bare.resolve("org"));
    Path libs = Files.createDirectories(dir.resolve("libs"));
    Files.copy(library(), libs.resolve("libcivicjni.so"));
    assertTrue(Files.notExists(bare.resolve("native")));
    assertEquals("java.library.path 0.1.0",
        run(bare + ":" + testClasses(), "-Djava.library.path=" + libs));
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
