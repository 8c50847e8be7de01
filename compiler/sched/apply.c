/* Applying a kernel's `schedule ... for TARGET` to its default-lowered loop
 * IR: the schedule is checked into typed directives (check.c), which run
 * in the order their dependencies give (order.c) through the handlers of
 * the primitive table (primitives.c); loop names are resolved to LoopIds as
 * each directive applies. Each specialize block is a variant; an If over
 * the conditions picks one at launch. */
#include "compiler/sched/sched_internal.h"
#include "compiler/sched/sched_order.h"

static const char *loop_list(Sched *s, int32_t stage)
{
    char *list = "";
    for (uint32_t i = 0; i < s->loops.n; i++)
        if (s->loops.v[i].stage == stage && s->loops.v[i].live)
            list = arena_printf(s->c->a, "%s%s%s", list, *list ? ", " : "", s->loops.v[i].name);
    return *list ? list : "none";
}

/* A loop argument: a live loop of `stage`, named as the source names it. */
static bool resolve_loop(Sched *s, int32_t stage, SchedArg *a)
{
    if (sched_loop(s, stage, a->name, &a->loop))
        return true;
    for (uint32_t i = s->loops.n; i-- > 0;) {
        SchedLoop *l = &s->loops.v[i];
        if (l->stage == stage && !strcmp(l->name, a->name)) {
            const char *why = l->gone ? l->gone : "removed";
            Diag *d = sched_error(s, a->span, "loop '%s' of '%s' no longer exists: it was %s", a->name,
                                  s->stages.v[stage].name, why);
            diag_note(s->diags, d, l->gone_at, "'%s' was %s here", a->name, why);
            return false;
        }
    }
    sched_error(s, a->span, "'%s' is not a loop of '%s' (its loops: %s)", a->name, s->stages.v[stage].name,
                loop_list(s, stage));
    return false;
}

static bool fresh_loop(Sched *s, int32_t stage, const SchedArg *a)
{
    for (uint32_t i = 0; i < s->loops.n; i++)
        if (s->loops.v[i].stage == stage && !strcmp(s->loops.v[i].name, a->name))
            return sched_error(s, a->span, "'%s' already names a loop of '%s'; choose a new name", a->name,
                               s->stages.v[stage].name), false;
    return true;
}

/* Resolves the directive's receiver and loops against the tables as the
 * earlier directives left them, then runs its handler. */
static bool run_directive(Sched *s, SchedDirective *d)
{
    s->depth = d->depth;
    d->stage = sched_stage(s, d->recv_name);
    d->made = -1;
    if (d->stage < 0 && d->prim->role != SP_CACHE_READ)
        return sched_error(s, d->at, "'%s' on '%s' is not supported by the %s loop scheduler yet", d->prim->name,
                           d->recv_name, s->target), false;
    int32_t other = -1;
    for (uint32_t i = 0; i < d->nargs; i++) {
        SchedArg *a = &d->args[i];
        bool ok = true;
        switch (a->kind) {
        case SA_LOOP: ok = resolve_loop(s, d->stage, a); break;
        case SA_NEW_LOOP: ok = d->stage < 0 || fresh_loop(s, d->stage, a); break;
        case SA_STAGE:
            other = sched_stage(s, a->name);
            if (other < 0)
                ok = (sched_error(s, a->span, "'%s' is not a stage", a->name), false);
            break;
        case SA_STAGE_LOOP: ok = resolve_loop(s, other, a); break;
        default: break;
        }
        if (!ok)
            return false;
    }
    return d->prim->apply(s, d);
}

/* One directive; with verification on (ir_verify_enabled, the test
 * suites), the IR is checked after it. */
static bool run(Sched *s, SchedDirective *d)
{
    if (!run_directive(s, d))
        return false;
    if (ir_verify_enabled() && !ir_verify(s->c, sched_finish(s))) /* with the prologue of factor lets */
        return ir_ice(s->c, d->at, "the IR is malformed after %s.%s", d->recv_name, d->prim->name);
    return true;
}

/* One variant: the top-level directives, plus those of specialize block
 * `spec` (an index into the schedule's statements) when >= 0. */
static Func *variant(IrCtx *c, KernelInfo *k, Func *f, const char *target, const SchedPlan *plan, int32_t spec,
                     Trace **trace)
{
    Func *fc = arena_alloc(c->a, sizeof *fc);
    *fc = *f;
    Sched *s = sched_new(c, fc, k, target);
    SchedDirective **dirs;
    SchedSlot *slots;
    uint32_t n = sched_order(c->a, k, plan, spec, &dirs, &slots);
    int nerr = c->diags->nerr;
    /* After an error the rest of that stage's directives are skipped (they
     * would cascade); other stages still report theirs. */
    bool failed = false;
    int32_t failed_group = INT32_MIN;
    for (uint32_t i = 0; i < n; i++) {
        if (slots[i].group == failed_group || (failed && slots[i].group == SCHED_GROUP_END))
            continue;
        if (!run(s, dirs[i]))
            failed = true, failed_group = slots[i].group;
    }
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
    return sched_apply_with(c, k, f, target, &sched_builtin_primitives, trace);
}

Func *sched_apply_with(IrCtx *c, KernelInfo *k, Func *f, const char *target, const SchedPrimitiveSet *prims,
                       Trace **trace)
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
    const SchedPlan *plan = sched_check_schedule(c->a, c->diags, k, sc, prims);
    if (!plan)
        return NULL;
    Trace *base_trace = NULL;
    Func *base = variant(c, k, f, target, plan, -1, &base_trace);
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
        Func *v = variant(c, k, f, target, plan, (int32_t)i, &vt);
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
