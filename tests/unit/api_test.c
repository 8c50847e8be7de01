/* The public C API (include/tk/tk.h): compile, diagnostics as records,
 * lookup, introspection, output shapes, launches on strided tensors, errors,
 * and concurrent use of one context. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api_internal.h"
#include "tk/tk.h"

static const char softmax_src[] =
    "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n"
    "    m[n] = max(x[n, d] for d);\n"
    "    e[n, d] = exp(x[n, d] - m[n]);\n"
    "    s[n] = sum(e[n, d] for d);\n"
    "    y[n, d] = e[n, d] / s[n];\n"
    "}\n"
    "kernel pool(x: f32[H, W], scale: f32) -> y: f32[H / 2, W / 2] {\n"
    "    y[i, j] = scale * max(x[2 * i, 2 * j], x[2 * i + 1, 2 * j + 1]);\n"
    "}\n";

static DLTensor tensor(float *data, int32_t ndim, int64_t *shape, int64_t *strides)
{
    return (DLTensor){.data = data, .device = {kDLCPU, 0}, .ndim = ndim, .dtype = {kDLFloat, 32, 1},
                      .shape = shape, .strides = strides, .byte_offset = 0};
}

static tk_module *compile_ok(tk_context *ctx, const char *src)
{
    tk_module *m = NULL;
    tk_status st = tk_compile_string(ctx, "api.tk", src, strlen(src), &m);
    cr_assert_eq(st, TK_OK, "compile failed: %s\n%s", tk_last_error(), tk_module_diagnostics_text(m));
    return m;
}

static void softmax_ref(const float *x, float *y, int n, int d, int64_t row_stride, int64_t col_stride)
{
    for (int i = 0; i < n; i++) {
        float m = -INFINITY, s = 0;
        for (int j = 0; j < d; j++)
            m = fmaxf(m, x[i * row_stride + j * col_stride]);
        for (int j = 0; j < d; j++)
            s += expf(x[i * row_stride + j * col_stride] - m);
        for (int j = 0; j < d; j++)
            y[i * d + j] = expf(x[i * row_stride + j * col_stride] - m) / s;
    }
}

Test(api, compile_lookup_introspect)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    tk_module *m = compile_ok(ctx, softmax_src);
    cr_assert_eq(tk_module_kernel_count(m), 2);
    cr_assert_str_eq(tk_module_kernel_name(m, 0), "softmax");
    tk_kernel *k;
    cr_assert_eq(tk_module_kernel(m, "pool", &k), TK_OK);
    cr_assert_eq(tk_kernel_param_count(k), 2);
    cr_assert_eq(tk_kernel_output_count(k), 1);
    tk_param_info p;
    cr_assert_eq(tk_kernel_param(k, 1, &p), TK_OK);
    cr_assert_str_eq(p.name, "scale");
    cr_assert_not(p.is_tensor);
    cr_assert_eq(p.dtype.code, kDLFloat);
    cr_assert_eq(tk_kernel_output(k, 0, &p), TK_OK);
    cr_assert_eq(p.rank, 2);
    cr_assert_str_eq(p.dims[0], "H / 2");
    cr_assert_eq(tk_kernel_dim_count(k), 2);
    cr_assert_str_eq(tk_kernel_dim_name(k, 1), "W");
    cr_assert_eq(tk_kernel_param(k, 7, &p), TK_ERR_NOT_FOUND);
    cr_assert(strstr(tk_last_error(), "parameter 7 does not exist"));
    cr_assert_eq(tk_module_kernel(m, "nope", &k), TK_ERR_NOT_FOUND);
    cr_assert_str_eq(tk_last_error(), "no kernel 'nope' (kernels: softmax, pool)");
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

Test(api, diagnostics_as_records_and_text)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    const char *bad = "kernel k(x: f32[N]) -> y: f32[N] {\n    y[i] = x[i + 1];\n}\n";
    tk_module *m = NULL;
    cr_assert_eq(tk_compile_string(ctx, "bad.tk", bad, strlen(bad), &m), TK_ERR_COMPILE);
    cr_assert_not_null(m);
    cr_assert_eq(tk_module_diagnostic_count(m), 2); /* the error and its note */
    const tk_diagnostic *d = tk_module_diagnostic(m, 0);
    cr_assert_eq(d->level, TK_DIAG_ERROR);
    cr_assert_str_eq(d->file, "bad.tk");
    cr_assert_eq(d->line, 2);
    cr_assert_eq(d->col, 12);
    cr_assert(strstr(d->message, "may read outside 'x'"));
    cr_assert_eq(tk_module_diagnostic(m, 1)->level, TK_DIAG_NOTE);
    cr_assert(strstr(tk_module_diagnostics_text(m), "bad.tk:2:12: error:"));
    cr_assert(strstr(tk_last_error(), "bad.tk:2:12: error:"));
    tk_kernel *k;
    cr_assert_eq(tk_module_kernel(m, "k", &k), TK_ERR_COMPILE);
    tk_module_destroy(m);
    cr_assert_eq(tk_compile_file(ctx, "/no/such/file.tk", &m), TK_ERR_IO);
    cr_assert(strstr(tk_last_error(), "cannot read '/no/such/file.tk'"), "%s", tk_last_error());
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

