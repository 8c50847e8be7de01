/* Semantic analysis driver: collects the declarations of every module, then
 * checks each fn, each kernel (signature, stages in dependency order: types,
 * extents, bounds) and each schedule. */
#include "lang/sema/sema_internal.h"

/* Reports a second top-level declaration of one name in one namespace (the
 * standard library's, or the user's files'). */
static bool declared_twice(Sema *s, const char *name, SrcSpan at, bool library)
{
    SrcSpan prev = NO_SPAN;
    bool found = false;
    for (uint32_t i = 0; i < s->kernels.n && !found; i++)
        if (same_name(s->kernels.v[i]->name, name) && s->kernels.v[i]->library == library)
            prev = s->kernels.v[i]->span, found = true;
    for (uint32_t i = 0; i < s->fns.n && !found; i++)
        if (same_name(s->fns.v[i]->name, name) && s->fns.v[i]->library == library)
            prev = s->fns.v[i]->span, found = true;
    if (!found)
        return false;
    Diag *d = diag_error(sink(s), at, "'%s' is defined more than once", name);
    diag_note(sink(s), d, prev, "'%s' is first defined here", name);
    return true;
}

static void collect(Sema *s, AstProgram *p)
{
    for (uint32_t m = 0; m < p->modules.n; m++) {
        AstModule *mod = p->modules.v[m];
        for (uint32_t i = 0; i < mod->items.n; i++) {
            AstItem *it = &mod->items.v[i];
            switch (it->kind) {
            case ITEM_KERNEL:
                if (!declared_twice(s, it->u.kernel->name, it->u.kernel->span, mod->library))
                    vec_push(&s->c->arena, s->kernels, it->u.kernel);
                break;
            case ITEM_FN:
                if (intrinsic_lookup(it->u.fn->name) >= 0 || dtype_from_name(it->u.fn->name) != DT_ERROR)
                    diag_error(sink(s), it->u.fn->span, "fn '%s' has the name of a built-in %s", it->u.fn->name,
                               intrinsic_lookup(it->u.fn->name) >= 0 ? "function" : "type");
                else if (!declared_twice(s, it->u.fn->name, it->u.fn->span, mod->library))
                    vec_push(&s->c->arena, s->fns, it->u.fn);
                break;
            case ITEM_SCHEDULE: vec_push(&s->c->arena, s->scheds, it->u.sched); break;
            case ITEM_IMPORT: break;
            }
        }
    }
}

/* One stage: its value's types, then its extents, then its bounds. */
static void check_stage(Sema *s, KernelInfo *k, uint32_t i)
{
    StageInfo *st = &k->stages.v[i];
    AstExpr *value = st->stmt->value;
    s->stage = (int32_t)i;
    s->rscope.n = 0;
    sema_expr(s, value);
    if (value->dtype != DT_ERROR) {
        if (st->is_output) {
            char *what = arena_printf(&s->c->arena, "output '%s'", st->name);
            if (sema_coerce(s, value, k->outputs.v[st->output].dtype, what))
                st->dtype = value->dtype;
        } else {
            sema_default_type(value);
            st->dtype = value->dtype;
        }
        st->is_reduction = value->kind == EX_REDUCE;
    }
    /* A stage whose value has an error has no dependable extents either;
     * checking them would only repeat the first message in other words. */
    if (st->dtype != DT_ERROR && sema_extents(s, k, i))
        sema_bounds(s, k, i);
    s->stage = -1;
}

static void check_kernel(Sema *s, AstKernel *ak)
{
    KernelInfo *k = arena_alloc(&s->c->arena, sizeof *k);
    k->ast = ak;
    /* Each kernel its own symbols, so its compiles never see another
     * kernel's ranges and can fork it independently (sym_ctx_fork). */
    k->sym = s->sym = sym_ctx_new(&s->c->arena);
    if (!k->sym)
        return;
    ak->info = k;
    s->k = k;
    s->stage = -1;
    if (!sema_signature(s, k) || !sema_stages(s, k)) {
        s->k = NULL;
        return;
    }
    for (uint32_t i = 0; i < k->stages.n; i++)
        check_stage(s, k, k->order[i]);
    s->k = NULL;
}

bool sema_check(Ctx *c, AstProgram *p)
{
    Sema s = {.c = c, .stage = -1};
    s.sym = sym_ctx_new(&c->arena); /* for fns; each kernel gets its own */
    collect(&s, p);
    for (uint32_t i = 0; i < s.fns.n; i++)
        sema_fn(&s, s.fns.v[i]);
    for (uint32_t i = 0; i < s.kernels.n; i++)
        check_kernel(&s, s.kernels.v[i]);
    for (uint32_t i = 0; i < s.scheds.n; i++) {
        AstSchedule *sc = s.scheds.v[i];
        AstKernel *target = NULL;
        for (uint32_t j = 0; j < s.kernels.n; j++)
            if (same_name(s.kernels.v[j]->name, sc->kernel) && s.kernels.v[j]->library == sc->library)
                target = s.kernels.v[j];
        if (!target) {
            diag_error(&c->diags, sc->kernel_span, "schedule for unknown kernel '%s'", sc->kernel);
            continue;
        }
        if (!target->info || !target->info->order)
            continue; /* the kernel had errors; its schedule would only add noise */
        s.k = target->info;
        s.sym = target->info->sym;
        sema_schedule(&s, target->info, sc);
        s.k = NULL;
    }
    return c->diags.nerr == 0 && !c->arena.oom;
}

char *sema_expr_text(Sema *s, const AstExpr *e)
{
    const SrcFile *f = srcmap_file(&s->c->files, e->span.at.file);
    size_t len;
    const char *line = f ? srcmap_line(&s->c->files, e->span.at.file, e->span.at.line, &len) : NULL;
    if (!line || e->span.at.col == 0 || e->span.at.col - 1 + e->span.len > len)
        return "the expression";
    return arena_strndup(&s->c->arena, line + e->span.at.col - 1, e->span.len);
}
