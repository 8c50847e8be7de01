/* std attention against the unfused definition in double (scores, mask,
 * softmax, weighted sum, each step materialised), and std rotary against
 * the rotation written out; broadcast heads, masks, causal, strided. */
#include "stdlib/stdops_util.h"

/* o = softmax(q kᵀ scale + mask, causal) v for q [Z, S, E], k [Z, L, E],
 * v [Z, L, F]; mask [S, L] (or NULL), the same for every z. */
static double *unfused_attention(const TT *q, const TT *k, const TT *v, const TT *mask, int64_t z, int64_t s,
                                 int64_t l, int64_t e, int64_t f, double scale, bool causal, bool kv_shared)
{
    double *o = calloc((size_t)(z * s * f) + 1, sizeof *o);
    double *sc = calloc((size_t)(s * l) + 1, sizeof *sc);
    for (int64_t b = 0; b < z; b++) {
        int64_t kb = kv_shared ? 0 : b;
        for (int64_t i = 0; i < s; i++)
            for (int64_t j = 0; j < l; j++) {
                double acc = 0;
                for (int64_t c = 0; c < e; c++)
                    acc += tt_get(q, (b * s + i) * e + c) * tt_get(k, (kb * l + j) * e + c);
                sc[i * l + j] = causal && j > i ? -INFINITY : acc * scale + (mask ? tt_get(mask, i * l + j) : 0);
            }
        for (int64_t i = 0; i < s; i++) {
            double mx = -INFINITY, den = 0;
            for (int64_t j = 0; j < l; j++)
                mx = fmax(mx, sc[i * l + j]);
            for (int64_t j = 0; j < l; j++)
                den += sc[i * l + j] = exp(sc[i * l + j] - mx);
            for (int64_t c = 0; c < f; c++) {
                double acc = 0;
                for (int64_t j = 0; j < l; j++)
                    acc += sc[i * l + j] / den * tt_get(v, (kb * l + j) * f + c);
                o[(b * s + i) * f + c] = acc;
            }
        }
    }
    free(sc);
    return o;
}

Test(stdops_attention, against_unfused)
{
    const DType dts[] = {DT_F32, DT_F64, DT_F16, DT_BF16};
    for (size_t t = 0; t < 4; t++)
        for (int variant = 0; variant < 3; variant++) {
            DType dt = dts[t];
            int64_t bsz = 2, h = 3, s = 5, l = variant == 1 ? 5 : 7, e = 4, f = 3;
            bool causal = variant == 1, masked = variant == 2, strided = (t + variant) % 2;
            TT *q = tt_rand(dt, 4, S(bsz, h, s, e), strided), *k = tt_rand(dt, 4, S(bsz, h, l, e), !strided);
            TT *v = tt_rand(dt, 4, S(bsz, h, l, f), false);
            TT *mask = masked ? tt_rand(dt, 2, S(s, l), true) : NULL, *o = NULL;
            TT *in[4] = {q, k, v, mask};
            tk_attr at[2] = {tt_int("causal", causal), tt_float("scale", variant ? 0.7 : 0)};
            tt_ok("attention", at, 2, in, 4, &o, 1, strided);
            cr_assert_eq(o->t.ndim, 4);
            cr_assert_eq(o->shape[3], f);
            double scale = variant ? 0.7 : 1 / sqrt((double)e);
            double *ref = unfused_attention(q, k, v, mask, bsz * h, s, l, e, f, scale, causal, false);
            tt_check(o, ref, 2, causal ? "causal attention" : masked ? "masked attention" : "attention");
            free(ref);
            tt_free(q);
            tt_free(k);
            tt_free(v);
            tt_free(mask);
            tt_free(o);
        }
}

