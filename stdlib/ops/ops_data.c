/* Data movement operators (stdlib/data.tk; docs/stdlib.md "Data
 * movement"). transpose, slice, concat, split, broadcast_to and the
 * reshapes copy strided views with the library's copy kernel; the others
 * run a kernel of data.tk on [A, N, B] or rank-4 views. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stdlib/ops/layout.h"
#include "support/tensor.h"

#define DATA_RANK 4 /* the rank of pad_* and tile */

static tk_status copy_into(OpCall *c, const View *from, int out)
{
    View to;
    view_init(&to, c->out[out]);
    return view_copy(c, from, &to);
}

/* ---- transpose ----------------------------------------------------------- */

static bool transpose_perm(const OpCall *c, int32_t *perm)
{
    int32_t r = c->in[0]->ndim;
    int64_t p[TK_MAX_RANK];
    size_t n;
    if (!op_attr_ints(c, "perm", p, TK_MAX_RANK, &n))
        return false;
    if (n == 0) {
        for (int32_t d = 0; d < r; d++)
            perm[d] = r - 1 - d;
        return true;
    }
    if ((int32_t)n != r)
        return op_fail(c, "perm has %zu entries but x has rank %d", n, (int)r);
    bool seen[TK_MAX_RANK] = {false};
    for (int32_t d = 0; d < r; d++) {
        int64_t a = p[d] < 0 ? p[d] + r : p[d];
        if (a < 0 || a >= r || seen[a])
            return op_fail(c, "perm is not a permutation of the %d dims (entry %d is %" PRId64 ")", (int)r, (int)d,
                           p[d]);
        seen[a] = true;
        perm[d] = (int32_t)a;
    }
    return true;
}

static bool transpose_shape(OpCall *c)
{
    int32_t perm[TK_MAX_RANK];
    if (!transpose_perm(c, perm))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    for (int32_t d = 0; d < c->rank[0]; d++)
        c->shape[0][d] = c->in[0]->shape[perm[d]];
    return true;
}

static tk_status transpose_launch(OpCall *c)
{
    int32_t perm[TK_MAX_RANK];
    transpose_perm(c, perm);
    View x;
    view_init(&x, c->in[0]);
    view_permute(&x, perm);
    return copy_into(c, &x, 0);
}

/* ---- pad ----------------------------------------------------------------- */

/* Begin and end pads per dim of x, from pads (and axes). */
static bool pad_amounts(const OpCall *c, int64_t *begin, int64_t *end)
{
    int32_t r = c->in[0]->ndim;
    int64_t pads[2 * TK_MAX_RANK], axes[TK_MAX_RANK];
    size_t np, na;
    if (!op_attr_ints(c, "pads", pads, 2 * TK_MAX_RANK, &np) || !op_attr_ints(c, "axes", axes, TK_MAX_RANK, &na))
        return false;
    if (na == 0)
        for (int32_t d = 0; d < r; d++)
            axes[na++] = d;
    if (np != 2 * na)
        return op_fail(c, "pads has %zu values; it needs %zu (a begin and an end for each of %zu axes)", np, 2 * na,
                       na);
    memset(begin, 0, sizeof(int64_t) * TK_MAX_RANK);
    memset(end, 0, sizeof(int64_t) * TK_MAX_RANK);
    for (size_t i = 0; i < na; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
        if (a < 0 || a >= r)
            return op_fail(c, "axes[%zu] is %" PRId64 ", outside a rank-%d tensor", i, axes[i], (int)r);
        begin[a] = pads[i];
        end[a] = pads[na + i];
    }
    return true;
}

static const char *const pad_modes[] = {"constant", "reflect", "edge"};

static int pad_mode(const OpCall *c)
{
    const char *m;
    if (!op_attr_string(c, "mode", "constant", &m))
        return -1;
    for (int i = 0; i < 3; i++)
        if (!strcmp(m, pad_modes[i]))
            return i;
    op_fail(c, "mode is '%s' (constant, reflect or edge)", m);
    return -1;
}

static bool pad_shape(OpCall *c)
{
    int64_t b[TK_MAX_RANK], e[TK_MAX_RANK];
    int mode = pad_mode(c);
    if (mode < 0 || !pad_amounts(c, b, e))
        return false;
    const DLTensor *x = c->in[0];
    op_same_shape(c, 0, 0, DT_ERROR);
    for (int32_t d = 0; d < x->ndim; d++) {
        int64_t n = x->shape[d];
        if (d < x->ndim - DATA_RANK && (b[d] || e[d]))
            return op_fail(c, "only the last %d dims can be padded; dim %d of a rank-%d x has pads %" PRId64
                           " and %" PRId64,
                           DATA_RANK, (int)d, (int)x->ndim, b[d], e[d]);
        if (mode == 1 && (b[d] >= n || e[d] >= n) && (b[d] > 0 || e[d] > 0))
            return op_fail(c, "reflect pads of dim %d (%" PRId64 " and %" PRId64 ") must be below its size %" PRId64,
                           (int)d, b[d], e[d], n);
        if (mode == 2 && n == 0 && (b[d] > 0 || e[d] > 0))
            return op_fail(c, "edge padding of dim %d, which is empty", (int)d);
        c->shape[0][d] = n + b[d] + e[d];
        if (c->shape[0][d] < 0)
            return op_fail(c, "pads %" PRId64 " and %" PRId64 " crop more than dim %d's %" PRId64, b[d], e[d], (int)d,
                           n);
    }
    return true;
}

