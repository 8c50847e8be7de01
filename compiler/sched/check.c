/* Checking a schedule: each call of a chain is looked up in the primitive
 * table, its receiver resolved (a kernel stage, an input, or a stage an
 * earlier directive made) and its arguments typed by the kinds the table
 * gives, so that the applier gets SchedDirectives with nothing left to
 * parse. Loops are named here but resolved when the directive applies,
 * against the one loop table the earlier directives left (sched.c). */
#include <string.h>

#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_order.h"
#include "compiler/target.h"

static bool same(const char *a, const char *b) { return a == b || !strcmp(a, b); }

const SchedStageRef *sched_check_recv(SchedCheck *c, const SchedDirective *d) { return &c->plan->refs.v[d->recv]; }

StageInfo *sched_check_stage(SchedCheck *c, const SchedStageRef *r)
{
    return r->stage >= 0 ? &c->k->stages.v[r->stage] : NULL;
}

static const SchedPrimitive *find_primitive(const SchedPrimitiveSet *set, const char *name)
{
    for (; set; set = set->next)
        for (size_t i = 0; i < set->n; i++)
            if (same(set->v[i].name, name))
                return &set->v[i];
    return NULL;
}

static const char *primitive_list(SchedCheck *c)
{
    char *list = "";
    for (const SchedPrimitiveSet *set = c->prims; set; set = set->next)
        for (size_t i = 0; i < set->n; i++)
            list = arena_printf(c->a, "%s%s%s", list, *list ? " " : "", set->v[i].name);
    return list;
}

/* A ref visible from a directive of specialize block `spec` (-1: top level). */
static int32_t find_ref(SchedCheck *c, const char *name, int32_t spec)
{
    for (uint32_t i = c->plan->refs.n; i-- > 0;) {
        const SchedStageRef *r = &c->plan->refs.v[i];
        int32_t rs = r->maker >= 0 ? c->plan->dirs.v[r->maker].spec : -1;
        if (same(r->name, name) && (rs < 0 || rs == spec))
            return (int32_t)i;
    }
    return -1;
}

static const char *stage_list(SchedCheck *c)
{
    char *list = "";
    for (uint32_t i = 0; i < c->k->stages.n; i++)
        list = arena_printf(c->a, "%s%s%s", list, *list ? ", " : "", c->k->stages.v[i].name);
    return list;
}

static bool arg_factor(SchedCheck *c, AstExpr *e, SchedFactor *f)
{
    if (e->kind == EX_INT && e->u.ival > 0) {
        *f = (SchedFactor){SF_LITERAL, e->u.ival, 0};
        return true;
    }
    if (e->kind == EX_NAME && !strcmp(e->u.name.id, "auto")) {
        *f = (SchedFactor){SF_AUTO, 0, 0};
        return true;
    }
    for (uint32_t i = 0; e->kind == EX_NAME && i < c->k->params.n; i++) {
        const ParamInfo *p = &c->k->params.v[i];
        if (same(p->name, e->u.name.id) && !p->is_tensor && dtype_is_int(p->dtype)) {
            *f = (SchedFactor){SF_PARAM, 0, i};
            return true;
        }
    }
    diag_error(c->diags, e->span, "a factor is a positive integer literal, an integer scalar parameter, or auto");
    return false;
}

static bool arg_scope(SchedCheck *c, AstExpr *e, MemScope *out)
{
    const Target *t = c->plan->target;
    const TargetScope *s = e->kind == EX_NAME ? target_scope(t, e->u.name.id) : NULL;
    if (s) {
        *out = s->scope;
        return true;
    }
    char *list = "";
    for (uint32_t i = 0; i < t->nscopes; i++)
        list = arena_printf(c->a, "%s%s%s", list, i ? ", " : "", mem_scope_name[t->scopes[i].scope]);
    if (e->kind == EX_NAME)
        diag_error(c->diags, e->span, "unknown memory scope '%s' for target %s (scopes: %s)", e->u.name.id,
                   t->name, list);
    else
        diag_error(c->diags, e->span, "unknown memory scope for target %s (scopes: %s)", t->name, list);
    return false;
}

/* "'gemm'" or "'a' or 'b'": what tensorize may name on t. */
static const char *op_list(Arena *a, const Target *t)
{
    const char *list = "";
    for (uint32_t i = 0; t->tensorize_ops && t->tensorize_ops[i]; i++)
        list = arena_printf(a, "%s%s'%s'", list, i ? " or " : "", t->tensorize_ops[i]);
    return *list ? list : "nothing";
}

