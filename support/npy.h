/* NumPy .npy files (format versions 1.0, 2.0, 3.0) read into and written from
 * TK tensors; docs/npy.md lists the accepted files and every error message. */
#ifndef TK_NPY_H
#define TK_NPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "support/dtype.h"
#include "support/tensor.h"

typedef struct NpyArray {
    DType   dtype;
    int32_t ndim;
    int64_t shape[TK_MAX_RANK];
    int64_t strides[TK_MAX_RANK]; /* in elements; column-major if fortran */
    void   *data;                 /* nbytes of little-endian elements */
    size_t  nbytes;               /* numel * element size (0 for zero-size) */
    bool    fortran;              /* the file was in Fortran order */
    void   *alloc;                /* what npy_free frees; NULL for a view */
} NpyArray;

/* Reads a .npy file. `want` is the dtype the caller needs, or DT_ERROR to
 * take whatever the file holds. With a want other than DT_ERROR, a file of
 * another dtype is an error, except that bf16 also accepts raw 2-byte data
 * ('<u2', '<V2', '|V2'). Big-endian files are converted. On success `out`
 * owns a malloc'ed buffer (non-NULL even when empty); release it with
 * npy_free. On failure `out` holds nothing to free and err gets one line,
 * "path: problem". */
bool npy_read_as(const char *path, DType want, NpyArray *out, char *err, size_t errlen);
bool npy_read(const char *path, NpyArray *out, char *err, size_t errlen);
/* Same from memory; `name` prefixes messages (NULL: "<memory>"). The data is
 * copied, so buf may be released afterwards. */
bool npy_read_mem_as(const char *name, const void *buf, size_t len, DType want, NpyArray *out,
                     char *err, size_t errlen);
bool npy_read_mem(const void *buf, size_t len, NpyArray *out, char *err, size_t errlen);
void npy_free(NpyArray *a);

/* Writes a version 1.0 file in C order from any strided source (strides in
 * elements, may be negative; NULL means C-contiguous). bf16 is written with
 * descr 'bfloat16' (ml_dtypes' name). Overwrites path. */
bool npy_write(const char *path, DType t, int32_t ndim, const int64_t *shape,
               const int64_t *strides, const void *data, char *err, size_t errlen);
/* In-memory form: npy_encoded_size gives the exact file size (0 on a bad
 * dtype, rank, or overflowing shape); npy_write_mem fills buf (cap bytes)
 * and stores the size written in *len. */
size_t npy_encoded_size(DType t, int32_t ndim, const int64_t *shape);
bool npy_write_mem(void *buf, size_t cap, size_t *len, DType t, int32_t ndim, const int64_t *shape,
                   const int64_t *strides, const void *data, char *err, size_t errlen);

/* Largest header NumPy reads without allow_pickle (max_header_size); longer
 * headers are rejected, which also bounds the work done on hostile files. */
#define NPY_MAX_HEADER 10000

/* Internal to the npy files: writes "name: <message>" into err; returns false. */
bool npy_fail(const char *name, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
