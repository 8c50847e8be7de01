/* Schedule checking: every stage, loop variable, scope and argument a
 * schedule names must resolve, and each primitive gets the arguments it
 * takes. Loop names are tracked through split, tile and fuse so that using a
 * loop that was split away is reported at the directive with a note at the
 * split. Schedules are applied by the compiler; here they are only checked. */
#include "lang/sema/sema_internal.h"

typedef struct Loop {
    const char *name;
    bool        is_reduction;
    bool        live;
    const char *retired_by;   /* "split", "tile", "fuse" */
    SrcSpan     retired_at;
} Loop;

typedef struct SStage {
    const char *name;
    int32_t     stage;        /* index into k->stages, or -1 for a made stage */
    int32_t     input;        /* the input a cache_read of an input copies, or -1 */
    bool        is_cache;
    VEC(Loop)   loops;
} SStage;

typedef VEC(SStage) SStageVec;

typedef struct SCheck {
    Sema        *s;
    KernelInfo  *k;
    AstSchedule *sc;
    SStageVec    stages;
} SCheck;

static Arena *arena(SCheck *c) { return &c->s->c->arena; }

static int32_t find_sstage(SCheck *c, const char *name)
{
    for (uint32_t i = 0; i < c->stages.n; i++)
        if (same_name(c->stages.v[i].name, name))
            return (int32_t)i;
    return -1;
}

static void add_loop(SCheck *c, SStage *st, const char *name, bool red)
{
    Loop l = {.name = name, .is_reduction = red, .live = true};
    vec_push(arena(c), st->loops, l);
}

static Loop *find_loop(SStage *st, const char *name)
{
    for (uint32_t i = 0; i < st->loops.n; i++)
        if (same_name(st->loops.v[i].name, name))
            return &st->loops.v[i];
    return NULL;
}

static char *loop_list(SCheck *c, SStage *st)
{
    char *list = "";
    for (uint32_t i = 0; i < st->loops.n; i++)
        if (st->loops.v[i].live)
            list = arena_printf(arena(c), "%s%s%s", list, *list ? ", " : "", st->loops.v[i].name);
    return *list ? list : "none";
}

/* The argument must name a live loop of st. */
static Loop *arg_loop(SCheck *c, SStage *st, AstExpr *a)
{
    if (a->kind != EX_NAME) {
        diag_error(sink(c->s), a->span, "expected a loop variable of '%s' here", st->name);
        return NULL;
    }
    Loop *l = find_loop(st, a->u.name.id);
    if (!l) {
        diag_error(sink(c->s), a->span, "'%s' is not a loop of '%s' (its loops: %s)", a->u.name.id, st->name,
                   loop_list(c, st));
        return NULL;
    }
    if (!l->live) {
        Diag *d = diag_error(sink(c->s), a->span, "loop '%s' of '%s' no longer exists: it was %s", l->name,
                             st->name, !strcmp(l->retired_by, "split") ? "split" :
                             !strcmp(l->retired_by, "tile") ? "tiled" : "fused");
        diag_note(sink(c->s), d, l->retired_at, "'%s' was %s here", l->name,
                  !strcmp(l->retired_by, "split") ? "split" : !strcmp(l->retired_by, "tile") ? "tiled" : "fused");
        return NULL;
    }
    return l;
}

/* The argument must be a name not yet used for a loop of st. */
static const char *arg_new_name(SCheck *c, SStage *st, AstExpr *a)
{
    if (a->kind != EX_NAME) {
        diag_error(sink(c->s), a->span, "expected a name for a new loop here");
        return NULL;
    }
    if (find_loop(st, a->u.name.id)) {
        diag_error(sink(c->s), a->span, "'%s' already names a loop of '%s'; choose a new name", a->u.name.id,
                   st->name);
        return NULL;
    }
    return a->u.name.id;
}

static bool arg_factor(SCheck *c, AstExpr *a)
{
    if (a->kind == EX_INT && a->u.ival > 0)
        return true;
    if (a->kind == EX_NAME) {
        if (!strcmp(a->u.name.id, "auto"))
            return true;
        int32_t p = sema_find_param(c->k, a->u.name.id);
        if (p >= 0 && !c->k->params.v[p].is_tensor && dtype_is_int(c->k->params.v[p].dtype))
            return true;
    }
    diag_error(sink(c->s), a->span,
               "a factor is a positive integer literal, an integer scalar parameter, or auto");
    return false;
}

static bool arg_positive_literal(SCheck *c, AstExpr *a, const char *what)
{
    if (a->kind == EX_INT && a->u.ival > 0)
        return true;
    diag_error(sink(c->s), a->span, "%s must be a positive integer literal", what);
    return false;
}

static void retire(Loop *l, const char *by, SrcSpan at)
{
    l->live = false;
    l->retired_by = by;
    l->retired_at = at;
}

