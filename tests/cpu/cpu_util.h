/* Helpers for the CPU backend suites (header-only: each *_test.c is its own
 * executable): compile a program, make tensors in several layouts, run a
 * kernel on the interpreter and on compiled code, and compare. */
#ifndef TK_TEST_CPU_UTIL_H
#define TK_TEST_CPU_UTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prog.h"
#include "backend-cpu/cpu.h"
#include "compiler/interp/interp.h"
#include "lang/lang.h"
#include "support/half.h"

/* A backend without the disk cache: every test compiles for real. strict:
 * the numerics the interpreter defines, bit for bit (docs/semantics.md
 * "Numerics"); else the default policy (FMA, reassociated sums). */
static inline CpuBackend *backend_with(bool strict)
{
    char err[512];
    setenv("TK_CACHE", "0", 1);
    CpuBackend *be = cpu_backend_create(&(CpuOptions){.strict = strict}, err, sizeof err);
    cr_assert(be, "%s", err);
    return be;
}

/* The suites that compare bit-exactly with the interpreter run strict. */
static inline CpuBackend *backend_new(void) { return backend_with(true); }

/* Layouts of a tensor: row-major, column-major, and a padded view (every
 * axis strided past a gap, data at a byte offset). */
enum { LAY_C, LAY_F, LAY_PAD, LAY__COUNT };

typedef struct Ten {
    DLTensor dl;
    DType    t;
    int64_t  shape[TK_MAX_RANK], strides[TK_MAX_RANK];
    char    *alloc;
} Ten;

static inline Ten *ten_make(DType t, int ndim, const int64_t *shape, int layout)
{
    Ten *x = calloc(1, sizeof *x);
    x->t = t;
    size_t es = dtype_size(t);
    memcpy(x->shape, shape, sizeof(int64_t) * (size_t)ndim);
    int64_t n = 1;
    if (layout == LAY_F) {
        tensor_fortran_strides(ndim, shape, x->strides);
    } else {
        int64_t s = 1;
        for (int a = ndim; a-- > 0;) {
            x->strides[a] = s;
            s *= (shape[a] > 0 ? shape[a] : 1) + (layout == LAY_PAD ? 2 : 0);
        }
    }
    for (int a = 0; a < ndim; a++)
        n += (shape[a] > 0 ? shape[a] - 1 : 0) * x->strides[a];
    size_t off = layout == LAY_PAD ? 3 : 0;
    x->alloc = calloc((size_t)(n + (int64_t)off + 1), es);
    x->dl.data = x->alloc;
    x->dl.byte_offset = off * es;
    x->dl.device.device_type = kDLCPU;
    x->dl.ndim = ndim;
    tensor_dtype_to_dl(t, &x->dl.dtype);
    x->dl.shape = x->shape;
    x->dl.strides = x->strides;
    return x;
}

static inline void ten_free(Ten *x)
{
    if (x)
        free(x->alloc);
    free(x);
}

static inline char *ten_ptr(const Ten *x, const int64_t *idx)
{
    int64_t o = 0;
    for (int a = 0; a < x->dl.ndim; a++)
        o += idx[a] * x->strides[a];
    return x->alloc + x->dl.byte_offset + o * (int64_t)dtype_size(x->t);
}

static inline bool ten_next(const Ten *x, int64_t *idx)
{
    for (int a = x->dl.ndim - 1; a >= 0; a--) {
        if (++idx[a] < x->shape[a])
            return true;
        idx[a] = 0;
    }
    return false;
}

static inline int64_t ten_numel(const Ten *x)
{
    int64_t n = 1;
    for (int a = 0; a < x->dl.ndim; a++)
        n *= x->shape[a];
    return n;
}

static inline uint64_t rng_next(uint64_t *s) /* splitmix64 */
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Special float values mixed into inputs when `special` is set. */
static const double special_values[] = {
    0.0, -0.0, INFINITY, -INFINITY, NAN, 1e-40, -1e-45, 3.4e38, -3.4e38, 1e30, -100.0, 88.7, -104.0, 0.5, 2.5, -2.5,
};

static inline void ten_fill(Ten *x, uint64_t *rng, bool special)
{
    int64_t idx[TK_MAX_RANK] = {0};
    if (ten_numel(x) == 0)
        return;
    do {
        uint64_t r = rng_next(rng);
        Val v;
        if (dtype_is_float(x->t)) {
            v.f = (double)(r >> 11) / 9007199254740992.0 * 4.0 - 2.0;
            if (special && (r & 3) == 0)
                v.f = special_values[(r >> 2) % (sizeof special_values / sizeof *special_values)];
            if (x->t == DT_F32)
                v.f = (float)v.f;
        } else if (x->t == DT_BOOL) {
            v.i = (int64_t)(r >> 63);
        } else if (dtype_is_unsigned(x->t)) { /* special: any value, the maximum included */
            v.i = special ? val_wrap(x->t, (r & 8) ? -1 : (int64_t)(r >> 8)) : (int64_t)((r >> 32) % 17);
        } else {
            v.i = (int64_t)((r >> 32) % 17) - 8;
            if (special && (r & 3) == 0)
                v.i = val_wrap(x->t, (int64_t)(r >> 8) * ((r & 4) ? -1 : 1));
        }
        val_store(x->t, ten_ptr(x, idx), v);
    } while (ten_next(x, idx));
}

/* cpu_launch with compiled code asserted: the kernel compiles (its first
 * diagnostic otherwise fails the test) and does not run on the interpreter. */
static inline bool cpu_launch_compiled(CpuBackend *be, Prog *pr, KernelInfo *k, const LaunchArgs *la,
                                       CpuCompileInfo *ci, char *err, size_t n)
{
    CpuCompileInfo dummy;
    if (!ci)
        ci = &dummy;
    Arena a;
    arena_init(&a);
    DiagSink ds;
    diag_init(&ds, &a, &pr->c.files);
    CpuLaunchResult r = cpu_launch(be, &pr->c.files, k, la, NULL, ci, &ds, err, n);
    char head[512] = "";
    if (ds.head)
        diag_headline(&ds, ds.head, head, sizeof head);
    arena_free(&a);
    cr_assert(r != CPU_COMPILE_FAILED, "compiling %s: %s", k->ast->name, head);
    cr_assert(r == CPU_LAUNCH_FAILED || !ci->interpreted, "%s ran on the interpreter", k->ast->name);
    return r == CPU_LAUNCHED;
}

/* Values agree: ints and bools exactly, floats within tol ULP-ish relative
 * (NaN matches NaN, infinities must be equal). */
static inline bool vals_close(DType t, Val a, Val b, double rtol, double atol)
{
    if (!dtype_is_float(t))
        return a.i == b.i;
    if (isnan(a.f) || isnan(b.f))
        return isnan(a.f) && isnan(b.f);
    if (a.f == b.f)
        return true;
    if (isinf(a.f) || isinf(b.f))
        return false;
    return fabs(a.f - b.f) <= atol + rtol * fabs(b.f);
}

#endif
