/* Loop IR (the default schedule: one nest per stage) -> NpuPlan (npu_lower.h).
 * A 2-D kernel is a list of nests `for row { ... }` whose bodies hold
 * column loops, reductions into a 0-d accumulator and per-row scalar
 * stores; a 1-D kernel is the same list at the top level with one row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "backend-npu/lower/npu_lower.h"
#include "compiler/ir.h"
#include "lang/intrinsics.h"

typedef struct Def { const IrBuffer *buf; Vx *vec; int slot; } Def;

typedef struct Planner {
    IrCtx       *c;
    const Func  *f;
    NpuPlan     *p;
    const IrVar *row, *col;   /* the loop variables of the nest being read */
    Def         *defs;
    uint32_t     ndefs, capdefs;
    Step        *steps;
    uint32_t     nsteps, capsteps;
    DType        slot_ty[256];
} Planner;

static bool unsupported(Planner *pl, SrcSpan at, const char *what)
{
    diag_error(pl->c->diags, at, "the NPU backend cannot lower this yet: %s (kernel '%s')", what, pl->f->name);
    return false;
}

static Def *find_def(Planner *pl, const IrBuffer *b)
{
    for (uint32_t i = pl->ndefs; i-- > 0;)
        if (pl->defs[i].buf == b)
            return &pl->defs[i];
    return NULL;
}

static void add_def(Planner *pl, const IrBuffer *b, Vx *vec, int slot)
{
    if (pl->ndefs == pl->capdefs) {
        pl->capdefs = pl->capdefs ? 2 * pl->capdefs : 16;
        pl->defs = realloc(pl->defs, pl->capdefs * sizeof *pl->defs);
    }
    pl->defs[pl->ndefs++] = (Def){b, vec, slot};
}

static Step *add_step(Planner *pl, StepKind k, SrcSpan loc)
{
    if (pl->nsteps == pl->capsteps) {
        pl->capsteps = pl->capsteps ? 2 * pl->capsteps : 16;
        pl->steps = realloc(pl->steps, pl->capsteps * sizeof *pl->steps);
    }
    Step *s = &pl->steps[pl->nsteps++];
    *s = (Step){.kind = k, .loc = loc};
    return s;
}

static int new_slot(Planner *pl, DType ty)
{
    if (pl->p->nslots >= 256)
        return -1;
    pl->slot_ty[pl->p->nslots] = ty;
    return (int)pl->p->nslots++;
}

static Vx *vx(Planner *pl, VxKind k, DType ty, SrcSpan loc)
{
    Vx *v = arena_alloc(&pl->p->a, sizeof *v);
    *v = (Vx){.kind = k, .ty = ty, .loc = loc};
    return v;
}

static int tensor_of(Planner *pl, const IrBuffer *b)
{
    for (uint32_t i = 0; i < pl->p->nt; i++)
        if (pl->f->args[pl->p->t[i].arg].buf == b)
            return (int)i;
    return -1;
}

static bool is_var(const Expr *e, const IrVar *v) { return v && e->kind == EK_VAR && e->u.var == v; }

static bool float_ty(DType t) { return t == DT_F32 || t == DT_F16; }

/* An index-free expression: constants, dims and scalar parameters. */
static Vx *uniform(Planner *pl, const Expr *e);

