/* cache_read, cache_write and double_buffer.
 *
 * t = x.cache_read(scope): a copy of x (an input or a root stage) in a
 * buffer of `scope`. The cache is made real when it is placed:
 * t.compute_at(c, v) makes the loads of x inside loop v read t, copies x
 * into t at the root and lets compute_at restrict the copy to the region
 * one iteration of v reads (a dense tile, indices rebased); without a
 * placement every reader reads t, copied at the root before the first.
 *
 * t = s.cache_write(scope): s's computation (init and update) goes into t,
 * a buffer of `scope` with s's shape, and s becomes a copy-out nest over
 * its pure loops; t then usually moves into s's tile with compute_at.
 *
 * t.double_buffer(): the cache placed at loop v gets two slots; the copy
 * for iteration v + 1 is issued before the compute of iteration v:
 *
 *     alloc t: T[2, ...];  copy(v = min) into slot 0
 *     for v { if v + 1 < E { copy(v + 1) into slot (v + 1) % 2 }
 *             compute(v) on slot v % 2 }
 *     free t
 *
 * When scheduling is done, every copy nest that is still a box (perfect
 * serial loops around `dst[...] = src[...]`, each loop stepping one
 * dimension of both sides with unit stride) becomes one bulk copy
 * statement (SK_COPY), which a backend maps to DMA or vector copies. A
 * copy-out nest the schedule tiled or split keeps its loops.
 */
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

static IrBuffer *find_input(Sched *s, const char *name)
{
    for (uint32_t i = 0; i < s->f->ninputs; i++)
        if (s->f->args[i].buf && !strcmp(s->f->args[i].buf->name, name))
            return s->f->args[i].buf;
    return NULL;
}

/* Loop variables named like the source's pure loops (axN for an input). */
static IrVar **cache_vars(Sched *s, int32_t src, IrBuffer *b)
{
    SymCtx *sc = s->c->sym;
    IrVar **v = arena_alloc(s->c->a, (b->rank + 1) * sizeof *v);
    for (uint32_t k = 0; k < b->rank; k++) {
        const char *nm = src >= 0 && s->stages.v[src].si >= 0
                             ? s->k->stages.v[s->stages.v[src].si].vars[k].name
                             : arena_printf(s->c->a, "ax%u", k);
        Sym *e = sched_to_sym(s, b->shape[k]);
        v[k] = sched_loop_var(s, nm, sym_const(sc, 0), e ? sym_addi(sc, e, -1) : NULL);
    }
    return v;
}

/* for v0 .. for vn-1 { dst[v...] = src[v...] } with loops of `stage`. */
static Stmt *copy_nest(Sched *s, int32_t stage, IrVar **vars, IrBuffer *dst, IrBuffer *src, SrcSpan at)
{
    IrCtx *c = s->c;
    uint32_t r = dst->rank;
    Expr **idx = arena_alloc(c->a, (r + 1) * sizeof *idx);
    for (uint32_t k = 0; k < r; k++)
        idx[k] = ir_var(c, vars[k], at);
    Stmt *st = ir_store(c, dst, idx, r, ir_load(c, src, idx, r, NULL, at), at);
    for (uint32_t k = r; k-- > 0;) {
        LoopId id = sched_add_loop(s, stage, vars[k]->name, false);
        sched_loop_rec(s, id)->loc = at;
        st = ir_for(c, id, vars[k], ir_i64(c, 0), dst->shape[k], FOR_SERIAL, st, at);
    }
    return st;
}

typedef struct Redirect {
    Mutator   m;
    IrBuffer *from, *to;
} Redirect;

static Expr *on_redirect_load(Mutator *m, Expr *e)
{
    Redirect *r = (Redirect *)m;
    Expr *e2 = mut_expr_children(m, e);
    if (e2->u.load.buf != r->from)
        return e2;
    return ir_load(m->c, r->to, e2->u.load.idx, e2->u.load.nidx, e2->u.load.pred, e->loc);
}

static Stmt *on_redirect_store(Mutator *m, Stmt *st)
{
    Redirect *r = (Redirect *)m;
    Stmt *s2 = mut_stmt_children(m, st);
    if (s2->u.store.buf != r->from)
        return s2;
    return ir_store(m->c, r->to, s2->u.store.idx, s2->u.store.nidx, s2->u.store.value, st->loc);
}

static Stmt *redirect(Sched *s, Stmt *st, IrBuffer *from, IrBuffer *to, bool stores)
{
    Redirect r = {.from = from, .to = to};
    r.m.c = s->c;
    r.m.expr[EK_LOAD] = on_redirect_load;
    if (stores)
        r.m.stmt[SK_STORE] = on_redirect_store;
    return mut_stmt(&r.m, st);
}

