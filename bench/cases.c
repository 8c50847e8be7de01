/* The kernels of tk_bench: how TK and each peer run a case, and the
 * double-precision reference every output is checked against. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "harness.h"

tk_context *bench_ctx;
const char *bench_source_dir = TK_SOURCE_DIR;

char *read_text(const char *path)
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

/* Drops every `schedule ... { ... }` block. */
void strip_schedules(char *s)
{
    char *p;
    while ((p = strstr(s, "\nschedule ")) != NULL) {
        char *e = strchr(p, '{');
        if (!e)
            break;
        for (int depth = 0; *e; e++) {
            if (*e == '{')
                depth++;
            else if (*e == '}' && --depth == 0) {
                e++;
                break;
            }
        }
        memmove(p + 1, e, strlen(e) + 1);
    }
}

typedef struct Loaded {
    char       key[160];
    tk_kernel *k;
} Loaded;

tk_kernel *tk_kernel_from(const char *relpath, const char *name, int automatic)
{
    static Loaded cache[32];
    static int n;
    char key[160];
    snprintf(key, sizeof key, "%s:%s:%d", relpath, name, automatic);
    for (int i = 0; i < n; i++)
        if (!strcmp(cache[i].key, key))
            return cache[i].k;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", bench_source_dir, relpath);
    char *src = read_text(path);
    if (automatic)
        strip_schedules(src);
    tk_module *m = NULL;
    tk_kernel *k = NULL;
    if (tk_compile_string(bench_ctx, relpath, src, strlen(src), &m) != TK_OK ||
        tk_module_kernel(m, name, &k) != TK_OK) {
        fprintf(stderr, "tk_bench: %s: %s\n%s", relpath, tk_last_error(), m ? tk_module_diagnostics_text(m) : "");
        exit(1);
    }
    free(src);
    if (n < 32) {
        snprintf(cache[n].key, sizeof cache[n].key, "%s", key);
        cache[n++].k = k;
    }
    return k; /* the module lives as long as the process */
}

/* ---- TK ------------------------------------------------------------------ */

static DLTensor tensor(const float *data, int ndim, int64_t *shape)
{
    return (DLTensor){.data = (void *)data, .device = {kDLCPU, 0}, .ndim = ndim, .dtype = {kDLFloat, 32, 1},
                      .shape = shape};
}

static int launch(tk_kernel *k, const DLTensor **in, const tk_scalar *sc, DLTensor **out)
{
    tk_args a = {in, sc, out};
    if (tk_launch(k, &a) != TK_OK) {
        fprintf(stderr, "tk_bench: launch failed: %s\n", tk_last_error());
        return 0;
    }
    return 1;
}

static tk_scalar f32_scalar(float v) { return (tk_scalar){.dtype = {kDLFloat, 32, 1}, .value.f = v}; }

