/* rfactor(k, kf): the reduction over loop k becomes a new stage of partial
 * results indexed by a pure loop kf (k's iterations), computed where the
 * reduction was:
 *
 *     alloc rf: T[Ek] local
 *     for kf: rf[kf] = init                      (its own init nest)
 *     ... reduction loops ... for kf: rf[kf] = rf[kf] op v
 *     s[..] = init
 *     for kf: s[..] = s[..] op rf[kf]             (s now reduces over kf)
 *     free rf
 *
 * so rf's kf loop can be vectorized or parallelized. The reduction must
 * still have its init directly outside its reduction loops (the default
 * nest, or after reorders among reduction loops). Sums of floats are
 * reassociated: results agree within rounding (docs/schedules.md). */
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"
#include "lang/intrinsics.h"

/* The one store inside st to a buffer not allocated inside st. */
typedef struct Upd {
    Visitor         v;
    VEC(IrBuffer *) inner;
    Stmt           *store;
    uint32_t        n;
    Arena          *a;
} Upd;

static bool on_upd_alloc(Visitor *v, Stmt *st)
{
    Upd *u = (Upd *)v;
    vec_push(u->a, u->inner, st->u.alloc.buf);
    return true;
}

static bool on_upd_store(Visitor *v, Stmt *st)
{
    Upd *u = (Upd *)v;
    for (uint32_t i = 0; i < u->inner.n; i++)
        if (u->inner.v[i] == st->u.store.buf)
            return true;
    u->store = st;
    u->n++;
    return true;
}

static bool same_idx(Expr **a, Expr **b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!ir_expr_equal(a[i], b[i]))
            return false;
    return true;
}

/* value = acc op x with acc = buf[idx]: the operand x, or NULL. */
static Expr *update_operand(Stmt *st)
{
    Expr *v = st->u.store.value, *acc = NULL, *x = NULL;
    if (v->kind == EK_BIN && (v->u.bin.op == BOP_ADD || v->u.bin.op == BOP_MUL)) {
        acc = v->u.bin.a;
        x = v->u.bin.b;
    } else if (v->kind == EK_CALL && v->u.call.nargs == 2 &&
               (v->u.call.intrinsic == INTR_MAX || v->u.call.intrinsic == INTR_MIN)) {
        acc = v->u.call.args[0];
        x = v->u.call.args[1];
    }
    if (!acc || acc->kind != EK_LOAD || acc->u.load.buf != st->u.store.buf || acc->u.load.pred ||
        acc->u.load.nidx != st->u.store.nidx || !same_idx(acc->u.load.idx, st->u.store.idx, st->u.store.nidx))
        return NULL;
    return x;
}

/* The update's value with acc replaced by `acc` and x by `x`. */
static Expr *combine(IrCtx *c, Expr *v, Expr *acc, Expr *x)
{
    if (v->kind == EK_BIN)
        return ir_bin(c, v->u.bin.op, acc, x, v->loc);
    Expr *a[2] = {acc, x};
    return ir_call(c, v->ty, v->u.call.intrinsic, a, 2, v->loc);
}

typedef struct ToRf {
    Mutator   m;
    Stmt     *store;
    IrBuffer *rf;
    Expr     *ri;     /* rf's index */
} ToRf;

static Stmt *on_torf_store(Mutator *m, Stmt *st)
{
    ToRf *t = (ToRf *)m;
    if (st != t->store)
        return mut_stmt_children(m, st);
    Expr *idx[1] = {t->ri};
    Expr *acc = ir_load(m->c, t->rf, idx, 1, NULL, st->loc);
    return ir_store(m->c, t->rf, idx, 1, combine(m->c, st->u.store.value, acc, update_operand(st)), st->loc);
}