static Stmt *redirect_body(Sched *s, Stmt *loop, void *ud)
{
    IrBuffer **b = ud;
    return ir_for_with(s->c, loop, loop->u.for_.min, loop->u.for_.extent, redirect(s, loop->u.for_.body, b[0], b[1],
                                                                                     false));
}

/* The top-level statements as a vector. */
static Stmt **top_level(Sched *s, uint32_t *n)
{
    Stmt *b = s->f->body;
    if (b->kind == SK_SEQ) {
        *n = b->u.seq.n;
        return b->u.seq.v;
    }
    *n = 1;
    return &s->f->body;
}

bool sched_cache_read(Sched *s, const char *src, MemScope scope, const char *name, SrcSpan at, int32_t *out)
{
    IrCtx *c = s->c;
    int32_t xs = sched_stage(s, src);
    IrBuffer *b = xs >= 0 ? s->stages.v[xs].buf : find_input(s, src);
    if (!b)
        return sched_error(s, at, "cannot cache_read '%s': it is not an input or a computed stage", src), false;
    if (xs >= 0 && s->stages.v[xs].placed && strcmp(s->stages.v[xs].placed, "compute_root") != 0)
        return sched_error(s, at, "cannot cache_read '%s': it is not computed at the root (%s)", src,
                           s->stages.v[xs].placed), false;
    IrBuffer *t = ir_new_buffer(c, name, b->ty, BUF_LOCAL, scope, b->rank, b->shape, at);
    int32_t ti = sched_add_stage(s, name, MADE_CACHE_READ, t, at);
    SchedStage *ts = &s->stages.v[ti];
    ts->src = b;
    ts->scope = scope;
    ts->pending = true;
    ts->rank = b->rank;
    ts->vars = cache_vars(s, xs, b);
    if (out)
        *out = ti;
    sched_record(s, "%s = %s.cache_read(%s);", name, src, mem_scope_name[scope]);
    return true;
}

bool sched_cache_materialize(Sched *s, int32_t ti, Stmt *loop, SrcSpan at)
{
    IrCtx *c = s->c;
    SchedStage *ts = &s->stages.v[ti];
    IrBuffer *pair[2] = {ts->src, ts->buf};
    if (loop) {
        if (!sched_count_loads(loop->u.for_.body, ts->src))
            return sched_error_loop(s, at, loop->u.for_.id, "cannot compute '%s' at loop '%s': the loop does not "
                                    "read '%s'", ts->name, sched_loop_name(s, loop->u.for_.id), ts->src->name),
                   false;
        sched_replace_for(s, loop->u.for_.id, redirect_body, pair);
    } else {
        s->f->body = redirect(s, s->f->body, ts->src, ts->buf, false);
    }
    ts->pending = false;
    uint32_t n;
    Stmt **top = top_level(s, &n);
    uint32_t first = n;
    for (uint32_t i = 0; i < n && first == n; i++)
        if (sched_count_loads(top[i], ts->buf))
            first = i;
    if (first == n)
        return sched_error(s, at, "'%s' is not read: nothing reads '%s' there", ts->name, ts->src->name), false;
    VEC(Stmt *) v = {0};
    for (uint32_t i = 0; i < n; i++) {
        if (i == first) {
            vec_push(c->a, v, ir_alloc(c, ts->buf, at));
            vec_push(c->a, v, copy_nest(s, ti, ts->vars, ts->buf, ts->src, at));
        }
        vec_push(c->a, v, top[i]);
    }
    vec_push(c->a, v, ir_free(c, ts->buf, at));
    s->f->body = ir_seq(c, v.v, v.n, s->f->loc);
    sched_fix_frees(s);
    return true;
}

