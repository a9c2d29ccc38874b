package org.libcivic.swig;

import org.libcivic.CivicException;

/** Called from the JNI wrappers to build the exception they throw. Internal. */
public final class Errors {
  private Errors() {}

  /** A CivicException for a non-zero status; texts are UTF-8 bytes. */
  public static RuntimeException make(int status, byte[] name, byte[] message) {
    return new CivicException(status, Utf8.decode(name), Utf8.decode(message));
  }
}
