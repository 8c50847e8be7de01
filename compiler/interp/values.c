/* Scalar value semantics of the reference interpreter (docs/semantics.md):
 * floats computed in double and rounded to the dtype's arithmetic precision
 * after every operation, integers in int64 wrapped to the dtype, floor
 * division, saturating float-to-int casts, intrinsics and reduction steps.
 * A u64 value is held as its bits in int64, so unsigned types compare,
 * divide and convert through uint64_t. */
#include "compiler/interp/interp_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lang/intrinsics.h"
#include "support/half.h"

double val_round(DType t, double x)
{
    /* f16 and bf16 compute in f32 and round to their own precision only when
     * stored or cast; f32 rounds after every operation; f64 never. */
    return t == DT_F64 ? x : (double)(float)x;
}

int64_t val_wrap(DType t, int64_t x)
{
    switch (t) {
    case DT_BOOL: return x != 0;
    case DT_I8: return (int8_t)(uint8_t)(uint64_t)x;
    case DT_I16: return (int16_t)(uint16_t)(uint64_t)x;
    case DT_I32: return (int32_t)(uint32_t)(uint64_t)x;
    case DT_U8: return (uint8_t)(uint64_t)x;
    case DT_U16: return (uint16_t)(uint64_t)x;
    case DT_U32: return (uint32_t)(uint64_t)x;
    default: return x; /* i64, and u64 as its bits */
    }
}

static void int_range(DType t, int64_t *lo, int64_t *hi)
{
    switch (t) {
    case DT_BOOL: *lo = 0, *hi = 1; break;
    case DT_I8: *lo = INT8_MIN, *hi = INT8_MAX; break;
    case DT_I16: *lo = INT16_MIN, *hi = INT16_MAX; break;
    case DT_I32: *lo = INT32_MIN, *hi = INT32_MAX; break;
    case DT_U8: *lo = 0, *hi = UINT8_MAX; break;
    case DT_U16: *lo = 0, *hi = UINT16_MAX; break;
    case DT_U32: *lo = 0, *hi = UINT32_MAX; break;
    case DT_U64: *lo = 0, *hi = -1; break; /* UINT64_MAX as bits: callers of int_range handle u64 first */
    default: *lo = INT64_MIN, *hi = INT64_MAX; break;
    }
}

Val val_load(DType t, const void *p)
{
    Val v = {0};
    union { uint8_t u8; int8_t i8; int16_t i16; int32_t i32; int64_t i64; uint16_t h; uint32_t u32; float f;
            double d; } u;
    memcpy(&u, p, dtype_size(t));
    switch (t) {
    case DT_BOOL: v.i = u.u8 != 0; break;
    case DT_I8: v.i = u.i8; break;
    case DT_I16: v.i = u.i16; break;
    case DT_I32: v.i = u.i32; break;
    case DT_I64: v.i = u.i64; break;
    case DT_U8: v.i = u.u8; break;
    case DT_U16: v.i = u.h; break;
    case DT_U32: v.i = u.u32; break;
    case DT_U64: v.i = u.i64; break;
    case DT_F16: v.f = f16_to_f32(u.h); break;
    case DT_BF16: v.f = bf16_to_f32(u.h); break;
    case DT_F32: v.f = u.f; break;
    case DT_F64: v.f = u.d; break;
    default: break;
    }
    return v;
}

