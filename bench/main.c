/* tk_bench: TK beside careful C, OpenBLAS, oneDNN and Halide in one
 * process, on the kernels and shapes of issue 11. Every implementation is
 * checked against a sampled double-precision reference before it is timed;
 * the headline is TK's speed over the best peer's. Prints a Markdown table
 * and, with --csv FILE, writes one line per implementation and case.
 * scripts/bench.sh runs it with 1 and 2 threads and draws the plots.
 * Options: --quick (small shapes: a smoke run), --only GROUP (elementwise,
 * rows, gemm, conv, latency, symbolic), --csv FILE. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "harness.h"

static int   quick;
static FILE *csv;

/* OpenBLAS reads OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE when it loads, and a
 * host that presets them forces slower kernels: run again without them. */
static void exec_without_forced_blas(char **argv)
{
    if (!getenv("OPENBLAS_CORETYPE") && !getenv("OPENBLAS_L2_SIZE"))
        return;
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("OPENBLAS_L2_SIZE");
    execv("/proc/self/exe", argv);
    perror("tk_bench: re-exec without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE");
    exit(1);
}

static double budget(void) { return quick ? 0.05 : 0.25; }

typedef struct Call {
    const Impl *impl;
    const Case *c;
    float      *out;
} Call;

static void call(void *p)
{
    Call *x = p;
    x->impl->run(x->c, x->out);
}

/* Largest error over ~1000 sampled elements (and the last one). */
static double check(const Case *c, const float *out)
{
    size_t step = c->nout / 1000 + 1;
    double worst = 0;
    for (size_t i = 0;; i += step) {
        if (i >= c->nout)
            i = c->nout - 1;
        double ref = case_reference(c, i);
        double e = fabs(out[i] - ref) / fmax(1.0, fabs(ref));
        if (!(e <= worst))
            worst = e;
        if (i == c->nout - 1)
            break;
    }
    return worst;
}

enum { MAXIMPL = 8 };

static void run_case(Case *c)
{
    const Impl *im;
    int ni = case_impls(c, &im);
    double t[MAXIMPL] = {0};
    int ok[MAXIMPL] = {0};
    char note[MAXIMPL][160] = {{0}};
    float *out = bench_alloc(sizeof(float) * c->nout);
    /* checked first, each on a zeroed output */
    for (int i = 0; i < ni; i++) {
        memset(out, 0, sizeof(float) * c->nout);
        if (!im[i].run(c, out))
            continue;
        double e = check(c, out);
        ok[i] = e <= case_tolerance(c);
        if (!strcmp(im[i].name, "oneDNN"))
            snprintf(note[i], sizeof note[i], "%s", onednn_last_impl());
        if (!ok[i])
            fprintf(stderr, "tk_bench: WRONG: %s on %s %s: max rel error %.3g (tolerance %.3g)\n", im[i].name,
                    case_name(c), c->shape, e, case_tolerance(c));
        ok[i] = ok[i] ? 1 : -1;
    }
    /* then timed in interleaved rounds; each keeps its best median */
    for (int round = 0; round < 3; round++)
        for (int i = 0; i < ni; i++) {
            if (ok[i] != 1)
                continue;
            Call x = {&im[i], c, out};
            double s = bench_time(call, &x, budget());
            if (t[i] == 0 || s < t[i])
                t[i] = s;
        }
    double best = 0;
    int bi = -1;
    for (int i = 0; i < ni; i++)
        if (!im[i].is_tk && ok[i] == 1 && (bi < 0 || t[i] < best))
            best = t[i], bi = i;
    printf("| %s | %s |", case_name(c), c->shape);
    for (int i = 0; i < ni; i++)
        printf(ok[i] == 1 ? " %.3f |" : ok[i] ? " WRONG |" : " — |", t[i] * 1e3);
    char ratio[2][32];
    for (int i = 0; i < 2; i++) /* im[0], im[1]: TK hand, TK auto */
        snprintf(ratio[i], sizeof ratio[i], ok[i] == 1 && bi >= 0 ? "**%.2f**" : "—", best / t[i]);
    printf(" %s | %s | %s |\n", bi >= 0 ? im[bi].name : "—", ratio[0], ratio[1]);
    fflush(stdout);
    for (int i = 0; i < ni; i++)
        if (csv && ok[i])
            fprintf(csv, "%s,%s,%s,%s,%.6f,%.3f,%s,%s,%s\n", getenv("TK_NUM_THREADS") ? getenv("TK_NUM_THREADS") : "all",
                    case_name(c), c->shape, im[i].name, t[i] * 1e3,
                    ok[i] == 1 ? c->work / t[i] * 1e-9 : 0.0, c->flops ? "GFLOP/s" : "GB/s",
                    ok[i] == 1 ? "ok" : "WRONG", note[i]);
    free(out);
}

static float *filled(size_t n, uint32_t seed, float lo, float hi)
{
    float *p = bench_alloc(sizeof(float) * (n ? n : 1));
    bench_fill(p, n, seed, lo, hi);
    return p;
}

static void release(Case *c)
{
    for (int i = 0; i < 3; i++)
        free(c->in[i]);
}

static void elementwise(KernelKind kind, int64_t n)
{
    Case c = {.kind = kind, .n = n, .nout = (size_t)n, .work = 12.0 * (double)n};
    snprintf(c.shape, sizeof c.shape, "2^%d", (int)log2((double)n));
    c.in[0] = filled((size_t)n, 1, -1, 1), c.in[1] = filled((size_t)n, 2, -1, 1);
    run_case(&c);
    release(&c);
}

