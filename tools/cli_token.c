/* Placeholder until this command lands. */
#include "cli.h"

int cli_cmd_token(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_fail(CIVIC_E_INVALID_ARGUMENT, "token: not built yet");
}
