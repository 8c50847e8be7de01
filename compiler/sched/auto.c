/* The automatic schedule (docs/cpu-backend.md, "Schedules and the automatic
 * schedule"): for a
 * kernel without a schedule for the target, directives chosen here and
 * applied through the same primitives as a written schedule, so the trace
 * prints back as .tk text. Every step is tried as a transaction: a
 * primitive that refuses leaves the IR, the tables and the diagnostics as
 * they were, and the kernel keeps the default for that step. */
#include "compiler/sched/auto_internal.h"

/* ---- transactions ------------------------------------------------------- */

/* Starts a transaction: diagnostics go to a scratch sink until it ends. */
static void begin(Sched *s, Snapshot *t)
{
    Arena *a = s->c->a;
    t->body = s->f->body;
    t->nloops = s->loops.n;
    t->loops = arena_alloc(a, (s->loops.n + 1) * sizeof *t->loops);
    memcpy(t->loops, s->loops.v, s->loops.n * sizeof *t->loops);
    t->stages = arena_alloc(a, (s->stages.n + 1) * sizeof *t->stages);
    memcpy(t->stages, s->stages.v, s->stages.n * sizeof *t->stages);
    t->npro_vars = s->pro_vars.n, t->npro_vals = s->pro_vals.n, t->npro_checks = s->pro_checks.n;
    t->nlines = s->trace->lines.n;
    t->diags = s->diags;
    diag_init(&t->scratch, a, s->diags->files);
    s->diags = &t->scratch;
}

/* Ends it: kept when ok (and nothing was reported), else rolled back. */
static bool end(Sched *s, Snapshot *t, bool ok)
{
    s->diags = t->diags;
    ok = ok && t->scratch.nerr == 0 && !s->c->a->oom;
    if (ok)
        return true;
    s->f->body = t->body;
    s->loops.n = t->nloops;
    memcpy(s->loops.v, t->loops, t->nloops * sizeof *t->loops);
    memcpy(s->stages.v, t->stages, s->stages.n * sizeof *t->stages);
    s->pro_vars.n = t->npro_vars, s->pro_vals.n = t->npro_vals, s->pro_checks.n = t->npro_checks;
    s->trace->lines.n = t->nlines;
    return false;
}

/* ---- what the IR looks like now ----------------------------------------- */

static bool on_stage_for(Visitor *v, Stmt *st)
{
    StageLoops *sl = (StageLoops *)v;
    SchedLoop *r = sched_loop_rec(sl->s, st->u.for_.id);
    if (r && r->live && r->stage == sl->stage && sl->n < 16)
        sl->loop[sl->n++] = st;
    return vis_stmt_children(v, st);
}

static void stage_loops(Sched *s, int32_t stage, StageLoops *out)
{
    memset(out, 0, sizeof *out);
    out->s = s;
    out->stage = stage;
    out->v.stmt[SK_FOR] = on_stage_for;
    vis_stmt(&out->v, s->f->body);
}

static bool is_reduction_loop(Sched *s, Stmt *loop)
{
    SchedLoop *r = sched_loop_rec(s, loop->u.for_.id);
    return r && r->reduction;
}

/* Every load of b in st has the variable v among its first index's terms:
 * computing b inside loop v then costs no recomputation across v. */
typedef struct IndexedBy {
    Visitor         v;
    const IrBuffer *buf;
    const IrVar    *var;
    bool            ok, any;
} IndexedBy;

static bool on_ib_load(Visitor *v, Expr *e)
{
    IndexedBy *ib = (IndexedBy *)v;
    if (e->u.load.buf == ib->buf) {
        ib->any = true;
        if (!e->u.load.nidx || !ir_expr_uses(e->u.load.idx[0], ib->var))
            ib->ok = false;
    }
    return vis_expr_children(v, e);
}

static bool loads_indexed_by(Stmt *st, const IrBuffer *b, const IrVar *var)
{
    IndexedBy ib = {.buf = b, .var = var, .ok = true};
    ib.v.expr[EK_LOAD] = on_ib_load;
    vis_stmt(&ib.v, st);
    return ib.ok && ib.any;
}

static uint32_t nconsumers(const KernelInfo *k, uint32_t si)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < k->stages.n; i++)
        for (uint32_t j = 0; j < k->stages.v[i].deps.n; j++)
            n += k->stages.v[i].deps.v[j] == si;
    return n;
}

/* ---- the decisions ------------------------------------------------------ */

