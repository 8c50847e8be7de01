/* tensorize(v, gemm) on the CPU: the nest of three loops starting at v
 * (an i block, a j block and k, in any order, with split guards and
 * possibly the reduction's init above k) whose body is
 * c[.., ..] = c[.., ..] + a[.., ..] * b[.., ..] becomes a register-blocked
 * micro-kernel:
 *
 *     alloc acc: T[MR, NR] local
 *     for i { vectorized(NR) for j { acc[i, j] = init, or c[..] } }
 *     for k { unrolled for i { vectorized(NR) for j { acc[i, j] += a * b } } }
 *     for i { vectorized(NR) for j { if in range { c[..] = acc[i, j] } } }
 *     free acc
 *
 * MR x NR accumulators stay in registers (MR unrolled, NR vector lanes);
 * every element is summed in the same order as before, so the result is
 * identical. Guards become load predicates (a lane out of range adds 0);
 * when they are upper bounds growing with the loops, a second copy without
 * predicates runs for whole tiles with unit column strides of c and b:
 *
 *     if last i, j, k in range && c.s1 == 1 && b.s1 == 1 { unguarded } else { guarded } */
#include <math.h>

#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

enum { MAXL = 8, MAXG = 16 };

typedef struct Nest {
    Stmt  *loops[MAXL];
    Expr  *guards[MAXG];
    uint32_t nl, ng, init_depth;   /* init_depth: loops above the init */
    Stmt  *init, *store;
} Nest;

static bool walk(Stmt *st, Nest *n)
{
    for (;;) {
        if (st->kind == SK_FOR && n->nl < MAXL) {
            n->loops[n->nl++] = st;
            st = st->u.for_.body;
        } else if (st->kind == SK_IF && !st->u.if_.else_ && n->ng < MAXG) {
            n->guards[n->ng++] = st->u.if_.cond;
            st = st->u.if_.then_;
        } else if (st->kind == SK_SEQ && st->u.seq.n == 2 && !n->init && st->u.seq.v[0]->kind == SK_STORE) {
            n->init = st->u.seq.v[0];
            n->init_depth = n->nl;
            st = st->u.seq.v[1];
        } else {
            n->store = st->kind == SK_STORE ? st : NULL;
            return n->store != NULL;
        }
    }
}

static bool idx_uses(Expr *e, const IrVar *v)
{
    for (uint32_t i = 0; i < e->u.load.nidx; i++)
        if (ir_expr_uses(e->u.load.idx[i], v))
            return true;
    return false;
}

static Expr *and_all(IrCtx *c, Expr **v, uint32_t n, SrcSpan at)
{
    Expr *r = NULL;
    for (uint32_t i = 0; i < n; i++)
        r = r ? ir_bin(c, BOP_AND, r, v[i], at) : v[i];
    return r;
}

static Expr *with_pred(IrCtx *c, Expr *ld, Expr *pred)
{
    if (!pred)
        return ld;
    Expr *p = ld->u.load.pred ? ir_bin(c, BOP_AND, pred, ld->u.load.pred, ld->loc) : pred;
    return ir_load(c, ld->u.load.buf, ld->u.load.idx, ld->u.load.nidx, p, ld->loc);
}

/* An operand of the product as a load: a load, or a guarded load
 * `select(P, x[..] pred P, 0.0)` (a `??` default of zero, conv2d's padding)
 * as the predicated load, which reads 0 where P is false. */
static Expr *as_load(IrCtx *c, Expr *e)
{
    if (e->kind == EK_LOAD)
        return e;
    if (e->kind != EK_SELECT || e->u.sel.t->kind != EK_LOAD || e->u.sel.f->kind != EK_FLOAT ||
        e->u.sel.f->u.fval != 0 || signbit(e->u.sel.f->u.fval))
        return NULL;
    Expr *ld = e->u.sel.t, *p = e->u.sel.cond;
    if (ld->u.load.pred && !ir_expr_equal(ld->u.load.pred, p))
        p = ir_bin(c, BOP_AND, p, ld->u.load.pred, ld->loc);
    return ir_load(c, ld->u.load.buf, ld->u.load.idx, ld->u.load.nidx, p, ld->loc);
}

typedef struct Put {
    Stmt *by;
} Put;

static Stmt *put(Sched *s, Stmt *old, void *ud)
{
    (void)s;
    (void)old;
    return ((Put *)ud)->by;
}

