/* Writing .npy files: a version 1.0 header padded to 64 bytes as NumPy does,
 * then the data in C order gathered from any strided source. */
#include "support/npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* What NumPy writes for each type; bf16 uses ml_dtypes' registered name. */
static const char *descr_of(DType t)
{
    switch (t) {
    case DT_BOOL: return "|b1";
    case DT_I8:   return "|i1";
    case DT_I16:  return "<i2";
    case DT_I32:  return "<i4";
    case DT_I64:  return "<i8";
    case DT_U8:   return "|u1";
    case DT_U16:  return "<u2";
    case DT_U32:  return "<u4";
    case DT_U64:  return "<u8";
    case DT_F16:  return "<f2";
    case DT_BF16: return "bfloat16";
    case DT_F32:  return "<f4";
    case DT_F64:  return "<f8";
    default:      return NULL;
    }
}


/* Formats the padded header (without the 10-byte preamble) into h; returns
 * its length, a multiple of 64 minus 10, or 0 if the arguments are bad. */
static size_t header(char *h, size_t cap, DType t, int32_t ndim, const int64_t *shape)
{
    const char *d = descr_of(t);
    if (!d || ndim < 0 || ndim > TK_MAX_RANK)
        return 0;
    size_t o = (size_t)snprintf(h, cap, "{'descr': '%s', 'fortran_order': False, 'shape': (", d);
    for (int32_t k = 0; k < ndim; k++)
        o += (size_t)snprintf(h + o, cap - o, "%s%lld", k ? ", " : "", (long long)shape[k]);
    o += (size_t)snprintf(h + o, cap - o, "%s), }", ndim == 1 ? "," : "");
    size_t total = (10 + o + 1 + 63) & ~(size_t)63; /* + '\n', padded to 64 */
    size_t len = total - 10;
    memset(h + o, ' ', len - 1 - o);
    h[len - 1] = '\n';
    return len;
}

/* Room for the longest header: 8 dims of 19 digits and the fixed text. */
enum { HEADER_CAP = 512 };

size_t npy_encoded_size(DType t, int32_t ndim, const int64_t *shape)
{
    char h[HEADER_CAP];
    size_t nbytes;
    if (!tensor_nbytes(t, ndim, shape, &nbytes))
        return 0;
    size_t hlen = header(h, sizeof h, t, ndim, shape);
    if (!hlen || nbytes > SIZE_MAX - 10 - hlen)
        return 0;
    return 10 + hlen + nbytes;
}

/* Output: memory (mem != NULL) or a stdio stream. */
typedef struct Sink {
    unsigned char *mem;
    FILE          *f;
    bool           ok;
} Sink;

static void put(Sink *s, const void *p, size_t n)
{
    if (s->mem) {
        memcpy(s->mem, p, n);
        s->mem += n;
    } else if (s->ok && n && fwrite(p, 1, n, s->f) != n) {
        s->ok = false;
    }
}

/* Elements in C order: rows of the last dimension, one put per row when it
 * is dense, else one per element. */
static void gather(Sink *s, size_t es, int32_t ndim, const int64_t *shape, const int64_t *strides,
                   const unsigned char *data, size_t nbytes)
{
    if (nbytes == 0)
        return;
    if (ndim == 0 || tensor_is_contiguous(ndim, shape, strides)) {
        put(s, data, nbytes);
        return;
    }
    int64_t idx[TK_MAX_RANK] = {0};
    int32_t last = ndim - 1;
    for (;;) {
        int64_t off = 0;
        for (int32_t k = 0; k < last; k++)
            off += idx[k] * strides[k];
        const unsigned char *row = data + off * (int64_t)es;
        if (strides[last] == 1 || shape[last] == 1)
            put(s, row, (size_t)shape[last] * es);
        else
            for (int64_t i = 0; i < shape[last]; i++)
                put(s, row + i * strides[last] * (int64_t)es, es);
        int32_t k = last - 1;
        while (k >= 0 && ++idx[k] == shape[k])
            idx[k--] = 0;
        if (k < 0)
            return;
    }
}

/* Checks the arguments and formats the header; *nbytes gets the data size. */
static bool prepare(const char *name, DType t, int32_t ndim, const int64_t *shape, const void *data,
                    char *h, size_t *hlen, size_t *nbytes, char *err, size_t errlen)
{
    if (!descr_of(t))
        return npy_fail(name, err, errlen, "cannot write element type %d: not a TK element type", (int)t);
    if (ndim < 0 || ndim > TK_MAX_RANK)
        return npy_fail(name, err, errlen, "cannot write rank %d: TK's ranks are 0..%d", (int)ndim,
                    TK_MAX_RANK);
    for (int32_t k = 0; k < ndim; k++)
        if (shape[k] < 0)
            return npy_fail(name, err, errlen, "cannot write a shape with a negative dimension (%lld)",
                        (long long)shape[k]);
    char desc[256];
    if (!tensor_nbytes(t, ndim, shape, nbytes) || !(*hlen = header(h, HEADER_CAP, t, ndim, shape)))
        return npy_fail(name, err, errlen, "cannot write %s: its size in bytes overflows",
                    tensor_describe(t, ndim, shape, desc, sizeof desc));
    if (*nbytes && !data)
        return npy_fail(name, err, errlen, "cannot write %s: data is NULL",
                    tensor_describe(t, ndim, shape, desc, sizeof desc));
    return true;
}

static void preamble(unsigned char pre[10], size_t hlen)
{
    static const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    memcpy(pre, magic, 8);
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
}

bool npy_write_mem(void *buf, size_t cap, size_t *len, DType t, int32_t ndim, const int64_t *shape,
                   const int64_t *strides, const void *data, char *err, size_t errlen)
{
    char h[HEADER_CAP];
    size_t hlen = 0, nbytes = 0;
    if (!prepare("<memory>", t, ndim, shape, data, h, &hlen, &nbytes, err, errlen))
        return false;
    size_t need = 10 + hlen + nbytes;
    if (nbytes > SIZE_MAX - 10 - hlen || cap < need)
        return npy_fail("<memory>", err, errlen, "buffer of %zu bytes is too small, need %zu", cap, need);
    unsigned char pre[10];
    preamble(pre, hlen);
    Sink s = {buf, NULL, true};
    put(&s, pre, 10);
    put(&s, h, hlen);
    gather(&s, tensor_elem_size(t), ndim, shape, strides, data, nbytes);
    *len = need;
    return true;
}

bool npy_write(const char *path, DType t, int32_t ndim, const int64_t *shape,
               const int64_t *strides, const void *data, char *err, size_t errlen)
{
    char h[HEADER_CAP];
    size_t hlen = 0, nbytes = 0;
    if (!prepare(path, t, ndim, shape, data, h, &hlen, &nbytes, err, errlen))
        return false;
    FILE *f = fopen(path, "wb");
    if (!f)
        return npy_fail(path, err, errlen, "cannot open for writing: %s", strerror(errno));
    unsigned char pre[10];
    preamble(pre, hlen);
    Sink s = {NULL, f, true};
    put(&s, pre, 10);
    put(&s, h, hlen);
    gather(&s, tensor_elem_size(t), ndim, shape, strides, data, nbytes);
    int e = s.ok ? 0 : errno;
    if (fclose(f) != 0 && s.ok) {
        s.ok = false;
        e = errno;
    }
    if (!s.ok) {
        remove(path); /* leave no half-written file behind */
        return npy_fail(path, err, errlen, "write failed: %s", strerror(e));
    }
    return true;
}
