/* Convolution and pooling operators: conv, conv_transpose, max_pool,
 * avg_pool, lp_pool, global_avg_pool, global_max_pool (stdlib/conv.tk,
 * stdlib/pool.tk; docs/stdlib.md "Convolution and pooling"). Inputs are
 * NCHW-style [N, C, spatial...] with 1 to 3 spatial dims; the kernels are
 * 3-D (2-D for conv_transpose), so fewer spatial dims become unit dims in
 * front of the spatial ones. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stdlib/ops/layout.h"

#define SPATIAL_MAX 3

/* One sliding window per spatial dim: input and kernel sizes, strides,
 * dilations, begin and end pads, and the output size. */
typedef struct Window {
    int32_t n;
    int64_t in[SPATIAL_MAX], k[SPATIAL_MAX], s[SPATIAL_MAX], d[SPATIAL_MAX];
    int64_t pb[SPATIAL_MAX], pe[SPATIAL_MAX], out[SPATIAL_MAX];
} Window;

/* Reads an int list attribute of n (or `twice` ? 2n) entries, each >= min;
 * absent: every entry def. */
static bool spatial_ints(const OpCall *c, const char *name, int32_t n, bool twice, int64_t def, int64_t min,
                         int64_t *out)
{
    size_t want = (size_t)n * (twice ? 2u : 1u), got;
    int64_t v[2 * SPATIAL_MAX];
    if (!op_attr_ints(c, name, v, 2 * SPATIAL_MAX, &got))
        return false;
    if (got == 0) {
        for (size_t i = 0; i < want; i++)
            out[i] = def;
        return true;
    }
    if (got != want)
        return op_fail(c, "%s has %zu values but the input has %d spatial dims (%zu expected)", name, got, (int)n,
                       want);
    for (size_t i = 0; i < want; i++) {
        if (v[i] < min)
            return op_fail(c, "%s[%zu] is %" PRId64 ", below %" PRId64, name, i, v[i], min);
        out[i] = v[i];
    }
    return true;
}

/* Strides, dilations, pads (or auto_pad) and the output sizes of a window
 * whose in and k are set; ceil_mode rounds the output size up as ONNX does
 * (a last window must start inside the input or its begin padding). */
static bool window_get(const OpCall *c, Window *w, bool ceil_mode)
{
    int64_t pads[2 * SPATIAL_MAX];
    const char *autopad;
    if (!spatial_ints(c, "strides", w->n, false, 1, 1, w->s) || !spatial_ints(c, "dilations", w->n, false, 1, 1, w->d) ||
        !spatial_ints(c, "pads", w->n, true, 0, 0, pads) || !op_attr_string(c, "auto_pad", "NOTSET", &autopad))
        return false;
    bool same_upper = !strcmp(autopad, "SAME_UPPER"), same_lower = !strcmp(autopad, "SAME_LOWER");
    if (!same_upper && !same_lower && strcmp(autopad, "NOTSET") && strcmp(autopad, "VALID"))
        return op_fail(c, "auto_pad is '%s' (NOTSET, VALID, SAME_UPPER or SAME_LOWER)", autopad);
    if (strcmp(autopad, "NOTSET") && op_attr(c, "pads"))
        return op_fail(c, "pads and auto_pad=%s are given together", autopad);
    for (int32_t i = 0; i < w->n; i++) {
        int64_t span = w->d[i] * (w->k[i] - 1) + 1;
        w->pb[i] = pads[i];
        w->pe[i] = pads[w->n + i];
        if (same_upper || same_lower) {
            int64_t out = (w->in[i] + w->s[i] - 1) / w->s[i];
            int64_t total = (out - 1) * w->s[i] + span - w->in[i];
            total = total > 0 ? total : 0;
            w->pb[i] = same_upper ? total / 2 : total - total / 2;
            w->pe[i] = total - w->pb[i];
        }
        int64_t room = w->in[i] + w->pb[i] + w->pe[i] - span;
        if (room < 0)
            return op_fail(c, "spatial dim %d: the window spans %" PRId64 " (kernel %" PRId64 ", dilation %" PRId64
                           ") but the padded input has %" PRId64,
                           (int)i, span, w->k[i], w->d[i], w->in[i] + w->pb[i] + w->pe[i]);
        w->out[i] = (ceil_mode ? (room + w->s[i] - 1) / w->s[i] : room / w->s[i]) + 1;
        if (ceil_mode && (w->out[i] - 1) * w->s[i] >= w->in[i] + w->pb[i])
            w->out[i]--;
    }
    return true;
}

