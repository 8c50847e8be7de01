/* tkc check FILE...: load, parse and check each file; render diagnostics. */
#include <stdio.h>
#include <string.h>

#include "compiler/pipeline.h"
#include "driver/commands.h"

static const char help[] =
    "usage: tkc check FILE...\n"
    "Parses and checks each .tk file (and what it imports), applies each\n"
    "schedule (and the automatic one) to the loop IR without generating code,\n"
    "and prints every error as file:line:col: error: message with the source\n"
    "line. Exit status 1 if any file has an error.\n";

int cmd_check(int argc, char **argv)
{
    int nfiles = 0, status = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            fputs(help, stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1])
            return cli_error("check: unknown option '%s'", argv[i]);
    }
    for (int i = 0; i < argc; i++) {
        nfiles++;
        Ctx c;
        ctx_init(&c);
        /* load, sema and the schedule check (compiler/sched/check_program.c):
         * the pipeline without a target stops there */
        Pipeline p = {.ctx = &c, .path = argv[i]};
        pipeline_run(&p);
        diag_render(&c.diags, stderr);
        if (c.diags.nerr || c.arena.oom)
            status = 1;
        if (c.arena.oom)
            cli_error("out of memory while checking '%s'", argv[i]);
        ctx_free(&c);
    }
    if (nfiles == 0)
        return cli_error("check: no input files (usage: tkc check FILE...)");
    return status;
}
