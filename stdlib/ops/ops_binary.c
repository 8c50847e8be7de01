/* Binary elementwise operators with NumPy broadcasting, where and clip
 * (stdlib/binary.tk). */
#include <string.h>

#include "stdlib/ops/ops.h"

/* mod: fmod = 0 is the floor modulo (the divisor's sign, Python's %),
 * fmod = 1 C's fmod (the dividend's sign). */
static tk_status mod_launch(OpCall *c)
{
    int64_t f;
    if (!op_attr_int(c, "fmod", 0, &f))
        return TK_ERR_INVALID_ARGUMENT;
    if (f != 0 && f != 1)
        return op_error(c, TK_ERR_INVALID_ARGUMENT, "attribute fmod = %lld must be 0 or 1", (long long)f);
    DType t = op_in_dtype(c, 0);
    const char *kernel = !f ? "mod" : dtype_is_float(t) ? "fmod" : "mod_trunc";
    return op_run_map(c, kernel, t, NULL, 0);
}

/* where(cond, a, b): a and b share a dtype, the output's. */
static bool where_shape(OpCall *c)
{
    if (op_in_dtype(c, 1) != op_in_dtype(c, 2))
        return op_fail(c, "inputs a and b have dtypes %s and %s; they must be one dtype",
                       dtype_name(op_in_dtype(c, 1)), dtype_name(op_in_dtype(c, 2)));
    if (!op_check_dtype(c, 1, DT_ALL) || !op_broadcast_shape(c, 0))
        return false;
    c->dtype[0] = op_in_dtype(c, 1);
    return true;
}

/* clip(x, min?, max?): a missing bound does not clip. */
static tk_status clip_launch(OpCall *c)
{
    const char *kernel = c->in[1] && c->in[2] ? "clip" : c->in[1] ? "clip_min" : c->in[2] ? "clip_max" : "copy";
    return op_run_map(c, kernel, op_in_dtype(c, 0), NULL, 0);
}

#define DT_CMP (DT_NUMERIC | DTB(BOOL))

#define BINARY(name, kernel, dtypes, summary) \
    {name, summary, "a b", "y", "", dtypes, kernel, op_shape_map, op_launch_map, 0}
#define COMPARE(name, kernel, dtypes, summary) \
    {name, summary, "a b", "y", "", dtypes, kernel, op_shape_map_bool, op_launch_map, 0}

static const OpDef ops[] = {
    BINARY("add", "add", DT_NUMERIC, "a + b"),
    BINARY("sub", "sub", DT_NUMERIC, "a - b"),
    BINARY("mul", "mul", DT_NUMERIC, "a * b"),
    BINARY("div", "div", DT_NUMERIC, "a / b (integers: floor division)"),
    {"mod", "a modulo b: floor (fmod=0) or truncated (fmod=1)", "a b", "y", "fmod:i", DT_NUMERIC, "mod",
     op_shape_map, mod_launch, 0},
    BINARY("pow", "pow", DT_FLOATS, "a to the power b"),
    BINARY("maximum", "maximum", DT_NUMERIC, "the larger of a and b"),
    BINARY("minimum", "minimum", DT_NUMERIC, "the smaller of a and b"),
    COMPARE("equal", "equal", DT_CMP, "a == b (bool)"),
    COMPARE("less", "less", DT_NUMERIC, "a < b (bool)"),
    COMPARE("less_equal", "less_equal", DT_NUMERIC, "a <= b (bool)"),
    COMPARE("greater", "greater", DT_NUMERIC, "a > b (bool)"),
    COMPARE("greater_equal", "greater_equal", DT_NUMERIC, "a >= b (bool)"),
    BINARY("and", "logical_and", DTB(BOOL), "a and b"),
    BINARY("or", "logical_or", DTB(BOOL), "a or b"),
    BINARY("xor", "logical_xor", DTB(BOOL), "a xor b"),
    {"where", "a where cond, else b", "cond a b", "y", "", DTB(BOOL), "where", where_shape, op_launch_map, 0},
    {"clip", "x limited to [min, max] (a missing bound does not limit)", "x min? max?", "y", "", DT_NUMERIC, "",
     op_shape_map, clip_launch, 0},
};

const OpFamily ops_binary = {ops, sizeof ops / sizeof *ops};
