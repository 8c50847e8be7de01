/* argmax/argmin (docs/semantics.md, "Arg-reductions"): the position of the
 * first extreme value, row-major over the reduction variables as written and
 * relative to each range's start. Three 0-d accumulators beside the i64
 * position in the destination:
 *
 *     alloc y_best: T[] local,  alloc y_win: bool[] local
 *     y[i] = 0
 *     y_best[] = -inf                    (argmin: +inf; integers: the extremes)
 *     for k {
 *         y_win[] = let v = x[i, k] in better(v, pos, y_best[], y[i])
 *         y[i] = select(y_win[], pos, y[i])
 *         y_best[] = select(y_win[], x[i, k], y_best[])
 *     }
 *
 * better(v, p, b, bp): v > b, or v == b and p < bp (argmin: v < b ...); for
 * floats NaN counts as the extreme (the earliest NaN wins). Comparing
 * positions on ties makes the result independent of the order the loops
 * visit the elements, so reordering, splitting or unrolling the reduction
 * loops keeps "first index on ties". The start (-inf at position 0) loses
 * to or ties with the real element 0, so it never shows. rfactor is refused
 * (compiler/sched/rfactor.c): partial results would need both accumulators. */
#include "compiler/lower/lower_internal.h"

/* Whether value v at position p replaces the best value b at position bp. */
static Expr *better(IrCtx *c, RedOp op, Expr *v, Expr *p, Expr *b, Expr *bp, SrcSpan at)
{
    Expr *earlier = ir_bin(c, BOP_LT, p, bp, at);
    Expr *r = ir_bin(c, op == RED_ARGMAX ? BOP_GT : BOP_LT, v, b, at);
    r = ir_bin(c, BOP_OR, r, ir_bin(c, BOP_AND, ir_bin(c, BOP_EQ, v, b, at), earlier, at), at);
    if (!dtype_is_float(v->ty))
        return r;
    Expr *v_nan = ir_bin(c, BOP_NE, v, v, at);
    Expr *b_num = ir_bin(c, BOP_EQ, b, b, at);
    return ir_bin(c, BOP_OR, r, ir_bin(c, BOP_AND, v_nan, ir_bin(c, BOP_OR, b_num, earlier, at), at), at);
}

/* The row-major position of the current element within the reduced ranges. */
static Expr *position(Lower *L, AstExpr *e)
{
    IrCtx *c = L->c;
    Expr *pos = NULL;
    for (uint32_t i = 0; i < e->u.reduce.vars.n; i++) {
        AstGenVar *g = &e->u.reduce.vars.v[i];
        VarInfo *v = &L->k->rvars.v[g->rvar];
        Expr *off = ir_sub(c, lower_rvar(L, g->rvar, g->span), lower_sym(L, v->min, g->span));
        pos = pos ? ir_add(c, ir_mul(c, pos, lower_sym(L, v->extent, g->span)), off) : off;
    }
    return pos ? pos : ir_i64(c, 0);
}

void lower_arg_reduce(Lower *L, AstExpr *e, IrBuffer *buf, Expr **idx, uint32_t nidx, Block *out)
{
    IrCtx *c = L->c;
    SrcSpan at = e->span;
    RedOp op = e->u.reduce.op;
    DType vt = lower_type(L, e->u.reduce.body->dtype);
    if (vt == DT_F16 || vt == DT_BF16)
        vt = DT_F32; /* exact, and compared as the interpreter compares */
    const char *nm = arena_printf(c->a, "%s_best%u", L->st->name, L->ntemp);
    const char *wn = arena_printf(c->a, "%s_win%u", L->st->name, L->ntemp++);
    IrBuffer *best = ir_new_buffer(c, nm, vt, BUF_LOCAL, SCOPE_LOCAL, 0, NULL, at);
    IrBuffer *win = ir_new_buffer(c, wn, DT_BOOL, BUF_LOCAL, SCOPE_LOCAL, 0, NULL, at);
    vec_push(c->a, out->pre, ir_alloc(c, best, at));
    vec_push(c->a, out->pre, ir_alloc(c, win, at));
    vec_push(c->a, out->pre, ir_store(c, buf, idx, nidx, ir_int(c, buf->ty, 0, at), at));
    vec_push(c->a, out->pre, ir_store(c, best, NULL, 0, lower_identity(L, op, vt, at), at));

    uint32_t nv = e->u.reduce.vars.n;
    LoopId *ids = arena_alloc(c->a, (nv + 1) * sizeof *ids);
    for (uint32_t i = 0; i < nv; i++)
        ids[i] = ir_new_loop_id(c);
    Block inner = {0};
    Expr *x = lower_expr(L, e->u.reduce.body, &inner);
    if (x->ty != vt)
        x = ir_cast(c, vt, x, x->loc);
    IrVar *v = ir_new_var(c, arena_printf(c->a, "%s.v", nm), vt, IV_LET, NULL);
    Expr *pos = position(L, e);
    if (pos->ty != buf->ty)
        pos = ir_cast(c, buf->ty, pos, at);
    Expr *old = ir_load(c, best, NULL, 0, NULL, at);
    Expr *old_pos = ir_load(c, buf, idx, nidx, NULL, at);
    Expr *wins = ir_load(c, win, NULL, 0, NULL, at);
    Stmt *upd[3] = {
        ir_store(c, win, NULL, 0, ir_let(c, v, x, better(c, op, ir_var(c, v, at), pos, old, old_pos, at), at), at),
        ir_store(c, buf, idx, nidx, ir_select(c, wins, pos, old_pos, at), at),
        ir_store(c, best, NULL, 0, ir_select(c, wins, x, old, at), at),
    };
    Stmt *body = lower_block(L, &inner, ir_seq(c, upd, 3, at), at);
    vec_push(c->a, out->pre, lower_reduce_loops(L, e, ids, body));
    vec_push(c->a, out->pre, ir_free(c, win, at));
    vec_push(c->a, out->pre, ir_free(c, best, at));
}
