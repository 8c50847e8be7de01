/* tkc subcommands: each takes the arguments after its name and returns the
 * process exit status (0 clean, 1 any error). */
#ifndef TK_DRIVER_COMMANDS_H
#define TK_DRIVER_COMMANDS_H

#include <stdbool.h>
#include <stdio.h>

int cmd_build(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_emit(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_run(int argc, char **argv);

/* tkc run std:NAME, tkc list std, tkc emit --source std:NAME (cmd_std.c). */
bool std_op_wanted(int argc, char **argv);
int  cmd_run_std(int argc, char **argv);
int  cmd_list(int argc, char **argv);
int  cmd_emit_std_source(const char *name);

/* Prints an output's dtype, shape and values (or a summary) (cmd_run.c). */
struct NpyArray;
void print_output(FILE *f, const char *name, const struct NpyArray *a);
/* tkc run --target npu (run_npu.c). */
#include "compiler/launch/launch.h"
typedef struct RunNpuOpts {
    const char *profile, *trace;   /* NULL: ascend910b, no trace */
    bool        report, program, single_buffer;
} RunNpuOpts;
bool run_npu(const SrcMap *files, KernelInfo *k, const LaunchArgs *la, const RunNpuOpts *o, char *err, size_t n);

/* Prints "tkc: error: <msg>" to stderr and returns 1. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
