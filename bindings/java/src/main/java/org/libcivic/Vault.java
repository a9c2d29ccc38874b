package org.libcivic;

import java.nio.file.Path;
import java.util.Objects;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_vault;

/**
 * Per-data-subject keys for erasable personal data (crypto-shredding, see
 * include/civic/privacy.h): seal a name or case note for a pseudonymous
 * subject, put the sealed text in the journal, and erase the subject's key to
 * make every sealed item unreadable while the hash chain still verifies.
 *
 * <p>Thread safety: the C vault must not be used by two threads at once, so
 * every method here is synchronized; one Vault may be shared.
 */
public final class Vault implements AutoCloseable {
  private civic_vault handle; // null once closed; guarded by this

  private Vault(civic_vault handle) {
    this.handle = handle;
  }

  /** An empty vault held in memory only. */
  public static Vault memory() {
    Civic.init();
    civic_vault[] h = new civic_vault[1];
    CivicSwig.civic_vault_new(h);
    return new Vault(h[0]);
  }

  /** Opens the vault file at {@code path}, creating it (mode 0600) if absent. */
  public static Vault open(Path path) {
    Civic.init();
    civic_vault[] h = new civic_vault[1];
    CivicSwig.civic_vault_open(h, path.toString());
    return new Vault(h[0]);
  }

  /** Seals {@code plaintext} for {@code subject}: "v1:" + hex, safe for a JSON journal event. */
  public synchronized String seal(String subject, String plaintext) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(plaintext, "plaintext");
    String[] out = new String[1];
    CivicSwig.civic_vault_seal(live(), subject, plaintext, out);
    return out[0];
  }

  /**
   * Opens text sealed for {@code subject}.
   *
   * @throws CivicException "subject_erased" after {@link #erase}, or
   *     "seal_invalid" for tampered text or text sealed for another subject
   */
  public synchronized String unseal(String subject, String sealed) {
    Objects.requireNonNull(subject, "subject");
    Objects.requireNonNull(sealed, "sealed");
    String[] out = new String[1];
    CivicSwig.civic_vault_unseal(live(), subject, sealed, out);
    return out[0];
  }

  /** Erases the subject's key for good; erasing twice is a no-op. */
  public synchronized void erase(String subject) {
    Objects.requireNonNull(subject, "subject");
    CivicSwig.civic_vault_erase(live(), subject);
  }

  /** Whether the subject currently has a usable key. */
  public synchronized boolean hasKey(String subject) {
    Objects.requireNonNull(subject, "subject");
    return CivicSwig.civic_vault_has_key(live(), subject) != 0;
  }

  /** Wipes every key from memory and frees the vault. Idempotent. */
  @Override
  public synchronized void close() {
    if (handle != null) {
      handle.close();
      handle = null;
    }
  }

  private civic_vault live() {
    if (handle == null) {
      throw new IllegalStateException("vault is closed");
    }
    return handle;
  }
}
