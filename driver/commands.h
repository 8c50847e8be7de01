/* tkc subcommands: each takes the arguments after its name and returns the
 * process exit status (0 clean, 1 any error). */
#ifndef TK_DRIVER_COMMANDS_H
#define TK_DRIVER_COMMANDS_H

int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_emit(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* Prints "tkc: error: <msg>" to stderr and returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
