/* The C runner for the cross-language golden vectors (tests/vectors/NAME.json).
 *
 * Implements tests/vectors/README.md literally: every case runs through
 * civic_evaluate (kind from the file), unshuffled and then once per shuffle
 * seed, and the result must equal the hand-worked expectation exactly
 * (jansson's json_equal compares integers as integers). One JSON line per
 * case goes to the report that scripts/check-vectors.py compares across
 * languages.
 *
 * Number literals that are not int64 integers (an out-of-range integer, a
 * fraction, an exponent) cannot live in a jansson tree without changing
 * them, yet bad-input cases need them verbatim. The loader therefore swaps
 * each such literal for a marker string and puts the raw text back when it
 * serialises the input, so the library sees exactly what the file says.
 */
#include <civic/civic.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define SHUFFLE_SEEDS 5
#define RAW_MARK "@@civic-raw-number@@"
#define MAX_FILES 256

/* ---- test-process state (test code only; never in libcivic) ---- */
static char *g_files[MAX_FILES]; /* base names, sorted */
static size_t g_nfiles;
static char g_dir[4096];
static char g_report[4096];

/* ---------------------------------------------------------------------- */
/* Raw-number preservation                                                  */

/* Is the token [s, s+n) a plain JSON integer that fits int64? */
static bool is_int64_literal(const char *s, size_t n) {
  static const char MAXPOS[] = "9223372036854775807";
  static const char MAXNEG[] = "9223372036854775808";
  const char *lim = MAXPOS;
  size_t i = 0, digits;
  if (n > 0 && s[0] == '-') {
    lim = MAXNEG;
    i = 1;
  }
  digits = n - i;
  if (digits == 0)
    return false;
  for (size_t k = i; k < n; k++)
    if (s[k] < '0' || s[k] > '9')
      return false;
  if (digits < 19)
    return true;
  if (digits > 19)
    return false;
  return strncmp(s + i, lim, 19) <= 0;
}

/* Copy JSON text, replacing every number literal that is not an int64
 * integer with the string "RAW_MARK<literal>". Caller frees. */
static char *protect_raw_numbers(const char *text) {
  size_t len = strlen(text), o = 0;
  /* Each marker adds strlen(RAW_MARK) + 2 bytes to a token of >= 1 byte. */
  char *out = malloc(len * (sizeof RAW_MARK + 2) + 1);
  bool in_string = false;
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < len;) {
    char c = text[i];
    if (in_string) {
      out[o++] = c;
      if (c == '\\' && i + 1 < len) {
        out[o++] = text[i + 1];
        i += 2;
        continue;
      }
      if (c == '"')
        in_string = false;
      i++;
      continue;
    }
    if (c == '"') {
      in_string = true;
      out[o++] = c;
      i++;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      size_t start = i;
      while (i < len && strchr("+-.0123456789eE", text[i]) != NULL)
        i++;
      if (is_int64_literal(text + start, i - start)) {
        memcpy(out + o, text + start, i - start);
        o += i - start;
      } else {
        o += (size_t)sprintf(out + o, "\"%s", RAW_MARK);
        memcpy(out + o, text + start, i - start);
        o += i - start;
        out[o++] = '"';
      }
      continue;
    }
    out[o++] = c;
    i++;
  }
  out[o] = '\0';
  return out;
}

/* Serialise a value and put raw number literals back in place. */
static char *dump_with_raw_numbers(const json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
  const char *needle = "\"" RAW_MARK;
  char *p, *q;
  if (s == NULL)
    return NULL;
  /* Remove `"RAW_MARK` before and `"` after each literal, in place. */
  while ((p = strstr(s, needle)) != NULL) {
    size_t mark = strlen(needle);
    memmove(p, p + mark, strlen(p + mark) + 1);
    q = p;
    while (*q != '"' && *q != '\0')
      q++;
    if (*q == '"')
      memmove(q, q + 1, strlen(q + 1) + 1);
  }
  return s;
}

/* ---------------------------------------------------------------------- */
/* The reference shuffle (README section 3)                                 */