/* An intermediate stage: inlined when it is elementwise with one consumer
 * stage, else computed at the outermost pure loop of a consumer whose
 * iterations each read their own slice of it, else left at the root. */
static void place(Sched *s, int32_t st, SrcSpan at)
{
    KernelInfo *k = s->k;
    StageInfo *si = &k->stages.v[s->stages.v[st].si];
    Snapshot t;
    if (!si->is_reduction && si->rvars.n == 0 && nconsumers(k, (uint32_t)s->stages.v[st].si) == 1) {
        begin(s, &t);
        if (end(s, &t, sched_compute_inline(s, st, at)))
            return;
    }
    if (si->rank == 0)
        return;   /* a 0-d reduction read everywhere: once, at the root */
    for (uint32_t oi = k->stages.n; oi-- > 0;) {
        int32_t ci = (int32_t)k->order[oi];
        if (ci == st || s->stages.v[ci].placed)
            continue;
        StageLoops cl;
        stage_loops(s, ci, &cl);
        if (!cl.n || is_reduction_loop(s, cl.loop[0]) || !s->stages.v[st].buf)
            continue;
        if (!loads_indexed_by(cl.loop[0]->u.for_.body, s->stages.v[st].buf, cl.loop[0]->u.for_.var))
            continue;
        begin(s, &t);
        if (end(s, &t, sched_compute_at(s, st, ci, cl.loop[0]->u.for_.id, at)))
            return;
    }
}

/* Lanes for a dtype: registers hold f16/bf16 as f32. */
static uint32_t lanes(DType t, uint32_t vector_bits)
{
    uint32_t size = (uint32_t)dtype_size(t);
    uint32_t w = vector_bits / (8 * (size < 4 ? 4 : size));
    return w < 2 ? 2 : w;
}

/* A matmul-like stage (a reduction in a nest of two pure loops and the
 * reduction loop), scheduled as examples/matmul.tk is when the micro-kernel
 * applies: 6 x (4 vectors) register tiles computed by tensorize(gemm), the
 * reduction split by 256 and the column tiles outermost and on threads, so
 * a panel of b stays in cache. Otherwise (e.g. f16, whose f32 accumulator
 * the reorder cannot cross): cache tiles with the reduction split and moved
 * outside the register tile and the tile's columns in vector lanes. Each
 * plan is one transaction; a scheduler that refuses both leaves the stage
 * to the generic plan. */
typedef struct MatmulPlan {
    int64_t     fx, fy;        /* tile factors of the row and column loops */
    int         order[6];      /* 0 xo, 1 yo, 2 ro, 3 xi, 4 ri, 5 yi: outermost first */
    bool        tensorize;     /* tensorize(xi, gemm) and parallel(yo); else vectorize(yi), parallel(xo) */
} MatmulPlan;

static bool plan_matmul(Sched *s, int32_t st, StageLoops *l, uint32_t w, const MatmulPlan *p, SrcSpan at)
{
    Snapshot t;
    begin(s, &t);
    const char *x = sched_loop_name(s, l->loop[0]->u.for_.id), *y = sched_loop_name(s, l->loop[1]->u.for_.id);
    const char *r = sched_loop_name(s, l->loop[2]->u.for_.id);
    Arena *a = s->c->a;
    const char *names[4] = {arena_printf(a, "%so", x), arena_printf(a, "%so", y), arena_printf(a, "%si", x),
                            arena_printf(a, "%si", y)};
    const char *rn[2] = {arena_printf(a, "%so", r), arena_printf(a, "%si", r)};
    LoopId id[6]; /* indexed as MatmulPlan.order */
    bool ok = sched_tile(s, st, l->loop[0]->u.for_.id, l->loop[1]->u.for_.id, (SchedFactor){SF_LITERAL, p->fx, 0},
                         (SchedFactor){SF_LITERAL, p->fy, 0}, names, at)
              && sched_split(s, st, l->loop[2]->u.for_.id, (SchedFactor){SF_LITERAL, 256, 0}, rn[0], rn[1], at,
                             NULL);
    ok = ok && sched_loop(s, st, names[0], &id[0]) && sched_loop(s, st, names[1], &id[1])
         && sched_loop(s, st, rn[0], &id[2]) && sched_loop(s, st, names[2], &id[3])
         && sched_loop(s, st, rn[1], &id[4]) && sched_loop(s, st, names[3], &id[5]);
    LoopId order[6];
    for (int i = 0; i < 6; i++)
        order[i] = id[p->order[i]];
    ok = ok && sched_reorder(s, st, order, 6, at);
    if (p->tensorize)
        ok = ok && sched_parallel(s, st, id[1], at) && sched_tensorize(s, st, id[3], at);
    else
        ok = ok && sched_vectorize(s, st, id[5], w, at) && sched_parallel(s, st, id[0], at);
    return end(s, &t, ok);
}

