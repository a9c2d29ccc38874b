/**
 * @file common.h
 * @brief Status codes, versions, memory and the error context shared by every
 *        libcivic module.
 *
 * Thread safety: every function in this header is safe to call from any
 * thread at any time, except that one ::civic_ctx must not be used by two
 * threads at once (give each thread its own).
 */
#ifndef CIVIC_COMMON_H
#define CIVIC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @cond INTERNAL */
#ifndef CIVIC_API
#if defined(_WIN32)
#define CIVIC_API __declspec(dllimport)
#elif defined(__GNUC__)
#define CIVIC_API __attribute__((visibility("default")))
#else
#define CIVIC_API
#endif
#endif

#ifndef CIVIC_NODISCARD
#if defined(__GNUC__) && !defined(SWIG)
#define CIVIC_NODISCARD __attribute__((warn_unused_result))
#else
#define CIVIC_NODISCARD
#endif
#endif
/** @endcond */

/** Release version of the headers: major part. */
#define CIVIC_VERSION_MAJOR 0
/** Release version of the headers: minor part. */
#define CIVIC_VERSION_MINOR 1
/** Release version of the headers: patch part. */
#define CIVIC_VERSION_PATCH 0
/** Release version of the headers as one string. */
#define CIVIC_VERSION_STRING "0.1.0"
/** Release version as one comparable number (major*10000 + minor*100 + patch).
 */
#define CIVIC_VERSION_NUMBER                                                   \
  (CIVIC_VERSION_MAJOR * 10000 + CIVIC_VERSION_MINOR * 100 +                   \
   CIVIC_VERSION_PATCH)

/**
 * Result of every libcivic call that can fail.
 *
 * Numbers only grow and are never reused; a retired code keeps its number
 * with an `OBSOLETE` name. Ranges: 0-99 general and input, 100-199 ledger
 * and journal, 200-299 waterfall and settlement, 300-399 recalculation,
 * 400-499 reward token and voting, 500-599 signatures, keys and privacy.
 * ::civic_status_name gives the stable snake_case name used in JSON errors;
 * ::civic_strerror gives a sentence.
 */