typedef struct perm_record {
  size_t *perm; /* perm[i] = original index of shuffled position i */
  size_t n;
} perm_record;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void shuffle_value(json_t *v, civic_test_rng *rng, perm_record *top,
                          bool is_top_segments);

static void shuffle_array(json_t *a, civic_test_rng *rng, perm_record *rec) {
  size_t n = json_array_size(a);
  if (rec != NULL) {
    rec->n = n;
    rec->perm = malloc((n ? n : 1) * sizeof *rec->perm);
    ck_assert_ptr_nonnull(rec->perm);
    for (size_t i = 0; i < n; i++)
      rec->perm[i] = i;
  }
  for (size_t i = n; i-- > 1;) {
    size_t j = (size_t)(civic_test_rng_next(rng) % (uint64_t)(i + 1));
    json_t *vi, *vj;
    if (i == j)
      continue;
    vi = json_incref(json_array_get(a, i));
    vj = json_incref(json_array_get(a, j));
    json_array_set_new(a, i, vj);
    json_array_set_new(a, j, vi);
    if (rec != NULL) {
      size_t t = rec->perm[i];
      rec->perm[i] = rec->perm[j];
      rec->perm[j] = t;
    }
  }
  for (size_t i = 0; i < n; i++)
    shuffle_value(json_array_get(a, i), rng, NULL, false);
}

static void shuffle_object(json_t *o, civic_test_rng *rng, perm_record *top,
                           bool top_level) {
  size_t n = json_object_size(o), k = 0;
  const char **keys = malloc((n ? n : 1) * sizeof *keys);
  const char *key;
  json_t *member;
  ck_assert_ptr_nonnull(keys);
  json_object_foreach(o, key, member) keys[k++] = key;
  qsort(keys, n, sizeof *keys, cmp_str);
  for (k = 0; k < n; k++)
    shuffle_value(json_object_get(o, keys[k]), rng, top,
                  top_level && strcmp(keys[k], "segments") == 0);
  free(keys);
}

/* `top` (when non-NULL) receives the permutation of the top-level
 * `segments` array, which prorate un-permutes. */
static void shuffle_value(json_t *v, civic_test_rng *rng, perm_record *top,
                          bool is_top_segments) {
  if (json_is_array(v))
    shuffle_array(v, rng, is_top_segments ? top : NULL);
  else if (json_is_object(v))
    shuffle_object(v, rng, NULL, false);
}

/* Shuffle a whole case input with one seed. */
static void shuffle_input(json_t *input, uint64_t seed, perm_record *top) {
  civic_test_rng rng = {seed};
  top->perm = NULL;
  top->n = 0;
  if (json_is_object(input))
    shuffle_object(input, &rng, top, true);
  else
    shuffle_value(input, &rng, NULL, false);
}

/* Does the value hold an array of two or more elements anywhere? */
static bool has_shufflable_array(const json_t *v) {
  size_t i;
  const char *key;
  json_t *member;
  if (json_is_array(v)) {
    if (json_array_size(v) >= 2)
      return true;
    for (i = 0; i < json_array_size(v); i++)
      if (has_shufflable_array(json_array_get(v, i)))
        return true;
  } else if (json_is_object(v)) {
    json_object_foreach((json_t *)v, key, member) {
      if (has_shufflable_array(member))
        return true;
    }
  }
  return false;
}

/* ---------------------------------------------------------------------- */
/* Comparison (README sections 2 and 3)                                     */

/* Which top-level output array the spec returns "in input order". */
static const char *input_order_key(const char *kind) {
  if (strcmp(kind, "waterfall") == 0)
    return "obligations";
  if (strcmp(kind, "split") == 0)
    return "shares";
  if (strcmp(kind, "prorate") == 0)
    return "segments";
  return NULL;
}

