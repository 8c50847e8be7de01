/* Compile latency (cold, in-process cache, disk cache in a new context)
 * and the cost of symbolic shapes: one kernel compiled for any shape
 * against the same kernel with the shape written into its signature. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "harness.h"

/* NULL with the first error line in why (when given), else exits. */
static tk_kernel *compile_src(tk_context *ctx, const char *src, const char *name, tk_module **m, char *why,
                              size_t nwhy)
{
    tk_kernel *k = NULL;
    if (tk_compile_string(ctx, name, src, strlen(src), m) == TK_OK && tk_module_kernel(*m, name, &k) == TK_OK)
        return k;
    const char *text = *m ? tk_module_diagnostics_text(*m) : tk_last_error();
    if (!why) {
        fprintf(stderr, "tk_bench: %s: %s\n%s", name, tk_last_error(), text);
        exit(1);
    }
    snprintf(why, nwhy, "%.*s", (int)strcspn(text, "\n"), text);
    tk_module_destroy(*m);
    *m = NULL;
    return NULL;
}

/* Every tensor is zeroed with each symbolic dimension 8 (literal ones as
 * written); every scalar is an f32 1e-5 (the kernels here take only eps). */
static int launch_small(tk_kernel *k)
{
    static float buf[8][8 * 8 * 8 * 8];
    static int64_t shapes[8][TK_MAX_RANK];
    DLTensor t[8];
    const DLTensor *in[8] = {0};
    DLTensor *out[8] = {0};
    tk_scalar sc[8] = {{0}};
    size_t nin = tk_kernel_param_count(k), nout = tk_kernel_output_count(k);
    for (size_t i = 0; i < nin + nout && i < 8; i++) {
        tk_param_info pi;
        if ((i < nin ? tk_kernel_param(k, i, &pi) : tk_kernel_output(k, i - nin, &pi)) != TK_OK)
            return 0;
        if (!pi.is_tensor) {
            sc[i] = (tk_scalar){.dtype = {kDLFloat, 32, 1}, .value.f = 1e-5};
            continue;
        }
        for (int j = 0; j < pi.rank; j++)
            shapes[i][j] = isdigit((unsigned char)pi.dims[j][0]) ? atoll(pi.dims[j]) : 8;
        t[i] = (DLTensor){.data = buf[i], .device = {kDLCPU, 0}, .ndim = pi.rank, .dtype = {kDLFloat, 32, 1},
                          .shape = shapes[i]};
        if (i < nin)
            in[i] = &t[i];
        else
            out[i - nin] = &t[i];
    }
    tk_args a = {in, sc, out};
    return tk_launch(k, &a) == TK_OK;
}

/* Seconds from compile_string to the end of the first launch. */
static double first_launch(tk_context *ctx, const char *src, const char *name)
{
    double t0 = bench_now();
    tk_module *m = NULL;
    tk_kernel *k = compile_src(ctx, src, name, &m, NULL, 0);
    int ok = launch_small(k);
    double t = bench_now() - t0;
    tk_module_destroy(m);
    return ok ? t : -1;
}

static tk_context *fresh(void)
{
    tk_options o = {.target = TK_TARGET_CPU};
    tk_context *c;
    if (tk_context_create(&o, &c) != TK_OK)
        exit(1);
    return c;
}

void bench_latency(int quick)
{
    static const char *const kernels[][2] = {{"examples/softmax.tk", "softmax"}, {"examples/layernorm.tk", "layernorm"},
                                             {"bench/kernels/add.tk", "add"},   {"examples/matmul.tk", "matmul"},
                                             {"bench/kernels/conv2d.tk", "conv3x3"}};
    char dir[] = "/tmp/tk-bench-cache-XXXXXX";
    if (!mkdtemp(dir))
        return;
    setenv("TK_CACHE_DIR", dir, 1);
    printf("\n| kernel | cold compile + first launch (ms) | same context, cached (ms) | new context, disk cache (ms) |\n"
           "|---|---|---|---|\n");
    int reps = quick ? 1 : 3;
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", bench_source_dir, kernels[i][0]);
        char *src = read_text(path);
        double cold = 1e9, warm = 1e9, disk = 1e9;
        for (int r = 0; r < reps; r++) {
            char cmd[128];
            snprintf(cmd, sizeof cmd, "rm -rf %s/*", dir);
            if (system(cmd) != 0)
                fprintf(stderr, "tk_bench: could not empty %s\n", dir);
            tk_context *c = fresh();
            double t = first_launch(c, src, kernels[i][1]);
            cold = t < cold ? t : cold;
            t = first_launch(c, src, kernels[i][1]);
            warm = t < warm ? t : warm;
            tk_context_destroy(c);
            c = fresh();
            t = first_launch(c, src, kernels[i][1]);
            disk = t < disk ? t : disk;
            tk_context_destroy(c);
        }
        printf("| %s | %.2f | %.3f | %.3f |\n", kernels[i][1], cold * 1e3, warm * 1e3, disk * 1e3);
        fflush(stdout);
        free(src);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "tk_bench: could not remove %s\n", dir);
    unsetenv("TK_CACHE_DIR");
}

/* src with every whole-word occurrence of the shape symbol `sym` replaced
 * by `value` (malloc'ed). Shape symbols are capitals; schedules use lower
 * case loop names, so they are untouched. */
