/* Version query, library start-up, memory release and the error context. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civic/common.h"
#include "diag.h"

const char *civic_version_string(void) { return CIVIC_VERSION_STRING; }

int civic_version_number(void) { return CIVIC_VERSION_NUMBER; }

civic_status civic_init(void) {
  /* sodium_init is itself idempotent and thread-safe; 1 means "already". */
  return sodium_init() < 0 ? CIVIC_E_NOMEM : CIVIC_OK;
}

void civic_free(void *ptr) { free(ptr); }

civic_status civic_diag_set(civic_diag *d, civic_status status, const char *fmt,
                            ...) {
  va_list ap;
  if (d == NULL)
    return status;
  d->status = status;
  va_start(ap, fmt);
  vsnprintf(d->msg, sizeof d->msg, fmt, ap);
  va_end(ap);
  return status;
}

void civic_diag_clear(civic_diag *d) {
  if (d == NULL)
    return;
  d->status = CIVIC_OK;
  d->msg[0] = '\0';
}

civic_status civic_ctx_new(civic_ctx **out) {
  civic_ctx *ctx;
  if (out == NULL)
    return CIVIC_E_INVALID_ARGUMENT;
  *out = NULL;
  if (civic_init() != CIVIC_OK)
    return CIVIC_E_NOMEM;
  ctx = calloc(1, sizeof *ctx);
  if (ctx == NULL)
    return CIVIC_E_NOMEM;
  *out = ctx;
  return CIVIC_OK;
}

void civic_ctx_free(civic_ctx *ctx) { free(ctx); }

const char *civic_ctx_errmsg(const civic_ctx *ctx) {
  return ctx ? ctx->diag.msg : "no context";
}

civic_status civic_ctx_errcode(const civic_ctx *ctx) {
  return ctx ? ctx->diag.status : CIVIC_E_INVALID_ARGUMENT;
}
