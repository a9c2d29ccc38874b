/* Placeholder until this part of the demo lands. */
#include <stdio.h>

int cli_demo_token(void);

int cli_demo_token(void) {
  printf("(token demo not built yet)\n");
  return 0;
}
