/* std conv, conv_transpose and the pools against C references in double:
 * 1-D to 3-D, strides, pads, dilations, groups (depthwise too), ceil_mode,
 * count_include_pad, auto_pad, strided tensors and each dtype. */
#include "stdlib/stdops_util.h"

/* Spatial geometry padded in front to 3 dims (unit windows). */
typedef struct Geo {
    int nsp;
    int64_t in[3], k[3], s[3], d[3], pb[3], pe[3], out[3];
} Geo;

static void geo_fill(Geo *g, const TT *x, const int64_t *k, const int64_t *s, const int64_t *d, const int64_t *pads,
                     const TT *y)
{
    g->nsp = x->t.ndim - 2;
    for (int i = 0; i < 3; i++) {
        int j = i - (3 - g->nsp);
        g->in[i] = j < 0 ? 1 : x->shape[2 + j];
        g->k[i] = j < 0 ? 1 : k[j];
        g->s[i] = j < 0 || !s ? 1 : s[j];
        g->d[i] = j < 0 || !d ? 1 : d[j];
        g->pb[i] = j < 0 || !pads ? 0 : pads[j];
        g->pe[i] = j < 0 || !pads ? 0 : pads[g->nsp + j];
        g->out[i] = j < 0 ? 1 : y->shape[2 + j];
    }
}

/* Reference conv: y[n, f, o] = bias[f] + sum x[n, g*CG + c, o*s + k*d - pb] w[f, c, k]. */
static double *ref_conv(const TT *x, const TT *w, const TT *bias, const Geo *g, int64_t group, const TT *y)
{
    int64_t nb = x->shape[0], ch = x->shape[1], f = w->shape[0], cg = ch / group;
    double *ref = calloc((size_t)tt_numel(y) + 1, sizeof *ref);
    int64_t at = 0;
    for (int64_t n = 0; n < nb; n++)
        for (int64_t o = 0; o < f; o++)
            for (int64_t z = 0; z < g->out[0]; z++)
                for (int64_t i = 0; i < g->out[1]; i++)
                    for (int64_t j = 0; j < g->out[2]; j++) {
                        double acc = bias ? tt_get(bias, o) : 0;
                        for (int64_t c = 0; c < cg; c++)
                            for (int64_t a = 0; a < g->k[0]; a++)
                                for (int64_t b = 0; b < g->k[1]; b++)
                                    for (int64_t e = 0; e < g->k[2]; e++) {
                                        int64_t pz = z * g->s[0] + a * g->d[0] - g->pb[0];
                                        int64_t pi = i * g->s[1] + b * g->d[1] - g->pb[1];
                                        int64_t pj = j * g->s[2] + e * g->d[2] - g->pb[2];
                                        if (pz < 0 || pz >= g->in[0] || pi < 0 || pi >= g->in[1] || pj < 0 ||
                                            pj >= g->in[2])
                                            continue;
                                        int64_t xc = o / (f / group) * cg + c;
                                        double xv = tt_get(x, (((n * ch + xc) * g->in[0] + pz) * g->in[1] + pi) *
                                                                  g->in[2] + pj);
                                        double wv = tt_get(w, (((o * cg + c) * g->k[0] + a) * g->k[1] + b) * g->k[2] + e);
                                        acc += xv * wv;
                                    }
                        ref[at++] = acc;
                    }
    return ref;
}

