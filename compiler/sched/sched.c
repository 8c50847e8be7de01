/* The Sched context: stage and loop tables built from a default-lowered
 * Func (loops are recognised by their variables' Syms, which lowering takes
 * from sema), the prologue of launch-time factor lets, and IR helpers used
 * by every primitive. */
#include <stdarg.h>

#include "compiler/sched/sched_internal.h"

static Arena *arena(Sched *s) { return s->c->a; }

/* ---- tables ------------------------------------------------------------ */

SchedLoop *sched_loop_rec(Sched *s, LoopId id)
{
    for (uint32_t i = 0; i < s->loops.n; i++)
        if (s->loops.v[i].id == id)
            return &s->loops.v[i];
    return NULL;
}

LoopId sched_add_loop(Sched *s, int32_t stage, const char *name, bool reduction)
{
    LoopId id = ir_new_loop_id(s->c);
    SchedLoop l = {.name = name, .id = id, .stage = stage, .reduction = reduction, .live = true};
    l.loc = s->k->ast->span;
    vec_push(arena(s), s->loops, l);
    return id;
}

void sched_retire(Sched *s, LoopId id, const char *why, SrcSpan at)
{
    SchedLoop *l = sched_loop_rec(s, id);
    if (l) {
        l->live = false;
        l->gone = why;
        l->gone_at = at;
    }
}

int32_t sched_stage(Sched *s, const char *name)
{
    for (uint32_t i = 0; i < s->stages.n; i++)
        if (!strcmp(s->stages.v[i].name, name))
            return (int32_t)i;
    return -1;
}

bool sched_loop(Sched *s, int32_t stage, const char *name, LoopId *out)
{
    for (uint32_t i = s->loops.n; i-- > 0;)
        if (s->loops.v[i].stage == stage && !strcmp(s->loops.v[i].name, name) && s->loops.v[i].live) {
            *out = s->loops.v[i].id;
            return true;
        }
    return false;
}

const char *sched_loop_name(Sched *s, LoopId id)
{
    SchedLoop *l = sched_loop_rec(s, id);
    return l ? l->name : "?";
}

Diag *sched_error(Sched *s, SrcSpan at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(arena(s), fmt, ap);
    va_end(ap);
    return diag_error(s->diags, at, "%s", msg);
}

Diag *sched_error_loop(Sched *s, SrcSpan at, LoopId id, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(arena(s), fmt, ap);
    va_end(ap);
    Diag *d = diag_error(s->diags, at, "%s", msg);
    SchedLoop *l = sched_loop_rec(s, id);
    if (l && l->loc.at.line)
        diag_note(s->diags, d, l->loc, "loop '%s' comes from here", l->name);
    return d;
}

