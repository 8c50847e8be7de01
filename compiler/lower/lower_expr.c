/* Lowering of expressions: names, arithmetic, casts, intrinsics, inlined fn
 * helpers, guarded loads for `x[e] ?? d`, and reductions (into the stage
 * itself or into a 0-d temporary computed just before its use). */
#include <math.h>

#include "compiler/lower/lower_internal.h"

DType lower_type(Lower *L, DType t) { return t == DT_GENERIC ? L->tparam : t; }

Expr *lower_sym(Lower *L, Sym *s, SrcSpan loc)
{
    Expr *e = ir_from_sym(L->c, s, loc);
    if (!e && L->ok) {
        ir_ice(L->c, loc, "cannot express '%s' over the kernel's variables", s ? sym_str(L->c->a, s) : "?");
        L->ok = false;
    }
    return e ? e : ir_i64(L->c, 0);
}

static Expr *fail(Lower *L, SrcSpan at, DType ty, const char *what)
{
    if (L->ok)
        ir_ice(L->c, at, "%s", what);
    L->ok = false;
    return ir_int(L->c, ty, 0, at);
}

Stmt *lower_block(Lower *L, Block *b, Stmt *s, SrcSpan loc)
{
    uint32_t n = b->pre.n + 1 + b->post.n, k = 0;
    Stmt **v = arena_alloc(L->c->a, (n + 1) * sizeof *v);
    for (uint32_t i = 0; i < b->pre.n; i++)
        v[k++] = b->pre.v[i];
    v[k++] = s;
    for (uint32_t i = b->post.n; i-- > 0;)
        v[k++] = b->post.v[i];
    return ir_seq(L->c, v, k, loc);
}

/* A value converted to ty when it is not of that type already. */
static Expr *as_type(Lower *L, Expr *e, DType ty)
{
    if (e->ty == ty || ty == DT_ERROR)
        return e;
    if (e->kind == EK_INT && dtype_is_float(ty))
        return ir_float(L->c, ty, (double)e->u.ival, e->loc);
    if (e->kind == EK_INT && (dtype_is_int(ty) || ty == DT_BOOL))
        return ir_int(L->c, ty, e->u.ival, e->loc);
    return ir_cast(L->c, ty, e, e->loc);
}

static IrVar *rvar(Lower *L, uint32_t i)
{
    if (!L->rvar[i]) {
        VarInfo *v = &L->k->rvars.v[i];
        L->rvar[i] = ir_new_var(L->c, v->name, DT_I64, IV_LOOP, v->sym);
    }
    return L->rvar[i];
}

static IrBuffer *tensor(Lower *L, RefKind ref, uint32_t index)
{
    if (ref == REF_INPUT && index < L->k->params.n)
        return L->param_buf[index];
    if (ref == REF_STAGE && index < L->k->stages.n)
        return L->stage_buf[index];
    return NULL;
}

static Expr *name(Lower *L, AstExpr *e)
{
    SrcSpan at = e->span;
    uint32_t i = e->u.name.index;
    switch (e->u.name.ref) {
    case REF_INDEX: return ir_var(L->c, L->index[i], at);
    case REF_RVAR: return ir_var(L->c, rvar(L, i), at);
    case REF_DIM: return ir_var(L->c, L->dim[i], at);
    case REF_SCALAR: return ir_var(L->c, L->param_var[i], at);
    case REF_FN_PARAM:
        if (L->fn_env)
            return L->fn_env[i];
        break;
    case REF_INPUT:
    case REF_STAGE: {
        IrBuffer *b = tensor(L, e->u.name.ref, i);
        if (b)
            return ir_load(L->c, b, NULL, 0, NULL, at);
        break;
    }
    default: break;
    }
    return fail(L, at, lower_type(L, e->dtype), "a name that sema did not resolve");
}

static Expr *guard_and(Lower *L, Expr *cond, SrcSpan at)
{
    return L->guard ? ir_bin(L->c, BOP_AND, L->guard, cond, at) : cond;
}

