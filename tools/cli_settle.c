/* civic settle ...: settle residents' periods on a ledger journal.
 *
 *   civic settle setup LEDGER CREDIT_LINE [--fund ID]
 *   civic settle consent grant|revoke|status LEDGER RESIDENT
 *                        [--actor A] [--time T] [--scope S]
 *   civic settle run LEDGER [FILE] [--text]
 *   civic settle alerts LEDGER DAY
 *   civic settle statement [FILE]      (format a run result as text)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static int usage_error(void) {
  return cli_fail(CIVIC_E_INVALID_ARGUMENT,
                  "usage: civic settle setup LEDGER CREDIT_LINE [--fund ID] | "
                  "consent grant|revoke|status LEDGER RESIDENT [--actor A] "
                  "[--time T] [--scope S] | run LEDGER [FILE] [--text] | "
                  "alerts LEDGER DAY | statement [FILE]");
}

static int parse_i64(const char *text, int64_t *out) {
  char *end;
  long long v;
  errno = 0;
  v = strtoll(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0')
    return -1;
  *out = (int64_t)v;
  return 0;
}

/* Open a journal; `create` makes a new one when the file does not exist. */
static int open_ledger(const char *path, int create, civic_ledger **out) {
  civic_status st;
  if (create && access(path, F_OK) != 0)
    st = civic_ledger_create(out, path);
  else
    st = civic_ledger_open(out, path);
  if (st != CIVIC_OK) {
    char msg[600];
    snprintf(msg, sizeof msg, "%s: cannot open ledger", path);
    return cli_fail(st, msg);
  }
  return 0;
}

static int fail_ctx(civic_status st, civic_ctx *ctx, civic_ledger *ledger) {
  int rc = cli_fail(st, ctx ? civic_ctx_errmsg(ctx) : "out of memory");
  civic_ctx_free(ctx);
  civic_ledger_free(ledger);
  return rc;
}

static int cmd_setup(int argc, char **argv) {
  const char *fund = NULL;
  int64_t credit = 0;
  civic_ledger *ledger = NULL;
  civic_ctx *ctx = NULL;
  civic_status st;
  int rc;
  if (argc == 5 && strcmp(argv[3], "--fund") == 0)
    fund = argv[4];
  else if (argc != 3)
    return usage_error();
  if (parse_i64(argv[2], &credit) != 0)
    return cli_fail(CIVIC_E_INVALID_ARGUMENT,
                    "CREDIT_LINE: an integer in cents");
  if ((rc = open_ledger(argv[1], 1, &ledger)) != 0)
    return rc;
  if ((st = civic_ctx_new(&ctx)) == CIVIC_OK)
    st = civic_settle_setup(ctx, ledger, fund, credit);
  if (st != CIVIC_OK)
    return fail_ctx(st, ctx, ledger);
  printf("{\"fund\":\"%s\",\"credit_line\":%lld}\n",
         fund ? fund : CIVIC_SETTLE_DEFAULT_FUND, (long long)credit);
  civic_ctx_free(ctx);
  civic_ledger_free(ledger);
  return 0;
}

static int cmd_consent(int argc, char **argv) {
  const char *actor = "cli", *scope = NULL, *verb;
  int64_t time = 0;
  civic_ledger *ledger = NULL;
  civic_ctx *ctx = NULL;
  civic_status st;
  int i, rc, granted = 0;
  if (argc < 4)
    return usage_error();
  verb = argv[1];
  for (i = 4; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--actor") == 0)
      actor = argv[i + 1];
    else if (strcmp(argv[i], "--scope") == 0)
      scope = argv[i + 1];
    else if (strcmp(argv[i], "--time") == 0 &&
             parse_i64(argv[i + 1], &time) == 0)
      continue;
    else
      return usage_error();
  }
  if (i != argc)
    return usage_error();
  if ((rc = open_ledger(argv[2], 0, &ledger)) != 0)
    return rc;
  if ((st = civic_ctx_new(&ctx)) != CIVIC_OK)
    return fail_ctx(st, ctx, ledger);
  if (strcmp(verb, "grant") == 0)
    st = civic_settle_consent_grant(ctx, ledger, argv[3], actor, time, scope);
  else if (strcmp(verb, "revoke") == 0)
    st = civic_settle_consent_revoke(ctx, ledger, argv[3], actor, time);
  else if (strcmp(verb, "status") != 0) {
    civic_ctx_free(ctx);
    civic_ledger_free(ledger);
    return usage_error();
  }
  if (st == CIVIC_OK)
    st = civic_settle_consent_status(ctx, ledger, argv[3], &granted);
  if (st != CIVIC_OK)
    return fail_ctx(st, ctx, ledger);
  printf("{\"resident\":\"%s\",\"consent\":%s}\n", argv[3],
         granted ? "true" : "false");
  civic_ctx_free(ctx);
  civic_ledger_free(ledger);
  return 0;
}

