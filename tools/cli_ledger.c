/* civic ledger init|post|balances|verify|history|account|events|export|keygen
 * (spec section 9). Output JSON on stdout; errors as JSON on stderr. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char USAGE[] =
    "usage: civic ledger init PATH\n"
    "       civic ledger post PATH [FILE] [--sign KEY_ID SECRET_KEY_FILE]\n"
    "       civic ledger balances PATH\n"
    "       civic ledger verify PATH\n"
    "       civic ledger history PATH ACCOUNT\n"
    "       civic ledger account PATH ACCOUNT\n"
    "       civic ledger events PATH [TYPE_PREFIX]\n"
    "       civic ledger export PATH\n"
    "       civic ledger keygen\n";

static int usage_fail(void) {
  fputs(USAGE, stderr);
  return cli_fail(CIVIC_E_INVALID_ARGUMENT, "ledger: bad arguments");
}

/* Print owned JSON text and free it. */
static int print_owned(char *text) {
  printf("%s\n", text);
  civic_free(text);
  return 0;
}

static int fail_ledger(civic_status st, civic_ledger *l, const char *what) {
  char msg[1024];
  const char *detail = l ? civic_ledger_errmsg(l) : "";
  snprintf(msg, sizeof msg, "%s: %s", what,
           detail && *detail ? detail : civic_strerror(st));
  civic_ledger_free(l);
  return cli_fail(st, msg);
}

static int open_ledger(const char *path, civic_ledger **l) {
  civic_status st = civic_ledger_open(l, path);
  if (st != CIVIC_OK) {
    /* open frees the handle on failure; re-run verify for the message */
    char *report = NULL, msg[1024];
    civic_status vs = civic_ledger_verify_file(path, &report);
    snprintf(msg, sizeof msg, "cannot open %s: %s%s%s", path,
             civic_strerror(st), report && vs != CIVIC_OK ? ": " : "",
             report && vs != CIVIC_OK ? report : "");
    civic_free(report);
    return cli_fail(st, msg);
  }
  return 0;
}

/* Read a secret key file (hex, surrounding whitespace ignored). */
static char *read_secret(const char *path) {
  char *text = cli_read_input(path);
  size_t n;
  if (text == NULL)
    return NULL;
  n = strlen(text);
  while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' ||
                   text[n - 1] == ' ' || text[n - 1] == '\t'))
    text[--n] = '\0';
  return text;
}

static int cmd_post(int argc, char **argv) {
  const char *path = argv[1], *file = NULL, *key_id = NULL, *key_file = NULL;
  civic_ledger *l = NULL;
  char *input, *result = NULL;
  civic_status st;
  int i, rc;
  for (i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--sign") == 0 && i + 2 < argc) {
      key_id = argv[i + 1];
      key_file = argv[i + 2];
      i += 2;
    } else if (file == NULL) {
      file = argv[i];
    } else {
      return usage_fail();
    }
  }
  if ((input = cli_read_input(file)) == NULL)
    return 2;
  if ((rc = open_ledger(path, &l)) != 0) {
    free(input);
    return rc;
  }
  if (key_id == NULL) {
    st = civic_ledger_post_json(l, input, &result);
  } else {
    /* A signed post goes through the same JSON, re-read as a batch: post
     * it once unsigned would be wrong, so sign a batch built from JSON. */
    char *secret = read_secret(key_file);
    if (secret == NULL) {
      free(input);
      civic_ledger_free(l);
      return 3;
    }
    st = civic_ledger_post_json_signed(l, input, key_id, secret, &result);
    sodium_memzero(secret, strlen(secret)); /* not optimised away */
    free(secret);
  }
  free(input);
  if (st != CIVIC_OK)
    return fail_ledger(st, l, "post");
  civic_ledger_free(l);
  return print_owned(result);
}

static int cmd_query(const char *sub, int argc, char **argv) {
  civic_ledger *l = NULL;
  char *out = NULL;
  civic_status st;
  int rc;
  if ((rc = open_ledger(argv[1], &l)) != 0)
    return rc;
  if (strcmp(sub, "balances") == 0)
    st = civic_ledger_balances_json(l, &out);
  else if (strcmp(sub, "history") == 0 && argc == 3)
    st = civic_ledger_history_json(l, argv[2], &out);
  else if (strcmp(sub, "account") == 0 && argc == 3)
    st = civic_ledger_account_json(l, argv[2], &out);
  else if (strcmp(sub, "events") == 0 && argc <= 3)
    st = civic_ledger_events_json(l, argc == 3 ? argv[2] : "", &out);
  else {
    civic_ledger_free(l);
    return usage_fail();
  }
  if (st == CIVIC_E_UNKNOWN_REFERENCE) {
    char msg[512];
    civic_ledger_free(l);
    snprintf(msg, sizeof msg, "%s: no account '%s'", sub, argv[2]);
    return cli_fail(st, msg);
  }
  if (st != CIVIC_OK)
    return fail_ledger(st, l, sub);
  civic_ledger_free(l);
  return print_owned(out);
}

static int cmd_verify(const char *path) {
  char *report = NULL;
  civic_status st = civic_ledger_verify_file(path, &report);
  if (st == CIVIC_OK)
    return print_owned(report);
  if (report != NULL) {
    /* name the first bad record in the message */
    int rc = cli_fail(st, report);
    civic_free(report);
    return rc;
  }
  return cli_fail(st, civic_strerror(st));
}

static int cmd_keygen(void) {
  char *pk = NULL, *sk = NULL;
  civic_status st = civic_keypair_new_hex(&pk, &sk);
  if (st != CIVIC_OK)
    return cli_fail(st, "keygen failed");
  printf("{\"public_key\":\"%s\",\"secret_key\":\"%s\"}\n", pk, sk);
  civic_free(pk);
  civic_free(sk);
  return 0;
}

int cli_cmd_ledger(int argc, char **argv) {
  const char *sub;
  if (argc < 2)
    return usage_fail();
  sub = argv[1];
  argc--;
  argv++;
  if (strcmp(sub, "keygen") == 0)
    return cmd_keygen();
  if (argc < 2)
    return usage_fail();
  if (strcmp(sub, "init") == 0 && argc == 2) {
    civic_ledger *l = NULL;
    civic_status st = civic_ledger_create(&l, argv[1]);
    if (st != CIVIC_OK) {
      char msg[1024];
      snprintf(msg, sizeof msg,
               "cannot create journal %s (it must not exist "
               "yet)",
               argv[1]);
      return cli_fail(st, msg);
    }
    civic_ledger_free(l);
    printf("{\"created\":true,\"position\":0}\n");
    return 0;
  }
  if (strcmp(sub, "post") == 0)
    return cmd_post(argc, argv);
  if (strcmp(sub, "verify") == 0 && argc == 2)
    return cmd_verify(argv[1]);
  if (strcmp(sub, "export") == 0 && argc == 2) {
    char *out = NULL;
    civic_status st = civic_ledger_export_file(argv[1], &out);
    if (st != CIVIC_OK)
      return cli_fail(st, "export: the journal cannot be read");
    return print_owned(out);
  }
  return cmd_query(sub, argc, argv);
}
