/* DLTensor helpers: dtype mapping, sizes, strides, element offsets, views
 * to and from NpyArray, and "f32[3, 4]" descriptions. */
#include "support/tensor.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "support/npy.h"

/* kDLBool arrived in DLPack 0.8 (code 6); 0.6 sends bool as uint8. */
#if DLPACK_VERSION >= 80
#define TK_DL_BOOL_CODE kDLBool
#else
#define TK_DL_BOOL_CODE kDLUInt
#endif

typedef struct DtInfo {
    const char *name;
    uint8_t     size;
    uint8_t     dlcode;
} DtInfo;

/* DLPack type code from support/dtype.h's columns (is_float, is_signed). */
#define DLCODE(e, f, sg)                                                   \
    (DT_##e == DT_BOOL ? TK_DL_BOOL_CODE : DT_##e == DT_BF16 ? kDLBfloat \
     : (f) ? kDLFloat : (sg) ? kDLInt : kDLUInt)

static const DtInfo *info(DType t)
{
    /* Built from support/dtype.h's X-macro, so the two cannot disagree. */
    static const DtInfo tab[DT__COUNT] = {
#define X(e, n, s, f, sg) [DT_##e] = {n, s, DLCODE(e, f, sg)},
        TK_DTYPES(X)
#undef X
    };
    if ((int)t <= (int)DT_ERROR || (int)t >= (int)DT__COUNT || !tab[t].name)
        return NULL;
    return &tab[t];
}

size_t tensor_elem_size(DType t)
{
    const DtInfo *i = info(t);
    return i ? i->size : 0;
}

const char *tensor_dtype_name(DType t)
{
    const DtInfo *i = info(t);
    return i ? i->name : "?";
}

bool tensor_dtype_to_dl(DType t, DLDataType *out)
{
    const DtInfo *i = info(t);
    if (!i)
        return false;
    out->code = i->dlcode;
    out->bits = (uint8_t)(i->size * 8);
    out->lanes = 1;
    return true;
}

DType tensor_dtype_from_dl(DLDataType d)
{
    if (d.lanes != 1)
        return DT_ERROR;
    /* Scan the table; the first match wins, so (kDLUInt, 8) is u8, not bool. */
    static const DType order[] = {DT_U8, DT_U16, DT_U32, DT_U64, DT_I8, DT_I16, DT_I32, DT_I64,
                                  DT_F16, DT_BF16, DT_F32, DT_F64, DT_BOOL};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        const DtInfo *i = info(order[k]);
        if (i->dlcode == d.code && i->size * 8 == d.bits)
            return order[k];
    }
    return DT_ERROR;
}

bool tensor_dl_matches(DLDataType d, DType t)
{
    DLDataType want;
    if (!tensor_dtype_to_dl(t, &want))
        return false;
    return d.code == want.code && d.bits == want.bits && d.lanes == want.lanes;
}

bool tensor_numel(int32_t ndim, const int64_t *shape, int64_t *out)
{
    if (ndim < 0 || ndim > TK_MAX_RANK)
        return false;
    int64_t n = 1;
    bool zero = false;
    for (int32_t k = 0; k < ndim; k++) {
        if (shape[k] < 0)
            return false;
        if (shape[k] == 0)
            zero = true;
    }
    /* A zero dim makes the product 0 whatever the others are, but a huge
     * shape is still refused: every later size computation must be safe. */
    for (int32_t k = 0; k < ndim; k++) {
        int64_t d = shape[k] ? shape[k] : 1;
        if (n > INT64_MAX / d)
            return false;
        n *= d;
    }
    *out = zero ? 0 : n;
    return true;
}

bool tensor_nbytes(DType t, int32_t ndim, const int64_t *shape, size_t *out)
{
    size_t es = tensor_elem_size(t);
    int64_t n;
    if (!es || !tensor_numel(ndim, shape, &n))
        return false;
    if ((uint64_t)n > SIZE_MAX / es || (uint64_t)n > (uint64_t)INT64_MAX / es)
        return false;
    *out = (size_t)n * es;
    return true;
}

void tensor_contiguous_strides(int32_t ndim, const int64_t *shape, int64_t *strides)
{
    int64_t s = 1;
    for (int32_t k = ndim - 1; k >= 0; k--) {
        strides[k] = s;
        s *= shape[k] > 1 ? shape[k] : 1;
    }
}

void tensor_fortran_strides(int32_t ndim, const int64_t *shape, int64_t *strides)
{
    int64_t s = 1;
    for (int32_t k = 0; k < ndim; k++) {
        strides[k] = s;
        s *= shape[k] > 1 ? shape[k] : 1;
    }
}

bool tensor_is_contiguous(int32_t ndim, const int64_t *shape, const int64_t *strides)
{
    if (!strides)
        return true;
    int64_t s = 1;
    for (int32_t k = ndim - 1; k >= 0; k--) {
        if (shape[k] == 0)
            return true;
        if (shape[k] != 1 && strides[k] != s)
            return false;
        s *= shape[k];
    }
    return true;
}

