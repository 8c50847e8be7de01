/* Bounds inference (an analysis): walks a loop nest, gives every loop
 * variable the interval of its loop (in terms of the variables bound
 * outside the nest), and takes the union, per dimension, of the intervals
 * of every index of every load and store. Needs: loop variables with Syms
 * (as lowering makes them). Establishes nothing; the IR is unchanged. */
#include "compiler/passes/bounds_infer.h"

typedef struct Iv {
    Sym *lo, *hi;    /* inclusive; NULL = unbounded */
} Iv;

typedef struct Binding {
    const Sym *var;
    Iv         iv;
} Binding;

typedef struct Infer {
    Visitor      v;          /* first: the walk */
    IrCtx       *c;
    VEC(Binding) env;        /* loop variables of the nest, innermost last */
    VEC(Region)  reads, writes;
} Infer;

static Iv point(Sym *s) { return (Iv){s, s}; }
static Iv unknown(void) { return (Iv){NULL, NULL}; }
static bool is_point(Iv x) { return x.lo && x.lo == x.hi; }

static Iv interval(Infer *b, Sym *e, int depth);

/* x * k for a constant k. */
static Iv scale(Infer *b, Iv x, int64_t k)
{
    SymCtx *sc = b->c->sym;
    Sym *lo = x.lo ? sym_muli(sc, x.lo, k) : NULL, *hi = x.hi ? sym_muli(sc, x.hi, k) : NULL;
    return k >= 0 ? (Iv){lo, hi} : (Iv){hi, lo};
}

static Iv plus(Infer *b, Iv x, Iv y)
{
    SymCtx *sc = b->c->sym;
    return (Iv){x.lo && y.lo ? sym_add(sc, x.lo, y.lo) : NULL, x.hi && y.hi ? sym_add(sc, x.hi, y.hi) : NULL};
}

static bool nonneg(Infer *b, Sym *s) { return s && sym_prove_ge(b->c->sym, s, sym_const(b->c->sym, 0)); }

static Iv times(Infer *b, Iv x, Iv y)
{
    SymCtx *sc = b->c->sym;
    if (is_point(x) && is_point(y))
        return point(sym_mul(sc, x.lo, y.lo));
    if (is_point(y)) {
        Iv t = x;
        x = y;
        y = t;
    }
    if (is_point(x) && y.lo && y.hi) {
        if (nonneg(b, x.lo))
            return (Iv){sym_mul(sc, x.lo, y.lo), sym_mul(sc, x.lo, y.hi)};
        if (nonneg(b, sym_neg(sc, x.lo)))
            return (Iv){sym_mul(sc, x.lo, y.hi), sym_mul(sc, x.lo, y.lo)};
    }
    if (x.lo && x.hi && y.lo && y.hi && nonneg(b, x.lo) && nonneg(b, y.lo))
        return (Iv){sym_mul(sc, x.lo, y.lo), sym_mul(sc, x.hi, y.hi)};
    return unknown();
}

