/* Output shapes and dtype checks shared by the operator families. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stdlib/ops/ops.h"

DType op_in_dtype(const OpCall *c, int i) { return c->in[i] ? api_dtype(c->in[i]->dtype) : DT_ERROR; }

void op_same_shape(OpCall *c, int j, int i, DType t)
{
    c->rank[j] = c->in[i]->ndim;
    memcpy(c->shape[j], c->in[i]->shape, sizeof(int64_t) * (size_t)c->in[i]->ndim);
    c->dtype[j] = t == DT_ERROR ? op_in_dtype(c, i) : t;
}

static const char *shape_text(const DLTensor *t, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "[");
    for (int32_t d = 0; d < t->ndim && at < len; d++)
        at += (size_t)snprintf(buf + at, len - at, "%s%" PRId64, d ? ", " : "", t->shape[d]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}

bool op_broadcast_shape(OpCall *c, int j)
{
    int32_t rank = 0;
    for (int i = 0; i < c->op->nin; i++)
        if (c->in[i] && c->in[i]->ndim > rank)
            rank = c->in[i]->ndim;
    int64_t shape[TK_MAX_RANK];
    for (int32_t d = 0; d < rank; d++)
        shape[d] = 1;
    int first[TK_MAX_RANK]; /* the input that set each dim, for messages */
    memset(first, -1, sizeof first);
    for (int i = 0; i < c->op->nin; i++) {
        const DLTensor *t = c->in[i];
        if (!t)
            continue;
        for (int32_t d = 0; d < t->ndim; d++) {
            int32_t o = rank - t->ndim + d;
            int64_t n = t->shape[d];
            if (n == shape[o] || n == 1)
                continue;
            if (shape[o] != 1) {
                char a[160], b[160];
                return op_fail(c, "cannot broadcast %s %s with %s %s (dimension %d from the end: %" PRId64
                               " and %" PRId64 ")",
                               tk_op_input_name(c->op, (size_t)first[o]), shape_text(c->in[first[o]], a, sizeof a),
                               tk_op_input_name(c->op, (size_t)i), shape_text(t, b, sizeof b), (int)(rank - o),
                               shape[o], n);
            }
            shape[o] = n;
            first[o] = i;
        }
    }
    c->rank[j] = rank;
    memcpy(c->shape[j], shape, sizeof(int64_t) * (size_t)rank);
    c->dtype[j] = op_in_dtype(c, 0);
    return true;
}

const char *op_dtype_list(uint32_t mask, char *buf, size_t len)
{
    static const DType order[] = {DT_F32, DT_F16, DT_BF16, DT_F64, DT_I8, DT_I16, DT_I32, DT_I64,
                                  DT_U8,  DT_U16, DT_U32, DT_U64, DT_BOOL};
    size_t at = 0, n = 0, total = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        total += (mask >> order[i]) & 1u;
    for (size_t i = 0; i < sizeof order / sizeof *order && at < len; i++)
        if ((mask >> order[i]) & 1u) {
            n++;
            at += (size_t)snprintf(buf + at, len - at, "%s%s", n == 1 ? "" : n == total ? " or " : ", ",
                                   dtype_name(order[i]));
        }
    return buf;
}

bool op_check_dtype(const OpCall *c, int i, uint32_t mask)
{
    DType t = op_in_dtype(c, i);
    if (t != DT_ERROR && ((mask >> t) & 1u))
        return true;
    char list[200];
    return op_fail(c, "input %s has dtype %s; %s takes %s", tk_op_input_name(c->op, (size_t)i),
                   t == DT_ERROR ? "?" : dtype_name(t), c->op->def->name, op_dtype_list(mask, list, sizeof list));
}

bool op_same_dtypes(const OpCall *c)
{
    DType t = op_in_dtype(c, 0);
    for (int i = 1; i < c->op->nin; i++)
        if (c->in[i] && op_in_dtype(c, i) != t)
            return op_fail(c, "input %s has dtype %s but %s has %s (cast one of them first)",
                           tk_op_input_name(c->op, (size_t)i), dtype_name(op_in_dtype(c, i)),
                           tk_op_input_name(c->op, 0), dtype_name(t));
    return true;
}
