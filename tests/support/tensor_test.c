/* DLPack helpers: dtype mapping, sizes with overflow checks, strides, element
 * offsets, validation messages, NpyArray views and descriptions. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support/npy.h"
#include "support/tensor.h"

static const DType ALL[] = {DT_BOOL, DT_I8, DT_I16, DT_I32, DT_I64, DT_U8, DT_U16, DT_U32, DT_U64, DT_F16, DT_BF16, DT_F32, DT_F64};

Test(tensor, dtype_mapping)
{
    static const struct { DType t; uint8_t code, bits; const char *name; size_t size; } want[] = {
        {DT_BOOL, kDLUInt, 8, "bool", 1},   {DT_I8, kDLInt, 8, "i8", 1},
        {DT_I16, kDLInt, 16, "i16", 2},     {DT_I32, kDLInt, 32, "i32", 4},
        {DT_I64, kDLInt, 64, "i64", 8},     {DT_U8, kDLUInt, 8, "u8", 1},
        {DT_F16, kDLFloat, 16, "f16", 2},   {DT_BF16, kDLBfloat, 16, "bf16", 2},
        {DT_F32, kDLFloat, 32, "f32", 4},   {DT_F64, kDLFloat, 64, "f64", 8},
        {DT_U16, kDLUInt, 16, "u16", 2},    {DT_U32, kDLUInt, 32, "u32", 4},
        {DT_U64, kDLUInt, 64, "u64", 8},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        DLDataType d;
        cr_assert(tensor_dtype_to_dl(want[i].t, &d));
#if DLPACK_VERSION < 80
        cr_assert_eq(d.code, want[i].code, "%s", want[i].name);
#endif
        cr_assert_eq(d.bits, want[i].bits);
        cr_assert_eq(d.lanes, 1);
        cr_assert_str_eq(tensor_dtype_name(want[i].t), want[i].name);
        cr_assert_eq(tensor_elem_size(want[i].t), want[i].size);
        cr_assert(tensor_dl_matches(d, want[i].t));
        DType back = tensor_dtype_from_dl(d);
        if (want[i].t == DT_BOOL && DLPACK_VERSION < 80)
            cr_assert_eq(back, DT_U8, "DLPack 0.6 has no bool: it reads back as u8");
        else
            cr_assert_eq(back, want[i].t, "%s", want[i].name);
    }
    DLDataType d;
    cr_assert_not(tensor_dtype_to_dl(DT_ERROR, &d));
    cr_assert_not(tensor_dtype_to_dl(DT_GENERIC, &d));
    cr_assert_not(tensor_dtype_to_dl((DType)999, &d));
    cr_assert_eq(tensor_elem_size(DT_GENERIC), 0);
    cr_assert_str_eq(tensor_dtype_name(DT_ERROR), "?");
    cr_assert_eq(tensor_dtype_from_dl((DLDataType){kDLComplex, 64, 1}), DT_ERROR);
    cr_assert_eq(tensor_dtype_from_dl((DLDataType){kDLFloat, 32, 4}), DT_ERROR);
    cr_assert_eq(tensor_dtype_from_dl((DLDataType){kDLUInt, 128, 1}), DT_ERROR);
    cr_assert_eq(tensor_dtype_from_dl((DLDataType){kDLBfloat, 32, 1}), DT_ERROR);
    /* A u8-coded tensor may be passed for a bool parameter; not the reverse mismatch. */
    cr_assert(tensor_dl_matches((DLDataType){kDLUInt, 8, 1}, DT_BOOL) == (DLPACK_VERSION < 80));
    cr_assert_not(tensor_dl_matches((DLDataType){kDLInt, 8, 1}, DT_BOOL));
    cr_assert_not(tensor_dl_matches((DLDataType){kDLFloat, 32, 2}, DT_F32));
    cr_assert_not(tensor_dl_matches((DLDataType){kDLFloat, 16, 1}, DT_BF16));
}

Test(tensor, numel_and_nbytes)
{
    int64_t n;
    size_t b;
    cr_assert(tensor_numel(0, NULL, &n));
    cr_assert_eq(n, 1);
    int64_t s1[3] = {2, 3, 4};
    cr_assert(tensor_numel(3, s1, &n));
    cr_assert_eq(n, 24);
    cr_assert(tensor_nbytes(DT_F64, 3, s1, &b));
    cr_assert_eq(b, 192);
    int64_t z[3] = {2, 0, 4};
    cr_assert(tensor_numel(3, z, &n));
    cr_assert_eq(n, 0);
    cr_assert(tensor_nbytes(DT_F32, 3, z, &b));
    cr_assert_eq(b, 0);
    int64_t neg[2] = {2, -1};
    cr_assert_not(tensor_numel(2, neg, &n));
    int64_t big[2] = {INT64_C(1) << 32, INT64_C(1) << 30};
    cr_assert(tensor_numel(2, big, &n));
    cr_assert_eq(n, INT64_C(1) << 62);
    cr_assert_not(tensor_nbytes(DT_F32, 2, big, &b), "2^62 elements of 4 bytes overflow");
    int64_t over[2] = {INT64_C(1) << 32, INT64_C(1) << 32};
    cr_assert_not(tensor_numel(2, over, &n));
    int64_t zover[3] = {0, INT64_C(1) << 32, INT64_C(1) << 32};
    cr_assert_not(tensor_numel(3, zover, &n), "huge shapes are refused even when empty");
    int64_t r9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    cr_assert_not(tensor_numel(9, r9, &n));
    cr_assert(tensor_numel(8, r9, &n));
    cr_assert_not(tensor_numel(-1, r9, &n));
    cr_assert_not(tensor_nbytes(DT_GENERIC, 1, s1, &b));
    int64_t edge = INT64_MAX;
    cr_assert(tensor_numel(1, &edge, &n));
    cr_assert_eq(n, INT64_MAX);
    cr_assert(tensor_nbytes(DT_I8, 1, &edge, &b));
    cr_assert_eq(b, (size_t)INT64_MAX);
    cr_assert_not(tensor_nbytes(DT_I16, 1, &edge, &b));
}