/* Views of x and y padded in front to rank 4 (or, above, with the leading
 * dims looped), and their count of looped dims. */
static int32_t rank4_views(const OpCall *c, View *v)
{
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->out[0]);
    while (v[0].t.ndim < DATA_RANK) {
        view_insert_unit(&v[0], 0);
        view_insert_unit(&v[1], 0);
    }
    return v[0].t.ndim - DATA_RANK;
}

static tk_status pad_launch(OpCall *c)
{
    static const char *const kernels[] = {"pad_constant", "pad_reflect", "pad_edge"};
    int64_t b[TK_MAX_RANK], e[TK_MAX_RANK];
    int mode = pad_mode(c);
    pad_amounts(c, b, e);
    double value;
    op_attr_float(c, "value", 0.0, &value);
    View v[2];
    int32_t nloop = rank4_views(c, v), r = c->in[0]->ndim;
    tk_scalar s[9];
    int n = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int32_t d = 0; d < DATA_RANK; d++) {
            int32_t a = d - (DATA_RANK - r);
            s[n++] = op_scalar_i(DT_I64, a < 0 ? 0 : (pass ? e : b)[a + nloop]);
        }
    if (mode == 0)
        s[n++] = op_scalar_of(op_in_dtype(c, 0), value);
    return op_run_looped(c, kernels[mode], v, 1, 1, nloop, s, n);
}

/* ---- slice --------------------------------------------------------------- */

typedef struct Slice {
    int64_t start[TK_MAX_RANK], size[TK_MAX_RANK], step[TK_MAX_RANK];
} Slice;

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ONNX Slice: per axis, start and end count from the end when negative and
 * are clamped into the dim; a negative step walks backwards. */
static bool slice_get(const OpCall *c, Slice *s)
{
    const DLTensor *x = c->in[0];
    int32_t r = x->ndim;
    int64_t st[TK_MAX_RANK], en[TK_MAX_RANK], ax[TK_MAX_RANK], sp[TK_MAX_RANK];
    size_t ns, ne, na, np;
    if (!op_attr_ints(c, "starts", st, TK_MAX_RANK, &ns) || !op_attr_ints(c, "ends", en, TK_MAX_RANK, &ne) ||
        !op_attr_ints(c, "axes", ax, TK_MAX_RANK, &na) || !op_attr_ints(c, "steps", sp, TK_MAX_RANK, &np))
        return false;
    if (ns != ne || (na && na != ns) || (np && np != ns))
        return op_fail(c, "starts, ends, axes and steps must have one length (%zu, %zu, %zu, %zu)", ns, ne, na, np);
    bool seen[TK_MAX_RANK] = {false};
    for (int32_t d = 0; d < r; d++)
        s->start[d] = 0, s->size[d] = x->shape[d], s->step[d] = 1;
    for (size_t i = 0; i < ns; i++) {
        int64_t a = na ? ax[i] : (int64_t)i, step = np ? sp[i] : 1;
        a = a < 0 ? a + r : a;
        if (a < 0 || a >= r || seen[a])
            return op_fail(c, "axis %" PRId64 " is outside a rank-%d x or repeated", na ? ax[i] : (int64_t)i, (int)r);
        if (step == 0)
            return op_fail(c, "steps[%zu] is 0", i);
        seen[a] = true;
        int64_t n = x->shape[a], b = st[i], e = en[i];
        if (b < 0)
            b = b < -n ? 0 : b + n; /* clamp before adding: starts like INT64_MIN */
        if (e < 0)
            e = e < -n ? -1 : e + n;
        if (step > 0) {
            b = clamp64(b, 0, n);
            e = clamp64(e, 0, n);
        } else {
            b = clamp64(b, 0, n - 1);
            e = clamp64(e, -1, n - 1);
        }
        int64_t len = step > 0 ? (e - b + step - 1) / step : (b - e + (-step) - 1) / (-step);
        s->start[a] = b;
        s->size[a] = len > 0 ? len : 0;
        s->step[a] = step;
    }
    return true;
}

static bool slice_shape(OpCall *c)
{
    Slice s;
    if (!slice_get(c, &s))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    memcpy(c->shape[0], s.size, sizeof(int64_t) * (size_t)c->rank[0]);
    return true;
}

static tk_status slice_launch(OpCall *c)
{
    Slice s;
    slice_get(c, &s);
    View x;
    view_init(&x, c->in[0]);
    for (int32_t d = 0; d < x.t.ndim; d++)
        if (s.size[d] > 0)
            view_slice(&x, d, s.start[d], s.size[d], s.step[d]);
        else
            x.shape[d] = 0;
    return copy_into(c, &x, 0);
}

