/**
 * @file evaluate.h
 * @brief One door for every kind of consensus-critical evaluation
 *        (spec section 8): JSON object in, JSON object out.
 *
 * Thread safety: safe from any number of threads, each with its own
 * ::civic_ctx. The calls keep no state between them.
 */
#ifndef CIVIC_EVALUATE_H
#define CIVIC_EVALUATE_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Evaluate one input object of a given kind and return the output object.
 *
 * Kinds: "waterfall", "prorate", "redeem", "tally", "split". Integers are
 * read exactly over the whole int64 range; a fraction, exponent, string or
 * out-of-range value is refused.
 *
 * @param ctx     error context (required); on failure it holds a message
 *                naming the offending field.
 * @param kind    the kind name.
 * @param input   NUL-terminated JSON text of the input object.
 * @param[out] output receives compact JSON text of the output object, which
 *                the caller frees with ::civic_free; set to NULL on failure.
 * @return ::CIVIC_OK, or the status naming what was wrong with the input.
 */
CIVIC_API CIVIC_NODISCARD civic_status civic_evaluate(civic_ctx *ctx,
                                                      const char *kind,
                                                      const char *input,
                                                      char **output);

#ifdef __cplusplus
}
#endif

#endif /* CIVIC_EVALUATE_H */