Test(tensor, strides)
{
    int64_t s[4] = {2, 3, 4, 5}, st[4];
    tensor_contiguous_strides(4, s, st);
    cr_assert(st[0] == 60 && st[1] == 20 && st[2] == 5 && st[3] == 1);
    tensor_fortran_strides(4, s, st);
    cr_assert(st[0] == 1 && st[1] == 2 && st[2] == 6 && st[3] == 24);
    int64_t z[3] = {2, 0, 3};
    tensor_contiguous_strides(3, z, st);
    cr_assert(st[0] == 3 && st[1] == 3 && st[2] == 1);
    cr_assert(tensor_is_contiguous(4, s, NULL));
    int64_t c[4] = {60, 20, 5, 1};
    cr_assert(tensor_is_contiguous(4, s, c));
    int64_t f[4] = {1, 2, 6, 24};
    cr_assert_not(tensor_is_contiguous(4, s, f));
    int64_t u[3] = {2, 1, 3}, us[3] = {3, 77, 1};
    cr_assert(tensor_is_contiguous(3, u, us), "unit dims may have any stride");
    int64_t zs[3] = {99, 1, 1};
    cr_assert(tensor_is_contiguous(3, z, zs), "an empty tensor is contiguous");
    cr_assert(tensor_is_contiguous(0, NULL, st));
}

Test(tensor, elem_offset)
{
    float buf[24];
    int64_t shape[2] = {4, 6};
    DLTensor t = {.data = buf, .device = {kDLCPU, 0}, .ndim = 2, .dtype = {kDLFloat, 32, 1},
                  .shape = shape, .strides = NULL, .byte_offset = 0};
    int64_t idx[2] = {2, 5}, off;
    cr_assert(tensor_elem_offset(&t, idx, &off));
    cr_assert_eq(off, (2 * 6 + 5) * 4);
    int64_t strides[2] = {1, 4};
    t.strides = strides;
    t.byte_offset = 8;
    cr_assert(tensor_elem_offset(&t, idx, &off));
    cr_assert_eq(off, 8 + (2 + 5 * 4) * 4);
    int64_t neg[2] = {-6, -1};
    t.strides = neg;
    t.byte_offset = 23 * 4;
    int64_t last[2] = {3, 5};
    cr_assert(tensor_elem_offset(&t, last, &off));
    cr_assert_eq(off, 0);
    int64_t out[2] = {4, 0};
    cr_assert_not(tensor_elem_offset(&t, out, &off));
    int64_t negi[2] = {0, -1};
    cr_assert_not(tensor_elem_offset(&t, negi, &off));
    int64_t huge[2] = {INT64_MAX / 2, 1};
    t.strides = huge;
    int64_t one[2] = {1, 0};
    cr_assert_not(tensor_elem_offset(&t, one, &off), "offset overflow is refused");
    t.strides = NULL;
    t.dtype = (DLDataType){kDLComplex, 64, 1};
    cr_assert_not(tensor_elem_offset(&t, idx, &off));
    DLTensor s0 = {.data = buf, .device = {kDLCPU, 0}, .ndim = 0, .dtype = {kDLInt, 64, 1}, .byte_offset = 16};
    cr_assert(tensor_elem_offset(&s0, NULL, &off));
    cr_assert_eq(off, 16);
}