void val_store(DType t, void *p, Val v)
{
    union { uint8_t u8; int8_t i8; int16_t i16; int32_t i32; int64_t i64; uint16_t h; uint32_t u32; float f;
            double d; } u;
    switch (t) {
    case DT_BOOL: u.u8 = v.i != 0; break;
    case DT_I8: u.i8 = (int8_t)val_wrap(t, v.i); break;
    case DT_I16: u.i16 = (int16_t)val_wrap(t, v.i); break;
    case DT_I32: u.i32 = (int32_t)val_wrap(t, v.i); break;
    case DT_I64: u.i64 = v.i; break;
    case DT_U8: u.u8 = (uint8_t)val_wrap(t, v.i); break;
    case DT_U16: u.h = (uint16_t)val_wrap(t, v.i); break;
    case DT_U32: u.u32 = (uint32_t)val_wrap(t, v.i); break;
    case DT_U64: u.i64 = v.i; break;
    case DT_F16: u.h = f64_to_f16_rm(v.f, TK_ROUND_NEAREST_EVEN, 0); break;
    case DT_BF16: u.h = f64_to_bf16_rm(v.f, TK_ROUND_NEAREST_EVEN, 0); break;
    case DT_F32: u.f = (float)v.f; break;
    case DT_F64: u.d = v.f; break;
    default: return;
    }
    memcpy(p, &u, dtype_size(t));
}

Val val_bitcast(DType to, DType from, Val x)
{
    unsigned char bits[8] = {0};
    val_store(from, bits, x); /* f16/bf16 round to their storage here, as a store would */
    return val_load(to, bits);
}

/* Shifts take the count modulo the width (docs/semantics.md); >> is
 * arithmetic on signed types, logical on unsigned ones. */
static Val shift(int op, DType t, int64_t x, int64_t count)
{
    unsigned bits = (unsigned)dtype_size(t) * 8, s = (unsigned)((uint64_t)count & (bits - 1));
    if (op == OP_SHL)
        return (Val){.i = val_wrap(t, (int64_t)((uint64_t)x << s))};
    if (dtype_is_unsigned(t))
        return (Val){.i = (int64_t)((uint64_t)x >> s)}; /* x is already in [0, max] (u64: its bits) */
    return (Val){.i = x >> s}; /* arithmetic: x is sign-extended to int64 */
}

Val val_unary(int op, DType t, Val x)
{
    if (op == OP_NOT)
        return (Val){.i = !x.i};
    if (op == OP_BITNOT)
        return (Val){.i = val_wrap(t, ~x.i)};
    if (dtype_is_float(t))
        return (Val){.f = -x.f};
    return (Val){.i = val_wrap(t, (int64_t)(0 - (uint64_t)x.i))};
}

static int64_t floor_div(int64_t a, int64_t b)
{
    if (b == 0)
        return 0;
    if (b == -1)
        return (int64_t)(0 - (uint64_t)a); /* INT64_MIN / -1 wraps */
    int64_t q = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
    if (b == 0 || b == -1)
        return 0;
    int64_t r = a % b;
    if (r != 0 && ((r < 0) != (b < 0)))
        r += b;
    return r;
}

