/* parallel_mark: with automatic parallelism on, every serial loop at the
 * top of the kernel (inside no other loop) whose iterations are provably
 * independent becomes a parallel loop, which a backend runs on threads or
 * cores. Independent means: every buffer the body writes, unless the body
 * allocates it, is indexed by the loop variable alone in one fixed
 * dimension by every access in the body, so iterations touch disjoint
 * slices of it. Loops of other kinds are left as the schedule made them. */
#include <stdlib.h>

#include "compiler/passes/pass.h"

typedef struct Access {
    IrBuffer *buf;
    Expr    **idx;
    uint32_t  nidx;
    uint32_t  nbox;   /* a bulk copy's last nbox dimensions span a range */
    bool      store;
} Access;

typedef struct Scan {
    Visitor   v;          /* first member */
    Access   *acc;
    uint32_t  nacc, cap;
    IrBuffer *local[64];  /* allocated inside the loop: private to an iteration */
    uint32_t  nlocal;
    bool      overflow;
} Scan;

static bool add_access(Scan *s, Access a)
{
    if (s->nacc == s->cap) {
        uint32_t cap = s->cap ? 2 * s->cap : 32;
        Access *na = realloc(s->acc, cap * sizeof *na);
        if (!na) {
            s->overflow = true;
            return false;
        }
        s->acc = na, s->cap = cap;
    }
    s->acc[s->nacc++] = a;
    return true;
}

static bool scan_load(Visitor *v, Expr *e)
{
    Scan *s = (Scan *)v;
    return add_access(s, (Access){e->u.load.buf, e->u.load.idx, e->u.load.nidx, 0, false}) &&
           vis_expr_children(v, e);
}

static bool scan_store(Visitor *v, Stmt *st)
{
    Scan *s = (Scan *)v;
    return add_access(s, (Access){st->u.store.buf, st->u.store.idx, st->u.store.nidx, 0, true}) &&
           vis_stmt_children(v, st);
}

static bool scan_copy(Visitor *v, Stmt *st)
{
    Scan *s = (Scan *)v;
    return add_access(s, (Access){st->u.copy.src, st->u.copy.src_idx, st->u.copy.nsrc, st->u.copy.n, false}) &&
           add_access(s, (Access){st->u.copy.dst, st->u.copy.dst_idx, st->u.copy.ndst, st->u.copy.n, true}) &&
           vis_stmt_children(v, st);
}

static bool scan_alloc(Visitor *v, Stmt *st)
{
    Scan *s = (Scan *)v;
    if (s->nlocal == sizeof s->local / sizeof *s->local) {
        s->overflow = true;
        return false;
    }
    s->local[s->nlocal++] = st->u.alloc.buf;
    return true;
}

/* Dimension d of access a is exactly the loop variable (one element). */
static bool indexed_by(const Access *a, uint32_t d, const IrVar *iv)
{
    return d < a->nidx && d + a->nbox < a->nidx && a->idx[d]->kind == EK_VAR && a->idx[d]->u.var == iv;
}

bool pass_parallel_safe(const Stmt *loop)
{
    Scan s = {0};
    s.v.expr[EK_LOAD] = scan_load;
    s.v.stmt[SK_STORE] = scan_store;
    s.v.stmt[SK_COPY] = scan_copy;
    s.v.stmt[SK_ALLOC] = scan_alloc;
    vis_stmt(&s.v, loop->u.for_.body);
    const IrVar *iv = loop->u.for_.var;
    bool ok = !s.overflow, any = false;
    for (uint32_t i = 0; i < s.nacc && ok; i++) {
        if (!s.acc[i].store)
            continue;
        IrBuffer *b = s.acc[i].buf;
        bool private_ = false;
        for (uint32_t l = 0; l < s.nlocal; l++)
            private_ |= s.local[l] == b;
        if (private_)
            continue;
        any = true;
        /* a dimension that every access of b indexes with the loop variable */
        bool found = false;
        for (uint32_t d = 0; d < b->rank && !found; d++) {
            bool all = true;
            for (uint32_t j = 0; j < s.nacc && all; j++)
                if (s.acc[j].buf == b)
                    all = indexed_by(&s.acc[j], d, iv);
            found = all;
        }
        ok = found;
    }
    free(s.acc);
    return ok && any;
}

/* Top-level loops: those not nested in another loop. */
static Stmt *mark(IrCtx *c, Stmt *s)
{
    if (!s)
        return s;
    switch (s->kind) {
    case SK_FOR:
        return s->u.for_.kind == FOR_SERIAL && pass_parallel_safe(s) ? ir_for_kind(c, s, FOR_PARALLEL, 0) : s;
    case SK_SEQ: {
        Stmt **v = NULL;
        for (uint32_t i = 0; i < s->u.seq.n; i++) {
            Stmt *x = mark(c, s->u.seq.v[i]);
            if (x != s->u.seq.v[i] && !v) {
                v = arena_alloc(c->a, s->u.seq.n * sizeof *v);
                for (uint32_t j = 0; j < s->u.seq.n; j++)
                    v[j] = s->u.seq.v[j];
            }
            if (v)
                v[i] = x;
        }
        return v ? ir_seq_with(c, s, v, s->u.seq.n) : s;
    }
    case SK_IF: return ir_if_with(c, s, s->u.if_.cond, mark(c, s->u.if_.then_), mark(c, s->u.if_.else_));
    case SK_LET: {
        Stmt *b = mark(c, s->u.let.body);
        return b == s->u.let.body ? s : ir_let_stmt(c, s->u.let.var, s->u.let.value, b, s->loc);
    }
    default: return s;
    }
}

bool pass_parallel_mark(IrCtx *c, Func *f, const PassOpts *o)
{
    if (o->auto_parallel)
        f->body = mark(c, f->body);
    return !c->a->oom;
}
