package org.libcivic;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads libcivicjni once per class loader, in this order (as zstd-jni does):
 *
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY}, if set;
 *   <li>the copy inside the jar, {@code /native/<os>-<arch>/libcivicjni.so},
 *       extracted to a temporary file that is deleted on exit;
 *   <li>{@code System.loadLibrary("civicjni")}, i.e. {@code java.library.path}.
 * </ol>
 */
final class NativeLibrary {
  /** System property naming a libcivicjni file to load instead of the jar's copy. */
  static final String PATH_PROPERTY = "org.libcivic.native.path";

  private static final String NAME = "civicjni";
  private static String source; // where the library came from, once loaded

  private NativeLibrary() {}

  static synchronized void load() {
    if (source != null) {
      return;
    }
    String override = System.getProperty(PATH_PROPERTY);
    if (override != null && !override.isEmpty()) {
      System.load(Path.of(override).toAbsolutePath().toString());
      source = "property";
    } else if (loadFromJar()) {
      source = "jar";
    } else {
      System.loadLibrary(NAME);
      source = "java.library.path";
    }
  }

  /** "property", "jar" or "java.library.path"; null before {@link #load}. */
  static synchronized String source() {
    return source;
  }

  /** Directory name of this platform inside the jar, e.g. "linux-x86_64". */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) {
      os = "linux";
    } else if (os.startsWith("mac") || os.startsWith("darwin")) {
      os = "darwin";
    } else if (os.startsWith("windows")) {
      os = "windows";
    }
    if (arch.equals("amd64") || arch.equals("x86_64")) {
      arch = "x86_64";
    } else if (arch.equals("arm64")) {
      arch = "aarch64";
    }
    return os + "-" + arch;
  }

  private static boolean loadFromJar() {
    String file = System.mapLibraryName(NAME);
    String resource = "/native/" + platform() + "/" + file;
    try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
      if (in == null) {
        return false;
      }
      Path tmp = Files.createTempFile("libcivicjni-", "-" + file);
      tmp.toFile().deleteOnExit();
      Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      System.load(tmp.toAbsolutePath().toString());
      return true;
    } catch (IOException e) {
      throw new UnsatisfiedLinkError("cannot extract " + resource + ": " + e);
    }
  }
}
