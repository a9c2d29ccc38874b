/* civic demo: the README's main job. A month of settlement for sample
 * residents (demo_settle.c), then a reward-token cycle (demo_token.c). */
#include <stdio.h>

#include "cli.h"

int cli_demo_settlement(void); /* demo_settle.c */
int cli_demo_token(void);      /* demo_token.c */

int cli_cmd_demo(int argc, char **argv) {
  int rc;
  (void)argc;
  (void)argv;
  printf("libcivic %s demo\n\n", civic_version_string());
  rc = cli_demo_settlement();
  if (rc != 0)
    return rc;
  printf("\n");
  return cli_demo_token();
}