Test(stdops_attention, shared_keys_and_one_query)
{
    /* k and v of one head broadcast to 4 query heads; a single query */
    TT *q = tt_rand(DT_F32, 3, S(4, 1, 8), false), *k = tt_rand(DT_F32, 3, S(1, 6, 8), true);
    TT *v = tt_rand(DT_F32, 3, S(1, 6, 2), false), *o = NULL, *in[4] = {q, k, v, NULL};
    tt_ok("attention", NULL, 0, in, 4, &o, 1, false);
    double *ref = unfused_attention(q, k, v, NULL, 4, 1, 6, 8, 2, 1 / sqrt(8.0), false, true);
    tt_check(o, ref, 2, "attention with shared keys");
    free(ref);
    tt_free(q);
    tt_free(k);
    tt_free(v);
    tt_free(o);
}

Test(stdops_attention, rotary)
{
    const DType dts[] = {DT_F32, DT_F64, DT_F16};
    for (size_t t = 0; t < 3; t++)
        for (int inter = 0; inter < 2; inter++) {
            DType dt = dts[t];
            int64_t z = 3, s = 4, d = 7, r = 3; /* features 6 pass through */
            TT *x = tt_rand(dt, 4, S(1, z, s, d), inter), *cs = tt_new(dt, 2, S(s, r), false);
            TT *sn = tt_new(dt, 2, S(s, r), true), *y = NULL;
            for (int64_t p = 0; p < s; p++)
                for (int64_t i = 0; i < r; i++) {
                    double th = (double)p * pow(100.0, -(double)i / (double)r);
                    tt_set(cs, p * r + i, cos(th));
                    tt_set(sn, p * r + i, sin(th));
                }
            TT *in[3] = {x, cs, sn};
            tk_attr at = tt_int("interleaved", inter);
            tt_ok("rotary", &at, 1, in, 3, &y, 1, !inter);
            double *ref = calloc((size_t)(z * s * d), sizeof *ref);
            for (int64_t b = 0; b < z; b++)
                for (int64_t p = 0; p < s; p++) {
                    int64_t row = (b * s + p) * d;
                    for (int64_t c = 0; c < d; c++)
                        ref[row + c] = tt_get(x, row + c);
                    for (int64_t i = 0; i < r; i++) {
                        int64_t a = inter ? 2 * i : i, bb = inter ? 2 * i + 1 : i + r;
                        double x0 = tt_get(x, row + a), x1 = tt_get(x, row + bb);
                        double c = tt_get(cs, p * r + i), sv = tt_get(sn, p * r + i);
                        ref[row + a] = x0 * c - x1 * sv;
                        ref[row + bb] = x1 * c + x0 * sv;
                    }
                }
            tt_check(y, ref, 2, inter ? "rotary interleaved" : "rotary");
            free(ref);
            tt_free(x);
            tt_free(cs);
            tt_free(sn);
            tt_free(y);
        }
}

Test(stdops_attention, bad_calls)
{
    TT *q = tt_rand(DT_F32, 3, S(2, 5, 4), false), *k = tt_rand(DT_F32, 3, S(2, 6, 3), false);
    TT *v = tt_rand(DT_F32, 3, S(2, 6, 2), false), *in[4] = {q, k, v, NULL};
    tt_fails("attention", NULL, 0, in, 4, 1, "k's last dim is 3 but q's is 4");
    TT *k4 = tt_rand(DT_F32, 3, S(3, 6, 4), false);
    in[1] = k4;
    tt_fails("attention", NULL, 0, in, 4, 1, "does not broadcast");
    TT *cs = tt_rand(DT_F32, 2, S(5, 3), false), *inr[3] = {q, cs, cs};
    tt_fails("rotary", NULL, 0, inr, 3, 1, "cos must be [S, R] with S = 5 (x's positions) and 2R <= 4");
    TT *qi = tt_rand(DT_I32, 3, S(2, 5, 4), false), *ini[4] = {qi, qi, qi, NULL};
    tt_fails("attention", NULL, 0, ini, 4, 1, "i32");
    tt_free(q);
    tt_free(k);
    tt_free(v);
    tt_free(k4);
    tt_free(cs);
    tt_free(qi);
}