static bool match_by_id(const json_t *expect, const json_t *actual) {
  size_t n = json_array_size(expect);
  if (!json_is_array(expect) || !json_is_array(actual) ||
      json_array_size(actual) != n)
    return false;
  for (size_t i = 0; i < n; i++) {
    const json_t *e = json_array_get(expect, i);
    const json_t *id = json_object_get(e, "id");
    size_t found = 0;
    for (size_t j = 0; j < n; j++) {
      const json_t *a = json_array_get(actual, j);
      if (id != NULL && json_equal(json_object_get(a, "id"), (json_t *)id)) {
        found++;
        if (!json_equal((json_t *)e, (json_t *)a))
          return false;
      }
    }
    if (found != 1)
      return false;
  }
  return true;
}

static bool match_unpermuted(const json_t *expect, const json_t *actual,
                             const perm_record *perm) {
  size_t n = json_array_size(expect);
  if (!json_is_array(expect) || !json_is_array(actual) ||
      json_array_size(actual) != n || perm->perm == NULL || perm->n != n)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!json_equal(json_array_get(actual, i),
                    json_array_get(expect, perm->perm[i])))
      return false;
  return true;
}

/* Compare an output object with the expectation; for shuffled runs the
 * kind's input-order array is matched by id or un-permuted. */
static bool outputs_match(const char *kind, const json_t *expect,
                          const json_t *actual, const perm_record *perm,
                          bool shuffled) {
  const char *key = input_order_key(kind);
  json_t *e_rest, *a_rest;
  bool same;
  if (!shuffled || key == NULL || !json_is_object(expect) ||
      !json_is_object(actual))
    return json_equal((json_t *)expect, (json_t *)actual);
  e_rest = json_copy((json_t *)expect);
  a_rest = json_copy((json_t *)actual);
  json_object_del(e_rest, key);
  json_object_del(a_rest, key);
  same = json_equal(e_rest, a_rest);
  json_decref(e_rest);
  json_decref(a_rest);
  if (!same)
    return false;
  if (strcmp(kind, "prorate") == 0)
    return match_unpermuted(json_object_get(expect, key),
                            json_object_get(actual, key), perm);
  return match_by_id(json_object_get(expect, key),
                     json_object_get(actual, key));
}

/* ---------------------------------------------------------------------- */
/* Running cases                                                            */

/* One evaluation of an input tree; compares with expect. On a mismatch
 * writes a short explanation into detail. */
static bool run_once(civic_ctx *ctx, const char *kind, const json_t *input,
                     const json_t *expect, const perm_record *perm,
                     bool shuffled, char *detail, size_t cap) {
  char *text = dump_with_raw_numbers(input), *out = NULL;
  const json_t *want_error = json_object_get(expect, "error");
  civic_status st;
  bool ok;
  ck_assert_ptr_nonnull(text);
  st = civic_evaluate(ctx, kind, text, &out);
  free(text);
  if (want_error != NULL && json_object_size(expect) == 1) {
    const char *want = json_string_value(want_error);
    ok = st != CIVIC_OK && want != NULL &&
         strcmp(civic_status_name(st), want) == 0;
    if (!ok)
      snprintf(detail, cap, "expected error %s, got %s (%s)", want ? want : "?",
               civic_status_name(st),
               st == CIVIC_OK ? out : civic_ctx_errmsg(ctx));
  } else if (st != CIVIC_OK) {
    ok = false;
    snprintf(detail, cap, "unexpected error %s: %s", civic_status_name(st),
             civic_ctx_errmsg(ctx));
  } else {
    json_error_t jerr;
    json_t *actual = json_loads(out, 0, &jerr);
    ok = actual != NULL && outputs_match(kind, expect, actual, perm, shuffled);
    if (!ok) {
      char *want = json_dumps(expect, JSON_COMPACT | JSON_PRESERVE_ORDER);
      snprintf(detail, cap, "expected %.400s got %.400s", want ? want : "?",
               out);
      free(want);
    }
    json_decref(actual);
  }
  civic_free(out);
  return ok;
}

typedef struct case_result {
  bool ok;
  int shuffles;
  char detail[1024];
} case_result;

