/* Schedules at check time (`tkc check`, tk_compile_*): every kernel's
 * schedule for each target whose loop schedules the compiler applies, and
 * the automatic schedule where a kernel has none, applied to its
 * default-lowered loop IR without generating machine code, so that every
 * schedule error is a located diagnostic before anything runs
 * (docs/schedules.md, "Checking a schedule"). */
#include <string.h>

#include "compiler/pipeline.h"
#include "compiler/sched/primitive.h"
#include "compiler/sched/target_facts.h"

/* Kernels whose loops exist only once the JIT knows a rank are checked at
 * instantiation; a kernel generic over one dtype is checked as f32, as
 * `tkc emit` shows it. */
static bool inst_key(const KernelInfo *k, InstKey *key)
{
    for (uint32_t i = 0; i < k->params.n; i++)
        if (k->params.v[i].rank_generic)
            return false;
    for (uint32_t i = 0; i < k->outputs.n; i++)
        if (k->outputs.v[i].rank_generic)
            return false;
    if (k->ast->tparams.n > 1)
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

/* A target whose scheduled loop IR no backend consumes yet, and a kernel
 * whose loops exist only at instantiation, get their directives checked;
 * the rest get the schedule (or the automatic one) applied. */
static bool check_kernel(Ctx *c, KernelInfo *k)
{
    InstKey key = {DT_ERROR};
    bool ok = true, lowers = inst_key(k, &key);
    for (const SchedTarget *t = sched_targets(); t->name; t++) {
        AstSchedule *sc = schedule_for(k, t->name);
        if (!t->applies_loop_schedules || !lowers) {
            if (sc)
                ok &= sched_check_schedule(&c->arena, &c->diags, k, sc, NULL) != NULL;
            continue;
        }
        if (!sc && !t->has_auto_schedule)
            continue;
        IrCtx ic;
        ir_ctx_init(&ic, &c->arena, k->sym, &c->diags);
        PipelineOpts po = {.key = key, .verify = true, .target = t->name, .auto_schedule = true};
        ok &= pipeline_run(&ic, k, &po) != NULL;
    }
    return ok;
}

bool sched_check_program(Ctx *c, AstProgram *p)
{
    bool ok = true;
    for (uint32_t m = 0; m < p->modules.n; m++)
        for (uint32_t i = 0; i < p->modules.v[m]->items.n; i++) {
            AstItem *it = &p->modules.v[m]->items.v[i];
            if (it->kind == ITEM_KERNEL && it->u.kernel->info && it->u.kernel->info->order)
                ok &= check_kernel(c, it->u.kernel->info);
        }
    return ok && c->diags.nerr == 0 && !c->arena.oom;
}