static bool distinct(SCheck *c, AstExpr **args, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < i; j++)
            if (args[i]->kind == EX_NAME && args[j]->kind == EX_NAME &&
                same_name(args[i]->u.name.id, args[j]->u.name.id)) {
                diag_error(sink(c->s), args[i]->span, "'%s' is named twice in one directive", args[i]->u.name.id);
                return false;
            }
    return true;
}

/* Does stage `consumer` read stage `producer`, directly or through others? */
static bool reads(KernelInfo *k, uint32_t consumer, uint32_t producer, uint32_t depth)
{
    if (depth > k->stages.n)
        return false;
    StageInfo *st = &k->stages.v[consumer];
    for (uint32_t i = 0; i < st->deps.n; i++)
        if (st->deps.v[i] == producer || reads(k, st->deps.v[i], producer, depth + 1))
            return true;
    return false;
}

/* Makes a new stage for cache_read/cache_write/rfactor; returns its index. */
static int32_t make_stage(SCheck *c, SStage *from, const char *suffix, bool cache)
{
    SStage ns = {.name = arena_printf(arena(c), "%s.%s", from->name, suffix), .stage = -1, .input = from->input,
                 .is_cache = cache};
    for (uint32_t i = 0; i < from->loops.n; i++)
        if (from->loops.v[i].live && !from->loops.v[i].is_reduction)
            add_loop(c, &ns, from->loops.v[i].name, false);
    vec_push(arena(c), c->stages, ns);
    return (int32_t)c->stages.n - 1;
}

typedef struct Method {
    const char *name;
    int         min, max;   /* argument counts */
    const char *usage;
} Method;

static const Method methods[] = {
    {"split",         4, 4, "split(v, factor, v_outer, v_inner)"},
    {"tile",          8, 8, "tile(x, y, fx, fy, x_outer, y_outer, x_inner, y_inner)"},
    {"reorder",       2, 16, "reorder(v1, v2, ...)"},
    {"fuse",          3, 3, "fuse(v1, v2, fused)"},
    {"parallel",      1, 1, "parallel(v)"},
    {"vectorize",     1, 2, "vectorize(v) or vectorize(v, width)"},
    {"unroll",        1, 2, "unroll(v) or unroll(v, factor)"},
    {"compute_at",    2, 2, "compute_at(consumer, loop)"},
    {"compute_inline", 0, 0, "compute_inline()"},
    {"compute_root",  0, 0, "compute_root()"},
    {"cache_read",    1, 1, "t = x.cache_read(scope)"},
    {"cache_write",   1, 1, "t = s.cache_write(scope)"},
    {"double_buffer", 0, 0, "t.double_buffer()"},
    {"rfactor",       2, 2, "t = s.rfactor(k, kf)"},
    {"tensorize",     2, 2, "tensorize(v, op)"},
};

/* Applies one call to stage *cur (an index into c->stages); a call that makes
 * a stage moves *cur to it. Returns false after an error. */
