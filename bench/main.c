/* tk_bench: TK side by side with hand-written C, OpenBLAS, oneDNN and Halide
 * in one process. Prints markdown tables of times and ratios (see
 * docs/performance.md and scripts/bench.sh). Options: --quick (smaller
 * shapes, for a smoke run), --only NAME. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "tk/tk.h"

static tk_context *ctx;
static int quick;

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "tk_bench: cannot read %s\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    s[fread(s, 1, (size_t)n, f)] = 0;
    fclose(f);
    return s;
}

static tk_kernel *kernel(const char *file, const char *name, tk_module **keep)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/%s", TK_SOURCE_DIR, file);
    tk_module *m;
    if (tk_compile_file(ctx, path, &m) != TK_OK) {
        fprintf(stderr, "tk_bench: %s\n%s", tk_last_error(), tk_module_diagnostics_text(m));
        exit(1);
    }
    tk_kernel *k;
    if (tk_module_kernel(m, name, &k) != TK_OK) {
        fprintf(stderr, "tk_bench: %s\n", tk_last_error());
        exit(1);
    }
    *keep = m;
    return k;
}

static DLTensor t2(float *data, int64_t *shape, int ndim)
{
    return (DLTensor){.data = data, .device = {kDLCPU, 0}, .ndim = ndim, .dtype = {kDLFloat, 32, 1}, .shape = shape};
}

/* One TK launch with up to 4 tensor inputs, an optional f32 scalar, 1-3 outputs. */
typedef struct Launch {
    tk_kernel      *k;
    const DLTensor *in[4];
    tk_scalar       sc[4];
    DLTensor       *out[3];
    int             failed;
} Launch;

static void tk_run(void *arg)
{
    Launch *l = arg;
    tk_args a = {l->in, l->sc, l->out};
    if (tk_launch(l->k, &a) != TK_OK && !l->failed) {
        fprintf(stderr, "tk_bench: launch failed: %s\n", tk_last_error());
        l->failed = 1;
    }
}

/* ---- peers wrapped as fn(void *) -------------------------------------- */

typedef struct Args {
    const float *a, *b, *g;
    float *c;
    int64_t m, k, n;
    int (*mm)(const float *, const float *, float *, int64_t, int64_t, int64_t);
} Args;

static void run_c_copy(void *p) { Args *x = p; c_copy(x->a, x->c, (size_t)x->n); }
static void run_c_ew(void *p) { Args *x = p; c_elementwise(x->a, x->b, x->c, (size_t)x->n); }
static void run_c_softmax(void *p) { Args *x = p; c_softmax(x->a, x->c, x->m, x->n); }
static void run_c_layernorm(void *p) { Args *x = p; c_layernorm(x->a, x->g, x->b, 1e-5f, x->c, x->m, x->n); }
static void run_c_matmul(void *p) { Args *x = p; c_matmul(x->a, x->b, x->c, x->m, x->k, x->n); }
static void run_mm(void *p) { Args *x = p; x->mm(x->a, x->b, x->c, x->m, x->k, x->n); }
static void run_onednn_softmax(void *p) { Args *x = p; onednn_softmax(x->a, x->c, x->m, x->n); }
/* Halide compiles each pipeline on its first use; that time is kept for the
 * latency table. */
static double halide_compile_s[2];
static void run_halide_softmax(void *p) { Args *x = p; halide_softmax(x->a, x->c, x->m, x->n, &halide_compile_s[0]); }
static int halide_mm(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n)
{
    return halide_matmul(a, b, c, m, k, n, &halide_compile_s[1]);
}

static void row(const char *name, const char *shape, double tk, double c, double blas, double dnnl, double hal,
                const char *extra)
{
    double best = 0;
    double peers[4] = {c, blas, dnnl, hal};
    for (int i = 0; i < 4; i++)
        if (peers[i] > 0 && (best == 0 || peers[i] < best))
            best = peers[i];
    printf("| %s | %s | %.3f |", name, shape, tk * 1e3);
    for (int i = 0; i < 4; i++) {
        if (peers[i] > 0)
            printf(" %.3f |", peers[i] * 1e3);
        else
            printf(" — |");
    }
    printf(" %.2f | %s |\n", tk > 0 && best > 0 ? best / tk : 0.0, extra);
    fflush(stdout);
}

static double budget(void) { return quick ? 0.2 : 1.0; }

