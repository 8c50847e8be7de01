/* Helpers of the structured-operator suites (tests/stdlib): host tensors of
 * any dtype, contiguous or strided, with random contents read back as
 * doubles; running an operator through tk_op_*; comparing with a C
 * reference computed in double. */
#ifndef TK_STDOPS_UTIL_H
#define TK_STDOPS_UTIL_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/dtype.h"
#include "support/half.h"
#include "tk/tk.h"

/* A host tensor: strided ones keep a gap after every dim. */
typedef struct TT {
    DLTensor t;
    int64_t  shape[TK_MAX_RANK], strides[TK_MAX_RANK];
    DType    dt;
    void    *buf;
} TT;

static inline DLDataType tt_dl(DType t)
{
    DLDataType d = {kDLFloat, (uint8_t)(dtype_size(t) * 8), 1};
    if (t == DT_BF16)
        d.code = kDLBfloat;
    else if (t == DT_BOOL || dtype_is_unsigned(t))
        d.code = kDLUInt;
    else if (!dtype_is_float(t))
        d.code = kDLInt;
    return d;
}

static inline int64_t tt_numel(const TT *a)
{
    int64_t n = 1;
    for (int32_t d = 0; d < a->t.ndim; d++)
        n *= a->shape[d];
    return n;
}

/* A tensor of dtype dt and shape (rank dims); strided: not contiguous. */
static inline TT *tt_new(DType dt, int32_t rank, const int64_t *shape, bool strided)
{
    TT *a = calloc(1, sizeof *a);
    a->dt = dt;
    int64_t stride = 1;
    for (int32_t d = rank - 1; d >= 0; d--) {
        a->shape[d] = shape[d];
        a->strides[d] = stride;
        stride *= shape[d] + (strided ? 1 : 0);
    }
    a->buf = calloc((size_t)(stride ? stride : 1) + 1, dtype_size(dt));
    a->t.data = a->buf;
    a->t.device = (DLDevice){kDLCPU, 0};
    a->t.ndim = rank;
    a->t.dtype = tt_dl(dt);
    a->t.shape = a->shape;
    a->t.strides = a->strides;
    return a;
}

static inline void tt_free(TT *a)
{
    if (a)
        free(a->buf);
    free(a);
}

static inline char *tt_at(const TT *a, int64_t i)
{
    int64_t off = 0;
    for (int32_t d = a->t.ndim - 1; d >= 0; d--) {
        off += (i % a->shape[d]) * a->strides[d];
        i /= a->shape[d];
    }
    return (char *)a->buf + off * (int64_t)dtype_size(a->dt);
}

/* Element i (row-major) as a double. */
static inline double tt_get(const TT *a, int64_t i)
{
    const char *p = tt_at(a, i);
    switch (a->dt) {
    case DT_F32: return *(const float *)p;
    case DT_F64: return *(const double *)p;
    case DT_F16: return f16_to_f32(*(const uint16_t *)p);
    case DT_BF16: return bf16_to_f32(*(const uint16_t *)p);
    case DT_I8: return *(const int8_t *)p;
    case DT_I16: return *(const int16_t *)p;
    case DT_I32: return *(const int32_t *)p;
    case DT_I64: return (double)*(const int64_t *)p;
    case DT_U8: case DT_BOOL: return *(const uint8_t *)p;
    default: return NAN;
    }
}

static inline void tt_set(TT *a, int64_t i, double v)
{
    char *p = tt_at(a, i);
    switch (a->dt) {
    case DT_F32: *(float *)p = (float)v; break;
    case DT_F64: *(double *)p = v; break;
    case DT_F16: *(uint16_t *)p = f32_to_f16((float)v); break;
    case DT_BF16: *(uint16_t *)p = f32_to_bf16((float)v); break;
    case DT_I8: *(int8_t *)p = (int8_t)v; break;
    case DT_I16: *(int16_t *)p = (int16_t)v; break;
    case DT_I32: *(int32_t *)p = (int32_t)v; break;
    case DT_I64: *(int64_t *)p = (int64_t)v; break;
    case DT_U8: *(uint8_t *)p = (uint8_t)v; break;
    case DT_BOOL: *(uint8_t *)p = v != 0; break;
    default: break;
    }
}

static uint64_t tt_rand_state = 12345;
static inline double tt_uniform(void)
{
    tt_rand_state = tt_rand_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(tt_rand_state >> 11) / 9007199254740992.0;
}

/* Random contents: floats in [-1, 1), integers in [-5, 5] (bool 0/1, u8 0..9). */
static inline TT *tt_rand(DType dt, int32_t rank, const int64_t *shape, bool strided)
{
    TT *a = tt_new(dt, rank, shape, strided);
    for (int64_t i = 0, n = tt_numel(a); i < n; i++) {
        double u = tt_uniform();
        tt_set(a, i, dtype_is_float(dt) ? 2 * u - 1 : dt == DT_BOOL ? u < 0.5 : dt == DT_U8 ? floor(u * 10) : floor(u * 11) - 5);
    }
    return a;
}