/* Everything the micro-kernel is built from: the i and j block loops, the
 * reduction loops K (one or more, in nest order: their order is the order
 * of the sum), the update c = c + a * b and the reduction's init if any. */
typedef struct Kern {
    IrCtx  *c;
    Stmt   *st, *init, *L[2], *K[MAXL];
    uint32_t nk;
    Expr   *val, *lc, *la, *lb;
    int64_t MR, NR;
    SrcSpan at;
} Kern;

/* How a kernel handles the split guards. The guarded kernel puts them all
 * on its loads (pij, pall). The edge kernel sorts them: guards on k only
 * bound their reduction loop (kg[t] wraps the body of K[t]; guard_sink
 * makes it the loop's end), guards on j only mask the lanes of c and b
 * (pj), guards on i only guard the rows of c (pi), and a's row index is
 * clamped to the last row in range (ai), so the rows past the edge compute
 * on a valid row and are never stored. */
typedef struct Guards {
    Expr *pij, *pall;       /* guarded kernel */
    Expr *pi, *pj, *ai;     /* edge kernel */
    Expr *kg[MAXL];
    bool  edge;
} Guards;

static Stmt *ij_nest(const Kern *k, Stmt *body, Expr *row_guard)
{
    IrCtx *c = k->c;
    Stmt *const *L = k->L;
    ForKind ik = k->MR > 1 && k->MR <= 16 ? FOR_UNROLLED : FOR_SERIAL;
    ForKind jk = k->NR > 1 && k->NR <= 64 ? FOR_VECTORIZED : FOR_SERIAL;
    Stmt *j = ir_for(c, ir_new_loop_id(c), L[1]->u.for_.var, L[1]->u.for_.min, L[1]->u.for_.extent, jk, body, k->at);
    j->u.for_.factor = jk == FOR_VECTORIZED ? (uint32_t)k->NR : 0;
    if (row_guard)
        j = ir_if(c, row_guard, j, NULL, k->at);
    return ir_for(c, ir_new_loop_id(c), L[0]->u.for_.var, L[0]->u.for_.min, L[0]->u.for_.extent, ik, j, k->at);
}

/* The micro-kernel:
 *     alloc acc; acc = init or c; for K.. { acc += a * b }; c = acc; free acc
 * with the guards of g (guarded or edge kernel) or none (whole tiles). */
static Stmt *micro(const Kern *k, const Guards *g)
{
    IrCtx *c = k->c;
    SrcSpan at = k->at;
    Stmt *const *L = k->L;
    IrBuffer *C = k->st->u.store.buf;
    Expr *shape[2] = {ir_i64(c, k->MR), ir_i64(c, k->NR)};
    IrBuffer *acc = ir_new_buffer(c, arena_printf(c->a, "%s_acc", C->name), C->ty, BUF_LOCAL, SCOPE_LOCAL, 2, shape,
                                  at);
    Expr *ai[2] = {ir_sub(c, ir_var(c, L[0]->u.for_.var, at), L[0]->u.for_.min),
                   ir_sub(c, ir_var(c, L[1]->u.for_.var, at), L[1]->u.for_.min)};
    Expr *accv = ir_load(c, acc, ai, 2, NULL, at);
    Expr *pc = g ? (g->edge ? g->pj : g->pij) : NULL;
    if (g && g->edge && g->pi)
        pc = pc ? ir_bin(c, BOP_AND, g->pi, pc, at) : g->pi;
    Expr *first = k->init ? k->init->u.store.value : with_pred(c, k->lc, pc);
    Stmt *s_init = ir_store(c, acc, ai, 2, first, at);
    Expr *la = k->la, *lb = k->lb;
    if (g && g->edge) {
        if (g->ai)
            la = ir_subst_expr(c, la, L[0]->u.for_.var, g->ai);
        lb = with_pred(c, lb, g->pj);
    } else if (g) {
        la = with_pred(c, la, g->pall);
        lb = with_pred(c, lb, g->pall);
    }
    Expr *prod = ir_bin(c, BOP_MUL, la, lb, k->val->u.bin.b->loc);
    Stmt *s_upd = ir_store(c, acc, ai, 2, ir_bin(c, BOP_ADD, accv, prod, k->val->loc), at);
    Stmt *s_out = ir_store(c, C, k->st->u.store.idx, k->st->u.store.nidx, accv, at);
    Expr *pout = g ? (g->edge ? g->pj : g->pij) : NULL;
    if (pout)
        s_out = ir_if(c, pout, s_out, NULL, at);
    Stmt *upd = ij_nest(k, s_upd, NULL);
    for (uint32_t t = k->nk; t-- > 0;) {
        Stmt *K = k->K[t];
        if (g && g->edge && g->kg[t])
            upd = ir_if(c, g->kg[t], upd, NULL, K->loc);
        upd = ir_for(c, ir_new_loop_id(c), K->u.for_.var, K->u.for_.min, K->u.for_.extent, FOR_SERIAL, upd, K->loc);
    }
    Stmt *w[5] = {ir_alloc(c, acc, at), ij_nest(k, s_init, NULL), upd,
                  ij_nest(k, s_out, g && g->edge ? g->pi : NULL), ir_free(c, acc, at)};
    return ir_seq(c, w, 5, at);
}