static void check(const char *what, const float *got, const float *want, size_t n, double tol)
{
    double e = bench_max_rel_err(got, want, n);
    if (!(e <= tol))
        fprintf(stderr, "tk_bench: WARNING: %s differs from the reference (max rel err %.3g)\n", what, e);
}

static void bench_matmul(int64_t s)
{
    tk_module *mod;
    Launch l = {.k = kernel("matmul.tk", "matmul", &mod)};
    float *a = bench_alloc(sizeof(float) * s * s), *b = bench_alloc(sizeof(float) * s * s);
    float *c = bench_alloc(sizeof(float) * s * s), *r = bench_alloc(sizeof(float) * s * s);
    bench_fill(a, (size_t)(s * s), 1), bench_fill(b, (size_t)(s * s), 2);
    int64_t sh[2] = {s, s};
    DLTensor ta = t2(a, sh, 2), tb = t2(b, sh, 2), tc = t2(c, sh, 2);
    l.in[0] = &ta, l.in[1] = &tb, l.out[0] = &tc;
    double tk = bench_time(tk_run, &l, budget());
    Args x = {.a = a, .b = b, .c = r, .m = s, .k = s, .n = s, .mm = blas_matmul};
    double tb_ = blas_matmul(a, b, r, s, s, s) ? bench_time(run_mm, &x, budget()) : 0;
    if (tb_ > 0)
        check("matmul", c, r, (size_t)(s * s), 1e-3);
    x.mm = onednn_matmul;
    double td = onednn_matmul(a, b, r, s, s, s) ? bench_time(run_mm, &x, budget()) : 0;
    x.mm = halide_mm;
    double th = halide_mm(a, b, r, s, s, s) ? bench_time(run_mm, &x, budget()) : 0;
    double tc_ = s <= 1024 ? bench_time(run_c_matmul, &x, budget()) : 0;
    char shape[64], extra[64];
    snprintf(shape, sizeof shape, "%lld³", (long long)s);
    snprintf(extra, sizeof extra, "%.1f GFLOP/s", 2.0 * (double)s * s * s / tk * 1e-9);
    row("matmul", shape, l.failed ? 0 : tk, tc_, tb_, td, th, extra);
    free(a), free(b), free(c), free(r);
    tk_module_destroy(mod);
}

static void bench_softmax(int64_t n, int64_t d)
{
    tk_module *mod;
    Launch l = {.k = kernel("softmax.tk", "softmax", &mod)};
    float *x = bench_alloc(sizeof(float) * n * d), *y = bench_alloc(sizeof(float) * n * d);
    float *r = bench_alloc(sizeof(float) * n * d);
    bench_fill(x, (size_t)(n * d), 3);
    int64_t sh[2] = {n, d};
    DLTensor tx = t2(x, sh, 2), ty = t2(y, sh, 2);
    l.in[0] = &tx, l.out[0] = &ty;
    double tk = bench_time(tk_run, &l, budget());
    Args a = {.a = x, .c = r, .m = n, .n = d};
    double tc = bench_time(run_c_softmax, &a, budget());
    check("softmax", y, r, (size_t)(n * d), 1e-4);
    double td = onednn_softmax(x, r, n, d) ? bench_time(run_onednn_softmax, &a, budget()) : 0;
    double th = halide_softmax(x, r, n, d, &halide_compile_s[0]) ? bench_time(run_halide_softmax, &a, budget()) : 0;
    char shape[64], extra[64];
    snprintf(shape, sizeof shape, "%lld × %lld", (long long)n, (long long)d);
    snprintf(extra, sizeof extra, "%.1f GB/s", 2.0 * 4 * (double)n * d / tk * 1e-9);
    row("softmax", shape, l.failed ? 0 : tk, tc, 0, td, th, extra);
    free(x), free(y), free(r);
    tk_module_destroy(mod);
}

