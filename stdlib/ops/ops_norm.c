/* Normalisations (stdlib/norm.tk): softmax, log_softmax and hardmax over one
 * axis; layer_norm, rms_norm, instance_norm and group_norm through one
 * `normalize` kernel over kept and reduced dims; batch_norm (inference) as
 * an elementwise kernel. ONNX opset 17 attributes and defaults. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/ops/ops.h"

#define DEFAULT_EPS 1e-5

/* ---- softmax, log_softmax, hardmax ---------------------------------------- */

static bool axis_shape(OpCall *c)
{
    int32_t axis;
    if (c->in[0]->ndim == 0)
        return op_fail(c, "the input has rank 0; it needs an axis");
    if (!op_attr_axis(c, "axis", -1, c->in[0]->ndim, &axis))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    return true;
}

static tk_status axis_launch(OpCall *c)
{
    int32_t axis;
    if (!op_attr_axis(c, "axis", -1, c->in[0]->ndim, &axis))
        return TK_ERR_INVALID_ARGUMENT;
    bool mask[TK_MAX_RANK] = {0};
    mask[axis] = true;
    View v[2];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->out[0]);
    static const ViewPart parts[2] = {PART_FULL, PART_FULL};
    return op_run_grouped(c, c->op->def->kernel, 2, 1, v, parts, 1, 1, mask, NULL, 0);
}

/* ---- the normalize kernel ---------------------------------------------------- */

static bool epsilon(const OpCall *c, double *eps)
{
    if (!op_attr_float(c, "epsilon", DEFAULT_EPS, eps))
        return false;
    if (!(*eps >= 0))
        return op_fail(c, "attribute epsilon = %g must be >= 0", *eps);
    return true;
}

/* Whether input i broadcasts (NumPy, trailing dims) to the `n` dims of
 * shape from `from` on; reported otherwise. */
static bool fits_trailing(const OpCall *c, int i, const int64_t *shape, int32_t from, int32_t n)
{
    const DLTensor *t = c->in[i];
    bool ok = t->ndim <= n;
    for (int32_t d = 0; d < t->ndim && ok; d++) {
        int64_t want = shape[from + n - t->ndim + d];
        ok = t->shape[d] == want || t->shape[d] == 1;
    }
    if (ok)
        return true;
    char have[160], want[160];
    tensor_describe(op_in_dtype(c, i), t->ndim, t->shape, have, sizeof have);
    tensor_describe(op_in_dtype(c, 0), n, shape + from, want, sizeof want);
    return op_fail(c, "input %s is %s, which does not broadcast to the normalised shape %s",
                   tk_op_input_name(c->op, (size_t)i), have, want);
}

/* Input i ([C]) seen over shape, varying along dim `dim` only. */
static bool channel_view(const OpCall *c, int i, View *v, int32_t rank, const int64_t *shape, int32_t dim)
{
    const DLTensor *t = c->in[i];
    if (t->ndim != 1 || t->shape[0] != shape[dim])
        return op_fail(c, "input %s must have shape [%" PRId64 "] (x's dimension %d), not rank %d%s",
                       tk_op_input_name(c->op, (size_t)i), shape[dim], (int)dim, (int)t->ndim,
                       t->ndim == 1 ? " with another size" : "");
    View src;
    view_init(&src, t);
    view_zero(v, t->dtype, rank, shape);
    v->t.data = t->data;
    v->t.byte_offset = t->byte_offset;
    v->strides[dim] = src.strides[0];
    return true;
}

static bool same_dtypes(const OpCall *c)
{
    return op_same_dtypes(c);
}

/* Runs normalize over x and y views (of `rank`, `shape`), reduced dims
 * marked; scale and bias views given; mean and inv_std into outputs 1 and 2
 * when the op has them, else scratch. */
