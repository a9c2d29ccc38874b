/* Internal: the detailed-error record every handle embeds.
 *
 * Every public handle carries one civic_diag so that a failing call can say
 * exactly which field or record was wrong (in the spirit of sqlite3_errmsg).
 * Internal code reports through civic_diag_set and returns its status.
 */
#ifndef CIVIC_DIAG_H
#define CIVIC_DIAG_H

#include "civic/common.h"

#define CIVIC_DIAG_MSG_MAX 512

typedef struct civic_diag {
  civic_status status;
  char msg[CIVIC_DIAG_MSG_MAX];
} civic_diag;

/* Record a failure and return its status, so callers can write
 * `return civic_diag_set(d, CIVIC_E_OVERFLOW, "%s: sum overflows", where);`.
 * A NULL diag is allowed and only the status is returned. */
civic_status civic_diag_set(civic_diag *d, civic_status status, const char *fmt,
                            ...) __attribute__((format(printf, 3, 4)));

/* Forget the previous error (called at the start of every public call). */
void civic_diag_clear(civic_diag *d);

struct civic_ctx {
  civic_diag diag;
};

#endif
