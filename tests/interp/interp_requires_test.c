/* Integer scalar parameters in output dims and the `requires` clause
 * (docs/language.md, "Preconditions"): padding and strided pooling against
 * C references on awkward sizes, and every violated condition reported by
 * exact message before anything runs. */
#include "interp/interp_util.h"

static const char SRC[] =
    "kernel pad1(x: f32[N], before: i64, after: i64) -> y: f32[before + N + after]\n"
    "    requires before >= 0, after >= 0 {\n  y[i] = x[i - before] ?? 0.0;\n}\n"
    "kernel pool(x: f32[H], k: i64, s: i64) -> y: f32[(H - k) / s + 1]\n"
    "    requires k >= 1, s >= 1, H >= k {\n  y[i] = max(x[i * s + r] for r in 0..k);\n}\n"
    "kernel eq(a: f32[N], b: f32[M], m: i32) -> y: f32[N] requires N == M, m < N, 2 * m > N - 8 {\n"
    "  y[i] = a[i] + b[i];\n}\n";

static Prog *P;
static void setup(void) { P = prog_new(SRC); }
static void teardown(void) { prog_free(P); }
TestSuite(requires, .init = setup, .fini = teardown);

static TkScalarValue i64v(int64_t v) { return scalar_int(DT_I64, v); }

Test(requires, pad_against_c)
{
    KernelInfo *k = prog_kernel(P, "pad1");
    static const int64_t cases[][3] = {{0, 0, 0}, {1, 0, 0}, {5, 2, 3}, {13, 0, 7}, {0, 3, 2}, {7, 11, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int64_t N = cases[c][0], before = cases[c][1], after = cases[c][2], L = before + N + after;
        Ten *x = ten_new(DT_F32, 1, (int64_t[]){N}), *y = ten_new(DT_F32, 1, (int64_t[]){L});
        ten_fill(x, 5 + c);
        TkScalarValue sc[3] = {{0}, i64v(before), i64v(after)};
        char err[256];
        cr_assert(run_kernel(k, (Ten *[]){x, NULL, NULL}, sc, (Ten *[]){y}, err, sizeof err), "%s", err);
        for (int64_t i = 0; i < L; i++) {
            double want = i >= before && i < before + N ? AT1(x, i - before) : 0.0;
            cr_assert_eq(AT1(y, i), want, "pad1 N=%lld at %lld", (long long)N, (long long)i);
        }
        ten_free(x), ten_free(y);
    }
}

Test(requires, strided_pool_against_c)
{
    KernelInfo *k = prog_kernel(P, "pool");
    static const int64_t cases[][3] = {{1, 1, 1}, {7, 3, 2}, {13, 1, 5}, {17, 17, 1}, {31, 4, 3}, {2, 2, 7}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int64_t H = cases[c][0], kk = cases[c][1], s = cases[c][2], L = (H - kk) / s + 1;
        Ten *x = ten_new(DT_F32, 1, (int64_t[]){H}), *y = ten_new(DT_F32, 1, (int64_t[]){L});
        ten_fill(x, 50 + c);
        TkScalarValue sc[3] = {{0}, i64v(kk), i64v(s)};
        char err[256];
        cr_assert(run_kernel(k, (Ten *[]){x, NULL, NULL}, sc, (Ten *[]){y}, err, sizeof err), "%s", err);
        for (int64_t i = 0; i < L; i++) {
            double m = -INFINITY;
            for (int64_t r = 0; r < kk; r++)
                m = fmax(m, AT1(x, i * s + r));
            cr_assert_eq(AT1(y, i), m, "pool H=%lld k=%lld s=%lld at %lld", (long long)H, (long long)kk,
                         (long long)s, (long long)i);
        }
        ten_free(x), ten_free(y);
    }
}

static void expect_error(const char *kernel, Ten **in, const TkScalarValue *sc, Ten **out, const char *want)
{
    char err[512] = "";
    cr_assert_not(run_kernel(prog_kernel(P, kernel), in, sc, out, err, sizeof err), "%s: expected an error", kernel);
    cr_assert_str_eq(err, want);
}

Test(requires, violations_by_message)
{
    Ten *x = ten_new(DT_F32, 1, (int64_t[]){4}), *y = ten_new(DT_F32, 1, (int64_t[]){4});
    Ten *b = ten_new(DT_F32, 1, (int64_t[]){5});
    expect_error("pad1", (Ten *[]){x, NULL, NULL}, (TkScalarValue[]){{0}, i64v(-1), i64v(1)}, (Ten *[]){y},
                 "pad1: requires before >= 0, but before = -1");
    expect_error("pad1", (Ten *[]){x, NULL, NULL}, (TkScalarValue[]){{0}, i64v(0), i64v(-3)}, (Ten *[]){y},
                 "pad1: requires after >= 0, but after = -3");
    expect_error("pool", (Ten *[]){x, NULL, NULL}, (TkScalarValue[]){{0}, i64v(2), i64v(0)}, (Ten *[]){y},
                 "pool: requires s >= 1, but s = 0");
    expect_error("pool", (Ten *[]){x, NULL, NULL}, (TkScalarValue[]){{0}, i64v(5), i64v(1)}, (Ten *[]){y},
                 "pool: requires H >= k, but H = 4, k = 5");
    expect_error("eq", (Ten *[]){x, b, NULL}, (TkScalarValue[]){{0}, {0}, scalar_int(DT_I32, 1)}, (Ten *[]){y},
                 "eq: requires N == M, but N = 4, M = 5");
    expect_error("eq", (Ten *[]){x, x, NULL}, (TkScalarValue[]){{0}, {0}, scalar_int(DT_I32, 4)}, (Ten *[]){y},
                 "eq: requires m < N, but N = 4, m = 4");
    expect_error("eq", (Ten *[]){x, x, NULL}, (TkScalarValue[]){{0}, {0}, scalar_int(DT_I32, -2)}, (Ten *[]){y},
                 "eq: requires 2 * m > N - 8, but N = 4, m = -2");
    ten_free(x), ten_free(y), ten_free(b);
}