static tk_status run_normalize(OpCall *c, View *x, View *scale, View *bias, View *y, const bool *reduced, double eps,
                               bool rms)
{
    int32_t rank = x->t.ndim;
    View v[6];
    v[0] = *x;
    v[1] = *scale;
    int n = 2;
    if (!rms)
        v[n++] = *bias;
    v[n++] = *y;
    DType t = op_in_dtype(c, 0);
    tk_scalar sc = op_scalar_f(t, eps);
    if (rms) {
        static const ViewPart parts[] = {PART_FULL, PART_FULL, PART_FULL};
        return op_run_grouped(c, "rms_norm", 2, 3, v, parts, 2, 1, reduced, &sc, 1);
    }
    /* the statistics: the op's outputs 1 and 2 when it has them, else scratch */
    int64_t kept_n = 1;
    for (int32_t d = 0; d < rank; d++)
        kept_n *= reduced[d] ? 1 : x->shape[d];
    void *scratch = NULL;
    for (int j = 1; j <= 2; j++) {
        if (c->op->nout > j) {
            view_kept(&v[3 + j], c->out[j], rank, x->shape, reduced);
            continue;
        }
        if (!scratch && !(scratch = calloc((size_t)(kept_n ? kept_n : 1) * 2, 8)))
            return op_error(c, TK_ERR_NO_MEMORY, "out of memory for the statistics");
        view_zero(&v[3 + j], x->t.dtype, rank, x->shape);
        v[3 + j].t.data = (char *)scratch + (size_t)(j - 1) * (size_t)(kept_n ? kept_n : 1) * 8;
        int64_t stride = 1;
        for (int32_t d = rank - 1; d >= 0; d--)
            if (!reduced[d])
                v[3 + j].strides[d] = stride, stride *= x->shape[d];
    }
    static const ViewPart parts[] = {PART_FULL, PART_FULL, PART_FULL, PART_FULL, PART_KEPT, PART_KEPT};
    tk_status st = op_run_grouped(c, "normalize", 2, 3, v, parts, 3, 3, reduced, &sc, 1);
    free(scratch);
    return st;
}

/* ---- layer_norm and rms_norm: over axes [axis, rank) ------------------------ */

static bool layer_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    int32_t axis;
    double eps;
    if (!same_dtypes(c) || !epsilon(c, &eps) || !op_attr_axis(c, "axis", -1, x->ndim ? x->ndim : 1, &axis))
        return false;
    if (x->ndim == 0)
        return op_fail(c, "the input has rank 0; it needs an axis to normalise over");
    for (int i = 1; i < c->op->nin; i++)
        if (c->in[i] && !fits_trailing(c, i, x->shape, axis, x->ndim - axis))
            return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    for (int j = 1; j < c->op->nout; j++) { /* mean, inv_std: [d0 .. d(axis-1), 1, ..., 1] */
        op_same_shape(c, j, 0, DT_ERROR);
        for (int32_t d = axis; d < x->ndim; d++)
            c->shape[j][d] = 1;
    }
    return true;
}

static tk_status layer_launch(OpCall *c)
{
    const DLTensor *x = c->in[0];
    int32_t axis;
    double eps;
    if (!epsilon(c, &eps) || !op_attr_axis(c, "axis", -1, x->ndim, &axis))
        return TK_ERR_INVALID_ARGUMENT;
    bool reduced[TK_MAX_RANK];
    for (int32_t d = 0; d < x->ndim; d++)
        reduced[d] = d >= axis;
    View xv, sv, bv, yv;
    view_init(&xv, x);
    view_init(&yv, c->out[0]);
    view_broadcast(&sv, c->in[1], x->ndim, x->shape);
    bool rms = !strcmp(c->op->def->name, "rms_norm");
    if (!rms && c->in[2])
        view_broadcast(&bv, c->in[2], x->ndim, x->shape);
    else
        view_zero(&bv, x->dtype, x->ndim, x->shape);
    return run_normalize(c, &xv, &sv, &bv, &yv, reduced, eps, rms);
}

/* ---- instance_norm and group_norm: x is [N, C, D...] ------------------------ */

static bool channels_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    double eps;
    if (!same_dtypes(c) || !epsilon(c, &eps))
        return false;
    if (x->ndim < 2)
        return op_fail(c, "x has rank %d; it must be [N, C, ...] (rank 2 or more)", (int)x->ndim);
    View tmp;
    for (int i = 1; i < c->op->nin; i++)
        if (!channel_view(c, i, &tmp, x->ndim, x->shape, 1))
            return false;
    if (!strcmp(c->op->def->name, "group_norm")) {
        int64_t g;
        if (!op_attr_int(c, "num_groups", 0, &g))
            return false;
        if (!op_attr(c, "num_groups"))
            return op_fail(c, "attribute num_groups is missing");
        if (g < 1 || x->shape[1] % g)
            return op_fail(c, "attribute num_groups = %" PRId64 " must be positive and divide the %" PRId64
                           " channels", g, x->shape[1]);
        if (x->ndim == TK_MAX_RANK)
            return op_fail(c, "x has rank %d; group_norm takes at most rank %d", (int)x->ndim, TK_MAX_RANK - 1);
    }
    op_same_shape(c, 0, 0, DT_ERROR);
    return true;
}