/* The argmax/argmin whose reduction variable has symbol `var`, or NULL. */
static const AstExpr *arg_reduction(const AstExpr *e, const KernelInfo *k, const Sym *var)
{
    if (!e)
        return NULL;
    const AstExpr *r = NULL;
    switch (e->kind) {
    case EX_REDUCE:
        for (uint32_t i = 0; i < e->u.reduce.vars.n && RED_IS_ARG(e->u.reduce.op); i++)
            if (k->rvars.v[e->u.reduce.vars.v[i].rvar].sym == var)
                return e;
        return arg_reduction(e->u.reduce.body, k, var);
    case EX_UNARY: return arg_reduction(e->u.unary.x, k, var);
    case EX_BINARY:
        r = arg_reduction(e->u.binary.a, k, var);
        return r ? r : arg_reduction(e->u.binary.b, k, var);
    case EX_CALL:
        for (uint32_t i = 0; i < e->u.call.args.n && !r; i++)
            r = arg_reduction(e->u.call.args.v[i], k, var);
        return r;
    case EX_ACCESS:
        for (uint32_t i = 0; i < e->u.access.idx.n && !r; i++)
            r = arg_reduction(e->u.access.idx.v[i], k, var);
        return r ? r : arg_reduction(e->u.access.dflt, k, var);
    default: return NULL;
    }
}

