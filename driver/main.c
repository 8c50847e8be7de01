/* tkc: the command-line driver. Dispatches to one file per subcommand.
 * `tkc --help` lists every command with every option it accepts (a test,
 * tests/unit/tkc_help_test.c, checks it against the options cmd_*.c parse);
 * `tkc COMMAND --help` explains them. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "driver/commands.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage; /* every form and option, then what the command does */
} commands[] = {
    {"build", cmd_build,
     "build FILE.tk [-k KERNEL ...] -o PREFIX [--target cpu] [--cpu NAME] [--features +avx2,...]\n"
     "                 [--dtype T=f32,f16 ...] [--no-parallel]\n"
     "      compile kernels ahead of time into PREFIX.o and the C header PREFIX.h, to link\n"
     "      with libtk_rt and no LLVM (docs/aot.md)\n"},
    {"check", cmd_check,
     "check FILE...\n"
     "      parse and check .tk files (and what they import), report every error\n"},
    {"emit", cmd_emit,
     "emit --ast FILE\n"
     "  tkc emit --loops [-k KERNEL] [--target cpu|npu] [--no-schedule] [--auto] [--schedule]\n"
     "                 [--loop-ids] [--dump-after=PASS|all] FILE\n"
     "  tkc emit --llvm|--asm [-k KERNEL] FILE\n"
     "  tkc emit --source std:NAME\n"
     "      print the typed AST, the loop IR of each kernel (with its schedule, or the\n"
     "      automatic one), the LLVM IR / assembly the cpu target runs, or the .tk\n"
     "      source of a standard library operator or file\n"},
    {"list", cmd_list,
     "list std\n"
     "      list the standard library's operators (docs/stdlib.md)\n"},
    {"run", cmd_run,
     "run FILE [-k KERNEL] [--in NAME=FILE.npy ...] [--scalar NAME=VALUE ...]\n"
     "                 [--out NAME=FILE.npy ...] [--random SYM=VALUE,...] [--seed N] [--print]\n"
     "                 [--target cpu|interp|npu] [--strict] [--check] [--time]\n"
     "                 [--profile ascend910|ascend910b] [--report] [--trace FILE]\n"
     "                 [--print-program] [--single-buffer]\n"
     "  tkc run std:NAME [--in [NAME=]FILE.npy ...] [--attr NAME=VALUE ...]\n"
     "                 [--out [NAME=]FILE.npy ...] [--target cpu|interp] [--print]\n"
     "      run a kernel on .npy inputs, compiled for this CPU with LLVM (default), on\n"
     "      the reference interpreter, or lowered to an NPU program run on the simulator\n"
     "      (--report: its cycles and tiling); --check compares with the interpreter;\n"
     "      --strict rounds every float operation as the interpreter does (no FMA, no\n"
     "      reassociated sums); std:NAME runs a standard library operator with\n"
     "      ONNX-style attributes (--attr axis=1)\n"},
    {"sim", cmd_sim,
     "sim FILE.npuasm [--profile NAME|FILE] [--profile-path DIRS] [--block-dim N]\n"
     "                 [--in NAME=FILE ...] [--out NAME=FILE ...] [--report] [--trace FILE]\n"
     "                 [--print] [--max-errors N]\n"
     "      run an NPU assembly program on the simulator\n"},
};

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("tkc: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

static void usage(FILE *out)
{
    fputs("usage: tkc <command> [options] [FILE...]\n\ncommands:\n", out);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  tkc %s", commands[i].usage);
    fputs("  tkc --help\n"
          "      this text\n"
          "  tkc --version\n"
          "      print the version\n"
          "\n'tkc <command> --help' describes a command's options.\n"
          "Exit status: 0 when clean, 1 on any error.\n", out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 1;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("tkc %s\n", TK_VERSION_STRING);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    if (cmd[0] == '-')
        return cli_error("unknown option '%s' (see 'tkc --help')", cmd);
    return cli_error("unknown command '%s' (see 'tkc --help')", cmd);
}
