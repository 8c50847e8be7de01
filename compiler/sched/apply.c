/* Applying a kernel's `schedule ... for TARGET` to its default-lowered loop
 * IR: loop names are mapped to LoopIds through the sequence, and the
 * directives run stage by stage, consumers first, each stage's placement
 * before its own loop directives (docs/schedules.md, "Order"). Each
 * specialize block is a variant; an If over the conditions picks one at
 * launch. */
#include "compiler/sched/sched_internal.h"

typedef struct Directive {
    AstSchedCall *call;
    const char   *recv;      /* the receiver at this call of the chain */
    const char   *bind;      /* the stage it makes (cache_read/cache_write/rfactor), else NULL */
    SrcSpan       recv_span;
    int32_t       group;     /* kernel stage it runs with; -1 first, -2 last */
    int           pass;      /* 0 placement, 1 loop directives, 2 made caches */
    int           depth;     /* 1 when it comes from the specialize block */
} Directive;

typedef VEC(Directive) DirVec;

static bool is_placement(const char *m)
{
    return !strcmp(m, "compute_at") || !strcmp(m, "compute_inline") || !strcmp(m, "compute_root");
}

static bool makes_stage(const char *m)
{
    return !strcmp(m, "cache_read") || !strcmp(m, "cache_write") || !strcmp(m, "rfactor");
}

static void collect(Sched *s, AstSchedStmtVec *v, int depth, DirVec *out)
{
    for (uint32_t i = 0; i < v->n; i++) {
        AstSchedStmt *st = &v->v[i];
        if (st->kind != SS_CHAIN)
            continue;
        const char *cur = st->recv;
        uint32_t last = st->calls.n;
        for (uint32_t j = 0; j < st->calls.n; j++)
            if (makes_stage(st->calls.v[j].method))
                last = j;
        for (uint32_t j = 0; j < st->calls.n; j++) {
            Directive d = {&st->calls.v[j], cur, NULL, st->recv_span, -1, 1, depth};
            if (makes_stage(d.call->method)) {
                d.bind = j == last && st->bind ? st->bind
                         : arena_printf(s->c->a, "%s.%s", cur, !strcmp(d.call->method, "cache_read") ? "read"
                                        : !strcmp(d.call->method, "cache_write") ? "write" : "rf");
                cur = d.bind;
            }
            vec_push(s->c->a, *out, d);
        }
    }
}

static Directive *maker(DirVec *dirs, const char *name)
{
    for (uint32_t i = 0; i < dirs->n; i++)
        if (dirs->v[i].bind && !strcmp(dirs->v[i].bind, name))
            return &dirs->v[i];
    return NULL;
}

/* Orders the directives (docs/schedules.md, "Order"): a kernel stage's run
 * with it (placement first); an rfactor stage's with the stage it came
 * from; a cache's (and its cache_read) after the stage it is computed at
 * (a cache of a stage), after the stage it caches (cache_write), or at the
 * end (a cache of an input, or at the root), when every loop is final. */
static void group(Sched *s, DirVec *dirs)
{
    for (uint32_t i = 0; i < dirs->n; i++) {
        Directive *d = &dirs->v[i];
        int32_t st = sched_stage(s, d->recv);
        if (st >= 0) {
            d->group = st;
            d->pass = is_placement(d->call->method) || !strcmp(d->call->method, "cache_write") ? 0 : 1;
        }
    }
    for (int round = 0; round < 4; round++)
        for (uint32_t i = 0; i < dirs->n; i++) {
            Directive *d = &dirs->v[i];
            Directive *mk = d->bind && !strcmp(d->call->method, "cache_read") ? d : maker(dirs, d->recv);
            if (!mk)
                continue;
            if (!strcmp(mk->call->method, "rfactor")) {
                d->group = mk->group;
                d->pass = 1;
                continue;
            }
            const char *cache = mk->bind;
            bool of_input = !strcmp(mk->call->method, "cache_read") && sched_stage(s, mk->recv) < 0 &&
                            !maker(dirs, mk->recv);
            int32_t g = !strcmp(mk->call->method, "cache_write") ? mk->group : -2;
            for (uint32_t j = 0; j < dirs->n && !of_input; j++) {
                Directive *p = &dirs->v[j];
                if (p->recv == cache || (p->recv && !strcmp(p->recv, cache))) {
                    if (!strcmp(p->call->method, "compute_at") && p->call->args.n == 2 &&
                        p->call->args.v[0]->kind == EX_NAME) {
                        const char *cn = p->call->args.v[0]->u.name.id;
                        int32_t ci = sched_stage(s, cn);
                        Directive *cm = ci < 0 ? maker(dirs, cn) : NULL;
                        g = ci >= 0 ? ci : cm ? cm->group : g;
                    }
                }
            }
            if (d == mk && !strcmp(mk->call->method, "cache_write"))
                continue;
            d->group = g;
            d->pass = 2;
        }
}