/* v with dim 1 (C) split into [G, C / G]. */
static void split_channels(View *v, int64_t g)
{
    int32_t r = v->t.ndim;
    for (int32_t d = r; d > 1; d--)
        v->shape[d] = v->shape[d - 1], v->strides[d] = v->strides[d - 1];
    v->shape[1] = g;
    v->shape[2] = v->shape[2] / g;
    v->strides[1] = v->strides[2] * v->shape[2];
    v->t.ndim = r + 1;
}

static tk_status channels_launch(OpCall *c)
{
    const DLTensor *x = c->in[0];
    double eps;
    int64_t g = 1;
    bool group = !strcmp(c->op->def->name, "group_norm");
    if (!epsilon(c, &eps) || (group && !op_attr_int(c, "num_groups", 1, &g)))
        return TK_ERR_INVALID_ARGUMENT;
    View xv, sv, bv, yv;
    view_init(&xv, x);
    view_init(&yv, c->out[0]);
    if (!channel_view(c, 1, &sv, x->ndim, x->shape, 1) || !channel_view(c, 2, &bv, x->ndim, x->shape, 1))
        return TK_ERR_INVALID_ARGUMENT;
    bool reduced[TK_MAX_RANK];
    if (group) {
        split_channels(&xv, g), split_channels(&yv, g), split_channels(&sv, g), split_channels(&bv, g);
        for (int32_t d = 0; d < xv.t.ndim; d++)
            reduced[d] = d >= 2;
    } else {
        for (int32_t d = 0; d < x->ndim; d++)
            reduced[d] = d >= 2;
    }
    return run_normalize(c, &xv, &sv, &bv, &yv, reduced, eps, false);
}

/* ---- batch_norm (inference) ---------------------------------------------------- */

static tk_status batch_launch(OpCall *c)
{
    const DLTensor *x = c->in[0];
    double eps;
    if (!epsilon(c, &eps))
        return TK_ERR_INVALID_ARGUMENT;
    View v[6];
    view_init(&v[0], x);
    for (int i = 1; i < 5; i++)
        if (!channel_view(c, i, &v[i], x->ndim, x->shape, 1))
            return TK_ERR_INVALID_ARGUMENT;
    view_init(&v[5], c->out[0]);
    tk_scalar sc = op_scalar_f(op_in_dtype(c, 0), eps);
    return op_run_elementwise(c, "batch_norm", v, 5, 1, &sc, 1);
}

static const OpDef ops[] = {
    {"softmax", "exp(x) / sum(exp(x)) along axis", "x", "y", "axis:i", DT_FLOATS, "softmax", axis_shape,
     axis_launch, 0},
    {"log_softmax", "log(softmax(x)) along axis", "x", "y", "axis:i", DT_FLOATS, "log_softmax", axis_shape,
     axis_launch, 0},
    {"hardmax", "1 at the first largest value along axis, else 0", "x", "y", "axis:i", DT_FLOATS, "hardmax",
     axis_shape, axis_launch, 0},
    {"layer_norm", "(x - mean) * inv_std * scale + bias over axes [axis, rank)", "x scale bias?",
     "y mean? inv_std?", "axis:i epsilon:f", DT_FLOATS, "normalize", layer_shape, layer_launch, 0},
    {"rms_norm", "x / sqrt(mean(x^2) + epsilon) * scale over axes [axis, rank)", "x scale", "y",
     "axis:i epsilon:f", DT_FLOATS, "rms_norm", layer_shape, layer_launch, 0},
    {"batch_norm", "(x - mean) / sqrt(var + epsilon) * scale + bias per channel (inference)",
     "x scale bias mean var", "y", "epsilon:f momentum:f", DT_FLOATS, "batch_norm", channels_shape, batch_launch, 0},
    {"instance_norm", "normalised over the spatial dims of each [n, c], then scale[c], bias[c]", "x scale bias",
     "y", "epsilon:f", DT_FLOATS, "normalize", channels_shape, channels_launch, 0},
    {"group_norm", "normalised over each group of channels and the spatial dims, then scale[c], bias[c]",
     "x scale bias", "y", "num_groups:i epsilon:f", DT_FLOATS, "normalize", channels_shape, channels_launch, 0},
};

const OpFamily ops_norm = {ops, sizeof ops / sizeof *ops};