bool tensor_elem_offset(const DLTensor *t, const int64_t *index, int64_t *byte_off)
{
    DType dt = tensor_dtype_from_dl(t->dtype);
    if (dt == DT_ERROR || t->ndim < 0 || t->ndim > TK_MAX_RANK)
        return false;
    int64_t es = (int64_t)tensor_elem_size(dt);
    int64_t strides[TK_MAX_RANK];
    if (t->strides)
        memcpy(strides, t->strides, sizeof strides[0] * (size_t)t->ndim);
    else
        tensor_contiguous_strides(t->ndim, t->shape, strides);
    if (t->byte_offset > (uint64_t)INT64_MAX)
        return false;
    int64_t off = (int64_t)t->byte_offset;
    for (int k = 0; k < t->ndim; k++) {
        if (index[k] < 0 || index[k] >= t->shape[k])
            return false;
        int64_t term;
        if (__builtin_mul_overflow(index[k], strides[k], &term) ||
            __builtin_mul_overflow(term, es, &term) ||
            __builtin_add_overflow(off, term, &off))
            return false;
    }
    *byte_off = off;
    return true;
}

__attribute__((format(printf, 3, 4)))
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

bool tensor_validate(const DLTensor *t, char *err, size_t errlen)
{
    if (t->ndim < 0 || t->ndim > TK_MAX_RANK)
        return fail(err, errlen, "rank %d is outside 0..%d", t->ndim, TK_MAX_RANK);
    if (t->ndim > 0 && !t->shape)
        return fail(err, errlen, "rank %d tensor has no shape", t->ndim);
    if (t->device.device_type != kDLCPU)
        return fail(err, errlen, "tensor is on device type %d, expected kDLCPU (%d)",
                    (int)t->device.device_type, (int)kDLCPU);
    if (tensor_dtype_from_dl(t->dtype) == DT_ERROR)
        return fail(err, errlen, "unsupported element type dl(code=%u, bits=%u, lanes=%u)",
                    t->dtype.code, t->dtype.bits, t->dtype.lanes);
    for (int k = 0; k < t->ndim; k++)
        if (t->shape[k] < 0)
            return fail(err, errlen, "dimension %d is negative (%lld)", k, (long long)t->shape[k]);
    size_t nbytes;
    if (!tensor_nbytes(tensor_dtype_from_dl(t->dtype), t->ndim, t->shape, &nbytes))
        return fail(err, errlen, "shape of %s is too large: its size overflows",
                    tensor_describe_dl(t, (char[96]){0}, 96));
    if (nbytes && !t->data)
        return fail(err, errlen, "tensor of %zu bytes has a NULL data pointer", nbytes);
    return true;
}

void tensor_from_npy(NpyArray *a, DLTensor *t)
{
    memset(t, 0, sizeof *t);
    t->data = a->data;
    t->device.device_type = kDLCPU;
    t->device.device_id = 0;
    t->ndim = a->ndim;
    tensor_dtype_to_dl(a->dtype, &t->dtype);
    t->shape = a->shape;
    t->strides = a->strides;
    t->byte_offset = 0;
}

bool tensor_to_npy(const DLTensor *t, NpyArray *a, char *err, size_t errlen)
{
    if (!tensor_validate(t, err, errlen))
        return false;
    memset(a, 0, sizeof *a);
    a->dtype = tensor_dtype_from_dl(t->dtype);
    a->ndim = t->ndim;
    for (int k = 0; k < t->ndim; k++)
        a->shape[k] = t->shape[k];
    if (t->strides)
        memcpy(a->strides, t->strides, sizeof a->strides[0] * (size_t)t->ndim);
    else
        tensor_contiguous_strides(t->ndim, t->shape, a->strides);
    a->data = t->data ? (char *)t->data + t->byte_offset : NULL;
    tensor_nbytes(a->dtype, a->ndim, a->shape, &a->nbytes);
    a->fortran = false;
    a->alloc = NULL;
    return true;
}

char *tensor_describe(DType t, int32_t ndim, const int64_t *shape, char *buf, size_t len)
{
    if (!len)
        return buf;
    size_t at = (size_t)snprintf(buf, len, "%s", tensor_dtype_name(t));
    if (ndim > TK_MAX_RANK)
        ndim = TK_MAX_RANK;
    for (int32_t k = 0; k < ndim && at < len; k++)
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", k ? ", " : "[", (long long)shape[k]);
    if (ndim > 0 && at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}

char *tensor_describe_dl(const DLTensor *t, char *buf, size_t len)
{
    DType dt = tensor_dtype_from_dl(t->dtype);
    if (dt != DT_ERROR || !len)
        return tensor_describe(dt, t->shape ? t->ndim : 0, t->shape, buf, len);
    size_t at = (size_t)snprintf(buf, len, "dl(code=%u, bits=%u, lanes=%u)", t->dtype.code,
                                 t->dtype.bits, t->dtype.lanes);
    int32_t ndim = t->shape ? (t->ndim > TK_MAX_RANK ? TK_MAX_RANK : t->ndim) : 0;
    for (int32_t k = 0; k < ndim && at < len; k++)
        at += (size_t)snprintf(buf + at, len - at, "%s%lld", k ? ", " : "[", (long long)t->shape[k]);
    if (ndim > 0 && at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}
