/* civic: command-line front end to libcivic. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *usage;
} command;

static const command COMMANDS[] = {
    {"waterfall", cli_cmd_eval,
     "waterfall [FILE] [--explain]  settle one resident's period (spec 3)"},
    {"prorate", cli_cmd_eval,
     "prorate [FILE]                prorate monthly amounts over segments "
     "(spec 4)"},
    {"redeem", cli_cmd_eval,
     "redeem [FILE]                 token redemption (spec 5)"},
    {"tally", cli_cmd_eval,
     "tally [FILE]                  vote tally (spec 7)"},
    {"split", cli_cmd_eval,
     "split [FILE]                  pro-rata split, largest remainder (spec "
     "2)"},
    {"ledger", cli_cmd_ledger,
     "ledger init|post|balances|verify|history PATH ...  (spec 9)"},
    {"recalc", cli_cmd_recalc,
     "recalc [FILE]                 recalculate entitlements from a household "
     "timeline"},
    {"settle", cli_cmd_settle,
     "settle ...                    settle residents' periods on a ledger"},
    {"token", cli_cmd_token,
     "token ...                     reward token: tasks, rewards, spending, "
     "redemption"},
    {"bench", cli_cmd_bench,
     "bench [--json]                measure throughput as ratios to BLAKE2b"},
    {"demo", cli_cmd_demo,
     "demo                          a month of settlement and a token cycle"},
};

static void usage(FILE *out) {
  size_t i;
  fprintf(out, "usage: civic COMMAND [ARGS]\n\ncommands:\n");
  for (i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
    fprintf(out, "  %s\n", COMMANDS[i].usage);
  fprintf(out, "  version                       print the library version\n");
}

char *cli_read_input(const char *path) {
  FILE *f = stdin;
  char *buf = NULL;
  size_t len = 0, cap = 0;
  if (path != NULL && strcmp(path, "-") != 0) {
    f = fopen(path, "rb");
    if (f == NULL) {
      char msg[512];
      snprintf(msg, sizeof msg, "cannot open %s", path);
      cli_fail(CIVIC_E_IO, msg);
      return NULL;
    }
  }
  for (;;) {
    size_t n;
    if (cap - len < 4096) {
      char *grown;
      cap = cap ? cap * 2 : 65536;
      grown = realloc(buf, cap + 1);
      if (grown == NULL) {
        free(buf);
        if (f != stdin)
          fclose(f);
        cli_fail(CIVIC_E_NOMEM, "out of memory reading input");
        return NULL;
      }
      buf = grown;
    }
    n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  if (ferror(f)) {
    free(buf);
    if (f != stdin)
      fclose(f);
    cli_fail(CIVIC_E_IO, "error reading input");
    return NULL;
  }
  if (f != stdin)
    fclose(f);
  if (memchr(buf, '\0', len) != NULL) {
    free(buf);
    cli_fail(CIVIC_E_MALFORMED_JSON, "input contains a NUL byte");
    return NULL;
  }
  buf[len] = '\0';
  return buf;
}

int cli_fail(civic_status status, const char *message) {
  /* jansson escapes the message properly, whatever bytes it holds. */
  json_t *err = json_pack("{s:s,s:s}", "error", civic_status_name(status),
                          "message", message ? message : "");
  char *text = err ? json_dumps(err, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  fprintf(stderr, "%s\n", text ? text : "{\"error\":\"out_of_memory\"}");
  free(text);
  json_decref(err);
  return status == CIVIC_E_IO ? 3 : 2;
}

int main(int argc, char **argv) {
  size_t i;
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
    printf("civic %s\n", civic_version_string());
    return 0;
  }
  if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
    usage(stdout);
    return 0;
  }
  if (civic_init() != CIVIC_OK)
    return cli_fail(CIVIC_E_NOMEM, "libsodium failed to start");
  for (i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
    if (strcmp(argv[1], COMMANDS[i].name) == 0)
      return COMMANDS[i].run(argc - 1, argv + 1);
  usage(stderr);
  return 2;
}
