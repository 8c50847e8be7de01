/* Reductions over any axes with keepdims, and arg-reductions over one axis
 * (stdlib/reduce.tk). ONNX opset 17 attributes: axes (absent or empty: all),
 * keepdims (default 1); argmax/argmin: axis, keepdims, select_last_index. */
#include <string.h>

#include "stdlib/ops/ops.h"

/* The reduced axes of this call into mask; false after an error. */
static bool reduced_axes(OpCall *c, bool *mask)
{
    int32_t rank = c->in[0]->ndim;
    if (strncmp(c->op->def->name, "arg", 3))
        return op_attr_axes(c, "axes", rank, true, mask);
    int32_t axis;
    if (rank == 0)
        return op_fail(c, "the input has rank 0; there is no axis to search");
    if (!op_attr_axis(c, "axis", 0, rank, &axis))
        return false;
    memset(mask, 0, sizeof(bool) * (size_t)rank);
    mask[axis] = true;
    if (c->in[0]->shape[axis] == 0)
        return op_fail(c, "axis %d has size 0: there is no position to return", (int)axis);
    return true;
}

static bool reduce_shape(OpCall *c)
{
    bool mask[TK_MAX_RANK];
    int64_t keep;
    if (!reduced_axes(c, mask) || !op_attr_int(c, "keepdims", 1, &keep))
        return false;
    if (keep != 0 && keep != 1)
        return op_fail(c, "attribute keepdims = %lld must be 0 or 1", (long long)keep);
    const DLTensor *x = c->in[0];
    c->rank[0] = 0;
    for (int32_t d = 0; d < x->ndim; d++)
        if (!mask[d] || keep)
            c->shape[0][c->rank[0]++] = mask[d] ? 1 : x->shape[d];
    c->dtype[0] = strncmp(c->op->def->name, "arg", 3) ? op_in_dtype(c, 0) : DT_I64;
    return true;
}

static tk_status reduce_launch(OpCall *c)
{
    bool mask[TK_MAX_RANK];
    int64_t last = 0;
    if (!reduced_axes(c, mask) || !op_attr_int(c, "select_last_index", 0, &last))
        return TK_ERR_INVALID_ARGUMENT;
    const DLTensor *x = c->in[0];
    View v[2];
    view_init(&v[0], x);
    view_kept(&v[1], c->out[0], x->ndim, x->shape, mask);
    static const ViewPart parts[2] = {PART_FULL, PART_KEPT};
    bool arg = !strncmp(c->op->def->name, "arg", 3);
    char kernel[40];
    snprintf(kernel, sizeof kernel, "%s%s", c->op->def->kernel, arg && last ? "_last" : "");
    return op_run_grouped(c, kernel, 2, arg ? 1 : 3, v, parts, 1, 1, mask, NULL, 0);
}

#define REDUCE(name, dtypes, summary) \
    {name, summary, "x", "y", "axes:I keepdims:i", dtypes, "reduce_" name, reduce_shape, reduce_launch, 0}
#define ARG(name, summary) \
    {name, summary, "x", "y", "axis:i keepdims:i select_last_index:i", DT_NUMERIC, name, reduce_shape, \
     reduce_launch, 0}

static const OpDef ops[] = {
    REDUCE("sum", DT_NUMERIC, "sum over axes"),
    REDUCE("mean", DT_FLOATS, "mean over axes"),
    REDUCE("max", DT_NUMERIC, "maximum over axes (NaN ignored; empty: -inf or the dtype's minimum)"),
    REDUCE("min", DT_NUMERIC, "minimum over axes (NaN ignored; empty: +inf or the dtype's maximum)"),
    REDUCE("prod", DT_NUMERIC, "product over axes"),
    REDUCE("l1", DT_FLOATS, "sum of |x| over axes"),
    REDUCE("l2", DT_FLOATS, "sqrt of the sum of x^2 over axes"),
    REDUCE("sum_square", DT_FLOATS, "sum of x^2 over axes"),
    REDUCE("log_sum_exp", DT_FLOATS, "log(sum(exp(x))) over axes, computed without overflow"),
    REDUCE("variance", DT_FLOATS, "population variance over axes (NumPy var, ddof 0)"),
    ARG("argmax", "position (i64) of the largest value along axis; ties: the first (or last)"),
    ARG("argmin", "position (i64) of the smallest value along axis; ties: the first (or last)"),
};

const OpFamily ops_reduce = {ops, sizeof ops / sizeof *ops};