static void rows(KernelKind kind, int64_t n, int64_t d)
{
    Case c = {.kind = kind, .n = n, .d = d, .eps = 1e-5f, .nout = (size_t)(n * d), .work = 8.0 * (double)(n * d)};
    snprintf(c.shape, sizeof c.shape, "%lldx%lld", (long long)n, (long long)d);
    c.in[0] = filled((size_t)(n * d), 3, -5, 5);
    c.in[1] = filled((size_t)d, 4, 0.5f, 1.5f);
    c.in[2] = filled((size_t)d, 5, -0.5f, 0.5f);
    run_case(&c);
    release(&c);
}

/* m x n x k, as the issue names sgemm shapes (127x4099x65: m 127, n 4099, k 65). */
static void gemm(int64_t m, int64_t n, int64_t k)
{
    Case c = {.kind = K_GEMM, .m = m, .n = n, .k = k, .nout = (size_t)(m * n), .flops = 1,
              .work = 2.0 * (double)m * (double)n * (double)k};
    if (m == n && n == k)
        snprintf(c.shape, sizeof c.shape, "%lld³", (long long)m);
    else
        snprintf(c.shape, sizeof c.shape, "%lldx%lldx%lld", (long long)m, (long long)n, (long long)k);
    c.in[0] = filled((size_t)(m * k), 6, -1, 1), c.in[1] = filled((size_t)(k * n), 7, -1, 1);
    run_case(&c);
    release(&c);
}

static void conv(int64_t ch, int64_t hw, int64_t r)
{
    int64_t pad = r / 2;
    Case c = {.kind = K_CONV, .c = ch, .f = ch, .h = hw, .w = hw, .r = r, .pad = pad, .nout = (size_t)(ch * hw * hw),
              .flops = 1, .work = 2.0 * (double)(ch * ch * r * r * hw * hw)};
    snprintf(c.shape, sizeof c.shape, "%lldx%lld %lld→%lld %lldx%lld", (long long)r, (long long)r, (long long)ch,
             (long long)ch, (long long)hw, (long long)hw);
    c.in[0] = filled((size_t)(ch * hw * hw), 8, -1, 1);
    c.in[1] = filled((size_t)(ch * ch * r * r), 9, -0.1f, 0.1f);
    run_case(&c);
    release(&c);
}

static int want(const char *only, const char *group) { return !only || !strcmp(only, group); }

int main(int argc, char **argv)
{
    exec_without_forced_blas(argv);
    const char *only = NULL, *csv_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick"))
            quick = 1;
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--csv") && i + 1 < argc)
            csv_path = argv[++i];
        else {
            fprintf(stderr, "usage: tk_bench [--quick] [--csv FILE] "
                            "[--only elementwise|rows|gemm|conv|latency|symbolic]\n");
            return 2;
        }
    }
    tk_options opts = {.target = TK_TARGET_CPU};
    if (tk_context_create(&opts, &bench_ctx) != TK_OK) {
        fprintf(stderr, "tk_bench: the CPU backend is not available (%s)\n", tk_last_error());
        return 1;
    }
    if (csv_path && !(csv = fopen(csv_path, "w"))) {
        fprintf(stderr, "tk_bench: cannot write %s\n", csv_path);
        return 1;
    }
    if (csv)
        fprintf(csv, "threads,kernel,shape,impl,ms,rate,unit,check,note\n");
    const char *threads = getenv("TK_NUM_THREADS");
    printf("Threads: %s (TK_NUM_THREADS, OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, HL_NUM_THREADS)\n",
           threads ? threads : "all cores");
    printf("TK %s\n", tk_version());
    blas_describe();
    onednn_describe();
    printf("\nTimes in ms (best of three interleaved medians); ratio = best peer's time / TK's "
           "(above 1: TK is faster than every peer). — : not applicable; WRONG: failed the check, not timed.\n\n");
    printf("| kernel | shape | TK hand | TK auto | C | C 512 | OpenBLAS | oneDNN | Halide | best peer | hand ratio "
           "| auto ratio |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    if (want(only, "elementwise"))
        for (int i = 0; i < 2; i++) {
            int64_t n = quick ? (i ? 1 << 16 : 1 << 12) : (i ? 1 << 26 : 1 << 20);
            elementwise(K_ADD, n);
            elementwise(K_BIAS_RELU, n);
        }
    if (want(only, "rows")) {
        KernelKind kinds[3] = {K_SOFTMAX, K_LAYERNORM, K_RMSNORM};
        for (int i = 0; i < 3; i++) {
            rows(kinds[i], quick ? 64 : 4096, 1024);
            rows(kinds[i], quick ? 4 : 256, 32000);
        }
    }
    if (want(only, "gemm")) {
        static const int64_t full[][3] = {{256, 256, 256},    {512, 512, 512},    {1024, 1024, 1024},
                                          {1536, 1536, 1536}, {2048, 2048, 2048}, {1000, 1000, 1000},
                                          {999, 999, 999},    {1025, 1025, 1025}, {127, 4099, 65}};
        static const int64_t small[][3] = {{64, 64, 64}, {127, 257, 65}};
        int n = quick ? 2 : 9;
        for (int i = 0; i < n; i++) {
            const int64_t *s = quick ? small[i] : full[i];
            gemm(s[0], s[1], s[2]);
        }
    }
    if (want(only, "conv")) {
        conv(quick ? 8 : 64, quick ? 14 : 56, 3);
        conv(quick ? 8 : 64, quick ? 14 : 56, 1);
    }
    if (want(only, "latency"))
        bench_latency(quick);
    if (want(only, "symbolic"))
        bench_symbolic(quick);
    if (csv)
        fclose(csv);
    tk_context_destroy(bench_ctx);
    return 0;
}
