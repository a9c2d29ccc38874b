package org.libcivic;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ledger;

/**
 * A libcivic double-entry ledger (spec sections 1 and 9), in memory or backed
 * by a hash-linked journal file. Close it (try-with-resources) to release the
 * native handle and the journal file.
 *
 * <p>Thread safety: one Ledger may be shared by any number of threads, as the
 * C ledger is: posts are serialised inside the native handle (durable posts
 * from several threads share one fsync) and queries run concurrently. Java
 * only adds a read-write lock so that {@link #close()} waits for calls in
 * flight and later calls fail with IllegalStateException instead of touching
 * freed memory; ordinary calls all take the shared side of that lock.
 *
 * <p>Error messages: the C ledger keeps one detailed message per handle, so
 * when several threads fail at the same instant a {@link CivicException}'s
 * detail may name another thread's fault; its code and name are always this
 * call's own.
 */
public final class Ledger implements AutoCloseable {
  /** Minimum balance that means "no lower limit" (an outside party). */
  public static final long NO_MIN_BALANCE = Long.MIN_VALUE;

  /** Outcome of {@link #post}: the batch's journal position and what it did. */
  public record PostResult(long position, long applied, long skipped) {}

  /**
   * An Ed25519 key pair as hex (64 and 128 characters). The secret stays a
   * Java String (not wipeable): keep it in your key store, not in logs.
   */
  public record KeyPair(String publicKeyHex, String secretKeyHex) {
    @Override
    public String toString() {
      return "KeyPair[publicKeyHex=" + publicKeyHex + ", secretKeyHex=<hidden>]";
    }
  }

  /** One account's balance in minor units of its asset. */
  public record AccountBalance(String id, String asset, long balance) {}

  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private civic_ledger handle; // null once closed; guarded by lock

  private Ledger(civic_ledger handle) {
    this.handle = handle;
  }

  /** A new ledger held in memory only. */
  public static Ledger memory() {
    Civic.init();
    civic_ledger[] h = new civic_ledger[1];
    CivicSwig.civic_ledger_new_memory(h);
    return new Ledger(h[0]);
  }

  /**
   * Creates a new, empty journal file at {@code path} and opens it.
   *
   * @throws CivicException "io_error" if the file exists or cannot be written
   */
  public static Ledger create(Path path) {
    Civic.init();
    civic_ledger[] h = new civic_ledger[1];
    CivicSwig.civic_ledger_create(h, path.toString());
    return new Ledger(h[0]);
  }

  /**
   * Opens an existing journal, replaying and checking every record (a torn
   * tail left by a crash is cut back to the last whole record).
   */
  public static Ledger open(Path path) {
    Civic.init();
    civic_ledger[] h = new civic_ledger[1];
    CivicSwig.civic_ledger_open(h, path.toString());
    return new Ledger(h[0]);
  }

  /**
   * Applies one batch given as JSON (spec section 9 form), all or nothing.
   * Items whose id exists with identical fields are skipped (safe retry).
   * With a journal, the batch is durable when this returns.
   *
   * @throws CivicException naming the refused item; nothing was applied
   */
  public PostResult post(String batchJson) {
    Objects.requireNonNull(batchJson, "batchJson");
    String[] out = new String[1];
    use(h -> CivicSwig.civic_ledger_post_json(h, batchJson, out));
    Map<String, Object> r = Json.object(out[0]);
    return new PostResult(
        Json.longOf(r, "position"), Json.longOf(r, "applied"), Json.longOf(r, "skipped"));
  }

  /**
   * Like {@link #post}, but the batch is first signed as institution key
   * {@code keyId} (registered in the ledger's key registry by a
   * "civic.key.register" event) with its Ed25519 secret key; the signature is
   * checked now and whenever the journal is verified.
   */
  public PostResult postSigned(String batchJson, String keyId, String secretKeyHex) {
    Objects.requireNonNull(batchJson, "batchJson");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(secretKeyHex, "secretKeyHex");
    String[] out = new String[1];
    use(h -> CivicSwig.civic_ledger_post_json_signed(h, batchJson, keyId, secretKeyHex, out));
    Map<String, Object> r = Json.object(out[0]);
    return new PostResult(
        Json.longOf(r, "position"), Json.longOf(r, "applied"), Json.longOf(r, "skipped"));
  }

