/* Reading .npy files: preamble, the header's Python dict literal, the dtype
 * descr, and the data, each checked strictly (docs/npy.md). */
#include "support/npy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const unsigned char MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

/* Everything the preamble and header say. */
typedef struct Head {
    DType   dtype;
    bool    swap;     /* big-endian data: swap bytes after reading */
    bool    fortran;
    int32_t ndim;
    int64_t shape[TK_MAX_RANK];
    size_t  data_off; /* file offset of the first data byte */
    size_t  nbytes;   /* data size the header promises */
} Head;

/* Parser over the header text; offsets in messages are file offsets. */
typedef struct Parser {
    const char          *name;
    const unsigned char *s;
    size_t               n, pos, base;
    char                *err;
    size_t               errlen;
} Parser;

bool npy_fail(const char *name, char *err, size_t errlen, const char *fmt, ...)
{
    if (!errlen)
        return false;
    int k = snprintf(err, errlen, "%s: ", name);
    if (k >= 0 && (size_t)k < errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* "header is not valid: <what> at offset N" */
__attribute__((format(printf, 2, 3)))
static bool bad(Parser *p, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return npy_fail(p->name, p->err, p->errlen, "header is not valid: %s at offset %zu", what,
                p->base + p->pos);
}

/* Copies untrusted text for a message: printable ASCII as is, the rest as
 * \xNN, cut at 40 characters. */
static void quote(char *out, size_t outlen, const unsigned char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < outlen; i++) {
        if (i == 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\')
            out[o++] = (char)s[i];
        else
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", s[i]);
    }
    out[o] = 0;
}

static void skip_ws(Parser *p)
{
    while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' ||
                             p->s[p->pos] == '\n' || p->s[p->pos] == '\r'))
        p->pos++;
}

static bool at(Parser *p, char c) { return p->pos < p->n && p->s[p->pos] == (unsigned char)c; }

/* string -> '...' | "..." without escapes; sets [*b, *b + *len) */
static bool parse_string(Parser *p, const unsigned char **b, size_t *len)
{
    unsigned char q = p->s[p->pos];
    size_t start = p->pos++;
    while (p->pos < p->n && p->s[p->pos] != q) {
        if (p->s[p->pos] == '\\')
            return bad(p, "escape sequences in strings are not supported");
        if (p->s[p->pos] == '\n')
            break;
        p->pos++;
    }
    if (p->pos >= p->n || p->s[p->pos] != q) {
        p->pos = start;
        return bad(p, "unterminated string");
    }
    *b = p->s + start + 1;
    *len = p->pos - start - 1;
    p->pos++;
    return true;
}

static bool is_string_start(Parser *p) { return at(p, '\'') || at(p, '"'); }

