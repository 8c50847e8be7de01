/* double_buffer on a cache_read placed at loop v (cache.c has the
 * primitive): the cache gets a leading dimension of two slots, its
 * allocation moves outside v, the copy for the first iteration becomes a
 * prologue, and inside v the copy for iteration v + 1 (into the other slot)
 * is issued before the compute of iteration v (on slot (v - min) % 2). On
 * the CPU that is a software-pipelined order; the NPU backend turns it into
 * overlapping MTE2 and vector work. */
#include "compiler/sched/sched_internal.h"

typedef struct Slot {
    Mutator   m;
    IrBuffer *from, *to;
    Expr     *slot;
} Slot;

static Expr **with_slot(Slot *sl, Expr **idx, uint32_t n)
{
    Expr **v = arena_alloc(sl->m.c->a, (n + 2) * sizeof *v);
    v[0] = sl->slot;
    for (uint32_t i = 0; i < n; i++)
        v[i + 1] = mut_expr(&sl->m, idx[i]);
    return v;
}

static Expr *on_slot_load(Mutator *m, Expr *e)
{
    Slot *sl = (Slot *)m;
    if (e->u.load.buf != sl->from)
        return mut_expr_children(m, e);
    return ir_load(m->c, sl->to, with_slot(sl, e->u.load.idx, e->u.load.nidx), e->u.load.nidx + 1,
                   mut_expr(m, e->u.load.pred), e->loc);
}

static Stmt *on_slot_store(Mutator *m, Stmt *st)
{
    Slot *sl = (Slot *)m;
    if (st->u.store.buf != sl->from)
        return mut_stmt_children(m, st);
    return ir_store(m->c, sl->to, with_slot(sl, st->u.store.idx, st->u.store.nidx), st->u.store.nidx + 1,
                    mut_expr(m, st->u.store.value), st->loc);
}

static Stmt *slotted(Sched *s, Stmt *st, IrBuffer *from, IrBuffer *to, Expr *slot)
{
    Slot sl = {.from = from, .to = to, .slot = slot};
    sl.m.c = s->c;
    sl.m.expr[EK_LOAD] = on_slot_load;
    sl.m.stmt[SK_STORE] = on_slot_store;
    return mut_stmt(&sl.m, st);
}

/* Index arithmetic after substituting v + 1 or min, re-simplified through
 * its symbolic form (256 * 0 + 255 becomes 255). */
static Expr *on_simp(Mutator *m, Expr *e)
{
    Expr *e2 = mut_expr_children(m, e);
    if (e2->ty != DT_I64)
        return e2;
    Sym *y = ir_to_sym(m->c, e2);
    Expr *r = y ? ir_from_sym(m->c, y, e2->loc) : NULL;
    return r ? r : e2;
}

static Stmt *simp(Sched *s, Stmt *st)
{
    Mutator m = {.c = s->c};
    m.expr[EK_BIN] = on_simp;
    return mut_stmt(&m, st);
}

typedef struct Pipe {
    Stmt *by;
} Pipe;

static Stmt *put(Sched *s, Stmt *old, void *ud)
{
    (void)s;
    (void)old;
    return ((Pipe *)ud)->by;
}

