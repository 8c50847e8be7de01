/* Differential fuzzer of the whole pipeline (docs/robustness.md): random
 * valid programs (tests/fuzz/fuzz_gen.h) with random cpu schedules go
 * through the front end, which must accept them, and every kernel runs on
 * the CPU target and on the reference interpreter on random shapes (0, 1,
 * primes, non-multiples of 16) and layouts; outputs must agree within the
 * `tkc run --check` tolerances and launch errors must be the same.
 *
 * TK_FUZZ_SEED (default 1), TK_FUZZ_COUNT (programs; default 40),
 * TK_FUZZ_FIRST (index of the first program) and TK_FUZZ_SECONDS (stop
 * after this long) set the run, TK_FUZZ_PRINT=1 prints every program; a failure prints the program and the
 * environment that replays it alone. scripts/fuzz.sh runs long campaigns. */
#include <time.h>

#include "cpu/cpu_util.h"
#include "tests/fuzz/fuzz_gen.h"

enum { SHAPES_PER_KERNEL = 3, PROGRAMS_PER_BACKEND = 25 };

/* Inputs are small multiples of 1/4 (exact sums in any order), sometimes
 * with special float values and extreme integers. */
static void fill(Ten *x, uint64_t *rng, bool special)
{
    int64_t idx[TK_MAX_RANK] = {0};
    if (ten_numel(x) == 0)
        return;
    do {
        uint64_t r = rng_next(rng);
        Val v;
        if (dtype_is_float(x->t)) {
            v.f = (double)((int64_t)(r % 17) - 8) / 4.0;
            if (special && (r >> 40) % 8 == 0)
                v.f = special_values[(r >> 8) % (sizeof special_values / sizeof *special_values)];
        } else {
            v.i = x->t == DT_U8 ? (int64_t)(r % 17) : (int64_t)(r % 17) - 8;
            if (special && (r >> 40) % 8 == 0)
                v.i = val_wrap(x->t, (int64_t)(r >> 8) * ((r & 4) ? -1 : 1));
        }
        val_store(x->t, ten_ptr(x, idx), v);
    } while (ten_next(x, idx));
}

/* The documented `--check` tolerance (docs/cpu-backend.md). */
static void tolerance(DType t, double *rtol, double *atol)
{
    *rtol = t == DT_F64 ? 1e-12 : t == DT_F32 ? 1e-5 : t == DT_F16 ? 2e-3 : t == DT_BF16 ? 1.6e-2 : 0;
    *atol = t == DT_F64 ? 1e-14 : t == DT_F32 ? 1e-6 : t == DT_F16 ? 1e-3 : t == DT_BF16 ? 1e-2 : 0;
}

/* Compiled code as tk_launch runs it; unlike cpu_util.h's cpu_launch a
 * compile failure is a finding reported in err, not an abort. */
static bool launch_cpu(CpuBackend *be, Ctx *c, KernelInfo *k, const LaunchArgs *la, bool *compiled, char *err,
                       size_t n)
{
    Binding b;
    *compiled = true;
    if (!launch_prepare(k, la, &b, err, n)) {
        binding_free(&b);
        return false;
    }
    InstKey key = cpu_inst_key(k, &b);
    CpuCompileInfo ci;
    CpuKernel *ck = cpu_compile(be, &c->files, k, &key, NULL, &ci, err, n);
    bool ok = ck && cpu_run(ck, k, la, &b, err, n);
    *compiled = ck != NULL;
    binding_free(&b);
    return ok;
}

/* One launch of kernel k with the shape symbols' values `sym` (by k->dims
 * index) on both targets; false with a message on any difference. */
