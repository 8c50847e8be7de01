/* parallel, vectorize and unroll: they set a For's kind and factor (vector
 * width, unroll factor) for the backend. Bodies stay scalar; a split guard
 * inside a vectorized loop is its lane mask, so no scalar remainder loop is
 * made. Each checks that iterations write disjoint elements. */
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

static Stmt *set_kind(Sched *s, Stmt *old, void *ud)
{
    uint32_t *kf = ud;
    return ir_for_kind(s->c, old, (ForKind)kf[0], kf[1]);
}

/* The same kind on the loop's copy in a separate init nest, when it is
 * still there and (for a vector width) has that many iterations. */
static void set_twin(Sched *s, LoopId v, uint32_t kf[2])
{
    SchedLoop *rec = sched_loop_rec(s, v);
    Stmt *t = rec && rec->twin ? sched_find_for(s->f->body, rec->twin) : NULL;
    int64_t ext;
    if (!t || t->u.for_.kind != FOR_SERIAL)
        return;
    if (kf[0] == FOR_VECTORIZED && !(ir_is_const_int(t->u.for_.extent, &ext) && ext == (int64_t)kf[1]))
        return;
    if (kf[0] == FOR_PARALLEL && sched_shared_write(t->u.for_.body, t->u.for_.var))
        return;
    sched_replace_for(s, rec->twin, set_kind, kf);
}

static bool race_free(Sched *s, int32_t stage, Stmt *loop, const char *verb, SrcSpan at)
{
    static const char *const kinds[] = {"serial", "parallel", "vectorized", "unrolled"};
    if (loop->u.for_.kind != FOR_SERIAL) {
        SchedLoop *r = sched_loop_rec(s, loop->u.for_.id);
        sched_error_loop(s, at, loop->u.for_.id, "cannot %s loop '%s' of '%s': it is already %s", verb,
                         r ? r->name : "?", s->stages.v[stage].name, kinds[loop->u.for_.kind]);
        return false;
    }
    SchedLoop *rec = sched_loop_rec(s, loop->u.for_.id);
    const IrBuffer *b = sched_shared_write(loop->u.for_.body, loop->u.for_.var);
    if (!b)
        return true;
    sched_error_loop(s, at, loop->u.for_.id, "cannot %s loop '%s' of '%s': its iterations write the same element "
                     "of '%s'%s", verb, rec ? rec->name : "?", s->stages.v[stage].name, b->name,
                     rec && rec->reduction ? " (it is a reduction loop; split the reduction with rfactor first)"
                                           : "");
    return false;
}

/* Is there a loop of `kind` on the path to loop id, or inside it? */
static bool has_kind(Stmt *st, ForKind kind)
{
    if (!st)
        return false;
    switch (st->kind) {
    case SK_FOR: return st->u.for_.kind == kind || has_kind(st->u.for_.body, kind);
    case SK_IF: return has_kind(st->u.if_.then_, kind) || has_kind(st->u.if_.else_, kind);
    case SK_LET: return has_kind(st->u.let.body, kind);
    case SK_SEQ:
        for (uint32_t i = 0; i < st->u.seq.n; i++)
            if (has_kind(st->u.seq.v[i], kind))
                return true;
        return false;
    default: return false;
    }
}

/* 1: found below a loop of `kind`; 0: found; -1: not here. */
static int path_kind(Stmt *st, LoopId id, ForKind kind)
{
    if (!st)
        return -1;
    switch (st->kind) {
    case SK_FOR: {
        if (st->u.for_.id == id)
            return has_kind(st->u.for_.body, kind) ? 1 : 0;
        int r = path_kind(st->u.for_.body, id, kind);
        return r == 0 && st->u.for_.kind == kind ? 1 : r;
    }
    case SK_IF: {
        int r = path_kind(st->u.if_.then_, id, kind);
        return r >= 0 ? r : path_kind(st->u.if_.else_, id, kind);
    }
    case SK_LET: return path_kind(st->u.let.body, id, kind);
    case SK_SEQ:
        for (uint32_t i = 0; i < st->u.seq.n; i++) {
            int r = path_kind(st->u.seq.v[i], id, kind);
            if (r >= 0)
                return r;
        }
        return -1;
    default: return -1;
    }
}

