/* The stage table: one stage per definition, checked left sides, the
 * dependency graph between stages, cycle detection and a producer-first order. */
#include "lang/sema/sema_internal.h"

int32_t sema_find_stage(KernelInfo *k, const char *name)
{
    for (uint32_t i = 0; i < k->stages.n; i++)
        if (same_name(k->stages.v[i].name, name))
            return (int32_t)i;
    return -1;
}

/* name[i, j] / name[...] / name: the index variables of a definition. */
static bool left_side(Sema *s, KernelInfo *k, StageInfo *st)
{
    AstStmt *stmt = st->stmt;
    AstExprVec *lhs = &stmt->lhs;
    if (lhs->n == 1 && lhs->v[0]->kind == EX_ELLIPSIS) {
        st->rank_generic = true;
        return true;
    }
    if (stmt->has_brackets && lhs->n == 0) { /* one way to write it: 0-d stages have no brackets */
        diag_error(sink(s), stmt->name_span, "a 0-d stage is defined without brackets: %s = ...;", st->name);
        return false;
    }
    st->rank = lhs->n;
    st->vars = arena_alloc(&s->c->arena, (lhs->n + 1) * sizeof *st->vars);
    bool ok = true;
    for (uint32_t i = 0; i < lhs->n; i++) {
        AstExpr *x = lhs->v[i];
        if (x->kind != EX_NAME) {
            diag_error(sink(s), x->span,
                       x->kind == EX_ELLIPSIS ? "'...' must be the only index: %s[...]"
                                              : "a left-hand index must be a plain variable name, e.g. %s[i, j]",
                       st->name);
            ok = false;
            continue;
        }
        const char *id = x->u.name.id;
        for (uint32_t j = 0; j < i; j++)
            if (st->vars[j].name && same_name(st->vars[j].name, id)) {
                diag_error(sink(s), x->span, "index variable '%s' appears twice on the left of '%s'", id,
                           st->name);
                ok = false;
            }
        if (sema_find_dim(k, id) >= 0 || sema_find_param(k, id) >= 0 || sema_find_output(k, id) >= 0) {
            diag_error(sink(s), x->span, "index variable '%s' has the name of a %s; choose another name", id,
                       sema_find_dim(k, id) >= 0 ? "dimension" : "parameter");
            ok = false;
        }
        x->u.name.ref = REF_INDEX;
        x->u.name.index = i;
        x->dtype = DT_I64;
        st->vars[i] = (VarInfo){.name = id, .span = x->span, .sym = sym_var(s->sym, id)};
    }
    if (st->is_output) {
        ParamInfo *o = &k->outputs.v[st->output];
        if (o->rank_generic != st->rank_generic || (!o->rank_generic && o->rank != st->rank)) {
            Diag *d;
            if (o->rank_generic)
                d = diag_error(sink(s), stmt->name_span, "output '%s' has any rank; define it as %s[...] = ...",
                               st->name, st->name);
            else
                d = diag_error(sink(s), stmt->name_span,
                               "output '%s' has %u dimension%s, but its definition has %u ind%s", st->name,
                               o->rank, o->rank == 1 ? "" : "s", st->rank, st->rank == 1 ? "ex" : "ices");
            diag_note(sink(s), d, o->ast->span, "'%s' is declared here", st->name);
            return false;
        }
        for (uint32_t i = 0; i < st->rank; i++) {
            st->vars[i].min = sym_const(s->sym, 0);
            st->vars[i].extent = o->shape[i];
        }
        st->shape = o->shape;
    }
    return ok;
}

/* Collects the stages an expression reads (by name; types come later). */
static void collect_deps(Sema *s, KernelInfo *k, StageInfo *st, const AstExpr *e)
{
    const char *name = NULL;
    switch (e->kind) {
    case EX_ACCESS:
        name = e->u.access.tensor;
        for (uint32_t i = 0; i < e->u.access.idx.n; i++)
            collect_deps(s, k, st, e->u.access.idx.v[i]);
        if (e->u.access.dflt)
            collect_deps(s, k, st, e->u.access.dflt);
        break;
    case EX_NAME: name = e->u.name.id; break;
    case EX_UNARY: collect_deps(s, k, st, e->u.unary.x); break;
    case EX_BINARY:
        collect_deps(s, k, st, e->u.binary.a);
        collect_deps(s, k, st, e->u.binary.b);
        break;
    case EX_CALL:
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            collect_deps(s, k, st, e->u.call.args.v[i]);
        break;
    case EX_REDUCE:
        collect_deps(s, k, st, e->u.reduce.body);
        for (uint32_t i = 0; i < e->u.reduce.vars.n; i++) {
            if (e->u.reduce.vars.v[i].lo)
                collect_deps(s, k, st, e->u.reduce.vars.v[i].lo);
            if (e->u.reduce.vars.v[i].hi)
                collect_deps(s, k, st, e->u.reduce.vars.v[i].hi);
        }
        break;
    default: break;
    }
    if (!name)
        return;
    int32_t d = sema_find_stage(k, name);
    if (d < 0)
        return;
    for (uint32_t i = 0; i < st->deps.n; i++)
        if (st->deps.v[i] == (uint32_t)d)
            return;
    vec_push(&s->c->arena, st->deps, (uint32_t)d);
}

