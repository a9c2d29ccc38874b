/* A vendor's smallest program: link libcivic from an installed tree and run
 * one evaluation through the public API only. */
#include <civic/civic.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  civic_ctx *ctx = NULL;
  char *out = NULL;
  civic_status st;

  if (civic_init() != CIVIC_OK || civic_ctx_new(&ctx) != CIVIC_OK)
    return 1;
  if (strcmp(civic_version_string(), CIVIC_VERSION_STRING) != 0) {
    fprintf(stderr, "header %s but library %s\n", CIVIC_VERSION_STRING,
            civic_version_string());
    return 1;
  }
  st = civic_evaluate(ctx, "no-such-kind", "{}", &out);
  printf("civic %s: %s (%s)\n", civic_version_string(), civic_status_name(st),
         civic_ctx_errmsg(ctx));
  civic_ctx_free(ctx);
  return st == CIVIC_E_UNKNOWN_KIND ? 0 : 1;
}
