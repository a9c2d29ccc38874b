/* civic recalc [FILE] [--scheme SCHEME.json] [--table]
 *
 * Reads one recalculation input (docs/recalc.md): a scheme, a household
 * timeline, the payments made, the months to recalculate, the recovery
 * policy and optionally a scenario comparison. The scheme may be given
 * inline ("scheme"), by --scheme, or by a "scheme_file" path in the input
 * (relative to the current directory). Prints the JSON result, or with
 * --table a per-month table and the corrections for people. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Attach the scheme to the input when it is not inline. */
static int attach_scheme(json_t *in, const char *scheme_path) {
  char *text;
  json_t *scheme;
  json_error_t err;
  const char *path = scheme_path;
  if (path == NULL && json_object_get(in, "scheme") != NULL)
    return 0;
  if (path == NULL)
    path = json_string_value(json_object_get(in, "scheme_file"));
  if (path == NULL)
    return 0; /* the library reports the missing scheme */
  text = cli_read_input(path);
  if (text == NULL)
    return 3;
  scheme = json_loads(text, JSON_REJECT_DUPLICATES, &err);
  free(text);
  if (scheme == NULL) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s: line %d column %d: %s", path, err.line,
             err.column, err.text);
    return cli_fail(CIVIC_E_MALFORMED_JSON, msg);
  }
  json_object_set_new(in, "scheme", scheme);
  return 0;
}

static long long num(const json_t *o, const char *key) {
  return (long long)json_integer_value(json_object_get(o, key));
}

static const char *str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

static void print_scenario(const char *label, const json_t *o) {
  printf("  %-22s debt %10lld  recovered %10lld  outstanding %10lld  "
         "months below floor %lld\n",
         label, num(o, "debt_incurred"), num(o, "recovered"),
         num(o, "outstanding_at_end"), num(o, "months_in_arrears"));
}

/* Amounts are printed in minor units (cents), exactly as computed. */
static void print_table(const json_t *out) {
  size_t i, j;
  const json_t *months = json_object_get(out, "months"), *m, *b, *c;
  const json_t *rec = json_object_get(out, "recovery");
  const json_t *sc = json_object_get(out, "scenarios");
  printf("household %s, as known at %s (amounts in cents)\n\n",
         str(out, "household"), str(out, "known_at"));
  printf("%-8s %-24s %12s %12s %12s\n", "month", "benefit", "due", "paid",
         "difference");
  json_array_foreach(months, i, m) {
    json_array_foreach(json_object_get(m, "benefits"), j, b) {
      if (num(b, "due") == 0 && num(b, "paid") == 0)
        continue;
      printf("%-8s %-24s %12lld %12lld %12lld\n", str(m, "month"),
             str(b, "benefit"), num(b, "due"), num(b, "paid"),
             num(b, "difference"));
    }
  }
  printf("\ncorrections:\n");
  json_array_foreach(json_object_get(out, "corrections"), i, c) {
    printf("  %-8s %-24s %-12s %10lld  netted %8lld  %s %lld\n",
           str(c, "month"), str(c, "benefit"), str(c, "kind"), num(c, "amount"),
           num(c, "netted"),
           json_object_get(c, "paid_now") ? "paid now" : "receivable",
           json_object_get(c, "paid_now") ? num(c, "paid_now")
                                          : num(c, "receivable"));
  }
  printf("\nrecovery: older debt %lld + new debt %lld; recovered %lld in "
         "%zu months; remaining %lld (%s)\n",
         num(rec, "older_debt"), num(rec, "new_debt"), num(rec, "recovered"),
         json_array_size(json_object_get(rec, "instalments")),
         num(rec, "remaining"), str(rec, "stopped"));
  if (sc != NULL) {
    printf("\nscenarios (pay day %lld):\n", num(sc, "pay_day"));
    char label[64];
    snprintf(label, sizeof label, "set-off after %lld weeks", num(sc, "weeks"));
    print_scenario("recalculate at once",
                   json_object_get(sc, "recalculate_at_once"));
    print_scenario(label, json_object_get(sc, "setoff_after_weeks"));
  }
}

int cli_cmd_recalc(int argc, char **argv) {
  const char *path = NULL, *scheme_path = NULL;
  bool table = false;
  civic_ctx *ctx = NULL;
  char *input, *text = NULL, *output = NULL;
  json_t *in;
  json_error_t err;
  civic_status st;
  int i, rc;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--table") == 0)
      table = true;
    else if (strcmp(argv[i], "--scheme") == 0 && i + 1 < argc)
      scheme_path = argv[++i];
    else if (argv[i][0] == '-' && argv[i][1] != '\0')
      return cli_fail(CIVIC_E_INVALID_ARGUMENT,
                      "usage: civic recalc [FILE] [--scheme FILE] [--table]");
    else if (path != NULL)
      return cli_fail(CIVIC_E_INVALID_ARGUMENT, "more than one input file");
    else
      path = argv[i];
  }
  input = cli_read_input(path);
  if (input == NULL)
    return 3;
  in = json_loads(input, JSON_REJECT_DUPLICATES, &err);
  if (in != NULL && json_is_object(in)) {
    rc = attach_scheme(in, scheme_path);
    if (rc != 0) {
      json_decref(in);
      free(input);
      return rc;
    }
    text = json_dumps(in, JSON_COMPACT);
  }
  json_decref(in);
  st = civic_ctx_new(&ctx);
  /* Malformed input goes to the library as is, so it reports the error. */
  if (st == CIVIC_OK)
    st = civic_recalc_run(ctx, text ? text : input, &output);
  free(input);
  free(text);
  if (st != CIVIC_OK) {
    rc = cli_fail(st, ctx ? civic_ctx_errmsg(ctx) : "out of memory");
    civic_ctx_free(ctx);
    return rc;
  }
  civic_ctx_free(ctx);
  if (table) {
    json_t *out = json_loads(output, 0, &err);
    print_table(out);
    json_decref(out);
  } else
    printf("%s\n", output);
  civic_free(output);
  return 0;
}