static Iv interval(Infer *b, Sym *e, int depth)
{
    SymCtx *sc = b->c->sym;
    if (depth > 64)
        return unknown();
    switch (sym_kind(e)) {
    case SYM_CONST: return point(e);
    case SYM_VAR:
        for (uint32_t i = b->env.n; i-- > 0;)
            if (b->env.v[i].var == e)
                return b->env.v[i].iv;
        return point(e);
    case SYM_ADD: {
        Iv r = point(sym_const(sc, sym_add_const(e)));
        for (uint32_t i = 0; i < sym_nops(e); i++)
            r = plus(b, r, scale(b, interval(b, sym_op(e, i), depth + 1), sym_coef(e, i)));
        return r;
    }
    case SYM_MUL: {
        Iv r = interval(b, sym_op(e, 0), depth + 1);
        for (uint32_t i = 1; i < sym_nops(e); i++)
            r = times(b, r, interval(b, sym_op(e, i), depth + 1));
        return r;
    }
    case SYM_DIV:
    case SYM_MOD: {
        Iv x = interval(b, sym_op(e, 0), depth + 1), d = interval(b, sym_op(e, 1), depth + 1);
        if (is_point(x) && is_point(d)) /* substituted: e itself may mention inner loop variables */
            return point(sym_kind(e) == SYM_MOD ? sym_mod(sc, x.lo, d.lo) : sym_div(sc, x.lo, d.lo));
        if (!is_point(d) || !sym_prove_gt(sc, d.lo, sym_const(sc, 0)))
            return unknown();
        if (sym_kind(e) == SYM_MOD)
            return (Iv){sym_const(sc, 0), sym_addi(sc, d.lo, -1)};
        return (Iv){x.lo ? sym_div(sc, x.lo, d.lo) : NULL, x.hi ? sym_div(sc, x.hi, d.lo) : NULL};
    }
    case SYM_MIN:
    case SYM_MAX: {
        Iv x = interval(b, sym_op(e, 0), depth + 1), y = interval(b, sym_op(e, 1), depth + 1);
        Sym *(*f)(SymCtx *, Sym *, Sym *) = sym_kind(e) == SYM_MIN ? sym_min : sym_max;
        if (sym_kind(e) == SYM_MIN)
            return (Iv){x.lo && y.lo ? f(sc, x.lo, y.lo) : NULL,
                        x.hi && y.hi ? f(sc, x.hi, y.hi) : x.hi ? x.hi : y.hi};
        return (Iv){x.lo && y.lo ? f(sc, x.lo, y.lo) : x.lo ? x.lo : y.lo,
                    x.hi && y.hi ? f(sc, x.hi, y.hi) : NULL};
    }
    }
    return unknown();
}

static Iv expr_interval(Infer *b, const Expr *e)
{
    Sym *s = ir_to_sym(b->c, e);
    return s ? interval(b, s, 0) : unknown();
}

static Region *region_for(Infer *b, bool write, const IrBuffer *buf)
{
    __typeof__(b->reads) *list = write ? &b->writes : &b->reads;
    for (uint32_t i = 0; i < list->n; i++)
        if (list->v[i].buf == buf)
            return &list->v[i];
    Region r = {.buf = buf, .rank = buf->rank};
    r.min = arena_alloc(b->c->a, (buf->rank + 1) * sizeof *r.min);
    r.extent = arena_alloc(b->c->a, (buf->rank + 1) * sizeof *r.extent);
    vec_push(b->c->a, *list, r);
    return list->n ? &list->v[list->n - 1] : NULL;
}

/* During the walk Region.min holds the union's low end and Region.extent
 * its high end; `touched` marks dimensions already holding a value. */
static void add_access(Infer *b, bool write, const IrBuffer *buf, Expr **idx, uint32_t n, const Expr *pred)
{
    SymCtx *sc = b->c->sym;
    bool first = false;
    Region *r = NULL;
    __typeof__(b->reads) *list = write ? &b->writes : &b->reads;
    for (uint32_t i = 0; i < list->n && !r; i++)
        if (list->v[i].buf == buf)
            r = &list->v[i];
    if (!r) {
        r = region_for(b, write, buf);
        first = true;
    }
    if (!r || n != buf->rank)
        return;
    for (uint32_t i = 0; i < n; i++) {
        Iv x = expr_interval(b, idx[i]);
        if (pred) { /* a guarded load reads only inside the buffer */
            Sym *ext = ir_to_sym(b->c, buf->shape[i]);
            x.lo = x.lo ? sym_max(sc, x.lo, sym_const(sc, 0)) : sym_const(sc, 0);
            x.hi = ext ? (x.hi ? sym_min(sc, x.hi, sym_addi(sc, ext, -1)) : sym_addi(sc, ext, -1)) : x.hi;
        }
        if (first) {
            r->min[i] = x.lo;
            r->extent[i] = x.hi;
        } else {
            r->min[i] = r->min[i] && x.lo ? sym_min(sc, r->min[i], x.lo) : NULL;
            r->extent[i] = r->extent[i] && x.hi ? sym_max(sc, r->extent[i], x.hi) : NULL;
        }
    }
}