/* Types argument i of d (kind k) from the expression e. */
static bool typed_arg(SchedCheck *c, SchedDirective *d, SchedArgKind k, AstExpr *e, int32_t spec)
{
    SchedArg *a = &d->args[d->nargs];
    *a = (SchedArg){.kind = k, .span = e->span};
    const char *recv = d->recv_name;
    switch (k) {
    case SA_LOOP:
    case SA_STAGE_LOOP:
    case SA_NEW_LOOP:
        if (e->kind != EX_NAME) {
            if (k == SA_NEW_LOOP)
                diag_error(c->diags, e->span, "expected a name for a new loop here");
            else
                diag_error(c->diags, e->span, "expected a loop variable of '%s' here",
                           k == SA_LOOP ? recv : d->args[d->nargs - 1].name);
            return false;
        }
        a->name = e->u.name.id;
        return true;
    case SA_FACTOR: return arg_factor(c, e, &a->factor);
    case SA_COUNT:
        if (e->kind != EX_INT || e->u.ival <= 0) {
            diag_error(c->diags, e->span, "%s takes a positive integer literal here; usage: %s", d->prim->name,
                       d->prim->usage);
            return false;
        }
        a->count = e->u.ival;
        return true;
    case SA_SCOPE: return arg_scope(c, e, &a->scope);
    case SA_STAGE: {
        int32_t r = e->kind == EX_NAME ? find_ref(c, e->u.name.id, spec) : -1;
        if (r < 0 || c->plan->refs.v[r].input >= 0) {
            diag_error(c->diags, e->span, "%s needs a stage of '%s' here (its stages: %s)", d->prim->name,
                       c->k->ast->name, stage_list(c));
            return false;
        }
        a->name = c->plan->refs.v[r].name;
        a->ref = r;
        if (r == d->recv) {
            diag_error(c->diags, e->span, "'%s' cannot be computed at itself", recv);
            return false;
        }
        return true;
    }
    case SA_OP: {
        const Target *t = c->plan->target;
        if (e->kind != EX_NAME || !target_has_tensorize_op(t, e->u.name.id)) {
            diag_error(c->diags, e->span, "tensorize on target %s maps onto %s", t->name, op_list(c->a, t));
            return false;
        }
        a->name = e->u.name.id;
        return true;
    }
    case SA_END: break;
    }
    return false;
}

/* No loop is named twice in one directive. */
static bool distinct(SchedCheck *c, const SchedDirective *d)
{
    for (uint32_t i = 0; i < d->nargs; i++)
        for (uint32_t j = 0; j < i; j++) {
            const SchedArg *x = &d->args[i], *y = &d->args[j];
            bool loops = (x->kind == SA_LOOP || x->kind == SA_NEW_LOOP) && (y->kind == SA_LOOP || y->kind == SA_NEW_LOOP);
            if (loops && same(x->name, y->name)) {
                diag_error(c->diags, x->span, "'%s' is named twice in one directive", x->name);
                return false;
            }
        }
    return true;
}

static bool makes_stage(const SchedPrimitive *p)
{
    return p->role == SP_CACHE_READ || p->role == SP_CACHE_WRITE || p->role == SP_RFACTOR;
}

static const char *made_suffix(const SchedPrimitive *p)
{
    return p->role == SP_CACHE_READ ? "read" : p->role == SP_CACHE_WRITE ? "write" : "rf";
}

/* Checks one call on ref *cur; a call that makes a stage moves *cur to it. */
static bool call(SchedCheck *c, AstSchedCall *m, int32_t *cur, int depth, int32_t spec)
{
    const SchedPrimitive *p = find_primitive(c->prims, m->method);
    if (!p) {
        diag_error(c->diags, m->span, "unknown schedule primitive '%s' (primitives: %s)", m->method,
                   primitive_list(c));
        return false;
    }
    uint32_t n = m->args.n, max = 0;
    while (p->args[max] != SA_END)
        max++;
    if (p->variadic && max)
        max = SCHED_MAX_ARGS;
    if (n < p->min_args || n > max) {
        diag_error(c->diags, m->span, "%s takes %d%s argument%s, but %u %s given; usage: %s", p->name,
                   p->min_args, max > p->min_args ? " or more" : "", max == 1 ? "" : "s", n,
                   n == 1 ? "was" : "were", p->usage);
        return false;
    }
    const SchedStageRef *r = &c->plan->refs.v[*cur];
    if (r->input >= 0 && p->role != SP_CACHE_READ) {
        diag_error(c->diags, m->span, "'%s' is an input; the only primitive for an input is cache_read", r->name);
        return false;
    }
    SchedDirective d = {.prim = p, .at = m->span, .recv = *cur, .makes = -1, .recv_name = r->name,
                        .depth = depth, .spec = spec, .stage = -1, .made = -1};
    uint32_t nkinds = 0;
    while (p->args[nkinds] != SA_END)
        nkinds++;
    for (uint32_t i = 0; i < n; i++) {
        SchedArgKind k = p->args[i < nkinds ? i : nkinds - 1];   /* variadic: the last kind repeats */
        if (!typed_arg(c, &d, k, m->args.v[i], spec))
            return false;
        d.nargs++;
    }
    if (!distinct(c, &d))
        return false;
    int32_t at = (int32_t)c->plan->dirs.n;
    if (makes_stage(p)) {
        d.makes = (int32_t)c->plan->refs.n;
        d.made_name = arena_printf(c->a, "%s.%s", r->name, made_suffix(p));
        SchedStageRef nr = {d.made_name, -1, -1, at};
        vec_push(c->a, c->plan->refs, nr);
        *cur = d.makes;
    }
    vec_push(c->a, c->plan->dirs, d);
    return !p->check || p->check(c, &c->plan->dirs.v[at]);
}

