/* .npy reading and writing: round trips for every dtype and rank, headers of
 * every version built byte by byte, a corpus of broken files, and a fuzz loop. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/testutil.h"
#include "support/npy.h"

static const DType ALL[] = {DT_BOOL, DT_I8, DT_I16, DT_I32, DT_I64, DT_U8, DT_U16, DT_U32, DT_U64, DT_F16, DT_BF16, DT_F32, DT_F64};
#define NALL (sizeof ALL / sizeof ALL[0])

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* A file of format `major`.0 with the header text as given (no padding
 * added) followed by dlen data bytes; *len gets its size. Caller frees. */
static unsigned char *build(int major, const char *hdr, const void *data, size_t dlen, size_t *len)
{
    size_t hl = strlen(hdr), pre = major == 1 ? 10 : 12;
    unsigned char *b = malloc(pre + hl + dlen + 1);
    memcpy(b, "\x93NUMPY", 6);
    b[6] = (unsigned char)major;
    b[7] = 0;
    b[8] = (unsigned char)(hl & 0xff);
    b[9] = (unsigned char)(hl >> 8);
    if (major > 1) {
        b[10] = (unsigned char)(hl >> 16);
        b[11] = (unsigned char)(hl >> 24);
    }
    memcpy(b + pre, hdr, hl);
    if (dlen)
        memcpy(b + pre + hl, data, dlen);
    *len = pre + hl + dlen;
    return b;
}

/* Reads a built file that must fail with exactly `msg`. */
static void expect_err_v(int major, const char *hdr, const void *data, size_t dlen, DType want, const char *msg)
{
    size_t len;
    unsigned char *b = build(major, hdr, data, dlen, &len);
    NpyArray a;
    char err[512] = "";
    bool ok = npy_read_mem_as("t.npy", b, len, want, &a, err, sizeof err);
    if (ok)
        npy_free(&a);
    free(b);
    cr_assert_not(ok, "header %s was accepted", hdr);
    cr_expect_str_eq(err, msg, "header %s\n   got: %s\nwanted: %s", hdr, err, msg);
}

static void expect_err(const char *hdr, size_t dlen, const char *msg)
{
    unsigned char zeros[64] = {0};
    cr_assert(dlen <= sizeof zeros);
    expect_err_v(1, hdr, zeros, dlen, DT_ERROR, msg);
}

static NpyArray expect_ok(int major, const char *hdr, const void *data, size_t dlen, DType want)
{
    size_t len;
    unsigned char *b = build(major, hdr, data, dlen, &len);
    NpyArray a;
    char err[512] = "";
    bool ok = npy_read_mem_as("t.npy", b, len, want, &a, err, sizeof err);
    free(b);
    cr_assert(ok, "header %s: %s", hdr, err);
    return a;
}

static void fill(DType t, unsigned char *p, size_t n, uint64_t *seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = t == DT_BOOL ? (unsigned char)(rng(seed) & 1) : (unsigned char)rng(seed);
}

Test(npy, round_trip_every_dtype_and_rank_in_memory)
{
    static const int64_t dims[] = {2, 3, 1, 4};
    uint64_t seed = 42;
    for (size_t ti = 0; ti < NALL; ti++)
        for (int32_t r = 0; r <= 4; r++) {
            DType t = ALL[ti];
            size_t nbytes;
            cr_assert(tensor_nbytes(t, r, dims, &nbytes));
            unsigned char *src = malloc(nbytes);
            fill(t, src, nbytes, &seed);
            size_t size = npy_encoded_size(t, r, dims);
            cr_assert_gt(size, nbytes);
            unsigned char *buf = malloc(size);
            size_t len = 0;
            char err[256] = "";
            cr_assert(npy_write_mem(buf, size, &len, t, r, dims, NULL, src, err, sizeof err), "%s", err);
            cr_assert_eq(len, size);
            cr_assert_eq((len - nbytes) % 64, 0, "header is padded to 64 bytes");
            cr_assert_eq(buf[len - nbytes - 1], '\n');
            NpyArray a;
            cr_assert(npy_read_mem(buf, len, &a, err, sizeof err), "%s %d: %s", tensor_dtype_name(t), r, err);
            cr_assert_eq(a.dtype, t);
            cr_assert_eq(a.ndim, r);
            cr_assert_not(a.fortran);
            cr_assert_eq(a.nbytes, nbytes);
            int64_t st[TK_MAX_RANK];
            tensor_contiguous_strides(r, dims, st);
            for (int32_t k = 0; k < r; k++) {
                cr_assert_eq(a.shape[k], dims[k]);
                cr_assert_eq(a.strides[k], st[k]);
            }
            cr_assert_eq(memcmp(a.data, src, nbytes), 0);
            npy_free(&a);
            cr_assert_null(a.data);
            free(buf);
            free(src);
        }
}