bool sched_cache_write(Sched *s, int32_t si, MemScope scope, const char *name, SrcSpan at, int32_t *out)
{
    IrCtx *c = s->c;
    SchedStage *p = &s->stages.v[si];
    RootNest rn;
    if (p->made || !p->buf || (p->placed && strcmp(p->placed, "compute_root") != 0) || !sched_root_nest(s, p, &rn))
        return sched_error(s, at, "cannot cache_write '%s': it is not computed at the root", p->name), false;
    StageInfo *info = &s->k->stages.v[p->si];
    IrBuffer *b = p->buf;
    IrBuffer *t = ir_new_buffer(c, name, b->ty, BUF_LOCAL, scope, b->rank, b->shape, at);
    int32_t ti = sched_add_stage(s, name, MADE_CACHE_WRITE, t, at);
    p = &s->stages.v[si];
    SchedStage *ts = &s->stages.v[ti];
    ts->src = b;
    ts->scope = scope;
    ts->rank = info->rank;
    ts->vars = arena_alloc(c->a, (info->rank + 1) * sizeof *ts->vars);
    /* the computation's pure loop variables, from its (default) nest */
    Stmt *cur = rn.top[rn.first];
    for (uint32_t k = 0; k < info->rank; k++) {
        if (cur->kind != SK_FOR || cur->u.for_.var->sym != info->vars[k].sym)
            return sched_error(s, at, "cannot cache_write '%s': its loops were already transformed (cache_write "
                               "comes before the stage's loop directives)", p->name), false;
        ts->vars[k] = cur->u.for_.var;
        cur = cur->u.for_.body;
    }
    VEC(Stmt *) v = {0};
    for (uint32_t i = 0; i < rn.ntop; i++) {
        Stmt *x = rn.top[i];
        if ((int32_t)i < rn.first || (int32_t)i > rn.last) {
            vec_push(c->a, v, x);
            continue;
        }
        if ((int32_t)i == rn.first)
            vec_push(c->a, v, ir_alloc(c, t, at));
        x = redirect(s, x, b, t, true);
        vec_push(c->a, v, sched_move_loops(s, x, si, ti, "moved to the cache_write stage", at));
        if ((int32_t)i == rn.last) {
            IrVar **cv = arena_alloc(c->a, (info->rank + 1) * sizeof *cv);
            SymCtx *sc = c->sym;
            for (uint32_t k = 0; k < info->rank; k++) {
                Sym *e = sched_to_sym(s, b->shape[k]);
                cv[k] = sched_loop_var(s, info->vars[k].name, sym_const(sc, 0), e ? sym_addi(sc, e, -1) : NULL);
            }
            vec_push(c->a, v, copy_nest(s, si, cv, b, t, at));
            vec_push(c->a, v, ir_free(c, t, at));
        }
    }
    s->f->body = ir_seq(c, v.v, v.n, s->f->loc);
    if (out)
        *out = ti;
    sched_record(s, "%s = %s.cache_write(%s);", name, p->name, mem_scope_name[scope]);
    return true;
}

bool sched_double_buffer(Sched *s, int32_t ti, SrcSpan at)
{
    SchedStage *ts = &s->stages.v[ti];
    if (ts->made != MADE_CACHE_READ)
        return sched_error(s, at, "double_buffer applies to a cache stage (t = x.cache_read(scope)), and '%s' is "
                           "not one", ts->name), false;
    if (ts->double_buf)
        return sched_error(s, at, "'%s' is already double-buffered", ts->name), false;
    ts->double_buf = true;
    ts->double_buf_at = at;
    sched_record(s, "%s.double_buffer();", ts->name);
    return !ts->at_loop || sched_double_buffer_at(s, ti, at);
}

/* e == v + (terms without v), or a difference with v on the left, through
 * additions and subtractions: index e steps by one with v. */
static bool unit_in(Expr *e, const IrVar *v)
{
    if (e->kind == EK_VAR)
        return e->u.var == v;
    if (e->kind != EK_BIN || e->ty != DT_I64 || (e->u.bin.op != BOP_ADD && e->u.bin.op != BOP_SUB))
        return false;
    bool a = ir_expr_uses(e->u.bin.a, v), b = ir_expr_uses(e->u.bin.b, v);
    if (a == b || (b && e->u.bin.op == BOP_SUB))
        return false;
    return unit_in(a ? e->u.bin.a : e->u.bin.b, v);
}

enum { MAX_BOX = 8 };

/* Index list idx (of a buffer of rank r) over box loops vars[0..n): the
 * last n indices step with vars in order, the others use none of them. */
static bool box_indices(Expr **idx, uint32_t r, IrVar **vars, uint32_t n)
{
    if (n > r)
        return false;
    for (uint32_t d = 0; d < r; d++)
        for (uint32_t a = 0; a < n; a++) {
            bool mine = d + n >= r && d + n - r == a;
            if (mine ? !unit_in(idx[d], vars[a]) : ir_expr_uses(idx[d], vars[a]))
                return false;
        }
    return true;
}

/* e simplified (32 * io - 32 * io is 0), or e itself if not symbolic. */
static Expr *simpler(Sched *s, Expr *e)
{
    Expr *r = sched_from_sym(s, sched_to_sym(s, e), e->loc);
    return r ? r : e;
}

