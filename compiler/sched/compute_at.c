/* compute_at, compute_inline, compute_root: where a producer stage is
 * computed. Needs the producer at the root in its lowered form (placements
 * come before a stage's own loop directives). compute_at sizes a local
 * buffer from bounds inference over the consumer loop's body, clamped to the
 * producer's domain, and frees it at the end of that body. */
#include "compiler/passes/bounds_infer.h"
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

bool sched_root_nest(Sched *s, SchedStage *p, RootNest *r)
{
    Stmt *body = s->f->body;
    r->top = body->kind == SK_SEQ ? body->u.seq.v : &s->f->body;
    r->ntop = body->kind == SK_SEQ ? body->u.seq.n : 1;
    r->first = r->last = r->alloc = r->free_ = -1;
    for (uint32_t i = 0; i < r->ntop; i++) {
        Stmt *t = r->top[i];
        if (t->kind == SK_ALLOC && t->u.alloc.buf == p->buf)
            r->alloc = (int32_t)i;
        else if (t->kind == SK_FREE && t->u.free_.buf == p->buf)
            r->free_ = (int32_t)i;
        else if (sched_stores_to(t, p->buf)) {
            if (r->first < 0)
                r->first = (int32_t)i;
            else if (r->last != (int32_t)i - 1)
                return false;
            r->last = (int32_t)i;
        }
    }
    return r->first >= 0;
}

/* The top-level sequence without the producer's statements. */
static Stmt *without(Sched *s, RootNest *r)
{
    VEC(Stmt *) v = {0};
    for (uint32_t i = 0; i < r->ntop; i++)
        if ((int32_t)i != r->alloc && (int32_t)i != r->free_ && ((int32_t)i < r->first || (int32_t)i > r->last))
            vec_push(s->c->a, v, r->top[i]);
    return ir_seq(s->c, v.v, v.n, s->f->loc);
}

static bool check_placeable(Sched *s, int32_t pi, const char *what, SrcSpan at)
{
    SchedStage *p = &s->stages.v[pi];
    if (p->si >= 0 && s->k->stages.v[p->si].is_output)
        return sched_error(s, at, "'%s' is an output; it is always computed at the root", p->name), false;
    if (p->placed) {
        Diag *d = sched_error(s, at, "cannot %s '%s': it was already placed by %s", what, p->name, p->placed);
        diag_note(s->diags, d, p->placed_at, "'%s' is placed here", p->name);
        return false;
    }
    return true;
}

/* After a producer moved, the frees at the top level go right after the
 * last top-level statement that still uses their buffer. */
void sched_fix_frees(Sched *s)
{
    Stmt *body = s->f->body;
    if (body->kind != SK_SEQ)
        return;
    VEC(Stmt *) v = {0};
    VEC(Stmt *) frees = {0};
    for (uint32_t i = 0; i < body->u.seq.n; i++) {
        Stmt *t = body->u.seq.v[i];
        if (t->kind == SK_FREE)
            vec_push(s->c->a, frees, t);
        else
            vec_push(s->c->a, v, t);
    }
    for (uint32_t j = 0; j < frees.n; j++) {
        IrBuffer *b = frees.v[j]->u.free_.buf;
        uint32_t at = 0;
        for (uint32_t i = 0; i < v.n; i++)
            if ((v.v[i]->kind == SK_ALLOC && v.v[i]->u.alloc.buf == b) || sched_count_loads(v.v[i], b) ||
                sched_stores_to(v.v[i], b))
                at = i + 1;
        vec_push(s->c->a, v, NULL);
        memmove(&v.v[at + 1], &v.v[at], (v.n - 1 - at) * sizeof *v.v);
        v.v[at] = frees.v[j];
    }
    s->f->body = ir_seq(s->c, v.v, v.n, body->loc);
}

/* Does e mention a loop variable bound inside st? */
typedef struct Inner {
    Visitor v;
    Sym    *e;
    bool    hit;
} Inner;

static bool on_inner_for(Visitor *v, Stmt *st)
{
    Inner *in = (Inner *)v;
    if (st->u.for_.var->sym && sym_depends_on(in->e, st->u.for_.var->sym))
        in->hit = true;
    return !in->hit && vis_stmt_children(v, st);
}

static bool mentions_inner(Stmt *st, Sym *e)
{
    Inner in = {.e = e};
    in.v.stmt[SK_FOR] = on_inner_for;
    vis_stmt(&in.v, st);
    return in.hit;
}

