/* Growable text buffer and euro formatting (see text.h). */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void civic_text_add(civic_text *t, const char *fmt, ...) {
  va_list ap;
  int n;
  if (t->failed)
    return;
  for (;;) {
    size_t room = t->cap - t->len;
    va_start(ap, fmt);
    n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? room : 0, fmt,
                  ap);
    va_end(ap);
    if (n < 0) {
      t->failed = true;
      return;
    }
    if (t->data != NULL && (size_t)n < room) {
      t->len += (size_t)n;
      return;
    }
    {
      /* Double, plus what this append needs, so long outputs grow in
       * amortised constant time. */
      size_t cap = (t->cap ? t->cap * 2 : 1024) + (size_t)n;
      char *grown = realloc(t->data, cap);
      if (grown == NULL) {
        t->failed = true;
        return;
      }
      t->data = grown;
      t->cap = cap;
    }
  }
}

const char *civic_text_eur(char *buf, size_t cap, int64_t cents) {
  /* Magnitude in unsigned arithmetic so INT64_MIN does not overflow. */
  uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
  snprintf(buf, cap, "EUR %s%llu.%02u", cents < 0 ? "-" : "",
           (unsigned long long)(mag / 100), (unsigned)(mag % 100));
  return buf;
}
