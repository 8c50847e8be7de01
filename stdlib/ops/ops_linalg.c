/* Linear algebra operators: matmul, gemm, linear, einsum (stdlib/linalg.tk;
 * docs/stdlib.md "Linear algebra"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/ops/layout.h"

/* ---- matmul -------------------------------------------------------------- */

/* The batch dims of a and b (all but the last two; a 1-D operand has none)
 * broadcast into shape; their count, or -1 after op_fail. */
static int32_t batch_broadcast(const OpCall *c, const DLTensor *a, const DLTensor *b, int64_t *shape)
{
    int32_t ra = a->ndim > 2 ? a->ndim - 2 : 0, rb = b->ndim > 2 ? b->ndim - 2 : 0;
    int32_t nb = ra > rb ? ra : rb;
    for (int32_t d = 0; d < nb; d++) {
        int64_t x = d - (nb - ra) >= 0 ? a->shape[d - (nb - ra)] : 1;
        int64_t y = d - (nb - rb) >= 0 ? b->shape[d - (nb - rb)] : 1;
        if (x != y && x != 1 && y != 1) {
            op_fail(c, "cannot broadcast the batch dims of %s and %s: dimension %d from the end of the batch is %" PRId64
                    " and %" PRId64,
                    tk_op_input_name(c->op, 0), tk_op_input_name(c->op, 1), (int)(nb - d), x, y);
            return -1;
        }
        shape[d] = x == 1 ? y : x;
    }
    return nb;
}