bool sched_rfactor(Sched *s, int32_t stage, LoopId k, const char *kf, const char *name, SrcSpan at, int32_t *out)
{
    IrCtx *c = s->c;
    SymCtx *sc = c->sym;
    SchedStage *st = &s->stages.v[stage];
    SchedLoop *rec = sched_loop_rec(s, k);
    Stmt *K = sched_find_for(s->f->body, k);
    if (!rec || !K)
        return sched_error(s, at, "unknown loop in rfactor"), false;
    if (!rec->reduction)
        return sched_error_loop(s, at, k, "rfactor needs a reduction loop, and '%s' is not one", rec->name), false;
    const char *kn = rec->name;
    /* Partial argmax results would each need their position and value, and
     * combining them must keep the first index on ties: not supported. */
    for (uint32_t i = 0; i < s->k->stages.n; i++) {
        const AstStmt *def = s->k->stages.v[i].stmt;
        const AstExpr *r = def ? arg_reduction(def->value, s->k, K->u.for_.var->sym) : NULL;
        if (r)
            return sched_error_loop(s, at, k, "cannot rfactor loop '%s' of '%s': it is the loop of an %s, "
                                    "which cannot be split (its result is the first index of the extreme value)",
                                    kn, st->name, r->u.reduce.op_name), false;
    }
    Arena tmp;
    arena_init(&tmp);
    Upd u = {.a = &tmp};
    u.v.stmt[SK_ALLOC] = on_upd_alloc;
    u.v.stmt[SK_STORE] = on_upd_store;
    vis_stmt(&u.v, K->u.for_.body);
    arena_free(&tmp);
    Stmt *upd = u.n == 1 ? u.store : NULL;
    Expr *x = upd ? update_operand(upd) : NULL;
    if (!x || sched_count_loads(K->u.for_.body, upd->u.store.buf) != 1)
        return sched_error_loop(s, at, k, "cannot rfactor loop '%s' of '%s': its body is not one update "
                                "'acc = acc + x' (or *, max, min)", kn, st->name), false;
    IrBuffer *B = upd->u.store.buf;
    /* the init: a store to B[idx] just before the outermost reduction loop */
    enum { MAXP = 256 };
    Stmt *path[MAXP];
    uint32_t np = sched_path(s->f->body, k, path, MAXP);
    int32_t q = -1, j = -1;
    for (uint32_t i = np - 1; i-- > 0 && q < 0;) {
        Stmt *p = path[i];
        if (p->kind == SK_SEQ) {
            for (uint32_t e = 0; e < p->u.seq.n; e++)
                if (p->u.seq.v[e] == path[i + 1])
                    j = (int32_t)e;
            q = (int32_t)i;
            break;
        }
        bool ok = (p->kind == SK_IF && !p->u.if_.else_) ||
                  (p->kind == SK_FOR && sched_loop_rec(s, p->u.for_.id) &&
                   sched_loop_rec(s, p->u.for_.id)->reduction && sched_loop_rec(s, p->u.for_.id)->stage == stage);
        if (!ok)
            break;
    }
    Stmt *init = q >= 0 && j > 0 ? path[q]->u.seq.v[j - 1] : NULL;
    if (!init || init->kind != SK_STORE || init->u.store.buf != B || init->u.store.nidx != upd->u.store.nidx ||
        !same_idx(init->u.store.idx, upd->u.store.idx, upd->u.store.nidx) || sched_count_loads(init, B))
        return sched_error_loop(s, at, k, "cannot rfactor loop '%s' of '%s': the initialization of the reduction "
                                "is not directly outside its reduction loops (rfactor before reordering reduction "
                                "loops outside pure loops)", kn, st->name), false;
    /* rf's size: k's extent, bounded over the loops outside */
    Sym *es = sched_to_sym(s, K->u.for_.extent), *ub = es ? sym_upper_bound(sc, es) : NULL;
    Expr *shape = ub ? sched_from_sym(s, ub, at) : NULL;
    if (!shape)
        return sched_error_loop(s, at, k, "cannot rfactor loop '%s' of '%s': its extent %s has no bound over the "
                                "dimensions", kn, st->name, ir_expr_str(c->a, K->u.for_.extent)), false;
    IrBuffer *rf = ir_new_buffer(c, name, B->ty, BUF_LOCAL, SCOPE_LOCAL, 1, &shape, at);
    int32_t ri = sched_add_stage(s, name, MADE_RFACTOR, rf, at);
    st = &s->stages.v[stage];
    SchedStage *rs = &s->stages.v[ri];
    rs->placed = "rfactor";
    rs->placed_at = at;
    rs->rank = 1;
    rs->vars = arena_alloc(c->a, sizeof *rs->vars);
    rs->vars[0] = K->u.for_.var;
    /* the reduction loops, now rf's; k becomes rf's pure loop kf */
    Expr *kv = ir_sub(c, ir_var(c, K->u.for_.var, at), K->u.for_.min);
    ToRf t = {.store = upd, .rf = rf, .ri = kv};
    t.m.c = c;
    t.m.stmt[SK_STORE] = on_torf_store;
    Stmt *R = mut_stmt(&t.m, path[q + 1]);
    R = sched_move_loops(s, R, stage, ri, "moved to the rfactor stage", at);
    LoopId kid = 0;
    for (uint32_t i = s->loops.n; i-- > 0 && !kid;)
        if (s->loops.v[i].stage == ri && s->loops.v[i].live && !strcmp(s->loops.v[i].name, kn))
            kid = s->loops.v[i].id;
    SchedLoop *kr = sched_loop_rec(s, kid);
    kr->name = kf;
    kr->reduction = false;
    kr->loc = at;
    /* rf's init nest, then s's combine over kf */
    Stmt *rfinit = ir_store(c, rf, &kv, 1, init->u.store.value, at);
    LoopId iid = ir_new_loop_id(c);
    rfinit = ir_for(c, iid, K->u.for_.var, K->u.for_.min, K->u.for_.extent, FOR_SERIAL, rfinit, at);
    SchedLoop tw = {.name = kf, .id = iid, .stage = ri, .gone = "copied", .loc = at};
    vec_push(c->a, s->loops, tw);
    sched_loop_rec(s, kid)->twin = iid;
    IrVar *cv = sched_loop_var(s, kf, sym_const(sc, 0), es ? sym_addi(sc, es, -1) : NULL);
    Expr *ci[1] = {ir_var(c, cv, at)};
    Expr *acc = ir_load(c, B, upd->u.store.idx, upd->u.store.nidx, NULL, at);
    Stmt *comb = ir_store(c, B, upd->u.store.idx, upd->u.store.nidx,
                          combine(c, upd->u.store.value, acc, ir_load(c, rf, ci, 1, NULL, at)), at);
    LoopId cid = sched_add_loop(s, stage, kf, true);
    sched_loop_rec(s, cid)->loc = at;
    comb = ir_for(c, cid, cv, ir_i64(c, 0), K->u.for_.extent, FOR_SERIAL, comb, at);
    Stmt *seq = path[q];
    VEC(Stmt *) v = {0};
    for (uint32_t e = 0; e < seq->u.seq.n; e++) {
        if ((int32_t)e == j - 1)
            continue;
        if ((int32_t)e != j) {
            vec_push(c->a, v, seq->u.seq.v[e]);
            continue;
        }
        Stmt *w[6] = {ir_alloc(c, rf, at), rfinit, R, init, comb, ir_free(c, rf, at)};
        for (int i = 0; i < 6; i++)
            vec_push(c->a, v, w[i]);
    }
    sched_replace_stmt(s, seq, ir_seq(c, v.v, v.n, seq->loc));
    if (out)
        *out = ri;
    sched_record(s, "%s = %s.rfactor(%s, %s);", name, st->name, kn, kf);
    return true;
}

bool sched_do_rfactor(Sched *s, SchedDirective *d)
{
    return sched_rfactor(s, d->stage, d->args[0].loop, d->args[1].name, d->made_name, d->at, &d->made);
}
