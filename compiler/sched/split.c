/* split and tile. split(v, f, vo, vi) turns `for v in m..m+E` into
 * `for vo in 0..ceil(E/f) { for vi in 0..f { v = m + vo*f + vi } }`; the
 * last tile is exact (f divides E), shifted back (min(vo*f, E - f): only for
 * pure loops whose body rewrites the same values, when E >= f is proved) or
 * guarded by `if vo*f + vi < E` (a lane mask once vi is vectorized). */
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

typedef struct SplitPlan {
    IrVar    *vo, *vi;
    LoopId    ido, idi;
    Expr     *f, *E, *nout;
    SchedTail tail;
    Expr     *shift_base, *plain_base, *guard;
    SrcSpan   at;
} SplitPlan;

/* The factor as an i64 expression with a Sym (prologue lets for params and
 * auto), or NULL after an error. */
static Expr *factor_expr(Sched *s, SchedFactor f, Expr *E, const char *outer, SrcSpan at)
{
    IrCtx *c = s->c;
    SymCtx *sc = c->sym;
    if (f.kind == SF_LITERAL) {
        if (f.value <= 0) {
            sched_error(s, at, "a split factor must be positive, not %lld", (long long)f.value);
            return NULL;
        }
        return ir_i64(c, f.value);
    }
    if (f.kind == SF_PARAM) {
        if (f.param >= s->k->params.n || s->k->params.v[f.param].is_tensor ||
            !dtype_is_int(s->k->params.v[f.param].dtype)) {
            sched_error(s, at, "a split factor parameter must be an integer scalar");
            return NULL;
        }
        IrVar *pv = s->f->args[f.param].var;
        const char *nm = arena_printf(c->a, "%s.factor", pv->name);
        for (uint32_t i = 0; i < s->pro_vars.n; i++)
            if (!strcmp(s->pro_vars.v[i]->name, nm))
                return ir_var(c, s->pro_vars.v[i], at);
        Sym *sy = sym_var(sc, nm);
        sym_set_range(sc, sy, sym_const(sc, 1), NULL);
        IrVar *v = ir_new_var(c, nm, DT_I64, IV_LET, sy);
        Expr *val = ir_var(c, pv, at);
        if (val->ty != DT_I64)
            val = ir_cast(c, DT_I64, val, at);
        vec_push(c->a, s->pro_vars, v);
        vec_push(c->a, s->pro_vals, val);
        Expr *ok = ir_bin(c, BOP_GT, ir_var(c, pv, at), ir_int(c, pv->ty, 0, at), at);
        vec_push(c->a, s->pro_checks,
                 ir_assert(c, ok, arena_printf(c->a, "split factor '%s' must be positive", pv->name), at));
        return ir_var(c, v, at);
    }
    /* auto: chosen at launch from the extent (its bound over the dims): the
     * whole loop when it is short, else 64 (a tile of f32 rows that stays in
     * a 32 KiB L1 together with its inputs). */
    Sym *es = sched_to_sym(s, E);
    Sym *ub = es ? sym_upper_bound(sc, es) : NULL;
    Expr *eub = ub ? sched_from_sym(s, ub, at) : NULL;
    Expr *val = ir_i64(c, 64);
    if (eub) {
        Expr *mn[2] = {eub, ir_i64(c, 64)};
        val = ir_bin(c, BOP_MAX, ir_bin(c, BOP_MIN, mn[0], mn[1], at), ir_i64(c, 1), at);
    }
    Sym *sy = sym_var(sc, arena_printf(c->a, "%s.factor", outer));
    sym_set_range(sc, sy, sym_const(sc, 1), sym_const(sc, 64));
    IrVar *v = ir_new_var(c, arena_printf(c->a, "%s.factor", outer), DT_I64, IV_LET, sy);
    vec_push(c->a, s->pro_vars, v);
    vec_push(c->a, s->pro_vals, val);
    return ir_var(c, v, at);
}

static Stmt *rewrite(Sched *s, Stmt *old, void *ud)
{
    SplitPlan *p = ud;
    IrCtx *c = s->c;
    Expr *vo = ir_var(c, p->vo, p->at), *vi = ir_var(c, p->vi, p->at);
    p->plain_base = ir_mul(c, vo, p->f);
    Expr *base = p->plain_base;
    if (p->tail == TAIL_SHIFT) {
        base = ir_bin(c, BOP_MIN, p->plain_base, ir_sub(c, p->E, p->f), p->at);
        p->shift_base = base;
    }
    Expr *v = ir_add(c, ir_add(c, old->u.for_.min, base), vi);
    Stmt *body = ir_subst_stmt(s->c, old->u.for_.body, old->u.for_.var, v);
    p->guard = ir_bin(c, BOP_LT, ir_add(c, p->plain_base, vi), p->E, p->at);
    if (p->tail == TAIL_GUARD)
        body = ir_if(c, p->guard, body, NULL, p->at);
    Stmt *in = ir_for(c, p->idi, p->vi, ir_i64(c, 0), p->f, FOR_SERIAL, body, old->loc);
    return ir_for(c, p->ido, p->vo, ir_i64(c, 0), p->nout, FOR_SERIAL, in, old->loc);
}