/* Tolerance for dtype dt on values of magnitude about `scale`. */
static inline double tt_tol(DType dt, double scale)
{
    double rel = dt == DT_F64 ? 1e-12 : dt == DT_F32 ? 2e-5 : dt == DT_F16 ? 4e-3 : dt == DT_BF16 ? 2e-2 : 0;
    return rel * (scale > 1 ? scale : 1);
}

/* Asserts a equals ref (numel doubles) within tt_tol(scale); names the case. */
static inline void tt_check(const TT *a, const double *ref, double scale, const char *what)
{
    int64_t n = tt_numel(a);
    for (int64_t i = 0; i < n; i++) {
        double got = tt_get(a, i), want = ref[i];
        /* f16/bf16 outputs are rounded once more when stored */
        double tol = tt_tol(a->dt, scale) + (dtype_is_float(a->dt) ? tt_tol(a->dt, fabs(want)) : 0);
        bool ok = (isnan(got) && isnan(want)) || got == want || fabs(got - want) <= tol;
        cr_assert(ok, "%s (%s): element %lld is %.9g, want %.9g (tolerance %.3g)", what, dtype_name(a->dt),
                  (long long)i, got, want, tol);
    }
}

/* Attributes: tt_int("axis", 1), tt_ints("pads", n, values), ... */
static inline tk_attr tt_int(const char *name, int64_t v) { return (tk_attr){.name = name, .kind = TK_ATTR_INT, .i = v}; }
static inline tk_attr tt_float(const char *name, double v)
{
    return (tk_attr){.name = name, .kind = TK_ATTR_FLOAT, .f = v};
}
static inline tk_attr tt_str(const char *name, const char *s)
{
    return (tk_attr){.name = name, .kind = TK_ATTR_STRING, .s = s};
}
static inline tk_attr tt_ints(const char *name, size_t n, const int64_t *v)
{
    return (tk_attr){.name = name, .kind = TK_ATTR_INTS, .ints = v, .n = n};
}

static inline tk_context *tt_ctx(void)
{
    static tk_context *ctx;
    if (!ctx) {
        tk_options o = {.target = TK_TARGET_CPU};
        cr_assert_eq(tk_context_create(&o, &ctx), TK_OK);
    }
    return ctx;
}

/* Runs operator name on inputs (NULL for an absent optional one); makes
 * outputs (strided when out_strided) of the shapes the operator gives.
 * Returns the status; on failure *err holds the message. */
static inline tk_status tt_run(const char *name, const tk_attr *attrs, size_t nattrs, TT *const *in, size_t nin,
                               TT **out, size_t nout, bool out_strided, char *err, size_t errlen)
{
    tk_op *op = NULL;
    tk_status st = tk_op_create(tt_ctx(), name, attrs, nattrs, &op);
    const DLTensor *ins[8] = {0};
    for (size_t i = 0; i < nin; i++)
        ins[i] = in[i] ? &in[i]->t : NULL;
    int32_t ranks[8];
    int64_t shapes[8 * TK_MAX_RANK];
    DLDataType dts[8];
    if (st == TK_OK)
        st = tk_op_output_shapes(op, ins, nin, ranks, shapes, dts);
    DLTensor *outs[8] = {0};
    if (st == TK_OK)
        for (size_t j = 0; j < nout; j++) {
            DType dt = DT_F32;
            for (int t = 1; t < DT_GENERIC; t++)
                if (tt_dl((DType)t).code == dts[j].code && tt_dl((DType)t).bits == dts[j].bits)
                    dt = (DType)t;
            if (dts[j].code == kDLUInt && dts[j].bits == 8)
                dt = out[j] ? out[j]->dt : DT_U8; /* bool and u8 share a code: keep the caller's */
            tt_free(out[j]);
            out[j] = tt_new(dt, ranks[j], &shapes[j * TK_MAX_RANK], out_strided);
            outs[j] = &out[j]->t;
        }
    if (st == TK_OK)
        st = tk_op_launch(op, ins, nin, outs, nout);
    if (st != TK_OK && err)
        snprintf(err, errlen, "%s", tk_last_error());
    tk_op_destroy(op);
    return st;
}

/* tt_run that must succeed. */
static inline void tt_ok(const char *name, const tk_attr *attrs, size_t nattrs, TT *const *in, size_t nin, TT **out,
                         size_t nout, bool out_strided)
{
    char err[1024] = "";
    tk_status st = tt_run(name, attrs, nattrs, in, nin, out, nout, out_strided, err, sizeof err);
    cr_assert_eq(st, TK_OK, "%s: %s", name, err);
}

/* tt_run that must fail with a message containing `want`. */
static inline void tt_fails(const char *name, const tk_attr *attrs, size_t nattrs, TT *const *in, size_t nin,
                            size_t nout, const char *want)
{
    TT *out[8] = {0};
    char err[1024] = "";
    tk_status st = tt_run(name, attrs, nattrs, in, nin, out, nout, false, err, sizeof err);
    cr_assert_neq(st, TK_OK, "%s should fail with '%s'", name, want);
    cr_assert(strstr(err, want), "%s: message '%s' does not say '%s'", name, err, want);
    for (size_t j = 0; j < nout; j++)
        tt_free(out[j]);
}

/* Shape literal: S(2, 3, 4) */
#define S(...) ((const int64_t[]){__VA_ARGS__})
#define NDIM(...) ((int32_t)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))

#endif
