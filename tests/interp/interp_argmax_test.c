/* argmax/argmin in the interpreter against a hand-written C reference
 * (docs/semantics.md, "Arg-reductions"): first index on ties, NaN as the
 * extreme (the first NaN wins), -inf and +inf, several variables flattened
 * row-major, positions relative to an explicit range's start, an empty
 * range giving 0; shapes 0, 1 and primes. */
#include "interp/interp_util.h"

/* Values with many ties: a small set, with NaN and infinities when `special`. */
static void fill_ties(Ten *x, uint64_t seed, bool special)
{
    static const double pool[] = {1.0, -2.0, 3.0, 3.0, -INFINITY, INFINITY, NAN, 0.0, -0.0};
    int64_t idx[TK_MAX_RANK] = {0};
    if (ten_numel(x) == 0)
        return;
    uint64_t s = seed;
    do {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t r = (uint32_t)(s >> 33);
        double v = special ? pool[r % (sizeof pool / sizeof *pool)] : (double)(int)(r % 4);
        ten_set(x, idx, v);
    } while (ten_next(x, idx));
}

/* Whether v at a later position replaces best (the C reference: NumPy's rule). */
static bool ref_better(bool is_max, double best, double v)
{
    if (isnan(best))
        return false;
    if (isnan(v))
        return true;
    return is_max ? v > best : v < best;
}

static int64_t ref_arg(bool is_max, const double *v, int64_t n)
{
    int64_t at = 0;
    for (int64_t i = 1; i < n; i++)
        if (ref_better(is_max, v[at], v[i]))
            at = i;
    return at;
}

#define ROWS_SRC                                                                        \
    "kernel rows(x: f32[N, K]) -> (a: i64[N], b: i64[N], c: i64, r: i64[N]) {\n"        \
    "  a[n] = argmax(x[n, k] for k);\n  b[n] = argmin(x[n, k] for k);\n"                \
    "  c = argmax(x[n, k] for n, k);\n  r[n] = argmin(x[n, k] for k in 2..K);\n}\n"

Test(interp_argmax, rows_ties_nan_and_ranges)
{
    Prog *p = prog_new(ROWS_SRC);
    KernelInfo *k = prog_kernel(p, "rows");
    static const int64_t shapes[][2] = {{1, 1}, {3, 7}, {13, 2}, {5, 17}, {2, 0}, {0, 3}, {7, 1}};
    for (size_t c = 0; c < sizeof shapes / sizeof *shapes; c++)
        for (int special = 0; special < 2; special++) {
            int64_t N = shapes[c][0], K = shapes[c][1];
            Ten *x = ten_new(DT_F32, 2, (int64_t[]){N, K});
            Ten *a = ten_new(DT_I64, 1, (int64_t[]){N}), *b = ten_new(DT_I64, 1, (int64_t[]){N});
            Ten *cc = ten_new(DT_I64, 0, NULL), *r = ten_new(DT_I64, 1, (int64_t[]){N});
            fill_ties(x, 31 * c + (uint64_t)special, special);
            char err[256];
            cr_assert(run_kernel(k, (Ten *[]){x}, NULL, (Ten *[]){a, b, cc, r}, err, sizeof err), "%s", err);
            double *all = calloc((size_t)(N * K + 1), sizeof *all);
            for (int64_t n = 0; n < N; n++) {
                for (int64_t j = 0; j < K; j++)
                    all[n * K + j] = AT2(x, n, j);
                cr_assert_eq((int64_t)AT1(a, n), ref_arg(true, all + n * K, K), "argmax row %lld (%lldx%lld)",
                             (long long)n, (long long)N, (long long)K);
                cr_assert_eq((int64_t)AT1(b, n), ref_arg(false, all + n * K, K), "argmin row %lld",
                             (long long)n);
                int64_t want_r = K > 2 ? ref_arg(false, all + n * K + 2, K - 2) : 0;
                cr_assert_eq((int64_t)AT1(r, n), want_r, "argmin over 2..K, row %lld", (long long)n);
            }
            int64_t zero[1] = {0};
            cr_assert_eq((int64_t)ten_get(cc, zero), ref_arg(true, all, N * K), "argmax over n, k (%lldx%lld)",
                         (long long)N, (long long)K);
            free(all);
            ten_free(x), ten_free(a), ten_free(b), ten_free(cc), ten_free(r);
        }
    prog_free(p);
}

Test(interp_argmax, integers_and_extremes)
{
    Prog *p = prog_new("kernel ints(x: i8[N]) -> (a: i64, b: i64) {\n"
                       "  a = argmax(x[k] for k);\n  b = argmin(x[k] for k);\n}\n");
    KernelInfo *k = prog_kernel(p, "ints");
    /* -128 and 127 are the accumulators' starting values: still position 0. */
    static const double cases[][4] = {{-128, -128, -128, -128}, {127, 127, 127, 127}, {5, -3, 5, -3},
                                      {-128, 0, 127, 0}};
    static const int64_t want[][2] = {{0, 0}, {0, 0}, {0, 1}, {2, 0}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        Ten *x = ten_new(DT_I8, 1, (int64_t[]){4});
        Ten *a = ten_new(DT_I64, 0, NULL), *b = ten_new(DT_I64, 0, NULL);
        for (int64_t i = 0; i < 4; i++)
            ten_set(x, (int64_t[]){i}, cases[c][i]);
        char err[256];
        cr_assert(run_kernel(k, (Ten *[]){x}, NULL, (Ten *[]){a, b}, err, sizeof err), "%s", err);
        int64_t zero[1] = {0};
        cr_assert_eq((int64_t)ten_get(a, zero), want[c][0], "case %zu argmax", c);
        cr_assert_eq((int64_t)ten_get(b, zero), want[c][1], "case %zu argmin", c);
        ten_free(x), ten_free(a), ten_free(b);
    }
    prog_free(p);
}
