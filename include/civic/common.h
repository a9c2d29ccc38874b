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
/** Release version as one comparable number (major*10000 + minor*100 + patch). */
#define CIVIC_VERSION_NUMBER                                                   \
  (CIVIC_VERSION_MAJOR * 10000 + CIVIC_VERSION_MINOR * 100 + CIVIC_VERSION_PATCH)

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
  CIVIC_OK = 0,                    /**< Success. */
  CIVIC_E_NOMEM = 1,               /**< Memory could not be allocated. */
  CIVIC_E_INVALID_ARGUMENT = 2,    /**< API misuse: a NULL or unusable argument. */
  CIVIC_E_MALFORMED_JSON = 3,      /**< The text is not one well-formed JSON object. */
  CIVIC_E_MISSING_FIELD = 4,       /**< A required field is absent (or null). */
  CIVIC_E_WRONG_TYPE = 5,          /**< A field has the wrong JSON type. */
  CIVIC_E_NOT_INTEGER = 6,         /**< A number has a fraction or exponent. */
  CIVIC_E_NEGATIVE_AMOUNT = 7,     /**< An amount that must be >= 0 is negative. */
  CIVIC_E_OVERFLOW = 8,            /**< An input or named result falls outside int64. */
  CIVIC_E_DUPLICATE_ID = 9,        /**< The same id appears twice where ids are unique. */
  CIVIC_E_OUT_OF_RANGE = 10,       /**< A value lies outside its documented range. */
  CIVIC_E_UNKNOWN_KIND = 11,       /**< The evaluation kind is not known. */
  CIVIC_E_IO = 12,                 /**< A file could not be read or written. */
  CIVIC_E_UNKNOWN_REFERENCE = 13,  /**< A field names something that does not exist. */
  CIVIC_E_EMPTY = 14,              /**< A string or list that must not be empty is empty. */
  /* 100-199: ledger and journal */
  /* 200-299: waterfall and settlement */
  /* 300-399: recalculation */
  /* 400-499: reward token and voting */
  /* 500-599: signatures, keys and privacy */
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