Test(npy, round_trip_every_dtype_through_files)
{
    char *path = write_temp_file("", 0, ".npy");
    cr_assert_not_null(path);
    static const int64_t dims[] = {3, 2, 2, 1};
    uint64_t seed = 7;
    for (size_t ti = 0; ti < NALL; ti++)
        for (int32_t r = 0; r <= 4; r++) {
            DType t = ALL[ti];
            size_t nbytes;
            cr_assert(tensor_nbytes(t, r, dims, &nbytes));
            unsigned char src[256];
            fill(t, src, nbytes, &seed);
            char err[256] = "";
            cr_assert(npy_write(path, t, r, dims, NULL, src, err, sizeof err), "%s", err);
            NpyArray a;
            cr_assert(npy_read(path, &a, err, sizeof err), "%s", err);
            cr_assert_eq(a.dtype, t);
            cr_assert_eq(a.ndim, r);
            cr_assert_eq(a.nbytes, nbytes);
            cr_assert_eq(memcmp(a.data, src, nbytes), 0);
            npy_free(&a);
            /* The same file through the typed entry point. */
            cr_assert(npy_read_as(path, t, &a, err, sizeof err), "%s", err);
            npy_free(&a);
        }
    unlink(path);
    free(path);
}

Test(npy, header_is_what_numpy_writes)
{
    int64_t shape[2] = {3, 4};
    float x[12] = {0};
    unsigned char buf[256];
    size_t len;
    char err[128];
    cr_assert(npy_write_mem(buf, sizeof buf, &len, DT_F32, 2, shape, NULL, x, err, sizeof err));
    const char *want = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }";
    cr_assert_eq(len, 128 + 48);
    cr_assert_eq(memcmp(buf, "\x93NUMPY\x01\x00\x76\x00", 10), 0);
    cr_assert_eq(memcmp(buf + 10, want, strlen(want)), 0);
    for (size_t i = 10 + strlen(want); i < 127; i++)
        cr_assert_eq(buf[i], ' ');
    cr_assert_eq(buf[127], '\n');

    int64_t one = 5;
    cr_assert(npy_write_mem(buf, sizeof buf, &len, DT_BF16, 1, &one, NULL, x, err, sizeof err));
    const char *want1 = "{'descr': 'bfloat16', 'fortran_order': False, 'shape': (5,), }";
    cr_assert_eq(memcmp(buf + 10, want1, strlen(want1)), 0);
    cr_assert(npy_write_mem(buf, sizeof buf, &len, DT_BOOL, 0, NULL, NULL, x, err, sizeof err));
    const char *want0 = "{'descr': '|b1', 'fortran_order': False, 'shape': (), }";
    cr_assert_eq(memcmp(buf + 10, want0, strlen(want0)), 0);
    cr_assert_eq(len, 128 + 1);
}

Test(npy, zero_size_and_zero_d)
{
    int64_t shapes[3][3] = {{0, 0, 0}, {3, 0, 2}, {0, 5, 0}};
    int32_t ranks[3] = {1, 3, 3};
    for (int i = 0; i < 3; i++) {
        unsigned char buf[256];
        size_t len;
        char err[128];
        cr_assert(npy_write_mem(buf, sizeof buf, &len, DT_F64, ranks[i], shapes[i], NULL, NULL, err, sizeof err), "%s", err);
        NpyArray a;
        cr_assert(npy_read_mem(buf, len, &a, err, sizeof err), "%s", err);
        cr_assert_eq(a.nbytes, 0);
        cr_assert_not_null(a.data);
        cr_assert_eq(a.ndim, ranks[i]);
        npy_free(&a);
    }
    int32_t v = -7;
    NpyArray a = expect_ok(1, "{'descr': '<i4', 'fortran_order': False, 'shape': ()}", &v, 4, DT_ERROR);
    cr_assert_eq(a.ndim, 0);
    cr_assert_eq(a.nbytes, 4);
    cr_assert_eq(*(int32_t *)a.data, -7);
    npy_free(&a);
}