/* ---- concat and split ---------------------------------------------------- */

static bool concat_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    int32_t axis;
    if (!op_same_dtypes(c) || !op_attr_axis(c, "axis", 0, x->ndim, &axis))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    for (int i = 1; i < c->op->nin; i++) {
        const DLTensor *t = c->in[i];
        if (!t)
            continue;
        bool fits = t->ndim == x->ndim;
        for (int32_t d = 0; d < x->ndim && fits; d++)
            fits = d == axis || t->shape[d] == x->shape[d];
        if (!fits)
            return op_fail(c, "%s does not match %s outside axis %d (ranks %d and %d)", tk_op_input_name(c->op, (size_t)i),
                           tk_op_input_name(c->op, 0), (int)axis, (int)t->ndim, (int)x->ndim);
        c->shape[0][axis] += t->shape[axis];
    }
    return true;
}

static tk_status concat_launch(OpCall *c)
{
    int32_t axis;
    op_attr_axis(c, "axis", 0, c->in[0]->ndim, &axis);
    int64_t at = 0;
    for (int i = 0; i < c->op->nin; i++) {
        if (!c->in[i])
            continue;
        View x, y;
        view_init(&x, c->in[i]);
        view_init(&y, c->out[0]);
        int64_t n = c->in[i]->shape[axis];
        if (n)
            view_slice(&y, axis, at, n, 1);
        else
            y.shape[axis] = 0;
        tk_status st = view_copy(c, &x, &y);
        if (st != TK_OK)
            return st;
        at += n;
    }
    return TK_OK;
}

/* The size of each part along the axis; their count. */
static int split_sizes(const OpCall *c, int32_t axis, int64_t *sizes)
{
    int64_t n = c->in[0]->shape[axis], parts;
    size_t ns;
    if (!op_attr_ints(c, "split", sizes, OP_MAX_IO, &ns) || !op_attr_int(c, "num_outputs", 0, &parts))
        return -1;
    if (ns) {
        int64_t total = 0;
        for (size_t i = 0; i < ns; i++) {
            if (sizes[i] < 0)
                return op_fail(c, "split[%zu] is %" PRId64, i, sizes[i]), -1;
            total += sizes[i];
        }
        if (total != n)
            return op_fail(c, "split sums to %" PRId64 " but axis %d has %" PRId64, total, (int)axis, n), -1;
        return (int)ns;
    }
    if (parts < 1 || parts > OP_MAX_IO)
        return op_fail(c, "give split (the sizes) or num_outputs (1 to %d)", OP_MAX_IO), -1;
    int64_t each = (n + parts - 1) / parts;
    for (int64_t i = 0; i < parts; i++)
        sizes[i] = n - i * each < each ? (n - i * each > 0 ? n - i * each : 0) : each;
    return (int)parts;
}

static bool split_shape(OpCall *c)
{
    int32_t axis;
    int64_t sizes[OP_MAX_IO];
    if (!op_attr_axis(c, "axis", 0, c->in[0]->ndim, &axis))
        return false;
    int n = split_sizes(c, axis, sizes);
    if (n < 0)
        return false;
    if (n > c->op->nout)
        return op_fail(c, "%d parts, but at most %d outputs", n, c->op->nout);
    for (int j = 0; j < c->op->nout; j++) {
        op_same_shape(c, j, 0, DT_ERROR);
        c->shape[j][axis] = j < n ? sizes[j] : 0;
    }
    return true;
}

static tk_status split_launch(OpCall *c)
{
    int32_t axis;
    int64_t sizes[OP_MAX_IO], at = 0;
    op_attr_axis(c, "axis", 0, c->in[0]->ndim, &axis);
    int n = split_sizes(c, axis, sizes);
    for (int j = 0; j < n; j++) {
        View x;
        view_init(&x, c->in[0]);
        if (sizes[j])
            view_slice(&x, axis, at, sizes[j], 1);
        else
            x.shape[axis] = 0;
        at += sizes[j];
        if (!c->out[j])
            continue;
        tk_status st = copy_into(c, &x, j);
        if (st != TK_OK)
            return st;
    }
    return TK_OK;
}

/* ---- tile and broadcast_to ----------------------------------------------- */

static bool tile_repeats(const OpCall *c, int64_t *rep)
{
    int32_t r = c->in[0]->ndim;
    size_t n;
    if (!op_attr_ints(c, "repeats", rep, TK_MAX_RANK, &n))
        return false;
    if ((int32_t)n != r)
        return op_fail(c, "repeats has %zu entries but x has rank %d", n, (int)r);
    for (int32_t d = 0; d < r; d++) {
        if (rep[d] < 0)
            return op_fail(c, "repeats[%d] is %" PRId64, (int)d, rep[d]);
        if (d < r - DATA_RANK && rep[d] != 1)
            return op_fail(c, "only the last %d dims can be repeated; repeats[%d] is %" PRId64, DATA_RANK, (int)d,
                           rep[d]);
    }
    return true;
}