static void check_conv(DType dt, int nsp, const int64_t *xs, const int64_t *ws, int64_t group, const int64_t *s,
                       const int64_t *d, const int64_t *pads, bool with_bias, bool strided)
{
    TT *x = tt_rand(dt, nsp + 2, xs, strided), *w = tt_rand(dt, nsp + 2, ws, !strided);
    TT *bias = with_bias ? tt_rand(dt, 1, S(ws[0]), false) : NULL, *y = NULL;
    TT *in[3] = {x, w, bias};
    tk_attr at[4];
    size_t na = 0;
    at[na++] = tt_int("group", group);
    if (s)
        at[na++] = tt_ints("strides", (size_t)nsp, s);
    if (d)
        at[na++] = tt_ints("dilations", (size_t)nsp, d);
    if (pads)
        at[na++] = tt_ints("pads", 2 * (size_t)nsp, pads);
    tt_ok("conv", at, na, in, 3, &y, 1, strided);
    Geo g;
    geo_fill(&g, x, &ws[2], s, d, pads, y);
    for (int i = 0; i < 3; i++) { /* the output size, independently */
        int64_t want = (g.in[i] + g.pb[i] + g.pe[i] - g.d[i] * (g.k[i] - 1) - 1) / g.s[i] + 1;
        cr_assert_eq(g.out[i], want, "conv output dim %d is %lld, want %lld", i, (long long)g.out[i], (long long)want);
    }
    double *ref = ref_conv(x, w, bias, &g, group, y);
    tt_check(y, ref, 8, "conv");
    free(ref);
    tt_free(x);
    tt_free(w);
    tt_free(bias);
    tt_free(y);
}

Test(stdops_conv, conv_1d_2d_3d)
{
    const DType dts[] = {DT_F32, DT_F64, DT_F16, DT_BF16};
    for (size_t t = 0; t < 4; t++) {
        check_conv(dts[t], 2, S(2, 4, 7, 6), S(6, 2, 3, 2), 2, S(2, 1), S(1, 2), S(1, 0, 1, 1), true, t % 2);
        check_conv(dts[t], 1, S(1, 3, 11), S(5, 3, 3), 1, S(3), NULL, S(2, 1), t % 2 == 0, false);
    }
    check_conv(DT_F32, 3, S(1, 2, 5, 4, 3), S(3, 2, 2, 3, 2), 1, S(1, 2, 1), S(2, 1, 1), S(0, 1, 1, 1, 0, 0), true, true);
    check_conv(DT_F32, 2, S(2, 6, 5, 5), S(6, 1, 3, 3), 6, NULL, NULL, S(1, 1, 1, 1), true, false); /* depthwise */
    check_conv(DT_F32, 2, S(1, 1, 1, 1), S(1, 1, 1, 1), 1, NULL, NULL, NULL, false, false);
    check_conv(DT_F32, 2, S(0, 3, 4, 4), S(2, 3, 3, 3), 1, NULL, NULL, NULL, true, false);              /* N = 0 */
}

Test(stdops_conv, conv_auto_pad_same)
{
    TT *x = tt_rand(DT_F32, 4, S(1, 2, 7, 5), false), *w = tt_rand(DT_F32, 4, S(3, 2, 3, 2), false), *y = NULL;
    TT *in[3] = {x, w, NULL};
    tk_attr at[2] = {tt_str("auto_pad", "SAME_UPPER"), tt_ints("strides", 2, S(2, 2))};
    tt_ok("conv", at, 2, in, 3, &y, 1, false);
    cr_assert_eq(y->shape[2], 4);
    cr_assert_eq(y->shape[3], 3);
    /* SAME_UPPER: total pad 2 rows (1, 1), 1 column (0, 1) */
    Geo g;
    geo_fill(&g, x, S(3, 2), S(2, 2), NULL, S(1, 0, 1, 1), y);
    double *ref = ref_conv(x, w, NULL, &g, 1, y);
    tt_check(y, ref, 4, "conv SAME_UPPER");
    free(ref);
    tt_free(x);
    tt_free(w);
    tt_free(y);
}

/* Reference transposed conv as a scatter: each input element adds
 * x * w into the outputs its taps reach. */
