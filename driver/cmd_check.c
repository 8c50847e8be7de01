/* tkc check FILE...: load, parse and check each file; render diagnostics. */
#include <stdio.h>
#include <string.h>

#include "compiler/pipeline.h"
#include "driver/commands.h"

static const char help[] =
    "usage: tkc check FILE...\n"
    "Parses and checks each .tk file (and what it imports) and prints every\n"
    "error as file:line:col: error: message. Exit status 1 if any file has an error.\n";

/* The loaded program through lower, schedule and the passes on the host's
 * target, without emitting code: the kernel's schedule, or the automatic
 * one. (Schedules for other targets are checked by the front end and the
 * target descriptions; applying them here waits for the schedule applier
 * to accept every schedule the checker does.) */
static void check_targets(Ctx *c, Pipeline *loaded)
{
    Pipeline p = {.ctx = c, .prog = loaded->prog, .target = target_host(), .auto_schedule = true, .verify = true};
    pipeline_run(&p);
}

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
        /* every kernel of the file through the passes, on each target it
         * has a schedule for and on the cpu (the automatic schedule) */
        Pipeline p = {.ctx = &c, .path = argv[i]};
        if (pipeline_run(&p))
            check_targets(&c, &p);
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
