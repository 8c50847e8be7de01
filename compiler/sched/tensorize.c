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
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

enum { MAXL = 8, MAXG = 16 };

typedef struct Nest {
    Stmt  *loops[MAXL];
    Expr  *guards[MAXG];
    uint32_t nl, ng;
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

typedef struct Put {
    Stmt *by;
} Put;

static Stmt *put(Sched *s, Stmt *old, void *ud)
{
    (void)s;
    (void)old;
    return ((Put *)ud)->by;
}

/* Everything the micro-kernel is built from. */
typedef struct Kern {
    IrCtx  *c;
    Stmt   *st, *init, *L[3];
    Expr   *val, *lc, *la, *lb;
    int64_t MR, NR;
    SrcSpan at;
} Kern;

/* The micro-kernel with guards pij (on i and j) and pall (all guards) as
 * load predicates and a store guard; NULL for none. */
static Stmt *micro(const Kern *k, Expr *pij, Expr *pall)
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
    Expr *first = k->init ? k->init->u.store.value : with_pred(c, k->lc, pij);
    Stmt *s_init = ir_store(c, acc, ai, 2, first, at);
    Expr *prod = ir_bin(c, BOP_MUL, with_pred(c, k->la, pall), with_pred(c, k->lb, pall), k->val->u.bin.b->loc);
    Stmt *s_upd = ir_store(c, acc, ai, 2, ir_bin(c, BOP_ADD, accv, prod, k->val->loc), at);
    Stmt *s_out = ir_store(c, C, k->st->u.store.idx, k->st->u.store.nidx, accv, at);
    if (pij)
        s_out = ir_if(c, pij, s_out, NULL, at);
    ForKind ik = k->MR > 1 && k->MR <= 16 ? FOR_UNROLLED : FOR_SERIAL;
    ForKind jk = k->NR > 1 && k->NR <= 64 ? FOR_VECTORIZED : FOR_SERIAL;
    Stmt *parts[3] = {s_init, s_upd, s_out};
    for (int p = 0; p < 3; p++) {
        Stmt *j = ir_for(c, ir_new_loop_id(c), L[1]->u.for_.var, L[1]->u.for_.min, L[1]->u.for_.extent, jk,
                         parts[p], at);
        j->u.for_.factor = jk == FOR_VECTORIZED ? (uint32_t)k->NR : 0;
        parts[p] = ir_for(c, ir_new_loop_id(c), L[0]->u.for_.var, L[0]->u.for_.min, L[0]->u.for_.extent,
                          ik, j, at);
    }
    Stmt *K = L[2];
    Stmt *kl = ir_for(c, ir_new_loop_id(c), K->u.for_.var, K->u.for_.min, K->u.for_.extent, FOR_SERIAL, parts[1],
                      K->loc);
    Stmt *w[5] = {ir_alloc(c, acc, at), parts[0], kl, parts[2], ir_free(c, acc, at)};
    return ir_seq(c, w, 5, at);
}

/* A condition under which every guard holds for the whole tile, or NULL:
 * each guard is x < y or x <= y with y - x provably non-increasing in
 * each of the three loop variables, so it holds everywhere when it holds
 * at their last iterations. */
