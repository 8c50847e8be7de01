/* What sema checks of a schedule: the kernel has one
 * schedule per target, and every specialize condition is a bool over dims
 * and scalars. The primitives, their receivers and arguments are checked
 * by the scheduler (compiler/sched/check.c) and the target against the
 * Target descriptions (compiler/sched/check_program.c), at check time. */
#include "lang/sema/sema_internal.h"

static void stmts(Sema *s, AstSchedStmtVec *v)
{
    for (uint32_t i = 0; i < v->n; i++) {
        AstSchedStmt *st = &v->v[i];
        if (st->kind != SS_SPECIALIZE)
            continue;
        s->stage = -1;
        sema_expr(s, st->cond);
        if (st->cond->dtype != DT_ERROR && (st->cond->dtype != DT_BOOL || st->cond->untyped))
            diag_error(sink(s), st->cond->span, "the condition of specialize must be bool, e.g. D %% 16 == 0");
        stmts(s, &st->body);
    }
}

void sema_schedule(Sema *s, KernelInfo *k, AstSchedule *sc)
{
    for (uint32_t i = 0; i < k->schedules.n; i++)
        if (!strcmp(k->schedules.v[i].target, sc->target)) {
            Diag *d = diag_error(sink(s), sc->span, "kernel '%s' already has a schedule for %s", k->ast->name,
                                 sc->target);
            diag_note(sink(s), d, k->schedules.v[i].ast->span, "the first schedule is here");
            return;
        }
    ScheduleInfo info = {sc, sc->target};
    vec_push(&s->c->arena, k->schedules, info);
    stmts(s, &sc->stmts);
}