static bool tile_shape(OpCall *c)
{
    int64_t rep[TK_MAX_RANK];
    if (!tile_repeats(c, rep))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    for (int32_t d = 0; d < c->rank[0]; d++)
        c->shape[0][d] *= rep[d];
    return true;
}

static tk_status tile_launch(OpCall *c)
{
    int64_t rep[TK_MAX_RANK];
    tile_repeats(c, rep);
    View v[2];
    int32_t nloop = rank4_views(c, v), r = c->in[0]->ndim;
    tk_scalar s[DATA_RANK];
    for (int32_t d = 0; d < DATA_RANK; d++) {
        int32_t a = d - (DATA_RANK - r);
        s[d] = op_scalar_i(DT_I64, a < 0 ? 1 : rep[a + nloop]);
    }
    return op_run_looped(c, "tile", v, 1, 1, nloop, s, DATA_RANK);
}

static bool broadcast_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    int64_t shape[TK_MAX_RANK];
    size_t n;
    if (!op_attr_ints(c, "shape", shape, TK_MAX_RANK, &n))
        return false;
    int32_t r = x->ndim > (int32_t)n ? x->ndim : (int32_t)n;
    c->rank[0] = r;
    c->dtype[0] = op_in_dtype(c, 0);
    for (int32_t d = 0; d < r; d++) {
        int32_t dx = d - (r - x->ndim), ds = d - (r - (int32_t)n);
        int64_t a = dx >= 0 ? x->shape[dx] : 1, b = ds >= 0 ? shape[ds] : 1;
        if (a != b && a != 1 && b != 1)
            return op_fail(c, "x's dim %d (%" PRId64 ") does not broadcast with shape's %" PRId64, (int)dx, a, b);
        c->shape[0][d] = a == 1 ? b : a;
    }
    return true;
}

static tk_status broadcast_launch(OpCall *c)
{
    View x;
    view_broadcast(&x, c->in[0], c->out[0]->ndim, c->out[0]->shape);
    return copy_into(c, &x, 0);
}

/* ---- gather, gather_elements, scatter_elements, one_hot ------------------ */

static bool index_dtype(const OpCall *c, int i)
{
    return op_check_dtype(c, i, DTB(I32) | DTB(I64));
}

/* Every element of idx lies in [-n, n). */
static bool indices_in_range(const OpCall *c, const DLTensor *idx, int64_t n)
{
    View v;
    view_init(&v, idx);
    int64_t total = view_numel(&v);
    for (int64_t i = 0; i < total; i++) {
        int64_t k = view_int_at(&v, i);
        if (k < -n || k >= n)
            return op_fail(c, "index %" PRId64 " (element %" PRId64 " of %s) is outside [-%" PRId64 ", %" PRId64 ")", k,
                           i, tk_op_input_name(c->op, 1), n, n);
    }
    return true;
}

static bool gather_shape(OpCall *c)
{
    const DLTensor *x = c->in[0], *idx = c->in[1];
    int32_t axis;
    if (!index_dtype(c, 1) || !op_attr_axis(c, "axis", 0, x->ndim, &axis))
        return false;
    if (x->ndim + idx->ndim - 1 > TK_MAX_RANK)
        return op_fail(c, "the output would have rank %d, above %d", (int)(x->ndim + idx->ndim - 1), TK_MAX_RANK);
    if (!indices_in_range(c, idx, x->shape[axis]))
        return false;
    c->rank[0] = 0;
    for (int32_t d = 0; d < axis; d++)
        c->shape[0][c->rank[0]++] = x->shape[d];
    for (int32_t d = 0; d < idx->ndim; d++)
        c->shape[0][c->rank[0]++] = idx->shape[d];
    for (int32_t d = axis + 1; d < x->ndim; d++)
        c->shape[0][c->rank[0]++] = x->shape[d];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

/* Runs kernel over views as [A, M, B] (per view: the middle dims [lo, hi)),
 * with scratch copies where strides do not merge. */
static tk_status run_three(OpCall *c, const char *kernel, View *v, int n, int nin, const int32_t *lo,
                           const int32_t *hi, const tk_scalar *s, int ns)
{
    Scratch sc[OP_MAX_IO];
    int made = 0;
    tk_status st = TK_OK;
    for (; made < n && st == TK_OK; made++)
        st = view_as_three(c, &v[made], lo[made], hi[made], made >= nin, &sc[made]);
    if (st == TK_OK)
        st = op_run_looped(c, kernel, v, nin, n - nin, 0, s, ns);
    while (made-- > 0)
        st = scratch_finish(c, &sc[made], st);
    return st;
}

static tk_status gather_launch(OpCall *c)
{
    int32_t axis, q = c->in[1]->ndim;
    op_attr_axis(c, "axis", 0, c->in[0]->ndim, &axis);
    View v[3];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->in[1]);
    view_init(&v[2], c->out[0]);
    Scratch si, sx, sy;
    tk_status st = view_as_three(c, &v[1], 0, q, false, &si); /* [1, M, 1]: the indices as one dim */
    if (st != TK_OK)
        return st;
    view_remove_dim(&v[1], 2);
    view_remove_dim(&v[1], 0);
    st = view_as_three(c, &v[0], axis, axis + 1, false, &sx);
    if (st == TK_OK) {
        st = view_as_three(c, &v[2], axis, axis + q, true, &sy);
        if (st == TK_OK)
            st = scratch_finish(c, &sy, op_run_looped(c, "gather", v, 2, 1, 0, NULL, 0));
        st = scratch_finish(c, &sx, st);
    }
    return scratch_finish(c, &si, st);
}