static bool uses_any(Expr *e, Stmt *const *loops, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (ir_expr_uses(e, loops[i]->u.for_.var))
            return true;
    return false;
}

/* The last value of v a guard `v + c < y` or `v + c <= y` lets through:
 * y - c - 1 (y - c); NULL for another form. */
static Expr *last_in_range(Sched *s, Expr *e, IrVar *v)
{
    IrCtx *c = s->c;
    if (e->kind != EK_BIN || (e->u.bin.op != BOP_LT && e->u.bin.op != BOP_LE) || ir_expr_loads(e) ||
        !ir_plus_var(e->u.bin.a, v) || ir_expr_uses(e->u.bin.b, v))
        return NULL;
    Expr *c0 = ir_subst_expr(s->c, e->u.bin.a, v, ir_i64(c, 0));
    Expr *lim = ir_sub(c, e->u.bin.b, c0);
    return e->u.bin.op == BOP_LT ? ir_sub(c, lim, ir_i64(c, 1)) : lim;
}

/* Sorts the guards for the edge kernel (Guards); false when one of them
 * does not fit it (a guard on two roles, a row guard of another form).
 * *enter: the invariant guards and the guards at the first i and j, under
 * which the tile has a row and a column in range. */
static bool edge_guards(Sched *s, const Kern *k, Expr *const *gs, uint32_t ng, Guards *g, Expr **enter)
{
    IrCtx *c = s->c;
    SrcSpan at = k->at;
    IrVar *iv = k->L[0]->u.for_.var, *jv = k->L[1]->u.for_.var;
    Expr *pi[MAXG], *pj[MAXG], *in[MAXG], *ai = NULL;
    uint32_t npi = 0, npj = 0, nin = 0;
    for (uint32_t x = 0; x < ng; x++) {
        Expr *e = gs[x];
        bool ui = ir_expr_uses(e, iv), uj = ir_expr_uses(e, jv), uk = uses_any(e, k->K, k->nk);
        if (ui + uj + uk > 1)
            return false;
        if (ui) {
            Expr *last = last_in_range(s, e, iv);
            if (!last)
                return false;
            ai = ir_bin(c, BOP_MIN, ai ? ai : ir_var(c, iv, at), last, at);
            pi[npi++] = e;
            in[nin++] = ir_subst_expr(s->c, e, iv, k->L[0]->u.for_.min);
        } else if (uj) {
            pj[npj++] = e;
            in[nin++] = ir_subst_expr(s->c, e, jv, k->L[1]->u.for_.min);
        } else if (uk) {
            uint32_t t = k->nk;
            while (!ir_expr_uses(e, k->K[t - 1]->u.for_.var))
                t--;
            g->kg[t - 1] = g->kg[t - 1] ? ir_bin(c, BOP_AND, g->kg[t - 1], e, at) : e;
        } else {
            in[nin++] = e;
        }
    }
    g->edge = true;
    g->pi = and_all(c, pi, npi, at);
    g->pj = and_all(c, pj, npj, at);
    g->ai = ai;
    *enter = and_all(c, in, nin, at);
    return true;
}

/* A condition under which every guard holds for the whole tile, or NULL:
 * each guard is x < y or x <= y with y - x provably non-increasing in
 * each of the loop variables, so it holds everywhere when it holds
 * at their last iterations. */
