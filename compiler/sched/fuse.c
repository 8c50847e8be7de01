/* fuse(a, b, f): loop b directly inside loop a (split guards between them
 * sink into the body) becomes one loop f in 0..Ea*Eb with
 * a = min_a + f / Eb and b = min_b + f % Eb; extents may be symbolic, Eb
 * must not depend on a. */
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

typedef struct FusePlan {
    LoopId  inner, id;
    IrVar  *var;
    SrcSpan at;
    Sched  *s;
    bool    ok;
} FusePlan;

static Stmt *rewrite(Sched *s, Stmt *outer, void *ud)
{
    FusePlan *p = ud;
    IrCtx *c = s->c;
    Stmt *cur = outer->u.for_.body;
    VEC(Expr *) guards = {0};
    while (cur->kind == SK_IF && !cur->u.if_.else_) {
        vec_push(c->a, guards, cur->u.if_.cond);
        cur = cur->u.if_.then_;
    }
    if (cur->kind != SK_FOR || cur->u.for_.id != p->inner ||
        ir_expr_uses(cur->u.for_.extent, outer->u.for_.var) ||
        ir_expr_uses(cur->u.for_.min, outer->u.for_.var)) {
        p->ok = false;
        return outer;
    }
    Expr *eb = cur->u.for_.extent;
    Expr *f = ir_var(c, p->var, p->at);
    Expr *a = ir_add(c, outer->u.for_.min, ir_bin(c, BOP_DIV, f, eb, p->at));
    Expr *b = ir_add(c, cur->u.for_.min, ir_bin(c, BOP_MOD, f, eb, p->at));
    Stmt *body = cur->u.for_.body;
    for (uint32_t i = guards.n; i-- > 0;)
        body = ir_if(c, guards.v[i], body, NULL, guards.v[i]->loc);
    body = ir_subst_stmt(s->c, body, outer->u.for_.var, a);
    body = ir_subst_stmt(s->c, body, cur->u.for_.var, b);
    Expr *ext = ir_mul(c, outer->u.for_.extent, eb);
    p->ok = true;
    return ir_for(c, p->id, p->var, ir_i64(c, 0), ext, FOR_SERIAL, body, outer->loc);
}

bool sched_fuse(Sched *s, int32_t stage, LoopId a, LoopId b, const char *fused, SrcSpan at, LoopId *out)
{
    IrCtx *c = s->c;
    SymCtx *sc = c->sym;
    Stmt *la = sched_find_for(s->f->body, a), *lb = sched_find_for(s->f->body, b);
    SchedLoop *ra = sched_loop_rec(s, a), *rb = sched_loop_rec(s, b);
    if (!la || !lb || !ra || !rb)
        return sched_error(s, at, "unknown loop in fuse"), false;
    if (ra->reduction != rb->reduction)
        return sched_error(s, at, "cannot fuse '%s' with '%s': one is a reduction loop and the other is not",
                           ra->name, rb->name), false;
    const char *an = ra->name, *bn = rb->name;
    bool red = ra->reduction;
    Sym *ea = sched_to_sym(s, la->u.for_.extent), *eb = sched_to_sym(s, lb->u.for_.extent);
    Sym *n = ea && eb ? sym_mul(sc, ea, eb) : NULL;
    FusePlan p = {.inner = b, .at = at, .s = s};
    p.var = sched_loop_var(s, fused, sym_const(sc, 0), n ? sym_addi(sc, n, -1) : NULL);
    p.id = ir_new_loop_id(c);
    Stmt *saved = s->f->body;
    sched_replace_for(s, a, rewrite, &p);
    if (!p.ok) {
        s->f->body = saved;
        return sched_error_loop(s, at, b, "cannot fuse '%s' with '%s': '%s' is not the only statement directly "
                                "inside '%s' (fuse takes an outer loop and the loop right inside it)", an, bn,
                                bn, an), false;
    }
    sched_retire(s, a, "fused", at);
    sched_retire(s, b, "fused", at);
    SchedLoop l = {.name = fused, .id = p.id, .stage = stage, .reduction = red, .live = true, .loc = at};
    vec_push(c->a, s->loops, l);
    if (out)
        *out = p.id;
    sched_record(s, "%s.fuse(%s, %s, %s);", s->stages.v[stage].name, an, bn, fused);
    return true;
}

bool sched_do_fuse(Sched *s, SchedDirective *d)
{
    return sched_fuse(s, d->stage, d->args[0].loop, d->args[1].loop, d->args[2].name, d->at, NULL);
}
