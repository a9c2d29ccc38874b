/* Internal: a growable text buffer and euro formatting, shared by the
 * human-readable outputs (waterfall explanation, settlement statements). */
#ifndef CIVIC_TEXT_H
#define CIVIC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Start as {0}. After any failed append `failed` stays true and later
 * appends do nothing, so callers check once at the end. */
typedef struct civic_text {
  char *data;
  size_t len, cap;
  bool failed;
} civic_text;

/* Append printf-style; grows the buffer as needed. */
void civic_text_add(civic_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Minor units (cents) as "EUR 1234.56" or "EUR -0.05" into buf (cap >= 32);
 * exact for every int64, INT64_MIN included. Returns buf. */
const char *civic_text_eur(char *buf, size_t cap, int64_t cents);

#endif