/* gather_elements and scatter_elements: idx (and updates) like x but for
 * the axis; returns the axis or -1 after op_fail. */
static int32_t elements_axis(const OpCall *c)
{
    const DLTensor *x = c->in[0], *idx = c->in[1];
    int32_t axis;
    if (!index_dtype(c, 1) || !op_attr_axis(c, "axis", 0, x->ndim, &axis))
        return -1;
    for (int i = 1; i < c->op->nin; i++) {
        const DLTensor *t = c->in[i];
        bool fits = t->ndim == x->ndim && (i == 1 || t->shape[axis] == idx->shape[axis]);
        for (int32_t d = 0; d < x->ndim && fits; d++)
            fits = d == axis || t->shape[d] == x->shape[d];
        if (!fits)
            return op_fail(c, "%s must have x's shape except along axis %d (ranks %d and %d)",
                           tk_op_input_name(c->op, (size_t)i), (int)axis, (int)t->ndim, (int)x->ndim), -1;
    }
    if (!indices_in_range(c, idx, x->shape[axis]))
        return -1;
    return axis;
}

static bool gather_elements_shape(OpCall *c)
{
    if (elements_axis(c) < 0)
        return false;
    op_same_shape(c, 0, 1, op_in_dtype(c, 0));
    return true;
}

static tk_status elements_launch(OpCall *c)
{
    int32_t axis = elements_axis(c);
    int n = c->op->nin + 1;
    View v[4];
    int32_t lo[4], hi[4];
    for (int i = 0; i < n; i++) {
        view_init(&v[i], i < c->op->nin ? c->in[i] : c->out[0]);
        lo[i] = axis;
        hi[i] = axis + 1;
    }
    return run_three(c, c->op->def->kernel, v, n, c->op->nin, lo, hi, NULL, 0);
}

/* No index repeats along the axis within one line (ONNX leaves that
 * undefined; TK refuses it). */
static bool distinct_indices(const OpCall *c, int32_t axis)
{
    View v;
    view_init(&v, c->in[1]);
    int64_t n = c->in[0]->shape[axis], m = v.shape[axis], total = view_numel(&v);
    if (m < 2)
        return true;
    int64_t inner = 1;
    for (int32_t d = axis + 1; d < v.t.ndim; d++)
        inner *= v.shape[d];
    char *hit = calloc((size_t)n, 1);
    if (!hit)
        return op_fail(c, "out of memory");
    bool ok = true;
    for (int64_t line = 0; line < total / m && ok; line++) {
        int64_t base = line / inner * m * inner + line % inner;
        for (int64_t k = 0; k < m && ok; k++) {
            int64_t i = view_int_at(&v, base + k * inner);
            i = i < 0 ? i + n : i;
            ok = !hit[i];
            hit[i] = 1;
            if (!ok)
                op_fail(c, "index %" PRId64 " appears twice along axis %d of %s; indices must be distinct", i,
                        (int)axis, tk_op_input_name(c->op, 1));
        }
        for (int64_t k = 0; k < m; k++) {
            int64_t i = view_int_at(&v, base + k * inner);
            hit[i < 0 ? i + n : i] = 0;
        }
    }
    free(hit);
    return ok;
}

static bool scatter_shape(OpCall *c)
{
    const char *red;
    int32_t axis = elements_axis(c);
    if (axis < 0 || !op_attr_string(c, "reduction", "none", &red))
        return false;
    if (strcmp(red, "none"))
        return op_fail(c, "reduction '%s' is not supported (only none)", red);
    if (op_in_dtype(c, 2) != op_in_dtype(c, 0))
        return op_fail(c, "updates are %s but x is %s", dtype_name(op_in_dtype(c, 2)), dtype_name(op_in_dtype(c, 0)));
    if (!distinct_indices(c, axis))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    return true;
}

static bool one_hot_get(const OpCall *c, int64_t *depth, int32_t *axis)
{
    const DLTensor *idx = c->in[0], *vals = c->in[1];
    if (!op_attr_int(c, "depth", -1, depth) || !op_attr_axis(c, "axis", -1, idx->ndim + 1, axis))
        return false;
    if (*depth < 0)
        return op_fail(c, "the depth attribute is required and must be at least 0");
    if (vals->ndim != 1 || vals->shape[0] != 2)
        return op_fail(c, "values must be [off, on], a tensor of shape [2]");
    if (idx->ndim + 1 > TK_MAX_RANK)
        return op_fail(c, "indices have rank %d; the output would exceed %d", (int)idx->ndim, TK_MAX_RANK);
    return true;
}

