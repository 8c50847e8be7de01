/* Element types of DESIGN §1, shared by every layer. */
#ifndef TK_DTYPE_H
#define TK_DTYPE_H

#include <stdbool.h>
#include <stddef.h>

/* X(enum suffix, name in source, size in bytes, is_float, is_signed).
 * New types go at the end: the enum values are part of cache keys. */
#define TK_DTYPES(X)                \
    X(BOOL, "bool", 1, false, false) \
    X(I8,   "i8",   1, false, true)  \
    X(I16,  "i16",  2, false, true)  \
    X(I32,  "i32",  4, false, true)  \
    X(I64,  "i64",  8, false, true)  \
    X(U8,   "u8",   1, false, false) \
    X(F16,  "f16",  2, true,  true)  \
    X(BF16, "bf16", 2, true,  true)  \
    X(F32,  "f32",  4, true,  true)  \
    X(F64,  "f64",  8, true,  true)  \
    X(U16,  "u16",  2, false, false) \
    X(U32,  "u32",  4, false, false) \
    X(U64,  "u64",  8, false, false)

typedef enum DType {
    DT_ERROR = 0, /* a node whose type could not be determined; checks stay silent */
#define X(e, n, s, f, sg) DT_##e,
    TK_DTYPES(X)
#undef X
    DT_GENERIC,   /* a generic kernel's type parameter, before instantiation */
    DT__COUNT
} DType;

const char *dtype_name(DType t);
size_t      dtype_size(DType t);
bool        dtype_is_float(DType t);
bool        dtype_is_int(DType t);   /* integer, not bool */
bool        dtype_is_unsigned(DType t); /* u8 u16 u32 u64 (not bool) */
/* Looks a type name up ("f32" -> DT_F32); DT_ERROR when it is not one. */
DType       dtype_from_name(const char *s);

#endif
