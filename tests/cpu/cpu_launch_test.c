/* Launching compiled code through the C API and directly: errors identical
 * to the interpreter's, asserts compiled into the kernel, outputs that
 * overlap inputs, misaligned tensors, kernels the backend leaves to the
 * interpreter (rank-generic, invalid instantiations). */
#include "api/api_internal.h"
#include "cpu/cpu_util.h"

static tk_context *cpu_ctx(void)
{
    setenv("TK_CACHE", "0", 1);
    tk_context *ctx;
    tk_options o = {.target = TK_TARGET_CPU};
    cr_assert_eq(tk_context_create(&o, &ctx), TK_OK);
    return ctx;
}

static DLTensor vec(void *data, DLDataType t, int64_t *n)
{
    return (DLTensor){.data = data, .device = {kDLCPU, 0}, .ndim = 1, .dtype = t, .shape = n};
}

/* The same launch on both targets gives the same status and message. */
static void same_error(const char *src, const char *name, const tk_args *args, const char *expect)
{
    char msg[2][1024];
    for (int t = 0; t < 2; t++) {
        tk_options o = {.target = t ? TK_TARGET_CPU : TK_TARGET_INTERP};
        tk_context *ctx;
        tk_module *m;
        tk_kernel *k;
        cr_assert_eq(tk_context_create(&o, &ctx), TK_OK);
        cr_assert_eq(tk_compile_string(ctx, "t.tk", src, strlen(src), &m), TK_OK);
        cr_assert_eq(tk_module_kernel(m, name, &k), TK_OK);
        cr_assert_eq(tk_launch(k, args), TK_ERR_LAUNCH);
        snprintf(msg[t], sizeof msg[t], "%s", tk_last_error());
        tk_module_destroy(m);
        tk_context_destroy(ctx);
    }
    cr_assert_str_eq(msg[1], msg[0]);
    cr_assert(strstr(msg[1], expect), "%s", msg[1]);
}

Test(cpu_launch, errors_are_the_interpreters)
{
    setenv("TK_CACHE", "0", 1);
    float a[8] = {0}, b[8] = {0}, y[8];
    int64_t n4 = 4, n5 = 5;
    DLTensor at = vec(a, (DLDataType){kDLFloat, 32, 1}, &n4), bt = vec(b, (DLDataType){kDLFloat, 32, 1}, &n5);
    DLTensor yt = vec(y, (DLDataType){kDLFloat, 32, 1}, &n4);
    const DLTensor *ins[2] = {&at, &bt};
    DLTensor *outs[1] = {&yt};
    tk_args args = {ins, NULL, outs};
    const char *add = "kernel add(a: f32[N], b: f32[N]) -> y: f32[N] { y[i] = a[i] + b[i]; }\n";
    same_error(add, "add", &args, "dimension N is 4 in a but 5 in b");
    bt.shape = &n4;
    bt.dtype = (DLDataType){kDLInt, 32, 1};
    same_error(add, "add", &args, "b is i32, expected f32");
    const char *ex = "kernel ex<T>(x: T[N]) -> y: T[N] { y[i] = exp(x[i]); }\n";
    int32_t xi[4] = {1, 2, 3, 4}, yi[4];
    DLTensor xt = vec(xi, (DLDataType){kDLInt, 32, 1}, &n4), yit = vec(yi, (DLDataType){kDLInt, 32, 1}, &n4);
    const DLTensor *ins1[1] = {&xt};
    DLTensor *outs1[1] = {&yit};
    tk_args a1 = {ins1, NULL, outs1};
    same_error(ex, "ex", &a1, "cannot instantiate");
    const char *sh = "kernel sh(x: f32[N], o: i64) -> y: f32[N] { y[i] = x[i + o]; }\n";
    DLTensor xf = vec(a, (DLDataType){kDLFloat, 32, 1}, &n4);
    const DLTensor *ins2[2] = {&xf, NULL};
    tk_scalar sc[2] = {{{0, 0, 0}, {0}}, {{kDLInt, 64, 1}, {.i = 2}}};
    tk_args a2 = {ins2, sc, outs};
    same_error(sh, "sh", &a2, "ranges over");
}

Test(cpu_launch, asserts_in_compiled_code)
{
    /* launch_prepare normally catches this; called without it, the kernel's
     * own assert fails and its message comes back */
    Prog *pr = prog_new("kernel sh(x: f32[N], o: i64) -> y: f32[N] { y[i] = x[i + o]; }\n");
    KernelInfo *k = launch_find_kernel(pr->p, "sh");
    CpuBackend *be = backend_new();
    int64_t n = 4;
    Ten *x = ten_make(DT_F32, 1, &n, LAY_C), *y = ten_make(DT_F32, 1, &n, LAY_C);
    DLTensor *ins[2] = {&x->dl, NULL}, *outs[1] = {&y->dl};
    TkScalarValue sc[2] = {{0}, {.dtype = DT_I64, .u.i = 1}};
    LaunchArgs la = {ins, sc, outs};
    char err[512];
    Binding b;
    cr_assert(launch_bind(k, &la, &b, err, sizeof err), "%s", err);
    InstKey key = {DT_ERROR};
    DiagSink ds;
    diag_init(&ds, &pr->c.arena, &pr->c.files);
    CpuKernel *ck = cpu_compile(be, &pr->c.files, k, &key, NULL, &ds);
    cr_assert(ck);
    cr_assert_not(cpu_run(ck, k, &la, &b, err, sizeof err));
    cr_assert_str_eq(err, "sh: index 0 of 'x' is out of bounds");
    sc[1].u.i = 0;
    cr_assert(cpu_run(ck, k, &la, &b, err, sizeof err), "%s", err);
    binding_free(&b);
    ten_free(x), ten_free(y);
    cpu_backend_destroy(be);
    prog_free(pr);
}