static bool run_case(CpuBackend *be, Ctx *c, KernelInfo *k, const int64_t *sym, int layout, uint64_t seed,
                     bool special, char *msg, size_t msglen)
{
    uint32_t np = k->params.n, no = k->outputs.n;
    Ten *in[16] = {0}, *ref[8] = {0}, *got[8] = {0};
    DLTensor *ins[16] = {0}, *refs[8] = {0}, *gots[8] = {0};
    TkScalarValue sc[16] = {{0}};
    uint64_t rng = seed;
    bool ok = true;
    for (uint32_t i = 0; i < np; i++) {
        const ParamInfo *p = &k->params.v[i];
        if (!p->is_tensor) {
            uint64_t r = rng_next(&rng);
            sc[i].dtype = p->dtype;
            if (dtype_is_float(p->dtype))
                sc[i].u.f = (double)((int64_t)(r % 13) - 6) / 4.0;
            else
                sc[i].u.i = (int64_t)(r % 9) - (p->dtype == DT_U8 ? 0 : 3);
            continue;
        }
        int64_t shape[TK_MAX_RANK];
        for (uint32_t a = 0; a < p->rank; a++) {
            int64_t v = 0;
            if (!sym_is_const(p->shape[a], &v))
                for (uint32_t d = 0; d < k->dims.n; d++)
                    if (k->dims.v[d].sym == p->shape[a])
                        v = sym[d];
            shape[a] = v;
        }
        in[i] = ten_make(p->dtype, (int)p->rank, shape, layout);
        fill(in[i], &rng, special);
        ins[i] = &in[i]->dl;
    }
    LaunchArgs la = {ins, sc, NULL};
    DType dt[8];
    int32_t rank[8];
    int64_t shapes[8][TK_MAX_RANK];
    char err[512], err2[512];
    bool shaped = interp_output_shapes(k, &la, dt, rank, shapes, err, sizeof err);
    for (uint32_t j = 0; j < no && shaped; j++) {
        ref[j] = ten_make(dt[j], rank[j], shapes[j], LAY_C);
        got[j] = ten_make(dt[j], rank[j], shapes[j], layout);
        /* an element the compiled code does not write shows up */
        int64_t idx[TK_MAX_RANK] = {0};
        if (ten_numel(got[j]))
            do
                memset(ten_ptr(got[j], idx), 0x7f, dtype_size(dt[j]));
            while (ten_next(got[j], idx));
        refs[j] = &ref[j]->dl, gots[j] = &got[j]->dl;
    }
    bool compiled;
    if (!shaped) {
        /* a shape error (an output dimension below 0): the cpu path reports it too */
        LaunchArgs lg = {ins, sc, gots};
        if (launch_cpu(be, c, k, &lg, &compiled, err2, sizeof err2)) {
            snprintf(msg, msglen, "interpreter: %s; cpu: ran", err);
            ok = false;
        }
    } else {
        LaunchArgs lr = {ins, sc, refs}, lg = {ins, sc, gots};
        bool ok_ref = interp_run(k, &lr, err, sizeof err);
        bool ok_got = launch_cpu(be, c, k, &lg, &compiled, err2, sizeof err2);
        if (!compiled) {
            snprintf(msg, msglen, "cpu compile failed: %s", err2);
            ok = false;
        } else if (ok_ref != ok_got || (!ok_ref && strcmp(err, err2))) {
            snprintf(msg, msglen, "interpreter: %s; cpu: %s", ok_ref ? "ok" : err, ok_got ? "ok" : err2);
            ok = false;
        }
        for (uint32_t j = 0; j < no && ok && ok_ref; j++) {
            int64_t idx[TK_MAX_RANK] = {0};
            if (ten_numel(ref[j]) == 0)
                continue;
            double rtol, atol;
            tolerance(dt[j], &rtol, &atol);
            do {
                Val a = val_load(dt[j], ten_ptr(got[j], idx)), b = val_load(dt[j], ten_ptr(ref[j], idx));
                if (!vals_close(dt[j], a, b, rtol, atol)) {
                    char sa[64], sb[64], at[128];
                    size_t n = 0;
                    for (int d = 0; d < rank[j]; d++)
                        n += (size_t)snprintf(at + n, sizeof at - n, "%s%lld", d ? ", " : "", (long long)idx[d]);
                    at[n] = 0;
                    val_format(dt[j], a, sa, sizeof sa);
                    val_format(dt[j], b, sb, sizeof sb);
                    snprintf(msg, msglen, "output %s[%s] (%s): cpu %s, interpreter %s", k->outputs.v[j].name, at,
                             dtype_name(dt[j]), sa, sb);
                    ok = false;
                    break;
                }
            } while (ten_next(ref[j], idx));
        }
    }
    for (uint32_t i = 0; i < np; i++)
        ten_free(in[i]);
    for (uint32_t j = 0; j < no; j++)
        ten_free(ref[j]), ten_free(got[j]);
    return ok;
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 10) : dflt;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct Tally {
    int programs, kernels, launches, failures;
} Tally;

