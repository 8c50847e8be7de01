/* What a schedule asks of its target, checked against the description:
 * the target exists, its memories hold what cache_read/cache_write stage,
 * and it offers the operation tensorize names. The front end checks the
 * rest of a schedule (lang/sema/schedule.c). */
#include "compiler/target.h"
#include "lang/ast.h"

static const char *scope_list(Arena *a, const Target *t)
{
    const char *list = "";
    for (uint32_t i = 0; i < t->nscopes; i++)
        list = arena_printf(a, "%s%s%s", list, i ? ", " : "", mem_scope_name[t->scopes[i].scope]);
    return list;
}

static const char *op_list(Arena *a, const Target *t)
{
    const char *list = "";
    for (uint32_t i = 0; t->tensorize_ops && t->tensorize_ops[i]; i++)
        list = arena_printf(a, "%s%s'%s'", list, i ? " or " : "", t->tensorize_ops[i]);
    return list;
}

static void check_scope(Ctx *c, const Target *t, const AstExpr *a)
{
    if (a->kind == EX_NAME && target_scope(t, a->u.name.id))
        return;
    const char *name = a->kind == EX_NAME ? arena_printf(&c->arena, " '%s'", a->u.name.id) : "";
    diag_error(&c->diags, a->span, "unknown memory scope%s for target %s (scopes: %s)", name, t->name,
               scope_list(&c->arena, t));
}

static void check_stmts(Ctx *c, const Target *t, const AstSchedStmtVec *v)
{
    for (uint32_t i = 0; i < v->n; i++) {
        const AstSchedStmt *st = &v->v[i];
        if (st->kind == SS_SPECIALIZE) {
            check_stmts(c, t, &st->body);
            continue;
        }
        for (uint32_t j = 0; j < st->calls.n; j++) {
            const AstSchedCall *m = &st->calls.v[j];
            bool cache = !strcmp(m->method, "cache_read") || !strcmp(m->method, "cache_write");
            if (cache && m->args.n == 1)
                check_scope(c, t, m->args.v[0]);
            const AstExpr *op = !strcmp(m->method, "tensorize") && m->args.n == 2 ? m->args.v[1] : NULL;
            if (op && (op->kind != EX_NAME || !target_has_tensorize_op(t, op->u.name.id)))
                diag_error(&c->diags, op->span, "tensorize on target %s maps onto %s", t->name,
                           op_list(&c->arena, t));
        }
    }
}

bool target_check_schedules(Ctx *c, AstProgram *p)
{
    int before = c->diags.nerr;
    for (uint32_t m = 0; m < p->modules.n; m++)
        for (uint32_t i = 0; i < p->modules.v[m]->items.n; i++) {
            const AstItem *it = &p->modules.v[m]->items.v[i];
            if (it->kind != ITEM_SCHEDULE)
                continue;
            const AstSchedule *sc = it->u.sched;
            const Target *t = target_find(sc->target);
            if (!t)
                diag_error(&c->diags, sc->target_span, "unknown target '%s' (targets: %s)", sc->target,
                           target_names(&c->arena, ", "));
            else
                check_stmts(c, t, &sc->stmts);
        }
    return c->diags.nerr == before;
}