/* A schedule error is found at compile time (the schedule is applied to the
 * loop IR without generating code) and comes back as located records. */
Test(api, schedule_errors_as_records)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    const char *bad = "kernel k(x: f32[N]) -> y: f32[N] {\n    y[i] = x[i] * 2.0;\n}\n"
                      "schedule k for cpu {\n    t = x.cache_read(local);\n    t.double_buffer();\n}\n";
    tk_module *m = NULL;
    cr_assert_eq(tk_compile_string(ctx, "sched.tk", bad, strlen(bad), &m), TK_ERR_COMPILE);
    cr_assert_not_null(m);
    cr_assert_eq(tk_module_diagnostic_count(m), 2); /* the error and a note at the cache_read */
    const tk_diagnostic *d = tk_module_diagnostic(m, 0);
    cr_assert_eq(d->level, TK_DIAG_ERROR);
    cr_assert_eq(d->line, 6);
    cr_assert_eq(d->col, 7);
    cr_assert(strstr(d->message, "cannot double-buffer 't': it is computed at the root"), "%s", d->message);
    d = tk_module_diagnostic(m, 1);
    cr_assert_eq(d->level, TK_DIAG_NOTE);
    cr_assert_eq(d->line, 5);
    cr_assert(strstr(tk_last_error(), "sched.tk:6:7: error: cannot double-buffer"), "%s", tk_last_error());
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

/* A compile stage that fails at launch (no user-reachable one on the cpu
 * target today: every schedule error is found by tk_compile) reports as
 * tk_compile does: rendered text with carets, and located records. */
Test(api, launch_compile_errors_as_records)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    tk_module *m = compile_ok(ctx, softmax_src);
    Arena a;
    arena_init(&a);
    DiagSink ds;
    diag_init(&ds, &a, &m->c.files);
    SrcLoc at = {1, 3, 5};
    Diag *d = diag_error(&ds, span_at(at, 3), "a compile stage failed");
    diag_note(&ds, d, span_at((SrcLoc){1, 1, 8}, 7), "in this kernel");
    cr_assert_eq(api_fail_diagnostics(&ds), TK_ERR_COMPILE);
    arena_free(&a);
    const char *text = tk_last_error();
    cr_assert(strstr(text, "api.tk:3:5: error: a compile stage failed\n"), "%s", text);
    cr_assert(strstr(text, "    e[n, d] = exp(x[n, d] - m[n]);\n"), "%s", text);
    cr_assert(strstr(text, "^~~"), "%s", text);
    cr_assert_eq(tk_last_diagnostic_count(), 2);
    const tk_diagnostic *r = tk_last_diagnostic(0);
    cr_assert_eq(r->level, TK_DIAG_ERROR);
    cr_assert_eq(r->line, 3);
    cr_assert_eq(r->col, 5);
    cr_assert_str_eq(r->message, "a compile stage failed");
    cr_assert_eq(tk_last_diagnostic(1)->level, TK_DIAG_NOTE);
    cr_assert_eq(tk_last_diagnostic(1)->line, 1);
    cr_assert_null(tk_last_diagnostic(2));
    /* the next call clears them */
    cr_assert_eq(tk_launch(NULL, NULL), TK_ERR_INVALID_ARGUMENT);
    cr_assert_eq(tk_last_diagnostic_count(), 0);
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

