/* civic token: the reward token on a ledger journal.
 *
 *   civic token do JOURNAL [FILE]            apply one operation (JSON)
 *   civic token dashboard JOURNAL CODE       municipal dashboard
 *   civic token wallet JOURNAL CODE CITIZEN TIME
 *   civic token tally JOURNAL CODE POLL
 *
 * An operation is one JSON object {"op", "token", "time", ...}; "setup"
 * creates the journal when it does not exist yet. See docs/token.md.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

typedef struct op_args {
  json_t *o;
  civic_token *t;
  int64_t time;
} op_args;

static const char *S(const op_args *a, const char *key) {
  const char *s = json_string_value(json_object_get(a->o, key));
  return s; /* NULL when absent: the library reports it */
}

static int64_t I(const op_args *a, const char *key) {
  return (int64_t)json_integer_value(json_object_get(a->o, key));
}

/* A nested object given as JSON text, or NULL. */
static char *J(const op_args *a, const char *key) {
  const json_t *v = json_object_get(a->o, key);
  return v ? json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
}

static civic_status run_op(const char *op, op_args *a, char **result) {
  civic_token *t = a->t;
  int64_t now = a->time;
  char *text;
  civic_status st;
  if (strcmp(op, "fund") == 0)
    return civic_token_fund_reserve(t, S(a, "actor"), I(a, "amount"), now);
  if (strcmp(op, "policy") == 0)
    return civic_token_set_citizen_transfers(
        t, S(a, "actor"),
        json_is_true(json_object_get(a->o, "citizen_transfers")), now);
  if (strcmp(op, "task.create") == 0) {
    text = J(a, "task");
    st = civic_token_task_create(t, S(a, "actor"), text, now);
    free(text);
    return st;
  }
  if (strcmp(op, "task.publish") == 0)
    return civic_token_task_publish(t, S(a, "actor"), S(a, "task"), now);
  if (strcmp(op, "task.expire") == 0)
    return civic_token_task_expire(t, S(a, "actor"), S(a, "task"), now);
  if (strcmp(op, "task.cancel") == 0)
    return civic_token_task_cancel(t, S(a, "actor"), S(a, "task"), now);
  if (strcmp(op, "task.commit") == 0)
    return civic_token_task_commit(t, S(a, "citizen"), S(a, "task"), now);
  if (strcmp(op, "task.submit") == 0)
    return civic_token_task_submit(t, S(a, "citizen"), S(a, "task"),
                                   S(a, "evidence"), now);
  if (strcmp(op, "task.approve") == 0)
    return civic_token_task_approve(t, S(a, "actor"), S(a, "task"),
                                    S(a, "citizen"), now);
  if (strcmp(op, "task.reject") == 0)
    return civic_token_task_reject(t, S(a, "actor"), S(a, "task"),
                                   S(a, "citizen"), S(a, "reason"), now);
  if (strcmp(op, "entrepreneur.register") == 0)
    return civic_token_entrepreneur_register(
        t, S(a, "actor"), S(a, "entrepreneur"),
        S(a, "zone") ? S(a, "zone") : "", now);
  if (strcmp(op, "entrepreneur.activate") == 0 ||
      strcmp(op, "entrepreneur.deactivate") == 0)
    return civic_token_entrepreneur_set_active(
        t, S(a, "actor"), S(a, "entrepreneur"), op[13] == 'a', now);
  if (strcmp(op, "spend") == 0)
    return civic_token_spend(t, S(a, "citizen"), S(a, "entrepreneur"),
                             I(a, "amount"), now);
  if (strcmp(op, "transfer") == 0)
    return civic_token_transfer(t, S(a, "from"), S(a, "to"), I(a, "amount"),
                                now);
  if (strcmp(op, "redeem") == 0)
    return civic_token_redeem(t, S(a, "entrepreneur"), I(a, "tokens"), now,
                              result);
  if (strcmp(op, "expire") == 0)
    return civic_token_expire_lots(t, now);
  if (strcmp(op, "poll.create") == 0) {
    text = J(a, "poll");
    st = civic_token_poll_create(t, S(a, "actor"), text, now);
    free(text);
    return st;
  }
  if (strcmp(op, "poll.vote") == 0) {
    text = J(a, "ballot");
    st = civic_token_poll_vote(t, S(a, "poll"), S(a, "voter"), text, now);
    free(text);
    return st;
  }
  if (strcmp(op, "poll.close") == 0)
    return civic_token_poll_close(t, S(a, "actor"), S(a, "poll"), now);
  return CIVIC_E_UNKNOWN_KIND;
}