static Vx *to_vx(Planner *pl, const Expr *e)
{
    switch (e->kind) {
    case EK_INT:
        return uniform(pl, e);
    case EK_FLOAT: {
        Vx *v = vx(pl, VX_CONST, e->ty, e->loc);
        v->c = e->u.fval;
        return v;
    }
    case EK_VAR:
        return uniform(pl, e);
    case EK_LOAD: {
        const IrBuffer *b = e->u.load.buf;
        if (e->u.load.pred)
            return unsupported(pl, e->loc, "a load with a default (`??`)"), NULL;
        Def *d = find_def(pl, b);
        uint32_t n = e->u.load.nidx;
        Expr **ix = e->u.load.idx;
        if (d && d->slot >= 0) {
            if (!(n == 0 || (n == 1 && is_var(ix[0], pl->row))))
                return unsupported(pl, e->loc, "a per-row value read at another row"), NULL;
            Vx *v = vx(pl, VX_SLOT, b->ty, e->loc);
            v->idx = (uint32_t)d->slot;
            return v;
        }
        if (d) {
            bool same = pl->row ? n == 2 && is_var(ix[0], pl->row) && is_var(ix[1], pl->col)
                                : n == 1 && is_var(ix[0], pl->col);
            if (!same)
                return unsupported(pl, e->loc, "an intermediate read at other indices than it is written"), NULL;
            return d->vec;
        }
        int t = tensor_of(pl, b);
        if (t < 0 || pl->p->t[t].output)
            return unsupported(pl, e->loc, "a read of a buffer the kernel has not defined here"), NULL;
        Vx *v = vx(pl, VX_ROWVEC, b->ty, e->loc);
        v->idx = (uint32_t)t;
        if (pl->row && n == 2 && is_var(ix[0], pl->row) && is_var(ix[1], pl->col))
            return v;
        if (n == 1 && is_var(ix[0], pl->col)) {
            v->kind = pl->row ? VX_COLVEC : VX_ROWVEC;
            return v;
        }
        if (pl->row && n == 1 && is_var(ix[0], pl->row)) {
            v->kind = VX_ROWSCAL;
            return v;
        }
        return unsupported(pl, e->loc, "an access that is not [row, col], [col] or [row] of a dense tensor"), NULL;
    }
    case EK_UN:
        if (e->u.un.op == UOP_NEG) {
            Vx *a = to_vx(pl, e->u.un.a), *m1 = vx(pl, VX_CONST, e->ty, e->loc), *v = vx(pl, VX_BIN, e->ty, e->loc);
            m1->c = -1.0;
            v->op = BOP_MUL, v->a = a, v->b = m1;
            return a ? v : NULL;
        }
        return unsupported(pl, e->loc, "a logical operator"), NULL;
    case EK_BIN: {
        BinOp op = e->u.bin.op;
        if (!(op == BOP_ADD || op == BOP_SUB || op == BOP_MUL || op == BOP_DIV || op == BOP_MAX || op == BOP_MIN))
            return unsupported(pl, e->loc, "a comparison, modulo or bit operation"), NULL;
        if (!float_ty(e->ty))
            return uniform(pl, e);
        Vx *v = vx(pl, VX_BIN, e->ty, e->loc);
        v->op = op;
        v->a = to_vx(pl, e->u.bin.a);
        v->b = v->a ? to_vx(pl, e->u.bin.b) : NULL;
        return v->b ? v : NULL;
    }
    case EK_CALL: {
        int in = e->u.call.intrinsic;
        Vx *v = vx(pl, VX_CALL, e->ty, e->loc);
        v->op = in;
        if (in == INTR_MAX || in == INTR_MIN) {
            v->kind = VX_BIN, v->op = in == INTR_MAX ? BOP_MAX : BOP_MIN;
            v->a = to_vx(pl, e->u.call.args[0]);
            v->b = v->a ? to_vx(pl, e->u.call.args[1]) : NULL;
            return v->b ? v : NULL;
        }
        if (!(in == INTR_EXP || in == INTR_LOG || in == INTR_SQRT || in == INTR_RSQRT || in == INTR_ABS ||
              in == INTR_SIGMOID))
            return unsupported(pl, e->loc, "this intrinsic on the vector unit"), NULL;
        v->a = to_vx(pl, e->u.call.args[0]);
        return v->a ? v : NULL;
    }
    case EK_CAST: {
        if (!float_ty(e->ty))
            return unsupported(pl, e->loc, "a cast to a non-float type"), NULL;
        Vx *v = vx(pl, VX_CAST, e->ty, e->loc);
        v->a = float_ty(e->u.cast.a->ty) ? to_vx(pl, e->u.cast.a) : uniform(pl, e->u.cast.a);
        return v->a && !e->u.cast.bits ? v : NULL;
    }
    default:
        return unsupported(pl, e->loc, "this expression (select, let) on the vector unit"), NULL;
    }
}