static Expr *full_tile(Sched *s, Stmt *const *L, Expr *const *g, uint32_t ng, SrcSpan at)
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
        for (int l = 0; l < 3; l++) {
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

bool sched_tensorize(Sched *s, int32_t stage, LoopId v, SrcSpan at)
{
    IrCtx *c = s->c;
    Stmt *V = sched_find_for(s->f->body, v);
    const char *vn = sched_loop_name(s, v);
    if (!V)
        return sched_error(s, at, "unknown loop in tensorize"), false;
    Nest n = {0};
    bool ok = walk(V, &n) && n.nl == 3;
    Stmt *st = n.store;
    Expr *val = ok ? st->u.store.value : NULL, *lc = NULL, *la = NULL, *lb = NULL;
    if (ok && val->kind == EK_BIN && val->u.bin.op == BOP_ADD && val->u.bin.a->kind == EK_LOAD &&
        val->u.bin.b->kind == EK_BIN && val->u.bin.b->u.bin.op == BOP_MUL && val->u.bin.b->u.bin.a->kind == EK_LOAD &&
        val->u.bin.b->u.bin.b->kind == EK_LOAD) {
        lc = val->u.bin.a;
        la = val->u.bin.b->u.bin.a;
        lb = val->u.bin.b->u.bin.b;
    }
    ok = lc && lc->u.load.buf == st->u.store.buf && !lc->u.load.pred && lc->u.load.nidx == st->u.store.nidx &&
         la->u.load.buf != st->u.store.buf && lb->u.load.buf != st->u.store.buf;
    for (uint32_t i = 0; ok && i < st->u.store.nidx; i++)
        ok = ir_expr_equal(lc->u.load.idx[i], st->u.store.idx[i]);
    /* roles: i in c and a, j in c and b, k in a and b */
    Stmt *L[3] = {0};
    for (uint32_t i = 0; ok && i < 3; i++) {
        IrVar *x = n.loops[i]->u.for_.var;
        bool uc = idx_uses(lc, x), ua = idx_uses(la, x), ub = idx_uses(lb, x);
        int role = uc && ua && !ub ? 0 : uc && ub && !ua ? 1 : ua && ub && !uc ? 2 : -1;
        if (role < 0 || L[role])
            ok = false;
        else
            L[role] = n.loops[i];
    }
    for (uint32_t i = 0; ok && i < 3; i++)
        for (uint32_t j = 0; j < 3; j++)
            if (ir_expr_uses(n.loops[i]->u.for_.extent, n.loops[j]->u.for_.var) ||
                ir_expr_uses(n.loops[i]->u.for_.min, n.loops[j]->u.for_.var))
                ok = false;
    if (ok && n.init) {
        Stmt *in = n.init;
        ok = in->u.store.buf == st->u.store.buf && !sched_count_loads(in, st->u.store.buf) &&
             n.loops[2] == L[2];
        for (uint32_t i = 0; ok && i < in->u.store.nidx; i++)
            ok = ir_expr_equal(in->u.store.idx[i], st->u.store.idx[i]);
    }
    Expr *gij[MAXG];
    uint32_t nij = 0;
    for (uint32_t g = 0; ok && g < n.ng; g++) {
        bool uk = ir_expr_uses(n.guards[g], L[2]->u.for_.var);
        bool uij = ir_expr_uses(n.guards[g], L[0]->u.for_.var) ||
                   ir_expr_uses(n.guards[g], L[1]->u.for_.var);
        if (uk && uij)
            ok = false;
        else if (!uk)
            gij[nij++] = n.guards[g];
    }
    if (!ok)
        return sched_error_loop(s, at, v, "tensorize(%s, gemm) needs a loop nest of the form c[i, j] += a[i, k] * "
                                "b[k, j] below '%s'", vn, vn), false;
    int64_t MR, NR;
    if (!ir_is_const_int(L[0]->u.for_.extent, &MR) || !ir_is_const_int(L[1]->u.for_.extent, &NR) || MR < 1 ||
        NR < 1 || MR * NR > 1024)
        return sched_error_loop(s, at, v, "tensorize(%s, gemm) needs constant i and j block extents with at most "
                                "1024 accumulators (split i and j first); here they are %s and %s", vn,
                                ir_expr_str(c->a, L[0]->u.for_.extent), ir_expr_str(c->a, L[1]->u.for_.extent)),
               false;
    Kern kn = {.c = c, .st = st, .val = val, .lc = lc, .la = la, .lb = lb, .init = n.init, .MR = MR, .NR = NR,
               .at = at};
    memcpy(kn.L, L, sizeof L);
    Expr *pij = and_all(c, gij, nij, at), *pall = and_all(c, n.guards, n.ng, at);
    Stmt *by = micro(&kn, pij, pall);
    /* Tiles entirely in range, with unit column strides of c and b, run a
     * copy without predicates; the backend emits its lane loops as
     * contiguous vector accesses (docs/cpu-backend.md). */
    Expr *fast = pall ? full_tile(s, L, n.guards, n.ng, at) : NULL;
    if (!pall || fast) {
        IrBuffer *unit[2] = {st->u.store.buf, lb->u.load.buf};
        for (int u = 0; u < 2; u++)
            if (unit[u]->strides && unit[u]->rank) {
                Expr *one = ir_bin(c, BOP_EQ, ir_var(c, unit[u]->strides[unit[u]->rank - 1], at), ir_i64(c, 1), at);
                fast = fast ? ir_bin(c, BOP_AND, fast, one, at) : one;
            }
        if (fast)
            by = ir_if(c, fast, micro(&kn, NULL, NULL), by, at);
    }
    Put p = {by};
    for (uint32_t i = 0; i < 3; i++)
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