static int open_ledger(const char *path, bool create, civic_ledger **l) {
  civic_status st;
  if (create && access(path, F_OK) != 0)
    st = civic_ledger_create(l, path);
  else
    st = civic_ledger_open(l, path);
  if (st != CIVIC_OK) {
    int rc = cli_fail(st, *l ? civic_ledger_errmsg(*l) : path);
    civic_ledger_free(*l);
    *l = NULL;
    return rc;
  }
  return 0;
}

/* Open the journal and load the token named in the operation. */
static int load(const char *path, const char *code, bool setup,
                civic_ledger **l, civic_token **t) {
  int rc = open_ledger(path, setup, l);
  civic_status st;
  if (rc != 0)
    return rc;
  st = civic_token_new(t, *l);
  if (st == CIVIC_OK && !setup)
    st = civic_token_load(*t, code ? code : "");
  if (st != CIVIC_OK) {
    rc = cli_fail(st, *t ? civic_token_errmsg(*t) : "out of memory");
    civic_token_free(*t);
    civic_ledger_free(*l);
    *t = NULL;
    *l = NULL;
  }
  return rc;
}

static int cmd_do(int argc, char **argv) {
  civic_ledger *l = NULL;
  civic_token *t = NULL;
  json_error_t err;
  op_args a;
  char *input, *result = NULL;
  const char *op;
  civic_status st;
  int rc;
  if (argc < 2 || argc > 3)
    return cli_fail(CIVIC_E_INVALID_ARGUMENT,
                    "usage: civic token do JOURNAL [FILE]");
  input = cli_read_input(argc == 3 ? argv[2] : NULL);
  if (input == NULL)
    return 3;
  a.o = json_loads(input, JSON_REJECT_DUPLICATES, &err);
  free(input);
  if (!json_is_object(a.o)) {
    json_decref(a.o);
    return cli_fail(CIVIC_E_MALFORMED_JSON, err.text);
  }
  op = json_string_value(json_object_get(a.o, "op"));
  a.time = (int64_t)json_integer_value(json_object_get(a.o, "time"));
  if (op == NULL || !json_is_integer(json_object_get(a.o, "time"))) {
    json_decref(a.o);
    return cli_fail(CIVIC_E_MISSING_FIELD, "op and time are required");
  }
  rc = load(argv[1], json_string_value(json_object_get(a.o, "token")),
            strcmp(op, "setup") == 0, &l, &t);
  if (rc != 0) {
    json_decref(a.o);
    return rc;
  }
  a.t = t;
  if (strcmp(op, "setup") == 0) {
    char *cfg = J(&a, "config");
    st = civic_token_setup(t, cfg ? cfg : "", a.time);
    free(cfg);
  } else {
    st = run_op(op, &a, &result);
  }
  if (st == CIVIC_E_UNKNOWN_KIND)
    rc = cli_fail(st, "op: unknown operation");
  else if (st != CIVIC_OK)
    rc = cli_fail(st, civic_token_errmsg(t));
  else
    printf("%s\n", result ? result : "{\"ok\":true}");
  civic_free(result);
  civic_token_free(t);
  civic_ledger_free(l);
  json_decref(a.o);
  return rc;
}

static int cmd_query(int argc, char **argv) {
  civic_ledger *l = NULL;
  civic_token *t = NULL;
  char *out = NULL;
  civic_status st;
  int rc;
  const char *what = argv[0];
  int need = strcmp(what, "dashboard") == 0 ? 3
             : strcmp(what, "tally") == 0   ? 4
                                            : 5;
  if (argc != need)
    return cli_fail(CIVIC_E_INVALID_ARGUMENT,
                    "usage: civic token dashboard JOURNAL CODE | wallet "
                    "JOURNAL CODE CITIZEN TIME | tally JOURNAL CODE POLL");
  rc = load(argv[1], argv[2], false, &l, &t);
  if (rc != 0)
    return rc;
  if (need == 3)
    st = civic_token_dashboard_json(t, &out);
  else if (need == 4)
    st = civic_token_poll_tally(t, argv[3], &out);
  else
    st = civic_token_wallet_json(t, argv[3], strtoll(argv[4], NULL, 10), &out);
  if (st != CIVIC_OK)
    rc = cli_fail(st, civic_token_errmsg(t));
  else
    printf("%s\n", out);
  civic_free(out);
  civic_token_free(t);
  civic_ledger_free(l);
  return rc;
}

int cli_cmd_token(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "do") == 0)
    return cmd_do(argc - 1, argv + 1);
  if (argc >= 2 &&
      (strcmp(argv[1], "dashboard") == 0 || strcmp(argv[1], "wallet") == 0 ||
       strcmp(argv[1], "tally") == 0))
    return cmd_query(argc - 1, argv + 1);
  return cli_fail(CIVIC_E_INVALID_ARGUMENT,
                  "usage: civic token do|dashboard|wallet|tally JOURNAL ...");
}