/* int -> '-'? digits ('L' | 'l')?  (the suffix is what Python 2 wrote) */
static bool parse_dim(Parser *p, int64_t *out)
{
    size_t start = p->pos;
    bool neg = at(p, '-');
    if (neg)
        p->pos++;
    if (!(p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')) {
        p->pos = start;
        return bad(p, "expected an integer dimension in 'shape'");
    }
    if (p->s[p->pos] == '0' && p->pos + 1 < p->n && p->s[p->pos + 1] >= '0' && p->s[p->pos + 1] <= '9')
        return bad(p, "integer with a leading zero in 'shape'");
    uint64_t v = 0;
    bool big = false;
    while (p->pos < p->n && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        unsigned d = p->s[p->pos++] - '0';
        if (v > ((uint64_t)INT64_MAX - d) / 10)
            big = true;
        else
            v = v * 10 + d;
    }
    if (at(p, 'L') || at(p, 'l'))
        p->pos++;
    char txt[48];
    quote(txt, sizeof txt, p->s + start, p->pos - start);
    if (big)
        return npy_fail(p->name, p->err, p->errlen, "dimension %s in 'shape' is too large", txt);
    if (neg && v != 0)
        return npy_fail(p->name, p->err, p->errlen, "shape has a negative dimension (%s)", txt);
    *out = (int64_t)v;
    return true;
}

/* shape -> '(' ')' | '(' int ',' ')' | '(' int (',' int)+ ','? ')' */
static bool parse_shape(Parser *p, Head *h)
{
    if (!at(p, '('))
        return bad(p, "'shape' must be a tuple of integers");
    p->pos++;
    skip_ws(p);
    int32_t rank = 0;
    bool comma = false;
    while (!at(p, ')')) {
        int64_t d = 0;
        if (!parse_dim(p, &d))
            return false;
        if (rank < TK_MAX_RANK)
            h->shape[rank] = d;
        rank++;
        skip_ws(p);
        if (at(p, ',')) {
            p->pos++;
            comma = true;
            skip_ws(p);
        } else if (!at(p, ')')) {
            return bad(p, "expected ',' or ')' in 'shape'");
        } else if (rank == 1 && !comma) {
            return bad(p, "a 1-d shape needs a trailing comma, as in (%lld,)", (long long)h->shape[0]);
        }
    }
    p->pos++;
    if (rank > TK_MAX_RANK)
        return npy_fail(p->name, p->err, p->errlen, "rank %d exceeds TK's maximum of %d", (int)rank,
                    TK_MAX_RANK);
    h->ndim = rank;
    return true;
}

enum { K_DESCR, K_FORTRAN, K_SHAPE };
static const char *const KEYS[] = {"descr", "fortran_order", "shape"};

/* dict -> '{' (key ':' value (',' key ':' value)* ','?)? '}' with exactly
 * the three keys; the descr text is returned through *descr, *dlen. */
static bool parse_dict(Parser *p, Head *h, const unsigned char **descr, size_t *dlen)
{
    bool seen[3] = {false, false, false};
    skip_ws(p);
    if (!at(p, '{'))
        return bad(p, "expected '{'");
    p->pos++;
    skip_ws(p);
    while (!at(p, '}')) {
        if (!is_string_start(p))
            return bad(p, "expected a quoted key or '}'");
        size_t key_at = p->pos;
        const unsigned char *k;
        size_t klen;
        if (!parse_string(p, &k, &klen))
            return false;
        int key = -1;
        for (int i = 0; i < 3; i++)
            if (strlen(KEYS[i]) == klen && memcmp(KEYS[i], k, klen) == 0)
                key = i;
        char ktxt[200];
        quote(ktxt, sizeof ktxt, k, klen);
        if (key < 0 || seen[key]) {
            p->pos = key_at;
            return bad(p, "%s key '%s'", key < 0 ? "unexpected" : "duplicate", ktxt);
        }
        seen[key] = true;
        skip_ws(p);
        if (!at(p, ':'))
            return bad(p, "expected ':' after '%s'", ktxt);
        p->pos++;
        skip_ws(p);
        if (key == K_DESCR) {
            if (at(p, '['))
                return npy_fail(p->name, p->err, p->errlen,
                            "unsupported dtype: structured arrays (a list of fields) are not supported");
            if (!is_string_start(p))
                return bad(p, "'descr' must be a string");
            if (!parse_string(p, descr, dlen))
                return false;
        } else if (key == K_FORTRAN) {
            if (p->n - p->pos >= 4 && memcmp(p->s + p->pos, "True", 4) == 0) {
                h->fortran = true;
                p->pos += 4;
            } else if (p->n - p->pos >= 5 && memcmp(p->s + p->pos, "False", 5) == 0) {
                h->fortran = false;
                p->pos += 5;
            } else {
                return bad(p, "'fortran_order' must be True or False");
            }
            /* "Truex" is a different name, not True followed by junk. */
            unsigned c = p->pos < p->n ? p->s[p->pos] : ' ';
            if (c == '_' || (c | 0x20u) - 'a' < 26u || c - '0' < 10u)
                return bad(p, "'fortran_order' must be True or False");
        } else if (!parse_shape(p, h)) {
            return false;
        }
        skip_ws(p);
        if (at(p, ',')) {
            p->pos++;
            skip_ws(p);
        } else if (!at(p, '}')) {
            return bad(p, "expected ',' or '}'");
        }
    }
    p->pos++;
    skip_ws(p);
    if (p->pos < p->n)
        return bad(p, "unexpected text after the dictionary");
    for (int i = 0; i < 3; i++)
        if (!seen[i])
            return npy_fail(p->name, p->err, p->errlen, "header is not valid: missing key '%s'", KEYS[i]);
    return true;
}

/* Names NumPy type strings for messages: "<c8" -> "complex64". */
static void numpy_type_name(char *out, size_t len, char kind, long bytes)
{
    const char *base = NULL;
    bool sized = true;
    switch (kind) {
    case 'b': base = "bool"; break;
    case 'i': base = "int"; break;
    case 'u': base = "uint"; break;
    case 'f': base = "float"; break;
    case 'c': base = "complex"; break;
    case 'V': base = "raw bytes"; sized = false; break;
    case 'S': case 'a': base = "byte string"; sized = false; break;
    case 'U': base = "unicode string"; sized = false; break;
    case 'O': base = "Python object"; sized = false; break;
    case 'M': base = "datetime64"; sized = false; break;
    case 'm': base = "timedelta64"; sized = false; break;
    }
    if (!base)
        snprintf(out, len, "not a NumPy type");
    else if (sized && bytes > 0)
        snprintf(out, len, "%s%ld", base, bytes * 8);
    else if (kind == 'V' && bytes > 0)
        snprintf(out, len, "raw bytes, %ld per element", bytes);
    else
        snprintf(out, len, "%s", base);
}

/* descr -> DType. `want` enables the raw bf16 aliases and the match check. */
static bool map_descr(const char *name, const unsigned char *d, size_t n, DType want, Head *h,
                      char *err, size_t errlen)
{
    char txt[200];
    quote(txt, sizeof txt, d, n);
    h->swap = false;
    if (n == 8 && memcmp(d, "bfloat16", 8) == 0) {
        h->dtype = DT_BF16;
    } else {
        char order = n ? (char)d[0] : 0;
        char kind = n > 1 ? (char)d[1] : 0;
        long bytes = 0;
        bool digits = n > 2 && n < 6;
        for (size_t i = 2; i < n && digits; i++) {
            if (d[i] < '0' || d[i] > '9')
                digits = false;
            else
                bytes = bytes * 10 + (d[i] - '0');
        }
        if (!digits)
            bytes = 0;
        static const struct { char kind; long bytes; DType t; } tab[] = {
            /* kind bytes TK type */
            {'b', 1, DT_BOOL}, {'i', 1, DT_I8},  {'i', 2, DT_I16}, {'i', 4, DT_I32},
            {'i', 8, DT_I64},  {'u', 1, DT_U8},  {'u', 2, DT_U16}, {'u', 4, DT_U32},
            {'u', 8, DT_U64},  {'f', 2, DT_F16}, {'f', 4, DT_F32}, {'f', 8, DT_F64},
        };
        DType t = DT_ERROR;
        for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
            if (tab[i].kind == kind && tab[i].bytes == bytes)
                t = tab[i].t;
        bool raw16 = bytes == 2 && (kind == 'u' || kind == 'V');
        if ((t == DT_ERROR || t == DT_U16) && raw16 && want == DT_BF16) /* raw bf16 bits */
            t = DT_BF16;
        bool order_ok = order == '<' || order == '>' || (order == '|' && (bytes == 1 || kind == 'V'));
        if (t == DT_ERROR || !order_ok) {
            char what[64];
            numpy_type_name(what, sizeof what, kind, bytes);
            if (order == '=')
                snprintf(what, sizeof what, "native byte order '=' is ambiguous in a file");
            else if (!(order == '<' || order == '>' || order == '|'))
                snprintf(what, sizeof what, "not a NumPy type string");
            else if (t != DT_ERROR)
                snprintf(what, sizeof what, "byte order '|' on a multi-byte type");
            if (raw16 && order_ok)
                return npy_fail(name, err, errlen,
                            "unsupported dtype '%s' (%s; TK reads it only as raw bf16 bits, when bf16 is expected)",
                            txt, what);
            return npy_fail(name, err, errlen, "unsupported dtype '%s' (%s)", txt, what);
        }
        h->dtype = t;
        h->swap = order == '>' && bytes > 1 && kind != 'V';
    }
    if (want != DT_ERROR && want != h->dtype)
        return npy_fail(name, err, errlen, "holds %s data ('%s'), expected %s",
                    tensor_dtype_name(h->dtype), txt, tensor_dtype_name(want));
    return true;
}

/* "(3, 4)", "(3,)", "()" as NumPy prints a shape. */
static void shape_str(char *out, size_t len, const Head *h)
{
    size_t o = (size_t)snprintf(out, len, "(");
    for (int32_t k = 0; k < h->ndim && o < len; k++)
        o += (size_t)snprintf(out + o, len - o, "%s%lld", k ? ", " : "", (long long)h->shape[k]);
    if (o < len)
        snprintf(out + o, len - o, h->ndim == 1 ? ",)" : ")");
}

/* Checks the preamble and header in buf[0, n); n < file size only when the
 * file is longer than preamble + NPY_MAX_HEADER. */
static bool parse_head(const char *name, const unsigned char *buf, size_t n, DType want, Head *h,
                       char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    if (n == 0)
        return npy_fail(name, err, errlen, "not a .npy file (empty)");
    if (memcmp(buf, MAGIC, n < 6 ? n : 6) != 0)
        return npy_fail(name, err, errlen, "not a .npy file (bad magic)");
    if (n < 8)
        return npy_fail(name, err, errlen, "truncated: the file ends inside the preamble (%zu bytes)", n);
    unsigned major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return npy_fail(name, err, errlen,
                    "unsupported .npy format version %u.%u (TK reads 1.0, 2.0 and 3.0)", major, minor);
    size_t pre = major == 1 ? 10 : 12;
    if (n < pre)
        return npy_fail(name, err, errlen, "truncated: the file ends inside the preamble (%zu bytes)", n);
    size_t hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
    if (major > 1)
        hlen |= (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
    if (hlen > NPY_MAX_HEADER)
        return npy_fail(name, err, errlen, "header length %zu exceeds the limit of %d bytes", hlen,
                    NPY_MAX_HEADER);
    if (n - pre < hlen)
        return npy_fail(name, err, errlen, "truncated: header length %zu runs past the end of the file (%zu bytes)",
                    hlen, n);
    Parser p = {name, buf + pre, hlen, 0, pre, err, errlen};
    const unsigned char *descr = NULL;
    size_t dlen = 0;
    if (!parse_dict(&p, h, &descr, &dlen))
        return false;
    if (!map_descr(name, descr, dlen, want, h, err, errlen))
        return false;
    if (!tensor_nbytes(h->dtype, h->ndim, h->shape, &h->nbytes)) {
        char s[256];
        shape_str(s, sizeof s, h);
        return npy_fail(name, err, errlen, "shape %s is too large: its size in bytes overflows", s);
    }
    h->data_off = pre + hlen;
    return true;
}

static bool size_mismatch(const char *name, const Head *h, const char *more, size_t have,
                          char *err, size_t errlen)
{
    char s[256];
    shape_str(s, sizeof s, h);
    return npy_fail(name, err, errlen, "header says %s %s but the file holds %s%zu bytes of data, expected %zu",
                tensor_dtype_name(h->dtype), s, more, have, h->nbytes);
}

static void *alloc_data(size_t nbytes)
{
    size_t n = (nbytes + 63) & ~(size_t)63; /* aligned_alloc wants a multiple */
    return aligned_alloc(64, n ? n : 64);
}

/* Swaps big-endian data and rejects bool bytes other than 0 and 1. */
static bool finish(const char *name, const Head *h, void *data, NpyArray *out, char *err, size_t errlen)
{
    size_t es = tensor_elem_size(h->dtype);
    unsigned char *b = data;
    if (h->swap) {
        for (size_t i = 0; i < h->nbytes; i += es)
            for (size_t j = 0; j < es / 2; j++) {
                unsigned char t = b[i + j];
                b[i + j] = b[i + es - 1 - j];
                b[i + es - 1 - j] = t;
            }
    }
    if (h->dtype == DT_BOOL) {
        for (size_t i = 0; i < h->nbytes; i++)
            if (b[i] > 1) {
                unsigned v = b[i];
                free(data);
                return npy_fail(name, err, errlen, "bool element %zu holds %u, expected 0 or 1", i, v);
            }
    }
    memset(out, 0, sizeof *out);
    out->dtype = h->dtype;
    out->ndim = h->ndim;
    memcpy(out->shape, h->shape, sizeof out->shape);
    if (h->fortran)
        tensor_fortran_strides(h->ndim, h->shape, out->strides);
    else
        tensor_contiguous_strides(h->ndim, h->shape, out->strides);
    out->fortran = h->fortran;
    out->data = out->alloc = data;
    out->nbytes = h->nbytes;
    return true;
}

bool npy_read_mem_as(const char *name, const void *buf, size_t len, DType want, NpyArray *out,
                     char *err, size_t errlen)
{
    Head h;
    const unsigned char *b = buf;
    if (!name)
        name = "<memory>";
    memset(out, 0, sizeof *out);
    if (!parse_head(name, b, len, want, &h, err, errlen))
        return false;
    if (len - h.data_off != h.nbytes)
        return size_mismatch(name, &h, "", len - h.data_off, err, errlen);
    void *data = alloc_data(h.nbytes);
    if (!data)
        return npy_fail(name, err, errlen, "out of memory for %zu bytes of data", h.nbytes);
    if (h.nbytes)
        memcpy(data, b + h.data_off, h.nbytes);
    return finish(name, &h, data, out, err, errlen);
}

bool npy_read_mem(const void *buf, size_t len, NpyArray *out, char *err, size_t errlen)
{
    return npy_read_mem_as(NULL, buf, len, DT_ERROR, out, err, errlen);
}

static bool read_file(const char *path, FILE *f, DType want, NpyArray *out, char *err, size_t errlen)
{
    unsigned char head[12 + NPY_MAX_HEADER];
    size_t n = fread(head, 1, sizeof head, f);
    if (ferror(f))
        return npy_fail(path, err, errlen, "read error: %s", strerror(errno));
    Head h;
    if (!parse_head(path, head, n, want, &h, err, errlen))
        return false;
    size_t got = n - h.data_off; /* data bytes already in head */
    struct stat st;
    bool sized = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode);
    if (sized) {
        /* Check before allocating: a hostile header cannot make us malloc. */
        size_t have = (uint64_t)st.st_size >= h.data_off ? (size_t)st.st_size - h.data_off : 0;
        if (have != h.nbytes)
            return size_mismatch(path, &h, "", have, err, errlen);
    } else if (got > h.nbytes) {
        return size_mismatch(path, &h, "at least ", got, err, errlen);
    }
    unsigned char *data = alloc_data(h.nbytes);
    if (!data)
        return npy_fail(path, err, errlen, "out of memory for %zu bytes of data", h.nbytes);
    memcpy(data, head + h.data_off, got);
    size_t rest = fread(data + got, 1, h.nbytes - got, f);
    if (ferror(f)) {
        free(data);
        return npy_fail(path, err, errlen, "read error: %s", strerror(errno));
    }
    if (got + rest < h.nbytes || fgetc(f) != EOF) {
        free(data);
        bool more = got + rest == h.nbytes;
        return size_mismatch(path, &h, more ? "more than " : "", got + rest, err, errlen);
    }
    return finish(path, &h, data, out, err, errlen);
}

bool npy_read_as(const char *path, DType want, NpyArray *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return npy_fail(path, err, errlen, "cannot open: %s", strerror(errno));
    bool ok = read_file(path, f, want, out, err, errlen);
    fclose(f);
    return ok;
}

bool npy_read(const char *path, NpyArray *out, char *err, size_t errlen)
{
    return npy_read_as(path, DT_ERROR, out, err, errlen);
}

void npy_free(NpyArray *a)
{
    if (!a)
        return;
    free(a->alloc);
    memset(a, 0, sizeof *a);
}