static bool matmul_shape(OpCall *c)
{
    const DLTensor *a = c->in[0], *b = c->in[1];
    if (!op_same_dtypes(c))
        return false;
    if (a->ndim < 1 || b->ndim < 1)
        return op_fail(c, "a and b need at least one dim (a has %d, b has %d)", (int)a->ndim, (int)b->ndim);
    int64_t k = a->shape[a->ndim - 1], kb = b->shape[b->ndim == 1 ? 0 : b->ndim - 2];
    if (k != kb)
        return op_fail(c, "a's last dim is %" PRId64 " but b's %s dim is %" PRId64 " (they are contracted)", k,
                       b->ndim == 1 ? "only" : "second to last", kb);
    int32_t nb = batch_broadcast(c, a, b, c->shape[0]);
    if (nb < 0)
        return false;
    c->rank[0] = nb;
    if (a->ndim >= 2)
        c->shape[0][c->rank[0]++] = a->shape[a->ndim - 2];
    if (b->ndim >= 2)
        c->shape[0][c->rank[0]++] = b->shape[b->ndim - 1];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static tk_status matmul_launch(OpCall *c)
{
    const DLTensor *a = c->in[0], *b = c->in[1];
    View v[3];
    view_init(&v[0], a);
    view_init(&v[1], b);
    view_init(&v[2], c->out[0]);
    if (a->ndim == 1)
        view_insert_unit(&v[0], 0); /* [1, K] */
    if (b->ndim == 1)
        view_insert_unit(&v[1], 1); /* [K, 1] */
    int64_t batch[TK_MAX_RANK];
    int32_t nb = batch_broadcast(c, a, b, batch);
    if (a->ndim == 1)
        view_insert_unit(&v[2], v[2].t.ndim - (b->ndim == 1 ? 0 : 1));
    if (b->ndim == 1)
        view_insert_unit(&v[2], v[2].t.ndim);
    view_batched(&v[0], nb, batch);
    view_batched(&v[1], nb, batch);
    return run_batched(c, "matmul", v, 2, 1, nb, NULL, 0);
}

/* ---- gemm ---------------------------------------------------------------- */

static bool gemm_shape(OpCall *c)
{
    const DLTensor *a = c->in[0], *b = c->in[1], *cc = c->in[2];
    int64_t ta, tb;
    double alpha, beta;
    if (!op_same_dtypes(c) || !op_attr_int(c, "transA", 0, &ta) || !op_attr_int(c, "transB", 0, &tb) ||
        !op_attr_float(c, "alpha", 1.0, &alpha) || !op_attr_float(c, "beta", 1.0, &beta))
        return false;
    if (a->ndim != 2 || b->ndim != 2)
        return op_fail(c, "a and b must be matrices (a has rank %d, b has rank %d)", (int)a->ndim, (int)b->ndim);
    int64_t m = a->shape[ta ? 1 : 0], k = a->shape[ta ? 0 : 1], kb = b->shape[tb ? 1 : 0], n = b->shape[tb ? 0 : 1];
    if (k != kb)
        return op_fail(c, "op(a) is [%" PRId64 ", %" PRId64 "] but op(b) is [%" PRId64 ", %" PRId64 "]", m, k, kb, n);
    if (cc) {
        if (cc->ndim > 2)
            return op_fail(c, "c must have rank at most 2, not %d", (int)cc->ndim);
        for (int32_t d = 0; d < cc->ndim; d++) {
            int64_t want = d == cc->ndim - 1 ? n : m;
            if (cc->shape[d] != 1 && cc->shape[d] != want)
                return op_fail(c, "c's dim %d is %" PRId64 ", which does not broadcast to %" PRId64 " ([M, N] = [%" PRId64
                               ", %" PRId64 "])",
                               (int)d, cc->shape[d], want, m, n);
        }
    }
    c->rank[0] = 2;
    c->shape[0][0] = m;
    c->shape[0][1] = n;
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static tk_status gemm_launch(OpCall *c)
{
    int64_t ta, tb;
    double alpha, beta;
    op_attr_int(c, "transA", 0, &ta);
    op_attr_int(c, "transB", 0, &tb);
    op_attr_float(c, "alpha", 1.0, &alpha);
    op_attr_float(c, "beta", 1.0, &beta);
    static const int32_t swap[2] = {1, 0};
    DType t = op_in_dtype(c, 0);
    View v[4];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->in[1]);
    if (ta)
        view_permute(&v[0], swap);
    if (tb)
        view_permute(&v[1], swap);
    if (c->in[2])
        view_broadcast(&v[2], c->in[2], 2, c->shape[0]);
    else
        layout_zero(&v[2], t, 2, c->shape[0]);
    view_init(&v[3], c->out[0]);
    tk_scalar s[2] = {op_scalar_of(t, alpha), op_scalar_of(t, beta)};
    return op_run_looped(c, "gemm", v, 3, 1, 0, s, 2);
}

/* ---- linear -------------------------------------------------------------- */

static const char *const activations[] = {"none", "relu", "gelu", "silu", "sigmoid", "tanh"};
#define NACTIVATIONS (sizeof activations / sizeof *activations)

/* The index of the activation attribute in activations, or -1 after op_fail. */
static int linear_activation(const OpCall *c)
{
    const char *act;
    if (!op_attr_string(c, "activation", "none", &act))
        return -1;
    for (size_t i = 0; i < NACTIVATIONS; i++)
        if (!strcmp(act, activations[i]))
            return (int)i;
    op_fail(c, "unknown activation '%s' (none, relu, gelu, silu, sigmoid or tanh)", act);
    return -1;
}

static bool linear_shape(OpCall *c)
{
    const DLTensor *x = c->in[0], *w = c->in[1], *bias = c->in[2];
    if (!op_same_dtypes(c) || linear_activation(c) < 0)
        return false;
    if (x->ndim < 1 || w->ndim != 2)
        return op_fail(c, "x needs at least one dim and w must be a matrix [out, in] (x has rank %d, w rank %d)",
                       (int)x->ndim, (int)w->ndim);
    if (w->shape[1] != x->shape[x->ndim - 1])
        return op_fail(c, "w is [%" PRId64 ", %" PRId64 "] but x's last dim is %" PRId64 " (w must be [out, in])",
                       w->shape[0], w->shape[1], x->shape[x->ndim - 1]);
    if (bias && (bias->ndim != 1 || bias->shape[0] != w->shape[0]))
        return op_fail(c, "bias must be [%" PRId64 "] (w's out dim)", w->shape[0]);
    op_same_shape(c, 0, 0, DT_ERROR);
    c->shape[0][x->ndim - 1] = w->shape[0];
    return true;
}

static tk_status linear_launch(OpCall *c)
{
    static const char *const kernels[] = {"linear", "linear_relu", "linear_gelu", "linear_silu", "linear_sigmoid",
                                          "linear_tanh"};
    int act = linear_activation(c);
    DType t = op_in_dtype(c, 0);
    View v[4];
    view_init(&v[0], c->in[0]);
    view_init(&v[3], c->out[0]);
    if (v[0].t.ndim == 1) {
        view_insert_unit(&v[0], 0);
        view_insert_unit(&v[3], 0);
    }
    /* rows: x's leading dims as one when both x and y allow it, else the
     * last is the kernel's R and the others loop */
    View x1 = v[0], y1 = v[3];
    int32_t lead = v[0].t.ndim - 1;
    if (view_merge(&x1, 0, lead) && view_merge(&y1, 0, lead))
        v[0] = x1, v[3] = y1, lead = 1;
    view_init(&v[1], c->in[1]);
    if (c->in[2])
        view_init(&v[2], c->in[2]);
    else
        layout_zero(&v[2], t, 1, &c->in[1]->shape[0]);
    for (int32_t d = lead - 2; d >= 0; d--) { /* w and bias, repeated over the loop dims */
        view_insert_unit(&v[1], 0);
        view_insert_unit(&v[2], 0);
        v[1].shape[0] = v[2].shape[0] = v[3].shape[d];
    }
    return op_run_looped(c, kernels[act], v, 3, 1, lead - 1, NULL, 0);
}

/* ---- einsum -------------------------------------------------------------- */

#define EINSUM_MAX_IN 3

typedef struct Einsum {
    int  nin;
    char in[EINSUM_MAX_IN][TK_MAX_RANK + 1];
    char out[TK_MAX_RANK + 1];
    char sum[53];              /* letters summed over */
    int64_t size[128];         /* each letter's extent, -1 unknown */
} Einsum;

/* Parses "ij,jk->ik" (implicit output: the letters used once, sorted). */
static bool einsum_parse(const OpCall *c, const char *eq, Einsum *e)
{
    memset(e, 0, sizeof *e);
    const char *p = eq;
    int count[128] = {0};
    for (;;) {
        if (e->nin == EINSUM_MAX_IN)
            return op_fail(c, "equation '%s' has more than %d inputs", eq, EINSUM_MAX_IN);
        size_t n = 0;
        while (*p == ' ')
            p++;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            if (n == TK_MAX_RANK)
                return op_fail(c, "equation '%s': an operand has more than %d dims", eq, TK_MAX_RANK);
            count[(int)*p]++;
            e->in[e->nin][n++] = *p++;
        }
        e->nin++;
        while (*p == ' ')
            p++;
        if (*p == ',') {
            p++;
            continue;
        }
        break;
    }
    if (!strncmp(p, "...", 3))
        return op_fail(c, "equation '%s': '...' (broadcast dims) is not supported; name every dim", eq);
    if (!strncmp(p, "->", 2)) {
        p += 2;
        size_t n = 0;
        while (*p == ' ')
            p++;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            if (n == TK_MAX_RANK)
                return op_fail(c, "equation '%s': the output has more than %d dims", eq, TK_MAX_RANK);
            if (strchr(e->out, *p))
                return op_fail(c, "equation '%s': output letter '%c' appears twice", eq, *p);
            if (!count[(int)*p])
                return op_fail(c, "equation '%s': output letter '%c' is in no input", eq, *p);
            e->out[n++] = *p++;
        }
        while (*p == ' ')
            p++;
    } else {
        size_t n = 0;
        for (int ch = 'A'; ch <= 'z'; ch++)
            if (count[ch] == 1)
                e->out[n++] = (char)ch;
    }
    if (*p)
        return op_fail(c, "equation '%s': unexpected '%c' (write e.g. \"ij,jk->ik\"; letters, ',' and '->' only)", eq,
                       *p);
    size_t ns = 0;
    for (int ch = 'A'; ch <= 'z'; ch++)
        if (count[ch] && !strchr(e->out, ch))
            e->sum[ns++] = (char)ch;
    return true;
}