static bool name_taken(SchedCheck *c, const char *name, int32_t spec)
{
    if (find_ref(c, name, spec) >= 0)
        return true;
    for (uint32_t i = 0; i < c->k->params.n; i++)
        if (same(c->k->params.v[i].name, name))
            return true;
    for (uint32_t i = 0; i < c->k->dims.n; i++)
        if (same(c->k->dims.v[i].name, name))
            return true;
    return false;
}

static void chain(SchedCheck *c, AstSchedStmt *st, int depth, int32_t spec)
{
    int32_t cur = find_ref(c, st->recv, spec);
    if (cur < 0) {
        diag_error(c->diags, st->recv_span, "'%s' is not a stage of kernel '%s' (its stages: %s)", st->recv,
                   c->k->ast->name, stage_list(c));
        return;
    }
    int32_t first_made = (int32_t)c->plan->refs.n;
    for (uint32_t i = 0; i < st->calls.n; i++)
        if (!call(c, &st->calls.v[i], &cur, depth, spec))
            return;
    if (!st->bind)
        return;
    if (cur < first_made) {
        diag_error(c->diags, st->bind_span, "nothing to name: only cache_read, cache_write and rfactor make a "
                   "new stage");
        return;
    }
    if (name_taken(c, st->bind, spec)) {
        diag_error(c->diags, st->bind_span, "'%s' is already a name in kernel '%s'", st->bind, c->k->ast->name);
        return;
    }
    SchedStageRef *r = &c->plan->refs.v[cur];
    r->name = st->bind;
    c->plan->dirs.v[r->maker].made_name = st->bind;
    /* Later calls of the chain on the made stage name it by its binding. */
    for (uint32_t i = (uint32_t)r->maker + 1; i < c->plan->dirs.n; i++)
        if (c->plan->dirs.v[i].recv == cur)
            c->plan->dirs.v[i].recv_name = st->bind;
}

SchedPlan *sched_check_schedule(Arena *a, DiagSink *diags, KernelInfo *k, AstSchedule *sc,
                                const SchedPrimitiveSet *prims)
{
    SchedPlan *plan = arena_alloc(a, sizeof *plan);
    memset(plan, 0, sizeof *plan);
    plan->target = target_find(sc->target);
    if (!plan->target)
        return NULL;   /* sched_check_program reported the unknown target */
    SchedCheck c = {diags, a, k, sc, prims ? prims : &sched_builtin_primitives, plan};
    for (uint32_t i = 0; i < k->stages.n; i++) {
        SchedStageRef r = {k->stages.v[i].name, (int32_t)i, -1, -1};
        vec_push(a, plan->refs, r);
    }
    for (uint32_t i = 0; i < k->params.n; i++)
        if (k->params.v[i].is_tensor) {
            SchedStageRef r = {k->params.v[i].name, -1, (int32_t)i, -1};
            vec_push(a, plan->refs, r);
        }
    int nerr = diags->nerr;
    for (uint32_t i = 0; i < sc->stmts.n; i++) {
        AstSchedStmt *st = &sc->stmts.v[i];
        if (st->kind == SS_CHAIN) {
            chain(&c, st, 0, -1);
            continue;
        }
        for (uint32_t j = 0; j < st->body.n; j++) {
            if (st->body.v[j].kind == SS_SPECIALIZE)
                diag_error(diags, st->body.v[j].span, "specialize blocks do not nest; combine the conditions "
                           "with &&");
            else
                chain(&c, &st->body.v[j], 1, (int32_t)i);
        }
    }
    return diags->nerr > nerr || a->oom ? NULL : plan;
}
