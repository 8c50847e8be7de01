/* Differential fuzzer of the whole pipeline (docs/robustness.md): random
 * valid programs (tests/fuzz/fuzz_gen.h) with random cpu schedules go
 * through the front end, which must accept them, and every kernel runs on
 * the CPU target and on the reference interpreter on random shapes (0, 1,
 * primes, non-multiples of 16) and layouts; outputs must agree within the
 * `tkc run --check` tolerances and launch errors must be the same.
 *
 * TK_FUZZ_SEED and TK_FUZZ_COUNT (programs; defaults below), TK_FUZZ_FIRST
 * (index of the first program) and TK_FUZZ_SECONDS (stop after this long)
 * set the run; TK_FUZZ_PRINT=1 prints every program before it runs. A
 * failure prints the program and the environment that replays it alone.
 * scripts/fuzz.sh runs long campaigns. */
#include <time.h>

#include "tests/fuzz/fuzz_gen.h"
#include "tests/fuzz/fuzz_run.h"
#include "support/clock.h"

enum { SHAPES_PER_KERNEL = 3, PROGRAMS_PER_BACKEND = 25 };

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 10) : dflt;
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
        printf("// program %llu of seed %llu\n%s\n", (unsigned long long)index, (unsigned long long)seed, src), fflush(stdout);
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
            bool special = rnd(&r, 4) == 0 && !ks[ki].reorders_floats;
            char msg[2048];
            t->launches++;
            if (!fuzz_run_case(be, &c, k, sym, layout, r.s, special, msg, sizeof msg)) {
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

/* The seeded run of the test suite: about a minute in each of the normal
 * and the ASan builds on 2 cores, with other programs in each. */
#if defined(__SANITIZE_ADDRESS__)
enum { DEFAULT_SEED = 2, DEFAULT_COUNT = 80 };
#else
enum { DEFAULT_SEED = 1, DEFAULT_COUNT = 120 };
#endif

Test(pipeline_fuzz, cpu_agrees_with_the_interpreter, .timeout = 7200)
{
    uint64_t seed = env_u64("TK_FUZZ_SEED", DEFAULT_SEED), count = env_u64("TK_FUZZ_COUNT", DEFAULT_COUNT);
    uint64_t first = env_u64("TK_FUZZ_FIRST", 0), seconds = env_u64("TK_FUZZ_SECONDS", 0);
    double start = clock_seconds();
    Tally t = {0, 0, 0, 0};
    CpuBackend *be = NULL;
    for (uint64_t i = first; i < first + count; i++) {
        if (seconds && clock_seconds() - start > (double)seconds)
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
            (unsigned long long)seed, t.programs, t.kernels, t.launches, t.failures, clock_seconds() - start);
    cr_expect_eq(t.failures, 0);
}
