/* The civic command: shared helpers and one entry point per command family. */
#ifndef CIVIC_CLI_H
#define CIVIC_CLI_H

#include <civic/civic.h>
#include <stddef.h>

/* Read FILE, or standard input when path is NULL or "-". NULL on error
 * (the error has been printed). */
char *cli_read_input(const char *path);

/* Print {"error": "<name>", "message": "..."} to standard error and return
 * the process exit code for that status (always non-zero). */
int cli_fail(civic_status status, const char *message);

/* Command families. argv[0] is the family name ("ledger", "waterfall"...). */
int cli_cmd_eval(int argc, char **argv);   /* cli_eval.c */
int cli_cmd_ledger(int argc, char **argv); /* cli_ledger.c */
int cli_cmd_demo(int argc, char **argv);   /* cli_demo.c */
int cli_cmd_recalc(int argc, char **argv); /* cli_recalc.c */
int cli_cmd_settle(int argc, char **argv); /* cli_settle.c */
int cli_cmd_token(int argc, char **argv);  /* cli_token.c */
int cli_cmd_bench(int argc, char **argv);  /* cli_bench.c */

#endif