static Vx *uniform(Planner *pl, const Expr *e)
{
    switch (e->kind) {
    case EK_INT: {
        Vx *v = vx(pl, VX_CONST, e->ty, e->loc);
        v->c = (double)e->u.ival;
        return v;
    }
    case EK_FLOAT: {
        Vx *v = vx(pl, VX_CONST, e->ty, e->loc);
        v->c = e->u.fval;
        return v;
    }
    case EK_VAR: {
        const IrVar *var = e->u.var;
        for (uint32_t i = 0; i < pl->f->ndims; i++)
            if (pl->f->dims[i].var == var) {
                Vx *v = vx(pl, VX_DIM, e->ty, e->loc);
                v->idx = i;
                return v;
            }
        for (uint32_t i = 0; i < pl->f->nargs; i++)
            if (!pl->f->args[i].buf && pl->f->args[i].var == var) {
                Vx *v = vx(pl, VX_SCALAR, e->ty, e->loc);
                v->idx = i;
                return v;
            }
        return unsupported(pl, e->loc, "a loop index used as a value"), NULL;
    }
    case EK_BIN: {
        BinOp op = e->u.bin.op;
        if (!(op == BOP_ADD || op == BOP_SUB || op == BOP_MUL || op == BOP_DIV || op == BOP_MAX || op == BOP_MIN))
            return unsupported(pl, e->loc, "this integer operation"), NULL;
        Vx *v = vx(pl, VX_BIN, e->ty, e->loc);
        v->op = op;
        v->a = uniform(pl, e->u.bin.a);
        v->b = v->a ? uniform(pl, e->u.bin.b) : NULL;
        return v->b ? v : NULL;
    }
    case EK_CAST: {
        Vx *v = vx(pl, VX_CAST, e->ty, e->loc);
        v->a = uniform(pl, e->u.cast.a);
        return v->a ? v : NULL;
    }
    default:
        return unsupported(pl, e->loc, "an integer expression of the indices"), NULL;
    }
}

/* ---- statements ---------------------------------------------------------- */

static void flatten(const Stmt *s, const Stmt ***out, uint32_t *n, uint32_t *cap)
{
    if (!s)
        return;
    if (s->kind == SK_SEQ) {
        for (uint32_t i = 0; i < s->u.seq.n; i++)
            flatten(s->u.seq.v[i], out, n, cap);
        return;
    }
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *out = realloc(*out, *cap * sizeof **out);
    }
    (*out)[(*n)++] = s;
}

static bool same_extent(Planner *pl, Vx **have, const Expr *ext)
{
    Vx *v = uniform(pl, ext);
    if (!v)
        return false;
    if (!*have) {
        *have = v;
        return true;
    }
    /* Same dim or same constant: all the default schedule makes. */
    if ((*have)->kind == v->kind && (v->kind == VX_DIM ? (*have)->idx == v->idx : (*have)->c == v->c))
        return true;
    return unsupported(pl, ext->loc, "loops of different extents (only rows x columns of one shape)");
}

/* acc[i] = acc[i] OP e, or OP(acc[i], e), with the indices of the
 * initialising store  ->  OP and e. */
static bool accumulation(const Stmt *s, const Stmt *init, int *op, const Expr **e)
{
    const IrBuffer *acc = init->u.store.buf;
    if (s->kind != SK_STORE || s->u.store.buf != acc || s->u.store.nidx != init->u.store.nidx)
        return false;
    for (uint32_t i = 0; i < s->u.store.nidx; i++)
        if (s->u.store.idx[i] != init->u.store.idx[i] &&
            !(s->u.store.idx[i]->kind == EK_VAR && init->u.store.idx[i]->kind == EK_VAR &&
              s->u.store.idx[i]->u.var == init->u.store.idx[i]->u.var))
            return false;
    const Expr *v = s->u.store.value, *a, *b;
    if (v->kind == EK_BIN)
        *op = v->u.bin.op, a = v->u.bin.a, b = v->u.bin.b;
    else if (v->kind == EK_CALL && v->u.call.nargs == 2 &&
             (v->u.call.intrinsic == INTR_MAX || v->u.call.intrinsic == INTR_MIN))
        *op = v->u.call.intrinsic == INTR_MAX ? BOP_MAX : BOP_MIN, a = v->u.call.args[0], b = v->u.call.args[1];
    else
        return false;
    if (a->kind != EK_LOAD || a->u.load.buf != acc)
        return false;
    *e = b;
    return *op == BOP_ADD || *op == BOP_MAX || *op == BOP_MIN;
}

static bool const_value(const Expr *e, double *v)
{
    if (e->kind == EK_FLOAT)
        return *v = e->u.fval, true;
    if (e->kind == EK_INT)
        return *v = (double)e->u.ival, true;
    return false;
}

