/* Vector math accuracy: exp log tanh erf sigmoid sqrt rsqrt pow compiled for
 * the CPU (vectorized through SLEEF where present) against libm in double
 * rounded to f32 (the interpreter's definition), over every f32 exponent
 * with dense mantissas, both signs, denormals and special values. The ULP
 * bounds are the ones docs/cpu-backend.md states. */
#include "cpu/cpu_util.h"
#include "compiler/pipeline.h"

#include <stdint.h>

/* Distance in units in the last place between two floats (0 for two NaNs,
 * UINT64_MAX when only one is NaN). */
static uint64_t ulps(float a, float b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b) ? 0 : UINT64_MAX;
    int32_t ia, ib;
    memcpy(&ia, &a, 4), memcpy(&ib, &b, 4);
    int64_t oa = ia < 0 ? (int64_t)INT32_MIN - ia : ia, ob = ib < 0 ? (int64_t)INT32_MIN - ib : ib;
    return (uint64_t)(oa > ob ? oa - ob : ob - oa);
}

static const char SRC[] =
    "kernel m(x: f32[N], y: f32[N]) -> (e: f32[N], l: f32[N], t: f32[N], r: f32[N], s: f32[N], q: f32[N],\n"
    "    z: f32[N], p: f32[N]) {\n"
    "  e[i] = exp(x[i]);\n  l[i] = log(x[i]);\n  t[i] = tanh(x[i]);\n  r[i] = erf(x[i]);\n"
    "  s[i] = sigmoid(x[i]);\n  q[i] = sqrt(x[i]);\n  z[i] = rsqrt(x[i]);\n  p[i] = pow(x[i], y[i]);\n}\n";

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }
static double rsqrt(double x) { return 1.0 / sqrt(x); }

typedef struct Fn {
    const char *name;
    double (*ref)(double);
    uint64_t bound;   /* ULP, the documented accuracy */
} Fn;

static const Fn FNS[7] = {
    {"exp", exp, 1}, {"log", log, 1}, {"tanh", tanh, 1}, {"erf", erf, 1},
    {"sigmoid", sigmoid, 1}, {"sqrt", sqrt, 0}, {"rsqrt", rsqrt, 0},
};

Test(cpu_math, ulp_against_libm_over_the_float_range)
{
    /* every exponent, 97 mantissas each, both signs, plus special values */
    enum { PER = 97 };
    static const float specials[] = {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, -1e-45f, 1e-40f, 1.17549435e-38f,
                                     3.40282347e38f, -3.40282347e38f, -87.0f, -88.7f, -103.9f, -104.0f, -1e4f,
                                     88.72f, 88.73f, 1.0f, -1.0f, 0.5f};
    size_t nspec = sizeof specials / sizeof *specials;
    int64_t n = 256 * PER * 2 + (int64_t)nspec;
    Prog *pr = prog_new(SRC);
    KernelInfo *k = launch_find_kernel(pr->p, "m");
    CpuBackend *be = backend_new();
    Ten *x = ten_make(DT_F32, 1, &n, LAY_C), *y = ten_make(DT_F32, 1, &n, LAY_C), *out[8];
    float *xs = (float *)x->alloc, *ys = (float *)y->alloc;
    int64_t i = 0;
    uint64_t rng = 5;
    for (uint32_t e = 0; e < 256; e++)
        for (uint32_t m = 0; m < PER; m++)
            for (uint32_t s = 0; s < 2; s++) {
                uint32_t bits = s << 31 | e << 23 | (uint32_t)((uint64_t)m * 0x7fffff / (PER - 1));
                memcpy(&xs[i], &bits, 4);
                ys[i] = (float)((double)(rng_next(&rng) >> 11) / 9007199254740992.0 * 8.0 - 4.0);
                i++;
            }
    for (size_t j = 0; j < nspec; j++, i++)
        xs[i] = specials[j], ys[i] = j % 2 ? 2.0f : -0.5f;
    DLTensor *outs[8], *ins[2] = {&x->dl, &y->dl};
    for (int j = 0; j < 8; j++)
        out[j] = ten_make(DT_F32, 1, &n, LAY_C), outs[j] = &out[j]->dl;
    LaunchArgs la = {ins, (TkScalarValue[2]){{0}}, outs};
    char err[512];
    CpuCompileInfo ci;
    cr_assert(cpu_launch_compiled(be, pr, k, &la, &ci, err, sizeof err), "%s", err);
    for (int f = 0; f < 8; f++) {
        uint64_t worst = 0;
        float at = 0;
        const float *got = (const float *)out[f]->alloc;
        for (int64_t j = 0; j < n; j++) {
            double ref = f == 7 ? pow((double)xs[j], (double)ys[j]) : FNS[f].ref((double)xs[j]);
            uint64_t u = ulps(got[j], (float)ref);
            if (u > worst)
                worst = u, at = xs[j];
        }
        uint64_t bound = f == 7 ? 1 : FNS[f].bound;
        cr_expect_leq(worst, bound, "%s: %llu ULP at x = %.9g (bound %llu)", f == 7 ? "pow" : FNS[f].name,
                      (unsigned long long)worst, (double)at, (unsigned long long)bound);
    }
    /* exp of large negatives is +0, of large positives +inf; log(0) = -inf */
    const float *e = (const float *)out[0]->alloc, *l = (const float *)out[1]->alloc;
    for (int64_t j = 256 * PER * 2; j < n; j++) {
        if (xs[j] <= -104.0f)
            cr_expect(e[j] == 0.0f && !signbit(e[j]), "exp(%g) = %g", (double)xs[j], (double)e[j]);
        if (xs[j] >= 88.73f)
            cr_expect(isinf(e[j]) && e[j] > 0, "exp(%g) = %g", (double)xs[j], (double)e[j]);
        if (xs[j] == 0.0f)
            cr_expect(isinf(l[j]) && l[j] < 0, "log(%g) = %g", (double)xs[j], (double)l[j]);
    }
    for (int j = 0; j < 8; j++)
        ten_free(out[j]);
    ten_free(x), ten_free(y);
    cpu_backend_destroy(be);
    prog_free(pr);
}

static bool take_text(void *ud, Compile *cc, Func *f)
{
    (void)f;
    *(char **)ud = cc->text;
    cc->text = NULL;
    return true;
}

Test(cpu_math, math_calls_are_vectorized)
{
    Prog *pr = prog_new(SRC);
    CpuBackend *be = backend_new();
    if (!cpu_backend_target(be)->sleef || !cpu_backend_target(be)->x86) {
        cpu_backend_destroy(be);
        prog_free(pr);
        cr_skip_test("SLEEF is not available");
    }
    char *ir = NULL;
    Pipeline p = {.ctx = &pr->c, .prog = pr->p, .target = cpu_backend_desc(be), .kernel = launch_find_kernel(pr->p, "m"),
                  .key = {DT_ERROR}, .emit = true, .emit_kind = EMIT_TEXT, .auto_schedule = true, .verify = true,
                  .each = take_text, .ud = &ir};
    cr_assert(pipeline_run(&p) && ir);
    const char *fns[] = {"Sleef_expf", "Sleef_logf", "Sleef_tanhf", "Sleef_erff", "Sleef_powf", "Sleef_expd"};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "> @%s", fns[i]);   /* a call returning a vector: "<8 x float> @Sleef_expf8" */
        cr_expect(strstr(ir, pat), "no vector call of %s in the optimized IR", fns[i]);
    }
    free(ir);
    cpu_backend_destroy(be);
    prog_free(pr);
}
