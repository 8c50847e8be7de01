/* The automatic schedule (compiler/sched/auto.c): on the kernels of
 * docs/language.md and of the random-schedule suite, for AVX2 and AVX-512
 * vector widths, it never changes a result (IR evaluator against the
 * reference interpreter on awkward shapes); `tkc emit --schedule` prints it
 * for a kernel without a schedule as .tk text that checks when pasted back
 * and replays to the same schedule. */
#include <unistd.h>

#include "common/testutil.h"
#include "tests/sched/sched_util.h"

typedef struct AutoKernel {
    const char *name, *src;
    Binds       shapes[4];
    int         nshapes;
} AutoKernel;

#define B2(a, x, b, y) {{a, b}, {x, y}, 2}
#define B3(a, x, b, y, c, z) {{a, b, c}, {x, y, z}, 3}
#define B4(a, x, b, y, c, z, d, w) {{a, b, c, d}, {x, y, z, w}, 4}

static const AutoKernel kernels[] = {
    {"softmax",
     "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n m[n] = max(x[n, d] for d);\n e[n, d] = exp(x[n, d] - m[n]);\n"
     " s[n] = sum(e[n, d] for d);\n y[n, d] = e[n, d] / s[n];\n}\n",
     {B2("N", 1, "D", 1), B2("N", 3, "D", 17), B2("N", 7, "D", 33), B2("N", 2, "D", 100)}, 4},
    {"layernorm",
     "kernel layernorm(x: f32[N, D], g: f32[D], b: f32[D], eps: f32) -> (y: f32[N, D], mean: f32[N], rstd: f32[N]) {\n"
     " mean[n] = sum(x[n, d] for d) / f32(D);\n var[n] = sum((x[n, d] - mean[n]) * (x[n, d] - mean[n]) for d) / f32(D);\n"
     " rstd[n] = rsqrt(var[n] + eps);\n y[n, d] = (x[n, d] - mean[n]) * rstd[n] * g[d] + b[d];\n}\n",
     {B2("N", 1, "D", 2), B2("N", 17, "D", 13), B2("N", 33, "D", 31)}, 3},
    {"matmul", "kernel matmul(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n c[i, j] = sum(a[i, k] * b[k, j] for k);\n}\n",
     {B3("M", 1, "K", 1, "N", 1), B3("M", 7, "K", 13, "N", 17), B3("M", 33, "K", 258, "N", 70),
      B3("M", 3, "K", 2, "N", 260)}, 4},
    {"conv2d",
     "kernel conv2d(x: f32[C, H, W], wt: f32[F, C, 3, 3]) -> y: f32[F, H, W] {\n"
     " y[f, h, w] = sum((x[c, h + r - 1, w + s - 1] ?? 0.0) * wt[f, c, r, s] for c, r in 0..3, s in 0..3);\n}\n",
     {B4("C", 1, "H", 1, "W", 1, "F", 1), B4("C", 2, "H", 5, "W", 19, "F", 3)}, 2},
    {"pool",
     "kernel pool(x: f32[H, W]) -> y: f32[H / 2, W / 2] {\n t[h, w] = x[h, w] * 0.5;\n"
     " y[i, j] = max(max(t[2 * i, 2 * j], t[2 * i, 2 * j + 1]), max(t[2 * i + 1, 2 * j], t[2 * i + 1, 2 * j + 1]));\n}\n",
     {B2("H", 2, "W", 3), B2("H", 7, "W", 37)}, 2},
    {"stencil",
     "kernel stencil(x: f32[N]) -> y: f32[N] {\n t[i] = x[i] * 2.0;\n"
     " y[i] = 0.25 * (t[i - 1] ?? 0.0) + 0.5 * t[i] + 0.25 * (t[i + 1] ?? 0.0);\n}\n",
     {{{"N"}, {1}, 1}, {{"N"}, {17}, 1}, {{"N"}, {100}, 1}}, 3},
    {"attention",
     "kernel attention(q: f32[S, E], k: f32[T, E], v: f32[T, E]) -> o: f32[S, E] {\n"
     " sc[i, j] = sum(q[i, e] * k[j, e] for e) * rsqrt(f32(E));\n mx[i] = max(sc[i, j] for j);\n"
     " p[i, j] = exp(sc[i, j] - mx[i]);\n z[i] = sum(p[i, j] for j);\n o[i, e] = sum(p[i, j] * v[j, e] for j) / z[i];\n}\n",
     {B3("S", 1, "E", 1, "T", 1), B3("S", 5, "E", 17, "T", 9), B3("S", 3, "E", 2, "T", 33)}, 3},
    {"transpose",
     "kernel transpose(x: f32[M, N]) -> y: f32[N, M] {\n t[i, j] = x[i, j] + 1.0;\n y[j, i] = t[i, j];\n}\n",
     {B2("M", 1, "N", 1), B2("M", 17, "N", 33)}, 2},
    {"bias_relu", "kernel bias_relu(x: f32[N, D], b: f32[D]) -> y: f32[N, D] {\n y[n, d] = max(x[n, d] + b[d], 0.0);\n}\n",
     {B2("N", 1, "D", 1), B2("N", 3, "D", 31), B2("N", 2, "D", 100)}, 3},
    {"threshold",
     "kernel threshold(x: f32[N], t: f32) -> y: f32[N] {\n y[i] = select(x[i] > t && x[i] < 2.0 * t, x[i], 0.0);\n}\n",
     {{{"N"}, {1}, 1}, {{"N"}, {33}, 1}}, 2},
    {"valid_conv1d", "kernel valid_conv1d(x: f32[L], w: f32[R]) -> y: f32[L - R + 1] {\n y[i] = sum(x[i + r] * w[r] for r);\n}\n",
     {B2("L", 3, "R", 3), B2("L", 40, "R", 5)}, 2},
    {"total", "kernel total(x: f32[N, D]) -> s: f32 {\n s = sum(x[n, d] for n, d);\n}\n",
     {B2("N", 1, "D", 1), B2("N", 7, "D", 19)}, 2},
    {"gelu_rows",
     "fn gelu(x: f32) -> f32 = 0.5 * x * (1.0 + erf(x * 0.70710678));\n"
     "kernel gelu_rows(x: f32[N, D]) -> y: f32[N, D] {\n y[n, d] = gelu(x[n, d]);\n}\n",
     {B2("N", 2, "D", 3), B2("N", 5, "D", 47)}, 2},
    {"chain",
     "kernel chain(x: f32[N, D]) -> y: f32[N, D] {\n a[n, d] = x[n, d] * 2.0;\n b[n, d] = a[n, d] + 1.0;\n"
     " r[n] = sum(b[n, d] for d);\n y[n, d] = b[n, d] / (r[n] + 1000.0);\n}\n",
     {B2("N", 1, "D", 1), B2("N", 9, "D", 35)}, 2},
};