static void run_case(civic_ctx *ctx, const char *kind, const json_t *input,
                     const json_t *expect, case_result *r) {
  perm_record none = {NULL, 0};
  r->shuffles = 0;
  r->detail[0] = '\0';
  r->ok = run_once(ctx, kind, input, expect, &none, false, r->detail,
                   sizeof r->detail);
  if (!r->ok || !has_shufflable_array(input))
    return;
  for (uint64_t seed = 1; seed <= SHUFFLE_SEEDS; seed++) {
    json_t *copy = json_deep_copy(input);
    perm_record perm;
    char sub[900];
    ck_assert_ptr_nonnull(copy);
    shuffle_input(copy, seed, &perm);
    r->ok = run_once(ctx, kind, copy, expect, &perm, true, sub, sizeof sub);
    free(perm.perm);
    json_decref(copy);
    if (!r->ok) {
      snprintf(r->detail, sizeof r->detail, "shuffle seed %llu: %s",
               (unsigned long long)seed, sub);
      return;
    }
    r->shuffles++;
  }
}

/* Load a vector file with raw-number protection. */
static json_t *load_vector_file(const char *path, char *why, size_t cap) {
  char *text = civic_test_read_file(path), *safe;
  json_error_t err;
  json_t *root;
  if (text == NULL) {
    snprintf(why, cap, "cannot read %.300s: %.100s", path, strerror(errno));
    return NULL;
  }
  safe = protect_raw_numbers(text);
  free(text);
  ck_assert_ptr_nonnull(safe);
  root = json_loads(safe, JSON_REJECT_DUPLICATES, &err);
  free(safe);
  if (root == NULL)
    snprintf(why, cap, "%.300s: line %d: %.160s", path, err.line, err.text);
  return root;
}

static void write_report_line(FILE *f, const char *file, const char *name,
                              const case_result *r) {
  json_t *line =
      json_pack("{s:s, s:s, s:s, s:i, s:b}", "lang", "c", "file", file, "case",
                name, "shuffles", r->shuffles, "ok", r->ok);
  char *s;
  ck_assert_ptr_nonnull(line);
  if (!r->ok)
    json_object_set_new(line, "detail", json_string(r->detail));
  s = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
  fprintf(f, "%s\n", s);
  free(s);
  json_decref(line);
}

static void part_path(char *buf, size_t cap, size_t index) {
  snprintf(buf, cap, "%s.part%03zu", g_report, index);
}

/* One Check loop iteration per vector file. */
START_TEST(vector_file) {
  const char *base = g_files[_i];
  char path[8192], why[512], part[8192], first_fail[1200] = "";
  json_t *root, *cases, *kind_v;
  const char *kind;
  civic_ctx *ctx = NULL;
  size_t i, failed = 0, n;
  FILE *rep;

  snprintf(path, sizeof path, "%s/%s", g_dir, base);
  root = load_vector_file(path, why, sizeof why);
  ck_assert_msg(root != NULL, "%s", why);
  kind_v = json_object_get(root, "kind");
  cases = json_object_get(root, "cases");
  ck_assert_msg(json_is_string(kind_v), "%s: \"kind\" must be a string", base);
  ck_assert_msg(json_is_array(cases), "%s: \"cases\" must be an array", base);
  kind = json_string_value(kind_v);
  n = json_array_size(cases);
  ck_assert_msg(n > 0, "%s: no cases", base);
  ck_assert_int_eq(civic_ctx_new(&ctx), CIVIC_OK);
  part_path(part, sizeof part, (size_t)_i);
  rep = fopen(part, "w");
  ck_assert_msg(rep != NULL, "cannot write %s", part);

  for (i = 0; i < n; i++) {
    const json_t *c = json_array_get(cases, i);
    const char *name = json_string_value(json_object_get(c, "name"));
    const json_t *input = json_object_get(c, "input");
    const json_t *expect = json_object_get(c, "expect");
    case_result r;
    if (name == NULL || input == NULL || !json_is_object(expect)) {
      r.ok = false;
      r.shuffles = 0;
      snprintf(r.detail, sizeof r.detail,
               "case %zu lacks name, input or an expect object", i);
    } else {
      run_case(ctx, kind, input, expect, &r);
    }
    write_report_line(rep, base, name ? name : "", &r);
    if (!r.ok) {
      fprintf(stderr, "FAIL %s / %s: %s\n", base, name ? name : "?", r.detail);
      if (failed++ == 0)
        snprintf(first_fail, sizeof first_fail, "%.100s: %.1000s",
                 name ? name : "?", r.detail);
    }
  }
  fclose(rep);
  civic_ctx_free(ctx);
  /* Report before json_decref: `kind` lives inside root. */
  if (failed != 0) {
    char kind_copy[64];
    snprintf(kind_copy, sizeof kind_copy, "%s", kind);
    json_decref(root);
    ck_abort_msg("%s (kind %s): %zu of %zu cases failed; first: %s", base,
                 kind_copy, failed, n, first_fail);
  }
  json_decref(root);
}
END_TEST