static bool one_hot_shape(OpCall *c)
{
    int64_t depth;
    int32_t axis;
    if (!one_hot_get(c, &depth, &axis))
        return false;
    const DLTensor *idx = c->in[0];
    c->rank[0] = idx->ndim + 1;
    for (int32_t d = 0, s = 0; d < c->rank[0]; d++)
        c->shape[0][d] = d == axis ? depth : idx->shape[s++];
    c->dtype[0] = op_in_dtype(c, 1);
    return true;
}

static tk_status one_hot_launch(OpCall *c)
{
    int64_t depth;
    int32_t axis;
    one_hot_get(c, &depth, &axis);
    View v[3];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->in[1]);
    view_init(&v[2], c->out[0]);
    Scratch si, sy;
    tk_status st = view_as_three(c, &v[0], axis, axis, false, &si);
    if (st != TK_OK)
        return st;
    view_remove_dim(&v[0], 1);
    st = view_as_three(c, &v[2], axis, axis + 1, true, &sy);
    if (st == TK_OK) {
        tk_scalar s = op_scalar_i(DT_I64, depth);
        st = op_run_looped(c, "one_hot", v, 2, 1, 0, &s, 1);
        st = scratch_finish(c, &sy, st);
    }
    return scratch_finish(c, &si, st);
}

/* ---- cumsum and trilu ---------------------------------------------------- */

static bool cumsum_shape(OpCall *c)
{
    int32_t axis;
    int64_t e, r;
    if (!op_attr_axis(c, "axis", 0, c->in[0]->ndim, &axis) || !op_attr_int(c, "exclusive", 0, &e) ||
        !op_attr_int(c, "reverse", 0, &r))
        return false;
    op_same_shape(c, 0, 0, DT_ERROR);
    return true;
}

static tk_status cumsum_launch(OpCall *c)
{
    int32_t axis;
    int64_t excl, rev;
    op_attr_axis(c, "axis", 0, c->in[0]->ndim, &axis);
    op_attr_int(c, "exclusive", 0, &excl);
    op_attr_int(c, "reverse", 0, &rev);
    View v[2];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->out[0]);
    int64_t n = v[0].shape[axis];
    if (rev && n > 0) /* a reverse running sum is a forward one of the reversed views */
        for (int i = 0; i < 2; i++)
            view_slice(&v[i], axis, n - 1, n, -1);
    int32_t lo[2] = {axis, axis}, hi[2] = {axis + 1, axis + 1};
    return run_three(c, excl ? "cumsum_exclusive" : "cumsum", v, 2, 1, lo, hi, NULL, 0);
}

static bool trilu_shape(OpCall *c)
{
    int64_t up, k;
    if (!op_attr_int(c, "upper", 1, &up) || !op_attr_int(c, "k", 0, &k))
        return false;
    if (c->in[0]->ndim < 2)
        return op_fail(c, "x must have at least 2 dims, not %d", (int)c->in[0]->ndim);
    op_same_shape(c, 0, 0, DT_ERROR);
    return true;
}

static tk_status trilu_launch(OpCall *c)
{
    int64_t up, k;
    op_attr_int(c, "upper", 1, &up);
    op_attr_int(c, "k", 0, &k);
    int32_t r = c->in[0]->ndim;
    View v[2];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->out[0]);
    int32_t lo[2] = {r - 2, r - 2}, hi[2] = {r - 1, r - 1};
    tk_scalar s = op_scalar_i(DT_I64, k);
    return run_three(c, up ? "triu" : "tril", v, 2, 1, lo, hi, &s, 1);
}

/* ---- depth_to_space and space_to_depth ----------------------------------- */

static bool blocks_get(const OpCall *c, int64_t *b, bool *crd)
{
    const char *mode;
    if (!op_attr_int(c, "blocksize", 0, b) || !op_attr_string(c, "mode", "DCR", &mode))
        return false;
    if (*b < 1)
        return op_fail(c, "blocksize must be at least 1 (it is %" PRId64 ")", *b);
    if (strcmp(mode, "DCR") && strcmp(mode, "CRD"))
        return op_fail(c, "mode is '%s' (DCR or CRD)", mode);
    *crd = !strcmp(mode, "CRD");
    if (c->in[0]->ndim != 4)
        return op_fail(c, "x must be [N, C, H, W], not rank %d", (int)c->in[0]->ndim);
    return true;
}

static bool d2s_shape(OpCall *c)
{
    int64_t b;
    bool crd;
    if (!blocks_get(c, &b, &crd))
        return false;
    const int64_t *s = c->in[0]->shape;
    if (s[1] % (b * b))
        return op_fail(c, "x has %" PRId64 " channels, not a multiple of blocksize² = %" PRId64, s[1], b * b);
    op_same_shape(c, 0, 0, DT_ERROR);
    c->shape[0][1] = s[1] / (b * b);
    c->shape[0][2] = s[2] * b;
    c->shape[0][3] = s[3] * b;
    return true;
}