static char *specialise(const char *src, const char *sym, long long value)
{
    size_t n = strlen(src), ls = strlen(sym);
    char *out = malloc(n * 4 + 64), *o = out;
    for (const char *p = src; *p;) {
        if (!strncmp(p, sym, ls) && (p == src || !(isalnum((unsigned char)p[-1]) || p[-1] == '_')) &&
            !(isalnum((unsigned char)p[ls]) || p[ls] == '_')) {
            o += sprintf(o, "%lld", value);
            p += ls;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return out;
}

static DLTensor t2(float *data, int64_t *shape)
{
    return (DLTensor){.data = data, .device = {kDLCPU, 0}, .ndim = 2, .dtype = {kDLFloat, 32, 1}, .shape = shape};
}

typedef struct SymRun {
    tk_kernel *k;
    tk_args    a;
} SymRun;

static void sym_call(void *p)
{
    SymRun *r = p;
    tk_launch(r->k, &r->a);
}

/* One kernel, symbolic and specialised, on one shape: best of three
 * interleaved medians each; prints the ratio specialised / symbolic time. */
static void sym_shape(const char *src, const char *name, const char *s0, const char *s1, const char *s2,
                      int64_t d0, int64_t d1, int64_t d2, int matmul, double *worst)
{
    char *a = specialise(src, s0, d0), *b = specialise(a, s1, d1), *spec = matmul ? specialise(b, s2, d2) : b;
    tk_module *m1 = NULL, *m2 = NULL;
    char why[256];
    tk_kernel *ksym = compile_src(bench_ctx, src, name, &m1, NULL, 0);
    tk_kernel *kspec = compile_src(bench_ctx, spec, name, &m2, why, sizeof why);
    char shape[64];
    if (matmul)
        snprintf(shape, sizeof shape, "%lldx%lldx%lld", (long long)d0, (long long)d2, (long long)d1);
    else
        snprintf(shape, sizeof shape, "%lldx%lld", (long long)d0, (long long)d1);
    if (!kspec) {
        printf("| %s | %s | | | specialised does not compile: `%s` |\n", name, shape, why);
        free(a), free(b);
        if (matmul)
            free(spec);
        tk_module_destroy(m1);
        return;
    }
    int64_t sx[2] = {d0, d1}, sb[2] = {d1, d2}, sy[2] = {d0, matmul ? d2 : d1};
    float *x = bench_alloc(sizeof(float) * (size_t)(d0 * d1)), *w = bench_alloc(sizeof(float) * (size_t)(d1 * d2));
    float *y = bench_alloc(sizeof(float) * (size_t)(d0 * (matmul ? d2 : d1)));
    bench_fill(x, (size_t)(d0 * d1), 11, -1, 1), bench_fill(w, (size_t)(d1 * d2), 12, -1, 1);
    DLTensor tx = t2(x, sx), tw = t2(w, sb), ty = t2(y, sy);
    const DLTensor *in[2] = {&tx, &tw};
    DLTensor *out[1] = {&ty};
    SymRun rs = {ksym, {in, NULL, out}}, rp = {kspec, {in, NULL, out}};
    double ts = 0, tp = 0;
    for (int r = 0; r < 3; r++) {
        double s = bench_time(sym_call, &rs, 0.05), p = bench_time(sym_call, &rp, 0.05);
        ts = r == 0 || s < ts ? s : ts;
        tp = r == 0 || p < tp ? p : tp;
    }
    double ratio = tp / ts;
    if (ratio < *worst)
        *worst = ratio;
    printf("| %s | %s | %.4f | %.4f | %.2f |\n", name, shape, ts * 1e3, tp * 1e3, ratio);
    fflush(stdout);
    free(a), free(b);
    if (matmul)
        free(spec);
    free(x), free(w), free(y);
    tk_module_destroy(m1), tk_module_destroy(m2);
}

void bench_symbolic(int quick)
{
    static const int64_t rows[20][2] = {{1, 1},      {1, 1000},   {3, 17},     {7, 4099},   {16, 16},
                                        {31, 255},   {64, 64},    {64, 1024},  {100, 100},  {127, 129},
                                        {128, 4096}, {256, 2048}, {256, 32000}, {500, 3},   {512, 512},
                                        {1000, 1000}, {1024, 768}, {2048, 1024}, {4096, 1024}, {8192, 17}};
    static const int64_t gemms[20][3] = {{1, 1, 1},       {2, 3, 5},       {6, 64, 64},     {7, 7, 7},
                                         {16, 16, 16},    {33, 65, 17},    {64, 64, 64},    {96, 128, 256},
                                         {100, 100, 100}, {127, 65, 4099}, {128, 128, 128}, {200, 300, 100},
                                         {255, 255, 255}, {256, 256, 256}, {384, 384, 384}, {500, 500, 500},
                                         {512, 512, 512}, {600, 64, 600},  {767, 767, 767}, {1024, 1024, 1024}};
    char path[1024];
    snprintf(path, sizeof path, "%s/examples/softmax.tk", bench_source_dir);
    char *softmax = read_text(path);
    snprintf(path, sizeof path, "%s/examples/matmul.tk", bench_source_dir);
    char *matmul = read_text(path);
    printf("\nSymbolic shapes against the same kernel with the shape written into its signature (hand "
           "schedules; ratio = specialised time / symbolic time, below 1: the specialised kernel is faster)\n\n"
           "| kernel | shape | symbolic (ms) | specialised (ms) | ratio |\n|---|---|---|---|---|\n");
    int n = quick ? 3 : 20;
    double worst_sm = 1e9, worst_mm = 1e9;
    for (int i = 0; i < n; i++)
        sym_shape(softmax, "softmax", "N", "D", "", rows[i][0], rows[i][1], 0, 0, &worst_sm);
    /* matmul's symbols: a: f32[M, K], b: f32[K, N] */
    for (int i = 0; i < n; i++)
        sym_shape(matmul, "matmul", "M", "K", "N", gemms[i][0], gemms[i][2], gemms[i][1], 1, &worst_mm);
    printf("\nWorst ratio: softmax %.2f, matmul %.2f\n", worst_sm, worst_mm);
    free(softmax), free(matmul);
}