static void check_conv_transpose(DType dt, int nsp, const int64_t *xs, const int64_t *ws, int64_t group,
                                 const int64_t *s, const int64_t *d, const int64_t *pads, const int64_t *outpad)
{
    TT *x = tt_rand(dt, nsp + 2, xs, true), *w = tt_rand(dt, nsp + 2, ws, false);
    int64_t fg = ws[1], f = fg * group, ch = xs[1], cg = ch / group;
    TT *bias = tt_rand(dt, 1, S(f), false), *y = NULL, *in[3] = {x, w, bias};
    tk_attr at[5] = {tt_int("group", group), tt_ints("strides", (size_t)nsp, s), tt_ints("dilations", (size_t)nsp, d),
                     tt_ints("pads", 2 * (size_t)nsp, pads), tt_ints("output_padding", (size_t)nsp, outpad)};
    tt_ok("conv_transpose", at, 5, in, 3, &y, 1, false);
    int64_t H = nsp == 2 ? xs[2] : 1, W = xs[nsp + 1], KH = nsp == 2 ? ws[2] : 1, KW = ws[nsp + 1];
    int64_t sh = nsp == 2 ? s[0] : 1, sw = s[nsp - 1], dh = nsp == 2 ? d[0] : 1, dw = d[nsp - 1];
    int64_t ph = nsp == 2 ? pads[0] : 0, pw = pads[nsp - 1];
    int64_t OH = nsp == 2 ? y->shape[2] : 1, OW = y->shape[nsp + 1];
    int64_t want_w = (W - 1) * sw + dw * (KW - 1) + 1 - pads[nsp - 1] - pads[2 * nsp - 1] + outpad[nsp - 1];
    cr_assert_eq(OW, want_w);
    double *ref = calloc((size_t)tt_numel(y) + 1, sizeof *ref);
    int64_t nb = xs[0];
    for (int64_t n = 0; n < nb; n++)
        for (int64_t o = 0; o < f; o++)
            for (int64_t i = 0; i < OH * OW; i++)
                ref[(n * f + o) * OH * OW + i] = tt_get(bias, o);
    for (int64_t n = 0; n < nb; n++)
        for (int64_t c = 0; c < ch; c++)
            for (int64_t a = 0; a < H; a++)
                for (int64_t b = 0; b < W; b++)
                    for (int64_t fo = 0; fo < fg; fo++)
                        for (int64_t kh = 0; kh < KH; kh++)
                            for (int64_t kw = 0; kw < KW; kw++) {
                                int64_t oh = a * sh + kh * dh - ph, ow = b * sw + kw * dw - pw;
                                if (oh < 0 || oh >= OH || ow < 0 || ow >= OW)
                                    continue;
                                int64_t o = c / cg * fg + fo;
                                ref[((n * f + o) * OH + oh) * OW + ow] +=
                                    tt_get(x, ((n * ch + c) * H + a) * W + b) * tt_get(w, ((c * fg + fo) * KH + kh) * KW + kw);
                            }
    tt_check(y, ref, 8, "conv_transpose");
    free(ref);
    tt_free(x);
    tt_free(w);
    tt_free(bias);
    tt_free(y);
}

Test(stdops_conv, conv_transpose)
{
    check_conv_transpose(DT_F32, 2, S(2, 4, 3, 5), S(4, 3, 3, 2), 2, S(2, 1), S(1, 2), S(1, 0, 0, 1), S(1, 0));
    check_conv_transpose(DT_F64, 2, S(1, 3, 4, 4), S(3, 2, 2, 2), 1, S(2, 2), S(1, 1), S(0, 0, 0, 0), S(0, 1));
    check_conv_transpose(DT_F16, 1, S(1, 2, 7), S(2, 3, 3), 1, S(3), S(1), S(1, 2), S(2));
}