static bool loop_arg(Sched *s, int32_t stage, AstExpr *a, LoopId *out)
{
    if (a->kind == EX_NAME && sched_loop(s, stage, a->u.name.id, out))
        return true;
    const char *nm = a->kind == EX_NAME ? a->u.name.id : "?";
    for (uint32_t i = s->loops.n; i-- > 0;) {
        SchedLoop *l = &s->loops.v[i];
        if (l->stage == stage && !strcmp(l->name, nm)) {
            Diag *d = sched_error(s, a->span, "loop '%s' of '%s' no longer exists: it was %s", nm,
                                  s->stages.v[stage].name, l->gone ? l->gone : "removed");
            diag_note(s->diags, d, l->gone_at, "here");
            return false;
        }
    }
    sched_error(s, a->span, "'%s' is not a loop of '%s'", nm, s->stages.v[stage].name);
    return false;
}

static bool factor_arg(Sched *s, AstExpr *a, SchedFactor *f)
{
    if (a->kind == EX_INT && a->u.ival > 0) {
        *f = (SchedFactor){SF_LITERAL, a->u.ival, 0};
        return true;
    }
    if (a->kind == EX_NAME && !strcmp(a->u.name.id, "auto")) {
        *f = (SchedFactor){SF_AUTO, 0, 0};
        return true;
    }
    for (uint32_t i = 0; a->kind == EX_NAME && i < s->k->params.n; i++)
        if (!strcmp(s->k->params.v[i].name, a->u.name.id)) {
            *f = (SchedFactor){SF_PARAM, 0, i};
            return true;
        }
    sched_error(s, a->span, "a factor is a positive integer literal, an integer scalar parameter, or auto");
    return false;
}

static const char *name_arg(AstExpr *a) { return a->kind == EX_NAME ? a->u.name.id : "?"; }

static uint32_t int_arg(AstExpr *a) { return a->kind == EX_INT && a->u.ival > 0 ? (uint32_t)a->u.ival : 0; }

static bool scope_arg(Sched *s, AstExpr *a, MemScope *out)
{
    const char *nm = name_arg(a);
    for (int i = 0; i < SCOPE__COUNT; i++)
        if (!strcmp(nm, ir_scope_name[i]) || (i == SCOPE_GLOBAL && !strcmp(nm, "gm"))) {
            *out = (MemScope)i;
            return true;
        }
    return sched_error(s, a->span, "unknown memory scope '%s'", nm), false;
}

static bool run_directive(Sched *s, Directive *d);

/* One directive; with verification on (ir_verify_enabled, the test
 * suites), the IR is checked after it. */
static bool run(Sched *s, Directive *d)
{
    if (!run_directive(s, d))
        return false;
    if (ir_verify_enabled() && !ir_verify(s->c, sched_finish(s)))   /* with the prologue of factor lets */
        return ir_ice(s->c, d->call->span, "the IR is malformed after %s.%s", d->recv, d->call->method);
    return true;
}

