/* Placeholder until this part of the demo lands. */
#include <stdio.h>

int cli_demo_settlement(void);

int cli_demo_settlement(void) {
  printf("(settlement demo not built yet)\n");
  return 0;
}
