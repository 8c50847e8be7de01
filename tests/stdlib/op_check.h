/* Helpers for the standard library operator tests: random tensors of any
 * dtype in contiguous or strided layouts, element access as doubles, and
 * comparison against a reference computed here in double precision, with a
 * tolerance per dtype. Header-only: each test file is its own executable. */
#ifndef TK_TEST_OP_CHECK_H
#define TK_TEST_OP_CHECK_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support/dtype.h"
#include "support/half.h"
#include "support/tensor.h"
#include "tk/tk.h"

typedef struct Tensor {
    DType    dt;
    int32_t  rank;
    int64_t  shape[TK_MAX_RANK];
    int64_t  strides[TK_MAX_RANK];
    char    *alloc;
    DLTensor t;
} Tensor;

static uint64_t rng_state = 12345;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int64_t rnd_int(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

/* Tolerances per dtype: relative and absolute. */
static void tol_of(DType t, double *rtol, double *atol)
{
    switch (t) {
    case DT_F64: *rtol = 1e-12, *atol = 1e-12; break;
    case DT_F32: *rtol = 2e-5, *atol = 1e-6; break;
    case DT_F16: *rtol = 4e-3, *atol = 1e-3; break;
    case DT_BF16: *rtol = 3e-2, *atol = 1e-2; break;
    default: *rtol = 0, *atol = 0; break;
    }
}

static double load(DType t, const void *p)
{
    switch (t) {
    case DT_BOOL: return *(const uint8_t *)p != 0;
    case DT_I8: return *(const int8_t *)p;
    case DT_I16: return *(const int16_t *)p;
    case DT_I32: return *(const int32_t *)p;
    case DT_I64: return (double)*(const int64_t *)p;
    case DT_U8: return *(const uint8_t *)p;
    case DT_U16: return *(const uint16_t *)p;
    case DT_U32: return *(const uint32_t *)p;
    case DT_U64: return (double)*(const uint64_t *)p;
    case DT_F16: return f16_to_f32(*(const uint16_t *)p);
    case DT_BF16: return bf16_to_f32(*(const uint16_t *)p);
    case DT_F32: return *(const float *)p;
    case DT_F64: return *(const double *)p;
    default: return NAN;
    }
}

/* Stores v (already representable for integer types). */
static void store(DType t, void *p, double v)
{
    switch (t) {
    case DT_BOOL: *(uint8_t *)p = v != 0; break;
    case DT_I8: *(int8_t *)p = (int8_t)v; break;
    case DT_I16: *(int16_t *)p = (int16_t)v; break;
    case DT_I32: *(int32_t *)p = (int32_t)v; break;
    case DT_I64: *(int64_t *)p = (int64_t)v; break;
    case DT_U8: *(uint8_t *)p = (uint8_t)v; break;
    case DT_U16: *(uint16_t *)p = (uint16_t)v; break;
    case DT_U32: *(uint32_t *)p = (uint32_t)v; break;
    case DT_U64: *(uint64_t *)p = (uint64_t)v; break;
    case DT_F16: *(uint16_t *)p = f32_to_f16((float)v); break;
    case DT_BF16: *(uint16_t *)p = f32_to_bf16((float)v); break;
    case DT_F32: *(float *)p = (float)v; break;
    case DT_F64: *(double *)p = v; break;
    default: break;
    }
}

/* Layouts: 0 contiguous, 1 padded rows (every stride larger), 2 reversed
 * dim order in memory (Fortran-like), 3 padded and reversed. */
static void tensor_make(Tensor *x, DType dt, int32_t rank, const int64_t *shape, int layout)
{
    memset(x, 0, sizeof *x);
    x->dt = dt;
    x->rank = rank;
    memcpy(x->shape, shape, sizeof(int64_t) * (size_t)rank);
    int64_t stride = 1, span = 1;
    for (int32_t i = 0; i < rank; i++) {
        int32_t d = (layout & 2) ? i : rank - 1 - i;
        x->strides[d] = stride;
        stride *= shape[d] + ((layout & 1) ? 1 : 0);
    }
    for (int32_t d = 0; d < rank; d++)
        span += (shape[d] ? shape[d] - 1 : 0) * x->strides[d];
    x->alloc = calloc((size_t)span + 8, 8);
    cr_assert(x->alloc);
    DLDataType dl;
    tensor_dtype_to_dl(dt, &dl);
    x->t = (DLTensor){.data = x->alloc, .device = {kDLCPU, 0}, .ndim = rank, .dtype = dl, .shape = x->shape,
                      .strides = x->strides};
}

static void tensor_free(Tensor *x) { free(x->alloc); }

static int64_t numel_of(const Tensor *x)
{
    int64_t n = 1;
    for (int32_t d = 0; d < x->rank; d++)
        n *= x->shape[d];
    return n;
}

/* The address of the flat (row-major) element i. */
static void *elem(const Tensor *x, int64_t i)
{
    int64_t off = 0;
    for (int32_t d = x->rank - 1; d >= 0; d--) {
        off += (i % x->shape[d]) * x->strides[d];
        i /= x->shape[d];
    }
    return x->alloc + off * (int64_t)dtype_size(x->dt);
}

static double get(const Tensor *x, int64_t i) { return load(x->dt, elem(x, i)); }
static void   put(Tensor *x, int64_t i, double v) { store(x->dt, elem(x, i), v); }

/* Random values: floats in [lo, hi], integers in [-8, 8] (unsigned [0, 8]),
 * bool 0/1. */
static void fill(Tensor *x, double lo, double hi)
{
    for (int64_t i = 0; i < numel_of(x); i++) {
        double v;
        if (dtype_is_float(x->dt))
            v = lo + (hi - lo) * (double)(rnd() >> 11) / 9007199254740992.0;
        else if (x->dt == DT_BOOL)
            v = (double)(rnd() & 1);
        else if (dtype_is_unsigned(x->dt))
            v = (double)rnd_int(0, 8);
        else
            v = (double)rnd_int(-8, 8);
        put(x, i, v);
    }
}

/* A random shape of the given rank: sizes from {1, 2, 3, 5, 7, 13} and,
 * when allow_zero, sometimes 0. */
static void random_shape(int32_t rank, int64_t *shape, bool allow_zero)
{
    static const int64_t sizes[] = {1, 2, 3, 5, 7, 13};
    for (int32_t d = 0; d < rank; d++)
        shape[d] = sizes[rnd() % 6];
    if (allow_zero && rank && rnd() % 8 == 0)
        shape[rnd() % (uint64_t)rank] = 0;
}

/* Whether got is close to want for dtype t (NaN matches NaN, inf matches
 * the same inf). */
static bool close_to(DType t, double got, double want)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    double rtol, atol;
    tol_of(t, &rtol, &atol);
    return fabs(got - want) <= atol + rtol * fabs(want);
}

