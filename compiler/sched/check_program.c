/* Schedules at check time (`tkc check`, tk_compile_*): every kernel's
 * schedule for each target whose loop schedules the compiler applies, and
 * the automatic schedule where a kernel has none, applied to its
 * default-lowered loop IR without generating machine code, so that every
 * schedule error is a located diagnostic before anything runs
 * (docs/schedules.md, "Checking a schedule"). */
#include <string.h>

#include "compiler/pipeline.h"
#include "compiler/sched/primitive.h"
#include "compiler/target.h"

/* Kernels whose loops exist only once the JIT knows a rank are checked at
 * instantiation; a kernel generic over one dtype is checked as f32, as
 * `tkc emit` shows it. */
static bool inst_key(const KernelInfo *k, InstKey *key)
{
    if (!pipeline_lowerable(k))
        return false;
    key->tparam = k->ast->tparams.n == 1 ? DT_F32 : DT_ERROR;
    return true;
}

static AstSchedule *schedule_for(const KernelInfo *k, const char *target)
{
    for (uint32_t i = 0; i < k->schedules.n; i++)
        if (!strcmp(k->schedules.v[i].target, target))
            return k->schedules.v[i].ast;
    return NULL;
}

/* A target whose scheduled loop IR no backend consumes yet
 * (Target.applies_schedules), and a kernel whose loops exist only at
 * instantiation, get their directives checked; the rest get the schedule
 * (or the automatic one) applied through the pipeline, without emitting. */
static bool check_kernel(Ctx *c, AstProgram *p, KernelInfo *k)
{
    InstKey key = {DT_ERROR};
    bool ok = true, lowers = inst_key(k, &key);
    for (size_t i = 0; target_at(i); i++) {
        const Target *t = target_at(i);
        AstSchedule *sc = schedule_for(k, t->name);
        if (!t->applies_schedules || !lowers) {
            if (sc)
                ok &= sched_check_schedule(&c->arena, &c->diags, k, sc, NULL) != NULL;
            continue;
        }
        Pipeline pl = {.ctx = c, .prog = p, .target = t, .kernel = k, .key = key, .auto_schedule = true,
                       .verify = true};
        ok &= pipeline_run(&pl);
    }
    return ok;
}

/* Schedules for a target no description has. */
static bool known_targets(Ctx *c, const AstModule *m)
{
    bool ok = true;
    for (uint32_t i = 0; i < m->items.n; i++) {
        const AstSchedule *sc = m->items.v[i].kind == ITEM_SCHEDULE ? m->items.v[i].u.sched : NULL;
        if (sc && !target_find(sc->target)) {
            diag_error(&c->diags, sc->target_span, "unknown target '%s' (targets: %s)", sc->target,
                       target_names(&c->arena, ", "));
            ok = false;
        }
    }
    return ok;
}

bool sched_check_program(Ctx *c, AstProgram *p)
{
    bool ok = true;
    for (uint32_t m = 0; m < p->modules.n; m++) {
        ok &= known_targets(c, p->modules.v[m]);
        for (uint32_t i = 0; i < p->modules.v[m]->items.n; i++) {
            AstItem *it = &p->modules.v[m]->items.v[i];
            if (it->kind == ITEM_KERNEL && it->u.kernel->info && it->u.kernel->info->order)
                ok &= check_kernel(c, p, it->u.kernel->info);
        }
    }
    return ok && c->diags.nerr == 0 && !c->arena.oom;
}