static bool nested_kind(Sched *s, LoopId id, ForKind kind) { return path_kind(s->f->body, id, kind) == 1; }

/* A shifted last tile overlaps the one before it; in parallel that would
 * be two threads writing one element, so the split goes back to a guard. */
static Stmt *unshift_body(Sched *s, Stmt *loop, void *ud)
{
    Expr **g = ud;
    return ir_for_with(s->c, loop, loop->u.for_.min, loop->u.for_.extent,
                       ir_if(s->c, g[0], loop->u.for_.body, NULL, g[0]->loc));
}

typedef struct Unshift {
    Mutator m;
    Expr   *from, *to;
} Unshift;

static Expr *on_unshift(Mutator *m, Expr *e)
{
    Unshift *u = (Unshift *)m;
    return e == u->from ? u->to : mut_expr_children(m, e);
}

static void unshift(Sched *s, SchedLoop *rec, Stmt *loop)
{
    Unshift u = {.from = rec->shift_base, .to = rec->plain_base};
    u.m.c = s->c;
    for (int k = 0; k < EK__COUNT; k++)
        u.m.expr[k] = on_unshift;
    s->f->body = mut_stmt(&u.m, s->f->body);
    /* the guard goes inside the deeper of the outer and inner loops */
    Stmt *outer = sched_find_for(s->f->body, rec->id);
    LoopId where = outer && sched_find_for(outer->u.for_.body, rec->shift_inner) ? rec->shift_inner : rec->id;
    Expr *g[1] = {rec->guard};
    sched_replace_for(s, where, unshift_body, g);
    rec->shift_base = NULL;
    (void)loop;
}

bool sched_parallel(Sched *s, int32_t stage, LoopId v, SrcSpan at)
{
    Stmt *loop = sched_find_for(s->f->body, v);
    SchedLoop *rec = sched_loop_rec(s, v);
    if (!loop || !rec)
        return sched_error(s, at, "unknown loop in parallel"), false;
    if (rec->reduction)
        return sched_error_loop(s, at, v, "cannot parallelize reduction loop '%s' of '%s': its iterations "
                                "accumulate into one value; split the reduction with rfactor first", rec->name,
                                s->stages.v[stage].name), false;
    if (!race_free(s, stage, loop, "parallelize", at))
        return false;
    if (nested_kind(s, v, FOR_PARALLEL))
        return sched_error_loop(s, at, v, "cannot parallelize loop '%s' of '%s': it is nested in, or contains, "
                                "another parallel loop (one level of threads)", rec->name,
                                s->stages.v[stage].name), false;
    if (loop->u.for_.kind == FOR_VECTORIZED)
        return sched_error_loop(s, at, v, "cannot parallelize loop '%s' of '%s': it is vectorized", rec->name,
                                s->stages.v[stage].name), false;
    if (rec->shift_base && rec->shift_inner && sched_loop_rec(s, rec->shift_inner)->live)
        unshift(s, rec, loop);
    uint32_t kf[2] = {FOR_PARALLEL, 0};
    sched_replace_for(s, v, set_kind, kf);
    set_twin(s, v, kf);
    sched_record(s, "%s.parallel(%s);", s->stages.v[stage].name, rec->name);
    return true;
}

