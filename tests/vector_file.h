/* Reading golden-vector files whose inputs may hold integer literals
 * outside int64 (spec section 1 wants those refused as "overflow", so the
 * vector files contain some). jansson cannot load such a file as a whole,
 * so this walks the raw text, hands each case's `input` to the library as
 * the exact text written in the file, and parses only name and expect.
 *
 * Header-only (static functions) so any suite can include it. */
#ifndef CIVIC_VECTOR_FILE_H
#define CIVIC_VECTOR_FILE_H

#include <check.h>
#include <civic/civic.h>
#include <jansson.h>
#include <stddef.h>
#include <string.h>

typedef struct civic_vector_case {
  char *name;  /* malloc'd */
  char *input; /* malloc'd raw JSON text of the input object */
  json_t *expect;
} civic_vector_case;

static const char *cv_ws(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
    p++;
  return p;
}

/* End of the JSON value starting at p (p at its first character). */
static const char *cv_skip(const char *p) {
  int depth = 0;
  p = cv_ws(p);
  do {
    if (*p == '\0')
      return p;
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++)
        if (*p == '\\' && p[1])
          p++;
      if (*p)
        p++;
    } else if (*p == '{' || *p == '[') {
      depth++;
      p++;
    } else if (*p == '}' || *p == ']') {
      depth--;
      p++;
    } else if (depth == 0) {
      while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
             *p != '\n' && *p != '\r' && *p != '\t')
        p++;
    } else {
      p++;
    }
    if (depth > 0)
      p = cv_ws(p);
  } while (depth > 0);
  return p;
}

static char *cv_dup(const char *a, const char *b) {
  char *s = malloc((size_t)(b - a) + 1);
  memcpy(s, a, (size_t)(b - a));
  s[b - a] = '\0';
  return s;
}

/* Parse one case object starting at p ('{'); returns the end. */
static const char *cv_case(const char *p, civic_vector_case *c) {
  memset(c, 0, sizeof *c);
  p = cv_ws(p + 1);
  while (*p == '"') {
    const char *k = p, *v, *e;
    p = cv_skip(p);
    p = cv_ws(p);
    p = cv_ws(p + 1); /* ':' */
    v = p;
    e = cv_skip(v);
    if (strncmp(k, "\"input\"", 7) == 0) {
      c->input = cv_dup(v, e);
    } else if (strncmp(k, "\"expect\"", 8) == 0) {
      c->expect = json_loadb(v, (size_t)(e - v), 0, NULL);
    } else if (strncmp(k, "\"name\"", 6) == 0) {
      json_t *n = json_loadb(v, (size_t)(e - v), JSON_DECODE_ANY, NULL);
      c->name = strdup(json_string_value(n) ? json_string_value(n) : "?");
      json_decref(n);
    }
    p = cv_ws(e);
    if (*p == ',')
      p = cv_ws(p + 1);
  }
  return *p == '}' ? p + 1 : p;
}

/* All cases of a vector file text; returns the count (0 on bad form). */
static size_t civic_vector_cases(const char *text, civic_vector_case *out,
                                 size_t cap) {
  const char *p = strstr(text, "\"cases\"");
  size_t n = 0;
  if (p == NULL)
    return 0;
  p = strchr(p, '[');
  if (p == NULL)
    return 0;
  p = cv_ws(p + 1);
  while (*p == '{' && n < cap) {
    p = cv_case(p, &out[n++]);
    p = cv_ws(p);
    if (*p == ',')
      p = cv_ws(p + 1);
  }
  return n;
}

static void civic_vector_case_free(civic_vector_case *c) {
  free(c->name);
  free(c->input);
  json_decref(c->expect);
}

/* Run one case through civic_evaluate and assert its outcome: the named
 * error, or output equal to `expect` (integers compared exactly). Output
 * lists come back in input order, so element-wise equality is right here
 * (tests/test_vectors.c adds the shuffled runs). */
static void civic_vector_check_case(civic_ctx *ctx, const char *kind,
                                    const civic_vector_case *c) {
  char *out = NULL;
  civic_status st;
  const json_t *err;
  ck_assert_ptr_nonnull(c->input);
  ck_assert_ptr_nonnull(c->expect);
  st = civic_evaluate(ctx, kind, c->input, &out);
  err = json_object_get(c->expect, "error");
  if (err != NULL) {
    ck_assert_msg(strcmp(civic_status_name(st), json_string_value(err)) == 0,
                  "%s: got %s (%s), want %s", c->name, civic_status_name(st),
                  civic_ctx_errmsg(ctx), json_string_value(err));
  } else {
    json_t *got;
    ck_assert_msg(st == CIVIC_OK, "%s: %s", c->name, civic_ctx_errmsg(ctx));
    got = json_loads(out, 0, NULL);
    ck_assert_msg(json_equal(got, c->expect), "%s: got %s", c->name, out);
    json_decref(got);
  }
  civic_free(out);
}

#endif