static Expr *binary(Lower *L, AstExpr *e, Block *b)
{
    static const BinOp ops[] = {
        [OP_ADD] = BOP_ADD, [OP_SUB] = BOP_SUB, [OP_MUL] = BOP_MUL, [OP_DIV] = BOP_DIV, [OP_MOD] = BOP_MOD,
        [OP_EQ] = BOP_EQ,   [OP_NE] = BOP_NE,   [OP_LT] = BOP_LT,   [OP_LE] = BOP_LE,   [OP_GT] = BOP_GT,
        [OP_GE] = BOP_GE,   [OP_AND] = BOP_AND, [OP_OR] = BOP_OR,
        [OP_BITAND] = BOP_BITAND, [OP_BITOR] = BOP_BITOR, [OP_BITXOR] = BOP_BITXOR, [OP_SHL] = BOP_SHL,
        [OP_SHR] = BOP_SHR,
    };
    AstOp op = e->u.binary.op;
    if (op > OP_SHR || (op > OP_OR && op < OP_BITAND))
        return fail(L, e->span, lower_type(L, e->dtype), "an operator that sema should have rejected");
    Expr *x = lower_expr(L, e->u.binary.a, b), *saved = L->guard;
    if (op == OP_AND || op == OP_OR) /* the right side decides only when a is true (false) */
        L->guard = guard_and(L, op == OP_AND ? x : ir_un(L->c, UOP_NOT, x, e->span), e->span);
    Expr *y = lower_expr(L, e->u.binary.b, b);
    L->guard = saved;
    DType ty = op >= OP_EQ && op <= OP_GE ? x->ty : lower_type(L, e->dtype);
    if (op >= OP_EQ && op <= OP_GE && x->kind == EK_INT && y->kind != EK_INT)
        ty = y->ty; /* a literal meets a typed operand */
    return ir_bin(L->c, ops[op], as_type(L, x, ty), as_type(L, y, ty), e->span);
}

/* fn helper: parameters become let-bound variables around the body. */
static Expr *inline_fn(Lower *L, AstExpr *e, Block *b)
{
    AstFn *f = e->u.call.fn;
    uint32_t n = f->params.n;
    if (e->u.call.args.n != n)
        return fail(L, e->span, lower_type(L, e->dtype), "fn call with the wrong number of arguments");
    Expr **env = arena_alloc(L->c->a, (n + 1) * sizeof *env);
    IrVar **vars = arena_alloc(L->c->a, (n + 1) * sizeof *vars);
    Expr **vals = arena_alloc(L->c->a, (n + 1) * sizeof *vals);
    for (uint32_t i = 0; i < n; i++) {
        DType pt = lower_type(L, f->params.v[i].type.dtype);
        vals[i] = as_type(L, lower_expr(L, e->u.call.args.v[i], b), pt);
        vars[i] = ir_new_var(L->c, arena_printf(L->c->a, "%s.%s", f->name, f->params.v[i].name), pt, IV_LET,
                             NULL);
        env[i] = ir_var(L->c, vars[i], f->params.v[i].span);
    }
    Expr **saved = L->fn_env;
    L->fn_env = env;
    Expr *body = as_type(L, lower_expr(L, f->body, b), lower_type(L, e->dtype));
    L->fn_env = saved;
    for (uint32_t i = n; i-- > 0;)
        body = ir_let(L->c, vars[i], vals[i], body, e->span);
    return body;
}

/* select(c, a, b): both sides are computed (the backends select between
 * values), so a load that sema proved inside only under c (or !c) is
 * predicated on it and reads nothing when the other side is chosen. */
static Expr *select_call(Lower *L, AstExpr *e, DType ty, Block *b)
{
    AstExprVec *args = &e->u.call.args;
    Expr *v[3], *saved = L->guard;
    v[0] = lower_expr(L, args->v[0], b);
    L->guard = guard_and(L, v[0], e->span);
    v[1] = as_type(L, lower_expr(L, args->v[1], b), ty);
    L->guard = saved;
    L->guard = guard_and(L, ir_un(L->c, UOP_NOT, v[0], e->span), e->span);
    v[2] = as_type(L, lower_expr(L, args->v[2], b), ty);
    L->guard = saved;
    return ir_call(L->c, ty, INTR_SELECT, v, 3, e->span);
}

static Expr *call(Lower *L, AstExpr *e, Block *b)
{
    DType ty = lower_type(L, e->dtype);
    AstExprVec *args = &e->u.call.args;
    if (e->u.call.cast_to != DT_ERROR) {
        if (args->n != 1)
            return fail(L, e->span, ty, "a cast with several arguments");
        Expr *x = lower_expr(L, args->v[0], b);
        if (e->u.call.bitcast)
            return x->ty == ty ? x : ir_bitcast(L->c, ty, x, e->span);
        return x->ty == ty ? x : ir_cast(L->c, ty, x, e->span);
    }
    if (e->u.call.fn)
        return inline_fn(L, e, b);
    int id = e->u.call.intrinsic;
    if (id < 0 || id >= INTR__COUNT || (int)args->n != intrinsic_info[id].nargs)
        return fail(L, e->span, ty, "a call sema did not resolve");
    if (id == INTR_SELECT)
        return select_call(L, e, ty, b);
    Expr *v[4];
    for (uint32_t i = 0; i < args->n; i++) {
        v[i] = lower_expr(L, args->v[i], b);
        if (!(id == INTR_SELECT && i == 0))
            v[i] = as_type(L, v[i], ty);
    }
    return ir_call(L->c, ty, id, v, args->n, e->span);
}