static bool on_load(Visitor *v, Expr *e)
{
    Infer *b = (Infer *)v;
    add_access(b, false, e->u.load.buf, e->u.load.idx, e->u.load.nidx, e->u.load.pred);
    return vis_expr_children(v, e);
}

static bool on_store(Visitor *v, Stmt *s)
{
    Infer *b = (Infer *)v;
    add_access(b, true, s->u.store.buf, s->u.store.idx, s->u.store.nidx, NULL);
    return vis_stmt_children(v, s);
}

/* A bulk copy touches its box: the union of its first and last corners. */
static void copy_access(Infer *b, bool write, IrBuffer *buf, Expr **idx, uint32_t nidx, Expr **ext, uint32_t n)
{
    add_access(b, write, buf, idx, nidx, NULL);
    Expr **last = arena_alloc(b->c->a, (nidx + 1) * sizeof *last);
    for (uint32_t i = 0; i < nidx; i++)
        last[i] = i + n >= nidx ? ir_add(b->c, idx[i], ir_add(b->c, ext[i + n - nidx], ir_i64(b->c, -1))) : idx[i];
    add_access(b, write, buf, last, nidx, NULL);
}

static bool on_copy(Visitor *v, Stmt *s)
{
    Infer *b = (Infer *)v;
    copy_access(b, false, s->u.copy.src, s->u.copy.src_idx, s->u.copy.nsrc, s->u.copy.extent, s->u.copy.n);
    copy_access(b, true, s->u.copy.dst, s->u.copy.dst_idx, s->u.copy.ndst, s->u.copy.extent, s->u.copy.n);
    return vis_stmt_children(v, s);
}

static bool on_for(Visitor *v, Stmt *s)
{
    Infer *b = (Infer *)v;
    IrVar *x = s->u.for_.var;
    if (!vis_expr(v, s->u.for_.min) || !vis_expr(v, s->u.for_.extent))
        return false;
    Iv lo = expr_interval(b, s->u.for_.min);
    Iv last = expr_interval(b, ir_add(b->c, s->u.for_.min, ir_add(b->c, s->u.for_.extent, ir_i64(b->c, -1))));
    uint32_t mark = b->env.n;
    if (x->sym)
        vec_push(b->c->a, b->env, ((Binding){x->sym, (Iv){lo.lo, last.hi}}));
    bool ok = vis_stmt(v, s->u.for_.body);
    b->env.n = mark;
    return ok;
}

static void finish(Infer *b, Region *v, uint32_t n)
{
    SymCtx *sc = b->c->sym;
    for (uint32_t k = 0; k < n; k++)
        for (uint32_t i = 0; i < v[k].rank; i++) {
            Sym *lo = v[k].min[i], *hi = v[k].extent[i];
            v[k].min[i] = lo && hi ? lo : NULL;
            v[k].extent[i] = lo && hi ? sym_addi(sc, sym_sub(sc, hi, lo), 1) : NULL;
        }
}

BoundsMap *bounds_infer(IrCtx *c, const Stmt *s)
{
    Infer b = {.c = c};
    b.v.expr[EK_LOAD] = on_load;
    b.v.stmt[SK_STORE] = on_store;
    b.v.stmt[SK_FOR] = on_for;
    b.v.stmt[SK_COPY] = on_copy;
    vis_stmt(&b.v, (Stmt *)s);
    finish(&b, b.reads.v, b.reads.n);
    finish(&b, b.writes.v, b.writes.n);
    BoundsMap *m = arena_alloc(c->a, sizeof *m);
    *m = (BoundsMap){b.reads.v, b.writes.v, b.reads.n, b.writes.n};
    return m;
}

static const Region *find(const Region *v, uint32_t n, const IrBuffer *buf)
{
    for (uint32_t i = 0; i < n; i++)
        if (v[i].buf == buf)
            return &v[i];
    return NULL;
}

const Region *bounds_read(const BoundsMap *m, const IrBuffer *buf) { return find(m->reads, m->nreads, buf); }
const Region *bounds_written(const BoundsMap *m, const IrBuffer *buf) { return find(m->writes, m->nwrites, buf); }
