/* Unary elementwise operators (stdlib/unary.tk). */
#include <string.h>

#include "stdlib/ops/ops.h"

/* cast: the `to` attribute names the dtype ("f16"), run by cast_<to>. */
static bool cast_target(const OpCall *c, DType *to)
{
    const char *name;
    if (!op_attr_string(c, "to", NULL, &name))
        return false;
    if (!name)
        return op_fail(c, "attribute to is missing (a dtype name: f32, f16, bf16, f64, i8, i16, i32, i64, u8, "
                          "u16, u32, u64 or bool)");
    *to = dtype_from_name(name);
    if (*to == DT_ERROR)
        return op_fail(c, "attribute to = '%s' is not a dtype (f32, f16, bf16, f64, i8, i16, i32, i64, u8, u16, "
                          "u32, u64 or bool)", name);
    return true;
}

static bool cast_shape(OpCall *c)
{
    DType to;
    if (!cast_target(c, &to))
        return false;
    op_same_shape(c, 0, 0, to);
    return true;
}

static tk_status cast_launch(OpCall *c)
{
    char kernel[32];
    snprintf(kernel, sizeof kernel, "cast_%s", dtype_name(c->dtype[0]));
    View v[2];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->out[0]);
    return op_run_elementwise(c, kernel, v, 1, 1, NULL, 0);
}

#define DT_CASTABLE (DT_ALL | DTB(U16) | DTB(U32) | DTB(U64))

#define UNARY(name, kernel, dtypes, summary) \
    {name, summary, "x", "y", "", dtypes, kernel, op_shape_map, op_launch_map, 0}
#define PREDICATE(name, kernel, dtypes, summary) \
    {name, summary, "x", "y", "", dtypes, kernel, op_shape_map_bool, op_launch_map, 0}

static const OpDef ops[] = {
    UNARY("neg", "neg", DT_FLOATS | DT_SINTS, "-x"),
    UNARY("abs", "abs", DT_NUMERIC, "|x|"),
    UNARY("exp", "exp", DT_FLOATS, "e^x"),
    UNARY("log", "log", DT_FLOATS, "natural logarithm"),
    UNARY("sqrt", "sqrt", DT_FLOATS, "square root"),
    UNARY("rsqrt", "rsqrt", DT_FLOATS, "1 / sqrt(x)"),
    UNARY("reciprocal", "reciprocal", DT_FLOATS, "1 / x"),
    UNARY("square", "square", DT_NUMERIC, "x * x"),
    UNARY("tanh", "tanh", DT_FLOATS, "hyperbolic tangent"),
    UNARY("erf", "erf", DT_FLOATS, "error function"),
    UNARY("floor", "floor", DT_FLOATS, "round down"),
    UNARY("ceil", "ceil", DT_FLOATS, "round up"),
    UNARY("round", "round", DT_FLOATS, "round half to even"),
    UNARY("sign", "sign", DT_FLOATS | DT_SINTS, "-1, 0 or 1 (NaN stays NaN)"),
    UNARY("not", "logical_not", DTB(BOOL), "logical not"),
    PREDICATE("isnan", "isnan", DT_FLOATS, "x is NaN (bool)"),
    PREDICATE("isinf", "isinf", DT_FLOATS, "x is +inf or -inf (bool)"),
    UNARY("identity", "copy", DT_CASTABLE, "a copy of x"),
    {"cast", "x converted to dtype `to`", "x", "y", "to:s", DT_CASTABLE, "", cast_shape, cast_launch, 0},
};

const OpFamily ops_unary = {ops, sizeof ops / sizeof *ops};