bool sched_split(Sched *s, int32_t stage, LoopId v, SchedFactor f, const char *outer, const char *inner,
                 SrcSpan at, LoopId out[2])
{
    IrCtx *c = s->c;
    SymCtx *sc = c->sym;
    SchedLoop *rec = sched_loop_rec(s, v);
    Stmt *loop = sched_find_for(s->f->body, v);
    if (!rec || !rec->live || !loop)
        return sched_error(s, at, "unknown loop in split"), false;
    SchedLoop old = *rec;
    SplitPlan p = {.at = at, .E = loop->u.for_.extent};
    p.f = factor_expr(s, f, p.E, outer, at);
    if (!p.f)
        return false;
    Sym *Es = sched_to_sym(s, p.E), *fs = sched_to_sym(s, p.f);
    int64_t ec, fc;
    if (Es && sym_is_const(Es, &ec) && ir_is_const_int(p.f, &fc) && ec > 0 && fc > ec) {
        p.f = ir_i64(c, ec); /* a factor beyond the extent: one exact tile */
        fs = sched_to_sym(s, p.f);
    }
    p.tail = TAIL_GUARD;
    if (Es && fs && sym_prove_eq(sc, sym_mod(sc, Es, fs), sym_const(sc, 0)))
        p.tail = TAIL_NONE;
    else if (Es && fs && !old.reduction && sym_prove_ge(sc, Es, fs) && !sched_reads_what_it_writes(loop))
        p.tail = TAIL_SHIFT;
    Sym *nout = Es && fs ? sym_ceil_div(sc, Es, fs) : NULL;
    p.nout = nout ? sched_from_sym(s, nout, at) : NULL;
    if (!p.nout) {
        Expr *num = ir_sub(c, ir_add(c, p.E, p.f), ir_i64(c, 1));
        p.nout = ir_bin(c, BOP_DIV, num, p.f, at);
    }
    p.vo = sched_loop_var(s, outer, sym_const(sc, 0), nout ? sym_addi(sc, nout, -1) : NULL);
    p.vi = sched_loop_var(s, inner, sym_const(sc, 0), fs ? sym_addi(sc, fs, -1) : NULL);
    sched_retire(s, v, "split", at);
    p.ido = sched_add_loop(s, stage, outer, old.reduction);
    p.idi = sched_add_loop(s, stage, inner, old.reduction);
    sched_loop_rec(s, p.ido)->loc = at;
    sched_loop_rec(s, p.idi)->loc = at;
    sched_replace_for(s, v, rewrite, &p);
    if (p.tail == TAIL_SHIFT) {
        SchedLoop *o = sched_loop_rec(s, p.ido);
        o->shift_base = p.shift_base;
        o->plain_base = p.plain_base;
        o->guard = p.guard;
        o->shift_inner = p.idi;
    }
    if (out) {
        out[0] = p.ido;
        out[1] = p.idi;
    }
    static const char *const tails[] = {"exact", "guarded tail", "shifted last tile"};
    sched_record(s, "%s.split(%s, %s, %s, %s);  // %s", s->stages.v[stage].name, old.name,
                 sched_factor_text(s, f), outer, inner, tails[p.tail]);
    return true;
}

bool sched_tile(Sched *s, int32_t stage, LoopId x, LoopId y, SchedFactor fx, SchedFactor fy,
                const char *names[4], SrcSpan at)
{
    const char *xn = sched_loop_name(s, x), *yn = sched_loop_name(s, y);
    LoopId xs[2], ys[2];
    s->quiet++;
    bool ok = sched_split(s, stage, x, fx, names[0], names[2], at, xs) &&
              sched_split(s, stage, y, fy, names[1], names[3], at, ys);
    if (ok) {
        LoopId order[4] = {xs[0], ys[0], xs[1], ys[1]};
        ok = sched_reorder(s, stage, order, 4, at);
    }
    s->quiet--;
    if (ok)
        sched_record(s, "%s.tile(%s, %s, %s, %s, %s, %s, %s, %s);", s->stages.v[stage].name, xn, yn,
                     sched_factor_text(s, fx), sched_factor_text(s, fy), names[0], names[1], names[2], names[3]);
    return ok;
}

/* ---- the directives (primitives.c) ---- */

bool sched_do_split(Sched *s, SchedDirective *d)
{
    SchedArg *a = d->args;
    return sched_split(s, d->stage, a[0].loop, a[1].factor, a[2].name, a[3].name, d->at, NULL);
}

bool sched_do_tile(Sched *s, SchedDirective *d)
{
    SchedArg *a = d->args;
    const char *names[4] = {a[4].name, a[5].name, a[6].name, a[7].name};
    return sched_tile(s, d->stage, a[0].loop, a[1].loop, a[2].factor, a[3].factor, names, d->at);
}