/* ---- compute_at -------------------------------------------------------- */

typedef struct Rebuf {
    Mutator   m;
    IrBuffer *from, *to;
    Expr    **lo;
} Rebuf;

static Expr **shifted(Rebuf *r, Expr **idx, uint32_t n)
{
    Expr **v = arena_alloc(r->m.c->a, (n + 1) * sizeof *v);
    for (uint32_t i = 0; i < n; i++) {
        Expr *x = mut_expr(&r->m, idx[i]);
        Sym *xs = ir_to_sym(r->m.c, x), *ls = ir_to_sym(r->m.c, r->lo[i]);
        Expr *d = xs && ls ? ir_from_sym(r->m.c, sym_sub(r->m.c->sym, xs, ls), x->loc) : NULL;
        v[i] = d ? d : ir_sub(r->m.c, x, r->lo[i]);
    }
    return v;
}

static Expr *on_rebuf_load(Mutator *m, Expr *e)
{
    Rebuf *r = (Rebuf *)m;
    if (e->u.load.buf != r->from)
        return mut_expr_children(m, e);
    return ir_load(m->c, r->to, shifted(r, e->u.load.idx, e->u.load.nidx), e->u.load.nidx,
                   mut_expr(m, e->u.load.pred), e->loc);
}

static Stmt *on_rebuf_store(Mutator *m, Stmt *st)
{
    Rebuf *r = (Rebuf *)m;
    if (st->u.store.buf != r->from)
        return mut_stmt_children(m, st);
    return ir_store(m->c, r->to, shifted(r, st->u.store.idx, st->u.store.nidx), st->u.store.nidx,
                    mut_expr(m, st->u.store.value), st->loc);
}

static Stmt *rebuf(Sched *s, Stmt *st, IrBuffer *from, IrBuffer *to, Expr **lo)
{
    Rebuf r = {.from = from, .to = to, .lo = lo};
    r.m.c = s->c;
    r.m.expr[EK_LOAD] = on_rebuf_load;
    r.m.stmt[SK_STORE] = on_rebuf_store;
    return mut_stmt(&r.m, st);
}

typedef struct Place {
    int32_t  pi;
    Stmt    *nest;      /* the producer's nest, restricted */
    IrBuffer *buf;      /* its new buffer */
    Expr   **lo;
    SrcSpan  at;
} Place;

static Stmt *place(Sched *s, Stmt *loop, void *ud)
{
    Place *p = ud;
    IrCtx *c = s->c;
    Stmt *body = rebuf(s, loop->u.for_.body, s->stages.v[p->pi].buf, p->buf, p->lo);
    Stmt *v[4] = {ir_alloc(c, p->buf, p->at), p->nest, body, ir_free(c, p->buf, p->at)};
    return ir_for_with(c, loop, loop->u.for_.min, loop->u.for_.extent, ir_seq(c, v, 4, loop->loc));
}

/* The producer's pure loops, outermost first, restricted to [lo, lo + ext);
 * a loop of one iteration is replaced by its only value. */
static Stmt *restrict_nest(Sched *s, int32_t pi, Stmt *st, uint32_t k, Expr **lo, Expr **ext, bool *ok)
{
    if (k == sched_stage_rank(s, pi))
        return st;
    if (st->kind != SK_FOR || st->u.for_.var->sym != sched_stage_var(s, pi, k)) {
        *ok = false;
        return st;
    }
    Stmt *body = restrict_nest(s, pi, st->u.for_.body, k + 1, lo, ext, ok);
    int64_t one;
    if (ir_is_const_int(ext[k], &one) && one == 1) {
        sched_retire(s, st->u.for_.id, "removed by compute_at (it has one iteration there)", st->loc);
        return ir_subst_stmt(s->c, body, st->u.for_.var, lo[k]);
    }
    return ir_for(s->c, st->u.for_.id, st->u.for_.var, lo[k], ext[k], FOR_SERIAL, body, st->loc);
}

