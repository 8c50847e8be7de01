/* Calls onto canonical kernels through strided views: dims collapsed where
 * every tensor allows it, broadcast dims with stride 0, fixed-rank kernels
 * padded with leading 1s, and dims beyond the kernel's rank looped here.
 * No data is copied, except that a reduction over more scattered dims than
 * its kernel has is first copied into a layout where they are adjacent. */
#include <stdlib.h>
#include <string.h>

#include "stdlib/ops/ops.h"

#define ELEMENTWISE_RANK 4

void view_init(View *v, const DLTensor *t)
{
    v->t = *t;
    memcpy(v->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    if (t->strides)
        memcpy(v->strides, t->strides, sizeof(int64_t) * (size_t)t->ndim);
    else
        tensor_contiguous_strides(t->ndim, t->shape, v->strides);
    v->t.shape = v->shape;
    v->t.strides = v->strides;
}

void view_broadcast(View *v, const DLTensor *t, int32_t rank, const int64_t *shape)
{
    View src;
    view_init(&src, t);
    v->t = *t;
    v->t.ndim = rank;
    for (int32_t d = 0; d < rank; d++) {
        int32_t s = d - (rank - t->ndim);
        v->shape[d] = shape[d];
        v->strides[d] = s < 0 || (src.shape[s] == 1 && shape[d] != 1) ? 0 : src.strides[s];
    }
    v->t.shape = v->shape;
    v->t.strides = v->strides;
}

void view_permute(View *v, const int32_t *perm)
{
    int64_t shape[TK_MAX_RANK], strides[TK_MAX_RANK];
    for (int32_t d = 0; d < v->t.ndim; d++)
        shape[d] = v->shape[perm[d]], strides[d] = v->strides[perm[d]];
    memcpy(v->shape, shape, sizeof shape);
    memcpy(v->strides, strides, sizeof strides);
    v->t.shape = v->shape;
    v->t.strides = v->strides;
}

tk_scalar op_scalar_f(DType t, double v)
{
    tk_scalar s = {api_dl_type(t), {.f = v}};
    return s;
}

tk_scalar op_scalar_i(DType t, int64_t v)
{
    tk_scalar s = {api_dl_type(t), {.i = v}};
    return s;
}

/* ---- the standard library module ----------------------------------------- */

/* Every std file imported by one in-memory root, compiled once per context. */
static tk_module *stdlib_module(tk_context *ctx)
{
    pthread_mutex_lock(&ctx->mu);
    if (!ctx->stdlib && !ctx->stdlib_failed) {
        char src[4096] = "";
        for (size_t i = 0; stdlib_file_name(i); i++)
            snprintf(src + strlen(src), sizeof src - strlen(src), "import \"std:%s\";\n", stdlib_file_name(i));
        tk_module *m = NULL;
        if (tk_compile_string(ctx, "<std>", src, strlen(src), &m) == TK_OK)
            ctx->stdlib = m;
        else {
            /* a bug in a library file: keep the message for every later call */
            snprintf(ctx->stdlib_error, sizeof ctx->stdlib_error, "%s", m ? tk_module_diagnostics_text(m) : tk_last_error());
            ctx->stdlib_failed = true;
            tk_module_destroy(m);
        }
    }
    tk_module *m = ctx->stdlib;
    pthread_mutex_unlock(&ctx->mu);
    return m;
}

tk_kernel *op_kernel(const OpCall *c, const char *name)
{
    tk_module *m = stdlib_module(c->op->ctx);
    if (!m) {
        op_error(c, TK_ERR_INTERNAL, "the standard library does not compile: %s", c->op->ctx->stdlib_error);
        return NULL;
    }
    tk_kernel *k = NULL;
    if (tk_module_kernel(m, name, &k) != TK_OK) {
        op_error(c, TK_ERR_INTERNAL, "the standard library has no kernel '%s'", name);
        return NULL;
    }
    return k;
}

/* Launches kernel on tensors (inputs then outputs) and scalars. */
static tk_status launch(const OpCall *c, tk_kernel *k, DLTensor *tensors, int nin, int nout, const tk_scalar *scalars,
                        int nscalars)
{
    const DLTensor *in[OP_MAX_IO * 2] = {0};
    DLTensor *out[OP_MAX_IO] = {0};
    tk_scalar sc[OP_MAX_IO * 2];
    memset(sc, 0, sizeof sc);
    for (int i = 0; i < nin; i++)
        in[i] = &tensors[i];
    for (int j = 0; j < nscalars; j++)
        sc[nin + j] = scalars[j];
    for (int j = 0; j < nout; j++)
        out[j] = &tensors[nin + j];
    tk_args args = {in, sc, out};
    tk_status st = tk_launch(k, &args);
    if (st != TK_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", tk_last_error());
        return op_error(c, st, "%s", msg);
    }
    return TK_OK;
}

/* ---- elementwise --------------------------------------------------------- */

/* Collapsed dims shared by n views: shape[0 .. rank) and per-view strides. */
typedef struct Dims {
    int32_t rank;
    int64_t shape[TK_MAX_RANK];
    int64_t strides[OP_MAX_IO * 2][TK_MAX_RANK];
} Dims;

/* Appends dim d of every view, merged into the previous dim when every view
 * steps over it contiguously; size-1 dims are dropped. */
static void push_dim(Dims *g, View *views, int n, int32_t d)
{
    int64_t size = views[0].shape[d];
    if (size == 1)
        return;
    bool merge = g->rank > 0;
    for (int i = 0; i < n && merge; i++)
        merge = g->strides[i][g->rank - 1] == views[i].strides[d] * size;
    if (merge) {
        g->shape[g->rank - 1] *= size;
        for (int i = 0; i < n; i++)
            g->strides[i][g->rank - 1] = views[i].strides[d];
        return;
    }
    g->shape[g->rank] = size;
    for (int i = 0; i < n; i++)
        g->strides[i][g->rank] = views[i].strides[d];
    g->rank++;
}

/* The tensors of one launch: each view's data with dims [from, from + rank)
 * of g, padded in front to `rank` dims. */
static void place(DLTensor *t, int64_t *shape, int64_t *strides, const View *v, const Dims *g, int i, int32_t from,
                  int32_t count, int32_t rank)
{
    *t = v->t;
    t->ndim = rank;
    t->shape = shape;
    t->strides = strides;
    int32_t pad = rank - count;
    for (int32_t d = 0; d < rank; d++) {
        shape[d] = d < pad ? 1 : g->shape[from + d - pad];
        strides[d] = d < pad ? 0 : g->strides[i][from + d - pad];
    }
}

static int64_t numel(const View *v)
{
    int64_t n = 1;
    for (int32_t d = 0; d < v->t.ndim; d++)
        n *= v->shape[d];
    return n;
}

/* Steps an odometer over dims [0, nloop) of g; false when it wraps. Keeps
 * each view's byte offset in offs. */
static bool step(const Dims *g, int32_t nloop, int64_t *idx, int64_t *offs, const View *views, int n)
{
    for (int32_t d = nloop - 1; d >= 0; d--) {
        idx[d]++;
        for (int i = 0; i < n; i++)
            offs[i] += g->strides[i][d] * (int64_t)((views[i].t.dtype.bits + 7) / 8);
        if (idx[d] < g->shape[d])
            return true;
        for (int i = 0; i < n; i++)
            offs[i] -= g->strides[i][d] * g->shape[d] * (int64_t)((views[i].t.dtype.bits + 7) / 8);
        idx[d] = 0;
    }
    return false;
}

tk_status op_run_elementwise(const OpCall *c, const char *kernel, View *views, int nin, int nout,
                             const tk_scalar *scalars, int nscalars)
{
    int n = nin + nout;
    for (int i = 0; i < n; i++)
        view_init(&views[i], &views[i].t); /* re-point after a copy of the struct */
    if (numel(&views[0]) == 0)
        return TK_OK;
    tk_kernel *k = op_kernel(c, kernel);
    if (!k)
        return TK_ERR_INTERNAL;
    Dims g = {0};
    for (int32_t d = 0; d < views[0].t.ndim; d++)
        push_dim(&g, views, n, d);
    int32_t inner = g.rank < ELEMENTWISE_RANK ? g.rank : ELEMENTWISE_RANK, nloop = g.rank - inner;
    DLTensor ts[OP_MAX_IO * 2];
    int64_t shapes[OP_MAX_IO * 2][TK_MAX_RANK], strides[OP_MAX_IO * 2][TK_MAX_RANK];
    int64_t idx[TK_MAX_RANK] = {0}, offs[OP_MAX_IO * 2] = {0};
    do {
        for (int i = 0; i < n; i++) {
            place(&ts[i], shapes[i], strides[i], &views[i], &g, i, nloop, inner, ELEMENTWISE_RANK);
            ts[i].byte_offset = views[i].t.byte_offset + (uint64_t)offs[i];
        }
        tk_status st = launch(c, k, ts, nin, nout, scalars, nscalars);
        if (st != TK_OK)
            return st;
    } while (step(&g, nloop, idx, offs, views, n));
    return TK_OK;
}

/* ---- kept and reduced dims ----------------------------------------------- */

/* A scratch tensor with shape v's, contiguous in the order perm. */
static bool scratch_like(View *s, const View *v, const int32_t *perm, void **alloc)
{
    int32_t r = v->t.ndim;
    int64_t n = numel(v);
    size_t es = (v->t.dtype.bits + 7u) / 8u;
    *alloc = malloc((size_t)(n ? n : 1) * es);
    if (!*alloc)
        return false;
    *s = *v;
    s->t.data = *alloc;
    s->t.byte_offset = 0;
    int64_t stride = 1;
    for (int32_t d = r - 1; d >= 0; d--) {
        s->strides[perm[d]] = stride;
        stride *= v->shape[perm[d]];
    }
    s->t.shape = s->shape;
    s->t.strides = s->strides;
    return true;
}

static tk_status copy_view(const OpCall *c, const View *from, const View *to)
{
    View vs[2] = {*from, *to};
    return op_run_elementwise(c, "copy", vs, 1, 1, NULL, 0);
}

/* Copies every full or reduced-dim tensor into kept-then-reduced order, runs,
 * and copies full outputs back. */
static tk_status run_copied(const OpCall *c, const char *kernel, int nkept, int nred, View *views,
                            const ViewPart *parts, int nin, int nout, const bool *reduced, const int32_t *perm,
                            const tk_scalar *scalars, int nscalars)
{
    int n = nin + nout;
    View vs[OP_MAX_IO * 2];
    void *allocs[OP_MAX_IO * 2] = {0};
    tk_status st = TK_OK;
    for (int i = 0; i < n && st == TK_OK; i++) {
        vs[i] = views[i];
        if (parts[i] == PART_KEPT)
            continue;
        if (!scratch_like(&vs[i], &views[i], perm, &allocs[i]))
            st = op_error(c, TK_ERR_NO_MEMORY, "out of memory for a scratch copy");
        else if (i < nin)
            st = copy_view(c, &views[i], &vs[i]);
    }
    if (st == TK_OK)
        st = op_run_grouped(c, kernel, nkept, nred, vs, parts, nin, nout, reduced, scalars, nscalars);
    for (int i = nin; i < n && st == TK_OK; i++)
        if (allocs[i])
            st = copy_view(c, &vs[i], &views[i]);
    for (int i = 0; i < n; i++)
        free(allocs[i]);
    return st;
}

tk_status op_run_grouped(const OpCall *c, const char *kernel, int nkept, int nred, View *views, const ViewPart *parts,
                         int nin, int nout, const bool *reduced, const tk_scalar *scalars, int nscalars)
{
    int n = nin + nout;
    int32_t r = views[0].t.ndim, perm[TK_MAX_RANK], nk = 0;
    for (int i = 0; i < n; i++)
        view_init(&views[i], &views[i].t);
    for (int32_t d = 0; d < r; d++)
        if (!reduced[d])
            perm[nk++] = d;
    for (int32_t d = 0, at = nk; d < r; d++)
        if (reduced[d])
            perm[at++] = d;
    Dims kept = {0}, red = {0};
    for (int32_t d = 0; d < nk; d++)
        push_dim(&kept, views, n, perm[d]);
    for (int32_t d = nk; d < r; d++)
        push_dim(&red, views, n, perm[d]);
    if (red.rank > nred)
        return run_copied(c, kernel, nkept, nred, views, parts, nin, nout, reduced, perm, scalars, nscalars);
    for (int32_t d = 0; d < kept.rank; d++)
        if (kept.shape[d] == 0)
            return TK_OK; /* no output elements */
    tk_kernel *k = op_kernel(c, kernel);
    if (!k)
        return TK_ERR_INTERNAL;
    int32_t inner = kept.rank < nkept ? kept.rank : nkept, nloop = kept.rank - inner;
    DLTensor ts[OP_MAX_IO * 2];
    int64_t shapes[OP_MAX_IO * 2][TK_MAX_RANK], strides[OP_MAX_IO * 2][TK_MAX_RANK];
    int64_t idx[TK_MAX_RANK] = {0}, offs[OP_MAX_IO * 2] = {0};
    do {
        for (int i = 0; i < n; i++) {
            DLTensor kt, rt;
            int64_t ks[TK_MAX_RANK], kst[TK_MAX_RANK], rs[TK_MAX_RANK], rst[TK_MAX_RANK];
            place(&kt, ks, kst, &views[i], &kept, i, nloop, inner, nkept);
            place(&rt, rs, rst, &views[i], &red, i, 0, red.rank, nred);
            ts[i] = views[i].t;
            ts[i].shape = shapes[i];
            ts[i].strides = strides[i];
            ts[i].byte_offset = views[i].t.byte_offset + (uint64_t)offs[i];
            ts[i].ndim = 0;
            if (parts[i] != PART_REDUCED)
                for (int32_t d = 0; d < nkept; d++, ts[i].ndim++)
                    shapes[i][ts[i].ndim] = ks[d], strides[i][ts[i].ndim] = kst[d];
            if (parts[i] != PART_KEPT)
                for (int32_t d = 0; d < nred; d++, ts[i].ndim++)
                    shapes[i][ts[i].ndim] = rs[d], strides[i][ts[i].ndim] = rst[d];
        }
        tk_status st = launch(c, k, ts, nin, nout, scalars, nscalars);
        if (st != TK_OK)
            return st;
    } while (step(&kept, nloop, idx, offs, views, n));
    return TK_OK;
}
