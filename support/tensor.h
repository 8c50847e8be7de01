/* Tensor helpers around DLPack's DLTensor (DESIGN §3 "Kernel ABI"): dtype
 * mapping, sizes, strides, element offsets, and views to and from NpyArray. */
#ifndef TK_TENSOR_H
#define TK_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#include "support/dtype.h"

/* Highest rank a tensor may have anywhere in TK (launch, .npy, interpreter). */
#define TK_MAX_RANK 8

struct NpyArray;

/* DType <-> DLDataType. f16 = (kDLFloat, 16), bf16 = (kDLBfloat, 16).
 * bool: DLPack 0.6 has no kDLBool, so bool is sent as (kDLUInt, 8) and a
 * (kDLUInt, 8) tensor reads back as u8; with DLPack >= 0.8 kDLBool is used.
 * tensor_dtype_to_dl is false for DT_ERROR/DT_GENERIC; tensor_dtype_from_dl
 * gives DT_ERROR for anything TK has no type for (lanes != 1 included). */
bool        tensor_dtype_to_dl(DType t, DLDataType *out);
DType       tensor_dtype_from_dl(DLDataType d);
/* Whether a tensor coded `d` may be passed where `t` is declared: equality,
 * plus (kDLUInt, 8) for bool while DLPack has no bool code. */
bool        tensor_dl_matches(DLDataType d, DType t);

/* Element size in bytes and the source-level name ("f32"); 0 / "?" for
 * DT_ERROR and DT_GENERIC. Own tables: tk_support does not link tk_lang. */
size_t      tensor_elem_size(DType t);
const char *tensor_dtype_name(DType t);

/* Product of the dims; false if ndim is outside 0..TK_MAX_RANK, a dim is
 * negative, or the product (or product * elem_size for nbytes) overflows
 * int64_t / size_t. A 0-d tensor has one element. */
bool tensor_numel(int32_t ndim, const int64_t *shape, int64_t *out);
bool tensor_nbytes(DType t, int32_t ndim, const int64_t *shape, size_t *out);

/* Row-major (C) and column-major (Fortran) strides in elements. Dims of
 * size 0 are treated as 1 so strides stay positive and distinct. */
void tensor_contiguous_strides(int32_t ndim, const int64_t *shape, int64_t *strides);
void tensor_fortran_strides(int32_t ndim, const int64_t *shape, int64_t *strides);
/* Whether (shape, strides) is C-contiguous; NULL strides count as compact.
 * Dims of extent 1 may have any stride, as in NumPy and DLPack. */
bool tensor_is_contiguous(int32_t ndim, const int64_t *shape, const int64_t *strides);

/* Byte offset from t->data of the element at `index` (ndim entries),
 * honouring t->byte_offset and NULL strides (compact row-major). False if
 * an index is out of range, the dtype is unknown, or the offset overflows. */
bool tensor_elem_offset(const DLTensor *t, const int64_t *index, int64_t *byte_off);

/* Checks what a launch needs of a CPU tensor: ndim in 0..TK_MAX_RANK,
 * non-NULL shape, dims >= 0, a TK dtype with lanes 1, data non-NULL when the
 * tensor has elements, device kDLCPU. On failure writes a one-line reason
 * to err ("rank 9 exceeds the maximum of 8"). */
bool tensor_validate(const DLTensor *t, char *err, size_t errlen);

/* Views, no copies: the DLTensor borrows a's data, shape and strides
 * (keep `a` alive and in place); the NpyArray borrows t's data (its alloc
 * is NULL, so npy_free does not free it) and copies shape and strides,
 * filling compact strides when t->strides is NULL and folding byte_offset
 * into data. tensor_to_npy fails (with a message) when tensor_validate does. */
void tensor_from_npy(struct NpyArray *a, DLTensor *t);
bool tensor_to_npy(const DLTensor *t, struct NpyArray *a, char *err, size_t errlen);

/* "f32[3, 4]" ("f32" for 0-d) into buf, truncated to len; returns buf. */
char *tensor_describe(DType t, int32_t ndim, const int64_t *shape, char *buf, size_t len);
/* Same for a DLTensor; an unmapped dtype prints as "dl(code=5, bits=64, lanes=1)". */
char *tensor_describe_dl(const DLTensor *t, char *buf, size_t len);

#endif
