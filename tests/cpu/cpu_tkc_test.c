/* tkc with the cpu target end to end: run (the default target) with
 * --check and --time, the disk cache seen by a second process, and
 * emit --llvm / --asm. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"

static const char SRC[] = "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n  m[n] = max(x[n, d] for d);\n"
                          "  e[n, d] = exp(x[n, d] - m[n]);\n  s[n] = sum(e[n, d] for d);\n"
                          "  y[n, d] = e[n, d] / s[n];\n}\n";

static int tkc(char **out, const char *env, const char *args, const char *file)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s %s %s 2>&1", env, TKC, args, file);
    return run_capture(cmd, out);
}

Test(tkc_cpu, run_check_and_time_with_the_disk_cache)
{
    char *file = write_temp_file(SRC, strlen(SRC), ".tk");
    char dir[] = "/tmp/tk-tkc-cache-XXXXXX", env[128], *out;
    cr_assert(mkdtemp(dir));
    snprintf(env, sizeof env, "TK_CACHE_DIR=%s", dir);
    cr_assert_eq(tkc(&out, env, "run --random N=5,D=37 --check --time", file), 0, "%s", out);
    cr_assert(strstr(out, "check y: max abs error"), "%s", out);
    cr_assert(strstr(out, ": ok\n"), "%s", out);
    cr_assert(strstr(out, "compile: ") && strstr(out, "(compiled with LLVM)"), "%s", out);
    cr_assert(strstr(out, "run: "), "%s", out);
    free(out);
    cr_assert_eq(tkc(&out, env, "run --target cpu --random N=3,D=2 --time", file), 0, "%s", out);
    cr_assert(strstr(out, "(disk cache, LLVM skipped)"), "a second process loads the object: %s", out);
    free(out);
    cr_assert_eq(tkc(&out, env, "run --target interp --random N=3,D=2 --check --print", file), 0, "%s", out);
    cr_assert(strstr(out, "y: f32[3, 2]"), "%s", out);
    free(out);
    cr_assert_eq(tkc(&out, env, "run --target gpu --random N=3,D=2", file), 1);
    cr_assert(strstr(out, "unknown target 'gpu' (targets: cpu, interp, npu)"), "%s", out);
    free(out);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
    unlink(file);
    free(file);
}

Test(tkc_cpu, emit_llvm_and_asm)
{
    char *file = write_temp_file(SRC, strlen(SRC), ".tk"), *out;
    cr_assert_eq(tkc(&out, "", "emit --llvm", file), 0, "%s", out);
    cr_assert(strstr(out, "define i32 @tk_k_softmax(ptr"), "%s", out);
    cr_assert(strstr(out, "target triple"), "%s", out);
    free(out);
    cr_assert_eq(tkc(&out, "", "emit --asm -k softmax", file), 0, "%s", out);
    cr_assert(strstr(out, "tk_k_softmax:"), "%s", out);
    cr_assert(strstr(out, "ret"), "%s", out);
    free(out);
    unlink(file);
    free(file);
}