START_TEST(vector_files_exist) {
  ck_assert_msg(g_nfiles > 0, "no *.json vector files in %s", g_dir);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Self-tests of the runner's own machinery (no library kinds needed)       */

START_TEST(raw_numbers_survive_round_trip) {
  const char *text = "{\"a\": [9223372036854775807, 9223372036854775808, "
                     "-9223372036854775808, -9223372036854775809, 1.5, 1e3,"
                     " \"x\\\"-1.5\", 0]}";
  char *safe = protect_raw_numbers(text), *back;
  json_error_t err;
  json_t *v = json_loads(safe, 0, &err);
  ck_assert_ptr_nonnull(v);
  back = dump_with_raw_numbers(v);
  ck_assert_str_eq(back, "{\"a\":[9223372036854775807,9223372036854775808,"
                         "-9223372036854775808,-9223372036854775809,1.5,1e3,"
                         "\"x\\\"-1.5\",0]}");
  free(back);
  free(safe);
  json_decref(v);
}
END_TEST

START_TEST(shuffle_is_deterministic_and_records_permutation) {
  const char *text = "{\"segments\": [10, 11, 12, 13, 14, 15, 16],"
                     " \"x\": [[1, 2, 3], {\"y\": [4, 5]}]}";
  json_t *a = json_loads(text, 0, NULL), *b = json_loads(text, 0, NULL);
  perm_record pa, pb;
  bool moved = false;
  shuffle_input(a, 3, &pa);
  shuffle_input(b, 3, &pb);
  ck_assert(json_equal(a, b));
  ck_assert_uint_eq(pa.n, 7);
  for (size_t i = 0; i < pa.n; i++) {
    ck_assert_int_eq(
        json_integer_value(json_array_get(json_object_get(a, "segments"), i)),
        (json_int_t)(10 + pa.perm[i]));
    moved = moved || pa.perm[i] != i;
  }
  ck_assert(moved);
  free(pa.perm);
  free(pb.perm);
  json_decref(a);
  json_decref(b);
}
END_TEST

START_TEST(comparison_relaxes_only_input_order_arrays) {
  json_t *e = json_loads("{\"obligations\": [{\"id\": \"a\", \"p\": 1}, "
                         "{\"id\": \"b\", \"p\": 2}], \"t\": 3}",
                         0, NULL);
  json_t *a = json_loads("{\"t\": 3, \"obligations\": [{\"id\": \"b\", "
                         "\"p\": 2}, {\"p\": 1, \"id\": \"a\"}]}",
                         0, NULL);
  json_t *bad = json_loads("{\"t\": 3, \"obligations\": [{\"id\": \"b\", "
                           "\"p\": 1}, {\"p\": 2, \"id\": \"a\"}]}",
                           0, NULL);
  json_t *pe = json_loads("{\"segments\": [1, 2, 3], \"total\": 6}", 0, NULL);
  json_t *pa = json_loads("{\"segments\": [3, 1, 2], \"total\": 6}", 0, NULL);
  size_t perm_ok[3] = {2, 0, 1}, perm_bad[3] = {0, 1, 2};
  perm_record good = {perm_ok, 3}, wrong = {perm_bad, 3};
  ck_assert(!outputs_match("waterfall", e, a, NULL, false));
  ck_assert(outputs_match("waterfall", e, a, NULL, true));
  ck_assert(!outputs_match("waterfall", e, bad, NULL, true));
  ck_assert(!outputs_match("tally", e, a, NULL, true));
  ck_assert(outputs_match("prorate", pe, pa, &good, true));
  ck_assert(!outputs_match("prorate", pe, pa, &wrong, true));
  json_decref(e);
  json_decref(a);
  json_decref(bad);
  json_decref(pe);
  json_decref(pa);
}
END_TEST

START_TEST(integers_compare_exactly) {
  /* 2^53 and 2^53 + 1 are the same double; they must differ here. */
  json_t *x = json_loads("{\"v\": 9007199254740992}", 0, NULL);
  json_t *y = json_loads("{\"v\": 9007199254740993}", 0, NULL);
  ck_assert(!outputs_match("redeem", x, y, NULL, false));
  json_decref(x);
  json_decref(y);
}
END_TEST

/* ---------------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void discover_files(void) {
  const char *env = getenv("CIVIC_VECTOR_DIR");
  DIR *dir;
  struct dirent *ent;
  snprintf(g_dir, sizeof g_dir, "%s",
           env && *env ? env : CIVIC_SOURCE_DIR "/tests/vectors");
  dir = opendir(g_dir);
  if (dir == NULL)
    return;
  while ((ent = readdir(dir)) != NULL && g_nfiles < MAX_FILES) {
    size_t n = strlen(ent->d_name);
    if (n > 5 && strcmp(ent->d_name + n - 5, ".json") == 0 &&
        ent->d_name[0] != '.')
      g_files[g_nfiles++] = strdup(ent->d_name);
  }
  closedir(dir);
  qsort(g_files, g_nfiles, sizeof g_files[0], cmp_names);
}

static void choose_report_path(void) {
  const char *env = getenv("CIVIC_VECTOR_REPORT");
  if (env && *env) {
    snprintf(g_report, sizeof g_report, "%s", env);
  } else {
    mkdir(CIVIC_SOURCE_DIR "/build", 0777);
    snprintf(g_report, sizeof g_report, "%s",
             CIVIC_SOURCE_DIR "/build/vector-report-c.jsonl");
  }
}

/* Concatenate the per-file parts written by the (possibly forked) tests,
 * in file order, into the report; temp file + rename so readers never see
 * half a report. */
static void merge_report(void) {
  char tmp[4200], part[8192], buf[8192];
  FILE *out;
  snprintf(tmp, sizeof tmp, "%s.tmp%ld", g_report, (long)getpid());
  out = fopen(tmp, "w");
  if (out == NULL) {
    fprintf(stderr, "cannot write vector report %s\n", tmp);
    return;
  }
  for (size_t i = 0; i < g_nfiles; i++) {
    FILE *in;
    size_t n;
    part_path(part, sizeof part, i);
    in = fopen(part, "r");
    if (in == NULL)
      continue; /* the test died before writing: its cases are missing */
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
      fwrite(buf, 1, n, out);
    fclose(in);
    remove(part);
  }
  fclose(out);
  if (rename(tmp, g_report) != 0)
    fprintf(stderr, "cannot rename %s to %s\n", tmp, g_report);
  else
    fprintf(stderr, "vector report: %s\n", g_report);
}

static Suite *vectors_suite(void) {
  Suite *s = suite_create("vectors");
  TCase *self = tcase_create("runner");
  TCase *files = tcase_create("files");
  tcase_add_test(self, raw_numbers_survive_round_trip);
  tcase_add_test(self, shuffle_is_deterministic_and_records_permutation);
  tcase_add_test(self, comparison_relaxes_only_input_order_arrays);
  tcase_add_test(self, integers_compare_exactly);
  tcase_add_test(files, vector_files_exist);
  tcase_add_loop_test(files, vector_file, 0, (int)g_nfiles);
  tcase_set_timeout(files, 300);
  suite_add_tcase(s, self);
  suite_add_tcase(s, files);
  return s;
}

int main(void) {
  int rc;
  discover_files();
  choose_report_path();
  rc = civic_test_run(vectors_suite());
  merge_report();
  for (size_t i = 0; i < g_nfiles; i++)
    free(g_files[i]);
  return rc;
}