Test(tensor, validate_messages)
{
    float buf[4];
    int64_t shape[2] = {2, 2};
    DLTensor t = {.data = buf, .device = {kDLCPU, 0}, .ndim = 2, .dtype = {kDLFloat, 32, 1}, .shape = shape};
    char err[256];
    cr_assert(tensor_validate(&t, err, sizeof err));
    t.ndim = 9;
    cr_assert_not(tensor_validate(&t, err, sizeof err));
    cr_assert_str_eq(err, "rank 9 is outside 0..8");
    t.ndim = 2;
    t.shape = NULL;
    cr_assert_not(tensor_validate(&t, err, sizeof err));
    cr_assert_str_eq(err, "rank 2 tensor has no shape");
    t.shape = shape;
    t.device.device_type = kDLCUDA;
    cr_assert_not(tensor_validate(&t, err, sizeof err));
    cr_assert_str_eq(err, "tensor is on device type 2, expected kDLCPU (1)");
    t.device.device_type = kDLCPU;
    t.dtype = (DLDataType){kDLFloat, 32, 4};
    cr_assert_not(tensor_validate(&t, err, sizeof err));
    cr_assert_str_eq(err, "unsupported element type dl(code=2, bits=32, lanes=4)");
    t.dtype = (DLDataType){kDLFloat, 32, 1};
    shape[1] = -2;
    cr_assert_not(tensor_validate(&t, err, sizeof err));
    cr_assert_str_eq(err, "dimension 1 is negative (-2)");
    shape[0] = shape[1] = INT64_C(1) << 40;
    cr_assert_not(tensor_validate(&t, err, sizeof err));
    cr_assert_str_eq(err, "shape of f32[1099511627776, 1099511627776] is too large: its size overflows");
    shape[0] = shape[1] = 2;
    t.data = NULL;
    cr_assert_not(tensor_validate(&t, err, sizeof err));
    cr_assert_str_eq(err, "tensor of 16 bytes has a NULL data pointer");
    shape[0] = 0;
    cr_assert(tensor_validate(&t, err, sizeof err), "an empty tensor needs no data");
}

Test(tensor, npy_views)
{
    char err[256];
    unsigned char file[256];
    size_t len;
    int64_t shape[2] = {2, 3};
    int32_t d[6] = {1, 2, 3, 4, 5, 6};
    cr_assert(npy_write_mem(file, sizeof file, &len, DT_I32, 2, shape, NULL, d, err, sizeof err));
    NpyArray a;
    cr_assert(npy_read_mem(file, len, &a, err, sizeof err));
    DLTensor t;
    tensor_from_npy(&a, &t);
    cr_assert_eq(t.data, a.data);
    cr_assert_eq(t.ndim, 2);
    cr_assert_eq(t.shape, a.shape);
    cr_assert_eq(t.strides, a.strides);
    cr_assert_eq(t.byte_offset, 0);
    cr_assert_eq(t.device.device_type, kDLCPU);
    cr_assert(tensor_dl_matches(t.dtype, DT_I32));
    cr_assert(tensor_validate(&t, err, sizeof err));

    /* Back: a borrowed view, byte_offset folded in, compact strides filled. */
    t.strides = NULL;
    t.byte_offset = 4;
    int64_t one[1] = {5};
    t.shape = one;
    t.ndim = 1;
    NpyArray v;
    cr_assert(tensor_to_npy(&t, &v, err, sizeof err));
    cr_assert_eq(v.dtype, DT_I32);
    cr_assert_eq(v.ndim, 1);
    cr_assert_eq(v.shape[0], 5);
    cr_assert_eq(v.strides[0], 1);
    cr_assert_eq(v.nbytes, 20);
    cr_assert_null(v.alloc);
    cr_assert_eq(((int32_t *)v.data)[0], 2);
    npy_free(&v); /* frees nothing: a view */
    npy_free(&a);

    DLTensor bad = {.data = d, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLComplex, 64, 1}, .shape = one};
    cr_assert_not(tensor_to_npy(&bad, &v, err, sizeof err));
    cr_assert_str_eq(err, "unsupported element type dl(code=5, bits=64, lanes=1)");
}

Test(tensor, describe)
{
    char buf[128];
    int64_t s[3] = {3, 4, 0};
    cr_assert_str_eq(tensor_describe(DT_F32, 2, s, buf, sizeof buf), "f32[3, 4]");
    cr_assert_str_eq(tensor_describe(DT_BF16, 3, s, buf, sizeof buf), "bf16[3, 4, 0]");
    cr_assert_str_eq(tensor_describe(DT_I64, 0, NULL, buf, sizeof buf), "i64");
    char tiny[6];
    cr_assert_str_eq(tensor_describe(DT_BOOL, 3, s, tiny, sizeof tiny), "bool[");
    for (size_t n = 1; n < 12; n++) {
        char *cut = malloc(n);
        tensor_describe(DT_F64, 3, s, cut, n);
        cr_assert_lt(strlen(cut), n);
        free(cut);
    }
    DLTensor t = {.data = NULL, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLComplex, 64, 1}, .shape = s};
    cr_assert_str_eq(tensor_describe_dl(&t, buf, sizeof buf), "dl(code=5, bits=64, lanes=1)[3]");
    t.dtype = (DLDataType){kDLFloat, 16, 1};
    t.ndim = 2;
    cr_assert_str_eq(tensor_describe_dl(&t, buf, sizeof buf), "f16[3, 4]");
    for (size_t i = 0; i < sizeof ALL / sizeof ALL[0]; i++)
        cr_assert_str_eq(tensor_describe(ALL[i], 0, NULL, buf, sizeof buf), tensor_dtype_name(ALL[i]));
}