Test(api, launch_softmax_on_strided_input)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    tk_module *m = compile_ok(ctx, softmax_src);
    tk_kernel *k;
    cr_assert_eq(tk_module_kernel(m, "softmax", &k), TK_OK);
    enum { N = 7, D = 13 };
    /* x is the transpose of a D x N buffer: strides (1, N). */
    float buf[D * N], y[N * D], ref[N * D];
    for (int i = 0; i < D * N; i++)
        buf[i] = sinf((float)i) * 3.0f;
    int64_t xshape[2] = {N, D}, xstrides[2] = {1, N}, yshape[2] = {N, D};
    DLTensor x = tensor(buf, 2, xshape, xstrides), yt = tensor(y, 2, yshape, NULL);
    const DLTensor *ins[1] = {&x};
    DLTensor *outs[1] = {&yt};
    tk_args args = {ins, NULL, outs};
    int32_t ranks[1];
    int64_t shapes[TK_MAX_RANK];
    cr_assert_eq(tk_kernel_output_shapes(k, &args, ranks, shapes), TK_OK, "%s", tk_last_error());
    cr_assert_eq(ranks[0], 2);
    cr_assert_eq(shapes[0], N);
    cr_assert_eq(shapes[1], D);
    cr_assert_eq(tk_launch(k, &args), TK_OK, "%s", tk_last_error());
    softmax_ref(buf, ref, N, D, 1, N);
    for (int i = 0; i < N * D; i++)
        cr_assert_float_eq(y[i], ref[i], 1e-6, "y[%d]", i);
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

Test(api, launch_errors)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    tk_module *m = compile_ok(ctx, softmax_src);
    tk_kernel *k;
    cr_assert_eq(tk_module_kernel(m, "pool", &k), TK_OK);
    float xb[6 * 4] = {0}, yb[3 * 2];
    int64_t xshape[2] = {6, 4}, yshape[2] = {3, 3};
    DLTensor x = tensor(xb, 2, xshape, NULL), y = tensor(yb, 2, yshape, NULL);
    const DLTensor *ins[2] = {&x, NULL};
    DLTensor *outs[1] = {&y};
    tk_args no_scalar = {ins, NULL, outs};
    cr_assert_eq(tk_launch(k, &no_scalar), TK_ERR_LAUNCH);
    cr_assert(strstr(tk_last_error(), "scale"), "%s", tk_last_error());
    tk_scalar sc[2] = {{.dtype = {0, 0, 0}}, {.dtype = {kDLFloat, 32, 1}, .value.f = 2.0}};
    tk_args wrong_out = {ins, sc, outs};
    cr_assert_eq(tk_launch(k, &wrong_out), TK_ERR_LAUNCH);
    cr_assert(strstr(tk_last_error(), "pool"), "%s", tk_last_error());
    yshape[1] = 2;
    cr_assert_eq(tk_launch(k, &wrong_out), TK_OK, "%s", tk_last_error());
    cr_assert_eq(tk_launch(NULL, &wrong_out), TK_ERR_INVALID_ARGUMENT);
    cr_assert_eq(tk_launch(k, NULL), TK_ERR_INVALID_ARGUMENT);
    cr_assert_str_eq(tk_status_string(TK_ERR_LAUNCH), "the arguments do not fit the kernel");
    tk_options cpu = {.target = TK_TARGET_CPU};
    tk_context *c2 = NULL;
    tk_status st = tk_context_create(&cpu, &c2);
    cr_assert(st == TK_OK || st == TK_ERR_UNSUPPORTED);
    tk_context_destroy(c2);
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