static bool einsum_get(const OpCall *c, Einsum *e)
{
    const char *eq;
    if (!op_attr_string(c, "equation", "", &eq))
        return false;
    if (!*eq)
        return op_fail(c, "the equation attribute is required (e.g. equation=ij,jk->ik)");
    if (!einsum_parse(c, eq, e))
        return false;
    int given = 0;
    for (int i = 0; i < c->op->nin; i++)
        given += c->in[i] != NULL;
    if (given != e->nin)
        return op_fail(c, "equation '%s' has %d inputs but %d were given", eq, e->nin, given);
    for (int ch = 0; ch < 128; ch++)
        e->size[ch] = -1;
    for (int i = 0; i < e->nin; i++) {
        const DLTensor *t = c->in[i];
        if ((size_t)t->ndim != strlen(e->in[i]))
            return op_fail(c, "equation '%s': input %d has %zu letters but rank %d", eq, i, strlen(e->in[i]),
                           (int)t->ndim);
        for (int32_t d = 0; d < t->ndim; d++) {
            int ch = e->in[i][d];
            if (e->size[ch] >= 0 && e->size[ch] != t->shape[d])
                return op_fail(c, "equation '%s': letter '%c' is %" PRId64 " in one place and %" PRId64 " in input %d",
                               eq, ch, e->size[ch], t->shape[d], i);
            e->size[ch] = t->shape[d];
        }
    }
    return true;
}

