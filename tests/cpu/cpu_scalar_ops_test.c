/* The scalar operations of docs/semantics.md added for the operator
 * library (trunc, fmod, round half to even, inf and nan literals, unsigned
 * arithmetic, bit operations, bitcast), run on the reference interpreter
 * and compiled for the CPU, each element checked against an independent C
 * reference, on lengths around the vector width (0, 1, 7, 37, 1000) so that
 * vector bodies and scalar tails both run, over special values. */
#include "cpu/cpu_util.h"

#include <stdint.h>

enum { MAX_OPS = 12 };

/* One element of the C reference: inputs and the output index. */
typedef Val (*RefFn)(int out, const Val *in);

typedef struct Case {
    const char *src;       /* one kernel "k": inputs x[, y] of one length, outputs of that length */
    int         nin, nout;
    DType       in_t[2], out_t[MAX_OPS];
    const Val  *values[2]; /* the inputs cycle through these */
    size_t      nvalues[2];
    RefFn       ref;
} Case;

static const int64_t LENGTHS[] = {0, 1, 7, 37, 1000};

static void fill(Ten *x, const Val *v, size_t nv, size_t stride)
{
    int64_t idx[1] = {0};
    for (int64_t i = 0; i < x->shape[0]; i++) {
        idx[0] = i;
        val_store(x->t, ten_ptr(x, idx), v[(size_t)i * stride % nv]);
    }
}

static bool same_val(DType t, Val a, Val b)
{
    if (dtype_is_float(t)) {
        if (isnan(a.f) || isnan(b.f))
            return isnan(a.f) && isnan(b.f);
        return a.f == b.f && signbit(a.f) == signbit(b.f); /* -0.0 is not 0.0 */
    }
    return val_wrap(t, a.i) == val_wrap(t, b.i);
}

static void run_case(const Case *cs)
{
    Prog *pr = prog_new(cs->src);
    KernelInfo *k = prog_kernel(pr, "k");
    CpuBackend *be = backend_new();
    for (size_t li = 0; li < sizeof LENGTHS / sizeof *LENGTHS; li++) {
        int64_t n = LENGTHS[li];
        Ten *in[2] = {0}, *oi[MAX_OPS], *oc[MAX_OPS];
        DLTensor *ins[2] = {0}, *outs_i[MAX_OPS], *outs_c[MAX_OPS];
        for (int a = 0; a < cs->nin; a++) {
            in[a] = ten_make(cs->in_t[a], 1, &n, a ? LAY_PAD : LAY_C);
            fill(in[a], cs->values[a], cs->nvalues[a], a ? 7 : 1); /* y walks its table at another pace */
            ins[a] = &in[a]->dl;
        }
        for (int o = 0; o < cs->nout; o++) {
            oi[o] = ten_make(cs->out_t[o], 1, &n, LAY_C), outs_i[o] = &oi[o]->dl;
            oc[o] = ten_make(cs->out_t[o], 1, &n, LAY_C), outs_c[o] = &oc[o]->dl;
        }
        char err[512];
        TkScalarValue sc[2] = {{0}};
        LaunchArgs li_args = {ins, sc, outs_i}, lc_args = {ins, sc, outs_c};
        cr_assert(interp_run(k, &li_args, err, sizeof err), "interp: %s", err);
        CpuCompileInfo ci;
        cr_assert(cpu_launch_compiled(be, pr, k, &lc_args, &ci, err, sizeof err), "cpu: %s", err);
        for (int64_t i = 0; i < n; i++) {
            int64_t idx[1] = {i};
            Val v[2] = {{0}};
            for (int a = 0; a < cs->nin; a++)
                v[a] = val_load(cs->in_t[a], ten_ptr(in[a], idx));
            for (int o = 0; o < cs->nout; o++) {
                DType t = cs->out_t[o];
                Val want = cs->ref(o, v), got_i = val_load(t, ten_ptr(oi[o], idx)),
                    got_c = val_load(t, ten_ptr(oc[o], idx));
                char a[64], b[64], w[64], x0[64], x1[64] = "";
                val_format(t, got_i, a, sizeof a), val_format(t, got_c, b, sizeof b), val_format(t, want, w, sizeof w);
                val_format(cs->in_t[0], v[0], x0, sizeof x0);
                if (cs->nin > 1)
                    val_format(cs->in_t[1], v[1], x1, sizeof x1);
                cr_expect(same_val(t, got_i, want), "interp output %d at n=%lld i=%lld (x=%s y=%s): %s, want %s", o,
                          (long long)n, (long long)i, x0, x1, a, w);
                cr_expect(same_val(t, got_c, want), "cpu output %d at n=%lld i=%lld (x=%s y=%s): %s, want %s", o,
                          (long long)n, (long long)i, x0, x1, b, w);
            }
        }
        for (int a = 0; a < cs->nin; a++)
            ten_free(in[a]);
        for (int o = 0; o < cs->nout; o++)
            ten_free(oi[o]), ten_free(oc[o]);
    }
    cpu_backend_destroy(be);
    prog_free(pr);
}