/* The spatial dims of x (rank 3 to 5) into w->n and w->in. */
static bool window_input(const OpCall *c, const DLTensor *x, int32_t max, Window *w)
{
    if (x->ndim < 3 || x->ndim > 2 + max)
        return op_fail(c, "x must be [N, C, spatial...] with 1 to %d spatial dims, not rank %d", (int)max,
                       (int)x->ndim);
    w->n = x->ndim - 2;
    for (int32_t i = 0; i < w->n; i++)
        w->in[i] = x->shape[2 + i];
    return true;
}

/* v (an [N, C, spatial...] tensor) with unit dims before the spatial ones
 * up to `spatial` of them. */
static void view_spatial(View *v, const DLTensor *t, int32_t spatial)
{
    view_init(v, t);
    while (v->t.ndim < 2 + spatial)
        view_insert_unit(v, 2);
}

/* The scalars of a window, front-padded to `spatial` dims with a unit
 * window (k 1, stride 1, dilation 1, no pad, out 1): pick which fields. */
static void window_scalars(const Window *w, int32_t spatial, const char *fields, tk_scalar *out, int *n)
{
    for (const char *f = fields; *f; f++)
        for (int32_t i = 0; i < spatial; i++) {
            int32_t j = i - (spatial - w->n);
            int64_t v;
            switch (*f) {
            case 'k': v = j < 0 ? 1 : w->k[j]; break;
            case 's': v = j < 0 ? 1 : w->s[j]; break;
            case 'd': v = j < 0 ? 1 : w->d[j]; break;
            case 'p': v = j < 0 ? 0 : w->pb[j]; break;
            case 'e': v = j < 0 ? 0 : w->pe[j]; break;
            default: v = j < 0 ? 1 : w->out[j]; break; /* 'o' */
            }
            out[(*n)++] = op_scalar_i(DT_I64, v);
        }
}

/* ---- conv ------------------------------------------------------------- */

static bool conv_window(const OpCall *c, Window *w, int64_t *group)
{
    const DLTensor *x = c->in[0], *k = c->in[1], *bias = c->in[2];
    if (!op_same_dtypes(c) || !window_input(c, x, SPATIAL_MAX, w) || !op_attr_int(c, "group", 1, group))
        return false;
    if (k->ndim != x->ndim)
        return op_fail(c, "w must be [F, C / group, kernel...] of x's rank %d, not rank %d", (int)x->ndim,
                       (int)k->ndim);
    int64_t g = *group, ch = x->shape[1], f = k->shape[0];
    if (g < 1 || ch % g || k->shape[1] * g != ch || f % g)
        return op_fail(c, "group %" PRId64 " does not fit x's %" PRId64 " channels, w's %" PRId64 " filters of %" PRId64
                       " channels (need channels = w's channels * group, filters divisible by group)",
                       g, ch, f, k->shape[1]);
    if (bias && (bias->ndim != 1 || bias->shape[0] != f))
        return op_fail(c, "bias must be [%" PRId64 "] (w's filters)", f);
    int64_t ks[SPATIAL_MAX];
    for (int32_t i = 0; i < w->n; i++)
        w->k[i] = k->shape[2 + i];
    if (!spatial_ints(c, "kernel_shape", w->n, false, 0, 0, ks))
        return false;
    for (int32_t i = 0; i < w->n; i++)
        if (op_attr(c, "kernel_shape") && ks[i] != w->k[i])
            return op_fail(c, "kernel_shape[%d] is %" PRId64 " but w's is %" PRId64, (int)i, ks[i], w->k[i]);
    return window_get(c, w, false);
}