bool sched_double_buffer_at(Sched *s, int32_t ti, SrcSpan at)
{
    IrCtx *c = s->c;
    SymCtx *sc = c->sym;
    SchedStage *ts = &s->stages.v[ti];
    LoopId v = ts->at_loop;
    Stmt *loop = sched_find_for(s->f->body, v);
    const char *ln = sched_loop_name(s, v);
    if (!loop)
        return sched_error(s, at, "cannot double-buffer '%s': the loop it is computed at no longer exists",
                           ts->name), false;
    if (loop->u.for_.kind == FOR_PARALLEL || loop->u.for_.kind == FOR_VECTORIZED)
        return sched_error_loop(s, at, v, "cannot double-buffer '%s': loop '%s' is %s; the pipeline runs its "
                                "iterations in order", ts->name, ln,
                                loop->u.for_.kind == FOR_PARALLEL ? "parallel" : "vectorized"), false;
    IrBuffer *t = ts->buf;
    Stmt *body = loop->u.for_.body;
    if (body->kind != SK_SEQ || body->u.seq.n < 3 || body->u.seq.v[0]->kind != SK_ALLOC ||
        body->u.seq.v[0]->u.alloc.buf != t || !sched_stores_to(body->u.seq.v[1], t))
        return sched_error(s, at, "cannot double-buffer '%s': its copy is not at the start of loop '%s' (apply "
                           "double_buffer right after the cache's compute_at)", ts->name, ln), false;
    Stmt *copy = body->u.seq.v[1];
    VEC(Stmt *) rest = {0};
    for (uint32_t i = 2; i < body->u.seq.n; i++) {
        Stmt *x = body->u.seq.v[i];
        if (x->kind == SK_FREE && x->u.free_.buf == t)
            continue;
        if (sched_stores_to(x, t))
            return sched_error(s, at, "cannot double-buffer '%s': it is written after its copy", ts->name), false;
        vec_push(c->a, rest, x);
    }
    if (sched_stores_to(body, ts->src))
        return sched_error(s, at, "cannot double-buffer '%s': loop '%s' writes '%s', so the copy for the next "
                           "iteration cannot be issued early", ts->name, ln, ts->src->name), false;
    for (uint32_t k = 0; k < t->rank; k++)
        if (ir_expr_uses(t->shape[k], loop->u.for_.var))
            return sched_error(s, at, "cannot double-buffer '%s': its size depends on loop '%s'", ts->name, ln),
                   false;
    Expr **shape = arena_alloc(c->a, (t->rank + 2) * sizeof *shape);
    shape[0] = ir_i64(c, 2);
    for (uint32_t k = 0; k < t->rank; k++)
        shape[k + 1] = t->shape[k];
    IrBuffer *t2 = ir_new_buffer(c, t->name, t->ty, BUF_LOCAL, t->scope, t->rank + 1, shape, t->span);
    IrVar *lv = loop->u.for_.var;
    Expr *mn = loop->u.for_.min, *E = loop->u.for_.extent;
    Expr *var = ir_var(c, lv, at);
    Expr *rel = ir_sub(c, var, mn), *two = ir_i64(c, 2);
    Expr *next = ir_add(c, rel, ir_i64(c, 1));
    /* inside: copy v + 1 into the other slot, then compute on this one */
    Stmt *cn = simp(s, ir_subst_stmt(s->c, copy, lv, ir_add(c, var, ir_i64(c, 1))));
    cn = slotted(s, cn, t, t2, ir_bin(c, BOP_MOD, next, two, at));
    cn = ir_if(c, ir_bin(c, BOP_LT, next, E, at), cn, NULL, at);
    Stmt *work = slotted(s, ir_seq(c, rest.v, rest.n, at), t, t2, ir_bin(c, BOP_MOD, rel, two, at));
    Stmt *nb[2] = {cn, work};
    Stmt *nl = ir_for_with(c, loop, mn, E, ir_seq(c, nb, 2, loop->loc));
    /* the prologue: iteration min into slot 0 */
    Stmt *pro = slotted(s, simp(s, ir_subst_stmt(s->c, copy, lv, mn)), t, t2, ir_i64(c, 0));
    pro = sched_fresh_ids(s, pro, true);
    Sym *es = sched_to_sym(s, E);
    if (!(es && sym_prove_ge(sc, es, sym_const(sc, 1))))
        pro = ir_if(c, ir_bin(c, BOP_LT, ir_i64(c, 0), E, at), pro, NULL, at);
    Stmt *w[4] = {ir_alloc(c, t2, at), pro, nl, ir_free(c, t2, at)};
    Pipe p = {ir_seq(c, w, 4, loop->loc)};
    sched_replace_for(s, v, put, &p);
    ts->buf = t2;
    return true;
}
