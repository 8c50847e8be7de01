/* Activations (stdlib/activation.tk), ONNX opset 17 definitions and
 * attribute defaults. */
#include <string.h>

#include "stdlib/ops/ops.h"

/* One attribute alpha whose default is the OpDef's k. */
static tk_status alpha_launch(OpCall *c)
{
    double alpha;
    if (!op_attr_float(c, "alpha", c->op->def->k, &alpha))
        return TK_ERR_INVALID_ARGUMENT;
    if (!strcmp(c->op->def->name, "celu") && alpha == 0)
        return op_error(c, TK_ERR_INVALID_ARGUMENT, "attribute alpha = 0 (celu divides by alpha)");
    return op_launch_map_scalars(c, &alpha, 1);
}

static tk_status selu_launch(OpCall *c)
{
    double v[2];
    if (!op_attr_float(c, "alpha", 1.67326319217681884765625, &v[0]) ||
        !op_attr_float(c, "gamma", 1.05070102214813232421875, &v[1]))
        return TK_ERR_INVALID_ARGUMENT;
    return op_launch_map_scalars(c, v, 2);
}

static tk_status hard_sigmoid_launch(OpCall *c)
{
    double v[2];
    if (!op_attr_float(c, "alpha", 0.2, &v[0]) || !op_attr_float(c, "beta", 0.5, &v[1]))
        return TK_ERR_INVALID_ARGUMENT;
    return op_launch_map_scalars(c, v, 2);
}

/* gelu: approximate = "none" (the erf form) or "tanh". */
static tk_status gelu_launch(OpCall *c)
{
    const char *how;
    if (!op_attr_string(c, "approximate", "none", &how))
        return TK_ERR_INVALID_ARGUMENT;
    if (strcmp(how, "none") && strcmp(how, "tanh"))
        return op_error(c, TK_ERR_INVALID_ARGUMENT, "attribute approximate = '%s' must be 'none' or 'tanh'", how);
    return op_run_map(c, strcmp(how, "tanh") ? "gelu" : "gelu_tanh", op_in_dtype(c, 0), NULL, 0);
}

/* prelu(x, slope): slope broadcasts to x, whose shape the output has. */
static bool prelu_shape(OpCall *c)
{
    if (!op_shape_map(c))
        return false;
    if (c->rank[0] != c->in[0]->ndim || memcmp(c->shape[0], c->in[0]->shape, sizeof(int64_t) * (size_t)c->rank[0]))
        return op_fail(c, "slope must broadcast to x's shape (the output has x's shape)");
    return true;
}

#define ACT(name, dtypes, summary) {name, summary, "x", "y", "", dtypes, name, op_shape_map, op_launch_map, 0}
#define ACT_ALPHA(name, alpha, summary) \
    {name, summary, "x", "y", "alpha:f", DT_FLOATS, name, op_shape_map, alpha_launch, alpha}

static const OpDef ops[] = {
    ACT("relu", DT_FLOATS | DT_SINTS, "max(x, 0)"),
    ACT("relu6", DT_FLOATS | DT_SINTS, "min(max(x, 0), 6)"),
    ACT_ALPHA("leaky_relu", 0.01, "x if x >= 0 else alpha * x"),
    ACT_ALPHA("elu", 1.0, "x if x >= 0 else alpha * (exp(x) - 1)"),
    {"selu", "gamma * (x if x > 0 else alpha * (exp(x) - 1))", "x", "y", "alpha:f gamma:f", DT_FLOATS, "selu",
     op_shape_map, selu_launch, 0},
    ACT_ALPHA("celu", 1.0, "max(0, x) + min(0, alpha * (exp(x / alpha) - 1))"),
    {"gelu", "x * Phi(x); approximate = none (erf) or tanh", "x", "y", "approximate:s", DT_FLOATS, "gelu",
     op_shape_map, gelu_launch, 0},
    ACT("silu", DT_FLOATS, "x * sigmoid(x)"),
    ACT("mish", DT_FLOATS, "x * tanh(softplus(x))"),
    ACT("sigmoid", DT_FLOATS, "1 / (1 + exp(-x))"),
    {"hard_sigmoid", "max(0, min(1, alpha * x + beta))", "x", "y", "alpha:f beta:f", DT_FLOATS, "hard_sigmoid",
     op_shape_map, hard_sigmoid_launch, 0},
    ACT("hard_swish", DT_FLOATS, "x * max(0, min(1, x / 6 + 0.5))"),
    ACT("softplus", DT_FLOATS, "log(1 + exp(x)), computed without overflow"),
    ACT("softsign", DT_FLOATS, "x / (1 + |x|)"),
    {"prelu", "x if x >= 0 else slope * x (slope broadcasts to x)", "x slope", "y", "", DT_FLOATS, "prelu",
     prelu_shape, op_launch_map, 0},
    ACT_ALPHA("thresholded_relu", 1.0, "x if x > alpha else 0"),
};

const OpFamily ops_activation = {ops, sizeof ops / sizeof *ops};
