package org.libcivic;

/**
 * A libcivic call failed: bad input, a refused ledger batch, an I/O error.
 *
 * <p>Unchecked on purpose. Almost every failure is bad input that the caller
 * can only report (the {@link #name()} and message say what and where), so a
 * checked exception would force a try/catch around every evaluation without
 * making anything safer, and would not pass through lambdas and streams.
 * Callers that do branch on the reason use {@link #code()} or {@link #name()}.
 */
public class CivicException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String name;
  private final String detail;

  /**
   * @param code the numeric {@code civic_status}
   * @param name its stable snake_case name, e.g. "negative_amount"
   * @param detail the library's message naming the field, or "" if none
   */
  public CivicException(int code, String name, String detail) {
    super(name + ": " + (detail == null || detail.isEmpty() ? "(no detail)" : detail));
    this.code = code;
    this.name = name;
    this.detail = detail == null ? "" : detail;
  }

  /** The numeric status code (never 0); stable across releases. */
  public int code() {
    return code;
  }

  /** The stable snake_case status name, as in JSON errors ("negative_amount"). */
  public String name() {
    return name;
  }

  /** The library's detailed message naming the field, e.g. "obligations[2].amount: must be >= 0". */
  public String detail() {
    return detail;
  }
}