static Expr *full_tile(Sched *s, Stmt *const *L, uint32_t nl, Expr *const *g, uint32_t ng, SrcSpan at)
{
    IrCtx *c = s->c;
    SymCtx *sc = c->sym;
    Expr *r = NULL;
    for (uint32_t i = 0; i < ng; i++) {
        Expr *e = g[i];
        if (e->kind != EK_BIN || (e->u.bin.op != BOP_LT && e->u.bin.op != BOP_LE))
            return NULL;
        Sym *a = sched_to_sym(s, e->u.bin.a), *b = sched_to_sym(s, e->u.bin.b);
        if (!a || !b)
            return NULL;
        Sym *d = sym_sub(sc, a, b);
        for (uint32_t l = 0; l < nl; l++) {
            IrVar *x = L[l]->u.for_.var;
            if (!x->sym)
                return NULL;
            if (!sym_depends_on(d, x->sym))
                continue;
            Sym *step = sym_sub(sc, sym_subst(sc, d, x->sym, sym_addi(sc, x->sym, 1)), d);
            if (!sym_prove_ge(sc, step, sym_const(sc, 0)))
                return NULL;
            Expr *last = ir_sub(c, ir_add(c, L[l]->u.for_.min, L[l]->u.for_.extent), ir_i64(c, 1));
            e = ir_subst_expr(s->c, e, x, last);
        }
        r = r ? ir_bin(c, BOP_AND, r, e, at) : e;
    }
    return r;
}

/* c.sN == 1 && b.sN == 1: the lanes are contiguous in both. */
static Expr *unit_columns(IrCtx *c, const Kern *k, Expr *cond)
{
    IrBuffer *unit[2] = {k->st->u.store.buf, k->lb->u.load.buf};
    for (int u = 0; u < 2; u++)
        if (unit[u]->strides && unit[u]->rank) {
            Expr *one = ir_bin(c, BOP_EQ, ir_var(c, unit[u]->strides[unit[u]->rank - 1], k->at), ir_i64(c, 1), k->at);
            cond = cond ? ir_bin(c, BOP_AND, cond, one, k->at) : one;
        }
    return cond;
}