static int tk_case(const Case *c, float *out, int automatic)
{
    int64_t s1[1] = {c->n}, s2[2] = {c->n, c->d}, sd[1] = {c->d};
    switch (c->kind) {
    case K_ADD:
    case K_BIAS_RELU: {
        tk_kernel *k = c->kind == K_ADD ? tk_kernel_from("bench/kernels/add.tk", "add", automatic)
                                        : tk_kernel_from("examples/elementwise.tk", "bias_relu", automatic);
        DLTensor x = tensor(c->in[0], 1, s1), y = tensor(c->in[1], 1, s1), z = tensor(out, 1, s1);
        return launch(k, (const DLTensor *[]){&x, &y}, NULL, (DLTensor *[]){&z});
    }
    case K_SOFTMAX: {
        DLTensor x = tensor(c->in[0], 2, s2), y = tensor(out, 2, s2);
        return launch(tk_kernel_from("examples/softmax.tk", "softmax", automatic), (const DLTensor *[]){&x}, NULL,
                      (DLTensor *[]){&y});
    }
    case K_LAYERNORM: {
        static float *stats;
        static int64_t cap;
        if (c->n > cap) {
            free(stats);
            stats = bench_alloc(sizeof(float) * 2 * (size_t)c->n);
            cap = c->n;
        }
        int64_t sn[1] = {c->n};
        DLTensor x = tensor(c->in[0], 2, s2), g = tensor(c->in[1], 1, sd), b = tensor(c->in[2], 1, sd);
        DLTensor y = tensor(out, 2, s2), mean = tensor(stats, 1, sn), rstd = tensor(stats + c->n, 1, sn);
        tk_scalar sc[4] = {{0}};
        sc[3] = f32_scalar(c->eps);
        return launch(tk_kernel_from("examples/layernorm.tk", "layernorm", automatic),
                      (const DLTensor *[]){&x, &g, &b, NULL}, sc, (DLTensor *[]){&y, &mean, &rstd});
    }
    case K_RMSNORM: {
        DLTensor x = tensor(c->in[0], 2, s2), g = tensor(c->in[1], 1, sd), y = tensor(out, 2, s2);
        tk_scalar sc[3] = {{0}};
        sc[2] = f32_scalar(c->eps);
        return launch(tk_kernel_from("bench/kernels/rmsnorm.tk", "rmsnorm", automatic),
                      (const DLTensor *[]){&x, &g, NULL}, sc, (DLTensor *[]){&y});
    }
    case K_GEMM: {
        int64_t sa[2] = {c->m, c->k}, sb[2] = {c->k, c->n}, sc_[2] = {c->m, c->n};
        DLTensor a = tensor(c->in[0], 2, sa), b = tensor(c->in[1], 2, sb), y = tensor(out, 2, sc_);
        return launch(tk_kernel_from("examples/matmul.tk", "matmul", automatic), (const DLTensor *[]){&a, &b}, NULL,
                      (DLTensor *[]){&y});
    }
    case K_CONV: {
        int64_t oh = c->h + 2 * c->pad - c->r + 1, ow = c->w + 2 * c->pad - c->r + 1;
        int64_t sx[4] = {1, c->c, c->h, c->w}, sw[4] = {c->f, c->c, c->r, c->r}, sy[4] = {1, c->f, oh, ow};
        DLTensor x = tensor(c->in[0], 4, sx), w = tensor(c->in[1], 4, sw), y = tensor(out, 4, sy);
        const char *name = c->r == 3 && c->pad == 1 ? "conv3x3" : c->r == 1 && c->pad == 0 ? "conv1x1" : NULL;
        if (!name)
            return 0;
        return launch(tk_kernel_from("bench/kernels/conv2d.tk", name, automatic), (const DLTensor *[]){&x, &w},
                      NULL, (DLTensor *[]){&y});
    }
    }
    return 0;
}

static int tk_hand(const Case *c, float *out) { return tk_case(c, out, 0); }
static int tk_auto(const Case *c, float *out) { return tk_case(c, out, 1); }

/* ---- the careful C peers, both builds -------------------------------------- */

#define C_PEER_RUNNERS(P)                                                                                      \
    static int P##run(const Case *c, float *out)                                                               \
    {                                                                                                          \
        switch (c->kind) {                                                                                     \
        case K_ADD: P##add(c->in[0], c->in[1], out, c->n); return 1;                                           \
        case K_BIAS_RELU: P##bias_relu(c->in[0], c->in[1], out, c->n); return 1;                               \
        case K_SOFTMAX: P##softmax(c->in[0], out, c->n, c->d); return 1;                                       \
        case K_LAYERNORM: P##layernorm(c->in[0], c->in[1], c->in[2], c->eps, out, c->n, c->d); return 1;       \
        case K_RMSNORM: P##rmsnorm(c->in[0], c->in[1], c->eps, out, c->n, c->d); return 1;                     \
        case K_GEMM:                                                                                           \
            if ((double)c->m * c->n * c->k > 1.2e9) /* minutes at these sizes: not a contender */              \
                return 0;                                                                                      \
            P##gemm(c->in[0], c->in[1], out, c->m, c->k, c->n);                                                \
            return 1;                                                                                          \
        case K_CONV: P##conv2d(c->in[0], c->in[1], out, 1, c->c, c->h, c->w, c->f, c->r, c->pad); return 1;    \
        }                                                                                                      \
        return 0;                                                                                              \
    }
C_PEER_RUNNERS(c_)
C_PEER_RUNNERS(c512_)

/* ---- library peers -------------------------------------------------------- */

static int run_blas(const Case *c, float *out)
{
    return c->kind == K_GEMM && blas_gemm(c->in[0], c->in[1], out, c->m, c->k, c->n);
}

static int run_onednn(const Case *c, float *out)
{
    switch (c->kind) {
    case K_SOFTMAX: return onednn_softmax(c->in[0], out, c->n, c->d);
    case K_LAYERNORM: return onednn_layernorm(c->in[0], c->in[1], c->in[2], c->eps, out, c->n, c->d);
    case K_GEMM: return onednn_matmul(c->in[0], c->in[1], out, c->m, c->k, c->n);
    case K_CONV: return onednn_conv2d(c->in[0], c->in[1], out, c->c, c->h, c->w, c->f, c->r, c->pad);
    default: return 0;
    }
}

