/* Attention operators: attention (scaled dot-product, fused) and rotary
 * (stdlib/attention.tk; docs/stdlib.md "Attention"). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "stdlib/ops/layout.h"

/* The batch dims shared by q, k, v and the mask (all but their last two),
 * broadcast; their count, or -1 after op_fail. */
static int32_t attention_batch(const OpCall *c, int64_t *shape)
{
    int32_t nb = 0;
    for (int i = 0; i < c->op->nin; i++)
        if (c->in[i] && c->in[i]->ndim - 2 > nb)
            nb = c->in[i]->ndim - 2;
    for (int32_t d = 0; d < nb; d++)
        shape[d] = 1;
    for (int i = 0; i < c->op->nin; i++) {
        const DLTensor *t = c->in[i];
        if (!t)
            continue;
        int32_t tb = t->ndim > 2 ? t->ndim - 2 : 0;
        for (int32_t d = 0; d < tb; d++) {
            int64_t n = t->shape[d], *to = &shape[d + nb - tb];
            if (n != 1 && *to != 1 && n != *to) {
                op_fail(c, "%s's batch dim %d is %" PRId64 ", which does not broadcast with %" PRId64,
                        tk_op_input_name(c->op, (size_t)i), (int)d, n, *to);
                return -1;
            }
            if (n != 1)
                *to = n;
        }
    }
    return nb;
}

static bool attention_shape(OpCall *c)
{
    const DLTensor *q = c->in[0], *k = c->in[1], *v = c->in[2], *mask = c->in[3];
    double scale;
    int64_t causal;
    if (!op_same_dtypes(c) || !op_attr_float(c, "scale", 0.0, &scale) || !op_attr_int(c, "causal", 0, &causal))
        return false;
    if (q->ndim < 2 || k->ndim < 2 || v->ndim < 2)
        return op_fail(c, "q, k and v must be [..., S, E], [..., L, E] and [..., L, F] (ranks %d, %d, %d)",
                       (int)q->ndim, (int)k->ndim, (int)v->ndim);
    int64_t s = q->shape[q->ndim - 2], e = q->shape[q->ndim - 1], l = k->shape[k->ndim - 2];
    if (k->shape[k->ndim - 1] != e)
        return op_fail(c, "k's last dim is %" PRId64 " but q's is %" PRId64, k->shape[k->ndim - 1], e);
    if (v->shape[v->ndim - 2] != l)
        return op_fail(c, "v has %" PRId64 " rows but k has %" PRId64 " (one per key)", v->shape[v->ndim - 2], l);
    if (mask) {
        int64_t ms = mask->ndim >= 2 ? mask->shape[mask->ndim - 2] : 1, ml = mask->ndim >= 1 ? mask->shape[mask->ndim - 1] : 1;
        if ((ms != 1 && ms != s) || (ml != 1 && ml != l))
            return op_fail(c, "mask's last dims [%" PRId64 ", %" PRId64 "] do not broadcast to [S, L] = [%" PRId64
                           ", %" PRId64 "]",
                           ms, ml, s, l);
    }
    int32_t nb = attention_batch(c, c->shape[0]);
    if (nb < 0)
        return false;
    c->rank[0] = nb + 2;
    c->shape[0][nb] = s;
    c->shape[0][nb + 1] = v->shape[v->ndim - 1];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static tk_status attention_launch(OpCall *c)
{
    double scale;
    int64_t causal;
    op_attr_float(c, "scale", 0.0, &scale);
    op_attr_int(c, "causal", 0, &causal);
    DType t = op_in_dtype(c, 0);
    const DLTensor *q = c->in[0], *k = c->in[1];
    int64_t batch[TK_MAX_RANK], full[TK_MAX_RANK];
    int32_t nb = attention_batch(c, batch);
    if (scale == 0.0)
        scale = 1.0 / sqrt((double)q->shape[q->ndim - 1]);
    View v[5];
    for (int i = 0; i < 3; i++)
        view_init(&v[i], c->in[i]);
    memcpy(full, batch, sizeof(int64_t) * (size_t)nb);
    full[nb] = q->shape[q->ndim - 2];
    full[nb + 1] = k->shape[k->ndim - 2];
    if (c->in[3])
        view_broadcast(&v[3], c->in[3], nb + 2, full);
    else
        layout_zero(&v[3], t, nb + 2, full);
    view_init(&v[4], c->out[0]);
    for (int i = 0; i < 4; i++)
        view_batched(&v[i], nb, batch);
    tk_scalar s[2] = {op_scalar_f(t, scale), op_scalar_i(DT_I64, causal)};
    return run_batched(c, "attention", v, 4, 1, nb, s, 2);
}

/* ---- rotary -------------------------------------------------------------- */

static bool rotary_shape(OpCall *c)
{
    const DLTensor *x = c->in[0], *cs = c->in[1], *sn = c->in[2];
    int64_t inter;
    if (!op_same_dtypes(c) || !op_attr_int(c, "interleaved", 0, &inter))
        return false;
    if (x->ndim < 2)
        return op_fail(c, "x must be [..., S, D], not rank %d", (int)x->ndim);
    int64_t s = x->shape[x->ndim - 2], d = x->shape[x->ndim - 1];
    for (int i = 1; i < 3; i++) {
        const DLTensor *t = c->in[i];
        if (t->ndim != 2 || t->shape[0] != s || 2 * t->shape[1] > d)
            return op_fail(c, "%s must be [S, R] with S = %" PRId64 " (x's positions) and 2R <= %" PRId64,
                           tk_op_input_name(c->op, (size_t)i), s, d);
    }
    if (cs->shape[1] != sn->shape[1])
        return op_fail(c, "cos has %" PRId64 " columns but sin has %" PRId64, cs->shape[1], sn->shape[1]);
    op_same_shape(c, 0, 0, DT_ERROR);
    return true;
}

static tk_status rotary_launch(OpCall *c)
{
    int64_t inter;
    op_attr_int(c, "interleaved", 0, &inter);
    int32_t r = c->in[0]->ndim;
    View v[4];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->in[1]);
    view_init(&v[2], c->in[2]);
    view_init(&v[3], c->out[0]);
    /* x and y as [Z, S, D]: the leading dims as one where strides allow */
    int32_t nloop = 0;
    View x = v[0], y = v[3];
    if (view_merge(&x, 0, r - 2) && view_merge(&y, 0, r - 2))
        v[0] = x, v[3] = y;
    else
        nloop = r - 3;
    for (int i = 1; i < 3; i++)
        for (int32_t d = nloop; d-- > 0;) {
            view_insert_unit(&v[i], 0);
            v[i].shape[0] = v[0].shape[d];
        }
    return op_run_looped(c, inter ? "rotary_interleaved" : "rotary", v, 3, 1, nloop, NULL, 0);
}

static const OpDef defs[] = {
    {"attention", "softmax(q k^T * scale + mask) v, fused (optional causal mask)", "q k v mask?", "o",
     "scale:f causal:i", DT_FLOATS, "attention", attention_shape, attention_launch, 0},
    {"rotary", "rotary position embedding of the first 2R features (half or interleaved pairs)", "x cos sin", "y",
     "interleaved:i", DT_FLOATS, "rotary", rotary_shape, rotary_launch, 0},
};

const OpFamily ops_attention = {defs, sizeof defs / sizeof *defs};