void sched_record(Sched *s, const char *fmt, ...)
{
    if (s->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(arena(s), fmt, ap);
    va_end(ap);
    TraceLine l = {msg, s->depth};
    vec_push(arena(s), s->trace->lines, l);
}

const char *sched_factor_text(Sched *s, SchedFactor f)
{
    if (f.kind == SF_AUTO)
        return "auto";
    if (f.kind == SF_PARAM)
        return s->k->params.v[f.param].name;
    return arena_printf(arena(s), "%lld", (long long)f.value);
}

/* Which stage and loop a lowered For belongs to, from its variable's Sym. */
static void classify(Sched *s, Stmt *st)
{
    const Sym *v = st->u.for_.var->sym;
    KernelInfo *k = s->k;
    for (uint32_t i = 0; i < k->stages.n; i++) {
        StageInfo *si = &k->stages.v[i];
        for (uint32_t j = 0; j < si->rank; j++)
            if (si->vars[j].sym == v) {
                SchedLoop l = {.name = si->vars[j].name, .id = st->u.for_.id, .stage = (int32_t)i, .live = true,
                               .loc = si->vars[j].span};
                vec_push(arena(s), s->loops, l);
                return;
            }
        for (uint32_t j = 0; j < si->rvars.n; j++)
            if (k->rvars.v[si->rvars.v[j]].sym == v) {
                VarInfo *rv = &k->rvars.v[si->rvars.v[j]];
                SchedLoop l = {.name = rv->name, .id = st->u.for_.id, .stage = (int32_t)i, .reduction = true,
                               .live = true, .loc = rv->span};
                vec_push(arena(s), s->loops, l);
                return;
            }
    }
}

typedef struct Collect {
    Visitor v;
    Sched  *s;
} Collect;

static bool on_collect_for(Visitor *v, Stmt *st)
{
    classify(((Collect *)v)->s, st);
    return vis_stmt_children(v, st);
}

Sched *sched_new(IrCtx *c, Func *f, KernelInfo *k, const char *target)
{
    Sched *s = arena_alloc(c->a, sizeof *s);
    memset(s, 0, sizeof *s);
    s->c = c;
    s->k = k;
    s->f = f;
    s->target = target;
    s->diags = c->diags;
    s->trace = arena_alloc(c->a, sizeof *s->trace);
    memset(s->trace, 0, sizeof *s->trace);
    s->trace->kernel = k->ast->name;
    s->trace->target = target;
    for (uint32_t i = 0; i < k->stages.n; i++) {
        StageInfo *si = &k->stages.v[i];
        SchedStage ss = {.name = si->name, .si = (int32_t)i};
        vec_push(c->a, s->stages, ss);
    }
    /* Buffers: outputs are arguments, intermediates are allocated by name. */
    for (uint32_t i = 0; i < k->stages.n; i++) {
        StageInfo *si = &k->stages.v[i];
        if (si->is_output)
            s->stages.v[i].buf = f->args[k->params.n + si->output].buf;
    }
    Stmt *body = f->body;
    Stmt **top = body->kind == SK_SEQ ? body->u.seq.v : &body;
    uint32_t ntop = body->kind == SK_SEQ ? body->u.seq.n : 1;
    for (uint32_t i = 0; i < ntop; i++)
        if (top[i]->kind == SK_ALLOC) {
            int32_t st = sched_stage(s, top[i]->u.alloc.buf->name);
            if (st >= 0 && !s->stages.v[st].buf)
                s->stages.v[st].buf = top[i]->u.alloc.buf;
        }
    Collect col = {.s = s};
    col.v.stmt[SK_FOR] = on_collect_for;
    vis_stmt(&col.v, f->body);
    return s;
}

Trace *sched_trace(Sched *s) { return s->trace; }

Func *sched_finish(Sched *s)
{
    Func *f = arena_alloc(arena(s), sizeof *f);
    *f = *s->f;
    Stmt *body = f->body;
    if (s->pro_checks.n) {
        Stmt **v = arena_alloc(arena(s), (s->pro_checks.n + 2) * sizeof *v);
        memcpy(v, s->pro_checks.v, s->pro_checks.n * sizeof *v);
        v[s->pro_checks.n] = body;
        body = ir_seq(s->c, v, s->pro_checks.n + 1, f->loc);
    }
    for (uint32_t i = s->pro_vars.n; i-- > 0;)
        body = ir_let_stmt(s->c, s->pro_vars.v[i], s->pro_vals.v[i], body, f->loc);
    f->body = body;
    return f;
}

/* ---- IR helpers -------------------------------------------------------- */

typedef struct Finder {
    Visitor v;
    LoopId  id;
    Stmt   *found;
} Finder;

static bool on_find(Visitor *v, Stmt *st)
{
    Finder *fd = (Finder *)v;
    if (st->u.for_.id == fd->id) {
        fd->found = st;
        return false;
    }
    return vis_stmt_children(v, st);
}

Stmt *sched_find_for(Stmt *root, LoopId id)
{
    Finder fd = {.id = id};
    fd.v.stmt[SK_FOR] = on_find;
    vis_stmt(&fd.v, root);
    return fd.found;
}

typedef struct Replacer {
    Mutator m;
    Sched  *s;
    LoopId  id;
    Stmt   *old;           /* or a statement by pointer */
    Stmt   *by;
    Stmt *(*fn)(Sched *, Stmt *, void *);
    void   *ud;
    bool    done;
} Replacer;

static Stmt *on_replace_for(Mutator *m, Stmt *st)
{
    Replacer *r = (Replacer *)m;
    if (!r->done && !r->old && st->u.for_.id == r->id) {
        r->done = true;
        return r->fn(r->s, st, r->ud);
    }
    if (r->old == st) {
        r->done = true;
        return r->by;
    }
    return mut_stmt_children(m, st);
}

static Stmt *on_replace_any(Mutator *m, Stmt *st)
{
    Replacer *r = (Replacer *)m;
    if (r->old == st) {
        r->done = true;
        return r->by;
    }
    return mut_stmt_children(m, st);
}

bool sched_replace_for(Sched *s, LoopId id, Stmt *(*fn)(Sched *, Stmt *, void *), void *ud)
{
    Replacer r = {.s = s, .id = id, .fn = fn, .ud = ud};
    r.m.c = s->c;
    r.m.stmt[SK_FOR] = on_replace_for;
    s->f->body = mut_stmt(&r.m, s->f->body);
    return r.done;
}

void sched_replace_stmt(Sched *s, Stmt *old, Stmt *by)
{
    if (s->f->body == old) {
        s->f->body = by;
        return;
    }
    Replacer r = {.s = s, .old = old, .by = by};
    r.m.c = s->c;
    for (int k = 0; k < SK__COUNT; k++)
        r.m.stmt[k] = on_replace_any;
    s->f->body = mut_stmt(&r.m, s->f->body);
}

typedef struct Uses {
    Visitor         v;
    const IrBuffer *buf;
    uint32_t        n;
    bool            found;
} Uses;

static bool on_count_load(Visitor *v, Expr *e)
{
    Uses *u = (Uses *)v;
    if (e->u.load.buf == u->buf)
        u->n++;
    return vis_expr_children(v, e);
}

uint32_t sched_count_loads(Stmt *st, const IrBuffer *b)
{
    Uses u = {.buf = b};
    u.v.expr[EK_LOAD] = on_count_load;
    vis_stmt(&u.v, st);
    return u.n;
}

static bool on_store_to(Visitor *v, Stmt *st)
{
    Uses *u = (Uses *)v;
    if (st->u.store.buf == u->buf)
        u->found = true;
    return !u->found;
}

bool sched_stores_to(Stmt *st, const IrBuffer *b)
{
    Uses u = {.buf = b};
    u.v.stmt[SK_STORE] = on_store_to;
    vis_stmt(&u.v, st);
    return u.found;
}

IrVar *sched_loop_var(Sched *s, const char *name, Sym *lo, Sym *hi)
{
    Sym *sy = sym_var(s->c->sym, name);
    sym_set_range(s->c->sym, sy, lo, hi);
    return ir_new_var(s->c, name, DT_I64, IV_LOOP, sy);
}

Expr *sched_from_sym(Sched *s, Sym *e, SrcSpan at)
{
    Expr *r = e ? ir_from_sym(s->c, e, at) : NULL;
    return r;
}

Sym *sched_to_sym(Sched *s, Expr *e) { return ir_to_sym(s->c, e); }

/* ---- write analysis ---------------------------------------------------- */

typedef struct Writes {
    Visitor         v;
    const IrVar    *var;
    VEC(IrBuffer *) inner;   /* allocated inside the statement */
    const IrBuffer *shared;
    bool            self_read;
    Stmt           *root;
    Arena          *a;
} Writes;

static bool allocated_inside(Writes *w, const IrBuffer *b)
{
    for (uint32_t i = 0; i < w->inner.n; i++)
        if (w->inner.v[i] == b)
            return true;
    return false;
}

static bool on_w_alloc(Visitor *v, Stmt *st)
{
    Writes *w = (Writes *)v;
    vec_push(w->a, w->inner, st->u.alloc.buf);
    return true;
}

static bool on_w_store(Visitor *v, Stmt *st)
{
    Writes *w = (Writes *)v;
    IrBuffer *b = st->u.store.buf;
    if (allocated_inside(w, b))
        return vis_stmt_children(v, st);
    if (w->var) {
        bool uses = false;
        for (uint32_t i = 0; i < st->u.store.nidx && !uses; i++)
            uses = ir_expr_uses(st->u.store.idx[i], w->var);
        if (!uses && !w->shared)
            w->shared = b;
    } else if (sched_count_loads(w->root, b)) {
        w->self_read = true;
    }
    return vis_stmt_children(v, st);
}

const IrBuffer *sched_shared_write(Stmt *st, const IrVar *v)
{
    Arena a;
    arena_init(&a);
    Writes w = {.var = v, .root = st, .a = &a};
    w.v.stmt[SK_ALLOC] = on_w_alloc;
    w.v.stmt[SK_STORE] = on_w_store;
    vis_stmt(&w.v, st);
    const IrBuffer *r = w.shared;
    arena_free(&a);
    return r;
}

bool sched_reads_what_it_writes(Stmt *st)
{
    Arena a;
    arena_init(&a);
    Writes w = {.root = st, .a = &a};
    w.v.stmt[SK_ALLOC] = on_w_alloc;
    w.v.stmt[SK_STORE] = on_w_store;
    vis_stmt(&w.v, st);
    arena_free(&a);
    return w.self_read;
}
