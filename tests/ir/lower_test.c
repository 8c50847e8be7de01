/* Lowering with the default schedule: every kernel of docs/language.md
 * lowers and verifies, and the loop IR evaluator (compiler/ir_eval.c) runs
 * the lowered kernels on small inputs against hand-written C references. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/testutil.h"
#include "tests/ir/ir_testutil.h"

/* Deterministic inputs in [-2, 2). */
static void fill(double *v, size_t n, unsigned seed)
{
    uint32_t s = seed * 2654435761u + 12345u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        v[i] = (double)((s >> 8) % 4096) / 1024.0 - 2.0;
    }
}

static void expect_close(const double *got, const double *want, size_t n, double tol, const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_expect(fabs(got[i] - want[i]) <= tol * (1 + fabs(want[i])), "%s[%zu]: got %.9g, want %.9g", what, i,
                  got[i], want[i]);
}

static void run(Func *f, IrEvalArg *args)
{
    char err[256];
    bool ok = ir_eval_func(f, args, err, sizeof err);
    cr_assert(ok, "evaluation failed: %s", err);
}

Test(lower, every_kernel_in_the_language_reference)
{
    char *doc = read_text_file(TK_SOURCE_DIR "/docs/language.md", NULL);
    cr_assert_not_null(doc);
    int nblocks = 0, nkernels = 0;
    for (char *p = doc; (p = strstr(p, "```tk\n")); ) {
        p += 6;
        char *end = strstr(p, "```");
        cr_assert_not_null(end);
        *end = 0;
        IrTest t;
        cr_assert(irt_load(&t, p), "block %d does not check:\n%s", nblocks, p);
        for (uint32_t i = 0; i < t.prog->modules.v[0]->items.n; i++) {
            AstItem *it = &t.prog->modules.v[0]->items.v[i];
            if (it->kind != ITEM_KERNEL)
                continue;
            KernelInfo *k = it->u.kernel->info;
            bool rank_generic = false;
            for (uint32_t j = 0; j < k->params.n; j++)
                rank_generic |= k->params.v[j].rank_generic;
            if (rank_generic)
                continue; /* needs a concrete rank: see lower.generic_kernels */
            irt_lower_key(&t, it->u.kernel->name, it->u.kernel->tparams.n ? DT_F32 : DT_ERROR);
            nkernels++;
        }
        ctx_free(&t.ctx);
        nblocks++;
        p = end + 1;
    }
    cr_expect_geq(nkernels, 15, "found only %d kernels", nkernels);
    free(doc);
}

Test(lower, generic_kernels)
{
    IrTest t;
    cr_assert(irt_load(&t, "kernel relu<T>(x: T[...]) -> y: T[...] { y[...] = max(x[...], T(0)); }\n"
                           "kernel axpy<T>(a: T, x: T[N], y: T[N]) -> z: T[N] { z[i] = a * x[i] + y[i]; }\n"));
    Func *f = irt_lower_key(&t, "axpy", DT_F64);
    cr_expect_eq(f->args[1].buf->ty, DT_F64);
    cr_expect_eq(f->args[0].var->ty, DT_F64);
    /* no dtype for T: a clear error, not a crash */
    AstKernel *k = irt_kernel(&t, "axpy");
    IrCtx c;
    ir_ctx_init(&c, &t.ctx.arena, k->info->sym, &t.ctx.diags);
    cr_expect_null(lower_kernel(&c, k->info, NULL));
    cr_expect(strstr(t.ctx.diags.head->msg, "generic over 'T'"), "%s", t.ctx.diags.head->msg);
    InstKey key = {DT_F32};
    cr_expect_null(lower_kernel(&c, irt_kernel(&t, "relu")->info, &key));
    cr_expect(strstr(t.ctx.diags.head->next->msg, "concrete rank"));
    ctx_free(&t.ctx);
}

static const char softmax_src[] =
    "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n"
    "    m[n]    = max(x[n, d] for d);\n"
    "    e[n, d] = exp(x[n, d] - m[n]);\n"
    "    s[n]    = sum(e[n, d] for d);\n"
    "    y[n, d] = e[n, d] / s[n];\n"
    "}\n";