/* x[i, j] or x[i - 1, j] ?? d: a plain load when every index is proved inside
 * the tensor; else select(P, x[...] if P, d), P the conjunction of
 * 0 <= idx < extent over the dimensions that were not proved. */
static Expr *access(Lower *L, AstExpr *e, Block *b)
{
    DType ty = lower_type(L, e->dtype);
    IrBuffer *buf = tensor(L, e->u.access.ref, e->u.access.index);
    if (!buf)
        return fail(L, e->span, ty, "an access to an unknown tensor");
    uint32_t n = e->u.access.idx.n;
    if (n != buf->rank)
        return fail(L, e->span, ty, "an access with the wrong number of indices");
    Expr **idx = arena_alloc(L->c->a, (n + 1) * sizeof *idx);
    for (uint32_t i = 0; i < n; i++)
        idx[i] = as_type(L, lower_expr(L, e->u.access.idx.v[i], b), DT_I64);
    if (!e->u.access.dflt)
        return ir_load(L->c, buf, idx, n, e->u.access.guarded ? L->guard : NULL, e->span);
    Expr *pred = NULL;
    SymCtx *sc = L->c->sym;
    for (uint32_t i = 0; i < n; i++) {
        Sym *ix = ir_to_sym(L->c, idx[i]), *ext = ir_to_sym(L->c, buf->shape[i]);
        bool lo_ok = ix && sym_prove_ge(sc, ix, sym_const(sc, 0));
        bool hi_ok = ix && ext && sym_prove_lt(sc, ix, ext);
        SrcSpan at = e->u.access.idx.v[i]->span;
        if (!lo_ok) {
            Expr *c = ir_bin(L->c, BOP_LE, ir_int(L->c, DT_I64, 0, at), idx[i], at);
            pred = pred ? ir_bin(L->c, BOP_AND, pred, c, at) : c;
        }
        if (!hi_ok) {
            Expr *c = ir_bin(L->c, BOP_LT, idx[i], buf->shape[i], at);
            pred = pred ? ir_bin(L->c, BOP_AND, pred, c, at) : c;
        }
    }
    Expr *d = as_type(L, lower_expr(L, e->u.access.dflt, b), ty);
    if (!pred)
        return ir_load(L->c, buf, idx, n, NULL, e->span);
    return ir_select(L->c, pred, ir_load(L->c, buf, idx, n, pred, e->span), d, e->span);
}

Expr *lower_identity(Lower *L, RedOp op, DType ty, SrcSpan at)
{
    if (op == RED_SUM || op == RED_PROD)
        return dtype_is_float(ty) ? ir_float(L->c, ty, op == RED_SUM ? 0.0 : 1.0, at)
                                  : ir_int(L->c, ty, op == RED_SUM ? 0 : 1, at);
    bool lo = op == RED_MAX || op == RED_ARGMAX; /* max starts from the lowest value */
    if (dtype_is_float(ty))
        return ir_float(L->c, ty, lo ? -INFINITY : INFINITY, at);
    int bits = (int)dtype_size(ty) * 8;
    bool sgn = !dtype_is_unsigned(ty) && ty != DT_BOOL;
    int64_t min = sgn ? (bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1))) : 0;
    int64_t max = sgn ? (bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1)
                      : (int64_t)(bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1); /* u64: all ones */
    return ir_int(L->c, ty, lo ? min : max, at);
}

static Expr *combine(Lower *L, RedOp op, Expr *acc, Expr *x, SrcSpan at)
{
    switch (op) {
    case RED_SUM: return ir_bin(L->c, BOP_ADD, acc, x, at);
    case RED_PROD: return ir_bin(L->c, BOP_MUL, acc, x, at);
    default: {
        Expr *v[2] = {acc, x};
        return ir_call(L->c, acc->ty, op == RED_MAX ? INTR_MAX : INTR_MIN, v, 2, at);
    }
    }
}

static void reduce_into(Lower *L, AstExpr *e, IrBuffer *buf, Expr **idx, uint32_t nidx, Block *out);

/* f16 and bf16 reductions accumulate in f32 and round once, when the
 * result is stored (docs/semantics.md): through an f32 0-d temporary. */
void lower_reduce(Lower *L, AstExpr *e, IrBuffer *buf, Expr **idx, uint32_t nidx, Block *out)
{
    IrCtx *c = L->c;
    if (RED_IS_ARG(e->u.reduce.op)) {
        lower_arg_reduce(L, e, buf, idx, nidx, out);
        return;
    }
    if (buf->ty != DT_F16 && buf->ty != DT_BF16) {
        reduce_into(L, e, buf, idx, nidx, out);
        return;
    }
    const char *nm = arena_printf(c->a, "%s_acc%u", L->st->name, L->ntemp++);
    IrBuffer *t = ir_new_buffer(c, nm, DT_F32, BUF_LOCAL, SCOPE_LOCAL, 0, NULL, e->span);
    vec_push(c->a, out->pre, ir_alloc(c, t, e->span));
    reduce_into(L, e, t, NULL, 0, out);
    Expr *v = ir_cast(c, buf->ty, ir_load(c, t, NULL, 0, NULL, e->span), e->span);
    vec_push(c->a, out->pre, ir_store(c, buf, idx, nidx, v, e->span));
    vec_push(c->a, out->pre, ir_free(c, t, e->span));
}

