package org.libcivic;

import java.util.Map;
import java.util.Objects;
import org.libcivic.swig.CivicSwig;
import org.libcivic.swig.civic_ledger;
import org.libcivic.swig.civic_token;

/**
 * A local reward token kept on a {@link Ledger} (include/civic/token.h,
 * spec sections 5-7): reserve, tasks and rewards, spending at registered
 * entrepreneurs, redemption, lots and expiry, polls, and the municipal
 * dashboard. Every change is one all-or-nothing ledger batch with a journal
 * event carrying its actor and the caller's time (seconds since 1970 UTC;
 * the library never reads a clock, and times must not go back).
 *
 * <p>Amounts: token units for tokens, EUR minor units (cents) for the reserve.
 *
 * <p>Thread safety: the C token handle must be used by one thread at a time,
 * so every method here is synchronized; only one RewardToken per token code
 * may post to a ledger at a time (other modules may post concurrently). The
 * ledger must stay open while the token is used; close the token first.
 */
public final class RewardToken implements AutoCloseable {
  private final Ledger ledger;
  private civic_token handle; // null once closed; guarded by this

  private RewardToken(Ledger ledger, civic_token handle) {
    this.ledger = ledger;
    this.handle = handle;
  }

  /**
   * Sets up a new token on the ledger. {@code configJson}: {@code {"code":
   * "HLN", "issuer": "heerlen", "rate_num"?, "rate_den"?, "fee_bp"?,
   * "cap_month"?, "cap_year"?, "lot_lifetime"?, "citizen_transfers"?, ...}};
   * only code and issuer are required (defaults: the Heerlen pilot).
   */
  public static RewardToken setup(Ledger ledger, String configJson, long time) {
    Objects.requireNonNull(configJson, "configJson");
    RewardToken t = create(ledger);
    try {
      t.run(h -> CivicSwig.civic_token_setup(h, configJson, time));
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  /** Loads a token set up earlier on this ledger, rebuilding its state from the journal. */
  public static RewardToken load(Ledger ledger, String code) {
    Objects.requireNonNull(code, "code");
    RewardToken t = create(ledger);
    try {
      t.run(h -> CivicSwig.civic_token_load(h, code));
      return t;
    } catch (RuntimeException e) {
      t.close();
      throw e;
    }
  }

  private static RewardToken create(Ledger ledger) {
    Objects.requireNonNull(ledger, "ledger");
    civic_token[] h = new civic_token[1];
    ledger.use((civic_ledger l) -> CivicSwig.civic_token_new(h, l));
    return new RewardToken(ledger, h[0]);
  }

  /** Moves {@code amount} cents from the funding account into the reserve. */
  public synchronized void fundReserve(String actor, long amount, long time) {
    run(h -> CivicSwig.civic_token_fund_reserve(h, actor, amount, time));
  }

  /** Switches citizen-to-citizen transfers on or off. */
  public synchronized void setCitizenTransfers(String actor, boolean allow, long time) {
    run(h -> CivicSwig.civic_token_set_citizen_transfers(h, actor, allow ? 1 : 0, time));
  }

  /** Creates a draft task: {@code {"id","title","domain","zone","reward","capacity","start","end"}}. */
  public synchronized void createTask(String actor, String taskJson, long time) {
    run(h -> CivicSwig.civic_token_task_create(h, actor, taskJson, time));
  }

  public synchronized void publishTask(String actor, String task, long time) {
    run(h -> CivicSwig.civic_token_task_publish(h, actor, task, time));
  }

  /** A citizen commits to a published task (capacity enforced). */
  public synchronized void commit(String citizen, String task, long time) {
    run(h -> CivicSwig.civic_token_task_commit(h, citizen, task, time));
  }

  /** A citizen submits evidence (a reference) for a task they committed to. */
  public synchronized void submit(String citizen, String task, String evidence, long time) {
    run(h -> CivicSwig.civic_token_task_submit(h, citizen, task, evidence, time));
  }

  /** Approves a submission and mints the reward, exactly once ("already_rewarded" after). */
  public synchronized void approve(String actor, String task, String citizen, long time) {
    run(h -> CivicSwig.civic_token_task_approve(h, actor, task, citizen, time));
  }

  public synchronized void reject(
      String actor, String task, String citizen, String reason, long time) {
    run(h -> CivicSwig.civic_token_task_reject(h, actor, task, citizen, reason, time));
  }

  public synchronized void expireTask(String actor, String task, long time) {
    run(h -> CivicSwig.civic_token_task_expire(h, actor, task, time));
  }

  public synchronized void cancelTask(String actor, String task, long time) {
    run(h -> CivicSwig.civic_token_task_cancel(h, actor, task, time));
  }

  public synchronized void registerEntrepreneur(
      String actor, String entrepreneur, String zone, long time) {
    run(h -> CivicSwig.civic_token_entrepreneur_register(h, actor, entrepreneur, zone, time));
  }

  public synchronized void setEntrepreneurActive(
      String actor, String entrepreneur, boolean active, long time) {
    run(h -> CivicSwig.civic_token_entrepreneur_set_active(
        h, actor, entrepreneur, active ? 1 : 0, time));
  }

  /** A citizen pays {@code amount} tokens to a registered, active entrepreneur (oldest lots first). */
  public synchronized void spend(String citizen, String entrepreneur, long amount, long time) {
    run(h -> CivicSwig.civic_token_spend(h, citizen, entrepreneur, amount, time));
  }

  /** Citizen-to-citizen transfer ("transfers_disabled" unless the policy allows it). */
  public synchronized void transfer(String from, String to, long amount, long time) {
    run(h -> CivicSwig.civic_token_transfer(h, from, to, amount, time));
  }

  /** An entrepreneur redeems tokens: burned, and the reserve pays net EUR cents to its payout account. */
  public synchronized Token.Redemption redeem(String entrepreneur, long tokens, long time) {
    String[] out = new String[1];
    run(h -> CivicSwig.civic_token_redeem(h, entrepreneur, tokens, time, out));
    Map<String, Object> r = Json.object(out[0]);
    return new Token.Redemption(
        Json.longOf(r, "gross"), Json.longOf(r, "net"), Json.longOf(r, "fee"));
  }

  /** Burns every lot expired by {@code time} (every other operation does this too). */
  public synchronized void expireLots(long time) {
    run(h -> CivicSwig.civic_token_expire_lots(h, time));
  }

  /** Spendable balance at {@code time} of a citizen (unexpired lots) or an entrepreneur. */
  public synchronized long balance(String holder, long time) {
    long[] out = new long[1];
    run(h -> CivicSwig.civic_token_balance(h, holder, time, out));
    return out[0];
  }

  /** A citizen's wallet at {@code time} as JSON (lots oldest first). */
  public synchronized String walletJson(String citizen, long time) {
    String[] out = new String[1];
    run(h -> CivicSwig.civic_token_wallet_json(h, citizen, time, out));
    return out[0];
  }

  /** Creates a poll: {@code {"id","method","credits"?,"budget"?,"proposals","opens","closes"}}. */
  public synchronized void createPoll(String actor, String pollJson, long time) {
    run(h -> CivicSwig.civic_token_poll_create(h, actor, pollJson, time));
  }

  /** Casts one ballot ({@code {"approvals": [id]}} or {@code {"votes": {id: n}}}); voter should be a pseudonym. */
  public synchronized void vote(String poll, String voter, String ballotJson, long time) {
    run(h -> CivicSwig.civic_token_poll_vote(h, poll, voter, ballotJson, time));
  }

  public synchronized void closePoll(String actor, String poll, long time) {
    run(h -> CivicSwig.civic_token_poll_close(h, actor, poll, time));
  }

  /** The poll's tally as JSON {@code {"ranking", "selected"?}} (spec section 7). */
  public synchronized String tallyJson(String poll) {
    String[] out = new String[1];
    run(h -> CivicSwig.civic_token_poll_tally(h, poll, out));
    return out[0];
  }

  /** The municipal dashboard as JSON (supply, reserve, coverage, tasks, redemptions, participation). */
  public synchronized String dashboardJson() {
    String[] out = new String[1];
    run(h -> CivicSwig.civic_token_dashboard_json(h, out));
    return out[0];
  }

  /**
   * Pseudonymous voter id (64 hex characters): keyed BLAKE2b-256 over poll and
   * citizen with a 32-byte key (64 hex) held by the municipality.
   */
  public static String voterPseudonym(String keyHex, String poll, String citizen) {
    Civic.init();
    String[] out = new String[1];
    CivicSwig.civic_token_voter_pseudonym(keyHex, poll, citizen, out);
    return out[0];
  }

  /** Frees the token handle (not the ledger). Idempotent. */
  @Override
  public synchronized void close() {
    if (handle != null) {
      handle.close();
      handle = null;
    }
  }

  private interface TokenCall {
    void run(civic_token handle);
  }

  /** Runs a call with the token handle while the ledger is held open. Caller holds this. */
  private void run(TokenCall c) {
    synchronized (this) {
      if (handle == null) {
        throw new IllegalStateException("token is closed");
      }
      civic_token h = handle;
      ledger.use(l -> c.run(h));
    }
  }
}