Test(lower, softmax_runs)
{
    IrTest t;
    cr_assert(irt_load(&t, softmax_src));
    Func *f = irt_lower(&t, "softmax");
    enum { N = 3, D = 5 };
    double x[N * D], y[N * D], want[N * D];
    fill(x, N * D, 1);
    for (int n = 0; n < N; n++) {
        double m = -INFINITY, s = 0;
        for (int d = 0; d < D; d++)
            m = fmax(m, x[n * D + d]);
        for (int d = 0; d < D; d++)
            s += exp(x[n * D + d] - m);
        for (int d = 0; d < D; d++)
            want[n * D + d] = exp(x[n * D + d] - m) / s;
    }
    int64_t shape[2] = {N, D};
    IrEvalArg args[2] = {{x, shape}, {y, shape}};
    run(f, args);
    expect_close(y, want, N * D, 1e-5, "y");
    ctx_free(&t.ctx);
}

Test(lower, matmul_runs)
{
    IrTest t;
    cr_assert(irt_load(&t, "kernel matmul(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n"
                           "    c[i, j] = sum(a[i, k] * b[k, j] for k);\n}\n"));
    Func *f = irt_lower(&t, "matmul");
    enum { M = 3, K = 4, N = 2 };
    double a[M * K], b[K * N], c[M * N], want[M * N];
    fill(a, M * K, 2);
    fill(b, K * N, 3);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                s += a[i * K + k] * b[k * N + j];
            want[i * N + j] = s;
        }
    int64_t sa[2] = {M, K}, sb[2] = {K, N}, sc[2] = {M, N};
    IrEvalArg args[3] = {{a, sa}, {b, sb}, {c, sc}};
    run(f, args);
    expect_close(c, want, M * N, 1e-5, "c");
    ctx_free(&t.ctx);
}

Test(lower, conv2d_with_padding_runs)
{
    IrTest t;
    cr_assert(irt_load(&t, "kernel conv2d(x: f32[C, H, W], wt: f32[F, C, 3, 3]) -> y: f32[F, H, W] {\n"
                           "    y[f, h, w] = sum((x[c, h + r - 1, w + s - 1] ?? 0.0) * wt[f, c, r, s]\n"
                           "                     for c, r in 0..3, s in 0..3);\n}\n"));
    Func *f = irt_lower(&t, "conv2d");
    enum { C = 2, H = 4, W = 5, F = 3 };
    double x[C * H * W], wt[F * C * 9], y[F * H * W], want[F * H * W];
    fill(x, C * H * W, 4);
    fill(wt, F * C * 9, 5);
    for (int fo = 0; fo < F; fo++)
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) {
                double s = 0;
                for (int c = 0; c < C; c++)
                    for (int r = 0; r < 3; r++)
                        for (int q = 0; q < 3; q++) {
                            int hh = h + r - 1, ww = w + q - 1;
                            double v = hh >= 0 && hh < H && ww >= 0 && ww < W ? x[(c * H + hh) * W + ww] : 0;
                            s += v * wt[((fo * C + c) * 3 + r) * 3 + q];
                        }
                want[(fo * H + h) * W + w] = s;
            }
    int64_t sx[3] = {C, H, W}, sw[4] = {F, C, 3, 3}, sy[3] = {F, H, W};
    IrEvalArg args[3] = {{x, sx}, {wt, sw}, {y, sy}};
    run(f, args);
    expect_close(y, want, F * H * W, 1e-5, "y");
    /* the channel index is provably in bounds: only h and w are guarded */
    char *text = irt_print(&t, f);
    cr_expect(strstr(text, "x[c, h + r - 1, w + s - 1] if 0 <= h + r - 1 && h + r - 1 < H && 0 <= w + s - 1 && "
                           "w + s - 1 < W else 0.0"), "%s", text);
    ctx_free(&t.ctx);
}

