/* civic waterfall|prorate|redeem|tally|split [FILE]: one JSON object in,
 * one out (spec section 8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_cmd_eval(int argc, char **argv) {
  const char *kind = argv[0];
  const char *path = NULL;
  civic_ctx *ctx = NULL;
  char *input, *output = NULL;
  civic_status st;
  int i;

  for (i = 1; i < argc; i++) {
    if (argv[i][0] == '-' && argv[i][1] != '\0')
      return cli_fail(CIVIC_E_INVALID_ARGUMENT, "unknown option");
    if (path != NULL)
      return cli_fail(CIVIC_E_INVALID_ARGUMENT, "more than one input file");
    path = argv[i];
  }
  input = cli_read_input(path);
  if (input == NULL)
    return 3;
  st = civic_ctx_new(&ctx);
  if (st == CIVIC_OK)
    st = civic_evaluate(ctx, kind, input, &output);
  free(input);
  if (st != CIVIC_OK) {
    int rc = cli_fail(st, ctx ? civic_ctx_errmsg(ctx) : "out of memory");
    civic_ctx_free(ctx);
    return rc;
  }
  printf("%s\n", output);
  civic_free(output);
  civic_ctx_free(ctx);
  return 0;
}
