/* civic waterfall|prorate|redeem|tally|split [FILE]: one JSON object in,
 * one out (spec section 8). `civic waterfall --explain [FILE]` prints the
 * waterfall's explanation in plain English instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Run the waterfall with its trace and render the trace as text. */
static civic_status explain_waterfall(civic_ctx *ctx, const char *input,
                                      char **text) {
  civic_waterfall_plan *plan = NULL;
  civic_waterfall_result *result = NULL;
  civic_status st = civic_waterfall_plan_new(&plan);
  if (st == CIVIC_OK)
    st = civic_waterfall_result_new(&result);
  if (st == CIVIC_OK)
    st = civic_waterfall_plan_load_json(ctx, plan, input);
  if (st == CIVIC_OK)
    st = civic_waterfall_run(ctx, plan, CIVIC_WATERFALL_TRACE, result);
  if (st == CIVIC_OK)
    st = civic_waterfall_result_explain_text(ctx, result, text);
  civic_waterfall_result_free(result);
  civic_waterfall_plan_free(plan);
  return st;
}

int cli_cmd_eval(int argc, char **argv) {
  const char *kind = argv[0];
  const char *path = NULL;
  civic_ctx *ctx = NULL;
  char *input, *output = NULL;
  civic_status st;
  int i, explain = 0;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--explain") == 0 && strcmp(kind, "waterfall") == 0) {
      explain = 1;
      continue;
    }
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
    st = explain ? explain_waterfall(ctx, input, &output)
                 : civic_evaluate(ctx, kind, input, &output);
  free(input);
  if (st != CIVIC_OK) {
    int rc = cli_fail(st, ctx ? civic_ctx_errmsg(ctx) : "out of memory");
    civic_ctx_free(ctx);
    return rc;
  }
  /* the explanation already ends with a newline */
  fputs(output, stdout);
  if (!explain)
    fputc('\n', stdout);
  civic_free(output);
  civic_ctx_free(ctx);
  return 0;
}