Test(npy, fortran_order_gives_column_major_strides)
{
    int32_t d[6] = {0, 1, 2, 3, 4, 5};
    NpyArray a = expect_ok(1, "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", d, sizeof d, DT_I32);
    cr_assert(a.fortran);
    cr_assert_eq(a.strides[0], 1);
    cr_assert_eq(a.strides[1], 2);
    /* x[i, j] = data[i + 2 j] without a copy; the DLTensor view agrees. */
    DLTensor t;
    tensor_from_npy(&a, &t);
    for (int64_t i = 0; i < 2; i++)
        for (int64_t j = 0; j < 3; j++) {
            int64_t idx[2] = {i, j}, off;
            cr_assert(tensor_elem_offset(&t, idx, &off));
            cr_assert_eq(*(int32_t *)((char *)t.data + off), (int32_t)(i + 2 * j));
        }
    /* Writing it back gives C order. */
    unsigned char buf[256];
    size_t len;
    char err[128];
    cr_assert(npy_write_mem(buf, sizeof buf, &len, a.dtype, a.ndim, a.shape, a.strides, a.data, err, sizeof err));
    NpyArray c;
    cr_assert(npy_read_mem(buf, len, &c, err, sizeof err));
    int32_t want[6] = {0, 2, 4, 1, 3, 5};
    cr_assert_eq(memcmp(c.data, want, sizeof want), 0);
    npy_free(&c);
    npy_free(&a);
}

Test(npy, versions_2_and_3)
{
    double d[3] = {1.5, -2, 3};
    for (int v = 2; v <= 3; v++) {
        NpyArray a = expect_ok(v, "{\"descr\": \"<f8\", \"shape\": (3,), \"fortran_order\": False}\n", d, sizeof d, DT_ERROR);
        cr_assert_eq(a.dtype, DT_F64);
        cr_assert_eq(a.ndim, 1);
        cr_assert_eq(a.shape[0], 3);
        cr_assert_eq(memcmp(a.data, d, sizeof d), 0);
        npy_free(&a);
    }
    /* A header longer than 65535 cannot exist in 1.0; in 2.0 it is the limit that refuses it. */
    unsigned char b[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0x70, 0x11, 0x01, 0};
    NpyArray a;
    char err[256];
    cr_assert_not(npy_read_mem_as("t.npy", b, sizeof b, DT_ERROR, &a, err, sizeof err));
    cr_assert_str_eq(err, "t.npy: header length 70000 exceeds the limit of 10000 bytes");
}

Test(npy, header_spellings_python_accepts)
{
    unsigned char d[8] = {0};
    const char *ok[] = {
        "{'descr':'|u1','fortran_order':False,'shape':(2,4)}",
        "  {'shape': (8,), 'descr': '|i1', 'fortran_order': False,}  \n",
        "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2,), }\r\n",
        "{'descr': '<i8', 'fortran_order': False, 'shape': (1L,), }",
        "{\t'descr'\t:\t'<f8'\t,\t'fortran_order'\t:\tFalse\t,\t'shape'\t:\t(\t1\t,\t)\t}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 0), }",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t dlen = i == 5 ? 0 : 8;
        NpyArray a = expect_ok(1, ok[i], d, dlen, DT_ERROR);
        npy_free(&a);
    }
}