static bool run_directive(Sched *s, Directive *d)
{
    AstSchedCall *m = d->call;
    AstExpr **a = m->args.v;
    const char *mt = m->method;
    int32_t st = sched_stage(s, d->recv);
    SrcSpan at = m->span;
    LoopId x, y;
    MemScope sc;
    s->depth = d->depth;
    if (!strcmp(mt, "cache_read"))
        return scope_arg(s, a[0], &sc) && sched_cache_read(s, d->recv, sc, d->bind, at, NULL);
    if (st < 0)
        return sched_error(s, at, "'%s' on '%s' is not supported by the %s loop scheduler yet", mt, d->recv,
                           s->target), false;
    if (!strcmp(mt, "cache_write"))
        return scope_arg(s, a[0], &sc) && sched_cache_write(s, st, sc, d->bind, at, NULL);
    if (!strcmp(mt, "double_buffer"))
        return sched_double_buffer(s, st, at);
    if (!strcmp(mt, "rfactor"))
        return loop_arg(s, st, a[0], &x) && sched_rfactor(s, st, x, name_arg(a[1]), d->bind, at, NULL);
    if (!strcmp(mt, "tensorize")) {
        if (strcmp(name_arg(a[1]), "gemm") != 0)
            return sched_error(s, at, "tensorize onto '%s' is not supported by the %s loop scheduler yet",
                               name_arg(a[1]), s->target), false;
        return loop_arg(s, st, a[0], &x) && sched_tensorize(s, st, x, at);
    }
    if (!strcmp(mt, "split")) {
        SchedFactor f;
        return loop_arg(s, st, a[0], &x) && factor_arg(s, a[1], &f) &&
               sched_split(s, st, x, f, name_arg(a[2]), name_arg(a[3]), at, NULL);
    }
    if (!strcmp(mt, "tile")) {
        SchedFactor fx, fy;
        const char *names[4] = {name_arg(a[4]), name_arg(a[5]), name_arg(a[6]), name_arg(a[7])};
        return loop_arg(s, st, a[0], &x) && loop_arg(s, st, a[1], &y) && factor_arg(s, a[2], &fx) &&
               factor_arg(s, a[3], &fy) && sched_tile(s, st, x, y, fx, fy, names, at);
    }
    if (!strcmp(mt, "reorder")) {
        LoopId *ids = arena_alloc(s->c->a, (m->args.n + 1) * sizeof *ids);
        for (uint32_t i = 0; i < m->args.n; i++)
            if (!loop_arg(s, st, a[i], &ids[i]))
                return false;
        return sched_reorder(s, st, ids, m->args.n, at);
    }
    if (!strcmp(mt, "fuse"))
        return loop_arg(s, st, a[0], &x) && loop_arg(s, st, a[1], &y) &&
               sched_fuse(s, st, x, y, name_arg(a[2]), at, NULL);
    if (!strcmp(mt, "parallel"))
        return loop_arg(s, st, a[0], &x) && sched_parallel(s, st, x, at);
    if (!strcmp(mt, "vectorize"))
        return loop_arg(s, st, a[0], &x) && sched_vectorize(s, st, x, m->args.n > 1 ? int_arg(a[1]) : 0, at);
    if (!strcmp(mt, "unroll"))
        return loop_arg(s, st, a[0], &x) && sched_unroll(s, st, x, m->args.n > 1 ? int_arg(a[1]) : 0, at);
    if (!strcmp(mt, "compute_inline"))
        return sched_compute_inline(s, st, at);
    if (!strcmp(mt, "compute_root"))
        return sched_compute_root(s, st, at);
    if (!strcmp(mt, "compute_at")) {
        int32_t ci = sched_stage(s, name_arg(a[0]));
        if (ci < 0)
            return sched_error(s, a[0]->span, "'%s' is not a stage", name_arg(a[0])), false;
        return loop_arg(s, ci, a[1], &x) && sched_compute_at(s, st, ci, x, at);
    }
    return sched_error(s, at, "unknown schedule primitive '%s'", mt), false;
}

/* One variant: the top-level directives, plus those of `spec` if given. */
static Func *variant(IrCtx *c, KernelInfo *k, Func *f, const char *target, AstSchedule *sc, AstSchedStmt *spec,
                     Trace **trace)
{
    Func *fc = arena_alloc(c->a, sizeof *fc);
    *fc = *f;
    Sched *s = sched_new(c, fc, k, target);
    DirVec dirs = {0};
    collect(s, &sc->stmts, 0, &dirs);
    if (spec)
        collect(s, &spec->body, 1, &dirs);
    int nerr = c->diags->nerr;
    group(s, &dirs);
    /* Unknown receivers first (they report). */
    for (uint32_t i = 0; i < dirs.n; i++)
        if (dirs.v[i].group == -1)
            run(s, &dirs.v[i]);
    /* Stages consumers first; within a stage, placement, the rest, then
     * the caches computed at it; then caches at the root. */
    bool failed = false;
    for (uint32_t oi = k->stages.n; oi-- > 0;) {
        int32_t si = (int32_t)k->order[oi];
        bool stop = false;
        for (int pass = 0; pass < 3 && !stop; pass++)
            for (uint32_t i = 0; i < dirs.n && !stop; i++) {
                Directive *d = &dirs.v[i];
                if (d->group == si && d->pass == pass && !run(s, d))
                    stop = failed = true; /* later directives of this stage would cascade */
            }
    }
    for (uint32_t i = 0; i < dirs.n && !failed; i++)
        if (dirs.v[i].group == -2 && !run(s, &dirs.v[i]))
            failed = true;
    if (!failed)
        sched_settle(s);
    if (c->diags->nerr > nerr || c->a->oom)
        return NULL;
    if (trace)
        *trace = sched_trace(s);
    return sched_finish(s);
}

