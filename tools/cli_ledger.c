/* Placeholder until the ledger lands. */
#include "cli.h"

int cli_cmd_ledger(int argc, char **argv) {
  (void)argc;
  (void)argv;
  return cli_fail(CIVIC_E_INVALID_ARGUMENT, "ledger: not built yet");
}