static void report(uint64_t seed, uint64_t index, const char *src, const char *what)
{
    fprintf(stderr,
            "\n=== fuzz finding (replay: TK_FUZZ_SEED=%llu TK_FUZZ_FIRST=%llu TK_FUZZ_COUNT=1)\n%s\n--- program:\n%s"
            "=== end\n",
            (unsigned long long)seed, (unsigned long long)index, what, src);
    cr_expect(false, "fuzz finding, program %llu of seed %llu: %s", (unsigned long long)index,
              (unsigned long long)seed, what);
}

/* Program `index` of the seed: generated, checked, and every kernel run on
 * a few shapes. */
static void fuzz_program(CpuBackend *be, uint64_t seed, uint64_t index, Tally *t)
{
    static char src[32768];
    static FzKernel ks[3];
    Rng r = {seed * 0x9e3779b97f4a7c15ull + index * 0xbf58476d1ce4e5b9ull + 1};
    int nk = fz_program(&r, ks, 3, src, sizeof src);
    t->programs++;
    if (getenv("TK_FUZZ_PRINT"))
        printf("// program %llu of seed %llu\n%s\n", (unsigned long long)index, (unsigned long long)seed, src);
    Ctx c;
    ctx_init(&c);
    AstProgram *p = lang_load_string(&c, "fuzz.tk", src, strlen(src));
    if (!p || !sema_check(&c, p)) {
        char *d = NULL;
        size_t dl = 0;
        FILE *m = open_memstream(&d, &dl);
        diag_render(&c.diags, m);
        fclose(m);
        char what[4096];
        snprintf(what, sizeof what, "rejected by the front end (a generator bug or a false rejection):\n%s", d);
        free(d);
        t->failures++;
        report(seed, index, src, what);
        ctx_free(&c);
        return;
    }
    static const int64_t sizes[] = {0, 1, 1, 2, 3, 5, 7, 13, 16, 17, 17, 31, 33};
    for (int ki = 0; ki < nk; ki++) {
        KernelInfo *k = launch_find_kernel(p, ks[ki].name);
        cr_assert(k, "kernel %s not found", ks[ki].name);
        t->kernels++;
        for (int sh = 0; sh < SHAPES_PER_KERNEL; sh++) {
            int64_t sym[16];
            for (uint32_t d = 0; d < k->dims.n && d < 16; d++)
                sym[d] = sizes[rnd(&r, sizeof sizes / sizeof *sizes)];
            int layout = rnd(&r, 3) ? LAY_C : (int)rnd(&r, LAY__COUNT);
            bool special = rnd(&r, 4) == 0;
            char msg[2048];
            t->launches++;
            if (!run_case(be, &c, k, sym, layout, r.s, special, msg, sizeof msg)) {
                char what[4096];
                size_t n = (size_t)snprintf(what, sizeof what, "kernel %s, layout %d%s,", k->ast->name, layout,
                                            special ? ", special values" : "");
                for (uint32_t d = 0; d < k->dims.n && d < 16 && n < sizeof what; d++)
                    n += (size_t)snprintf(what + n, sizeof what - n, " %s=%lld", k->dims.v[d].name,
                                          (long long)sym[d]);
                if (n < sizeof what)
                    snprintf(what + n, sizeof what - n, ": %s", msg);
                t->failures++;
                report(seed, index, src, what);
                break;
            }
        }
    }
    ctx_free(&c);
}

Test(pipeline_fuzz, cpu_agrees_with_the_interpreter, .timeout = 7200)
{
    uint64_t seed = env_u64("TK_FUZZ_SEED", 1), count = env_u64("TK_FUZZ_COUNT", 40);
    uint64_t first = env_u64("TK_FUZZ_FIRST", 0), seconds = env_u64("TK_FUZZ_SECONDS", 0);
    double start = now();
    Tally t = {0, 0, 0, 0};
    CpuBackend *be = NULL;
    for (uint64_t i = first; i < first + count; i++) {
        if (seconds && now() - start > (double)seconds)
            break;
        /* a fresh backend now and then: compiled kernels are kept until it goes */
        if (!be || (i - first) % PROGRAMS_PER_BACKEND == 0) {
            if (be)
                cpu_backend_destroy(be);
            be = backend_new();
        }
        fuzz_program(be, seed, i, &t);
    }
    if (be)
        cpu_backend_destroy(be);
    fprintf(stderr, "pipeline fuzz: seed %llu, %d programs, %d kernels, %d launches, %d findings, %.1f s\n",
            (unsigned long long)seed, t.programs, t.kernels, t.launches, t.failures, now() - start);
    cr_expect_eq(t.failures, 0);
}
