/* The only file that knows stage order (QBE main.c func()): lower, apply
 * the schedule for the target, then the target's loop-IR passes
 * (compiler/passes/pass.h), with verification and dumps between. */
#include <string.h>

#include "compiler/pipeline.h"

static bool has_schedule(const KernelInfo *k, const char *target)
{
    for (uint32_t i = 0; i < k->schedules.n; i++)
        if (!strcmp(k->schedules.v[i].target, target))
            return true;
    return false;
}

static void dump(const PipelineOpts *o, IrCtx *c, const char *pass, const Func *f)
{
    pass_dump(o->dump_after, o->dump, c, pass, f);
}

Func *pipeline_run(IrCtx *c, KernelInfo *k, const PipelineOpts *o)
{
    PipelineOpts none = {0};
    if (!o)
        o = &none;
    Func *f = lower_kernel(c, k, &o->key);
    if (!f)
        return NULL;
    dump(o, c, "lower", f);
    if (o->verify && !ir_verify(c, f))
        return NULL;
    if (o->target) {
        Stmt *before = f->body;
        if (o->auto_schedule && !has_schedule(k, o->target))
            f = sched_auto(c, k, f, o->target, o->vector_bits, o->trace);
        else
            f = sched_apply(c, k, f, o->target, o->trace);
        if (!f)
            return NULL;
        if (f->body != before)
            dump(o, c, "schedule", f);
    }
    PassOpts po = o->pass_opts;
    po.verify = o->verify;
    po.dump_after = o->dump_after;
    po.dump = o->dump;
    if (!passes_run(c, f, o->passes, &po))
        return NULL;
    /* the final check, always: a backend gets well-formed IR or nothing */
    if (!ir_verify(c, f))
        return NULL;
    return f;
}