/* A specialize condition over dims and scalars, as an IR bool. */
static Expr *cond_expr(IrCtx *c, KernelInfo *k, Func *f, AstExpr *e)
{
    static const BinOp ops[] = {
        [OP_ADD] = BOP_ADD, [OP_SUB] = BOP_SUB, [OP_MUL] = BOP_MUL, [OP_DIV] = BOP_DIV, [OP_MOD] = BOP_MOD,
        [OP_EQ] = BOP_EQ,   [OP_NE] = BOP_NE,   [OP_LT] = BOP_LT,   [OP_LE] = BOP_LE,   [OP_GT] = BOP_GT,
        [OP_GE] = BOP_GE,   [OP_AND] = BOP_AND, [OP_OR] = BOP_OR,
    };
    switch (e->kind) {
    case EX_INT: return ir_i64(c, e->u.ival);
    case EX_FLOAT: return ir_float(c, DT_F64, e->u.fval, e->span);
    case EX_NAME:
        if (e->u.name.ref == REF_DIM && e->u.name.index < f->ndims)
            return ir_var(c, f->dims[e->u.name.index].var, e->span);
        if (e->u.name.ref == REF_SCALAR && e->u.name.index < f->nargs && f->args[e->u.name.index].var) {
            IrVar *v = f->args[e->u.name.index].var;
            Expr *x = ir_var(c, v, e->span);
            if (v->ty == DT_BOOL || v->ty == DT_I64 || v->ty == DT_F64)
                return x;
            return ir_cast(c, dtype_is_float(v->ty) ? DT_F64 : DT_I64, x, e->span);
        }
        return NULL;
    case EX_UNARY: {
        Expr *x = cond_expr(c, k, f, e->u.unary.x);
        return x ? ir_un(c, e->u.unary.op == OP_NOT ? UOP_NOT : UOP_NEG, x, e->span) : NULL;
    }
    case EX_BINARY: {
        if (e->u.binary.op > OP_OR)
            return NULL;
        Expr *x = cond_expr(c, k, f, e->u.binary.a), *y = cond_expr(c, k, f, e->u.binary.b);
        if (!x || !y)
            return NULL;
        if (x->ty != y->ty && x->ty != DT_BOOL && y->ty != DT_BOOL) {
            if (x->ty != DT_F64)
                x = ir_cast(c, DT_F64, x, e->span);
            if (y->ty != DT_F64)
                y = ir_cast(c, DT_F64, y, e->span);
        }
        return x->ty == y->ty ? ir_bin(c, ops[e->u.binary.op], x, y, e->span) : NULL;
    }
    default: return NULL;
    }
}

Func *sched_apply(IrCtx *c, KernelInfo *k, Func *f, const char *target, Trace **trace)
{
    AstSchedule *sc = NULL;
    for (uint32_t i = 0; target && i < k->schedules.n; i++)
        if (!strcmp(k->schedules.v[i].target, target))
            sc = k->schedules.v[i].ast;
    if (!sc) {
        if (trace) {
            Sched *s = sched_new(c, f, k, target);
            *trace = sched_trace(s);
        }
        return f;
    }
    Trace *base_trace = NULL;
    Func *base = variant(c, k, f, target, sc, NULL, &base_trace);
    if (!base)
        return NULL;
    Stmt *body = base->body;
    Trace *all = base_trace;
    VEC(Stmt *) thens = {0};
    VEC(Expr *) conds = {0};
    for (uint32_t i = 0; i < sc->stmts.n; i++) {
        AstSchedStmt *sp = &sc->stmts.v[i];
        if (sp->kind != SS_SPECIALIZE)
            continue;
        Trace *vt = NULL;
        Func *v = variant(c, k, f, target, sc, sp, &vt);
        if (!v)
            return NULL;
        Expr *cond = cond_expr(c, k, f, sp->cond);
        if (!cond || cond->ty != DT_BOOL) {
            diag_error(c->diags, sp->cond->span, "this specialize condition cannot be evaluated at launch (use "
                       "dims, scalars, literals and arithmetic)");
            return NULL;
        }
        vec_push(c->a, conds, cond);
        vec_push(c->a, thens, v->body);
        TraceLine open = {arena_printf(c->a, "specialize(%s) {", ir_expr_str(c->a, cond)), 0};
        vec_push(c->a, all->lines, open);
        for (uint32_t j = 0; j < vt->lines.n; j++)
            if (vt->lines.v[j].depth == 1)
                vec_push(c->a, all->lines, vt->lines.v[j]);
    }
    for (uint32_t i = conds.n; i-- > 0;)
        body = ir_if(c, conds.v[i], thens.v[i], body, conds.v[i]->loc);
    Func *r = arena_alloc(c->a, sizeof *r);
    *r = *base;
    r->body = body;
    if (trace)
        *trace = all;
    return r;
}