Test(cpu_launch, overlapping_output_is_refused)
{
    tk_context *ctx = cpu_ctx();
    const char *src = "kernel neg(x: f32[N]) -> y: f32[N] { y[i] = -x[i]; }\n";
    tk_module *m;
    tk_kernel *k;
    cr_assert_eq(tk_compile_string(ctx, "t.tk", src, strlen(src), &m), TK_OK);
    cr_assert_eq(tk_module_kernel(m, "neg", &k), TK_OK);
    float a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int64_t n = 4;
    DLTensor xt = vec(a, (DLDataType){kDLFloat, 32, 1}, &n), yt = xt;
    yt.byte_offset = 8;   /* y = a[2..6) overlaps x = a[0..4) */
    const DLTensor *ins[1] = {&xt};
    DLTensor *outs[1] = {&yt};
    tk_args args = {ins, NULL, outs};
    cr_assert_eq(tk_launch(k, &args), TK_ERR_LAUNCH);
    cr_assert(strstr(tk_last_error(), "neg: output y overlaps input x"), "%s", tk_last_error());
    yt.byte_offset = 16;   /* adjacent, disjoint */
    cr_assert_eq(tk_launch(k, &args), TK_OK, "%s", tk_last_error());
    cr_assert(a[4] == -1 && a[7] == -4);
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

Test(cpu_launch, misaligned_and_rank_generic_run_on_the_interpreter)
{
    tk_context *ctx = cpu_ctx();
    const char *src = "kernel relu<T>(x: T[...]) -> y: T[...] { y[...] = max(x[...], T(0)); }\n"
                      "kernel neg(x: f32[N]) -> y: f32[N] { y[i] = -x[i]; }\n";
    tk_module *m;
    tk_kernel *relu, *neg;
    cr_assert_eq(tk_compile_string(ctx, "t.tk", src, strlen(src), &m), TK_OK);
    cr_assert_eq(tk_module_kernel(m, "relu", &relu), TK_OK);
    cr_assert_eq(tk_module_kernel(m, "neg", &neg), TK_OK);
    float a[6] = {-1, 2, -3, 4, -5, 6}, b[6];
    int64_t shape[2] = {2, 3};
    DLTensor xt = {.data = a, .device = {kDLCPU, 0}, .ndim = 2, .dtype = {kDLFloat, 32, 1}, .shape = shape};
    DLTensor yt = xt;
    yt.data = b;
    const DLTensor *ins[1] = {&xt};
    DLTensor *outs[1] = {&yt};
    tk_args args = {ins, NULL, outs};
    cr_assert_eq(tk_launch(relu, &args), TK_OK, "%s", tk_last_error());
    cr_assert(b[0] == 0 && b[1] == 2 && b[5] == 6);
    char raw[64] = {0};
    float v = 3.5f;
    memcpy(raw + 1, &v, 4);
    int64_t one = 1;
    DLTensor mx = {.data = raw, .byte_offset = 1, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLFloat, 32, 1},
                   .shape = &one};
    DLTensor my = mx;
    my.byte_offset = 9;
    const DLTensor *ins2[1] = {&mx};
    DLTensor *outs2[1] = {&my};
    tk_args a2 = {ins2, NULL, outs2};
    cr_assert_eq(tk_launch(neg, &a2), TK_OK, "%s", tk_last_error());
    memcpy(&v, raw + 9, 4);
    cr_assert_eq(v, -3.5f);
    cr_assert(ctx->cpu == NULL || cpu_backend_stats(ctx->cpu).codegens == 0, "nothing was compiled");
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}

/* A violated `requires` is a launch error naming the kernel, the condition
 * and the values, raised before output shapes are computed or code runs;
 * the interpreter and compiled code say the same. */
Test(cpu_launch, requires_is_checked_first)
{
    setenv("TK_CACHE", "0", 1);
    const char *pool = "kernel pool(x: f32[H], k: i64, s: i64) -> y: f32[(H - k) / s + 1]\n"
                       "    requires k >= 1, s >= 1 && H >= k {\n  y[i] = max(x[i * s + r] for r in 0..k);\n}\n";
    float a[8] = {0}, y[8];
    int64_t n2 = 2, n4 = 4;
    DLTensor xt = vec(a, (DLDataType){kDLFloat, 32, 1}, &n4), yt = vec(y, (DLDataType){kDLFloat, 32, 1}, &n4);
    const DLTensor *ins[3] = {&xt, NULL, NULL};
    DLTensor *outs[1] = {&yt};
    tk_scalar sc[3] = {{{0, 0, 0}, {0}}, {{kDLInt, 64, 1}, {.i = 1}}, {{kDLInt, 64, 1}, {.i = 0}}};
    tk_args args = {ins, sc, outs};
    same_error(pool, "pool", &args, "pool: requires s >= 1, but s = 0");
    sc[1].value.i = 3, sc[2].value.i = 1;
    xt.shape = &n2;
    same_error(pool, "pool", &args, "pool: requires H >= k, but H = 2, k = 3");
    sc[1].value.i = 0;
    same_error(pool, "pool", &args, "pool: requires k >= 1, but k = 0");
}
