/* Placeholder until the demo lands. */
#include "cli.h"

int cli_cmd_demo(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_fail(CIVIC_E_INVALID_ARGUMENT, "demo: not built yet");
}