static void bench_layernorm(int64_t n, int64_t d)
{
    tk_module *mod;
    Launch l = {.k = kernel("layernorm.tk", "layernorm", &mod)};
    float *x = bench_alloc(sizeof(float) * n * d), *y = bench_alloc(sizeof(float) * n * d);
    float *g = bench_alloc(sizeof(float) * d), *b = bench_alloc(sizeof(float) * d);
    float *mean = bench_alloc(sizeof(float) * n), *rstd = bench_alloc(sizeof(float) * n);
    float *r = bench_alloc(sizeof(float) * n * d);
    bench_fill(x, (size_t)(n * d), 4), bench_fill(g, (size_t)d, 5), bench_fill(b, (size_t)d, 6);
    int64_t sh[2] = {n, d}, sd[1] = {d}, sn[1] = {n};
    DLTensor tx = t2(x, sh, 2), tg = t2(g, sd, 1), tb = t2(b, sd, 1), ty = t2(y, sh, 2);
    DLTensor tm = t2(mean, sn, 1), tr = t2(rstd, sn, 1);
    l.in[0] = &tx, l.in[1] = &tg, l.in[2] = &tb;
    l.sc[3] = (tk_scalar){.dtype = {kDLFloat, 32, 1}, .value.f = 1e-5};
    l.out[0] = &ty, l.out[1] = &tm, l.out[2] = &tr;
    double tk = bench_time(tk_run, &l, budget());
    Args a = {.a = x, .b = b, .g = g, .c = r, .m = n, .n = d};
    double tc = bench_time(run_c_layernorm, &a, budget());
    check("layernorm", y, r, (size_t)(n * d), 1e-3);
    char shape[64], extra[64];
    snprintf(shape, sizeof shape, "%lld × %lld", (long long)n, (long long)d);
    snprintf(extra, sizeof extra, "%.1f GB/s", 2.0 * 4 * (double)n * d / tk * 1e-9);
    row("layernorm", shape, l.failed ? 0 : tk, tc, 0, 0, 0, extra);
    free(x), free(y), free(g), free(b), free(mean), free(rstd), free(r);
    tk_module_destroy(mod);
}

static void bench_memory(int64_t n)
{
    tk_module *mod;
    Launch cp = {.k = kernel("elementwise.tk", "copy", &mod)};
    tk_module *mod2;
    Launch ew = {.k = kernel("elementwise.tk", "bias_relu", &mod2)};
    float *x = bench_alloc(sizeof(float) * n), *b = bench_alloc(sizeof(float) * n);
    float *y = bench_alloc(sizeof(float) * n), *r = bench_alloc(sizeof(float) * n);
    bench_fill(x, (size_t)n, 7), bench_fill(b, (size_t)n, 8);
    int64_t sh[1] = {n};
    DLTensor tx = t2(x, sh, 1), tb = t2(b, sh, 1), ty = t2(y, sh, 1);
    cp.in[0] = &tx, cp.out[0] = &ty;
    ew.in[0] = &tx, ew.in[1] = &tb, ew.out[0] = &ty;
    Args a = {.a = x, .b = b, .c = r, .n = n};
    double c_copy_t = bench_time(run_c_copy, &a, budget());
    double tk_copy = bench_time(tk_run, &cp, budget());
    char shape[64], extra[96];
    snprintf(shape, sizeof shape, "2^%d floats", (int)log2((double)n));
    snprintf(extra, sizeof extra, "TK %.1f GB/s, C copy %.1f GB/s", 8.0 * n / tk_copy * 1e-9, 8.0 * n / c_copy_t * 1e-9);
    row("copy", shape, cp.failed ? 0 : tk_copy, c_copy_t, 0, 0, 0, extra);
    double tk_ew = bench_time(tk_run, &ew, budget());
    double c_ew = bench_time(run_c_ew, &a, budget());
    check("bias_relu", y, r, (size_t)n, 1e-6);
    snprintf(extra, sizeof extra, "%.1f GB/s (%.0f%% of C copy bandwidth)", 12.0 * n / tk_ew * 1e-9,
             100.0 * (12.0 * n / tk_ew) / (8.0 * n / c_copy_t));
    row("bias_relu", shape, ew.failed ? 0 : tk_ew, c_ew, 0, 0, 0, extra);
    free(x), free(b), free(y), free(r);
    tk_module_destroy(mod), tk_module_destroy(mod2);
}

/* ---- compile latency and launch overhead (issue 4) ---------------------- */

static double first_launch(const char *src, const char *name, int64_t n)
{
    tk_module *m;
    double t0 = bench_now();
    if (tk_compile_string(ctx, "lat.tk", src, strlen(src), &m) != TK_OK)
        return -1;
    tk_kernel *k;
    tk_module_kernel(m, name, &k);
    float *x = bench_alloc(sizeof(float) * n * n), *y = bench_alloc(sizeof(float) * n * n);
    int64_t sh[2] = {n, n};
    DLTensor tx = t2(x, sh, 2), tx2 = t2(x, sh, 2), ty = t2(y, sh, 2);
    const DLTensor *in[2] = {&tx, &tx2};
    DLTensor *out[1] = {&ty};
    tk_args a = {in, NULL, out};
    tk_status st = tk_launch(k, &a);
    double t = bench_now() - t0;
    free(x), free(y);
    tk_module_destroy(m);
    return st == TK_OK ? t : -1;
}