static bool einsum_shape(OpCall *c)
{
    Einsum e;
    if (!op_same_dtypes(c) || !einsum_get(c, &e))
        return false;
    c->rank[0] = (int32_t)strlen(e.out);
    for (int32_t d = 0; d < c->rank[0]; d++)
        c->shape[0][d] = e.size[(int)e.out[d]];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

/* Appends "[l_a, l_b]" (index names) or "[N_a, N_b]" (dims) for letters. */
static void einsum_list(char *buf, size_t len, const char *prefix, const char *letters, bool brackets)
{
    size_t at = strlen(buf);
    at += (size_t)snprintf(buf + at, len - at, "%s", brackets ? "[" : "");
    for (size_t i = 0; letters[i] && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s%c", i ? ", " : "", prefix, letters[i]);
    if (brackets && at < len)
        snprintf(buf + at, len - at, "]");
}

/* The kernel for e, as .tk text: each letter x is index l_x of extent N_x. */
static void einsum_source(const Einsum *e, char *src, size_t len)
{
    snprintf(src, len, "kernel einsum<T>(");
    for (int i = 0; i < e->nin; i++) {
        snprintf(src + strlen(src), len - strlen(src), "%sx%d: T", i ? ", " : "", i);
        einsum_list(src, len, "N_", e->in[i], true);
    }
    snprintf(src + strlen(src), len - strlen(src), ") -> y: T");
    einsum_list(src, len, "N_", e->out, true);
    snprintf(src + strlen(src), len - strlen(src), " {\n    y");
    if (e->out[0])
        einsum_list(src, len, "l_", e->out, true);
    snprintf(src + strlen(src), len - strlen(src), " = %s", e->sum[0] ? "sum(" : "");
    for (int i = 0; i < e->nin; i++) {
        snprintf(src + strlen(src), len - strlen(src), "%sx%d", i ? " * " : "", i);
        if (e->in[i][0])
            einsum_list(src, len, "l_", e->in[i], true);
    }
    if (e->sum[0]) {
        snprintf(src + strlen(src), len - strlen(src), " for ");
        einsum_list(src, len, "l_", e->sum, false);
        snprintf(src + strlen(src), len - strlen(src), ")");
    }
    snprintf(src + strlen(src), len - strlen(src), ";\n}\n");
}

/* The generated kernel is compiled on each launch; the CPU backend's
 * in-process cache, keyed by the source, makes every launch after the first
 * one of a given equation skip LLVM. */
static tk_status einsum_launch(OpCall *c)
{
    Einsum e;
    einsum_get(c, &e);
    char src[2048];
    einsum_source(&e, src, sizeof src);
    tk_module *m = NULL;
    tk_status st = tk_compile_string(c->op->ctx, "<einsum>", src, strlen(src), &m);
    if (st != TK_OK) {
        st = op_error(c, TK_ERR_INTERNAL, "the generated kernel does not compile:\n%s%s",
                      m ? tk_module_diagnostics_text(m) : tk_last_error(), src);
        tk_module_destroy(m);
        return st;
    }
    tk_kernel *k = NULL;
    tk_module_kernel(m, "einsum", &k);
    const DLTensor *in[EINSUM_MAX_IN];
    for (int i = 0; i < e.nin; i++)
        in[i] = c->in[i];
    DLTensor *out[1] = {c->out[0]};
    tk_args args = {in, NULL, out};
    st = tk_launch(k, &args);
    if (st != TK_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", tk_last_error());
        st = op_error(c, st, "%s", msg);
    }
    tk_module_destroy(m);
    return st;
}

static const OpDef defs[] = {
    {"einsum", "a contraction written as an equation (\"ij,jk->ik\")", "x0 x1? x2?", "y", "equation:s", DT_NUMERIC,
     NULL, einsum_shape, einsum_launch, 0},
    {"gemm", "alpha * op(a) * op(b) + beta * c (ONNX Gemm)", "a b c?", "y", "alpha:f beta:f transA:i transB:i",
     DT_NUMERIC, "gemm", gemm_shape, gemm_launch, 0},
    {"linear", "x * w^T + bias, then an optional activation", "x w bias?", "y", "activation:s", DT_FLOATS, "linear",
     linear_shape, linear_launch, 0},
    {"matmul", "matrix product with NumPy batch broadcasting (1-D operands too)", "a b", "y", "", DT_NUMERIC, "matmul",
     matmul_shape, matmul_launch, 0},
};

const OpFamily ops_linalg = {defs, sizeof defs / sizeof *defs};