#define F(x) {.f = (x)}
#define I(x) {.i = (int64_t)(x)}
#define COUNT(a) (sizeof(a) / sizeof *(a))

static const Val FLOATS[] = {
    F(5.5),  F(-5.5), F(2.5),     F(-2.5),    F(0.5),  F(-0.5), F(1.5),    F(-1.5),   F(0.0),     F(-0.0),
    F(7.0),  F(-7.0), F(INFINITY), F(-INFINITY), F(NAN), F(1e30), F(-1e30), F(3.75),  F(1e-40),   F(0.49999997),
    F(-3.0), F(2.0),  F(8388609.0), F(4503599627370497.0), F(0.1),
};

/* ---- trunc, fmod, round, inf and nan ------------------------------------ */

static double f32r(double x) { return (double)(float)x; }

static Val float_ops_ref32(int out, const Val *v)
{
    double x = v[0].f, y = v[1].f;
    switch (out) {
    case 0: return (Val){.f = f32r(fmodf((float)x, (float)y))};
    case 1: return (Val){.f = truncf((float)x)};
    case 2: return (Val){.f = rintf((float)x)}; /* default rounding mode: half to even */
    case 3: return (Val){.f = x > 1.0 ? INFINITY : x < -1.0 ? -INFINITY : NAN};
    default: return (Val){.f = fmaxf((float)x, -INFINITY)};
    }
}

static Val float_ops_ref64(int out, const Val *v)
{
    double x = v[0].f, y = v[1].f;
    switch (out) {
    case 0: return (Val){.f = fmod(x, y)};
    case 1: return (Val){.f = trunc(x)};
    case 2: return (Val){.f = rint(x)};
    case 3: return (Val){.f = x > 1.0 ? INFINITY : x < -1.0 ? -INFINITY : NAN};
    default: return (Val){.f = fmax(x, -INFINITY)};
    }
}

#define FLOAT_OPS(T)                                                                                           \
    "kernel k(x: " T "[N], y: " T "[N]) -> (a: " T "[N], b: " T "[N], c: " T "[N], d: " T "[N], e: " T "[N]) {\n" \
    "  a[i] = fmod(x[i], y[i]);\n  b[i] = trunc(x[i]);\n  c[i] = round(x[i]);\n"                           \
    "  d[i] = select(x[i] > 1.0, inf, select(x[i] < -1.0, -inf, nan));\n  e[i] = max(x[i], -inf);\n}\n"

Test(scalar_ops, trunc_fmod_round_inf_nan_f32)
{
    Case cs = {FLOAT_OPS("f32"), 2, 5, {DT_F32, DT_F32}, {DT_F32, DT_F32, DT_F32, DT_F32, DT_F32},
               {FLOATS, FLOATS}, {COUNT(FLOATS), COUNT(FLOATS)}, float_ops_ref32};
    run_case(&cs);
}

Test(scalar_ops, trunc_fmod_round_inf_nan_f64)
{
    Case cs = {FLOAT_OPS("f64"), 2, 5, {DT_F64, DT_F64}, {DT_F64, DT_F64, DT_F64, DT_F64, DT_F64},
               {FLOATS, FLOATS}, {COUNT(FLOATS), COUNT(FLOATS)}, float_ops_ref64};
    run_case(&cs);
}

/* ---- unsigned integers ---------------------------------------------------- */

/* Bits that wrap to the awkward values of every width: 0, 1, the maximum
 * and one less, the top bit alone and with 1, the other widths' maxima. */
static const Val UNSIGNED[] = {
    I(0),          I(1),          I(2),          I(3),          I(7),           I(-1),
    I(-2),         I(1u << 31),   I((1u << 31) + 1), I(1 << 15), I(65535),       I(4294967295u),
    I(INT64_MIN),  I(INT64_MAX),  I(1000),       I(12345678901LL), I(INT64_MIN + 1), I(255),
};

