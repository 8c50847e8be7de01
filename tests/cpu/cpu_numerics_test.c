/* The numerics policy (docs/semantics.md "Numerics"): row reductions and
 * fused multiply-adds compiled under the default policy agree with the
 * interpreter within the documented bound, which grows with the reduction
 * length; under the strict policy they are bit-identical. Lengths from 1
 * to 40 000 cover scalar tails, one vector, interleaved vector partial
 * sums and long rows; the inputs have mixed signs and magnitudes so that
 * a different summation order does round differently. */
#include "cpu/cpu_util.h"

static const char *const SRC =
    "kernel rowsum(x: f32[N, D]) -> s: f32[N] { s[n] = sum(x[n, d] for d); }\n"
    "kernel rowdot(x: f32[N, D], w: f32[N, D]) -> s: f32[N] { s[n] = sum(x[n, d] * w[n, d] for d); }\n"
    "kernel rowsum64(x: f64[N, D]) -> s: f64[N] { s[n] = sum(x[n, d] for d); }\n"
    "kernel rowmax(x: f32[N, D]) -> (hi: f32[N], lo: f32[N]) {\n"
    "    hi[n] = max(x[n, d] for d);\n"
    "    lo[n] = min(x[n, d] for d);\n"
    "}\n"
    "kernel fma(a: f32[N, D], b: f32[N, D], c: f32[N, D]) -> y: f32[N, D] { y[n, d] = a[n, d] * b[n, d] + c[n, d]; }\n";

static const int64_t LENGTHS[] = {1, 7, 16, 17, 100, 1000, 4099, 40000};
enum { ROWS = 3 };

/* Values spread over four decades with both signs: partial sums cancel. */
static void fill_mixed(Ten *x, uint64_t *rng)
{
    int64_t idx[TK_MAX_RANK] = {0};
    if (!ten_numel(x))
        return;
    do {
        uint64_t r = rng_next(rng);
        double m = (double)(r >> 11) / 9007199254740992.0; /* [0, 1) */
        double v = (1 + m) * pow(10.0, (double)((r >> 3) % 4) - 2) * ((r & 1) ? -1 : 1);
        val_store(x->t, ten_ptr(x, idx), (Val){.f = v});
    } while (ten_next(x, idx));
}

typedef struct Run {
    Ten *in[3], *out_i[2], *out_c[2];
    int  nin, nout;
} Run;

/* Runs kernel name on ROWS x d inputs on the interpreter and on be. */
static Run run(CpuBackend *be, Prog *pr, const char *name, int64_t d, uint64_t seed)
{
    KernelInfo *k = prog_kernel(pr, name);
    Run r = {.nin = (int)k->params.n, .nout = (int)k->outputs.n};
    int64_t shape[2] = {ROWS, d};
    DLTensor *ins[3] = {0}, *oi[2] = {0}, *oc[2] = {0};
    uint64_t rng = seed;
    for (int a = 0; a < r.nin; a++) {
        r.in[a] = ten_make(k->params.v[a].dtype, 2, shape, LAY_C);
        fill_mixed(r.in[a], &rng);
        ins[a] = &r.in[a]->dl;
    }
    for (int o = 0; o < r.nout; o++) {
        DType t = k->outputs.v[o].dtype;
        int rank = k->outputs.v[o].rank;
        r.out_i[o] = ten_make(t, rank, shape, LAY_C), oi[o] = &r.out_i[o]->dl;
        r.out_c[o] = ten_make(t, rank, shape, LAY_C), oc[o] = &r.out_c[o]->dl;
    }
    char err[512];
    TkScalarValue sc[3] = {{0}};
    LaunchArgs li = {ins, sc, oi}, lc = {ins, sc, oc};
    cr_assert(interp_run(k, &li, err, sizeof err), "interp: %s", err);
    CpuCompileInfo ci;
    cr_assert(cpu_launch_compiled(be, pr, k, &lc, &ci, err, sizeof err), "cpu: %s", err);
    return r;
}

static void run_free(Run *r)
{
    for (int a = 0; a < r->nin; a++)
        ten_free(r->in[a]);
    for (int o = 0; o < r->nout; o++)
        ten_free(r->out_i[o]), ten_free(r->out_c[o]);
}

static double at(const Ten *x, int64_t i, int64_t j)
{
    int64_t idx[2] = {i, j};
    return val_load(x->t, ten_ptr(x, idx)).f;
}

/* sum(|t_d|) of row n, the terms x (times w when given) rounded as the
 * interpreter rounds them. */
static double abs_terms(const Ten *x, const Ten *w, int64_t n, int64_t d)
{
    double s = 0;
    for (int64_t j = 0; j < d; j++)
        s += fabs(w ? (double)(float)(at(x, n, j) * at(w, n, j)) : at(x, n, j));
    return s;
}

static bool bits_equal(double a, double b) { return (isnan(a) && isnan(b)) || (a == b && signbit(a) == signbit(b)); }