bool sched_compute_at(Sched *s, int32_t pi, int32_t ci, LoopId v, SrcSpan at)
{
    IrCtx *c = s->c;
    SymCtx *sc = c->sym;
    if (!check_placeable(s, pi, "compute_at", at))
        return false;
    SchedStage *p = &s->stages.v[pi];
    Stmt *loop = sched_find_for(s->f->body, v);
    if (!loop)
        return sched_error(s, at, "unknown loop in compute_at"), false;
    if (p->pending && !sched_cache_materialize(s, pi, loop, at))
        return false;
    p = &s->stages.v[pi];
    loop = sched_find_for(s->f->body, v);
    RootNest rn;
    if (!p->buf || !sched_root_nest(s, p, &rn))
        return sched_error(s, at, "cannot place '%s': its computation is not at the root", p->name), false;
    for (int32_t i = rn.first; i <= rn.last; i++)
        if (sched_find_for(rn.top[i], v))
            return sched_error(s, at, "'%s' cannot be computed inside its own loops", p->name), false;
    const char *ln = sched_loop_name(s, v), *cn = s->stages.v[ci].name;
    uint32_t inside = sched_count_loads(loop->u.for_.body, p->buf);
    uint32_t total = 0;
    for (uint32_t i = 0; i < rn.ntop; i++)
        if ((int32_t)i < rn.first || (int32_t)i > rn.last)
            total += sched_count_loads(rn.top[i], p->buf);
    if (inside == 0) {
        Diag *d = sched_error_loop(s, at, v, "cannot compute '%s' at loop '%s' of '%s': the loop does not enclose "
                                   "a use of '%s'", p->name, ln, cn, p->name);
        (void)d;
        return false;
    }
    if (inside != total) {
        for (uint32_t i = 0; i < s->stages.n; i++) {
            SchedStage *o = &s->stages.v[i];
            if ((int32_t)i == ci || (int32_t)i == pi || !o->buf || o->si < 0)
                continue;
            for (uint32_t t = 0; t < rn.ntop; t++)
                if (sched_stores_to(rn.top[t], o->buf) && sched_count_loads(rn.top[t], p->buf) &&
                    !sched_find_for(rn.top[t], v)) {
                    Diag *d = sched_error(s, at, "cannot compute '%s' at loop '%s' of '%s': '%s' also reads '%s' "
                                          "outside that loop", p->name, ln, cn, o->name, p->name);
                    diag_note(s->diags, d, s->k->stages.v[o->si].stmt->span, "'%s' reads '%s' here", o->name,
                              p->name);
                    return false;
                }
        }
        return sched_error(s, at, "cannot compute '%s' at loop '%s' of '%s': '%s' is also used outside that loop",
                           p->name, ln, cn, p->name), false;
    }
    /* Region of the producer read by one iteration, clamped to its domain. */
    BoundsMap *bm = bounds_infer(c, loop->u.for_.body);
    const Region *rg = bounds_read(bm, p->buf);
    uint32_t rank = p->buf->rank;
    Expr **lo = arena_alloc(c->a, (rank + 1) * sizeof *lo), **ext = arena_alloc(c->a, (rank + 1) * sizeof *ext);
    Expr **shape = arena_alloc(c->a, (rank + 1) * sizeof *shape);
    for (uint32_t k = 0; k < rank; k++) {
        Sym *E = sched_to_sym(s, p->buf->shape[k]);
        Sym *l = rg && rg->min[k] ? rg->min[k] : NULL, *h = l ? sym_addi(sc, sym_add(sc, l, rg->extent[k]), -1) : NULL;
        if (l && (mentions_inner(loop->u.for_.body, l) || mentions_inner(loop->u.for_.body, rg->extent[k])))
            l = NULL; /* not bounded in terms of the loop: the whole dimension */
        if (!l || !E) {
            lo[k] = ir_i64(c, 0);
            ext[k] = shape[k] = p->buf->shape[k];
            continue;
        }
        if (!sym_prove_ge(sc, l, sym_const(sc, 0)))
            l = sym_max(sc, l, sym_const(sc, 0));
        if (!sym_prove_le(sc, h, sym_addi(sc, E, -1)))
            h = sym_min(sc, h, sym_addi(sc, E, -1));
        Sym *e = sym_addi(sc, sym_sub(sc, h, l), 1);
        Sym *ub = sym_upper_bound(sc, e);
        int64_t cu;
        if (!(ub && sym_is_const(ub, &cu)) && sym_prove_le(sc, e, sym_const(sc, 4096))) {
            int64_t lo_c = 1, hi_c = 4096; /* the smallest constant the prover accepts */
            while (lo_c < hi_c) {
                int64_t mid = lo_c + (hi_c - lo_c) / 2;
                if (sym_prove_le(sc, e, sym_const(sc, mid)))
                    hi_c = mid;
                else
                    lo_c = mid + 1;
            }
            ub = sym_const(sc, hi_c);
        }
        if (ub && sym_prove_le(sc, E, ub))
            ub = E;
        lo[k] = sched_from_sym(s, l, at);
        ext[k] = sched_from_sym(s, e, at);
        shape[k] = ub ? sched_from_sym(s, ub, at) : NULL;
        if (!lo[k] || !ext[k])
            return ir_ice(c, at, "compute_at: cannot express the region of '%s'", p->name);
        if (!shape[k])
            shape[k] = ext[k];
    }
    bool ok = true;
    Stmt *nest = rn.first == rn.last ? rn.top[rn.first]
                                     : ir_seq(c, rn.top + rn.first, (uint32_t)(rn.last - rn.first + 1), at);
    nest = restrict_nest(s, pi, nest, 0, lo, ext, &ok);
    if (!ok)
        return sched_error(s, at, "cannot place '%s': its loops were already transformed (placements come before "
                           "a stage's own loop directives)", p->name), false;
    IrBuffer *nb = ir_new_buffer(c, p->buf->name, p->buf->ty, BUF_LOCAL, p->made ? p->scope : SCOPE_LOCAL, rank, shape,
                                 p->buf->span);
    Place pl = {.pi = pi, .buf = nb, .lo = lo, .at = at};
    pl.nest = rebuf(s, nest, p->buf, nb, lo);
    s->f->body = without(s, &rn);
    sched_replace_for(s, v, place, &pl);
    sched_fix_frees(s);
    p->buf = nb;
    p->placed = "compute_at";
    p->placed_at = at;
    p->at_loop = v;
    sched_record(s, "%s.compute_at(%s, %s);", p->name, cn, ln);
    return !p->double_buf || sched_double_buffer_at(s, pi, at);
}