static bool conv_shape(OpCall *c)
{
    Window w;
    int64_t g;
    if (!conv_window(c, &w, &g))
        return false;
    c->rank[0] = c->in[0]->ndim;
    c->shape[0][0] = c->in[0]->shape[0];
    c->shape[0][1] = c->in[1]->shape[0];
    for (int32_t i = 0; i < w.n; i++)
        c->shape[0][2 + i] = w.out[i];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static tk_status conv_launch(OpCall *c)
{
    Window w;
    int64_t g;
    conv_window(c, &w, &g);
    View v[4];
    view_spatial(&v[0], c->in[0], 3);
    view_spatial(&v[1], c->in[1], 3);
    if (c->in[2])
        view_init(&v[2], c->in[2]);
    else
        layout_zero(&v[2], op_in_dtype(c, 0), 1, &c->in[1]->shape[0]);
    view_spatial(&v[3], c->out[0], 3);
    tk_scalar s[16];
    int n = 0;
    s[n++] = op_scalar_i(DT_I64, g);
    window_scalars(&w, 3, "sdpe", s, &n);
    return op_run_looped(c, "conv", v, 3, 1, 0, s, n);
}

/* ---- conv_transpose ------------------------------------------------------ */

static bool convt_window(const OpCall *c, Window *w, int64_t *group, int64_t *outpad)
{
    const DLTensor *x = c->in[0], *k = c->in[1], *bias = c->in[2];
    if (!op_same_dtypes(c) || !window_input(c, x, 2, w) || !op_attr_int(c, "group", 1, group))
        return false;
    if (k->ndim != x->ndim)
        return op_fail(c, "w must be [C, F / group, kernel...] of x's rank %d, not rank %d", (int)x->ndim,
                       (int)k->ndim);
    int64_t g = *group, ch = x->shape[1];
    if (g < 1 || ch % g || k->shape[0] != ch)
        return op_fail(c, "group %" PRId64 " does not fit x's %" PRId64 " channels and w's first dim %" PRId64
                       " (need w's first dim = channels, divisible by group)",
                       g, ch, k->shape[0]);
    if (bias && (bias->ndim != 1 || bias->shape[0] != k->shape[1] * g))
        return op_fail(c, "bias must be [%" PRId64 "] (the output channels)", k->shape[1] * g);
    const char *autopad;
    if (!op_attr_string(c, "auto_pad", "NOTSET", &autopad))
        return false;
    if (strcmp(autopad, "NOTSET"))
        return op_fail(c, "auto_pad=%s is not supported; give pads", autopad);
    int64_t pads[2 * SPATIAL_MAX];
    if (!spatial_ints(c, "strides", w->n, false, 1, 1, w->s) || !spatial_ints(c, "dilations", w->n, false, 1, 1, w->d) ||
        !spatial_ints(c, "pads", w->n, true, 0, 0, pads) || !spatial_ints(c, "output_padding", w->n, false, 0, 0, outpad))
        return false;
    for (int32_t i = 0; i < w->n; i++) {
        w->k[i] = k->shape[2 + i];
        w->pb[i] = pads[i];
        w->pe[i] = pads[w->n + i];
        if (outpad[i] >= w->s[i] && outpad[i] >= w->d[i])
            return op_fail(c, "output_padding[%d] is %" PRId64 "; it must be below the stride or the dilation", (int)i,
                           outpad[i]);
        w->out[i] = (w->in[i] - 1) * w->s[i] + w->d[i] * (w->k[i] - 1) + 1 - w->pb[i] - w->pe[i] + outpad[i];
        if (w->in[i] == 0 || w->out[i] < 0)
            return op_fail(c, "spatial dim %d: the output size would be %" PRId64 " (input %" PRId64 ", pads %" PRId64
                           " and %" PRId64 ")",
                           (int)i, w->out[i], w->in[i], w->pb[i], w->pe[i]);
    }
    return true;
}

static bool convt_shape(OpCall *c)
{
    Window w;
    int64_t g, op[SPATIAL_MAX];
    if (!convt_window(c, &w, &g, op))
        return false;
    c->rank[0] = c->in[0]->ndim;
    c->shape[0][0] = c->in[0]->shape[0];
    c->shape[0][1] = c->in[1]->shape[1] * g;
    for (int32_t i = 0; i < w.n; i++)
        c->shape[0][2 + i] = w.out[i];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static tk_status convt_launch(OpCall *c)
{
    Window w;
    int64_t g, op[SPATIAL_MAX];
    convt_window(c, &w, &g, op);
    View v[4];
    view_spatial(&v[0], c->in[0], 2);
    view_spatial(&v[1], c->in[1], 2);
    if (c->in[2])
        view_init(&v[2], c->in[2]);
    else
        layout_zero(&v[2], op_in_dtype(c, 0), 1, &c->out[0]->shape[1]);
    view_spatial(&v[3], c->out[0], 2);
    tk_scalar s[16];
    int n = 0;
    s[n++] = op_scalar_i(DT_I64, g);
    window_scalars(&w, 2, "sdpe", s, &n);
    for (int32_t i = 0; i < 2; i++)
        s[n++] = op_scalar_i(DT_I64, i < 2 - w.n ? 0 : op[i - (2 - w.n)]);
    return op_run_looped(c, "conv_transpose", v, 3, 1, 0, s, n);
}

/* ---- pooling ------------------------------------------------------------- */

static bool pool_window(const OpCall *c, Window *w)
{
    int64_t ceil_mode;
    if (!window_input(c, c->in[0], SPATIAL_MAX, w) || !op_attr_int(c, "ceil_mode", 0, &ceil_mode))
        return false;
    if (!op_attr(c, "kernel_shape"))
        return op_fail(c, "the kernel_shape attribute is required");
    return spatial_ints(c, "kernel_shape", w->n, false, 1, 1, w->k) && window_get(c, w, ceil_mode != 0);
}

static bool pool_shape(OpCall *c)
{
    Window w;
    if (!pool_window(c, &w))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    for (int32_t i = 0; i < w.n; i++)
        c->shape[0][2 + i] = w.out[i];
    return true;
}

/* The dtype's lowest value, read where a max_pool window leaves the input. */
static tk_scalar lowest(DType t)
{
    switch (t) {
    case DT_I8: return op_scalar_i(t, INT8_MIN);
    case DT_I16: return op_scalar_i(t, INT16_MIN);
    case DT_I32: return op_scalar_i(t, INT32_MIN);
    case DT_I64: return op_scalar_i(t, INT64_MIN);
    case DT_U8: return op_scalar_i(t, 0);
    default: return op_scalar_f(t, -INFINITY);
    }
}

static tk_status pool_launch(OpCall *c)
{
    Window w;
    pool_window(c, &w);
    DType t = op_in_dtype(c, 0);
    View v[2];
    view_spatial(&v[0], c->in[0], 3);
    view_spatial(&v[1], c->out[0], 3);
    tk_scalar s[24];
    int n = 0;
    window_scalars(&w, 3, "ksdpo", s, &n);
    const char *kernel = c->op->def->kernel;
    if (!strcmp(kernel, "max_pool"))
        s[n++] = lowest(t);
    else if (!strcmp(kernel, "lp_pool")) {
        int64_t p;
        op_attr_int(c, "p", 2, &p);
        s[n++] = op_scalar_f(t, (double)p);
    } else { /* avg_pool: the positions that count, [lo, hi) per axis */
        int64_t include;
        op_attr_int(c, "count_include_pad", 0, &include);
        for (int32_t i = 0; i < 3; i++) {
            int32_t j = i - (3 - w.n);
            s[n++] = op_scalar_i(DT_I64, j < 0 || !include ? 0 : -w.pb[j]);
        }
        for (int32_t i = 0; i < 3; i++) {
            int32_t j = i - (3 - w.n);
            s[n++] = op_scalar_i(DT_I64, j < 0 ? 1 : w.in[j] + (include ? w.pe[j] : 0));
        }
    }
    return op_run_looped(c, kernel, v, 1, 1, 0, s, n);
}

static bool lp_pool_shape(OpCall *c)
{
    int64_t p;
    if (!op_attr_int(c, "p", 2, &p))
        return false;
    if (p < 1)
        return op_fail(c, "p is %" PRId64 "; it must be at least 1", p);
    return pool_shape(c);
}

/* ---- global pools -------------------------------------------------------- */

static bool global_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    if (x->ndim < 2)
        return op_fail(c, "x must be [N, C, spatial...], not rank %d", (int)x->ndim);
    op_same_shape(c, 0, 0, DT_ERROR);
    for (int32_t d = 2; d < x->ndim; d++)
        c->shape[0][d] = 1;
    return true;
}

static tk_status global_launch(OpCall *c)
{
    const DLTensor *x = c->in[0];
    View v[2];
    view_init(&v[0], x);
    view_broadcast(&v[1], c->out[0], x->ndim, x->shape);
    bool reduced[TK_MAX_RANK] = {false};
    for (int32_t d = 2; d < x->ndim; d++)
        reduced[d] = true;
    static const ViewPart parts[2] = {PART_FULL, PART_KEPT};
    return op_run_grouped(c, c->op->def->kernel, 1, 1, v, parts, 1, 1, reduced, NULL, 0);
}

#define WINDOW_ATTRS "kernel_shape:I strides:I pads:I dilations:I auto_pad:s ceil_mode:i"

static const OpDef defs[] = {
    {"avg_pool", "mean over sliding windows (ONNX AveragePool), 1-D to 3-D", "x", "y",
     WINDOW_ATTRS " count_include_pad:i", DT_FLOATS, "avg_pool", pool_shape, pool_launch, 0},
    {"conv", "grouped convolution (ONNX Conv), 1-D to 3-D, NCHW", "x w bias?", "y",
     "kernel_shape:I strides:I pads:I dilations:I group:i auto_pad:s", DT_FLOATS, "conv", conv_shape, conv_launch, 0},
    {"conv_transpose", "transposed convolution (ONNX ConvTranspose), 1-D and 2-D", "x w bias?", "y",
     "kernel_shape:I strides:I pads:I dilations:I group:i output_padding:I auto_pad:s", DT_FLOATS, "conv_transpose",
     convt_shape, convt_launch, 0},
    {"global_avg_pool", "mean over all spatial dims (ONNX GlobalAveragePool)", "x", "y", "", DT_FLOATS,
     "global_avg_pool", global_shape, global_launch, 0},
    {"global_max_pool", "max over all spatial dims (ONNX GlobalMaxPool)", "x", "y", "", DT_NUMERIC, "global_max_pool",
     global_shape, global_launch, 0},
    {"lp_pool", "p-norm over sliding windows (ONNX LpPool), 1-D to 3-D", "x", "y", WINDOW_ATTRS " p:i", DT_FLOATS,
     "lp_pool", lp_pool_shape, pool_launch, 0},
    {"max_pool", "max over sliding windows (ONNX MaxPool), 1-D to 3-D", "x", "y", WINDOW_ATTRS,
     DT_FLOATS | DTB(I8) | DTB(U8) | DTB(I16) | DTB(I32) | DTB(I64), "max_pool", pool_shape, pool_launch, 0},
};

const OpFamily ops_conv = {defs, sizeof defs / sizeof *defs};