/* Output shapes from integer scalars, and a violated `requires` reported by
 * tk_kernel_output_shapes before any shape is computed. */
Test(api, output_shapes_from_scalars_and_requires)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    tk_module *m = compile_ok(ctx, "kernel pad1(x: f32[N], before: i64, after: i64) -> y: f32[before + N + after]\n"
                                   "    requires before >= 0, after >= 0 {\n    y[i] = x[i - before] ?? 0.0;\n}\n");
    tk_kernel *k;
    cr_assert_eq(tk_module_kernel(m, "pad1", &k), TK_OK);
    float xb[5] = {0};
    int64_t xshape[1] = {5};
    DLTensor x = tensor(xb, 1, xshape, NULL);
    const DLTensor *ins[3] = {&x, NULL, NULL};
    tk_scalar sc[3] = {{.dtype = {0, 0, 0}}, {.dtype = {kDLInt, 64, 1}, .value.i = 2},
                       {.dtype = {kDLInt, 64, 1}, .value.i = 4}};
    tk_args args = {ins, sc, NULL};
    int32_t ranks[1];
    int64_t shapes[TK_MAX_RANK];
    cr_assert_eq(tk_kernel_output_shapes(k, &args, ranks, shapes), TK_OK, "%s", tk_last_error());
    cr_assert_eq(ranks[0], 1);
    cr_assert_eq(shapes[0], 11);
    sc[2].value.i = -7;
    cr_assert_eq(tk_kernel_output_shapes(k, &args, ranks, shapes), TK_ERR_LAUNCH);
    cr_assert_str_eq(tk_last_error(), "pad1: requires after >= 0, but after = -7");
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

/* A 0-d tensor input (`s: f32[]`): DLPack ndim 0 with no shape or strides,
 * introspected as a rank-0 tensor, read as its one value; a 0-d output. */
Test(api, zero_dim_tensor_parameter)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    static const char src[] = "kernel scale(x: f32[N], s: f32[]) -> (y: f32[N], t: f32[]) {\n"
                              "    y[i] = x[i] * s;\n    t = sum(x[i] for i) + s;\n}\n";
    tk_module *m = compile_ok(ctx, src);
    tk_kernel *k;
    cr_assert_eq(tk_module_kernel(m, "scale", &k), TK_OK);
    tk_param_info p;
    cr_assert_eq(tk_kernel_param(k, 1, &p), TK_OK);
    cr_assert(p.is_tensor);
    cr_assert_eq(p.rank, 0);
    float xs[5] = {1, 2, 3, 4, -5}, sv = 2.5f, y[5], tv = 0;
    int64_t n = 5;
    DLTensor x = tensor(xs, 1, &n, NULL), s = tensor(&sv, 0, NULL, NULL), yt = tensor(y, 1, &n, NULL),
             tt = tensor(&tv, 0, NULL, NULL);
    const DLTensor *ins[2] = {&x, &s};
    DLTensor *outs[2] = {&yt, &tt};
    tk_args args = {ins, NULL, outs};
    cr_assert_eq(tk_launch(k, &args), TK_OK, "%s", tk_last_error());
    for (int i = 0; i < 5; i++)
        cr_expect_eq(y[i], xs[i] * 2.5f, "y[%d] = %g", i, (double)y[i]);
    cr_expect_eq(tv, 5.0f + 2.5f);
    /* a 1-d tensor where the 0-d one is declared: a launch error naming both */
    DLTensor s1 = tensor(&sv, 1, (int64_t[]){1}, NULL);
    ins[1] = &s1;
    cr_assert_neq(tk_launch(k, &args), TK_OK);
    cr_expect(strstr(tk_last_error(), "scale: s has rank 1, expected 0 (f32[])"), "%s", tk_last_error());
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}