static void reduce_into(Lower *L, AstExpr *e, IrBuffer *buf, Expr **idx, uint32_t nidx, Block *out)
{
    IrCtx *c = L->c;
    DType ty = buf->ty;
    RedOp op = e->u.reduce.op;
    vec_push(c->a, out->pre, ir_store(c, buf, idx, nidx, lower_identity(L, op, ty, e->span), e->span));
    uint32_t nv = e->u.reduce.vars.n;
    LoopId *ids = arena_alloc(c->a, (nv + 1) * sizeof *ids);
    for (uint32_t i = 0; i < nv; i++)
        ids[i] = ir_new_loop_id(c);
    Block inner = {0};
    Expr *x = as_type(L, lower_expr(L, e->u.reduce.body, &inner), ty);
    Expr *acc = ir_load(c, buf, idx, nidx, NULL, e->span);
    Stmt *s = lower_block(L, &inner, ir_store(c, buf, idx, nidx, combine(L, op, acc, x, e->span), e->span),
                          e->span);
    vec_push(c->a, out->pre, lower_reduce_loops(L, e, ids, s));
}

Stmt *lower_reduce_loops(Lower *L, AstExpr *e, const LoopId *ids, Stmt *body)
{
    for (uint32_t i = e->u.reduce.vars.n; i-- > 0;) {
        AstGenVar *g = &e->u.reduce.vars.v[i];
        VarInfo *v = &L->k->rvars.v[g->rvar];
        IrVar *lv = rvar(L, g->rvar);
        body = ir_for(L->c, ids[i], lv, lower_sym(L, v->min, g->span), lower_sym(L, v->extent, g->span),
                      FOR_SERIAL, body, g->span);
    }
    return body;
}

Expr *lower_rvar(Lower *L, uint32_t rv, SrcSpan at) { return ir_var(L->c, rvar(L, rv), at); }

/* A reduction inside a larger expression: computed into a 0-d local
 * temporary just before the statement that uses it. */
static Expr *reduce_temp(Lower *L, AstExpr *e, Block *b)
{
    IrCtx *c = L->c;
    DType ty = lower_type(L, e->dtype);
    const char *nm = arena_printf(c->a, "%s_%s%u", L->st->name, e->u.reduce.op_name, L->ntemp++);
    IrBuffer *t = ir_new_buffer(c, nm, ty, BUF_LOCAL, SCOPE_LOCAL, 0, NULL, e->span);
    vec_push(c->a, b->pre, ir_alloc(c, t, e->span));
    lower_reduce(L, e, t, NULL, 0, b);
    vec_push(c->a, b->post, ir_free(c, t, e->span));
    return ir_load(c, t, NULL, 0, NULL, e->span);
}

Expr *lower_expr(Lower *L, AstExpr *e, Block *b)
{
    DType ty = lower_type(L, e->dtype);
    switch (e->kind) {
    case EX_INT:
        if (dtype_is_float(ty))
            return ir_float(L->c, ty, (double)e->u.ival, e->span);
        return ir_int(L->c, ty == DT_ERROR ? DT_I32 : ty, e->u.ival, e->span);
    case EX_FLOAT: return ir_float(L->c, dtype_is_float(ty) ? ty : DT_F32, e->u.fval, e->span);
    case EX_NAME: return name(L, e);
    case EX_UNARY: {
        Expr *x = lower_expr(L, e->u.unary.x, b);
        if (e->u.unary.op == OP_NOT)
            return ir_un(L->c, UOP_NOT, x, e->span);
        x = as_type(L, x, ty);
        if (e->u.unary.op == OP_BITNOT)
            return ir_un(L->c, UOP_BITNOT, x, e->span);
        if (x->kind == EK_INT && x->u.ival != INT64_MIN)
            return ir_int(L->c, ty, -x->u.ival, e->span);
        if (x->kind == EK_FLOAT)
            return ir_float(L->c, ty, -x->u.fval, e->span);
        return ir_un(L->c, UOP_NEG, x, e->span);
    }
    case EX_BINARY: return binary(L, e, b);
    case EX_CALL: return call(L, e, b);
    case EX_ACCESS: return access(L, e, b);
    case EX_REDUCE: return reduce_temp(L, e, b);
    case EX_ELLIPSIS:
    case EX_ERROR:
    default: return fail(L, e->span, ty == DT_ERROR ? DT_I32 : ty, "an expression sema did not check");
    }
}
