/* guard_sink: the guards that split tails leave around a loop body
 * (docs/schedules.md) move out of the loop. In `for v { if C { S } }` each
 * conjunct of C is either invariant (no v, no loads: tested once, before
 * the loop) or a tail bound `v + c < Y` / `v + c <= Y` (the loop stops at
 * Y - c instead):
 *
 *     for v in lo..lo + E { if v + c < Y && inv { S } }
 *  => if inv { for v in lo..min(Y - c, lo + E) - lo { S } }
 *
 * (c is the left side at v = 0). Nested guards peel in turn, as long as
 * every conjunct is one of the two kinds. The body is then unconditional,
 * so a vectorized loop gets one tail mask instead of masks on every access
 * and invariant loads hoist. Loops a backend outlines to threads (parallel
 * or distributed, not inside another such loop) keep their guards: their
 * iteration range is split among threads at launch. */
#include "compiler/passes/pass.h"

typedef enum { CJ_INVARIANT, CJ_BOUND, CJ_OTHER } ConjKind;

static ConjKind conj_kind(Expr *c, const IrVar *var)
{
    if (ir_expr_loads(c))
        return CJ_OTHER;
    if (!ir_expr_uses(c, var))
        return CJ_INVARIANT;
    if (c->kind == EK_BIN && (c->u.bin.op == BOP_LT || c->u.bin.op == BOP_LE) && c->u.bin.a->ty == DT_I64 &&
        ir_plus_var(c->u.bin.a, var) && !ir_expr_uses(c->u.bin.b, var))
        return CJ_BOUND;
    return CJ_OTHER;
}

static bool peelable(Expr *c, const IrVar *var)
{
    if (c->kind == EK_BIN && c->u.bin.op == BOP_AND)
        return peelable(c->u.bin.a, var) && peelable(c->u.bin.b, var);
    return conj_kind(c, var) != CJ_OTHER;
}

typedef struct Peel {
    IrCtx *c;
    IrVar *var;
    Expr  *end;          /* lo + extent, lowered by each bound */
    Expr  *inv[16];      /* invariant conjuncts, in order */
    uint32_t ninv;
    bool   bounded;
} Peel;

static void peel(Peel *p, Expr *c)
{
    if (c->kind == EK_BIN && c->u.bin.op == BOP_AND) {
        peel(p, c->u.bin.a);
        peel(p, c->u.bin.b);
        return;
    }
    if (conj_kind(c, p->var) == CJ_INVARIANT) {
        p->inv[p->ninv++] = c;
        return;
    }
    /* v + c0 < y  <=>  v < y - c0 */
    Expr *c0 = ir_subst_expr(p->c, c->u.bin.a, p->var, ir_i64(p->c, 0));
    Expr *lim = ir_sub(p->c, c->u.bin.b, c0);
    if (c->u.bin.op == BOP_LE)
        lim = ir_add(p->c, lim, ir_i64(p->c, 1));
    p->end = ir_bin(p->c, BOP_MIN, lim, p->end, c->loc);
    p->bounded = true;
}

static uint32_t count_conj(Expr *c)
{
    return c->kind == EK_BIN && c->u.bin.op == BOP_AND ? count_conj(c->u.bin.a) + count_conj(c->u.bin.b) : 1;
}

static bool outlined(const Stmt *s) { return s->u.for_.kind == FOR_PARALLEL || s->u.for_.kind == FOR_DISTRIBUTED; }

typedef struct Sink {
    Mutator m;
    bool    in_outlined;   /* inside a loop that runs on threads */
} Sink;

static Stmt *on_for(Mutator *m, Stmt *s)
{
    Sink *k = (Sink *)m;
    IrCtx *c = m->c;
    bool was = k->in_outlined;
    if (outlined(s) && !was) {
        k->in_outlined = true;
        Stmt *r = mut_stmt_children(m, s);
        k->in_outlined = was;
        return r;
    }
    IrVar *var = s->u.for_.var;
    Peel p = {.c = c, .var = var, .end = ir_add(c, s->u.for_.min, s->u.for_.extent)};
    Stmt *body = s->u.for_.body;
    bool peeled = false;
    while (body && body->kind == SK_IF && !body->u.if_.else_ && peelable(body->u.if_.cond, var) &&
           p.ninv + count_conj(body->u.if_.cond) <= sizeof p.inv / sizeof *p.inv) {
        peel(&p, body->u.if_.cond);
        body = body->u.if_.then_;
        peeled = true;
    }
    if (!peeled)
        return mut_stmt_children(m, s);
    Expr *extent = p.bounded ? ir_sub(c, p.end, s->u.for_.min) : s->u.for_.extent;
    Stmt *r = ir_for_with(c, s, s->u.for_.min, extent, mut_stmt(m, body));
    for (uint32_t i = p.ninv; i-- > 0;)
        r = ir_if(c, p.inv[i], r, NULL, s->loc);
    return r;
}

bool pass_guard_sink(IrCtx *c, Func *f, const PassOpts *o)
{
    (void)o;
    Sink k = {.m.c = c};
    k.m.stmt[SK_FOR] = on_for;
    f->body = mut_stmt(&k.m, f->body);
    return !c->a->oom;
}