/* ---- compute_inline ---------------------------------------------------- */

typedef struct Inline {
    Mutator    m;
    Sched     *s;
    IrBuffer  *buf;
    StageInfo *si;
    IrVar    **vars;    /* the producer's index variables */
    Expr      *value;   /* its value at those variables */
    Expr      *pred;    /* extra predicate for loads inside the value */
} Inline;

static Expr *on_guard_load(Mutator *m, Expr *e)
{
    Inline *in = (Inline *)m;
    Expr *e2 = mut_expr_children(m, e);
    Expr *p = e2->u.load.pred ? ir_bin(m->c, BOP_AND, in->pred, e2->u.load.pred, e->loc) : in->pred;
    return ir_load(m->c, e2->u.load.buf, e2->u.load.idx, e2->u.load.nidx, p, e->loc);
}

static Expr *on_inline_load(Mutator *m, Expr *e)
{
    Inline *in = (Inline *)m;
    Expr *e2 = mut_expr_children(m, e);
    if (e2->u.load.buf != in->buf)
        return e2;
    Expr *v = in->value;
    for (uint32_t k = 0; k < in->si->rank; k++)
        v = ir_subst_expr(in->s->c, v, in->vars[k], e2->u.load.idx[k]);
    if (e2->u.load.pred) {
        /* a guarded use: the value's own loads must not touch memory
         * where the guard is false (select evaluates both arms) */
        Inline g = {.pred = e2->u.load.pred};
        g.m.c = m->c;
        g.m.expr[EK_LOAD] = on_guard_load;
        v = mut_expr(&g.m, v);
    }
    return v;
}