/* The default policy: |s - s_ref| <= 2 n u sum(|t|). */
static void check_sum(const char *name, bool dot, double u)
{
    Prog *pr = prog_new(SRC);
    CpuBackend *relaxed = backend_with(false), *strict = backend_with(true);
    for (size_t li = 0; li < sizeof LENGTHS / sizeof *LENGTHS; li++) {
        int64_t d = LENGTHS[li];
        Run r = run(relaxed, pr, name, d, 7 + (uint64_t)li);
        Run e = run(strict, pr, name, d, 7 + (uint64_t)li);
        for (int64_t n = 0; n < ROWS; n++) {
            double want = at(r.out_i[0], n, 0), got = at(r.out_c[0], n, 0);
            double bound = 2.0 * (double)d * u * abs_terms(r.in[0], dot ? r.in[1] : NULL, n, d);
            cr_expect(fabs(got - want) <= bound, "%s, D = %lld, row %lld: %.9g, interpreter %.9g, bound %.3g", name,
                      (long long)d, (long long)n, got, want, bound);
            cr_expect(bits_equal(at(e.out_c[0], n, 0), at(e.out_i[0], n, 0)),
                      "strict %s, D = %lld, row %lld: %.9g, interpreter %.9g", name, (long long)d, (long long)n,
                      at(e.out_c[0], n, 0), at(e.out_i[0], n, 0));
        }
        run_free(&r), run_free(&e);
    }
    cpu_backend_destroy(relaxed), cpu_backend_destroy(strict);
    prog_free(pr);
}

Test(cpu_numerics, sum_f32_within_the_bound) { check_sum("rowsum", false, 0x1p-24); }
Test(cpu_numerics, dot_f32_within_the_bound) { check_sum("rowdot", true, 0x1p-24); }
Test(cpu_numerics, sum_f64_within_the_bound) { check_sum("rowsum64", false, 0x1p-53); }

/* max and min reductions are exact in any order, under both policies,
 * with NaN (ignored), infinities and signed zeros (-0 < +0) in the rows. */
Test(cpu_numerics, max_min_exact_in_both_policies)
{
    Prog *pr = prog_new(SRC);
    for (int strict = 0; strict < 2; strict++) {
        CpuBackend *be = backend_with(strict);
        for (size_t li = 0; li < sizeof LENGTHS / sizeof *LENGTHS; li++) {
            int64_t d = LENGTHS[li];
            Run r = run(be, pr, "rowmax", d, 11 + (uint64_t)li);
            /* specials scattered through the rows, then run again */
            uint64_t rng = 5;
            static const double special[] = {NAN, -0.0, 0.0, INFINITY, -INFINITY, NAN};
            for (int64_t n = 0; n < ROWS; n++)
                for (int64_t j = 0; j < d; j++)
                    if (rng_next(&rng) % 5 == 0 || n == 2) {
                        int64_t idx[2] = {n, j};
                        double v = n == 2 ? (j % 2 ? NAN : -0.0) : special[rng_next(&rng) % 6];
                        val_store(DT_F32, ten_ptr(r.in[0], idx), (Val){.f = v});
                    }
            DLTensor *ins[1] = {&r.in[0]->dl}, *oi[2] = {&r.out_i[0]->dl, &r.out_i[1]->dl},
                     *oc[2] = {&r.out_c[0]->dl, &r.out_c[1]->dl};
            KernelInfo *k = prog_kernel(pr, "rowmax");
            char err[512];
            TkScalarValue sc[1] = {{0}};
            LaunchArgs li_args = {ins, sc, oi}, lc_args = {ins, sc, oc};
            cr_assert(interp_run(k, &li_args, err, sizeof err), "interp: %s", err);
            CpuCompileInfo ci;
            cr_assert(cpu_launch_compiled(be, pr, k, &lc_args, &ci, err, sizeof err), "cpu: %s", err);
            for (int o = 0; o < 2; o++)
                for (int64_t n = 0; n < ROWS; n++)
                    cr_expect(bits_equal(at(r.out_c[o], n, 0), at(r.out_i[o], n, 0)),
                              "%s %s, D = %lld, row %lld: %g, interpreter %g", strict ? "strict" : "default",
                              o ? "min" : "max", (long long)d, (long long)n, at(r.out_c[o], n, 0),
                              at(r.out_i[o], n, 0));
            run_free(&r);
        }
        cpu_backend_destroy(be);
    }
    prog_free(pr);
}

/* a * b + c: within u (|a b| + 2 |r|) by default (one rounding instead of
 * two), bit-exact when strict. */
Test(cpu_numerics, fma_within_the_bound)
{
    Prog *pr = prog_new(SRC);
    CpuBackend *relaxed = backend_with(false), *strict = backend_with(true);
    int64_t d = 1000;
    Run r = run(relaxed, pr, "fma", d, 3), e = run(strict, pr, "fma", d, 3);
    for (int64_t n = 0; n < ROWS; n++)
        for (int64_t j = 0; j < d; j++) {
            double want = at(r.out_i[0], n, j), got = at(r.out_c[0], n, j);
            double ab = at(r.in[0], n, j) * at(r.in[1], n, j);
            cr_expect(fabs(got - want) <= 0x1p-24 * (fabs(ab) + 2 * fabs(want)), "fma at %lld, %lld: %.9g, want %.9g",
                      (long long)n, (long long)j, got, want);
            cr_expect(bits_equal(at(e.out_c[0], n, j), at(e.out_i[0], n, j)), "strict fma at %lld, %lld",
                      (long long)n, (long long)j);
        }
    run_free(&r), run_free(&e);
    cpu_backend_destroy(relaxed), cpu_backend_destroy(strict);
    prog_free(pr);
}
