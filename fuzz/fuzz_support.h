/* Shared helpers for the libFuzzer harnesses in fuzz/.
 *
 * Every harness defines LLVMFuzzerTestOneInput (declared here so that the
 * warnings-as-errors build sees a prototype). The same object links either
 * with libFuzzer (fuzz_<name>, clang, -DCIVIC_FUZZ=ON) or with replay.c
 * (replay_<name>, any compiler, run by ctest over fuzz/corpus/<name>/).
 *
 * Invariant checks abort() with a message: under libFuzzer an abort is a
 * crash that gets minimised and saved; under replay it fails the ctest.
 */
#ifndef CIVIC_FUZZ_SUPPORT_H
#define CIVIC_FUZZ_SUPPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- invariant failures ---- */
_Noreturn void fz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
#define FZ_CHECK(cond, ...)                                                    \
  do {                                                                         \
    if (!(cond))                                                               \
      fz_fail(__VA_ARGS__);                                                    \
  } while (0)

/* ---- FuzzedDataProvider-like byte consumption ----
 * Reads from the front; once the bytes run out every read returns 0, so a
 * short input still yields a complete (small) structure. */
typedef struct fz_bytes {
  const uint8_t *p;
  size_t n;
} fz_bytes;

uint64_t fz_u64(fz_bytes *b, unsigned nbytes);
/* Uniform-ish in [lo, hi] (lo <= hi). */
uint64_t fz_range(fz_bytes *b, uint64_t lo, uint64_t hi);
bool fz_bool(fz_bytes *b);
/* An amount >= 0 that is often tiny (0..15, so that ties happen), usually
 * small, sometimes large, rarely at the int64 edge (overflow paths). */
int64_t fz_amount(fz_bytes *b);

/* ---- evaluation ---- */
/* Run civic_evaluate on NUL-terminated text. On success *out is the parsed
 * output (caller decrefs) and the call returns true. */
bool fz_evaluate(const char *kind, const char *text, json_t **out, int *status);
/* Same, from a jansson input tree. */
bool fz_evaluate_tree(const char *kind, const json_t *input, json_t **out,
                      int *status);

/* Deterministic in-place shuffle of every array (recursive), driven by a
 * seed, as the vector runners do. */
void fz_shuffle(json_t *v, uint64_t seed);

/* ---- integer reading from trusted (already accepted) JSON ---- */
int64_t fz_int(const json_t *obj, const char *key);
const char *fz_str(const json_t *obj, const char *key);

/* ---- exact arithmetic helpers (independent of libcivic/checked.h) ---- */
__extension__ typedef __int128 fz_i128;
/* floor(x / y) for x >= 0, y > 0. */
fz_i128 fz_floor_div(fz_i128 x, fz_i128 y);
/* half_up(x / y) = floor((2x + y) / 2y) for x >= 0, y > 0. */
fz_i128 fz_half_up(fz_i128 x, fz_i128 y);

/* ---- per-kind output invariants (abort on violation) ----
 * Each takes the accepted input and the output civic_evaluate produced. */
void fz_check_waterfall(const json_t *in, const json_t *out);
void fz_check_split(const json_t *in, const json_t *out);
void fz_check_prorate(const json_t *in, const json_t *out);
void fz_check_redeem(const json_t *in, const json_t *out);
void fz_check_tally(const json_t *in, const json_t *out);

/* Run kind on input, and, if it succeeds, check its invariants and that
 * shuffling the input's arrays gives the same answer (input-order arrays
 * matched by id / position). If it fails, the shuffled run must fail too. */
void fz_check_kind(const char *kind, const json_t *input);

/* The body of the fuzz_<kind>_json harnesses: the bytes as the input text
 * of `kind`. Runs civic_evaluate on the raw text; when the text is a JSON
 * object also runs fz_check_kind on it. Returns 0. */
int fz_json_kind_input(const char *kind, const uint8_t *data, size_t size);

/* For structured harnesses whose inputs are valid by construction: does
 * the spec make this input overflow (a named quantity outside int64)?
 * Known for waterfall and prorate; false for other kinds. */
bool fz_reference_overflows(const char *kind, const json_t *in);

#endif