static DType unsigned_t; /* the type run_case is testing */

static uint64_t umask(void)
{
    size_t w = dtype_size(unsigned_t) * 8;
    return w == 64 ? UINT64_MAX : ((uint64_t)1 << w) - 1;
}

static Val unsigned_ref(int out, const Val *v)
{
    uint64_t m = umask(), x = (uint64_t)v[0].i & m, y = (uint64_t)v[1].i & m;
    double hx = trunc((double)x * 0.75);
    switch (out) {
    case 0: return (Val){.i = (int64_t)((x + y) & m)};
    case 1: return (Val){.i = (int64_t)((x - y) & m)};
    case 2: return (Val){.i = (int64_t)((x * y) & m)};
    case 3: return (Val){.i = (int64_t)(y ? x / y : 0)};
    case 4: return (Val){.i = (int64_t)(y ? x % y : 0)};
    case 5: return (Val){.i = x < y};
    case 6: return (Val){.f = (double)x};
    case 7: return (Val){.i = (int64_t)(hx >= (double)m ? m : (uint64_t)hx)};
    case 8: return (Val){.i = (int64_t)(x > y ? x : y)};
    default: return (Val){.i = (int64_t)((0 - x) & m)};
    }
}

static const char UNSIGNED_OPS[] =
    "kernel k<T>(x: T[N], y: T[N]) -> (a: T[N], b: T[N], c: T[N], d: T[N], e: T[N], f: bool[N], g: f64[N],\n"
    "    h: T[N], m: T[N], n: T[N]) {\n"
    "  a[i] = x[i] + y[i];\n  b[i] = x[i] - y[i];\n  c[i] = x[i] * y[i];\n  d[i] = x[i] / y[i];\n"
    "  e[i] = x[i] % y[i];\n  f[i] = x[i] < y[i];\n  g[i] = f64(x[i]);\n  h[i] = T(f64(x[i]) * 0.75);\n"
    "  m[i] = max(x[i], y[i]);\n  n[i] = -x[i];\n}\n";

static void run_unsigned(DType t)
{
    unsigned_t = t;
    Case cs = {UNSIGNED_OPS, 2, 10, {t, t}, {t, t, t, t, t, DT_BOOL, DT_F64, t, t, t},
               {UNSIGNED, UNSIGNED}, {COUNT(UNSIGNED), COUNT(UNSIGNED)}, unsigned_ref};
    run_case(&cs);
}

Test(scalar_ops, unsigned_u16) { run_unsigned(DT_U16); }
Test(scalar_ops, unsigned_u32) { run_unsigned(DT_U32); }
Test(scalar_ops, unsigned_u64) { run_unsigned(DT_U64); }
Test(scalar_ops, unsigned_u8) { run_unsigned(DT_U8); }

/* ---- bit operations ----------------------------------------------------- */

static DType bits_t;

/* The value of bits v in bits_t: wrapped, sign-extended for signed types. */
static int64_t in_type(int64_t v) { return val_wrap(bits_t, v); }

static Val bits_ref(int out, const Val *v)
{
    unsigned w = (unsigned)dtype_size(bits_t) * 8;
    uint64_t m = w == 64 ? UINT64_MAX : ((uint64_t)1 << w) - 1;
    int64_t x = in_type(v[0].i), y = in_type(v[1].i);
    unsigned s = (unsigned)((uint64_t)y & (w - 1)); /* the count modulo the width */
    switch (out) {
    case 0: return (Val){.i = x & y};
    case 1: return (Val){.i = x | y};
    case 2: return (Val){.i = x ^ y};
    case 3: return (Val){.i = in_type(~x)};
    case 4: return (Val){.i = in_type((int64_t)((uint64_t)x << s))};
    case 5: /* arithmetic for signed, logical for unsigned */
        return (Val){.i = dtype_is_unsigned(bits_t) ? (int64_t)(((uint64_t)x & m) >> s) : x >> s};
    default: { /* the literal 240 is -16 in i8, and >> is arithmetic there */
        int64_t hi = x & in_type(240), lo = in_type((x & 15) << 4);
        return (Val){.i = (dtype_is_unsigned(bits_t) ? (int64_t)((uint64_t)hi >> 4) : hi >> 4) | lo};
    }
    }
}