static int run_halide(const Case *c, float *out)
{
    switch (c->kind) {
    case K_SOFTMAX: return halide_softmax(c->in[0], out, c->n, c->d, NULL);
    case K_GEMM: return c->m >= 8 && c->n >= 32 && halide_matmul(c->in[0], c->in[1], out, c->m, c->k, c->n, NULL);
    default: return 0;
    }
}

static const Impl impls[] = {
    {"TK hand", tk_hand, 1},    {"TK auto", tk_auto, 2},   {"C", c_run, 0},          {"C 512", c512_run, 0},
    {"OpenBLAS", run_blas, 0},  {"oneDNN", run_onednn, 0}, {"Halide", run_halide, 0},
};

int case_impls(const Case *c, const Impl **out)
{
    (void)c;
    *out = impls;
    return (int)(sizeof impls / sizeof impls[0]);
}

const char *case_name(const Case *c)
{
    static const char *names[] = {"add", "bias_relu", "softmax", "layernorm", "rmsnorm", "sgemm", "conv2d"};
    return names[c->kind];
}

/* ---- the reference -------------------------------------------------------- */

/* Row statistics in double for the row-wise kernels. */
static double row_ref(const Case *c, int64_t row, int64_t j)
{
    const float *x = c->in[0] + row * c->d;
    double d = (double)c->d;
    switch (c->kind) {
    case K_SOFTMAX: {
        double m = -INFINITY, s = 0;
        for (int64_t i = 0; i < c->d; i++)
            m = fmax(m, x[i]);
        for (int64_t i = 0; i < c->d; i++)
            s += exp(x[i] - m);
        return exp(x[j] - m) / s;
    }
    case K_LAYERNORM: {
        double s = 0, v = 0;
        for (int64_t i = 0; i < c->d; i++)
            s += x[i];
        double mean = s / d;
        for (int64_t i = 0; i < c->d; i++)
            v += (x[i] - mean) * (x[i] - mean);
        return (x[j] - mean) / sqrt(v / d + c->eps) * c->in[1][j] + c->in[2][j];
    }
    default: { /* rmsnorm */
        double ss = 0;
        for (int64_t i = 0; i < c->d; i++)
            ss += (double)x[i] * x[i];
        return x[j] / sqrt(ss / d + c->eps) * c->in[1][j];
    }
    }
}

double case_reference(const Case *c, size_t i)
{
    switch (c->kind) {
    case K_ADD: return (double)c->in[0][i] + c->in[1][i];
    case K_BIAS_RELU: return fmax((double)c->in[0][i] * 2.0 + c->in[1][i], 0.0);
    case K_SOFTMAX:
    case K_LAYERNORM:
    case K_RMSNORM: return row_ref(c, (int64_t)i / c->d, (int64_t)i % c->d);
    case K_GEMM: {
        int64_t row = (int64_t)i / c->n, col = (int64_t)i % c->n;
        double s = 0;
        for (int64_t kk = 0; kk < c->k; kk++)
            s += (double)c->in[0][row * c->k + kk] * c->in[1][kk * c->n + col];
        return s;
    }
    case K_CONV: {
        int64_t oh = c->h + 2 * c->pad - c->r + 1, ow = c->w + 2 * c->pad - c->r + 1;
        int64_t fo = (int64_t)i / (oh * ow), y = (int64_t)i / ow % oh, x = (int64_t)i % ow;
        double s = 0;
        for (int64_t ci = 0; ci < c->c; ci++)
            for (int64_t u = 0; u < c->r; u++)
                for (int64_t v = 0; v < c->r; v++) {
                    int64_t yy = y + u - c->pad, xx = x + v - c->pad;
                    if (yy >= 0 && yy < c->h && xx >= 0 && xx < c->w)
                        s += (double)c->in[0][(ci * c->h + yy) * c->w + xx] *
                             c->in[1][((fo * c->c + ci) * c->r + u) * c->r + v];
                }
        return s;
    }
    }
    return 0;
}

/* Relative to max(1, |reference|): float rounding of sums that grow with the
 * reduction length, and the peers' own exp approximations (~2 ulp). */
double case_tolerance(const Case *c)
{
    switch (c->kind) {
    case K_ADD:
    case K_BIAS_RELU: return 1e-6;
    case K_GEMM: return 1e-6 * sqrt((double)c->k) * 8;
    case K_CONV: return 1e-6 * sqrt((double)(c->c * c->r * c->r)) * 8;
    default: return 2e-5;
    }
}