static bool tile_matmul(Sched *s, int32_t st, StageLoops *l, uint32_t w, SrcSpan at)
{
    StageInfo *si = &s->k->stages.v[s->stages.v[st].si];
    if (!si->is_reduction || l->n != 3 || is_reduction_loop(s, l->loop[0])
        || is_reduction_loop(s, l->loop[1]) || !is_reduction_loop(s, l->loop[2]))
        return false;
    static const MatmulPlan micro = {6, 0, {1, 2, 0, 3, 4, 5}, true};
    static const MatmulPlan tiles = {32, 0, {0, 1, 2, 3, 4, 5}, false};
    MatmulPlan p = micro;
    p.fy = 4 * (int64_t)w;
    if (plan_matmul(s, st, l, w, &p, at))
        return true;
    stage_loops(s, st, l);
    p = tiles;
    p.fy = 16 * (int64_t)w;
    return plan_matmul(s, st, l, w, &p, at);
}

/* A stage's own loops: the innermost pure loop in vector lanes when no
 * reduction loop is inside it, the outermost pure loop on threads when the
 * stage is at the root (codegen's grain keeps small launches serial). */
static void loops(Sched *s, int32_t st, uint32_t vector_bits, SrcSpan at)
{
    StageLoops l;
    stage_loops(s, st, &l);
    if (!l.n)
        return;
    uint32_t w = lanes(s->k->stages.v[s->stages.v[st].si].dtype, vector_bits);
    if (!s->stages.v[st].placed && (tile_matmul(s, st, &l, w, at) || auto_conv(s, st, w, at)))
        return;
    Snapshot t;
    int32_t inner = -1;
    for (uint32_t i = 0; i < l.n; i++)
        if (!is_reduction_loop(s, l.loop[i]))
            inner = (int32_t)i;
    if (inner >= 0 && (uint32_t)inner == l.n - 1) {
        Stmt *v = l.loop[inner];
        int64_t ext;
        bool cext = ir_is_const_int(v->u.for_.extent, &ext);
        if (!cext || ext >= 2) {
            uint32_t width = cext && ext < (int64_t)w ? (uint32_t)ext : w;
            begin(s, &t);
            end(s, &t, sched_vectorize(s, st, v->u.for_.id, width, at));
        }
    }
    if (s->stages.v[st].placed && strcmp(s->stages.v[st].placed, "compute_root") != 0)
        return;
    stage_loops(s, st, &l);
    for (uint32_t i = 0; i < l.n; i++) {
        Stmt *v = l.loop[i];
        if (is_reduction_loop(s, v) || v->u.for_.kind != FOR_SERIAL)
            break;
        begin(s, &t);
        if (end(s, &t, sched_parallel(s, st, v->u.for_.id, at)))
            break;
        break;
    }
}

void auto_begin(Sched *s, Snapshot *t) { begin(s, t); }
bool auto_end(Sched *s, Snapshot *t, bool ok) { return end(s, t, ok); }
void auto_stage_loops(Sched *s, int32_t stage, StageLoops *out) { stage_loops(s, stage, out); }
bool auto_is_reduction_loop(Sched *s, Stmt *loop) { return is_reduction_loop(s, loop); }

Func *sched_auto(IrCtx *c, KernelInfo *k, Func *f, const char *target, uint32_t vector_bits, Trace **trace)
{
    Func *fc = arena_alloc(c->a, sizeof *fc);
    *fc = *f;
    Sched *s = sched_new(c, fc, k, target);
    SrcSpan at = k->ast->span;
    if (!vector_bits)
        vector_bits = 256;
    /* Consumers first; within a stage its placement, then its loops. */
    for (uint32_t oi = k->stages.n; oi-- > 0;) {
        int32_t st = (int32_t)k->order[oi];
        if (!k->stages.v[st].is_output)
            place(s, st, at);
        if (!s->stages.v[st].placed || strcmp(s->stages.v[st].placed, "compute_inline") != 0)
            loops(s, st, vector_bits, at);
    }
    if (c->a->oom)
        return NULL;
    if (trace)
        *trace = sched_trace(s);
    return sched_finish(s);
}