static bool call(SCheck *c, int32_t *cur, AstSchedCall *m, bool *made)
{
    Sema *s = c->s;
    const Method *mt = NULL;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (!strcmp(methods[i].name, m->method))
            mt = &methods[i];
    if (!mt) {
        diag_error(sink(s), m->span, "unknown schedule primitive '%s' (primitives: split tile reorder fuse "
                   "parallel vectorize unroll compute_at compute_inline compute_root cache_read cache_write "
                   "double_buffer rfactor tensorize)", m->method);
        return false;
    }
    AstExpr **a = m->args.v;
    uint32_t n = m->args.n;
    if ((int)n < mt->min || (int)n > mt->max) {
        diag_error(sink(s), m->span, "%s takes %d%s argument%s, but %u %s given; usage: %s", mt->name, mt->min,
                   mt->max > mt->min ? " or more" : "", mt->max == 1 ? "" : "s", n, n == 1 ? "was" : "were",
                   mt->usage);
        return false;
    }
    SStage *st = &c->stages.v[*cur];
    const char *name = mt->name;
    bool is_input = st->stage < 0 && st->input >= 0 && !st->is_cache;
    if (is_input && strcmp(name, "cache_read") != 0) {
        diag_error(sink(s), m->span, "'%s' is an input; the only primitive for an input is cache_read", st->name);
        return false;
    }
    if (!strcmp(name, "split")) {
        Loop *l = arg_loop(c, st, a[0]);
        const char *vo = l ? arg_new_name(c, st, a[2]) : NULL;
        const char *vi = vo ? arg_new_name(c, st, a[3]) : NULL;
        if (!vi || !arg_factor(c, a[1]) || !distinct(c, (AstExpr *[]){a[2], a[3]}, 2))
            return false;
        bool red = l->is_reduction;
        retire(l, "split", m->span);
        add_loop(c, st, vo, red);
        add_loop(c, st, vi, red);
        return true;
    }
    if (!strcmp(name, "tile")) {
        Loop *x = arg_loop(c, st, a[0]);
        Loop *y = x ? arg_loop(c, st, a[1]) : NULL;
        if (!y || !distinct(c, a, 2) || !arg_factor(c, a[2]) || !arg_factor(c, a[3]))
            return false;
        for (int i = 4; i < 8; i++)
            if (!arg_new_name(c, st, a[i]))
                return false;
        if (!distinct(c, a + 4, 4))
            return false;
        bool xr = x->is_reduction, yr = y->is_reduction;
        retire(x, "tile", m->span);
        retire(y, "tile", m->span);
        add_loop(c, st, a[4]->u.name.id, xr);
        add_loop(c, st, a[5]->u.name.id, yr);
        add_loop(c, st, a[6]->u.name.id, xr);
        add_loop(c, st, a[7]->u.name.id, yr);
        return true;
    }
    if (!strcmp(name, "reorder")) {
        for (uint32_t i = 0; i < n; i++)
            if (!arg_loop(c, st, a[i]))
                return false;
        return distinct(c, a, n);
    }
    if (!strcmp(name, "fuse")) {
        Loop *x = arg_loop(c, st, a[0]);
        Loop *y = x ? arg_loop(c, st, a[1]) : NULL;
        const char *f = y ? arg_new_name(c, st, a[2]) : NULL;
        if (!f || !distinct(c, a, 2))
            return false;
        if (x->is_reduction != y->is_reduction) {
            diag_error(sink(s), m->span, "cannot fuse '%s' with '%s': one is a reduction loop and the other is not",
                       x->name, y->name);
            return false;
        }
        bool red = x->is_reduction;
        retire(x, "fuse", m->span);
        retire(y, "fuse", m->span);
        add_loop(c, st, f, red);
        return true;
    }
    if (!strcmp(name, "parallel") || !strcmp(name, "vectorize") || !strcmp(name, "unroll")) {
        Loop *l = arg_loop(c, st, a[0]);
        if (!l)
            return false;
        if (n == 2 && !arg_positive_literal(c, a[1], !strcmp(name, "vectorize") ? "a vector width" : "an unroll factor"))
            return false;
        if (l->is_reduction && strcmp(name, "unroll") != 0) {
            diag_error(sink(s), a[0]->span,
                       "cannot %s reduction loop '%s' of '%s': its iterations accumulate into one value; split "
                       "the reduction with rfactor first", !strcmp(name, "parallel") ? "parallelize" : "vectorize",
                       l->name, st->name);
            return false;
        }
        return true;
    }
    if (!strcmp(name, "compute_at") || !strcmp(name, "compute_inline") || !strcmp(name, "compute_root")) {
        if (st->stage >= 0 && c->k->stages.v[st->stage].is_output) {
            diag_error(sink(s), m->span, "'%s' is an output; it is always computed at the root", st->name);
            return false;
        }
        if (!strcmp(name, "compute_inline")) {
            if (st->stage >= 0 && (c->k->stages.v[st->stage].is_reduction || c->k->stages.v[st->stage].rvars.n)) {
                diag_error(sink(s), m->span, "cannot inline '%s': it contains a reduction; use compute_at",
                           st->name);
                return false;
            }
            if (st->is_cache) {
                diag_error(sink(s), m->span, "cannot inline the cache stage '%s'", st->name);
                return false;
            }
            return true;
        }
        if (!strcmp(name, "compute_root"))
            return true;
        if (a[0]->kind != EX_NAME || find_sstage(c, a[0]->u.name.id) < 0) {
            diag_error(sink(s), a[0]->span, "compute_at needs a stage of '%s' as its first argument",
                       c->k->ast->name);
            return false;
        }
        int32_t ci = find_sstage(c, a[0]->u.name.id);
        SStage *cs = &c->stages.v[ci];
        if (ci == *cur) {
            diag_error(sink(s), a[0]->span, "'%s' cannot be computed at itself", st->name);
            return false;
        }
        if (st->stage >= 0 && cs->stage >= 0 && !reads(c->k, (uint32_t)cs->stage, (uint32_t)st->stage, 0)) {
            diag_error(sink(s), a[0]->span, "'%s' does not read '%s', so '%s' cannot be computed at one of its "
                       "loops", cs->name, st->name, st->name);
            return false;
        }
        return arg_loop(c, cs, a[1]) != NULL;
    }
    if (!strcmp(name, "cache_read") || !strcmp(name, "cache_write")) {
        /* the scope is the target's business (compiler/target_check.c) */
        if (!strcmp(name, "cache_write") && is_input) {
            diag_error(sink(s), m->span, "cache_write applies to a stage, and '%s' is an input", st->name);
            return false;
        }
        *cur = make_stage(c, st, !strcmp(name, "cache_read") ? "read" : "write", true);
        *made = true;
        return true;
    }
    if (!strcmp(name, "double_buffer")) {
        if (!st->is_cache) {
            diag_error(sink(s), m->span, "double_buffer applies to a cache stage (t = x.cache_read(scope)), and "
                       "'%s' is not one", st->name);
            return false;
        }
        return true;
    }
    if (!strcmp(name, "rfactor")) {
        Loop *l = arg_loop(c, st, a[0]);
        const char *kf = l ? arg_new_name(c, st, a[1]) : NULL;
        if (!kf)
            return false;
        if (!l->is_reduction) {
            diag_error(sink(s), a[0]->span, "rfactor needs a reduction loop, and '%s' is not one", l->name);
            return false;
        }
        *cur = make_stage(c, st, "rf", false);
        add_loop(c, &c->stages.v[*cur], kf, false);
        *made = true;
        return true;
    }
    /* tensorize(v, op): which ops exist is the target's business
     * (compiler/target_check.c) */
    return arg_loop(c, st, a[0]) != NULL;
}

