/* Unary operators and activations against C references on random shapes
 * (rank 0 to 6; sizes 1, primes, 0), strided inputs and outputs, every
 * dtype each takes; cast over every dtype pair. */
#include "op_check.h"

typedef double (*Fn)(double x, const double *p);

static double f_neg(double x, const double *p) { return (void)p, -x; }
static double f_abs(double x, const double *p) { return (void)p, fabs(x); }
static double f_exp(double x, const double *p) { return (void)p, exp(x); }
static double f_log(double x, const double *p) { return (void)p, log(x); }
static double f_sqrt(double x, const double *p) { return (void)p, sqrt(x); }
static double f_rsqrt(double x, const double *p) { return (void)p, 1 / sqrt(x); }
static double f_recip(double x, const double *p) { return (void)p, 1 / x; }
static double f_square(double x, const double *p) { return (void)p, x * x; }
static double f_tanh(double x, const double *p) { return (void)p, tanh(x); }
static double f_erf(double x, const double *p) { return (void)p, erf(x); }
static double f_floor(double x, const double *p) { return (void)p, floor(x); }
static double f_ceil(double x, const double *p) { return (void)p, ceil(x); }
static double f_round(double x, const double *p) { return (void)p, nearbyint(x); }
static double f_sign(double x, const double *p) { return (void)p, x > 0 ? 1 : x < 0 ? -1 : x; }
static double f_not(double x, const double *p) { return (void)p, x == 0; }
static double f_isnan(double x, const double *p) { return (void)p, isnan(x) ? 1 : 0; }
static double f_isinf(double x, const double *p) { return (void)p, isinf(x) ? 1 : 0; }
static double f_id(double x, const double *p) { return (void)p, x; }
static double sigm(double x) { return 1 / (1 + exp(-x)); }
static double f_relu(double x, const double *p) { return (void)p, x > 0 ? x : 0; }
static double f_relu6(double x, const double *p) { return (void)p, fmin(fmax(x, 0), 6); }
static double f_leaky(double x, const double *p) { return x >= 0 ? x : p[0] * x; }
static double f_elu(double x, const double *p) { return x >= 0 ? x : p[0] * (exp(x) - 1); }
static double f_selu(double x, const double *p)
{
    (void)p;
    return 1.05070102214813232421875 * (x > 0 ? x : 1.67326319217681884765625 * (exp(x) - 1));
}
static double f_celu(double x, const double *p) { return fmax(0, x) + fmin(0, p[0] * (exp(x / p[0]) - 1)); }
static double f_gelu(double x, const double *p) { return (void)p, 0.5 * x * (1 + erf(x / sqrt(2))); }
static double f_gelu_tanh(double x, const double *p)
{
    return (void)p, 0.5 * x * (1 + tanh(sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
}
static double f_silu(double x, const double *p) { return (void)p, x * sigm(x); }
static double f_mish(double x, const double *p) { return (void)p, x * tanh(log1p(exp(x))); }
static double f_sigmoid(double x, const double *p) { return (void)p, sigm(x); }
static double f_hsig(double x, const double *p) { return (void)p, fmax(0, fmin(1, 0.2 * x + 0.5)); }
static double f_hswish(double x, const double *p) { return (void)p, x * fmax(0, fmin(1, x / 6 + 0.5)); }
static double f_softplus(double x, const double *p) { return (void)p, log1p(exp(x)); }
static double f_softsign(double x, const double *p) { return (void)p, x / (1 + fabs(x)); }
static double f_thr(double x, const double *p) { return x > p[0] ? x : 0; }

#define FL (1u << DT_F32 | 1u << DT_F16 | 1u << DT_BF16 | 1u << DT_F64)
#define SI (1u << DT_I8 | 1u << DT_I32 | 1u << DT_I64)

typedef struct Case {
    const char *name;
    Fn          fn;
    double      lo, hi;     /* input range */
    uint32_t    dtypes;
    const char *attr;       /* a float attribute, or NULL */
    double      value;      /* its value */
    const char *sattr, *svalue; /* a string attribute */
    bool        bool_out;
} Case;

static const Case cases[] = {
    {"neg", f_neg, -3, 3, FL | SI, 0, 0, 0, 0, false},
    {"abs", f_abs, -3, 3, FL | SI | 1u << DT_U8, 0, 0, 0, 0, false},
    {"exp", f_exp, -3, 3, FL, 0, 0, 0, 0, false},
    {"log", f_log, 0.1, 5, FL, 0, 0, 0, 0, false},
    {"sqrt", f_sqrt, 0, 5, FL, 0, 0, 0, 0, false},
    {"rsqrt", f_rsqrt, 0.1, 5, FL, 0, 0, 0, 0, false},
    {"reciprocal", f_recip, 0.5, 4, FL, 0, 0, 0, 0, false},
    {"square", f_square, -3, 3, FL | SI, 0, 0, 0, 0, false},
    {"tanh", f_tanh, -3, 3, FL, 0, 0, 0, 0, false},
    {"erf", f_erf, -2, 2, FL, 0, 0, 0, 0, false},
    {"floor", f_floor, -3, 3, FL, 0, 0, 0, 0, false},
    {"ceil", f_ceil, -3, 3, FL, 0, 0, 0, 0, false},
    {"round", f_round, -3, 3, FL, 0, 0, 0, 0, false},
    {"sign", f_sign, -3, 3, FL | SI, 0, 0, 0, 0, false},
    {"not", f_not, 0, 1, 1u << DT_BOOL, 0, 0, 0, 0, false},
    {"isnan", f_isnan, -3, 3, FL, 0, 0, 0, 0, true},
    {"isinf", f_isinf, -3, 3, FL, 0, 0, 0, 0, true},
    {"identity", f_id, -3, 3, FL | SI | 1u << DT_BOOL | 1u << DT_U8, 0, 0, 0, 0, false},
    {"relu", f_relu, -3, 3, FL | SI, 0, 0, 0, 0, false},
    {"relu6", f_relu6, -8, 8, FL | 1u << DT_I32, 0, 0, 0, 0, false},
    {"leaky_relu", f_leaky, -3, 3, FL, "alpha", 0.1, 0, 0, false},
    {"elu", f_elu, -3, 3, FL, "alpha", 0.5, 0, 0, false},
    {"selu", f_selu, -3, 3, FL, 0, 0, 0, 0, false},
    {"celu", f_celu, -3, 3, FL, "alpha", 1.5, 0, 0, false},
    {"gelu", f_gelu, -3, 3, FL, 0, 0, 0, 0, false},
    {"gelu", f_gelu_tanh, -3, 3, 1u << DT_F32 | 1u << DT_F64, 0, 0, "approximate", "tanh", false},
    {"silu", f_silu, -3, 3, FL, 0, 0, 0, 0, false},
    {"mish", f_mish, -3, 3, FL, 0, 0, 0, 0, false},
    {"sigmoid", f_sigmoid, -5, 5, FL, 0, 0, 0, 0, false},
    {"hard_sigmoid", f_hsig, -5, 5, FL, 0, 0, 0, 0, false},
    {"hard_swish", f_hswish, -5, 5, FL, 0, 0, 0, 0, false},
    {"softplus", f_softplus, -5, 5, FL, 0, 0, 0, 0, false},
    {"softsign", f_softsign, -5, 5, FL, 0, 0, 0, 0, false},
    {"thresholded_relu", f_thr, -3, 3, FL, "alpha", 0.5, 0, 0, false},
};

static const DType all_types[] = {DT_F32, DT_F16, DT_BF16, DT_F64, DT_I8, DT_I32, DT_I64, DT_U8, DT_BOOL};

static void run_case(tk_context *ctx, const Case *c, DType t, int32_t rank, const int64_t *shape, int lin, int lout)
{
    tk_attr attrs[2];
    size_t na = 0;
    if (c->attr)
        attrs[na++] = (tk_attr){.name = c->attr, .kind = TK_ATTR_FLOAT, .f = c->value};
    if (c->sattr)
        attrs[na++] = (tk_attr){.name = c->sattr, .kind = TK_ATTR_STRING, .s = c->svalue};
    tk_op *op = op_new(ctx, c->name, attrs, na);
    Tensor x, y;
    tensor_make(&x, t, rank, shape, lin);
    fill(&x, c->lo, c->hi);
    if ((c->fn == f_isnan || c->fn == f_isinf || c->fn == f_sign) && numel_of(&x) > 2) {
        put(&x, 0, NAN);
        put(&x, 1, -INFINITY);
    }
    const DLTensor *in[] = {&x.t};
    make_output(op, in, 1, &y, 1, lout);
    cr_assert(same_dtype(y.dt, c->bool_out ? DT_BOOL : t), "%s: output dtype %s", c->name, dtype_name(y.dt));
    DLTensor *out[] = {&y.t};
    tk_status st = tk_op_launch(op, in, 1, out, 1);
    cr_assert_eq(st, TK_OK, "%s %s: %s", c->name, dtype_name(t), status_msg(st));
    double p[1] = {c->value};
    for (int64_t i = 0; i < numel_of(&x); i++) {
        double want = as_stored(y.dt, c->fn(get(&x, i), p));
        cr_assert(close_to(t, get(&y, i), want), "%s %s rank %d layouts %d/%d: element %lld of %lld is %.9g, want %.9g (x = %.9g)",
                  c->name, dtype_name(t), (int)rank, lin, lout, (long long)i, (long long)numel_of(&x), get(&y, i), want,
                  get(&x, i));
    }
    tensor_free(&x), tensor_free(&y);
    tk_op_destroy(op);
}

Test(stdlib_unary, every_operator_and_dtype_against_c)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
        for (size_t ti = 0; ti < sizeof all_types / sizeof *all_types; ti++) {
            DType t = all_types[ti];
            if (!((cases[k].dtypes >> t) & 1u))
                continue;
            int64_t shape[TK_MAX_RANK];
            int32_t rank = (int32_t)rnd_int(0, 6);
            random_shape(rank, shape, true);
            run_case(ctx, &cases[k], t, rank, shape, (int)rnd_int(0, 3), (int)rnd_int(0, 3));
        }
    tk_context_destroy(ctx);
}

/* Ranks beyond the canonical 4 that do not collapse, and rank 8. */
Test(stdlib_unary, high_ranks_and_strides)
{
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    int64_t shape[8] = {2, 3, 1, 2, 3, 2, 1, 3};
    for (int layout = 0; layout < 4; layout++)
        run_case(ctx, &cases[0], DT_F32, 8, shape, layout, 3 - layout);
    int64_t s6[6] = {3, 2, 5, 1, 2, 3};
    run_case(ctx, &cases[2], DT_F32, 6, s6, 1, 2);
    tk_context_destroy(ctx);
}

/* cast between every pair of dtypes, on values every dtype holds exactly
 * (and halves, which float-to-integer casts truncate). The full matrix
 * runs on the interpreter (169 instantiations); casts to and from f32 on
 * the CPU as well. */
static double wrap(DType to, int64_t v)
{
    switch (to) {
    case DT_I8: return (int8_t)v;
    case DT_I16: return (int16_t)v;
    case DT_I32: return (int32_t)v;
    case DT_U8: return (uint8_t)v;
    case DT_U16: return (uint16_t)v;
    case DT_U32: return (uint32_t)v;
    case DT_U64: return (double)(uint64_t)v;
    default: return (double)v;
    }
}

static double cast_ref(DType from, DType to, double v)
{
    if (to == DT_BOOL)
        return v != 0;
    if (dtype_is_float(to))
        return v;
    if (!dtype_is_float(from)) /* integer to integer wraps */
        return wrap(to, (int64_t)v);
    double t = trunc(v);
    if (dtype_is_unsigned(to) && t < 0)
        return 0;
    return t;
}

static void cast_pair(tk_context *ctx, DType from, DType to)
{
    tk_attr a = {.name = "to", .kind = TK_ATTR_STRING, .s = dtype_name(to)};
    tk_op *op = op_new(ctx, "cast", &a, 1);
    int64_t shape[2] = {3, 7};
    Tensor x, y;
    tensor_make(&x, from, 2, shape, (int)rnd_int(0, 3));
    for (int64_t i = 0; i < 21; i++) {
        double v = dtype_is_float(from) ? (double)(i - 10) * 0.5 : from == DT_BOOL ? (double)(i & 1)
                   : dtype_is_unsigned(from)                    ? (double)i
                                                                : (double)(i - 10);
        put(&x, i, v);
    }
    const DLTensor *in[] = {&x.t};
    make_output(op, in, 1, &y, 1, 0);
    cr_assert(same_dtype(y.dt, to));
    DLTensor *out[] = {&y.t};
    tk_status st = tk_op_launch(op, in, 1, out, 1);
    cr_assert_eq(st, TK_OK, "cast %s -> %s: %s", dtype_name(from), dtype_name(to), status_msg(st));
    for (int64_t i = 0; i < 21; i++)
        cr_assert_eq(get(&y, i), cast_ref(from, to, get(&x, i)), "cast %s -> %s of %g gave %g", dtype_name(from),
                     dtype_name(to), get(&x, i), get(&y, i));
    tensor_free(&x), tensor_free(&y);
    tk_op_destroy(op);
}

Test(stdlib_unary, cast_every_pair)
{
    static const DType types[] = {DT_F32, DT_F16, DT_BF16, DT_F64, DT_I8, DT_I16, DT_I32,
                                  DT_I64, DT_U8,  DT_U16,  DT_U32, DT_U64, DT_BOOL};
    tk_options interp = {.target = TK_TARGET_INTERP};
    tk_context *ictx, *cctx;
    cr_assert_eq(tk_context_create(&interp, &ictx), TK_OK);
    cr_assert_eq(tk_context_create(NULL, &cctx), TK_OK);
    for (size_t i = 0; i < 13; i++)
        for (size_t j = 0; j < 13; j++) {
            cast_pair(ictx, types[i], types[j]);
            if (types[i] == DT_F32 || types[j] == DT_F32)
                cast_pair(cctx, types[i], types[j]);
        }
    tk_context_destroy(ictx);
    tk_context_destroy(cctx);
}