Test(lower, layernorm_with_nested_reductions_runs)
{
    IrTest t;
    cr_assert(irt_load(&t, "kernel layernorm(x: f32[N, D], g: f32[D], b: f32[D], eps: f32)\n"
                           "    -> (y: f32[N, D], mean: f32[N], rstd: f32[N]) {\n"
                           "    mean[n] = sum(x[n, d] for d) / f32(D);\n"
                           "    var[n]  = sum((x[n, d] - mean[n]) * (x[n, d] - mean[n]) for d) / f32(D);\n"
                           "    rstd[n] = rsqrt(var[n] + eps);\n"
                           "    y[n, d] = (x[n, d] - mean[n]) * rstd[n] * g[d] + b[d];\n}\n"));
    Func *f = irt_lower(&t, "layernorm");
    enum { N = 3, D = 4 };
    double x[N * D], g[D], b[D], eps = 1e-5, y[N * D], mean[N], rstd[N];
    double wy[N * D], wmean[N], wrstd[N];
    fill(x, N * D, 6);
    fill(g, D, 7);
    fill(b, D, 8);
    for (int n = 0; n < N; n++) {
        double s = 0, v = 0;
        for (int d = 0; d < D; d++)
            s += x[n * D + d];
        wmean[n] = s / D;
        for (int d = 0; d < D; d++)
            v += (x[n * D + d] - wmean[n]) * (x[n * D + d] - wmean[n]);
        wrstd[n] = 1 / sqrt(v / D + eps);
        for (int d = 0; d < D; d++)
            wy[n * D + d] = (x[n * D + d] - wmean[n]) * wrstd[n] * g[d] + b[d];
    }
    int64_t sx[2] = {N, D}, sd[1] = {D}, sn[1] = {N}, s0[1] = {1};
    IrEvalArg args[7] = {{x, sx}, {g, sd}, {b, sd}, {&eps, s0}, {y, sx}, {mean, sn}, {rstd, sn}};
    run(f, args);
    expect_close(mean, wmean, N, 1e-5, "mean");
    expect_close(rstd, wrstd, N, 1e-4, "rstd");
    expect_close(y, wy, N * D, 1e-4, "y");
    ctx_free(&t.ctx);
}

Test(lower, helpers_pooling_stencil_and_scalars_run)
{
    IrTest t;
    cr_assert(irt_load(&t, "fn gelu(x: f32) -> f32 = 0.5 * x * (1.0 + erf(x * 0.70710678));\n"
                           "kernel gelu_rows(x: f32[N, D]) -> y: f32[N, D] { y[n, d] = gelu(x[n, d]); }\n"
                           "kernel pool2x2(x: f32[H, W]) -> y: f32[H / 2, W / 2] {\n"
                           "    y[i, j] = max(max(x[2 * i, 2 * j], x[2 * i, 2 * j + 1]),\n"
                           "                  max(x[2 * i + 1, 2 * j], x[2 * i + 1, 2 * j + 1]));\n}\n"
                           "kernel stencil3(x: f32[N]) -> y: f32[N] {\n"
                           "    y[i] = 0.25 * (x[i - 1] ?? 0.0) + 0.5 * x[i] + 0.25 * (x[i + 1] ?? 0.0);\n}\n"
                           "kernel total(x: f32[N, D]) -> s: f32 { s = sum(x[n, d] for n, d); }\n"
                           "kernel gelu_sum(x: f32[N, D]) -> y: f32[N] { y[n] = gelu(sum(x[n, d] for d)); }\n"));
    double x[12], y[12], want[12];
    fill(x, 12, 9);
    /* gelu on 3x4 */
    Func *f = irt_lower(&t, "gelu_rows");
    int64_t s34[2] = {3, 4};
    for (int i = 0; i < 12; i++)
        want[i] = 0.5 * x[i] * (1 + erf(x[i] * 0.70710678));
    run(f, (IrEvalArg[]){{x, s34}, {y, s34}});
    expect_close(y, want, 12, 1e-5, "gelu");
    /* pool on 3x4 (odd height: one output row) */
    f = irt_lower(&t, "pool2x2");
    int64_t s12[2] = {1, 2};
    for (int j = 0; j < 2; j++)
        want[j] = fmax(fmax(x[2 * j], x[2 * j + 1]), fmax(x[4 + 2 * j], x[4 + 2 * j + 1]));
    run(f, (IrEvalArg[]){{x, s34}, {y, s12}});
    expect_close(y, want, 2, 1e-6, "pool");
    /* stencil on 12 */
    f = irt_lower(&t, "stencil3");
    int64_t s1[1] = {12};
    for (int i = 0; i < 12; i++)
        want[i] = 0.25 * (i > 0 ? x[i - 1] : 0) + 0.5 * x[i] + 0.25 * (i < 11 ? x[i + 1] : 0);
    run(f, (IrEvalArg[]){{x, s1}, {y, s1}});
    expect_close(y, want, 12, 1e-6, "stencil");
    /* a 0-d output */
    f = irt_lower(&t, "total");
    double s = 0, ws = 0;
    for (int i = 0; i < 12; i++)
        ws += x[i];
    run(f, (IrEvalArg[]){{x, s34}, {&s, NULL}});
    expect_close(&s, &ws, 1, 1e-5, "total");
    /* a reduction inside an fn call: a temporary, then the let */
    f = irt_lower(&t, "gelu_sum");
    int64_t s3[1] = {3};
    for (int n = 0; n < 3; n++) {
        double r = x[4 * n] + x[4 * n + 1] + x[4 * n + 2] + x[4 * n + 3];
        want[n] = 0.5 * r * (1 + erf(r * 0.70710678));
    }
    run(f, (IrEvalArg[]){{x, s34}, {y, s3}});
    expect_close(y, want, 3, 1e-5, "gelu_sum");
    ctx_free(&t.ctx);
}