Val val_binary(int op, DType t, Val a, Val b)
{
    if (op == OP_AND)
        return (Val){.i = a.i && b.i};
    if (op == OP_OR)
        return (Val){.i = a.i || b.i};
    if (dtype_is_float(t)) {
        double x = a.f, y = b.f;
        switch (op) {
        case OP_ADD: return (Val){.f = val_round(t, x + y)};
        case OP_SUB: return (Val){.f = val_round(t, x - y)};
        case OP_MUL: return (Val){.f = val_round(t, x * y)};
        case OP_DIV: return (Val){.f = val_round(t, x / y)};
        case OP_MOD: return (Val){.f = val_round(t, x - y * floor(x / y))};
        case OP_EQ: return (Val){.i = x == y};
        case OP_NE: return (Val){.i = x != y};
        case OP_LT: return (Val){.i = x < y};
        case OP_LE: return (Val){.i = x <= y};
        case OP_GT: return (Val){.i = x > y};
        case OP_GE: return (Val){.i = x >= y};
        default: return (Val){0};
        }
    }
    int64_t x = a.i, y = b.i;
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y;
    if (dtype_is_unsigned(t)) { /* values are in [0, max]: plain unsigned arithmetic, x / 0 == 0 */
        switch (op) {
        case OP_DIV: return (Val){.i = uy ? (int64_t)(ux / uy) : 0};
        case OP_MOD: return (Val){.i = uy ? (int64_t)(ux % uy) : 0};
        case OP_LT: return (Val){.i = ux < uy};
        case OP_LE: return (Val){.i = ux <= uy};
        case OP_GT: return (Val){.i = ux > uy};
        case OP_GE: return (Val){.i = ux >= uy};
        default: break; /* + - * wrap, == != compare bits: as signed */
        }
    }
    switch (op) {
    case OP_BITAND: return (Val){.i = x & y};
    case OP_BITOR: return (Val){.i = x | y};
    case OP_BITXOR: return (Val){.i = x ^ y};
    case OP_SHL:
    case OP_SHR: return shift(op, t, x, y);
    case OP_ADD: return (Val){.i = val_wrap(t, (int64_t)(ux + uy))};
    case OP_SUB: return (Val){.i = val_wrap(t, (int64_t)(ux - uy))};
    case OP_MUL: return (Val){.i = val_wrap(t, (int64_t)(ux * uy))};
    case OP_DIV: return (Val){.i = val_wrap(t, floor_div(x, y))};
    case OP_MOD: return (Val){.i = val_wrap(t, floor_mod(x, y))};
    case OP_EQ: return (Val){.i = x == y};
    case OP_NE: return (Val){.i = x != y};
    case OP_LT: return (Val){.i = x < y};
    case OP_LE: return (Val){.i = x <= y};
    case OP_GT: return (Val){.i = x > y};
    case OP_GE: return (Val){.i = x >= y};
    default: return (Val){0};
    }
}

Val val_cast(DType to, DType from, Val x)
{
    bool ff = dtype_is_float(from);
    if (to == DT_BOOL)
        return (Val){.i = ff ? x.f != 0 : x.i != 0};
    if (dtype_is_float(to)) {
        double d = ff ? x.f : from == DT_U64 ? (double)(uint64_t)x.i : (double)x.i;
        switch (to) {
        case DT_F16: return (Val){.f = f16_to_f32(f64_to_f16_rm(d, TK_ROUND_NEAREST_EVEN, 0))};
        case DT_BF16: return (Val){.f = bf16_to_f32(f64_to_bf16_rm(d, TK_ROUND_NEAREST_EVEN, 0))};
        default: return (Val){.f = val_round(to, d)};
        }
    }
    if (!ff)
        return (Val){.i = val_wrap(to, x.i)};
    /* Float to integer: toward zero, saturating, NaN to 0. */
    int64_t lo, hi;
    int_range(to, &lo, &hi);
    double d = x.f;
    if (isnan(d))
        return (Val){.i = 0};
    d = trunc(d);
    if (to == DT_U64) {
        if (d <= 0)
            return (Val){.i = 0};
        return (Val){.i = d >= 18446744073709551616.0 ? -1 : (int64_t)(uint64_t)d};
    }
    if (d <= (double)lo)
        return (Val){.i = lo};
    if (d >= 9223372036854775808.0 || d >= (double)hi)
        return (Val){.i = hi};
    return (Val){.i = (int64_t)d};
}

/* Float max/min: a NaN operand is ignored (C fmax/fmin) and -0 < +0, which
 * fmax/fmin leave open (docs/semantics.md; the compiled code agrees). */
static Val maxv(DType t, Val a, Val b)
{
    if (dtype_is_float(t))
        return (Val){.f = a.f == b.f ? (signbit(a.f) ? b.f : a.f) : fmax(a.f, b.f)};
    if (dtype_is_unsigned(t))
        return (uint64_t)a.i >= (uint64_t)b.i ? a : b;
    return a.i >= b.i ? a : b;
}

