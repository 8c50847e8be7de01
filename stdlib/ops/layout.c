/* Layout helpers of the structured operators (layout.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/ops/layout.h"
#include "support/tensor.h"

static void view_repoint(View *v)
{
    v->t.shape = v->shape;
    v->t.strides = v->strides;
}

void view_insert_unit(View *v, int32_t at)
{
    for (int32_t d = v->t.ndim; d > at; d--)
        v->shape[d] = v->shape[d - 1], v->strides[d] = v->strides[d - 1];
    v->shape[at] = 1;
    v->strides[at] = 0;
    v->t.ndim++;
    view_repoint(v);
}

void view_remove_dim(View *v, int32_t at)
{
    for (int32_t d = at; d + 1 < v->t.ndim; d++)
        v->shape[d] = v->shape[d + 1], v->strides[d] = v->strides[d + 1];
    v->t.ndim--;
    view_repoint(v);
}

bool view_merge(View *v, int32_t from, int32_t to)
{
    if (from == to) {
        view_insert_unit(v, from);
        return true;
    }
    int64_t size = 1, stride = 1;
    int32_t last = -1; /* the innermost dim of size > 1 seen so far */
    for (int32_t d = to - 1; d >= from; d--) {
        size *= v->shape[d];
        if (v->shape[d] == 1)
            continue;
        if (last >= 0 && v->strides[d] != v->strides[last] * v->shape[last])
            return false;
        if (last < 0)
            stride = v->strides[d];
        last = d;
    }
    if (size == 0)
        stride = 1;
    v->shape[from] = size;
    v->strides[from] = stride;
    int32_t gone = to - from - 1;
    for (int32_t d = from + 1; d + gone < v->t.ndim; d++)
        v->shape[d] = v->shape[d + gone], v->strides[d] = v->strides[d + gone];
    v->t.ndim -= gone;
    view_repoint(v);
    return true;
}

void view_slice(View *v, int32_t d, int64_t start, int64_t size, int64_t step)
{
    v->t.byte_offset += (uint64_t)(start * v->strides[d] * (int64_t)((v->t.dtype.bits + 7) / 8));
    v->shape[d] = size;
    v->strides[d] *= step;
}

int64_t view_numel(const View *v)
{
    int64_t n = 1;
    for (int32_t d = 0; d < v->t.ndim; d++)
        n *= v->shape[d];
    return n;
}

bool view_is_contiguous(const View *v)
{
    int64_t want = 1;
    for (int32_t d = v->t.ndim - 1; d >= 0; d--) {
        if (v->shape[d] != 1 && v->strides[d] != want)
            return false;
        want *= v->shape[d];
    }
    return true;
}

tk_status view_copy(const OpCall *c, const View *from, const View *to)
{
    View vs[2] = {*from, *to};
    return op_run_elementwise(c, "copy", vs, 1, 1, NULL, 0);
}

tk_status view_scratch(const OpCall *c, const View *v, View *s, void **alloc, bool fill)
{
    size_t es = (v->t.dtype.bits + 7u) / 8u;
    int64_t n = view_numel(v);
    *alloc = malloc((size_t)(n ? n : 1) * es);
    if (!*alloc)
        return op_error(c, TK_ERR_NO_MEMORY, "out of memory for a scratch copy of %" PRId64 " elements", n);
    *s = *v;
    s->t.data = *alloc;
    s->t.byte_offset = 0;
    tensor_contiguous_strides(v->t.ndim, v->shape, s->strides);
    view_repoint(s);
    return fill ? view_copy(c, v, s) : TK_OK;
}

static bool view_try_three(View *v, int32_t lo, int32_t hi)
{
    View t = *v;
    view_repoint(&t);
    if (!view_merge(&t, hi, t.t.ndim) || !view_merge(&t, lo, hi) || !view_merge(&t, 0, lo))
        return false;
    *v = t;
    view_repoint(v);
    return true;
}

tk_status view_as_three(const OpCall *c, View *v, int32_t lo, int32_t hi, bool is_out, Scratch *s)
{
    s->orig = *v;
    view_repoint(&s->orig);
    s->alloc = NULL;
    s->is_out = is_out;
    if (view_try_three(v, lo, hi))
        return TK_OK;
    tk_status st = view_scratch(c, &s->orig, v, &s->alloc, !is_out);
    if (st == TK_OK)
        view_try_three(v, lo, hi); /* contiguous: always merges */
    return st;
}

tk_status scratch_finish(const OpCall *c, Scratch *s, tk_status st)
{
    if (!s->alloc)
        return st;
    if (st == TK_OK && s->is_out) {
        View full = s->orig;
        full.t.data = s->alloc;
        full.t.byte_offset = 0;
        tensor_contiguous_strides(full.t.ndim, full.shape, full.strides);
        view_repoint(&full);
        st = view_copy(c, &full, &s->orig);
    }
    free(s->alloc);
    s->alloc = NULL;
    return st;
}