Test(lower, launch_checks_become_asserts)
{
    IrTest t;
    cr_assert(irt_load(&t, "kernel window(x: f32[N], off: i64) -> y: f32[4] { y[i] = x[i + off]; }\n"));
    Func *f = irt_lower(&t, "window");
    char *text = irt_print(&t, f);
    cr_expect(strstr(text, "assert "), "%s", text);
    double x[6] = {0, 1, 2, 3, 4, 5}, y[4], off = 2;
    int64_t s6[1] = {6}, s4[1] = {4}, s0[1] = {1};
    run(f, (IrEvalArg[]){{x, s6}, {&off, s0}, {y, s4}});
    cr_expect_eq(y[0], 2);
    cr_expect_eq(y[3], 5);
    off = 3;
    char err[256];
    cr_expect_not(ir_eval_func(f, (IrEvalArg[]){{x, s6}, {&off, s0}, {y, s4}}, err, sizeof err));
    cr_expect(strstr(err, "assert failed"), "%s", err);
    ctx_free(&t.ctx);
}

/* A load that sema proved inside only under a select's condition reads
 * nothing when the other side is chosen: the backends compute both sides. */
Test(lower, loads_guarded_by_a_select_are_predicated)
{
    IrTest t;
    cr_assert(irt_load(&t, "kernel concat(a: f32[A], b: f32[B]) -> y: f32[A + B] {\n"
                           "    y[i] = select(i < A, a[i], b[i - A]) + (a[0] ?? 0.0);\n"
                           "}\n"
                           "kernel plain(x: f32[N]) -> y: f32[N] { y[i] = select(i < 3, x[i], 0.0); }\n"));
    Func *f = irt_lower(&t, "concat");
    char *text = irt_print(&t, f);
    cr_expect(strstr(text, "a[i] if i < A"), "%s", text);
    cr_expect(strstr(text, "b[i - A] if !(i < A)"), "%s", text);
    double a[3] = {1, 2, 3}, b[2] = {4, 5}, y[5];
    int64_t s3[1] = {3}, s2[1] = {2}, s5[1] = {5};
    run(f, (IrEvalArg[]){{a, s3}, {b, s2}, {y, s5}});
    for (int i = 0; i < 5; i++)
        cr_expect_eq(y[i], (i < 3 ? a[i] : b[i - 3]) + 1, "y[%d] = %g", i, y[i]);
    text = irt_print(&t, irt_lower(&t, "plain"));
    cr_expect(strstr(text, "x[i]") && !strstr(text, "x[i] if"), "only needed loads are predicated: %s", text);
    ctx_free(&t.ctx);
}
