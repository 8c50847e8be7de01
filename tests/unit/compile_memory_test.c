/* Resident memory stays flat over 2,000 compiles of one module: each
 * compile lowers, schedules and runs the passes in a scratch arena freed
 * with it, on a fork of the kernel's symbolic context, so the module's own
 * arena does not grow at all and the process's resident set only by the
 * allocator's noise. No cache is involved (the pipeline stops before
 * emit, where the cpu target's caches live). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "compiler/launch/launch.h"
#include "compiler/pipeline.h"

enum { WARMUP = 200, COMPILES = 2000 };

static const char src[] =
    "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n"
    "    m[n] = max(x[n, d] for d);\n"
    "    e[n, d] = exp(x[n, d] - m[n]);\n"
    "    s[n] = sum(e[n, d] for d);\n"
    "    y[n, d] = e[n, d] / s[n];\n"
    "}\n"
    "schedule softmax for cpu {\n"
    "    y.parallel(n);\n"
    "    y.vectorize(d, 16);\n"
    "    m.compute_at(y, n);\n"
    "    e.compute_at(y, n);\n"
    "    s.compute_at(y, n);\n"
    "}\n"
    "kernel matmul(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n"
    "    c[i, j] = sum(a[i, k] * b[k, j] for k);\n"
    "}\n"
    "kernel conv(x: f32[C, H, W], wt: f32[F, C, 3, 3]) -> y: f32[F, H, W] {\n"
    "    y[f, h, w] = sum((x[c, h + r - 1, w + s - 1] ?? 0.0) * wt[f, c, r, s] for c, r in 0..3, s in 0..3);\n"
    "}\n";

static long resident_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One compile of each kernel in turn (the automatic schedule for those
 * without one); false after a diagnostic. */
static bool compile(Ctx *c, AstProgram *p, int i)
{
    static const char *const names[] = {"softmax", "matmul", "conv"};
    Pipeline run = {.ctx = c, .prog = p, .target = target_host(), .kernel = launch_find_kernel(p, names[i % 3]),
                    .key = {DT_ERROR}, .auto_schedule = true, .verify = true};
    return pipeline_run(&run);
}

Test(compile_memory, two_thousand_compiles_of_one_module_stay_flat)
{
    Ctx c;
    ctx_init(&c);
    Pipeline load = {.ctx = &c, .name = "mem.tk", .text = src, .len = strlen(src)};
    cr_assert(pipeline_run(&load));
    for (int i = 0; i < WARMUP; i++)
        cr_assert(compile(&c, load.prog, i));
    size_t module_bytes = c.arena.total;
    long before = resident_kib();
    for (int i = 0; i < COMPILES; i++)
        cr_assert(compile(&c, load.prog, i));
    long after = resident_kib();
    cr_expect_eq(c.arena.total, module_bytes, "the module's arena grew by %zu bytes",
                 c.arena.total - module_bytes);
#if defined(__SANITIZE_ADDRESS__)
    long bound = 512 * 1024; /* ASan keeps freed memory in quarantine (256 MiB) */
#else
    long bound = 16 * 1024;
#endif
    cr_expect(after - before < bound, "resident memory grew from %ld KiB to %ld KiB over %d compiles", before, after,
              COMPILES);
    ctx_free(&c);
}