/* Reference pool: kind 0 max, 1 avg (include: count pads), 2 lp (p). */
static double *ref_pool(const TT *x, const Geo *g, int kind, bool include, double p, const TT *y)
{
    int64_t nc = x->shape[0] * x->shape[1];
    double *ref = calloc((size_t)tt_numel(y) + 1, sizeof *ref);
    int64_t at = 0;
    for (int64_t n = 0; n < nc; n++)
        for (int64_t z = 0; z < g->out[0]; z++)
            for (int64_t i = 0; i < g->out[1]; i++)
                for (int64_t j = 0; j < g->out[2]; j++) {
                    double acc = kind == 0 ? -INFINITY : 0;
                    int64_t count = 0;
                    int64_t pos[3] = {z, i, j};
                    for (int64_t a = 0; a < g->k[0]; a++)
                        for (int64_t b = 0; b < g->k[1]; b++)
                            for (int64_t e = 0; e < g->k[2]; e++) {
                                int64_t q[3], tap[3] = {a, b, e};
                                bool inside = true, padded = true;
                                for (int u = 0; u < 3; u++) {
                                    q[u] = pos[u] * g->s[u] + tap[u] * g->d[u] - g->pb[u];
                                    inside &= q[u] >= 0 && q[u] < g->in[u];
                                    padded &= q[u] >= -g->pb[u] && q[u] < g->in[u] + g->pe[u];
                                }
                                if (inside || (include && padded))
                                    count++;
                                if (!inside)
                                    continue;
                                double v = tt_get(x, ((n * g->in[0] + q[0]) * g->in[1] + q[1]) * g->in[2] + q[2]);
                                acc = kind == 0 ? fmax(acc, v) : kind == 1 ? acc + v : acc + pow(fabs(v), p);
                            }
                    ref[at++] = kind == 1 ? acc / (double)count : kind == 2 ? pow(acc, 1 / p) : acc;
                }
    return ref;
}

static void check_pool(const char *op, DType dt, int nsp, const int64_t *xs, const int64_t *k, const int64_t *s,
                       const int64_t *d, const int64_t *pads, bool ceil_mode, bool include, int64_t p)
{
    TT *x = tt_rand(dt, nsp + 2, xs, true), *y = NULL, *in[1] = {x};
    tk_attr at[7];
    size_t na = 0;
    at[na++] = tt_ints("kernel_shape", (size_t)nsp, k);
    at[na++] = tt_int("ceil_mode", ceil_mode);
    if (s)
        at[na++] = tt_ints("strides", (size_t)nsp, s);
    if (d)
        at[na++] = tt_ints("dilations", (size_t)nsp, d);
    if (pads)
        at[na++] = tt_ints("pads", 2 * (size_t)nsp, pads);
    int kind = !strcmp(op, "max_pool") ? 0 : !strcmp(op, "avg_pool") ? 1 : 2;
    if (kind == 1)
        at[na++] = tt_int("count_include_pad", include);
    if (kind == 2)
        at[na++] = tt_int("p", p);
    tt_ok(op, at, na, in, 1, &y, 1, false);
    Geo g;
    geo_fill(&g, x, k, s, d, pads, y);
    for (int i = 0; i < 3; i++) { /* the output size, PyTorch's rule */
        int64_t room = g.in[i] + g.pb[i] + g.pe[i] - g.d[i] * (g.k[i] - 1) - 1;
        int64_t want = (ceil_mode ? (room + g.s[i] - 1) / g.s[i] : room / g.s[i]) + 1;
        if (ceil_mode && (want - 1) * g.s[i] >= g.in[i] + g.pb[i])
            want--;
        cr_assert_eq(g.out[i], want, "%s output dim %d is %lld, want %lld", op, i, (long long)g.out[i], (long long)want);
    }
    double *ref = ref_pool(x, &g, kind, include, (double)p, y);
    tt_check(y, ref, 2, op);
    free(ref);
    tt_free(x);
    tt_free(y);
}