static bool s2d_shape(OpCall *c)
{
    int64_t b;
    bool crd;
    if (!blocks_get(c, &b, &crd))
        return false;
    const int64_t *s = c->in[0]->shape;
    if (s[2] % b || s[3] % b)
        return op_fail(c, "x's height %" PRId64 " and width %" PRId64 " must be multiples of blocksize %" PRId64, s[2],
                       s[3], b);
    op_same_shape(c, 0, 0, DT_ERROR);
    c->shape[0][1] = s[1] * b * b;
    c->shape[0][2] = s[2] / b;
    c->shape[0][3] = s[3] / b;
    return true;
}

static tk_status blocks_launch(OpCall *c)
{
    int64_t b;
    bool crd;
    blocks_get(c, &b, &crd);
    const char *kernel = c->op->def->kernel;
    if (!strcmp(kernel, "depth_to_space_dcr") && crd)
        kernel = "depth_to_space_crd";
    View v[2];
    view_init(&v[0], c->in[0]);
    view_init(&v[1], c->out[0]);
    tk_scalar s = op_scalar_i(DT_I64, b);
    return op_run_looped(c, kernel, v, 1, 1, 0, &s, 1);
}

/* ---- reshape, flatten, squeeze, unsqueeze -------------------------------- */

static int64_t numel_of(const DLTensor *t)
{
    int64_t n = 1;
    for (int32_t d = 0; d < t->ndim; d++)
        n *= t->shape[d];
    return n;
}

static bool reshape_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    int64_t shape[TK_MAX_RANK], allowzero;
    size_t n;
    if (!op_attr_ints(c, "shape", shape, TK_MAX_RANK, &n) || !op_attr_int(c, "allowzero", 0, &allowzero))
        return false;
    int64_t known = 1;
    int infer = -1;
    for (size_t d = 0; d < n; d++) {
        if (shape[d] == 0 && !allowzero) {
            if ((int32_t)d >= x->ndim)
                return op_fail(c, "shape[%zu] is 0 (copy x's dim) but x has rank %d", d, (int)x->ndim);
            shape[d] = x->shape[d];
        }
        if (shape[d] == -1) {
            if (infer >= 0)
                return op_fail(c, "shape has more than one -1");
            infer = (int)d;
        } else if (shape[d] < 0)
            return op_fail(c, "shape[%zu] is %" PRId64, d, shape[d]);
        else
            known *= shape[d];
    }
    int64_t total = numel_of(x);
    if (infer >= 0) {
        if (known == 0 || total % known)
            return op_fail(c, "cannot infer shape[%d]: %" PRId64 " elements into parts of %" PRId64, infer, total,
                           known);
        shape[infer] = total / known;
    } else if (known != total)
        return op_fail(c, "shape has %" PRId64 " elements but x has %" PRId64, known, total);
    c->rank[0] = (int32_t)n;
    memcpy(c->shape[0], shape, sizeof(int64_t) * n);
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static bool flatten_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    int64_t axis;
    if (!op_attr_int(c, "axis", 1, &axis))
        return false;
    if (axis < -x->ndim || axis > x->ndim)
        return op_fail(c, "axis %" PRId64 " is outside [-%d, %d]", axis, (int)x->ndim, (int)x->ndim);
    axis = axis < 0 ? axis + x->ndim : axis;
    c->rank[0] = 2;
    c->shape[0][0] = c->shape[0][1] = 1;
    for (int32_t d = 0; d < x->ndim; d++)
        c->shape[0][d < axis ? 0 : 1] *= x->shape[d];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static bool squeeze_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    bool drop[TK_MAX_RANK];
    if (!op_attr_axes(c, "axes", x->ndim, false, drop))
        return false;
    bool any = false;
    for (int32_t d = 0; d < x->ndim; d++)
        any |= drop[d];
    c->rank[0] = 0;
    for (int32_t d = 0; d < x->ndim; d++) {
        if (any && drop[d] && x->shape[d] != 1)
            return op_fail(c, "dim %d has size %" PRId64 ", not 1", (int)d, x->shape[d]);
        if (!(any ? drop[d] : x->shape[d] == 1))
            c->shape[0][c->rank[0]++] = x->shape[d];
    }
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

static bool unsqueeze_shape(OpCall *c)
{
    const DLTensor *x = c->in[0];
    int64_t axes[TK_MAX_RANK];
    size_t n;
    if (!op_attr_ints(c, "axes", axes, TK_MAX_RANK, &n))
        return false;
    int32_t r = x->ndim + (int32_t)n;
    if (n == 0 || r > TK_MAX_RANK)
        return op_fail(c, "axes must name 1 to %d new dims (got %zu)", TK_MAX_RANK - x->ndim, n);
    bool unit[TK_MAX_RANK] = {false};
    for (size_t i = 0; i < n; i++) {
        int64_t a = axes[i] < 0 ? axes[i] + r : axes[i];
        if (a < 0 || a >= r || unit[a])
            return op_fail(c, "axes[%zu] is %" PRId64 ": outside the rank-%d output or repeated", i, axes[i], (int)r);
        unit[a] = true;
    }
    c->rank[0] = r;
    for (int32_t d = 0, s = 0; d < r; d++)
        c->shape[0][d] = unit[d] ? 1 : x->shape[s++];
    c->dtype[0] = op_in_dtype(c, 0);
    return true;
}