Test(npy, big_endian_is_converted)
{
    unsigned char i4[8] = {0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe};
    NpyArray a = expect_ok(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", i4, 8, DT_ERROR);
    cr_assert_eq(((int32_t *)a.data)[0], 1);
    cr_assert_eq(((int32_t *)a.data)[1], -2);
    npy_free(&a);
    unsigned char f8[8] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
    a = expect_ok(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (), }", f8, 8, DT_F64);
    cr_assert_eq(*(double *)a.data, 1.5);
    npy_free(&a);
    unsigned char u2[2] = {0x3f, 0x80}; /* bf16 1.0, big-endian raw bits */
    a = expect_ok(1, "{'descr': '>u2', 'fortran_order': False, 'shape': (1,), }", u2, 2, DT_BF16);
    cr_assert_eq(((uint16_t *)a.data)[0], 0x3f80);
    npy_free(&a);
    unsigned char b1[2] = {1, 0};
    a = expect_ok(1, "{'descr': '>b1', 'fortran_order': False, 'shape': (2,), }", b1, 2, DT_BOOL);
    cr_assert_eq(memcmp(a.data, b1, 2), 0);
    npy_free(&a);
}

Test(npy, bf16_conventions)
{
    uint16_t v[2] = {0x3f80, 0xc000};
    const char *bf = "{'descr': 'bfloat16', 'fortran_order': False, 'shape': (2,), }";
    NpyArray a = expect_ok(1, bf, v, 4, DT_ERROR);
    cr_assert_eq(a.dtype, DT_BF16);
    npy_free(&a);
    const char *raw[] = {
        "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }",
        "{'descr': '<V2', 'fortran_order': False, 'shape': (2,), }",
        "{'descr': '|V2', 'fortran_order': False, 'shape': (2,), }",
    };
    for (int i = 0; i < 3; i++) {
        a = expect_ok(1, raw[i], v, 4, DT_BF16);
        cr_assert_eq(a.dtype, DT_BF16);
        cr_assert_eq(memcmp(a.data, v, 4), 0);
        npy_free(&a);
    }
    a = expect_ok(1, raw[0], v, 4, DT_ERROR); /* <u2 is u16 unless bf16 is expected */
    cr_assert_eq(a.dtype, DT_U16);
    npy_free(&a);
    expect_err_v(1, raw[1], v, 4, DT_F16,
                 "t.npy: unsupported dtype '<V2' (raw bytes, 2 per element; TK reads it only as raw bf16 bits, when bf16 is expected)");
    expect_err_v(1, bf, v, 4, DT_F16, "t.npy: holds bf16 data ('bfloat16'), expected f16");
    expect_err_v(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", v, 4, DT_BF16,
                 "t.npy: holds f32 data ('<f4'), expected bf16");
}

Test(npy, strided_sources_are_written_in_c_order)
{
    /* base is 4x6 i16 holding its own flat index. */
    int16_t base[24];
    for (int i = 0; i < 24; i++)
        base[i] = (int16_t)i;
    struct { int64_t shape[3]; int64_t strides[3]; int64_t start; int32_t ndim; } cases[] = {
        {{6, 4}, {1, 6}, 0, 2},           /* transpose */
        {{4, 3}, {6, 2}, 1, 2},           /* every other column from 1 */
        {{4, 6}, {-6, -1}, 23, 2},        /* reversed both ways */
        {{2, 2, 3}, {12, 6, 1}, 0, 3},    /* contiguous 3-d */
        {{2, 2, 3}, {12, 1, 2}, 0, 3},    /* inner dims swapped */
        {{4, 1}, {6, 99}, 2, 2},          /* unit dim with odd stride */
        {{3}, {0}, 5, 1},                 /* broadcast */
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        int32_t nd = cases[c].ndim;
        const int64_t *sh = cases[c].shape, *st = cases[c].strides;
        unsigned char buf[512];
        size_t len;
        char err[128];
        cr_assert(npy_write_mem(buf, sizeof buf, &len, DT_I16, nd, sh, st, base + cases[c].start, err, sizeof err));
        NpyArray a;
        cr_assert(npy_read_mem(buf, len, &a, err, sizeof err));
        int16_t *got = a.data;
        int64_t n = 0, idx[3] = {0, 0, 0};
        int64_t total;
        cr_assert(tensor_numel(nd, sh, &total));
        for (; n < total; n++) {
            int64_t off = cases[c].start;
            for (int k = 0; k < nd; k++)
                off += idx[k] * st[k];
            cr_assert_eq(got[n], base[off], "case %zu element %lld", c, (long long)n);
            for (int k = nd - 1; k >= 0 && ++idx[k] == sh[k]; k--)
                idx[k] = 0;
        }
        npy_free(&a);
    }
    /* Through a file as well. */
    char *path = write_temp_file("", 0, ".npy");
    char err[256];
    int64_t sh[2] = {6, 4}, st[2] = {1, 6};
    cr_assert(npy_write(path, DT_I16, 2, sh, st, base, err, sizeof err), "%s", err);
    NpyArray a;
    cr_assert(npy_read(path, &a, err, sizeof err), "%s", err);
    cr_assert_eq(((int16_t *)a.data)[1], 6);
    cr_assert_eq(((int16_t *)a.data)[4], 1);
    npy_free(&a);
    unlink(path);
    free(path);
}

/* A valid f32 (2, 3) file cut at every length fails with the message for
 * the part it ends in. */
Test(npy, truncated_at_every_byte)
{
    float x[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    unsigned char buf[256];
    size_t len;
    char err[256];
    cr_assert(npy_write_mem(buf, sizeof buf, &len, DT_F32, 2, shape, NULL, x, err, sizeof err));
    cr_assert_eq(len, 152);
    char *path = write_temp_file("", 0, ".npy");
    for (size_t n = 0; n < len; n++) {
        char want[256];
        if (n == 0)
            snprintf(want, sizeof want, "t.npy: not a .npy file (empty)");
        else if (n < 10)
            snprintf(want, sizeof want, "t.npy: truncated: the file ends inside the preamble (%zu bytes)", n);
        else if (n < 128)
            snprintf(want, sizeof want, "t.npy: truncated: header length 118 runs past the end of the file (%zu bytes)", n);
        else
            snprintf(want, sizeof want, "t.npy: header says f32 (2, 3) but the file holds %zu bytes of data, expected 24", n - 128);
        /* In memory: a fresh exact-size copy, so ASan sees any overread. */
        unsigned char *cut = malloc(n ? n : 1);
        memcpy(cut, buf, n);
        NpyArray a;
        err[0] = 0;
        cr_assert_not(npy_read_mem_as("t.npy", cut, n, DT_ERROR, &a, err, sizeof err), "length %zu", n);
        cr_assert_str_eq(err, want, "length %zu", n);
        free(cut);
        /* From a file: the same message with the path. */
        FILE *f = fopen(path, "wb");
        fwrite(buf, 1, n, f);
        fclose(f);
        cr_assert_not(npy_read(path, &a, err, sizeof err));
        cr_assert_str_eq(err + strlen(path), want + strlen("t.npy"), "file length %zu", n);
    }
    unlink(path);
    free(path);
}

Test(npy, broken_preamble)
{
    unsigned char b[16] = {0x93, 'N', 'U', 'M', 'P', 'Z', 1, 0, 0, 0};
    NpyArray a;
    char err[256];
    cr_assert_not(npy_read_mem_as("t.npy", b, 10, DT_ERROR, &a, err, sizeof err));
    cr_assert_str_eq(err, "t.npy: not a .npy file (bad magic)");
    cr_assert_not(npy_read_mem_as("t.npy", "PK\3\4", 4, DT_ERROR, &a, err, sizeof err));
    cr_assert_str_eq(err, "t.npy: not a .npy file (bad magic)");
    static const unsigned char vers[][2] = {{4, 0}, {1, 1}, {0, 0}, {255, 255}};
    for (int i = 0; i < 4; i++) {
        unsigned char v[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', vers[i][0], vers[i][1], 0, 0, 0, 0};
        cr_assert_not(npy_read_mem_as("t.npy", v, sizeof v, DT_ERROR, &a, err, sizeof err));
        char want[128];
        snprintf(want, sizeof want, "t.npy: unsupported .npy format version %u.%u (TK reads 1.0, 2.0 and 3.0)",
                 vers[i][0], vers[i][1]);
        cr_assert_str_eq(err, want);
    }
    /* Header length past the end of the file, in every version. */
    unsigned char h1[14] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0xff, 0x00, '{', '}', ' ', '\n'};
    cr_assert_not(npy_read_mem_as("t.npy", h1, sizeof h1, DT_ERROR, &a, err, sizeof err));
    cr_assert_str_eq(err, "t.npy: truncated: header length 255 runs past the end of the file (14 bytes)");
    unsigned char h3[14] = {0x93, 'N', 'U', 'M', 'P', 'Y', 3, 0, 0x10, 0x27, 0, 0, '{', '}'};
    cr_assert_not(npy_read_mem_as("t.npy", h3, sizeof h3, DT_ERROR, &a, err, sizeof err));
    cr_assert_str_eq(err, "t.npy: truncated: header length 10000 runs past the end of the file (14 bytes)");
    unsigned char h2[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0xff, 0xff, 0xff, 0xff};
    cr_assert_not(npy_read_mem_as("t.npy", h2, sizeof h2, DT_ERROR, &a, err, sizeof err));
    cr_assert_str_eq(err, "t.npy: header length 4294967295 exceeds the limit of 10000 bytes");
    /* No name: "<memory>". */
    cr_assert_not(npy_read_mem(b, 10, &a, err, sizeof err));
    cr_assert_str_eq(err, "<memory>: not a .npy file (bad magic)");
}

Test(npy, broken_headers)
{
    const char *F = "'fortran_order': False";
    char h[512];
    struct { const char *hdr; size_t dlen; const char *msg; } c[] = {
        {"[1, 2, 3]", 0, "t.npy: header is not valid: expected '{' at offset 10"},
        {"", 0, "t.npy: header is not valid: expected '{' at offset 10"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", 4, "t.npy: header is not valid: expected ',' or '}' at offset 64"},
        {"{'descr' '<f4'}", 0, "t.npy: header is not valid: expected ':' after 'descr' at offset 19"},
        {"{descr: '<f4'}", 0, "t.npy: header is not valid: expected a quoted key or '}' at offset 11"},
        {"{'descr': '<f4', 'fortran_order': False}", 0, "t.npy: header is not valid: missing key 'shape'"},
        {"{'shape': (), 'fortran_order': False}", 0, "t.npy: header is not valid: missing key 'descr'"},
        {"{'descr': '<f4', 'shape': ()}", 0, "t.npy: header is not valid: missing key 'fortran_order'"},
        {"{}", 0, "t.npy: header is not valid: missing key 'descr'"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (), 'extra': 1}", 4, "t.npy: header is not valid: unexpected key 'extra' at offset 64"},
        {"{'descr': '<f4', 'descr': '<f4'}", 0, "t.npy: header is not valid: duplicate key 'descr' at offset 27"},
        {"{'descr': <f4, 'fortran_order': False, 'shape': ()}", 0, "t.npy: header is not valid: 'descr' must be a string at offset 20"},
        {"{'descr': '<f4, 'fortran_order': False, 'shape': ()}", 0, "t.npy: header is not valid: expected ',' or '}' at offset 27"},
        {"{'descr': '<f4", 0, "t.npy: header is not valid: unterminated string at offset 20"},
        {"{'descr': '<f\\x34'}", 0, "t.npy: header is not valid: escape sequences in strings are not supported at offset 23"},
        {"{'descr': '<f4', 'fortran_order': false, 'shape': ()}", 0, "t.npy: header is not valid: 'fortran_order' must be True or False at offset 44"},
        {"{'descr': '<f4', 'fortran_order': 0, 'shape': ()}", 0, "t.npy: header is not valid: 'fortran_order' must be True or False at offset 44"},
        {"{'descr': '<f4', 'fortran_order': Truex, 'shape': ()}", 0, "t.npy: header is not valid: 'fortran_order' must be True or False at offset 48"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': [3, 4]}", 0, "t.npy: header is not valid: 'shape' must be a tuple of integers at offset 60"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': 3}", 0, "t.npy: header is not valid: 'shape' must be a tuple of integers at offset 60"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3)}", 0, "t.npy: header is not valid: a 1-d shape needs a trailing comma, as in (3,) at offset 62"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3 4)}", 0, "t.npy: header is not valid: expected ',' or ')' in 'shape' at offset 63"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (,)}", 0, "t.npy: header is not valid: expected an integer dimension in 'shape' at offset 61"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 'a')}", 0, "t.npy: header is not valid: expected an integer dimension in 'shape' at offset 64"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,)}", 0, "t.npy: header is not valid: expected ',' or ')' in 'shape' at offset 62"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (03,)}", 0, "t.npy: header is not valid: integer with a leading zero in 'shape' at offset 61"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,", 0, "t.npy: header is not valid: expected an integer dimension in 'shape' at offset 63"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", 8, "t.npy: header is not valid: unexpected text after the dictionary at offset 66"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}}", 8, "t.npy: header is not valid: unexpected text after the dictionary at offset 65"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", 0, "t.npy: shape has a negative dimension (-1)"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}", 0, "t.npy: shape has a negative dimension (-3)"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", 0, "t.npy: dimension 99999999999999999999 in 'shape' is too large"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (9223372036854775807,)}", 0, "t.npy: shape (9223372036854775807,) is too large: its size in bytes overflows"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296)}", 0, "t.npy: shape (4294967296, 4294967296) is too large: its size in bytes overflows"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4294967296, 4294967296)}", 0, "t.npy: shape (0, 4294967296, 4294967296) is too large: its size in bytes overflows"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1, 1)}", 4, "t.npy: rank 9 exceeds TK's maximum of 8"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, 1, 1, 1)}", 4, NULL},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000,)}", 8, "t.npy: header says f32 (1000000,) but the file holds 8 bytes of data, expected 4000000"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 8, "t.npy: header says f32 (1,) but the file holds 8 bytes of data, expected 4"},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': ()}", 0, "t.npy: header says f32 () but the file holds 0 bytes of data, expected 4"},
        {"{'descr': '<c8', 'fortran_order': False, 'shape': ()}", 8, "t.npy: unsupported dtype '<c8' (complex64)"},
        {"{'descr': '<u4', 'fortran_order': False, 'shape': ()}", 4, NULL},
        {"{'descr': '<u16', 'fortran_order': False, 'shape': ()}", 16, "t.npy: unsupported dtype '<u16' (uint128)"},
        {"{'descr': '<f16', 'fortran_order': False, 'shape': ()}", 16, "t.npy: unsupported dtype '<f16' (float128)"},
        {"{'descr': '<U4', 'fortran_order': False, 'shape': ()}", 16, "t.npy: unsupported dtype '<U4' (unicode string)"},
        {"{'descr': '|O', 'fortran_order': False, 'shape': ()}", 8, "t.npy: unsupported dtype '|O' (Python object)"},
        {"{'descr': '<M8[ns]', 'fortran_order': False, 'shape': ()}", 8, "t.npy: unsupported dtype '<M8[ns]' (datetime64)"},
        {"{'descr': '|i4', 'fortran_order': False, 'shape': ()}", 4, "t.npy: unsupported dtype '|i4' (byte order '|' on a multi-byte type)"},
        {"{'descr': '=f4', 'fortran_order': False, 'shape': ()}", 4, "t.npy: unsupported dtype '=f4' (native byte order '=' is ambiguous in a file)"},
        {"{'descr': 'float32', 'fortran_order': False, 'shape': ()}", 4, "t.npy: unsupported dtype 'float32' (not a NumPy type string)"},
        {"{'descr': '', 'fortran_order': False, 'shape': ()}", 4, "t.npy: unsupported dtype '' (not a NumPy type string)"},
        {"{'descr': '<x4', 'fortran_order': False, 'shape': ()}", 4, "t.npy: unsupported dtype '<x4' (not a NumPy type)"},
        {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': ()}", 4, "t.npy: unsupported dtype: structured arrays (a list of fields) are not supported"},
        {"{'descr': '\x01\xff', 'fortran_order': False, 'shape': ()}", 4, "t.npy: unsupported dtype '\\x01\\xff' (not a NumPy type string)"},
        {"{'descr': '|b1', 'fortran_order': False, 'shape': (3,)}", 3, NULL},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        if (c[i].msg) {
            expect_err(c[i].hdr, c[i].dlen, c[i].msg);
        } else {
            NpyArray a = expect_ok(1, c[i].hdr, (unsigned char[8]){0}, c[i].dlen, DT_ERROR);
            npy_free(&a);
        }
    }
    snprintf(h, sizeof h, "{'descr': '|b1', %s, 'shape': (3,)}", F);
    expect_err_v(1, h, (unsigned char[3]){1, 0, 2}, 3, DT_ERROR, "t.npy: bool element 2 holds 2, expected 0 or 1");
}

