package org.libcivic.swig;

import java.nio.charset.StandardCharsets;

/**
 * Standard UTF-8 conversion for the SWIG typemaps in civic_java.i. Internal.
 *
 * <p>JNI's own string functions use "modified UTF-8" (NUL as two bytes,
 * characters outside the BMP as surrogate pairs), which libcivic's JSON
 * parser rightly refuses, so strings cross the boundary as byte arrays.
 */
public final class Utf8 {
  private Utf8() {}

  /** The UTF-8 bytes of {@code s} followed by a NUL, or null for null. */
  public static byte[] encodeZ(String s) {
    if (s == null) {
      return null;
    }
    if (s.indexOf('\0') >= 0) {
      // C would silently stop at the NUL and read only a prefix.
      throw new IllegalArgumentException("string contains a NUL character");
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    byte[] z = new byte[utf8.length + 1];
    System.arraycopy(utf8, 0, z, 0, utf8.length);
    return z;
  }

  /** The string of UTF-8 {@code bytes}, or null for null. */
  public static String decode(byte[] bytes) {
    return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
  }
}