/* Lowers k with the automatic schedule for vector_bits; false with a message. */
static bool load_auto(SchedCase *t, const char *src, const char *kernel, uint32_t vector_bits, char **err)
{
    ctx_init(&t->ctx);
    t->prog = lang_load_string(&t->ctx, "test.tk", src, strlen(src));
    if (!t->prog || !sema_check(&t->ctx, t->prog)) {
        *err = sched_diags(&t->ctx);
        return false;
    }
    t->k = launch_find_kernel(t->prog, kernel);
    if (!t->k) {
        *err = strdup("no such kernel");
        return false;
    }
    Target cpu = *test_cpu_without_passes();
    cpu.vector_bits = vector_bits ? vector_bits : 256;
    Compiled out;
    t->f = test_compile(&t->ctx, t->k, (Pipeline){.target = &cpu, .key = {DT_ERROR}, .auto_schedule = true}, &out);
    t->trace = out.trace;
    *err = t->f ? NULL : sched_diags(&t->ctx);
    return t->f != NULL;
}

static void check_kernel(const AutoKernel *ak, uint32_t vector_bits)
{
    SchedCase t;
    char *err = NULL;
    bool loaded = load_auto(&t, ak->src, ak->name, vector_bits, &err);
    cr_assert(loaded, "%s: the automatic schedule failed:\n%s", ak->name, err ? err : "");
    for (int i = 0; i < ak->nshapes; i++) {
        char msg[1024], sh[256];
        bool ok = sched_case_compare(&t, &ak->shapes[i], msg, sizeof msg);
        cr_expect(ok, "%s (%u-bit vectors), shape %s: %s\nautomatic schedule:\n%s", ak->name, vector_bits,
                  binds_str(&ak->shapes[i], sh, sizeof sh), msg, sched_trace_str(&t.ctx.arena, t.trace));
    }
    ctx_free(&t.ctx);
}