typedef enum civic_status {
  CIVIC_OK = 0,                 /**< Success. */
  CIVIC_E_NOMEM = 1,            /**< Memory could not be allocated. */
  CIVIC_E_INVALID_ARGUMENT = 2, /**< API misuse: a NULL or unusable argument. */
  CIVIC_E_MALFORMED_JSON =
      3, /**< The text is not one well-formed JSON object. */
  CIVIC_E_MISSING_FIELD = 4,   /**< A required field is absent (or null). */
  CIVIC_E_WRONG_TYPE = 5,      /**< A field has the wrong JSON type. */
  CIVIC_E_NOT_INTEGER = 6,     /**< A number has a fraction or exponent. */
  CIVIC_E_NEGATIVE_AMOUNT = 7, /**< An amount that must be >= 0 is negative. */
  CIVIC_E_OVERFLOW = 8, /**< An input or named result falls outside int64. */
  CIVIC_E_DUPLICATE_ID =
      9, /**< The same id appears twice where ids are unique. */
  CIVIC_E_OUT_OF_RANGE = 10, /**< A value lies outside its documented range. */
  CIVIC_E_UNKNOWN_KIND = 11, /**< The evaluation kind is not known. */
  CIVIC_E_IO = 12,           /**< A file could not be read or written. */
  CIVIC_E_UNKNOWN_REFERENCE =
      13,             /**< A field names something that does not exist. */
  CIVIC_E_EMPTY = 14, /**< A string or list that must not be empty is empty. */
  /* 100-199: ledger and journal */
  CIVIC_E_UNKNOWN_ASSET =
      100, /**< The asset is not registered in the ledger. */
  CIVIC_E_UNKNOWN_ACCOUNT =
      101, /**< The account does not exist in the ledger. */
  CIVIC_E_ASSET_MISMATCH =
      102, /**< The transfer's asset differs from an account's asset. */
  CIVIC_E_AMOUNT_MUST_BE_POSITIVE =
      103, /**< A transfer amount must be greater than zero. */
  CIVIC_E_ACCOUNTS_MUST_BE_DIFFERENT =
      104, /**< A transfer must move funds between two different accounts. */
  CIVIC_E_EXCEEDS_MIN_BALANCE = 105, /**< The transfer would take the debited
                                        account below its minimum balance. */
  CIVIC_E_EXISTS_WITH_DIFFERENT_FIELDS =
      106, /**< An item with this id already exists with other fields. */
  CIVIC_E_PENDING_NOT_FOUND =
      107, /**< The pending transfer to post or void does not exist. */
  CIVIC_E_PENDING_ALREADY_POSTED =
      108, /**< The pending transfer has already been posted. */
  CIVIC_E_PENDING_ALREADY_VOIDED =
      109, /**< The pending transfer has already been voided. */
  CIVIC_E_POST_EXCEEDS_PENDING =
      110, /**< The amount posted exceeds the pending amount. */
  CIVIC_E_INVALID_SCALE = 111, /**< An asset scale must lie between 0 and 18. */
  CIVIC_E_NOT_PENDING =
      112, /**< The transfer named to post or void is not a pending transfer. */
  CIVIC_E_PENDING_MISMATCH = 113,  /**< The accounts or asset given differ from
                                      those of the pending transfer. */
  CIVIC_E_OVERFLOWS_BALANCE = 114, /**< The transfer would take a balance
                                      outside the signed 64-bit range. */
  CIVIC_E_OVERFLOWS_PENDING = 115, /**< The transfer would take a pending total
                                      outside the signed 64-bit range. */
  CIVIC_E_INVALID_MIN_BALANCE =
      116, /**< A minimum balance must be zero, negative, or unbounded. */
  CIVIC_E_JOURNAL_CORRUPT =
      120, /**< A journal record fails its checksum or is malformed. */
  CIVIC_E_JOURNAL_BROKEN_LINK = 121, /**< A journal record does not link to the
                                        hash of the record before it. */
  CIVIC_E_JOURNAL_NOT_A_JOURNAL = 122, /**< The file is not a libcivic journal
                                          or has an unsupported version. */
  CIVIC_E_JOURNAL_TORN_TAIL = 123, /**< The journal ends inside a record left by
                                      a crash (opening cuts it). */
  CIVIC_E_JOURNAL_REPLAY_FAILED =
      124, /**< A journal record no longer applies to the state before it. */
  CIVIC_E_LEDGER_POISONED =
      125, /**< An earlier write or sync failed; reopen the ledger. */
  CIVIC_E_JOURNAL_LOCKED =
      126, /**< The journal is open for writing in another process. */
  /* 200-299: waterfall and settlement */
  CIVIC_E_NO_CONSENT =
      250, /**< The resident has no consent in force for settlement. */
  CIVIC_E_PERIOD_CLOSED =
      251, /**< The period was closed; a re-run may not change it. */
  CIVIC_E_PERIOD_OPEN =
      252, /**< Another period of the resident is still open; close it first. */
  CIVIC_E_SETTLE_CONFLICT = 253, /**< The plan would undo a payment already made
                                    (nothing is paid twice or back). */
  /* 300-399: recalculation */
  CIVIC_E_BAD_DATE = 300, /**< A date is not a valid YYYY-MM-DD Gregorian date
                             in 1900..9999. */
  CIVIC_E_PARAMETER_GAP = 301, /**< A dated parameter has no value in force for
                                  some date it is needed. */
  CIVIC_E_PARAMETER_OVERLAP = 302, /**< Two periods of a dated parameter start
                                      on the same date or are out of order. */
  CIVIC_E_CYCLIC_RULE =
      303, /**< Scheme rules refer to each other in a cycle. */
  CIVIC_E_BAD_FORMULA = 304, /**< A scheme formula cannot be parsed. */
  /* 400-499: reward token and voting */
  CIVIC_E_DUPLICATE_BALLOT =
      400, /**< A voter already cast a ballot in this poll. */
  CIVIC_E_OVER_CREDITS =
      401, /**< Quadratic votes whose sum of squares exceeds the credits. */
  CIVIC_E_BALLOT_METHOD_MISMATCH =
      402, /**< A ballot carries the other voting method's field. */
  CIVIC_E_RESERVE_INSUFFICIENT = 403, /**< A mint would leave outstanding tokens
                                         times the rate above the reserve. */
  CIVIC_E_TASK_STATE =
      404, /**< The task is not in a state that allows this operation. */
  CIVIC_E_ALREADY_REWARDED =
      405, /**< The commitment was already approved and rewarded once. */
  CIVIC_E_CAPACITY_FULL = 406, /**< The task has no free place left. */
  CIVIC_E_NOT_ENTREPRENEUR =
      407, /**< The payee is not a registered entrepreneur. */
  CIVIC_E_ENTREPRENEUR_INACTIVE =
      408, /**< The entrepreneur is registered but deactivated. */
  CIVIC_E_TRANSFERS_DISABLED =
      409, /**< Citizen-to-citizen transfers are off by policy. */
  CIVIC_E_INSUFFICIENT_TOKENS =
      410, /**< The wallet holds fewer unexpired tokens than asked, even
              counting expired ones. */
  CIVIC_E_TOKENS_EXPIRED =
      411, /**< Enough tokens only if expired lots still counted. */
  CIVIC_E_REWARD_CAP =
      412, /**< The reward would exceed the citizen's monthly or yearly cap. */
  CIVIC_E_POLL_CLOSED =
      413, /**< The poll is closed (or not yet open) for ballots. */
  /* 500-599: signatures, keys and privacy */
  CIVIC_E_SUBJECT_ERASED =
      550, /**< The data subject's key was erased (crypto-shredded). */
  CIVIC_E_SEAL_INVALID = 551,  /**< Sealed data is malformed, tampered with or
                                  for another subject. */
  CIVIC_E_VAULT_CORRUPT = 552, /**< The key vault file is damaged. */
  CIVIC_E_SIGNATURE_INVALID =
      500, /**< A batch signature does not verify against the signer's key. */
  CIVIC_E_UNKNOWN_KEY =
      501, /**< The signing key is not registered in the ledger. */
  CIVIC_E_KEY_REVOKED =
      502, /**< The signing key was revoked before this batch. */
  CIVIC_E_INVALID_KEY =
      503, /**< A key is not well formed (wrong length or not hex). */
  CIVIC_E_KEY_EXISTS = 504, /**< A key with this id is already registered with
                               another public key. */
  CIVIC_E_SIGNATURE_REQUIRED = 505, /**< The ledger's signature policy is on and
                                       the batch is unsigned. */
  CIVIC_E_NOT_OWNER =
      506, /**< The signer's institution does not own an account or key the
              batch debits, creates, registers or revokes. */
  CIVIC_STATUS_END_ /**< Not a status; one past the largest number in use. */
} civic_status;