bool sched_tensorize(Sched *s, int32_t stage, LoopId v, SrcSpan at)
{
    IrCtx *c = s->c;
    Stmt *V = sched_find_for(s->f->body, v);
    const char *vn = sched_loop_name(s, v);
    if (!V)
        return sched_error(s, at, "unknown loop in tensorize"), false;
    Nest n = {0};
    bool ok = walk(V, &n) && n.nl >= 3;
    Stmt *st = n.store;
    Expr *val = ok ? st->u.store.value : NULL, *lc = NULL, *la = NULL, *lb = NULL;
    if (ok && val->kind == EK_BIN && val->u.bin.op == BOP_ADD && val->u.bin.a->kind == EK_LOAD &&
        val->u.bin.b->kind == EK_BIN && val->u.bin.b->u.bin.op == BOP_MUL) {
        lc = val->u.bin.a;
        la = as_load(c, val->u.bin.b->u.bin.a);
        lb = as_load(c, val->u.bin.b->u.bin.b);
        if (!la || !lb)
            lc = NULL;
    }
    ok = lc && lc->u.load.buf == st->u.store.buf && !lc->u.load.pred && lc->u.load.nidx == st->u.store.nidx &&
         la->u.load.buf != st->u.store.buf && lb->u.load.buf != st->u.store.buf;
    for (uint32_t i = 0; ok && i < st->u.store.nidx; i++)
        ok = ir_expr_equal(lc->u.load.idx[i], st->u.store.idx[i]);
    /* roles: i in c and a, j in c and b, k in a and b (several k loops
     * keep their nest order: it is the order of the sum) */
    Kern kn = {.c = c, .st = st, .val = val, .lc = lc, .la = la, .lb = lb, .init = n.init, .at = at};
    for (uint32_t i = 0; ok && i < n.nl; i++) {
        IrVar *x = n.loops[i]->u.for_.var;
        bool uc = idx_uses(lc, x), ua = idx_uses(la, x), ub = idx_uses(lb, x);
        int role = uc && ua && !ub ? 0 : uc && ub && !ua ? 1 : ua && ub && !uc ? 2 : -1;
        if (role < 0 || (role < 2 && kn.L[role]))
            ok = false;
        else if (role < 2)
            kn.L[role] = n.loops[i];
        else
            kn.K[kn.nk++] = n.loops[i];
    }
    ok = ok && kn.L[0] && kn.L[1] && kn.nk;
    /* The lanes run along c's last index: when the first operand of the
     * product is the one indexed by it, swap the operands (a * b == b * a). */
    if (ok && st->u.store.nidx && ir_expr_uses(st->u.store.idx[st->u.store.nidx - 1], kn.L[0]->u.for_.var) &&
        !ir_expr_uses(st->u.store.idx[st->u.store.nidx - 1], kn.L[1]->u.for_.var)) {
        Stmt *t = kn.L[0];
        kn.L[0] = kn.L[1], kn.L[1] = t;
        Expr *e = kn.la;
        kn.la = kn.lb, kn.lb = e;
    }
    for (uint32_t i = 0; ok && i < n.nl; i++)
        for (uint32_t j = 0; j < n.nl; j++)
            if (ir_expr_uses(n.loops[i]->u.for_.extent, n.loops[j]->u.for_.var) ||
                ir_expr_uses(n.loops[i]->u.for_.min, n.loops[j]->u.for_.var))
                ok = false;
    if (ok && n.init) {
        Stmt *in = n.init;
        ok = in->u.store.buf == st->u.store.buf && !sched_count_loads(in, st->u.store.buf) && n.init_depth == 2 &&
             n.loops[2] == kn.K[0];
        for (uint32_t i = 0; ok && i < in->u.store.nidx; i++)
            ok = ir_expr_equal(in->u.store.idx[i], st->u.store.idx[i]);
    }
    Expr *gij[MAXG];
    uint32_t nij = 0;
    for (uint32_t g = 0; ok && g < n.ng; g++) {
        bool uk = uses_any(n.guards[g], kn.K, kn.nk);
        bool uij = uses_any(n.guards[g], kn.L, 2);
        if (uk && uij)
            ok = false;
        else if (!uk)
            gij[nij++] = n.guards[g];
    }
    if (!ok)
        return sched_error_loop(s, at, v, "tensorize(%s, gemm) needs a loop nest of the form c[i, j] += a[i, k] * "
                                "b[k, j] below '%s'", vn, vn), false;
    Stmt *const *L = kn.L;
    if (!ir_is_const_int(L[0]->u.for_.extent, &kn.MR) || !ir_is_const_int(L[1]->u.for_.extent, &kn.NR) ||
        kn.MR < 1 || kn.NR < 1 || kn.MR * kn.NR > 1024)
        return sched_error_loop(s, at, v, "tensorize(%s, gemm) needs constant i and j block extents with at most "
                                "1024 accumulators (split i and j first); here they are %s and %s", vn,
                                ir_expr_str(c->a, L[0]->u.for_.extent), ir_expr_str(c->a, L[1]->u.for_.extent)),
               false;
    Guards guarded = {.pij = and_all(c, gij, nij, at), .pall = and_all(c, n.guards, n.ng, at)}, edge = {0};
    Stmt *by = micro(&kn, n.ng ? &guarded : NULL);
    /* Tiles with unit column strides of c and b run a copy the backend
     * emits as vector code (docs/cpu-backend.md): the edge kernel when the
     * guards fit it (every tile with a row and a column in range), else a
     * copy without guards for whole tiles. */
    Expr *enter = NULL;
    if (n.ng && edge_guards(s, &kn, n.guards, n.ng, &edge, &enter)) {
        Expr *cond = unit_columns(c, &kn, enter);
        by = cond ? ir_if(c, cond, micro(&kn, &edge), by, at) : micro(&kn, &edge);
    } else {
        Expr *fast = n.ng ? full_tile(s, n.loops, n.nl, n.guards, n.ng, at) : NULL;
        if (!n.ng || fast) {
            fast = unit_columns(c, &kn, fast);
            if (fast)
                by = ir_if(c, fast, micro(&kn, NULL), by, at);
        }
    }
    Put p = {by};
    for (uint32_t i = 0; i < n.nl; i++)
        sched_retire(s, n.loops[i]->u.for_.id, "tensorized", at);
    sched_replace_for(s, v, put, &p);
    sched_record(s, "%s.tensorize(%s, gemm);", s->stages.v[stage].name, vn);
    return true;
}

/* The checker made sure the operation is the target's; the loop scheduler
 * implements gemm only so far. */
bool sched_do_tensorize(Sched *s, SchedDirective *d)
{
    if (strcmp(d->args[1].name, "gemm") != 0)
        return sched_error(s, d->at, "tensorize onto '%s' is not supported by the %s loop scheduler yet",
                           d->args[1].name, s->target), false;
    return sched_tensorize(s, d->stage, d->args[0].loop, d->at);
}