static Expr **corner(Sched *s, Expr **idx, uint32_t r, IrVar **vars, Expr **mins, uint32_t n)
{
    Expr **c = arena_alloc(s->c->a, (r + 1) * sizeof *c);
    for (uint32_t d = 0; d < r; d++) {
        c[d] = idx[d];
        for (uint32_t a = 0; a < n; a++)
            c[d] = ir_subst_expr(s->c, c[d], vars[a], mins[a]);
        c[d] = simpler(s, c[d]);
    }
    return c;
}

/* The bulk copy a box copy nest of dst <- src performs, or NULL. */
static Stmt *as_copy(Sched *s, Stmt *loop, IrBuffer *dst, IrBuffer *src)
{
    IrVar *vars[MAX_BOX];
    Expr *mins[MAX_BOX], *ext[MAX_BOX];
    uint32_t n = 0;
    Stmt *st = loop;
    for (; st->kind == SK_FOR; st = st->u.for_.body) {
        if (n == MAX_BOX || st->u.for_.kind != FOR_SERIAL)
            return NULL;
        for (uint32_t a = 0; a < n; a++)
            if (ir_expr_uses(st->u.for_.min, vars[a]) || ir_expr_uses(st->u.for_.extent, vars[a]))
                return NULL;
        vars[n] = st->u.for_.var, mins[n] = st->u.for_.min, ext[n] = simpler(s, st->u.for_.extent);
        n++;
    }
    Expr *v = st->kind == SK_STORE ? st->u.store.value : NULL;
    if (!n || !v || st->u.store.buf != dst || v->kind != EK_LOAD || v->u.load.buf != src || v->u.load.pred ||
        !box_indices(st->u.store.idx, dst->rank, vars, n) || !box_indices(v->u.load.idx, src->rank, vars, n))
        return NULL;
    return ir_copy(s->c, dst, corner(s, st->u.store.idx, dst->rank, vars, mins, n), src,
                   corner(s, v->u.load.idx, src->rank, vars, mins, n), ext, n, loop->loc);
}

typedef struct ToCopy {
    Mutator m;
    Sched  *s;
} ToCopy;

static Stmt *on_copy_loop(Mutator *m, Stmt *loop)
{
    Sched *s = ((ToCopy *)m)->s;
    for (uint32_t i = 0; i < s->stages.n; i++) {
        SchedStage *ts = &s->stages.v[i];
        Stmt *c = NULL;
        if (ts->made == MADE_CACHE_READ)
            c = as_copy(s, loop, ts->buf, ts->src);
        else if (ts->made == MADE_CACHE_WRITE)
            c = as_copy(s, loop, ts->src, ts->buf);
        if (c)
            return c;
    }
    return mut_stmt_children(m, loop);
}

static void copies_to_bulk(Sched *s)
{
    ToCopy t = {.s = s};
    t.m.c = s->c;
    t.m.stmt[SK_FOR] = on_copy_loop;
    s->f->body = mut_stmt(&t.m, s->f->body);
}

bool sched_settle(Sched *s)
{
    for (uint32_t i = 0; i < s->stages.n; i++) {
        SchedStage *ts = &s->stages.v[i];
        if (ts->pending && !sched_cache_materialize(s, (int32_t)i, NULL, ts->made_at))
            return false;
        if (ts->double_buf && !ts->at_loop) {
            Diag *d = sched_error(s, ts->double_buf_at, "cannot double-buffer '%s': it is computed at the root, "
                                  "where there is no loop to pipeline; place it with %s.compute_at(consumer, loop)",
                                  ts->name, ts->name);
            diag_note(s->diags, d, ts->made_at, "'%s' is made here", ts->name);
            return false;
        }
    }
    copies_to_bulk(s);
    return true;
}

/* ---- the directives (primitives.c) ---- */

bool sched_check_double_buffer(SchedCheck *c, const SchedDirective *d)
{
    const SchedStageRef *r = sched_check_recv(c, d);
    if (r->maker < 0 || c->plan->dirs.v[r->maker].prim->role != SP_CACHE_READ) {
        diag_error(c->diags, d->at, "double_buffer applies to a cache stage (t = x.cache_read(scope)), and '%s' is "
                   "not one", r->name);
        return false;
    }
    return true;
}

bool sched_do_cache_read(Sched *s, SchedDirective *d)
{
    return sched_cache_read(s, d->recv_name, d->args[0].scope, d->made_name, d->at, &d->made);
}

bool sched_do_cache_write(Sched *s, SchedDirective *d)
{
    return sched_cache_write(s, d->stage, d->args[0].scope, d->made_name, d->at, &d->made);
}

bool sched_do_double_buffer(Sched *s, SchedDirective *d) { return sched_double_buffer(s, d->stage, d->at); }