/* A per-row store buf[row] = e (buf[] in 1-D kernels). */
static bool row_scalar_store(Planner *pl, const Stmt *s)
{
    const IrBuffer *b = s->u.store.buf;
    Vx *e = to_vx(pl, s->u.store.value);
    if (!e)
        return false;
    int slot = new_slot(pl, b->ty);
    if (slot < 0)
        return unsupported(pl, s->loc, "more than 256 per-row values");
    Step *st = add_step(pl, STEP_SCALAR, s->loc);
    st->slot = (uint32_t)slot, st->e = e, st->ty = b->ty;
    add_def(pl, b, NULL, slot);
    int t = tensor_of(pl, b);
    if (t >= 0) {
        Step *o = add_step(pl, STEP_SCAL_OUT, s->loc);
        o->slot = (uint32_t)slot, o->tensor = (uint32_t)t, o->ty = b->ty;
    }
    return true;
}

/* The statements of one row (all the top level in a 1-D kernel). */
static bool row_body(Planner *pl, const Stmt *body)
{
    const Stmt **v = NULL;
    uint32_t n = 0, cap = 0;
    flatten(body, &v, &n, &cap);
    bool ok = true;
    const Stmt *acc = NULL;   /* the store that initialises a reduction */
    double init = 0;
    for (uint32_t i = 0; ok && i < n; i++) {
        const Stmt *s = v[i];
        switch (s->kind) {
        case SK_ALLOC:
        case SK_FREE:
            break;
        case SK_STORE: {
            const IrBuffer *b = s->u.store.buf;
            if (i + 1 < n && v[i + 1]->kind == SK_FOR && v[i + 1]->u.for_.body->kind == SK_STORE &&
                v[i + 1]->u.for_.body->u.store.buf == b) {
                if (!const_value(s->u.store.value, &init))
                    ok = unsupported(pl, s->loc, "a reduction that does not start from a constant");
                acc = s;
                break;
            }
            bool at_row = pl->row ? s->u.store.nidx == 1 && is_var(s->u.store.idx[0], pl->row)
                                  : s->u.store.nidx == 0;
            if (!at_row)
                ok = unsupported(pl, s->loc, "a store that is not per row");
            else if (!float_ty(b->ty))
                ok = unsupported(pl, s->loc, "a non-float result (f16 and f32 run on the vector unit)");
            else
                ok = row_scalar_store(pl, s);
            break;
        }
        case SK_FOR: {
            const Stmt *inner = s->u.for_.body;
            if (inner->kind != SK_STORE) {
                ok = unsupported(pl, s->loc, "a loop nest deeper than rows x columns");
                break;
            }
            if (!(ok = same_extent(pl, &pl->p->cols, s->u.for_.extent)))
                break;
            pl->col = s->u.for_.var;
            int op;
            const Expr *e;
            if (acc && accumulation(inner, acc, &op, &e)) {
                const IrBuffer *ab = acc->u.store.buf;
                Vx *ve = to_vx(pl, e);
                int slot = ve ? new_slot(pl, ab->ty) : -1;
                if (!ve || slot < 0) {
                    ok = ve ? unsupported(pl, s->loc, "more than 256 per-row values") : false;
                    break;
                }
                if (!float_ty(ab->ty)) {
                    ok = unsupported(pl, s->loc, "a non-float reduction");
                    break;
                }
                Step *st = add_step(pl, STEP_REDUCE, inner->loc);
                st->slot = (uint32_t)slot, st->redop = op, st->init = init, st->e = ve, st->ty = ab->ty;
                add_def(pl, ab, NULL, slot);
                int t = tensor_of(pl, ab);
                if (t >= 0) {
                    Step *o = add_step(pl, STEP_SCAL_OUT, inner->loc);
                    o->slot = (uint32_t)slot, o->tensor = (uint32_t)t, o->ty = ab->ty;
                }
                acc = NULL;
                break;
            }
            const IrBuffer *b = inner->u.store.buf;
            uint32_t ni = inner->u.store.nidx;
            Expr **ix = inner->u.store.idx;
            bool at = pl->row ? ni == 2 && is_var(ix[0], pl->row) && is_var(ix[1], pl->col)
                              : ni == 1 && is_var(ix[0], pl->col);
            if (!at) {
                ok = unsupported(pl, inner->loc, "a store that is not [row, col]");
                break;
            }
            if (!float_ty(b->ty)) {
                ok = unsupported(pl, inner->loc, "a non-float result (f16 and f32 run on the vector unit)");
                break;
            }
            Vx *ve = to_vx(pl, inner->u.store.value);
            if (!ve) {
                ok = false;
                break;
            }
            if (ve->ty != b->ty) {
                Vx *c = vx(pl, VX_CAST, b->ty, inner->loc);
                c->a = ve;
                ve = c;
            }
            add_def(pl, b, ve, -1);
            int t = tensor_of(pl, b);
            if (t >= 0) {
                Step *st = add_step(pl, STEP_VEC_OUT, inner->loc);
                st->tensor = (uint32_t)t, st->e = ve, st->ty = b->ty;
            }
            break;
        }
        default:
            ok = unsupported(pl, s->loc, "this statement");
        }
    }
    free(v);
    return ok;
}

