/* The only file that knows the order of the stages (QBE main.c func()):
 * load, check (sema, then the schedules), then per kernel lower, schedule,
 * the target's loop-IR passes (compiler/passes/pass.h) and emit, with
 * verification and dumps between. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compiler/pipeline.h"
#include "lang/lang.h"
#include "support/clock.h"

static void dump(Compile *cc, const char *stage, const Func *f)
{
    pass_dump(cc->p->dump_after, cc->p->dump, &cc->ir, stage, f);
}

/* ---- the stages ---------------------------------------------------------- */

static AstProgram *load(Pipeline *p)
{
    if (p->path)
        return lang_load_file(p->ctx, p->path);
    return lang_load_string(p->ctx, p->name ? p->name : "<string>", p->text ? p->text : "", p->len);
}

/* The front end's checks, then every schedule against its target
 * (compiler/sched/check_program.c), once. */
static bool check(Pipeline *p) { return sema_check(p->ctx, p->prog) && sched_check_program(p->ctx, p->prog); }

static Func *lower(Compile *cc)
{
    Func *f = lower_kernel(&cc->ir, cc->kernel, &cc->key);
    if (f)
        dump(cc, "lower", f);
    return f && (!cc->p->verify || ir_verify(&cc->ir, f)) ? f : NULL;
}

/* The kernel's schedule for the target, or the automatic one. */
static Func *schedule(Compile *cc, Func *f)
{
    const Pipeline *p = cc->p;
    if (p->no_schedule)
        return f;
    bool has = false;
    for (uint32_t i = 0; i < cc->kernel->schedules.n; i++)
        has |= !strcmp(cc->kernel->schedules.v[i].target, cc->target->name);
    Trace **trace = p->trace ? &cc->trace : NULL;
    Stmt *before = f->body;
    if (p->auto_schedule && !has)
        f = sched_auto(&cc->ir, cc->kernel, f, cc->target->name, cc->target->vector_bits, trace);
    else
        f = sched_apply(&cc->ir, cc->kernel, f, cc->target->name, trace);
    if (f && f->body != before)
        dump(cc, "schedule", f);
    return f;
}

/* The target's passes, then the final check, always: an emitter gets
 * well-formed IR or nothing. */
static bool run_passes(Compile *cc, Func *f)
{
    const Pipeline *p = cc->p;
    PassOpts po = {.auto_parallel = cc->target->auto_parallel, .verify = p->verify, .dump_after = p->dump_after,
                   .dump = p->dump};
    return passes_run(&cc->ir, f, cc->target->passes, &po) && ir_verify(&cc->ir, f);
}

/* lower -> schedule -> passes -> emit for one kernel, in its own scratch. */
static bool compile_kernel(Pipeline *p, KernelInfo *k, InstKey key)
{
    const Target *t = p->target;
    Compile cc = {.p = p, .target = t, .kernel = k, .key = key, .files = p->files ? p->files : &p->ctx->files,
                  .diags = p->diags ? p->diags : &p->ctx->diags};
    arena_init(&cc.scratch);
    cc.arena = p->arena ? p->arena : &cc.scratch;
    ir_ctx_init(&cc.ir, cc.arena, sym_ctx_fork(cc.arena, k->sym), cc.diags);
    double t0 = clock_seconds();
    bool ok = cc.ir.sym != NULL;
    Func *f = NULL;
    if (ok && !(p->emit && p->emit_kind == EMIT_CODE && t->lookup && (cc.product = t->lookup(&cc)))) {
        f = lower(&cc);
        f = f ? schedule(&cc, f) : NULL;
        ok = f && run_passes(&cc, f);
        double t1 = clock_seconds();
        cc.times.lower = t1 - t0;
        ok = ok && (!p->emit || t->emit(&cc, f, p->emit_kind));
        cc.times.emit = clock_seconds() - t1;
    }
    if (ok && cc.arena->oom)
        ok = !diag_error(cc.diags, k->ast->span, "out of memory while compiling '%s'", k->ast->name);
    ok = ok && (!p->each || p->each(p->ud, &cc, f));
    free(cc.text);
    arena_free(&cc.scratch);
    return ok;
}

bool pipeline_run(Pipeline *p)
{
    /* A given kernel or program was loaded and checked before. */
    if (!p->kernel && !p->prog && (!(p->prog = load(p)) || !check(p)))
        return false;
    if (!p->target)
        return true;
    if (p->kernel)
        return compile_kernel(p, p->kernel, p->key);
    bool ok = true;
    AstModule *root = p->prog->modules.v[p->prog->modules.n - 1];
    for (uint32_t i = 0; i < root->items.n; i++) {
        AstKernel *ak = root->items.v[i].kind == ITEM_KERNEL ? root->items.v[i].u.kernel : NULL;
        if (ak && ak->info && pipeline_lowerable(ak->info))
            ok &= compile_kernel(p, ak->info, (InstKey){ak->tparams.n ? DT_F32 : DT_ERROR});
    }
    return ok;
}

bool pipeline_lowerable(const KernelInfo *k)
{
    if (k->ast->tparams.n > 1)
        return false;
    for (uint32_t i = 0; i < k->params.n; i++)
        if (k->params.v[i].rank_generic)
            return false;
    for (uint32_t i = 0; i < k->outputs.n; i++)
        if (k->outputs.v[i].rank_generic)
            return false;
    return true;
}
