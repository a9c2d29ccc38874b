/* Placeholder until this command lands. */
#include "cli.h"

int cli_cmd_recalc(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_fail(CIVIC_E_INVALID_ARGUMENT, "recalc: not built yet");
}