bool sched_vectorize(Sched *s, int32_t stage, LoopId v, uint32_t width, SrcSpan at)
{
    Stmt *loop = sched_find_for(s->f->body, v);
    SchedLoop *rec = sched_loop_rec(s, v);
    if (!loop || !rec)
        return sched_error(s, at, "unknown loop in vectorize"), false;
    if (rec->reduction)
        return sched_error_loop(s, at, v, "cannot vectorize reduction loop '%s' of '%s': its iterations "
                                "accumulate into one value; split the reduction with rfactor first", rec->name,
                                s->stages.v[stage].name), false;
    if (!race_free(s, stage, loop, "vectorize", at))
        return false;
    if (loop->u.for_.kind == FOR_PARALLEL || has_kind(loop->u.for_.body, FOR_PARALLEL))
        return sched_error_loop(s, at, v, "cannot vectorize loop '%s' of '%s': it is, or contains, a parallel "
                                "loop", rec->name, s->stages.v[stage].name), false;
    const char *name = rec->name;
    int64_t ext;
    bool cext = ir_is_const_int(loop->u.for_.extent, &ext);
    if (width == 0)
        width = cext && ext > 0 && ext <= 16 ? (uint32_t)ext : 8; /* 8 x f32: one AVX2 register */
    if (width > 1024)
        return sched_error(s, at, "vector width %u is too large (at most 1024)", width), false;
    LoopId lane = v;
    if (!(cext && ext == (int64_t)width)) {
        LoopId parts[2];
        s->quiet++;
        bool ok = sched_split(s, stage, v, (SchedFactor){SF_LITERAL, width, 0}, name,
                              arena_printf(s->c->a, "%s.v", name), at, parts);
        s->quiet--;
        if (!ok)
            return false;
        lane = parts[1];
        Stmt *in = sched_find_for(s->f->body, lane);
        if (in && ir_is_const_int(in->u.for_.extent, &ext))
            width = (uint32_t)ext; /* an extent below the width: one exact tile */
    }
    uint32_t kf[2] = {FOR_VECTORIZED, width};
    sched_replace_for(s, lane, set_kind, kf);
    set_twin(s, v, kf);
    sched_record(s, "%s.vectorize(%s, %u);", s->stages.v[stage].name, name, width);
    return true;
}

bool sched_unroll(Sched *s, int32_t stage, LoopId v, uint32_t factor, SrcSpan at)
{
    Stmt *loop = sched_find_for(s->f->body, v);
    SchedLoop *rec = sched_loop_rec(s, v);
    if (!loop || !rec)
        return sched_error(s, at, "unknown loop in unroll"), false;
    int64_t ext;
    if (loop->u.for_.kind != FOR_SERIAL)
        return sched_error_loop(s, at, v, "cannot unroll loop '%s' of '%s': it is already %s", rec->name,
                                s->stages.v[stage].name, loop->u.for_.kind == FOR_PARALLEL ? "parallel"
                                : loop->u.for_.kind == FOR_VECTORIZED ? "vectorized" : "unrolled"), false;
    if (factor == 0 && !ir_is_const_int(loop->u.for_.extent, &ext))
        return sched_error_loop(s, at, v, "cannot unroll loop '%s' of '%s' fully: its extent %s is not a "
                                "constant; give a factor, e.g. unroll(%s, 4)", rec->name, s->stages.v[stage].name,
                                ir_expr_str(s->c->a, loop->u.for_.extent), rec->name), false;
    if (factor == 0 && ext > 256)
        return sched_error_loop(s, at, v, "cannot unroll loop '%s' of '%s' fully: %lld iterations is too many "
                                "(at most 256); give a factor", rec->name, s->stages.v[stage].name,
                                (long long)ext), false;
    uint32_t kf[2] = {FOR_UNROLLED, factor};
    sched_replace_for(s, v, set_kind, kf);
    set_twin(s, v, kf);
    if (factor)
        sched_record(s, "%s.unroll(%s, %u);", s->stages.v[stage].name, rec->name, factor);
    else
        sched_record(s, "%s.unroll(%s);", s->stages.v[stage].name, rec->name);
    return true;
}

/* ---- the directives (primitives.c) ---- */

static uint32_t count_arg(const SchedDirective *d) { return d->nargs > 1 ? (uint32_t)d->args[1].count : 0; }

bool sched_do_parallel(Sched *s, SchedDirective *d) { return sched_parallel(s, d->stage, d->args[0].loop, d->at); }

bool sched_do_vectorize(Sched *s, SchedDirective *d)
{
    return sched_vectorize(s, d->stage, d->args[0].loop, count_arg(d), d->at);
}

bool sched_do_unroll(Sched *s, SchedDirective *d)
{
    return sched_unroll(s, d->stage, d->args[0].loop, count_arg(d), d->at);
}