static bool has_inner_loop(const Stmt *s)
{
    if (!s)
        return false;
    if (s->kind == SK_SEQ) {
        for (uint32_t i = 0; i < s->u.seq.n; i++)
            if (has_inner_loop(s->u.seq.v[i]))
                return true;
        return false;
    }
    return s->kind == SK_FOR;
}

NpuPlan *npu_plan_build(IrCtx *c, const Func *f)
{
    NpuPlan *p = calloc(1, sizeof *p);
    arena_init(&p->a);
    Planner pl = {.c = c, .f = f, .p = p};
    p->name = arena_strndup(&p->a, f->name, strlen(f->name));
    p->loc = f->loc;
    p->nargs = f->nargs, p->ninputs = f->ninputs, p->ndims = f->ndims;
    p->dim_arg = arena_alloc(&p->a, (f->ndims + 1) * sizeof *p->dim_arg);
    p->dim_axis = arena_alloc(&p->a, (f->ndims + 1) * sizeof *p->dim_axis);
    for (uint32_t i = 0; i < f->ndims; i++)
        p->dim_arg[i] = f->dims[i].arg, p->dim_axis[i] = f->dims[i].axis;
    p->t = arena_alloc(&p->a, (f->nargs + 1) * sizeof *p->t);
    for (uint32_t i = 0; i < f->nargs; i++)
        if (f->args[i].buf) {
            const IrBuffer *b = f->args[i].buf;
            p->t[p->nt++] = (NpuTensor){arena_strndup(&p->a, b->name, strlen(b->name)), b->ty, i, b->rank,
                                        i >= f->ninputs};
        }
    const Stmt **top = NULL;
    uint32_t n = 0, cap = 0;
    flatten(f->body, &top, &n, &cap);
    bool two_d = false;
    for (uint32_t i = 0; i < n; i++)
        two_d |= top[i]->kind == SK_FOR && has_inner_loop(top[i]->u.for_.body);
    p->two_d = two_d;
    bool ok = true;
    if (!two_d)
        ok = row_body(&pl, f->body);
    for (uint32_t i = 0; two_d && ok && i < n; i++) {
        const Stmt *s = top[i];
        if (s->kind == SK_ALLOC || s->kind == SK_FREE)
            continue;
        if (s->kind != SK_FOR) {
            ok = unsupported(&pl, s->loc, "a statement outside the row loop");
            break;
        }
        if (!(ok = same_extent(&pl, &p->rows, s->u.for_.extent)))
            break;
        pl.row = s->u.for_.var;
        ok = row_body(&pl, s->u.for_.body);
    }
    free(top);
    if (ok && !p->cols) {
        /* only per-row scalars: one column */
        p->cols = vx(&pl, VX_CONST, DT_I64, f->loc);
        p->cols->c = 1;
    }
    p->steps = arena_alloc(&p->a, (pl.nsteps + 1) * sizeof *p->steps);
    if (pl.nsteps)
        memcpy(p->steps, pl.steps, pl.nsteps * sizeof *p->steps);
    p->nsteps = pl.nsteps;
    p->slot_ty = arena_alloc(&p->a, (p->nslots + 1) * sizeof *p->slot_ty);
    memcpy(p->slot_ty, pl.slot_ty, p->nslots * sizeof *p->slot_ty);
    free(pl.defs);
    free(pl.steps);
    if (!ok) {
        npu_plan_free(p);
        return NULL;
    }
    return p;
}

void npu_plan_free(NpuPlan *p)
{
    if (!p)
        return;
    arena_free(&p->a);
    free(p);
}