/**
 * Stable snake_case name of a status ("negative_amount"), as printed in the
 * `error` field of JSON errors. Never NULL; unknown numbers give "unknown".
 */
CIVIC_API const char *civic_status_name(civic_status status);

/**
 * One English sentence describing a status. Never NULL; the string is static.
 */
CIVIC_API const char *civic_strerror(civic_status status);

/** Runtime release version string, e.g. "0.1.0". Static; never NULL. */
CIVIC_API const char *civic_version_string(void);

/** Runtime release version as major*10000 + minor*100 + patch. */
CIVIC_API int civic_version_number(void);

/**
 * Prepare the library (initialises libsodium). Safe to call more than once
 * and from several threads; every handle constructor calls it too.
 * @return ::CIVIC_OK, or ::CIVIC_E_NOMEM if libsodium cannot start.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_init(void);

/**
 * Free memory that libcivic returned to the caller (JSON text, hex strings).
 * Accepts NULL.
 */
CIVIC_API void civic_free(void *ptr);

/**
 * Error context for the stateless calls (waterfall, prorate, redeem, tally,
 * evaluate). It keeps the last detailed error message, naming the field.
 * One context per thread; create with ::civic_ctx_new.
 */
typedef struct civic_ctx civic_ctx;

/**
 * Create an error context.
 * @param[out] out receives the new context; free it with ::civic_ctx_free.
 * @return ::CIVIC_OK or ::CIVIC_E_NOMEM / ::CIVIC_E_INVALID_ARGUMENT.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_ctx_new(civic_ctx **out);

/** Free a context. Accepts NULL. */
CIVIC_API void civic_ctx_free(civic_ctx *ctx);

/**
 * Last detailed error message recorded on this context ("obligations[2].amount:
 * must be >= 0"), or "" after success. Valid until the next call on @p ctx.
 */
CIVIC_API const char *civic_ctx_errmsg(const civic_ctx *ctx);

/** Status of the last call made with this context. */
CIVIC_API civic_status civic_ctx_errcode(const civic_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_COMMON_H */