/* v (contiguous) seen with t's shape. */
static void view_reshaped(View *v, const DLTensor *t)
{
    v->t.ndim = t->ndim;
    memcpy(v->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    tensor_contiguous_strides(t->ndim, t->shape, v->strides);
    v->t.shape = v->shape;
    v->t.strides = v->strides;
}

/* Reshapes copy the elements in row-major order: a contiguous side is seen
 * with the other side's shape, else x goes through a contiguous scratch. */
static tk_status reshape_launch(OpCall *c)
{
    View x, y;
    view_init(&x, c->in[0]);
    view_init(&y, c->out[0]);
    if (view_is_contiguous(&x)) {
        view_reshaped(&x, c->out[0]);
        return view_copy(c, &x, &y);
    }
    if (view_is_contiguous(&y)) {
        view_reshaped(&y, c->in[0]);
        return view_copy(c, &x, &y);
    }
    View s;
    void *alloc;
    tk_status st = view_scratch(c, &x, &s, &alloc, true);
    if (st == TK_OK) {
        view_reshaped(&s, c->out[0]);
        st = view_copy(c, &s, &y);
    }
    free(alloc);
    return st;
}

static const OpDef defs[] = {
    {"broadcast_to", "x broadcast with a shape (ONNX Expand)", "x", "y", "shape:I", DT_ALL, NULL, broadcast_shape,
     broadcast_launch, 0},
    {"concat", "inputs joined along an axis (up to 8)", "x0 x1? x2? x3? x4? x5? x6? x7?", "y", "axis:i", DT_ALL, NULL,
     concat_shape, concat_launch, 0},
    {"cumsum", "running sums along an axis (exclusive, reverse)", "x", "y", "axis:i exclusive:i reverse:i", DT_NUMERIC,
     "cumsum", cumsum_shape, cumsum_launch, 0},
    {"depth_to_space", "channels moved into blocks of height and width (DCR or CRD)", "x", "y", "blocksize:i mode:s",
     DT_ALL, "depth_to_space_dcr", d2s_shape, blocks_launch, 0},
    {"flatten", "a 2-D view: dims before axis, dims from axis", "x", "y", "axis:i", DT_ALL, NULL, flatten_shape,
     reshape_launch, 0},
    {"gather", "x's entries at indices along an axis", "x indices", "y", "axis:i", DT_ALL, "gather", gather_shape,
     gather_launch, 0},
    {"gather_elements", "x's entries at per-element indices along an axis", "x indices", "y", "axis:i", DT_ALL,
     "gather_elements", gather_elements_shape, elements_launch, 0},
    {"one_hot", "values[1] where the index matches, values[0] elsewhere", "indices values", "y", "depth:i axis:i",
     DTB(I32) | DTB(I64), "one_hot", one_hot_shape, one_hot_launch, 0},
    {"pad", "x padded with a constant, its reflection or its edge", "x", "y", "pads:I mode:s value:f axes:I", DT_ALL,
     NULL, pad_shape, pad_launch, 0},
    {"reshape", "x with another shape (0 copies a dim, -1 infers one)", "x", "y", "shape:I allowzero:i", DT_ALL, NULL,
     reshape_shape, reshape_launch, 0},
    {"scatter_elements", "x with updates written at per-element indices", "x indices updates", "y",
     "axis:i reduction:s", DT_NUMERIC, "scatter_elements", scatter_shape, elements_launch, 0},
    {"slice", "a strided window of x (negative steps too)", "x", "y", "starts:I ends:I axes:I steps:I", DT_ALL, NULL,
     slice_shape, slice_launch, 0},
    {"space_to_depth", "blocks of height and width moved into channels", "x", "y", "blocksize:i", DT_ALL,
     "space_to_depth", s2d_shape, blocks_launch, 0},
    {"split", "x cut along an axis into up to 8 parts", "x", "y0 y1? y2? y3? y4? y5? y6? y7?",
     "axis:i split:I num_outputs:i", DT_ALL, NULL, split_shape, split_launch, 0},
    {"squeeze", "x without size-1 dims (axes, or all)", "x", "y", "axes:I", DT_ALL, NULL, squeeze_shape, reshape_launch,
     0},
    {"tile", "x repeated along each dim", "x", "y", "repeats:I", DT_ALL, "tile", tile_shape, tile_launch, 0},
    {"transpose", "x with its dims permuted (perm; default reversed)", "x", "y", "perm:I", DT_ALL, NULL,
     transpose_shape, transpose_launch, 0},
    {"trilu", "the upper or lower triangle of the last two dims", "x", "y", "upper:i k:i", DT_ALL, "triu",
     trilu_shape, trilu_launch, 0},
    {"unsqueeze", "x with size-1 dims inserted at axes", "x", "y", "axes:I", DT_ALL, NULL, unsqueeze_shape,
     reshape_launch, 0},
};

const OpFamily ops_data = {defs, sizeof defs / sizeof *defs};