  /** A new institution key pair for {@link #postSigned}. */
  public static KeyPair newKeyPair() {
    Civic.init();
    String[] pub = new String[1];
    String[] sec = new String[1];
    CivicSwig.civic_keypair_new_hex(pub, sec);
    return new KeyPair(pub[0], sec[0]);
  }

  /**
   * Current balance of an account in minor units.
   *
   * @throws CivicException "unknown_reference" (or the ledger's own
   *     unknown-account code) if there is no such account
   */
  public long balance(String account) {
    Objects.requireNonNull(account, "account");
    long[] out = new long[1];
    use(h -> CivicSwig.civic_ledger_balance(h, account, out));
    return out[0];
  }

  /** Every account's balance, sorted by id byte-wise (UTF-8). */
  public List<AccountBalance> balances() {
    Map<String, Object> r = Json.object(balancesJson());
    List<AccountBalance> list = new ArrayList<>();
    for (Map<String, Object> a : Json.objectsOf(r, "accounts")) {
      list.add(new AccountBalance(
          Json.stringOf(a, "id"), Json.stringOf(a, "asset"), Json.longOf(a, "balance")));
    }
    return Collections.unmodifiableList(list);
  }

  /**
   * Every balance as the library's JSON:
   * {@code {"accounts": [{"id","asset","balance"}], "state_hash": "<hex>"}}.
   */
  public String balancesJson() {
    String[] out = new String[1];
    use(h -> CivicSwig.civic_ledger_balances_json(h, out));
    return out[0];
  }

  /** The state hash (BLAKE2b-256 of the canonical state) as 64 lowercase hex characters. */
  public String stateHash() {
    String[] out = new String[1];
    use(h -> CivicSwig.civic_ledger_state_hash_hex(h, out));
    return out[0];
  }

  /** Journal position of the last accepted batch (0 when empty). */
  public long position() {
    long[] out = new long[1];
    use(h -> CivicSwig.civic_ledger_position(h, out));
    return out[0];
  }

  /** Balance of an account as of journal position {@code position} (right after that batch). */
  public long balanceAt(String account, long position) {
    Objects.requireNonNull(account, "account");
    long[] out = new long[1];
    use(h -> CivicSwig.civic_ledger_balance_at(h, account, position, out));
    return out[0];
  }

  /**
   * One account as JSON {@code {"id","asset","min_balance","balance",
   * "debits_pending","credits_pending"}}.
   */
  public String accountJson(String account) {
    Objects.requireNonNull(account, "account");
    String[] out = new String[1];
    use(h -> CivicSwig.civic_ledger_account_json(h, account, out));
    return out[0];
  }

  /** An account's history as JSON (entries in posting order, each with the balance after it). */
  public String historyJson(String account) {
    Objects.requireNonNull(account, "account");
    String[] out = new String[1];
    use(h -> CivicSwig.civic_ledger_history_json(h, account, out));
    return out[0];
  }

  /** Journal events whose type starts with {@code typePrefix} ("" for all), as JSON. */
  public String eventsJson(String typePrefix) {
    String[] out = new String[1];
    use(h -> CivicSwig.civic_ledger_events_json(h, typePrefix, out));
    return out[0];
  }

  /**
   * Re-checks a journal file from disk without opening it for writing (every
   * record's checksum, hash link and signature, and that every batch
   * replays) and returns the report JSON {@code {"ok": true, "records",
   * "state_hash"}}.
   *
   * @throws CivicException naming the first failure; its detail is the
   *     report {@code {"ok": false, "error", "record", "offset", "message"}}
   */
  public static String verifyFile(Path path) {
    Civic.init();
    String[] out = new String[1];
    try {
      CivicSwig.civic_ledger_verify_file(path.toString(), out);
    } catch (CivicException e) {
      // The call has no handle to keep a message; its report says where.
      throw new CivicException(e.code(), e.name(), out[0] != null ? out[0] : e.detail());
    }
    return out[0];
  }

  /** Closes the journal (if any) and frees the native ledger. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (handle != null) {
        handle.close();
        handle = null;
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Runs {@code call} with the native handle under the shared side of the
   * lock (so {@link #close()} cannot free it meanwhile). For the other
   * classes of this package that take a Ledger (Settlement).
   */
  void use(Consumer<civic_ledger> call) {
    lock.readLock().lock();
    try {
      if (handle == null) {
        throw new IllegalStateException("ledger is closed");
      }
      call.accept(handle);
    } finally {
      lock.readLock().unlock();
    }
  }
}