Test(stdops_conv, pools)
{
    const DType fl[] = {DT_F32, DT_F64, DT_F16, DT_BF16};
    for (size_t t = 0; t < 4; t++) {
        check_pool("max_pool", fl[t], 2, S(2, 3, 7, 6), S(3, 2), S(2, 2), NULL, S(1, 0, 1, 1), t % 2, false, 0);
        check_pool("avg_pool", fl[t], 2, S(1, 2, 5, 7), S(3, 3), S(2, 3), NULL, S(1, 1, 1, 1), t % 2, t < 2, 0);
    }
    const DType ints[] = {DT_I8, DT_U8, DT_I32, DT_I64};
    for (size_t t = 0; t < 4; t++)
        check_pool("max_pool", ints[t], 1, S(2, 2, 9), S(3), S(2), S(2), S(2, 2), true, false, 0);
    check_pool("max_pool", DT_F32, 3, S(1, 2, 4, 5, 3), S(2, 2, 2), S(1, 2, 1), S(1, 1, 2), S(1, 0, 0, 0, 1, 1), false,
               false, 0);
    check_pool("avg_pool", DT_F32, 1, S(3, 1, 13), S(4), S(3), S(2), S(2, 1), true, true, 0);
    check_pool("avg_pool", DT_F32, 3, S(1, 1, 3, 4, 5), S(2, 2, 3), NULL, NULL, S(1, 1, 1, 0, 0, 1), false, false, 0);
    check_pool("lp_pool", DT_F32, 2, S(1, 2, 6, 5), S(2, 3), S(2, 1), NULL, S(0, 1, 1, 0), false, false, 2);
    check_pool("lp_pool", DT_F64, 1, S(2, 1, 7), S(3), S(1), NULL, NULL, false, false, 3);
    check_pool("max_pool", DT_F32, 2, S(1, 1, 1, 1), S(1, 1), NULL, NULL, NULL, false, false, 0);
}

Test(stdops_conv, global_pools)
{
    const DType dts[] = {DT_F32, DT_F64, DT_F16, DT_I32};
    for (size_t t = 0; t < 4; t++)
        for (int maxp = 0; maxp < 2; maxp++) {
            if (!maxp && !dtype_is_float(dts[t]))
                continue;
            TT *x = tt_rand(dts[t], 4, S(2, 3, 5, 7), t % 2), *y = NULL, *in[1] = {x};
            tt_ok(maxp ? "global_max_pool" : "global_avg_pool", NULL, 0, in, 1, &y, 1, true);
            cr_assert_eq(y->t.ndim, 4);
            cr_assert_eq(y->shape[2], 1);
            double ref[6];
            for (int n = 0; n < 6; n++) {
                double acc = maxp ? -INFINITY : 0;
                for (int s = 0; s < 35; s++)
                    acc = maxp ? fmax(acc, tt_get(x, n * 35 + s)) : acc + tt_get(x, n * 35 + s);
                ref[n] = maxp ? acc : acc / 35;
            }
            tt_check(y, ref, 1, maxp ? "global_max_pool" : "global_avg_pool");
            tt_free(x);
            tt_free(y);
        }
}

Test(stdops_conv, bad_calls)
{
    TT *x = tt_rand(DT_F32, 4, S(1, 4, 5, 5), false), *w = tt_rand(DT_F32, 4, S(3, 4, 3, 3), false);
    TT *in[3] = {x, w, NULL};
    tk_attr g = tt_int("group", 2);
    tt_fails("conv", &g, 1, in, 3, 1, "group 2 does not fit x's 4 channels");
    TT *w7 = tt_rand(DT_F32, 4, S(2, 4, 7, 1), false);
    in[1] = w7;
    tt_fails("conv", NULL, 0, in, 3, 1, "the window spans 7");
    tk_attr st = tt_ints("strides", 1, S(2));
    in[1] = w;
    tt_fails("conv", &st, 1, in, 3, 1, "strides has 1 values but the input has 2 spatial dims");
    tt_fails("max_pool", NULL, 0, in, 1, 1, "kernel_shape attribute is required");
    tk_attr z[2] = {tt_ints("kernel_shape", 2, S(2, 2)), tt_ints("strides", 2, S(0, 1))};
    tt_fails("max_pool", z, 2, in, 1, 1, "strides[0] is 0");
    TT *xi = tt_rand(DT_I32, 4, S(1, 1, 4, 4), false), *ini[1] = {xi};
    tt_fails("avg_pool", z, 1, ini, 1, 1, "i32");
    tt_free(x);
    tt_free(w);
    tt_free(w7);
    tt_free(xi);
}