tk_status op_run_looped(const OpCall *c, const char *kernel, View *views, int nin, int nout, int32_t nloop,
                        const tk_scalar *scalars, int nscalars)
{
    int n = nin + nout;
    for (int i = 0; i < n; i++)
        view_repoint(&views[i]);
    for (int j = nin; j < n; j++)
        if (view_numel(&views[j]) == 0)
            return TK_OK;
    tk_kernel *k = op_kernel(c, kernel);
    if (!k)
        return TK_ERR_INTERNAL;
    DLTensor ts[OP_MAX_IO * 2];
    const DLTensor *in[OP_MAX_IO * 2] = {0};
    DLTensor *out[OP_MAX_IO] = {0};
    tk_scalar sc[OP_MAX_IO * 4];
    memset(sc, 0, sizeof sc);
    for (int j = 0; j < nscalars; j++)
        sc[nin + j] = scalars[j];
    for (int i = 0; i < n; i++) {
        ts[i] = views[i].t;
        ts[i].ndim = views[i].t.ndim - nloop;
        ts[i].shape = views[i].shape + nloop;
        ts[i].strides = views[i].strides + nloop;
        if (i < nin)
            in[i] = &ts[i];
        else
            out[i - nin] = &ts[i];
    }
    tk_args args = {in, sc, out};
    int64_t idx[TK_MAX_RANK] = {0};
    for (;;) {
        for (int i = 0; i < n; i++) {
            int64_t off = 0;
            for (int32_t d = 0; d < nloop; d++)
                off += idx[d] * views[i].strides[d];
            ts[i].byte_offset = views[i].t.byte_offset + (uint64_t)(off * (int64_t)((views[i].t.dtype.bits + 7) / 8));
        }
        tk_status st = tk_launch(k, &args);
        if (st != TK_OK) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s", tk_last_error());
            return op_error(c, st, "%s", msg);
        }
        int32_t d = nloop - 1;
        while (d >= 0 && ++idx[d] == views[0].shape[d])
            idx[d--] = 0;
        if (d < 0)
            return TK_OK;
    }
}

/* v (a matrix operand, 2 trailing dims) seen with nb batch dims of shape. */
void view_batched(View *v, int32_t nb, const int64_t *shape)
{
    while (v->t.ndim < nb + 2)
        view_insert_unit(v, 0);
    for (int32_t d = 0; d < nb; d++)
        if (v->shape[d] != shape[d])
            v->shape[d] = shape[d], v->strides[d] = 0;
}

/* Runs kernel (a: [Z, M, K], b: [Z, K, N] ..., out [Z, M, N]) over views
 * with nb batch dims: the last one is the kernel's Z, the others loop. */
tk_status run_batched(const OpCall *c, const char *kernel, View *views, int nin, int nout, int32_t nb,
                             const tk_scalar *scalars, int nscalars)
{
    if (nb == 0)
        for (int i = 0; i < nin + nout; i++)
            view_insert_unit(&views[i], 0);
    return op_run_looped(c, kernel, views, nin, nout, nb ? nb - 1 : 0, scalars, nscalars);
}

tk_scalar op_scalar_of(DType t, double v)
{
    return dtype_is_float(t) ? op_scalar_f(t, v) : op_scalar_i(t, (int64_t)v);
}

void layout_zero(View *v, DType t, int32_t rank, const int64_t *shape)
{
    static const uint64_t zero = 0;
    memset(v, 0, sizeof *v);
    v->t.data = (void *)&zero; /* only read: stride 0 everywhere */
    v->t.device = (DLDevice){kDLCPU, 0};
    v->t.dtype = api_dl_type(t);
    v->t.ndim = rank;
    memcpy(v->shape, shape, sizeof(int64_t) * (size_t)rank);
    view_repoint(v);
}

int64_t view_int_at(const View *v, int64_t i)
{
    int64_t off = 0;
    for (int32_t d = v->t.ndim - 1; d >= 0; d--) {
        int64_t n = v->shape[d];
        off += (i % n) * v->strides[d];
        i /= n;
    }
    const char *p = (const char *)v->t.data + v->t.byte_offset;
    switch (api_dtype(v->t.dtype)) {
    case DT_I8: return ((const int8_t *)p)[off];
    case DT_I16: return ((const int16_t *)p)[off];
    case DT_I32: return ((const int32_t *)p)[off];
    case DT_U8: return ((const uint8_t *)p)[off];
    default: return ((const int64_t *)p)[off];
    }
}