static void stmts(SCheck *c, AstSchedStmtVec *v);

static void specialize(SCheck *c, AstSchedStmt *st)
{
    Sema *s = c->s;
    s->stage = -1;
    sema_expr(s, st->cond);
    if (st->cond->dtype != DT_ERROR && (st->cond->dtype != DT_BOOL || st->cond->untyped))
        diag_error(sink(s), st->cond->span, "the condition of specialize must be bool, e.g. D %% 16 == 0");
    /* The body refines a copy of the schedule so far; what follows the block
     * does not see its changes. */
    SStageVec saved = c->stages;
    SStageVec copy = {0};
    for (uint32_t i = 0; i < saved.n; i++) {
        SStage ns = saved.v[i];
        ns.loops.v = NULL;
        ns.loops.n = ns.loops.cap = 0;
        for (uint32_t j = 0; j < saved.v[i].loops.n; j++)
            vec_push(arena(c), ns.loops, saved.v[i].loops.v[j]);
        vec_push(arena(c), copy, ns);
    }
    c->stages = copy;
    stmts(c, &st->body);
    c->stages = saved;
}

static void chain(SCheck *c, AstSchedStmt *st)
{
    Sema *s = c->s;
    int32_t cur = find_sstage(c, st->recv);
    if (cur < 0) {
        char *list = "";
        for (uint32_t i = 0; i < c->stages.n; i++)
            if (c->stages.v[i].stage >= 0)
                list = arena_printf(arena(c), "%s%s%s", list, *list ? ", " : "", c->stages.v[i].name);
        diag_error(sink(s), st->recv_span, "'%s' is not a stage of kernel '%s' (its stages: %s)", st->recv,
                   c->k->ast->name, list);
        return;
    }
    bool made = false;
    for (uint32_t i = 0; i < st->calls.n; i++)
        if (!call(c, &cur, &st->calls.v[i], &made))
            return;
    if (!st->bind)
        return;
    if (!made) {
        diag_error(sink(s), st->bind_span, "nothing to name: only cache_read, cache_write and rfactor make a new "
                   "stage");
        return;
    }
    if (find_sstage(c, st->bind) >= 0 || sema_find_param(c->k, st->bind) >= 0 || sema_find_dim(c->k, st->bind) >= 0) {
        diag_error(sink(s), st->bind_span, "'%s' is already a name in kernel '%s'", st->bind, c->k->ast->name);
        return;
    }
    c->stages.v[cur].name = st->bind;
}

static void stmts(SCheck *c, AstSchedStmtVec *v)
{
    for (uint32_t i = 0; i < v->n; i++) {
        if (v->v[i].kind == SS_SPECIALIZE)
            specialize(c, &v->v[i]);
        else
            chain(c, &v->v[i]);
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
    SCheck c = {.s = s, .k = k, .sc = sc};
    for (uint32_t i = 0; i < k->stages.n; i++) {
        StageInfo *st = &k->stages.v[i];
        SStage ss = {.name = st->name, .stage = (int32_t)i, .input = -1};
        for (uint32_t j = 0; j < st->rank; j++)
            add_loop(&c, &ss, st->vars[j].name, false);
        for (uint32_t j = 0; j < st->rvars.n; j++)
            add_loop(&c, &ss, k->rvars.v[st->rvars.v[j]].name, true);
        vec_push(&s->c->arena, c.stages, ss);
    }
    for (uint32_t i = 0; i < k->params.n; i++)
        if (k->params.v[i].is_tensor) {
            SStage ss = {.name = k->params.v[i].name, .stage = -1, .input = (int32_t)i};
            vec_push(&s->c->arena, c.stages, ss);
        }
    stmts(&c, &sc->stmts);
}
