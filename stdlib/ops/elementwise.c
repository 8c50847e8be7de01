/* Shapes and launches shared by the elementwise families: every input is
 * broadcast (stride 0) to the output's shape and the kernel runs over
 * [A, B, C, D] views. */
#include "stdlib/ops/ops.h"

bool op_shape_map(OpCall *c) { return op_same_dtypes(c) && op_broadcast_shape(c, 0); }

bool op_shape_map_bool(OpCall *c)
{
    if (!op_shape_map(c))
        return false;
    c->dtype[0] = DT_BOOL;
    return true;
}

tk_status op_launch_map_scalars(OpCall *c, const double *scalars, int nscalars)
{
    View v[OP_MAX_IO + 1];
    int n = 0;
    for (int i = 0; i < c->op->nin; i++)
        if (c->in[i])
            view_broadcast(&v[n++], c->in[i], c->rank[0], c->shape[0]);
    view_init(&v[n], c->out[0]);
    tk_scalar sc[OP_MAX_IO];
    DType t = op_in_dtype(c, 0);
    for (int j = 0; j < nscalars; j++)
        sc[j] = dtype_is_float(t) ? op_scalar_f(t, scalars[j]) : op_scalar_i(t, (int64_t)scalars[j]);
    return op_run_elementwise(c, c->op->def->kernel, v, n, 1, sc, nscalars);
}

tk_status op_launch_map(OpCall *c) { return op_launch_map_scalars(c, NULL, 0); }