bool sched_compute_inline(Sched *s, int32_t pi, SrcSpan at)
{
    IrCtx *c = s->c;
    if (!check_placeable(s, pi, "compute_inline", at))
        return false;
    SchedStage *p = &s->stages.v[pi];
    StageInfo *si = &s->k->stages.v[p->si];
    if (si->is_reduction || si->rvars.n)
        return sched_error(s, at, "cannot inline '%s': it contains a reduction; use compute_at", p->name), false;
    RootNest rn;
    if (!p->buf || !sched_root_nest(s, p, &rn) || rn.first != rn.last)
        return sched_error(s, at, "cannot inline '%s': its computation is not at the root", p->name), false;
    Stmt *st = rn.top[rn.first];
    IrVar **vars = arena_alloc(c->a, (si->rank + 1) * sizeof *vars);
    for (uint32_t k = 0; k < si->rank; k++) {
        if (st->kind != SK_FOR || st->u.for_.var->sym != si->vars[k].sym)
            return sched_error(s, at, "cannot inline '%s': its loops were already transformed", p->name), false;
        vars[k] = st->u.for_.var;
        st = st->u.for_.body;
    }
    if (st->kind != SK_STORE || st->u.store.buf != p->buf)
        return ir_ice(c, at, "compute_inline: unexpected definition of '%s'", p->name);
    for (uint32_t k = 0; k < si->rank; k++)
        if (st->u.store.idx[k]->kind != EK_VAR || st->u.store.idx[k]->u.var != vars[k])
            return ir_ice(c, at, "compute_inline: '%s' is not stored at its index variables", p->name);
    /* storing into an f16/bf16 buffer rounds the value; its inlined uses
     * must round it too (a cast from f32 does; one to its own type does not) */
    Expr *value = st->u.store.value;
    if (p->buf->ty == DT_F16 || p->buf->ty == DT_BF16)
        value = ir_cast(c, p->buf->ty, ir_cast(c, DT_F32, value, at), at);
    Inline in = {.s = s, .buf = p->buf, .si = si, .vars = vars, .value = value};
    in.m.c = c;
    in.m.expr[EK_LOAD] = on_inline_load;
    s->f->body = mut_stmt(&in.m, without(s, &rn));
    sched_fix_frees(s);
    for (uint32_t i = 0; i < s->loops.n; i++)
        if (s->loops.v[i].stage == pi && s->loops.v[i].live)
            sched_retire(s, s->loops.v[i].id, "inlined", at);
    p->placed = "compute_inline";
    p->placed_at = at;
    p->buf = NULL;
    sched_record(s, "%s.compute_inline();", p->name);
    return true;
}

bool sched_compute_root(Sched *s, int32_t pi, SrcSpan at)
{
    if (!check_placeable(s, pi, "compute_root", at))
        return false;
    SchedStage *p = &s->stages.v[pi];
    p->placed = "compute_root";
    p->placed_at = at;
    sched_record(s, "%s.compute_root();", p->name); /* lowering computes every stage at the root already */
    return true;
}

/* ---- the directives (primitives.c) ---- */

bool sched_check_not_output(SchedCheck *c, const SchedDirective *d)
{
    const StageInfo *st = sched_check_stage(c, sched_check_recv(c, d));
    if (st && st->is_output) {
        diag_error(c->diags, d->at, "'%s' is an output; it is always computed at the root", st->name);
        return false;
    }
    return true;
}

/* Does kernel stage `consumer` read `producer`, directly or through others? */
static bool reads(const KernelInfo *k, uint32_t consumer, uint32_t producer, uint32_t depth)
{
    if (depth > k->stages.n)
        return false;
    const StageInfo *st = &k->stages.v[consumer];
    for (uint32_t i = 0; i < st->deps.n; i++)
        if (st->deps.v[i] == producer || reads(k, st->deps.v[i], producer, depth + 1))
            return true;
    return false;
}

bool sched_check_compute_at(SchedCheck *c, const SchedDirective *d)
{
    if (!sched_check_not_output(c, d))
        return false;
    const SchedStageRef *p = sched_check_recv(c, d), *cs = &c->plan->refs.v[d->args[0].ref];
    if (p->stage >= 0 && cs->stage >= 0 && !reads(c->k, (uint32_t)cs->stage, (uint32_t)p->stage, 0)) {
        diag_error(c->diags, d->args[0].span, "'%s' does not read '%s', so '%s' cannot be computed at one of its "
                   "loops", cs->name, p->name, p->name);
        return false;
    }
    return true;
}

bool sched_check_compute_inline(SchedCheck *c, const SchedDirective *d)
{
    if (!sched_check_not_output(c, d))
        return false;
    const SchedStageRef *r = sched_check_recv(c, d);
    const StageInfo *st = sched_check_stage(c, r);
    if (st && (st->is_reduction || st->rvars.n)) {
        diag_error(c->diags, d->at, "cannot inline '%s': it contains a reduction; use compute_at", r->name);
        return false;
    }
    if (r->maker >= 0) {
        diag_error(c->diags, d->at, "cannot inline '%s': only a stage of the kernel can be inlined", r->name);
        return false;
    }
    return true;
}

bool sched_do_compute_at(Sched *s, SchedDirective *d)
{
    return sched_compute_at(s, d->stage, sched_stage(s, d->args[0].name), d->args[1].loop, d->at);
}

bool sched_do_compute_inline(Sched *s, SchedDirective *d) { return sched_compute_inline(s, d->stage, d->at); }

bool sched_do_compute_root(Sched *s, SchedDirective *d) { return sched_compute_root(s, d->stage, d->at); }
