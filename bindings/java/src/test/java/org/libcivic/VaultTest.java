package org.libcivic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VaultTest {
  @Test
  void sealUnsealAndShred() {
    try (Vault v = Vault.memory()) {
      String note = "Jos\u00e9 de Vries, Stationsstraat 1 \uD83C\uDFE0";
      String sealed = v.seal("subject-17", note);
      assertTrue(sealed.startsWith("v1:"), sealed);
      assertEquals(note, v.unseal("subject-17", sealed));
      assertTrue(v.hasKey("subject-17"));
      v.erase("subject-17");
      assertFalse(v.hasKey("subject-17"));
      assertEquals("subject_erased",
          assertThrows(CivicException.class, () -> v.unseal("subject-17", sealed)).name());
    }
  }
}
