/* One differential launch for the fuzzer's suites (header-only): a kernel
 * runs on the CPU target and on the reference interpreter with the same
 * inputs; outputs must agree within the `tkc run --check` tolerances
 * (docs/cpu-backend.md) and launch errors must be the same. */
#ifndef TK_TEST_FUZZ_RUN_H
#define TK_TEST_FUZZ_RUN_H

#include "cpu/cpu_util.h"

/* Inputs are small multiples of 1/4 (exact sums in any order), sometimes
 * with special float values and extreme integers. */
static inline void fuzz_fill(Ten *x, uint64_t *rng, bool special)
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
static inline void fuzz_tolerance(DType t, double *rtol, double *atol)
{
    *rtol = t == DT_F64 ? 1e-12 : t == DT_F32 ? 1e-5 : t == DT_F16 ? 2e-3 : t == DT_BF16 ? 1.6e-2 : 0;
    *atol = t == DT_F64 ? 1e-14 : t == DT_F32 ? 1e-6 : t == DT_F16 ? 1e-3 : t == DT_BF16 ? 1e-2 : 0;
}

/* Compiled code is not instrumented by ASan, so an output gets guard
 * bytes: its allocation grows by FUZZ_GUARD bytes on each side, and every
 * byte that is not an element (guards, the gaps of a padded layout) must
 * still hold FUZZ_FILL after the launch. */
enum { FUZZ_GUARD = 256, FUZZ_FILL = 0x5a };

static inline size_t fuzz_span(const Ten *x)
{
    int64_t n = 1;
    for (int a = 0; a < x->dl.ndim; a++)
        n += (x->shape[a] > 0 ? x->shape[a] - 1 : 0) * x->strides[a];
    return x->dl.byte_offset + (size_t)(n + 1) * dtype_size(x->t);
}

static inline Ten *fuzz_guarded(DType t, int ndim, const int64_t *shape, int layout)
{
    Ten *x = ten_make(t, ndim, shape, layout);
    size_t span = fuzz_span(x);
    char *mem = malloc(span + 2 * FUZZ_GUARD);
    memset(mem, FUZZ_FILL, span + 2 * FUZZ_GUARD);
    free(x->alloc);
    x->alloc = x->dl.data = mem;
    x->dl.byte_offset += FUZZ_GUARD;
    return x;
}

/* The first byte of x outside its elements that was written, or -1. */
static inline int64_t fuzz_guard_broken(const Ten *x)
{
    size_t size = fuzz_span(x) + FUZZ_GUARD, es = dtype_size(x->t);
    char *elem = calloc(size, 1);
    int64_t idx[TK_MAX_RANK] = {0}, bad = -1;
    if (ten_numel(x))
        do
            memset(elem + (ten_ptr(x, idx) - x->alloc), 1, es);
        while (ten_next(x, idx));
    for (size_t i = 0; i < size && bad < 0; i++)
        if (!elem[i] && (unsigned char)x->alloc[i] != FUZZ_FILL)
            bad = (int64_t)i - FUZZ_GUARD;
    free(elem);
    return bad;
}

/* cpu_launch as tk_launch runs it; unlike cpu_util.h's cpu_launch_compiled a
 * compile failure is a finding reported in err, not an abort. */
static inline bool fuzz_launch_cpu(CpuBackend *be, Ctx *c, KernelInfo *k, const LaunchArgs *la, bool *compiled, char *err,
                       size_t n)
{
    Arena a;
    arena_init(&a);
    DiagSink ds;
    diag_init(&ds, &a, &c->files);
    CpuCompileInfo ci;
    CpuLaunchResult r = cpu_launch(be, &c->files, k, la, NULL, &ci, &ds, err, n);
    *compiled = r != CPU_COMPILE_FAILED && !ci.interpreted;
    if (r == CPU_COMPILE_FAILED)
        diag_headline(&ds, ds.head, err, n);
    arena_free(&a);
    return r == CPU_LAUNCHED;
}

/* One launch of kernel k with the shape symbols' values `sym` (by k->dims
 * index) on both targets; false with a message on any difference. */
static inline bool fuzz_run_case(CpuBackend *be, Ctx *c, KernelInfo *k, const int64_t *sym, int layout, uint64_t seed,
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
        fuzz_fill(in[i], &rng, special);
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
        got[j] = fuzz_guarded(dt[j], rank[j], shapes[j], layout);
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
        if (fuzz_launch_cpu(be, c, k, &lg, &compiled, err2, sizeof err2)) {
            snprintf(msg, msglen, "interpreter: %s; cpu: ran", err);
            ok = false;
        }
    } else {
        LaunchArgs lr = {ins, sc, refs}, lg = {ins, sc, gots};
        bool ok_ref = interp_run(k, &lr, err, sizeof err);
        bool ok_got = fuzz_launch_cpu(be, c, k, &lg, &compiled, err2, sizeof err2);
        if (!compiled) {
            snprintf(msg, msglen, "cpu compile failed: %s", err2);
            ok = false;
        } else if (ok_ref != ok_got || (!ok_ref && strcmp(err, err2))) {
            snprintf(msg, msglen, "interpreter: %s; cpu: %s", ok_ref ? "ok" : err, ok_got ? "ok" : err2);
            ok = false;
        }
        for (uint32_t j = 0; j < no && ok; j++) {
            int64_t at = fuzz_guard_broken(got[j]);
            if (at >= 0) {
                snprintf(msg, msglen, "cpu wrote outside output %s: byte %lld from its allocation's start",
                         k->outputs.v[j].name, (long long)at);
                ok = false;
            }
        }
        for (uint32_t j = 0; j < no && ok && ok_ref; j++) {
            int64_t idx[TK_MAX_RANK] = {0};
            if (ten_numel(ref[j]) == 0)
                continue;
            double rtol, atol;
            fuzz_tolerance(dt[j], &rtol, &atol);
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

#endif