/* The reference rounded to the output's storage (f16 values compare after
 * the same rounding the result had). */
static double as_stored(DType t, double v)
{
    char b[8];
    if (!dtype_is_float(t))
        return v;
    store(t, b, v);
    return load(t, b);
}

static const char *status_msg(tk_status st) { return st == TK_OK ? "ok" : tk_last_error(); }

/* Creates op name with attrs, asserting success. */
static tk_op *op_new(tk_context *ctx, const char *name, const tk_attr *attrs, size_t n)
{
    tk_op *op = NULL;
    tk_status st = tk_op_create(ctx, name, attrs, n, &op);
    cr_assert_eq(st, TK_OK, "%s: %s", name, tk_last_error());
    return op;
}

/* Output j of op for inputs in, made with the shape and dtype the op says,
 * in layout `layout`. */
static void make_output(tk_op *op, const DLTensor *const *in, size_t nin, Tensor *outs, size_t nout, int layout)
{
    int32_t ranks[8];
    int64_t shapes[8 * TK_MAX_RANK];
    DLDataType dts[8];
    tk_status st = tk_op_output_shapes(op, in, nin, ranks, shapes, dts);
    cr_assert_eq(st, TK_OK, "output shapes: %s", tk_last_error());
    for (size_t j = 0; j < nout; j++)
        tensor_make(&outs[j], tensor_dtype_from_dl(dts[j]), ranks[j], &shapes[j * TK_MAX_RANK], layout);
}

/* DLPack 0.6 has no bool: a bool output comes back as u8. */
static bool same_dtype(DType a, DType b)
{
    return a == b || ((a == DT_U8 || a == DT_BOOL) && (b == DT_U8 || b == DT_BOOL));
}

static const DType FLOAT_TYPES[] = {DT_F32, DT_F16, DT_BF16, DT_F64};

#endif
