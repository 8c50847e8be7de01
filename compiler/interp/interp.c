/* The interpreter's driver and evaluator: binds the launch, builds every
 * stage's evaluation tree, then evaluates the stages in dependency order over
 * their whole domains, row-major, storing each element in its buffer. */
#include "compiler/interp/interp_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/intrinsics.h"

void interp_fail(Interp *in, const char *fmt, ...)
{
    if (in->failed)
        return;
    in->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(in->err, in->errlen, fmt, ap);
    va_end(ap);
}

static size_t esize(DType t) { return dtype_size(t); }

static Val eval(Interp *in, const Node *n);

static Val load(Interp *in, const Node *n)
{
    const Buf *b = n->buf;
    int64_t off = 0;
    if (n->ellipsis) {
        for (int32_t a = 0; a < b->rank; a++)
            off += in->idx[a] * b->strides[a];
    } else {
        for (uint32_t a = 0; a < n->n; a++) {
            int64_t i = eval(in, n->a[a]).i;
            if (i < 0 || i >= b->shape[a]) {
                if (n->x)
                    return eval(in, n->x);
                char text[160];
                interp_fail(in, "%s: index %u of %s is %lld but %s has size %lld", in->k->ast->name, a,
                            launch_expr_text(n->src, text, sizeof text), (long long)i, b->name,
                            (long long)b->shape[a]);
                return (Val){0};
            }
            off += i * b->strides[a];
        }
    }
    return val_load(b->t, b->data + off * (int64_t)esize(b->t));
}

/* An accumulator of a reduction: the value so far, and for argmax/argmin
 * the position of the best element and of the next one. */
typedef struct Acc {
    Val     v;
    int64_t best, at;
} Acc;

static void reduce(Interp *in, const Node *n, uint32_t level, Acc *acc)
{
    if (level == n->n) {
        Val x = eval(in, n->x);
        if (!RED_IS_ARG(n->op)) {
            acc->v = val_combine(n->op, n->t, acc->v, x);
            return;
        }
        if (val_better(n->op, n->ot, acc->v, x))
            acc->v = x, acc->best = acc->at;
        acc->at++;
        return;
    }
    int64_t lo = n->min[level], ext = n->ext[level];
    if (n->lo[level]) {
        lo = eval(in, n->lo[level]).i;
        int64_t hi = eval(in, n->hi[level]).i;
        ext = hi > lo ? (int64_t)((uint64_t)hi - (uint64_t)lo) : 0;
    }
    for (int64_t j = 0; j < ext && !in->failed; j++) {
        in->rv[n->rv[level]] = lo + j;
        reduce(in, n, level + 1, acc);
    }
}

static Val eval(Interp *in, const Node *n)
{
    switch (n->kind) {
    case N_CONST: return n->c;
    case N_INDEX: return (Val){.i = in->idx[n->slot]};
    case N_RVAR: return (Val){.i = in->rv[n->slot]};
    case N_SLOT: return in->slots[n->slot];
    case N_UNARY: return val_unary(n->op, n->t, eval(in, n->a[0]));
    case N_BINARY: {
        Val a = eval(in, n->a[0]);
        if (n->op == OP_AND && !a.i)
            return (Val){.i = 0};
        if (n->op == OP_OR && a.i)
            return (Val){.i = 1};
        return val_binary(n->op, n->ot, a, eval(in, n->a[1]));
    }
    case N_CAST: return val_cast(n->t, n->ot, eval(in, n->a[0]));
    case N_BITCAST: return val_bitcast(n->t, n->ot, eval(in, n->a[0]));
    case N_INTR: {
        if (n->op == INTR_SELECT) /* only the chosen side is evaluated */
            return eval(in, n->a[0]).i ? eval(in, n->a[1]) : eval(in, n->a[2]);
        Val v[4] = {{0}};
        for (uint32_t i = 0; i < n->n && i < 4; i++)
            v[i] = eval(in, n->a[i]);
        return val_intrinsic(n->op, n->ot, v);
    }
    case N_CALL:
        for (uint32_t i = 0; i < n->n; i++)
            in->slots[n->slot + i] = eval(in, n->a[i]);
        return eval(in, n->x);
    case N_LOAD: return load(in, n);
    case N_REDUCE: {
        Acc acc = {.v = val_identity(n->op, n->ot)};
        reduce(in, n, 0, &acc);
        return RED_IS_ARG(n->op) ? (Val){.i = acc.best} : acc.v;
    }
    }
    return (Val){0};
}

static void from_tensor(Buf *b, const char *name, DType t, const DLTensor *x)
{
    b->name = name;
    b->t = t;
    b->rank = x->ndim;
    for (int32_t a = 0; a < x->ndim; a++)
        b->shape[a] = x->shape[a];
    if (x->strides)
        memcpy(b->strides, x->strides, sizeof(int64_t) * (size_t)x->ndim);
    else
        tensor_contiguous_strides(x->ndim, x->shape, b->strides);
    b->data = (char *)x->data + x->byte_offset;
}

