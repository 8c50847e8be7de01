/* Helpers for the interpreter suites (header-only: each *_test.c is its own
 * executable): compile a kernel from text, make strided tensors, run. */
#ifndef TK_TEST_INTERP_UTIL_H
#define TK_TEST_INTERP_UTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/prog.h"
#include "compiler/interp/interp.h"
#include "lang/lang.h"
#include "support/half.h"

/* A tensor that owns its data; strides in elements. */
typedef struct Ten {
    DLTensor dl;
    DType    t;
    int64_t  shape[TK_MAX_RANK], strides[TK_MAX_RANK];
    void    *alloc;
} Ten;

static inline Ten *ten_new(DType t, int ndim, const int64_t *shape)
{
    Ten *x = calloc(1, sizeof *x);
    x->t = t;
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        x->shape[i] = shape[i], n *= shape[i];
    tensor_contiguous_strides(ndim, shape, x->strides);
    x->alloc = calloc((size_t)(n ? n : 1), dtype_size(t));
    x->dl.data = x->alloc;
    x->dl.device.device_type = kDLCPU;
    x->dl.ndim = ndim;
    tensor_dtype_to_dl(t, &x->dl.dtype);
    x->dl.shape = x->shape;
    x->dl.strides = x->strides;
    return x;
}

/* Fortran (column-major) layout of the same logical tensor. */
static inline Ten *ten_new_fortran(DType t, int ndim, const int64_t *shape)
{
    Ten *x = ten_new(t, ndim, shape);
    tensor_fortran_strides(ndim, shape, x->strides);
    return x;
}

static inline void ten_free(Ten *x)
{
    if (x)
        free(x->alloc);
    free(x);
}

static inline int64_t ten_off(const Ten *x, const int64_t *idx)
{
    int64_t o = 0;
    for (int i = 0; i < x->dl.ndim; i++)
        o += idx[i] * x->strides[i];
    return o;
}

/* Element at a multi-index as double, and stores a double (rounded / wrapped). */
static inline double ten_get(const Ten *x, const int64_t *idx)
{
    char *p = (char *)x->alloc + ten_off(x, idx) * (int64_t)dtype_size(x->t);
    switch (x->t) {
    case DT_F32: { float v; memcpy(&v, p, 4); return v; }
    case DT_F64: { double v; memcpy(&v, p, 8); return v; }
    case DT_F16: { uint16_t h; memcpy(&h, p, 2); return f16_to_f32(h); }
    case DT_BF16: { uint16_t h; memcpy(&h, p, 2); return bf16_to_f32(h); }
    case DT_I32: { int32_t v; memcpy(&v, p, 4); return v; }
    case DT_I64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
    case DT_I16: { int16_t v; memcpy(&v, p, 2); return v; }
    case DT_I8: return *(int8_t *)p;
    case DT_U16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case DT_U32: { uint32_t v; memcpy(&v, p, 4); return v; }
    case DT_U64: { uint64_t v; memcpy(&v, p, 8); return (double)v; }
    default: return *(uint8_t *)p;
    }
}

static inline void ten_set(Ten *x, const int64_t *idx, double v)
{
    char *p = (char *)x->alloc + ten_off(x, idx) * (int64_t)dtype_size(x->t);
    switch (x->t) {
    case DT_F32: { float f = (float)v; memcpy(p, &f, 4); break; }
    case DT_F64: memcpy(p, &v, 8); break;
    case DT_F16: { uint16_t h = f32_to_f16((float)v); memcpy(p, &h, 2); break; }
    case DT_BF16: { uint16_t h = f32_to_bf16((float)v); memcpy(p, &h, 2); break; }
    case DT_I32: { int32_t i = (int32_t)v; memcpy(p, &i, 4); break; }
    case DT_I64: { int64_t i = (int64_t)v; memcpy(p, &i, 8); break; }
    case DT_I16: { int16_t i = (int16_t)v; memcpy(p, &i, 2); break; }
    case DT_I8: *(int8_t *)p = (int8_t)v; break;
    case DT_U16: { uint16_t i = (uint16_t)v; memcpy(p, &i, 2); break; }
    case DT_U32: { uint32_t i = (uint32_t)v; memcpy(p, &i, 4); break; }
    case DT_U64: { uint64_t i = (uint64_t)v; memcpy(p, &i, 8); break; }
    default: *(uint8_t *)p = (uint8_t)v; break;
    }
}

/* 1-d / 2-d / 3-d / 4-d shorthands. */
#define AT1(x, i) ten_get((x), (int64_t[]){(i)})
#define AT2(x, i, j) ten_get((x), (int64_t[]){(i), (j)})
#define AT3(x, i, j, l) ten_get((x), (int64_t[]){(i), (j), (l)})
#define AT4(x, i, j, l, m) ten_get((x), (int64_t[]){(i), (j), (l), (m)})

static inline int64_t ten_numel(const Ten *x)
{
    int64_t n = 1;
    for (int i = 0; i < x->dl.ndim; i++)
        n *= x->shape[i];
    return n;
}

/* Visits every multi-index of x in row-major order. */
static inline bool ten_next(const Ten *x, int64_t *idx)
{
    for (int a = x->dl.ndim - 1; a >= 0; a--) {
        if (++idx[a] < x->shape[a])
            return true;
        idx[a] = 0;
    }
    return false;
}

/* Deterministic pseudo-random fill: floats in [-1, 1], ints in [-8, 8]. */
static inline void ten_fill(Ten *x, uint64_t seed)
{
    int64_t idx[TK_MAX_RANK] = {0};
    if (ten_numel(x) == 0)
        return;
    uint64_t s = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    do {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t r = (uint32_t)(s >> 33);
        double v = dtype_is_float(x->t) ? (double)r / 2147483648.0 * 2.0 - 1.0
                   : dtype_is_unsigned(x->t) || x->t == DT_BOOL ? (double)(r % (x->t == DT_BOOL ? 2 : 17))
                   : (double)((int)(r % 17) - 8);
        ten_set(x, idx, v);
    } while (ten_next(x, idx));
}

/* Runs kernel k; inputs per param (NULL for scalars), outputs per output. */
static inline bool run_kernel(KernelInfo *k, Ten **in, const TkScalarValue *sc, Ten **out, char *err, size_t n)
{
    DLTensor *ins[16] = {0}, *outs[8] = {0};
    for (uint32_t i = 0; i < k->params.n; i++)
        ins[i] = in && in[i] ? &in[i]->dl : NULL;
    for (uint32_t i = 0; i < k->outputs.n; i++)
        outs[i] = out && out[i] ? &out[i]->dl : NULL;
    LaunchArgs a = {ins, sc, outs};
    return interp_run(k, &a, err, n);
}

/* |got - want| <= tol * (1 + |want|): relative for large values, absolute near 0. */
static inline bool close_to(double got, double want, double tol)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want))
        return got == want;
    return fabs(got - want) <= tol * (1.0 + fabs(want));
}

static inline TkScalarValue scalar_f32(double v) { return (TkScalarValue){DT_F32, {.f = (float)v}}; }
static inline TkScalarValue scalar_int(DType t, int64_t v) { return (TkScalarValue){t, {.i = v}}; }

#endif