static Val minv(DType t, Val a, Val b)
{
    if (dtype_is_float(t))
        return (Val){.f = a.f == b.f ? (signbit(a.f) ? a.f : b.f) : fmin(a.f, b.f)};
    if (dtype_is_unsigned(t))
        return (uint64_t)a.i <= (uint64_t)b.i ? a : b;
    return a.i <= b.i ? a : b;
}

Val val_intrinsic(int id, DType t, const Val *v)
{
    double x = v[0].f, r;
    switch (id) {
    case INTR_ABS:
        if (dtype_is_float(t))
            return (Val){.f = fabs(x)};
        return v[0].i < 0 && !dtype_is_unsigned(t) ? val_unary(OP_NEG, t, v[0]) : v[0];
    case INTR_MAX: return maxv(t, v[0], v[1]);
    case INTR_MIN: return minv(t, v[0], v[1]);
    case INTR_CLAMP: return minv(t, maxv(t, v[0], v[1]), v[2]);
    case INTR_SELECT: return v[0].i ? v[1] : v[2];
    case INTR_EXP: r = exp(x); break;
    case INTR_LOG: r = log(x); break;
    case INTR_SQRT: r = sqrt(x); break;
    case INTR_RSQRT: r = 1.0 / sqrt(x); break;
    case INTR_TANH: r = tanh(x); break;
    case INTR_ERF: r = erf(x); break;
    case INTR_SIGMOID: r = 1.0 / (1.0 + exp(-x)); break;
    case INTR_FLOOR: r = floor(x); break;
    case INTR_CEIL: r = ceil(x); break;
    case INTR_ROUND: r = nearbyint(x); break; /* default mode: half to even */
    case INTR_TRUNC: r = trunc(x); break;
    case INTR_FMOD: r = fmod(x, v[1].f); break; /* exact: the sign of x, NaN for y == 0 */
    case INTR_POW: r = pow(x, v[1].f); break;
    default: r = 0; break;
    }
    return (Val){.f = val_round(t, r)};
}

Val val_identity(int redop, DType t)
{
    int64_t lo, hi;
    int_range(t, &lo, &hi);
    bool f = dtype_is_float(t);
    switch (redop) {
    case RED_PROD: return f ? (Val){.f = 1.0} : (Val){.i = 1};
    case RED_MAX:
    case RED_ARGMAX: return f ? (Val){.f = -INFINITY} : (Val){.i = lo};
    case RED_MIN:
    case RED_ARGMIN: return f ? (Val){.f = INFINITY} : (Val){.i = hi};
    default: return f ? (Val){.f = 0.0} : (Val){.i = 0};
    }
}

Val val_combine(int redop, DType t, Val acc, Val x)
{
    switch (redop) {
    case RED_PROD: return val_binary(OP_MUL, t, acc, x);
    case RED_MAX: return maxv(t, acc, x);
    case RED_MIN: return minv(t, acc, x);
    default: return val_binary(OP_ADD, t, acc, x);
    }
}

bool val_better(int redop, DType t, Val best, Val x)
{
    if (dtype_is_float(t)) {
        if (isnan(x.f) || isnan(best.f)) /* NaN is the extreme; the first one wins */
            return isnan(x.f) && !isnan(best.f);
        return redop == RED_ARGMAX ? x.f > best.f : x.f < best.f;
    }
    if (dtype_is_unsigned(t)) /* u64 is held as its bits */
        return redop == RED_ARGMAX ? (uint64_t)x.i > (uint64_t)best.i : (uint64_t)x.i < (uint64_t)best.i;
    return redop == RED_ARGMAX ? x.i > best.i : x.i < best.i;
}

void val_format(DType t, Val v, char *buf, size_t len)
{
    if (t == DT_BOOL)
        snprintf(buf, len, "%s", v.i ? "true" : "false");
    else if (dtype_is_float(t))
        snprintf(buf, len, "%.6g", v.f);
    else if (t == DT_U64)
        snprintf(buf, len, "%llu", (unsigned long long)v.i);
    else
        snprintf(buf, len, "%lld", (long long)v.i);
}
