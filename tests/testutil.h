/* Shared helpers for the Check suites. */
#ifndef CIVIC_TESTUTIL_H
#define CIVIC_TESTUTIL_H

#include <check.h>
#include <stdint.h>

/* Run one suite with the runner's normal output; returns a process exit code.
 */
int civic_test_run(Suite *suite);

/* Read a whole file into a NUL-terminated buffer (caller frees); NULL on error.
 */
char *civic_test_read_file(const char *path);

/* Deterministic pseudo-random numbers for property tests (splitmix64), so
 * every run of a property test checks the same cases unless the seed changes.
 */
typedef struct civic_test_rng {
  uint64_t state;
} civic_test_rng;
uint64_t civic_test_rng_next(civic_test_rng *rng);
/* Uniform in [0, bound) for bound > 0. */
uint64_t civic_test_rng_below(civic_test_rng *rng, uint64_t bound);

#endif
