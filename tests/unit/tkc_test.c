/* The tkc driver's command line: help, version, exit statuses, and a clear
 * message for every bad flag, command or file. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"

/* Runs tkc with `args`; asserts its exit status and that its output contains
 * `expect`. */
static void tkc(const char *args, int status, const char *expect)
{
    char cmd[2048], *out;
    snprintf(cmd, sizeof cmd, "cd %s && %s %s", TK_SOURCE_DIR, TKC, args);
    int st = run_capture(cmd, &out);
    cr_expect_eq(st, status, "tkc %s: exit %d, expected %d; output:\n%s", args, st, status, out);
    cr_expect(strstr(out, expect) != NULL, "tkc %s: expected output containing\n  %s\ngot\n%s", args, expect, out);
    free(out);
}

Test(tkc, help_and_version)
{
    tkc("--help", 0, "usage: tkc <command>");
    tkc("check --help", 0, "usage: tkc check FILE...");
    tkc("emit --help", 0, "usage: tkc emit --ast FILE");
    tkc("--version", 0, "tkc 0.");
    tkc("", 1, "usage: tkc <command>");
}

Test(tkc, bad_command_line)
{
    tkc("frobnicate", 1, "tkc: error: unknown command 'frobnicate' (see 'tkc --help')");
    tkc("--frobnicate", 1, "tkc: error: unknown option '--frobnicate'");
    tkc("check --fast examples/softmax.tk", 1, "tkc: error: check: unknown option '--fast'");
    tkc("check", 1, "tkc: error: check: no input files");
    tkc("check no/such/file.tk", 1, "error: cannot read 'no/such/file.tk': No such file or directory");
    tkc("check examples", 1, "error: cannot read 'examples'");
    tkc("emit examples/softmax.tk", 1, "tkc: error: emit: say what to emit");
    tkc("emit --ast", 1, "tkc: error: emit: no input file");
    tkc("emit --ast examples/softmax.tk examples/softmax.tk", 1, "more than one input file");
    tkc("emit --bogus examples/softmax.tk", 1, "emit: unknown option '--bogus'");
}

Test(tkc, check_statuses)
{
    tkc("check examples/softmax.tk", 0, "");
    tkc("check examples/mistakes/out_of_bounds.tk", 1,
        "examples/mistakes/out_of_bounds.tk:3:12: error: x[i + 1] may read outside 'x'");
    /* one clean file and one bad file: every file is checked, status 1 */
    tkc("check examples/softmax.tk examples/mistakes/out_of_bounds.tk", 1, "out_of_bounds.tk:3:12");
}

Test(tkc, several_errors_in_one_run)
{
    const char *src = "kernel a(x: f32[N]) -> y: f32[N] {\n"
                      "    y[i] = x[i] +;\n"
                      "}\n"
                      "kernel b(x: f32[N]) -> y: f32[N] {\n"
                      "    y[i] = x[i] * * 2.0;\n"
                      "}\n";
    char *path = write_temp_file(src, strlen(src), ".tk");
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "%s check %s", TKC, path);
    cr_assert_eq(run_capture(cmd, &out), 1);
    char where[600];
    snprintf(where, sizeof where, "%s:2:", path);
    cr_expect(strstr(out, where), "first error missing:\n%s", out);
    snprintf(where, sizeof where, "%s:5:", path);
    cr_expect(strstr(out, where), "second error missing:\n%s", out);
    free(out);
    unlink(path);
    free(path);
}

Test(tkc, emit_ast_shows_types_and_extents)
{
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "cd %s && %s emit --ast examples/softmax.tk", TK_SOURCE_DIR, TKC);
    cr_assert_eq(run_capture(cmd, &out), 0);
    cr_expect(strstr(out, "stage m: f32[n < N]"), "%s", out);
    cr_expect(strstr(out, "output stage y: f32[n < N, d < D]"), "%s", out);
    cr_expect(strstr(out, "for d in 0..D"), "%s", out);
    cr_expect(strstr(out, "dim D = x.shape[1]"), "%s", out);
    free(out);
}

/* A schedule error: `tkc check` finds it (the schedule is applied without
 * generating code), and `tkc run` prints it the same way, with the source
 * line and caret and no doubled prefix. */
Test(tkc, schedule_errors_at_check_and_run)
{
    const char *file = "tests/diagnostics/sched_double_buffer_at_root.tk";
    const char *want = "sched_double_buffer_at_root.tk:7:7: error: cannot double-buffer 't'";
    char args[512];
    snprintf(args, sizeof args, "check %s", file);
    tkc(args, 1, want);
    tkc(args, 1, "        t.double_buffer();\n          ^~~~~~~~~~~~~");
    snprintf(args, sizeof args, "run %s -k k --random N=4,D=4", file);
    tkc(args, 1, want);
    char cmd[1024], *out;
    snprintf(cmd, sizeof cmd, "cd %s && %s run %s -k k --random N=4,D=4", TK_SOURCE_DIR, TKC, file);
    run_capture(cmd, &out);
    cr_expect(!strstr(out, "tkc: error:"), "doubled prefix:\n%s", out);
    cr_expect(strstr(out, "^~~~"), "no caret:\n%s", out);
    free(out);
}