/* The buffer a stage writes: the caller's output, or a fresh dense one. */
static bool stage_buffer(Interp *in, uint32_t s, const LaunchArgs *a)
{
    const KernelInfo *k = in->k;
    const StageInfo *st = &k->stages.v[s];
    Buf *b = &in->stages[s];
    DType t = in->stage_t[s];
    if (st->is_output) {
        from_tensor(b, st->name, t, a->outputs[st->output]);
        return true;
    }
    b->name = st->name;
    b->t = t;
    if (st->rank_generic) {
        b->rank = in->b->grank;
        memcpy(b->shape, in->b->gshape, sizeof b->shape);
    } else {
        if (st->rank > TK_MAX_RANK) {
            interp_fail(in, "%s: stage %s has rank %u, more than %d", k->ast->name, st->name, st->rank,
                        TK_MAX_RANK);
            return false;
        }
        b->rank = (int32_t)st->rank;
        for (uint32_t i = 0; i < st->rank; i++) {
            bool ok;
            b->shape[i] = launch_eval(k, in->b, st->shape ? st->shape[i] : NULL, &ok);
            if (!ok || b->shape[i] < 0) {
                interp_fail(in, "%s: the extent of dimension %u of %s cannot be computed", k->ast->name, i,
                            st->name);
                return false;
            }
        }
    }
    size_t nbytes;
    if (!tensor_nbytes(t, b->rank, b->shape, &nbytes)) {
        interp_fail(in, "%s: stage %s would be too large", k->ast->name, st->name);
        return false;
    }
    tensor_contiguous_strides(b->rank, b->shape, b->strides);
    b->owned = calloc(nbytes ? nbytes : 1, 1);
    b->data = b->owned;
    if (!b->owned)
        interp_fail(in, "%s: out of memory for stage %s (%zu bytes)", k->ast->name, st->name, nbytes);
    return b->owned != NULL;
}

/* Every element of the stage, row-major. */
static void run_stage(Interp *in, uint32_t s, const Node *value)
{
    const Buf *b = &in->stages[s];
    int64_t n;
    if (!tensor_numel(b->rank, b->shape, &n) || n == 0)
        return;
    size_t es = esize(b->t);
    memset(in->idx, 0, sizeof in->idx);
    for (int64_t e = 0; e < n && !in->failed; e++) {
        Val v = eval(in, value);
        int64_t off = 0;
        for (int32_t a = 0; a < b->rank; a++)
            off += in->idx[a] * b->strides[a];
        val_store(b->t, b->data + off * (int64_t)es, v);
        for (int32_t a = b->rank - 1; a >= 0; a--) { /* odometer */
            if (++in->idx[a] < b->shape[a])
                break;
            in->idx[a] = 0;
        }
    }
}

static bool evaluate(Interp *in, const LaunchArgs *a)
{
    const KernelInfo *k = in->k;
    for (uint32_t i = 0; i < k->params.n; i++)
        if (k->params.v[i].is_tensor)
            from_tensor(&in->inputs[i], k->params.v[i].name, in->b->param_dtypes[i], a->inputs[i]);
    for (uint32_t j = 0; j < k->stages.n; j++) {
        uint32_t s = k->order[j];
        in->stage_t[s] = interp_stage_type(in, s);
    }
    Node **values = arena_alloc(&in->arena, (k->stages.n + 1) * sizeof *values);
    for (uint32_t j = 0; j < k->stages.n && !in->failed; j++) {
        uint32_t s = k->order[j];
        values[s] = interp_build(in, k->stages.v[s].stmt->value, in->stage_t[s]);
    }
    in->rv = calloc(k->rvars.n + 1, sizeof *in->rv);
    in->slots = calloc(in->nslots + 1, sizeof *in->slots);
    if (!in->rv || !in->slots)
        interp_fail(in, "%s: out of memory", k->ast->name);
    if (in->arena.oom)
        interp_fail(in, "%s: out of memory", k->ast->name);
    for (uint32_t j = 0; j < k->stages.n && !in->failed; j++) {
        uint32_t s = k->order[j];
        if (stage_buffer(in, s, a))
            run_stage(in, s, values[s]);
    }
    return !in->failed;
}

bool interp_run(const KernelInfo *k, const LaunchArgs *a, char *err, size_t errlen)
{
    if (!k || !k->order) {
        snprintf(err, errlen, "%s: the kernel has errors and cannot run", k ? k->ast->name : "?");
        return false;
    }
    Binding b;
    if (!launch_prepare(k, a, &b, err, errlen)) {
        binding_free(&b);
        return false;
    }
    Interp in = {.k = k, .b = &b, .scalars = a->scalars, .err = err, .errlen = errlen};
    arena_init(&in.arena);
    in.inputs = calloc(k->params.n + 1, sizeof *in.inputs);
    in.stages = calloc(k->stages.n + 1, sizeof *in.stages);
    in.stage_t = calloc(k->stages.n + 1, sizeof *in.stage_t);
    bool ok;
    if (!in.inputs || !in.stages || !in.stage_t)
        ok = false, snprintf(err, errlen, "%s: out of memory", k->ast->name);
    else
        ok = evaluate(&in, a);
    for (uint32_t s = 0; in.stages && s < k->stages.n; s++)
        free(in.stages[s].owned);
    free(in.inputs);
    free(in.stages);
    free(in.stage_t);
    free(in.rv);
    free(in.slots);
    arena_free(&in.arena);
    binding_free(&b);
    return ok;
}

bool interp_output_shapes(const KernelInfo *k, const LaunchArgs *a, DType *dtypes, int32_t *ranks,
                          int64_t (*shapes)[TK_MAX_RANK], char *err, size_t errlen)
{
    if (!k || !k->order) {
        snprintf(err, errlen, "%s: the kernel has errors and cannot run", k ? k->ast->name : "?");
        return false;
    }
    Binding b;
    bool ok = launch_bind(k, a, &b, err, errlen);
    for (uint32_t o = 0; ok && o < k->outputs.n; o++) {
        dtypes[o] = b.out_dtypes[o];
        ranks[o] = b.out_rank[o];
        memcpy(shapes[o], b.out_shape[o], sizeof shapes[o]);
    }
    binding_free(&b);
    return ok;
}