/* Finds where stage `from` reads stage `to`, for a note. */
static const AstExpr *find_read(const AstExpr *e, const char *to)
{
    if (!e)
        return NULL;
    const AstExpr *r = NULL;
    switch (e->kind) {
    case EX_ACCESS:
        if (same_name(e->u.access.tensor, to))
            return e;
        for (uint32_t i = 0; i < e->u.access.idx.n && !r; i++)
            r = find_read(e->u.access.idx.v[i], to);
        return r ? r : find_read(e->u.access.dflt, to);
    case EX_NAME: return same_name(e->u.name.id, to) ? e : NULL;
    case EX_UNARY: return find_read(e->u.unary.x, to);
    case EX_BINARY:
        r = find_read(e->u.binary.a, to);
        return r ? r : find_read(e->u.binary.b, to);
    case EX_CALL:
        for (uint32_t i = 0; i < e->u.call.args.n && !r; i++)
            r = find_read(e->u.call.args.v[i], to);
        return r;
    case EX_REDUCE: return find_read(e->u.reduce.body, to);
    default: return NULL;
    }
}

/* Depth-first topological sort; a back edge is a cycle, reported once with
 * the reads that close it. */
enum { WHITE, GREY, BLACK };

static bool visit(Sema *s, KernelInfo *k, uint32_t i, uint8_t *color, uint32_t *stack, uint32_t depth,
                  uint32_t *norder)
{
    if (color[i] == BLACK)
        return true;
    stack[depth] = i;
    if (color[i] == GREY) {
        uint32_t start = 0;
        while (stack[start] != i)
            start++;
        StageInfo *st = &k->stages.v[i];
        char *path = arena_strdup(&s->c->arena, st->name);
        for (uint32_t j = start + 1; j <= depth; j++)
            path = arena_printf(&s->c->arena, "%s -> %s", path, k->stages.v[stack[j]].name);
        const AstExpr *first = find_read(k->stages.v[stack[start]].stmt->value,
                                         k->stages.v[stack[start + 1 <= depth ? start + 1 : start]].name);
        Diag *d = diag_error(sink(s), first ? first->span : st->stmt->name_span,
                             start + 1 == depth ? "'%s' reads itself; a stage cannot depend on its own values"
                                                : "stages depend on each other in a cycle: %s",
                             start + 1 == depth ? st->name : path);
        for (uint32_t j = start + 1; j < depth; j++) {
            const AstExpr *r = find_read(k->stages.v[stack[j]].stmt->value, k->stages.v[stack[j + 1]].name);
            if (r)
                diag_note(sink(s), d, r->span, "'%s' reads '%s' here", k->stages.v[stack[j]].name,
                          k->stages.v[stack[j + 1]].name);
        }
        return false;
    }
    color[i] = GREY;
    bool ok = true;
    StageInfo *st = &k->stages.v[i];
    for (uint32_t j = 0; j < st->deps.n && ok; j++)
        ok = visit(s, k, st->deps.v[j], color, stack, depth + 1, norder);
    color[i] = BLACK;
    k->order[(*norder)++] = i;
    return ok;
}

static bool order_stages(Sema *s, KernelInfo *k)
{
    uint32_t n = k->stages.n;
    uint8_t *color = arena_alloc(&s->c->arena, n + 1);
    uint32_t *stack = arena_alloc(&s->c->arena, (n + 2) * sizeof *stack);
    k->order = arena_alloc(&s->c->arena, (n + 1) * sizeof *k->order);
    uint32_t norder = 0;
    for (uint32_t i = 0; i < n; i++)
        if (color[i] == WHITE && !visit(s, k, i, color, stack, 0, &norder))
            return false;
    return true;
}

bool sema_stages(Sema *s, KernelInfo *k)
{
    AstKernel *ak = k->ast;
    bool ok = true;
    for (uint32_t i = 0; i < ak->stmts.n; i++) {
        AstStmt *stmt = &ak->stmts.v[i];
        const char *name = stmt->name;
        int32_t prev;
        if ((prev = sema_find_param(k, name)) >= 0) {
            Diag *d = diag_error(sink(s), stmt->name_span, "cannot assign to input '%s'", name);
            diag_note(sink(s), d, k->params.v[prev].ast->span, "'%s' is an input of kernel '%s'", name, ak->name);
            ok = false;
            continue;
        }
        if ((prev = sema_find_stage(k, name)) >= 0) {
            Diag *d = diag_error(sink(s), stmt->name_span, "'%s' is defined more than once", name);
            diag_note(sink(s), d, k->stages.v[prev].stmt->name_span, "'%s' is first defined here", name);
            ok = false;
            continue;
        }
        if (sema_find_dim(k, name) >= 0 || sema_find_tparam(k, name) >= 0) {
            diag_error(sink(s), stmt->name_span, "'%s' is already the name of a %s", name,
                       sema_find_dim(k, name) >= 0 ? "dimension" : "type parameter");
            ok = false;
            continue;
        }
        StageInfo st = {.name = name, .stmt = stmt};
        int32_t out = sema_find_output(k, name);
        if (out >= 0) {
            st.is_output = true;
            st.output = (uint32_t)out;
        }
        stmt->stage = k->stages.n;
        vec_push(&s->c->arena, k->stages, st);
        ok &= left_side(s, k, &k->stages.v[k->stages.n - 1]);
    }
    for (uint32_t i = 0; i < k->outputs.n; i++)
        if (sema_find_stage(k, k->outputs.v[i].name) < 0) {
            diag_error(sink(s), k->outputs.v[i].ast->span, "output '%s' is never defined; add a line such as "
                       "%s%s = ...;", k->outputs.v[i].name, k->outputs.v[i].name,
                       k->outputs.v[i].rank || k->outputs.v[i].rank_generic ? "[...]" : "");
            ok = false;
        }
    for (uint32_t i = 0; i < k->stages.n; i++)
        collect_deps(s, k, &k->stages.v[i], k->stages.v[i].stmt->value);
    return order_stages(s, k) && ok;
}