static const char BIT_OPS[] =
    "kernel k<T>(x: T[N], y: T[N]) -> (a: T[N], b: T[N], c: T[N], d: T[N], e: T[N], f: T[N], g: T[N]) {\n"
    "  a[i] = x[i] & y[i];\n  b[i] = x[i] | y[i];\n  c[i] = x[i] ^ y[i];\n  d[i] = ~x[i];\n"
    "  e[i] = x[i] << y[i];\n  f[i] = x[i] >> y[i];\n  g[i] = (x[i] & 240) >> 4 | (x[i] & 15) << 4;\n}\n";

/* Shift counts in range, at the width, past it and negative. */
static const Val COUNTS[] = {I(0), I(1), I(3), I(7), I(8), I(15), I(16), I(31), I(32), I(33), I(63), I(64), I(65),
                             I(-1), I(-8), I(100), I(-65)};

static void run_bits(DType t)
{
    bits_t = t;
    Case cs = {BIT_OPS, 2, 7, {t, t}, {t, t, t, t, t, t, t}, {UNSIGNED, COUNTS}, {COUNT(UNSIGNED), COUNT(COUNTS)},
               bits_ref};
    run_case(&cs);
}

Test(scalar_ops, bits_i8) { run_bits(DT_I8); }
Test(scalar_ops, bits_i32) { run_bits(DT_I32); }
Test(scalar_ops, bits_i64) { run_bits(DT_I64); }
Test(scalar_ops, bits_u8) { run_bits(DT_U8); }
Test(scalar_ops, bits_u16) { run_bits(DT_U16); }
Test(scalar_ops, bits_u32) { run_bits(DT_U32); }
Test(scalar_ops, bits_u64) { run_bits(DT_U64); }

/* ---- bitcast ------------------------------------------------------------ */

static Val bitcast_ref32(int out, const Val *v)
{
    float f = (float)v[0].f;
    uint32_t u;
    memcpy(&u, &f, 4);
    switch (out) {
    case 0: return (Val){.i = u};
    case 1: return (Val){.i = (int32_t)u};
    default: { /* the sign bit flipped through the integer view: -x, also for NaN and 0 */
        uint32_t n = u ^ 0x80000000u;
        float r;
        memcpy(&r, &n, 4);
        return (Val){.f = r};
    }
    }
}

static Val bitcast_ref64(int out, const Val *v)
{
    uint64_t u;
    memcpy(&u, &v[0].f, 8);
    switch (out) {
    case 0: return (Val){.i = (int64_t)u};
    case 1: return (Val){.i = (int64_t)u};
    default: {
        uint64_t n = u ^ 0x8000000000000000u;
        double r;
        memcpy(&r, &n, 8);
        return (Val){.f = r};
    }
    }
}

static Val bitcast_ref16(int out, const Val *v)
{
    uint16_t h = f64_to_f16_rm(v[0].f, TK_ROUND_NEAREST_EVEN, 0);
    switch (out) {
    case 0: return (Val){.i = h};
    case 1: return (Val){.i = (int16_t)h};
    default: return (Val){.f = f16_to_f32((uint16_t)(h ^ 0x8000))};
    }
}

#define BITCASTS(F, U, I)                                                                                   \
    "kernel k(x: " F "[N]) -> (u: " U "[N], s: " I "[N], n: " F "[N]) {\n"                                  \
    "  u[i] = bitcast<" U ">(x[i]);\n  s[i] = bitcast<" I ">(x[i]);\n"                                      \
    "  n[i] = bitcast<" F ">(bitcast<" U ">(x[i]) ^ bitcast<" U ">(" F "(-0.0)));\n}\n"

Test(scalar_ops, bitcast_f32)
{
    Case cs = {BITCASTS("f32", "u32", "i32"), 1, 3, {DT_F32}, {DT_U32, DT_I32, DT_F32}, {FLOATS}, {COUNT(FLOATS)},
               bitcast_ref32};
    run_case(&cs);
}

Test(scalar_ops, bitcast_f64)
{
    Case cs = {BITCASTS("f64", "u64", "i64"), 1, 3, {DT_F64}, {DT_U64, DT_I64, DT_F64}, {FLOATS}, {COUNT(FLOATS)},
               bitcast_ref64};
    run_case(&cs);
}

Test(scalar_ops, bitcast_f16)
{
    Case cs = {BITCASTS("f16", "u16", "i16"), 1, 3, {DT_F16}, {DT_U16, DT_I16, DT_F16}, {FLOATS}, {COUNT(FLOATS)},
               bitcast_ref16};
    run_case(&cs);
}