/* Print a run result as JSON, or as the readable statement. */
static int print_result(civic_ctx *ctx, const char *json, int text) {
  char *out = NULL;
  civic_status st;
  if (!text) {
    printf("%s\n", json);
    return 0;
  }
  st = civic_settle_statement_text(ctx, json, &out);
  if (st != CIVIC_OK)
    return cli_fail(st, civic_ctx_errmsg(ctx));
  fputs(out, stdout);
  civic_free(out);
  return 0;
}

static int cmd_run(int argc, char **argv) {
  const char *path = NULL;
  int text = 0, i, rc;
  civic_ledger *ledger = NULL;
  civic_ctx *ctx = NULL;
  char *input, *result = NULL;
  civic_status st;
  if (argc < 2)
    return usage_error();
  for (i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--text") == 0)
      text = 1;
    else if (path == NULL)
      path = argv[i];
    else
      return usage_error();
  }
  input = cli_read_input(path);
  if (input == NULL)
    return 3;
  if ((rc = open_ledger(argv[1], 0, &ledger)) != 0) {
    free(input);
    return rc;
  }
  if ((st = civic_ctx_new(&ctx)) == CIVIC_OK)
    st = civic_settle_period_json(ctx, ledger, input, &result);
  free(input);
  if (st != CIVIC_OK)
    return fail_ctx(st, ctx, ledger);
  rc = print_result(ctx, result, text);
  civic_free(result);
  civic_ctx_free(ctx);
  civic_ledger_free(ledger);
  return rc;
}

static int cmd_alerts(int argc, char **argv) {
  int64_t day;
  civic_ledger *ledger = NULL;
  civic_ctx *ctx = NULL;
  char *out = NULL;
  civic_status st;
  int rc;
  if (argc != 3)
    return usage_error();
  if (parse_i64(argv[2], &day) != 0 || day < 0 || day > 32)
    return cli_fail(CIVIC_E_OUT_OF_RANGE, "DAY: a day of the period, 0..32");
  if ((rc = open_ledger(argv[1], 0, &ledger)) != 0)
    return rc;
  if ((st = civic_ctx_new(&ctx)) == CIVIC_OK)
    st = civic_settle_alerts_json(ctx, ledger, (int32_t)day, &out);
  if (st != CIVIC_OK)
    return fail_ctx(st, ctx, ledger);
  printf("%s\n", out);
  civic_free(out);
  civic_ctx_free(ctx);
  civic_ledger_free(ledger);
  return 0;
}

static int cmd_statement(int argc, char **argv) {
  civic_ctx *ctx = NULL;
  char *input;
  int rc;
  if (argc > 2)
    return usage_error();
  input = cli_read_input(argc == 2 ? argv[1] : NULL);
  if (input == NULL)
    return 3;
  if (civic_ctx_new(&ctx) != CIVIC_OK) {
    free(input);
    return cli_fail(CIVIC_E_NOMEM, "out of memory");
  }
  rc = print_result(ctx, input, 1);
  free(input);
  civic_ctx_free(ctx);
  return rc;
}

int cli_cmd_settle(int argc, char **argv) {
  if (argc < 2)
    return usage_error();
  if (strcmp(argv[1], "setup") == 0)
    return cmd_setup(argc - 1, argv + 1);
  if (strcmp(argv[1], "consent") == 0)
    return cmd_consent(argc - 1, argv + 1);
  if (strcmp(argv[1], "run") == 0)
    return cmd_run(argc - 1, argv + 1);
  if (strcmp(argv[1], "alerts") == 0)
    return cmd_alerts(argc - 1, argv + 1);
  if (strcmp(argv[1], "statement") == 0)
    return cmd_statement(argc - 1, argv + 1);
  return usage_error();
}