static void bench_latency(void)
{
    char *softmax = read_file(TK_SOURCE_DIR "/examples/softmax.tk");
    char *matmul = read_file(TK_SOURCE_DIR "/examples/matmul.tk");
    char dir[] = "/tmp/tk-bench-cache-XXXXXX";
    if (!mkdtemp(dir))
        return;
    setenv("TK_CACHE_DIR", dir, 1);
    printf("\n| kernel | cold compile + first launch (ms) | same process, cached (ms) | new context, disk cache (ms) | Halide compile (ms) |\n|---|---|---|---|---|\n");
    const char *names[2] = {"softmax", "matmul"};
    char *srcs[2] = {softmax, matmul};
    for (int i = 0; i < 2; i++) {
        tk_context_destroy(ctx);
        tk_context_create(NULL, &ctx);
        double cold = first_launch(srcs[i], names[i], 8);
        double warm = first_launch(srcs[i], names[i], 8);
        tk_context_destroy(ctx);
        tk_context_create(NULL, &ctx);
        double disk = first_launch(srcs[i], names[i], 8);
        /* 32 x 32: wider than Halide's vector width of 16. The pipeline
         * compiles on its first use, which may have been earlier. */
        static float x[32 * 32], y[32 * 32];
        if (i == 0)
            halide_softmax(x, y, 32, 32, &halide_compile_s[0]);
        else
            halide_matmul(x, x, y, 32, 32, 32, &halide_compile_s[1]);
        double hal = halide_compile_s[i];
        printf("| %s | %.2f | %.2f | %.2f | %.1f |\n", names[i], cold * 1e3, warm * 1e3, disk * 1e3, hal * 1e3);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "tk_bench: could not remove %s\n", dir);
    free(softmax), free(matmul);

    /* Launch overhead: a one-element kernel launched many times. */
    const char *tiny = "kernel inc(x: f32[N]) -> y: f32[N] { y[i] = x[i] + 1.0; }\n";
    tk_module *m;
    tk_compile_string(ctx, "tiny.tk", tiny, strlen(tiny), &m);
    tk_kernel *k;
    tk_module_kernel(m, "inc", &k);
    float x = 1, y = 0;
    int64_t sh[1] = {1};
    DLTensor tx = t2(&x, sh, 1), ty = t2(&y, sh, 1);
    Launch l = {.k = k, .in = {&tx}, .out = {&ty}};
    double t = bench_time(tk_run, &l, 0.5);
    printf("\nLaunch overhead (one-element kernel, validation + call): %.2f µs\n", t * 1e6);
    tk_module_destroy(m);
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: tk_bench [--quick] [--only latency|matmul|softmax|layernorm|memory]\n");
            return 1;
        }
    }
    tk_options opts = {.target = TK_TARGET_CPU};
    if (tk_context_create(&opts, &ctx) != TK_OK) {
        fprintf(stderr, "tk_bench: the CPU backend is not available (%s)\n", tk_last_error());
        return 1;
    }
    const char *threads = getenv("TK_NUM_THREADS");
    printf("Threads: %s\n\n", threads ? threads : "all cores");
    printf("| kernel | shape | TK (ms) | C -O3 (ms) | OpenBLAS (ms) | oneDNN (ms) | Halide (ms) | best peer / TK | notes |\n");
    printf("|---|---|---|---|---|---|---|---|---|\n");
    if (!only || !strcmp(only, "memory"))
        bench_memory(quick ? 1 << 22 : 1 << 26);
    if (!only || !strcmp(only, "softmax")) {
        bench_softmax(quick ? 512 : 4096, 1024);
        bench_softmax(quick ? 32 : 256, 32000);
    }
    if (!only || !strcmp(only, "layernorm")) {
        bench_layernorm(quick ? 512 : 4096, 1024);
        bench_layernorm(quick ? 32 : 256, 32000);
    }
    if (!only || !strcmp(only, "matmul")) {
        bench_matmul(quick ? 256 : 1024);
        if (!quick)
            bench_matmul(2048);
    }
    if (!only || !strcmp(only, "latency"))
        bench_latency();
    tk_context_destroy(ctx);
    return 0;
}
