/* Compiles of one module on eight threads at once: each kernel has its own
 * symbolic context and each compile a fork of it in its own arena, so
 * nothing serialises them. Two scenarios, also built under ThreadSanitizer
 * (-DTK_TSAN=ON, scripts/test.sh), where they run from their own main:
 * - through the C API: eight threads launch eight kernels of one module,
 *   so the JIT compiles them concurrently, and check the results;
 * - through the pipeline with a test-only target whose pass is a
 *   rendezvous: every thread must be inside the pass at the same time,
 *   which a lock around compiles of a module would make impossible. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/launch/launch.h"
#include "compiler/pipeline.h"
#include "tk/tk.h"

enum { THREADS = 8, N = 5, D = 37 };

/* Kernel t: a softmax scaled by t + 1, with the design's cpu schedule. */
static char *module_source(void)
{
    static char src[THREADS * 512];
    size_t at = 0;
    for (int t = 0; t < THREADS; t++)
        at += (size_t)snprintf(src + at, sizeof src - at,
                               "kernel k%d(x: f32[N, D]) -> y: f32[N, D] {\n"
                               "    m[n] = max(x[n, d] for d);\n"
                               "    e[n, d] = exp(x[n, d] - m[n]);\n"
                               "    s[n] = sum(e[n, d] for d);\n"
                               "    y[n, d] = e[n, d] / s[n] * %d.0;\n"
                               "}\n"
                               "schedule k%d for cpu {\n"
                               "    y.vectorize(d, 8);\n"
                               "    m.compute_at(y, n);\n"
                               "    e.compute_at(y, n);\n"
                               "    s.compute_at(y, n);\n"
                               "}\n",
                               t, t + 1, t);
    return src;
}

/* ---- through the C API --------------------------------------------------- */

static tk_module *shared_module;

static void *launch_worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    char name[16];
    snprintf(name, sizeof name, "k%d", t);
    tk_kernel *k;
    if (tk_module_kernel(shared_module, name, &k) != TK_OK)
        return (void *)1;
    float x[N * D], y[N * D];
    for (int i = 0; i < N * D; i++)
        x[i] = (float)((i * 7) % 11) * 0.25f;
    int64_t shape[2] = {N, D};
    DLTensor xt = {.data = x, .device = {kDLCPU, 0}, .ndim = 2, .dtype = {kDLFloat, 32, 1}, .shape = shape};
    DLTensor yt = xt;
    yt.data = y;
    const DLTensor *ins[1] = {&xt};
    DLTensor *outs[1] = {&yt};
    tk_args args = {ins, NULL, outs};
    if (tk_launch(k, &args) != TK_OK)
        return (void *)1;
    intptr_t bad = 0;
    for (int n = 0; n < N; n++) {
        float sum = 0;
        for (int d = 0; d < D; d++)
            sum += y[n * D + d];
        bad |= sum < (float)(t + 1) * 0.999f || sum > (float)(t + 1) * 1.001f;
    }
    return (void *)bad;
}

static int run_threads(void *(*fn)(void *))
{
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++)
        pthread_create(&th[t], NULL, fn, (void *)(intptr_t)t);
    int failed = 0;
    for (int t = 0; t < THREADS; t++) {
        void *r;
        pthread_join(th[t], &r);
        failed += r != NULL;
    }
    return failed;
}

/* The number of threads that saw an error or a wrong value. */
static int api_scenario(void)
{
    setenv("TK_CACHE", "off", 1); /* every kernel goes through LLVM */
    tk_context *ctx;
    if (tk_context_create(NULL, &ctx) != TK_OK)
        return THREADS;
    const char *src = module_source();
    int failed = THREADS;
    if (tk_compile_string(ctx, "threads.tk", src, strlen(src), &shared_module) == TK_OK)
        failed = run_threads(launch_worker);
    tk_module_destroy(shared_module);
    tk_context_destroy(ctx);
    return failed;
}

/* ---- through the pipeline, with a rendezvous pass -------------------------- */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t  cv = PTHREAD_COND_INITIALIZER;
static int             arrived;
static Ctx             session;
static AstProgram     *prog;
static Target          rendezvous_target;

/* A test-only pass: waits (at most 30 s) until every thread's compile has
 * reached it. */
static bool rendezvous(IrCtx *c, Func *f, const PassOpts *o)
{
    (void)o;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;
    pthread_mutex_lock(&mu);
    arrived++;
    pthread_cond_broadcast(&cv);
    int rc = 0;
    while (arrived < THREADS && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&cv, &mu, &until);
    bool met = arrived >= THREADS;
    pthread_mutex_unlock(&mu);
    if (!met)
        diag_error(c->diags, f->loc, "only %d of %d compiles ran at once", arrived, THREADS);
    return met;
}

static const Pass     rendezvous_pass[] = {{"rendezvous", rendezvous}};
static const PassList rendezvous_passes = {rendezvous_pass, 1};

static void *compile_worker(void *arg)
{
    int t = (int)(intptr_t)arg;
    char name[16];
    snprintf(name, sizeof name, "k%d", t);
    Arena a;
    arena_init(&a);
    DiagSink ds;
    diag_init(&ds, &a, &session.files);
    Pipeline p = {.ctx = &session, .prog = prog, .target = &rendezvous_target, .kernel = launch_find_kernel(prog, name),
                  .key = {DT_ERROR}, .verify = true, .diags = &ds};
    bool ok = p.kernel && pipeline_run(&p);
    if (!ok)
        diag_render(&ds, stderr);
    arena_free(&a);
    return (void *)(intptr_t)!ok;
}

static int pipeline_scenario(void)
{
    ctx_init(&session);
    const char *src = module_source();
    Pipeline load = {.ctx = &session, .name = "threads.tk", .text = src, .len = strlen(src)};
    int failed = THREADS;
    if (pipeline_run(&load)) {
        prog = load.prog;
        rendezvous_target = *target_host();
        rendezvous_target.passes = &rendezvous_passes;
        failed = run_threads(compile_worker);
    }
    diag_render(&session.diags, stderr);
    ctx_free(&session);
    return failed;
}

#if defined(__SANITIZE_THREAD__)
int main(void)
{
    int failed = api_scenario() + pipeline_scenario();
    printf("%d passed, %d failed\n", failed ? 0 : 2, failed ? 1 : 0);
    return failed ? 1 : 0;
}
#else
Test(compile_threads, eight_kernels_of_one_module_compile_at_once_through_the_api)
{
    cr_assert_eq(api_scenario(), 0, "threads saw wrong results or errors");
}

Test(compile_threads, compiles_of_one_module_are_not_serialised)
{
    cr_assert_eq(pipeline_scenario(), 0, "some compiles did not overlap (see the log)");
}
#endif