Test(auto_schedule, agrees_with_the_interpreter_avx512, .timeout = 300)
{
    for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++)
        check_kernel(&kernels[i], 512);
}

Test(auto_schedule, agrees_with_the_interpreter_avx2, .timeout = 300)
{
    for (size_t i = 0; i < sizeof kernels / sizeof *kernels; i++)
        check_kernel(&kernels[i], 256);
}

/* The decisions the design names, on softmax and matmul. */
Test(auto_schedule, schedules_what_the_design_says)
{
    SchedCase t;
    char *err = NULL;
    cr_assert(load_auto(&t, kernels[0].src, "softmax", 512, &err), "%s", err ? err : "");
    const char *s = sched_trace_str(&t.ctx.arena, t.trace);
    cr_expect(strstr(s, "y.parallel(n);"), "%s", s);
    cr_expect(strstr(s, "y.vectorize(d, 16);"), "%s", s);
    cr_expect(strstr(s, "m.compute_at(y, n);") && strstr(s, "s.compute_at(y, n);"), "%s", s);
    ctx_free(&t.ctx);
    cr_assert(load_auto(&t, kernels[13].src, "chain", 256, &err), "%s", err ? err : "");
    s = sched_trace_str(&t.ctx.arena, t.trace);
    cr_expect(strstr(s, "a.compute_inline();"), "an elementwise producer with one consumer is inlined: %s", s);
    cr_expect(strstr(s, "y.vectorize(d, 8);"), "8 f32 lanes with 256-bit vectors: %s", s);
    ctx_free(&t.ctx);
}

static char *tkc_out(const char *args, const char *file, int *status)
{
    char cmd[2048], *out = NULL;
    snprintf(cmd, sizeof cmd, "%s %s %s 2>&1", TKC, args, file);
    *status = run_capture(cmd, &out);
    return out;
}

/* `emit --schedule` of kernels without a schedule, pasted back after them,
 * checks, replays to the same text, and runs with --check. */
Test(auto_schedule, emit_schedule_pastes_back)
{
    const int idx[] = {0, 1, 2, 6, 13};
    for (size_t n = 0; n < sizeof idx / sizeof *idx; n++) {
        const AutoKernel *ak = &kernels[idx[n]];
        char *file = write_temp_file(ak->src, strlen(ak->src), ".tk");
        int st;
        char *sched = tkc_out("emit --schedule", file, &st);
        cr_assert_eq(st, 0, "%s: %s", ak->name, sched);
        cr_assert(strstr(sched, "schedule ") && strstr(sched, " for cpu {"), "%s", sched);
        size_t len = strlen(ak->src) + strlen(sched) + 2;
        char *both = malloc(len);
        snprintf(both, len, "%s\n%s", ak->src, sched);
        char *file2 = write_temp_file(both, strlen(both), ".tk");
        char *out = tkc_out("check", file2, &st);
        cr_expect_eq(st, 0, "%s: the printed schedule does not check:\n%s\n%s", ak->name, both, out);
        free(out);
        out = tkc_out("emit --schedule", file2, &st);
        cr_expect_eq(st, 0, "%s: %s", ak->name, out);
        cr_expect_str_eq(out, sched, "%s: replaying the printed schedule gives another one", ak->name);
        free(out);
        char args[256];
        snprintf(args, sizeof args, "run -k %s --check --random %s", ak->name,
                 idx[n] == 2 ? "M=33,K=40,N=70" : idx[n] == 6 ? "S=5,E=17,T=9" : "N=9,D=35");
        if (idx[n] == 1)
            snprintf(args, sizeof args, "run -k layernorm --check --random N=9,D=35 --scalar eps=1e-5");
        out = tkc_out(args, file2, &st);
        cr_expect_eq(st, 0, "%s: %s", ak->name, out);
        free(out);
        unlink(file), unlink(file2);
        free(file), free(file2), free(sched), free(both);
    }
}