Test(npy, file_errors)
{
    NpyArray a;
    char err[512];
    cr_assert_not(npy_read("/nonexistent/x.npy", &a, err, sizeof err));
    cr_assert_str_eq(err, "/nonexistent/x.npy: cannot open: No such file or directory");
    float x = 1;
    cr_assert_not(npy_write("/nonexistent/x.npy", DT_F32, 0, NULL, NULL, &x, err, sizeof err));
    cr_assert_str_eq(err, "/nonexistent/x.npy: cannot open for writing: No such file or directory");
    /* Data past what the header says, from a file (the size comes from fstat). */
    size_t len;
    unsigned char *b = build(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", "abcdefgh", 8, &len);
    char *path = write_temp_file((char *)b, len, ".npy");
    free(b);
    cr_assert_not(npy_read(path, &a, err, sizeof err));
    char want[512];
    snprintf(want, sizeof want, "%s: header says f32 (1,) but the file holds 8 bytes of data, expected 4", path);
    cr_assert_str_eq(err, want);
    unlink(path);
    free(path);
    /* Tiny error buffers are cut, never overrun. */
    char small[8];
    cr_assert_not(npy_read("/nonexistent/x.npy", &a, small, sizeof small));
    cr_assert_str_eq(small, "/nonexi");
    cr_assert_not(npy_read("/nonexistent/x.npy", &a, NULL, 0));
}

Test(npy, write_argument_errors)
{
    unsigned char buf[256];
    size_t len;
    char err[256];
    int64_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float x[4] = {0};
    cr_assert_not(npy_write_mem(buf, sizeof buf, &len, DT_GENERIC, 1, shape, NULL, x, err, sizeof err));
    char want[128];
    snprintf(want, sizeof want, "<memory>: cannot write element type %d: not a TK element type", (int)DT_GENERIC);
    cr_assert_str_eq(err, want);
    cr_assert_not(npy_write_mem(buf, sizeof buf, &len, DT_F32, 9, shape, NULL, x, err, sizeof err));
    cr_assert_str_eq(err, "<memory>: cannot write rank 9: TK's ranks are 0..8");
    int64_t neg[2] = {2, -1};
    cr_assert_not(npy_write_mem(buf, sizeof buf, &len, DT_F32, 2, neg, NULL, x, err, sizeof err));
    cr_assert_str_eq(err, "<memory>: cannot write a shape with a negative dimension (-1)");
    int64_t huge[2] = {INT64_MAX, 2};
    cr_assert_not(npy_write_mem(buf, sizeof buf, &len, DT_F32, 2, huge, NULL, x, err, sizeof err));
    cr_assert_str_eq(err, "<memory>: cannot write f32[9223372036854775807, 2]: its size in bytes overflows");
    cr_assert_eq(npy_encoded_size(DT_F32, 2, huge), 0);
    int64_t four = 4;
    cr_assert_not(npy_write_mem(buf, sizeof buf, &len, DT_F32, 1, &four, NULL, NULL, err, sizeof err));
    cr_assert_str_eq(err, "<memory>: cannot write f32[4]: data is NULL");
    cr_assert_not(npy_write_mem(buf, 70, &len, DT_F32, 1, &four, NULL, x, err, sizeof err));
    cr_assert_str_eq(err, "<memory>: buffer of 70 bytes is too small, need 144");
}

/* Mutated copies of valid files never crash and never yield an
 * inconsistent array. Seeded, so failures reproduce. */
Test(npy, fuzz_mutations)
{
    static const int64_t dims[] = {2, 3, 2};
    unsigned char seeds[4][256];
    size_t lens[4];
    char err[512];
    float x[12] = {0};
    cr_assert(npy_write_mem(seeds[0], 256, &lens[0], DT_F32, 3, dims, NULL, x, err, sizeof err));
    cr_assert(npy_write_mem(seeds[1], 256, &lens[1], DT_BOOL, 1, dims, NULL, x, err, sizeof err));
    cr_assert(npy_write_mem(seeds[2], 256, &lens[2], DT_BF16, 0, dims, NULL, x, err, sizeof err));
    size_t l3;
    unsigned char *v3 = build(3, "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }\n", x, 12, &l3);
    memcpy(seeds[3], v3, l3);
    lens[3] = l3;
    free(v3);
    uint64_t s = 0x9e3779b97f4a7c15u;
    int accepted = 0;
    for (int it = 0; it < 6000; it++) {
        size_t w = rng(&s) % 4;
        size_t n = lens[w];
        unsigned char *m = malloc(n + 8);
        memcpy(m, seeds[w], n);
        int nmut = 1 + (int)(rng(&s) % 4);
        for (int k = 0; k < nmut; k++) {
            if (n == 0)
                break;
            size_t pos = rng(&s) % n;
            switch (rng(&s) % 4) {
            case 0: m[pos] = (unsigned char)rng(&s); break;
            case 1: m[pos] ^= (unsigned char)(1u << (rng(&s) % 8)); break;
            case 2: m[pos] = "{}()[],:' \"-0123456789LTF<>|"[rng(&s) % 29]; break;
            case 3: n = pos; break; /* truncate */
            }
        }
        unsigned char *exact = malloc(n ? n : 1);
        memcpy(exact, m, n);
        free(m);
        NpyArray a;
        err[0] = 0;
        if (npy_read_mem_as("f.npy", exact, n, DT_ERROR, &a, err, sizeof err)) {
            accepted++;
            size_t nb;
            cr_assert(a.ndim >= 0 && a.ndim <= TK_MAX_RANK);
            cr_assert(tensor_nbytes(a.dtype, a.ndim, a.shape, &nb));
            cr_assert_eq(nb, a.nbytes);
            cr_assert_not_null(a.data);
            npy_free(&a);
        } else {
            cr_assert(strncmp(err, "f.npy: ", 7) == 0 && strlen(err) > 7 && !strchr(err, '\n'), "%s", err);
        }
        free(exact);
    }
    cr_assert_gt(accepted, 0);
}

/* A pipe has no size to stat: the reader counts what arrives instead. */
static bool read_through_pipe(const void *file, size_t len, NpyArray *a, char *err, size_t errlen, char *path)
{
    int fd[2];
    cr_assert_eq(pipe(fd), 0);
    cr_assert_eq(write(fd[1], file, len), (ssize_t)len);
    close(fd[1]);
    snprintf(path, 64, "/proc/self/fd/%d", fd[0]);
    bool ok = npy_read(path, a, err, errlen);
    close(fd[0]);
    return ok;
}

Test(npy, pipes_are_read_without_stat)
{
    size_t len;
    char err[256], path[64], want[256];
    float v[2] = {1, 2};
    NpyArray a;
    unsigned char *b = build(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", v, 8, &len);
    cr_assert(read_through_pipe(b, len, &a, err, sizeof err, path), "%s", err);
    cr_assert_eq(memcmp(a.data, v, 8), 0);
    npy_free(&a);
    cr_assert_not(read_through_pipe(b, len - 1, &a, err, sizeof err, path));
    snprintf(want, sizeof want, "%s: header says f32 (2,) but the file holds 7 bytes of data, expected 8", path);
    cr_assert_str_eq(err, want);
    free(b);
    b = build(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", v, 8, &len);
    cr_assert_not(read_through_pipe(b, len, &a, err, sizeof err, path));
    snprintf(want, sizeof want, "%s: header says f32 (1,) but the file holds at least 8 bytes of data, expected 4", path);
    cr_assert_str_eq(err, want);
    free(b);
    /* Past the first read: the extra byte is found after the data. */
    static float big[4000];
    int64_t n = 4000;
    size_t cap = npy_encoded_size(DT_F32, 1, &n) + 1;
    unsigned char *f = calloc(1, cap);
    cr_assert(npy_write_mem(f, cap, &len, DT_F32, 1, &n, NULL, big, err, sizeof err));
    cr_assert(read_through_pipe(f, len, &a, err, sizeof err, path), "%s", err);
    npy_free(&a);
    cr_assert_not(read_through_pipe(f, len + 1, &a, err, sizeof err, path));
    snprintf(want, sizeof want, "%s: header says f32 (4000,) but the file holds more than 16000 bytes of data, expected 16000", path);
    cr_assert_str_eq(err, want);
    free(f);
}
