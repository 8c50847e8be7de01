/* The static bounds proof (DESIGN §1 "Safety"): every access without a `??`
 * default must stay inside its tensor for every value of the variables, proved
 * symbolically. Bounds that depend on integer scalars are left to a check at
 * launch; anything else that cannot be proved is an error. */
#include "lang/sema/sema_internal.h"

Sym **sema_tensor_shape(KernelInfo *k, RefKind kind, uint32_t index, uint32_t *rank)
{
    if (kind == REF_INPUT && index < k->params.n) {
        *rank = k->params.v[index].rank;
        return k->params.v[index].rank_generic ? NULL : k->params.v[index].shape;
    }
    if (kind == REF_STAGE && index < k->stages.n) {
        *rank = k->stages.v[index].rank;
        return k->stages.v[index].shape;
    }
    *rank = 0;
    return NULL;
}

/* Tracks what an index expression depends on while converting it. */
typedef struct Conv {
    Sema *s;
    bool  runtime;   /* uses an integer scalar: checked at launch */
} Conv;

static Sym *conv(Conv *cv, AstExpr *e)
{
    Sema *s = cv->s;
    KernelInfo *k = s->k;
    switch (e->kind) {
    case EX_INT:
        return sym_const(s->sym, e->u.ival);
    case EX_NAME:
        switch (e->u.name.ref) {
        case REF_INDEX: return s->stage >= 0 ? k->stages.v[s->stage].vars[e->u.name.index].sym : NULL;
        case REF_RVAR: return k->rvars.v[e->u.name.index].sym;
        case REF_DIM: return k->dims.v[e->u.name.index].sym;
        case REF_SCALAR:
            cv->runtime = true;
            return k->params.v[e->u.name.index].scalar_sym;
        default: return NULL;
        }
    case EX_UNARY:
        if (e->u.unary.op == OP_NEG) {
            Sym *x = conv(cv, e->u.unary.x);
            return x ? sym_neg(s->sym, x) : NULL;
        }
        return NULL;
    case EX_BINARY: {
        Sym *a = conv(cv, e->u.binary.a);
        Sym *b = a ? conv(cv, e->u.binary.b) : NULL;
        if (!b)
            return NULL;
        switch (e->u.binary.op) {
        case OP_ADD: return sym_add(s->sym, a, b);
        case OP_SUB: return sym_sub(s->sym, a, b);
        case OP_MUL: return sym_mul(s->sym, a, b);
        case OP_DIV: return sym_div(s->sym, a, b);
        case OP_MOD: return sym_mod(s->sym, a, b);
        default: return NULL;
        }
    }
    case EX_CALL: {
        int id = e->u.call.intrinsic;
        AstExprVec *args = &e->u.call.args;
        if (id == INTR_MIN || id == INTR_MAX) {
            Sym *a = conv(cv, args->v[0]);
            Sym *b = a ? conv(cv, args->v[1]) : NULL;
            if (!b)
                return NULL;
            return id == INTR_MIN ? sym_min(s->sym, a, b) : sym_max(s->sym, a, b);
        }
        if (id == INTR_ABS) { /* |x| == max(x, -x) */
            Sym *x = conv(cv, args->v[0]);
            return x ? sym_max(s->sym, x, sym_neg(s->sym, x)) : NULL;
        }
        if (id == INTR_CLAMP) {
            Sym *x = conv(cv, args->v[0]);
            Sym *lo = x ? conv(cv, args->v[1]) : NULL;
            Sym *hi = lo ? conv(cv, args->v[2]) : NULL;
            return hi ? sym_min(s->sym, sym_max(s->sym, x, lo), hi) : NULL;
        }
        /* An integer cast of index arithmetic is the same value. */
        if (e->u.call.cast_to != DT_ERROR && !e->u.call.bitcast && dtype_is_int(e->u.call.cast_to) && args->n == 1 &&
            dtype_is_int(args->v[0]->dtype))
            return conv(cv, args->v[0]);
        return NULL;
    }
    default:
        return NULL;
    }
}

Sym *sema_to_sym(Sema *s, AstExpr *e)
{
    Conv cv = {s, false};
    return conv(&cv, e);
}

/* ---- conditions as facts ------------------------------------------------ */

/* Records in s->guards the facts (e >= 0) that hold wherever cond has the
 * value `want`. Only comparisons of index arithmetic give facts; && and ||
 * give those of both sides when both must hold. */
static void cond_facts(Sema *s, AstExpr *cond, bool want)
{
    if (cond->kind == EX_UNARY && cond->u.unary.op == OP_NOT) {
        cond_facts(s, cond->u.unary.x, !want);
        return;
    }
    if (cond->kind != EX_BINARY)
        return;
    AstOp op = cond->u.binary.op;
    if ((op == OP_AND && want) || (op == OP_OR && !want)) {
        cond_facts(s, cond->u.binary.a, want);
        cond_facts(s, cond->u.binary.b, want);
        return;
    }
    AstExpr *l = cond->u.binary.a, *r = cond->u.binary.b;
    if (op < OP_EQ || op > OP_GE || !dtype_is_int(l->dtype) || !dtype_is_int(r->dtype))
        return;
    Conv cv = {s, false};
    Sym *a = conv(&cv, l), *b = a ? conv(&cv, r) : NULL;
    if (!b)
        return;
    if (!want) { /* !(a < b) is a >= b, and so on */
        static const AstOp negated[] = {[OP_EQ] = OP_NE, [OP_NE] = OP_EQ, [OP_LT] = OP_GE,
                                        [OP_LE] = OP_GT, [OP_GT] = OP_LE, [OP_GE] = OP_LT};
        op = negated[op];
    }
    Arena *ar = &s->c->arena;
    Sym *b_minus_a = sym_sub(s->sym, b, a), *a_minus_b = sym_sub(s->sym, a, b);
    switch (op) {
    case OP_LT: vec_push(ar, s->guards, sym_addi(s->sym, b_minus_a, -1)); break;
    case OP_LE: vec_push(ar, s->guards, b_minus_a); break;
    case OP_GT: vec_push(ar, s->guards, sym_addi(s->sym, a_minus_b, -1)); break;
    case OP_GE: vec_push(ar, s->guards, a_minus_b); break;
    case OP_EQ:
        vec_push(ar, s->guards, a_minus_b);
        vec_push(ar, s->guards, b_minus_a);
        break;
    default: break; /* != gives no linear fact */
    }
}

/* lo <= ix <= last, proved directly or through the symbolic bounds of ix
 * (sound bounds that provably fit are a proof too). */
static bool inside(Sema *s, Sym *ix, Sym *last, bool *lo_ok, bool *hi_ok)
{
    Sym *zero = sym_const(s->sym, 0);
    *lo_ok = *lo_ok || sym_prove_ge(s->sym, ix, zero);
    *hi_ok = *hi_ok || sym_prove_le(s->sym, ix, last);
    if (!*lo_ok) {
        Sym *lo = sym_lower_bound(s->sym, ix);
        *lo_ok = lo && lo != ix && sym_prove_ge(s->sym, lo, zero);
    }
    if (!*hi_ok) {
        Sym *hi = sym_upper_bound(s->sym, ix);
        *hi_ok = hi && hi != ix && sym_prove_le(s->sym, hi, last);
    }
    return *lo_ok && *hi_ok;
}

/* Proves the access inside, first on its own, then with the facts of the
 * selects around it, recorded only for this claim. */
static bool access_inside(Sema *s, AstExpr *e, Sym *ix, Sym *last, bool *lo_ok, bool *hi_ok)
{
    *lo_ok = *hi_ok = false;
    if (inside(s, ix, last, lo_ok, hi_ok) || !s->guards.n)
        return *lo_ok && *hi_ok;
    uint32_t mark = sym_facts_mark(s->sym);
    for (uint32_t i = 0; i < s->guards.n; i++)
        sym_assume_nonneg(s->sym, s->guards.v[i]);
    bool ok = inside(s, ix, last, lo_ok, hi_ok);
    sym_facts_reset(s->sym, mark);
    e->u.access.guarded |= ok;
    return ok;
}

/* A variable that divides in e (x / C, x % C) and may be 0, or NULL. */
static Sym *zero_divisor(Sema *s, Sym *e)
{
    SymKind kd = sym_kind(e);
    if ((kd == SYM_DIV || kd == SYM_MOD) && sym_kind(sym_op(e, 1)) == SYM_VAR &&
        !sym_prove_ge(s->sym, sym_op(e, 1), sym_const(s->sym, 1)))
        return sym_op(e, 1);
    for (uint32_t i = 0; i < sym_nops(e); i++) {
        Sym *y = zero_divisor(s, sym_op(e, i));
        if (y)
            return y;
    }
    return NULL;
}

/* Whether the access is inside once the divisor y is at least 1: then only
 * y == 0 (where x / y and x % y are 0) breaks it. */
static bool inside_unless_zero(Sema *s, AstExpr *e, Sym *ix, Sym *last, Sym *y)
{
    uint32_t mark = sym_facts_mark(s->sym);
    sym_assume_nonneg(s->sym, sym_addi(s->sym, y, -1));
    bool lo_ok, hi_ok, ok = access_inside(s, e, ix, last, &lo_ok, &hi_ok);
    sym_facts_reset(s->sym, mark);
    e->u.access.guarded = false;
    return ok;
}

static void check_access(Sema *s, KernelInfo *k, AstExpr *e)
{
    uint32_t rank;
    if (e->dtype == DT_ERROR || e->u.access.dflt)
        return;
    if (e->u.access.idx.n == 1 && e->u.access.idx.v[0]->kind == EX_ELLIPSIS)
        return; /* x[...] inside y[...]: the same shape by construction */
    Sym **shape = sema_tensor_shape(k, e->u.access.ref, e->u.access.index, &rank);
    Arena *a = &s->c->arena;
    for (uint32_t ax = 0; ax < e->u.access.idx.n && ax < rank; ax++) {
        AstExpr *x = e->u.access.idx.v[ax];
        Sym *extent = shape ? shape[ax] : NULL;
        if (!extent)
            return;
        Conv cv = {s, false};
        Sym *ix = conv(&cv, x);
        if (!ix) {
            Diag *d = diag_error(sink(s), x->span,
                                 "index %u of '%s' depends on values that cannot be bounded at compile time; "
                                 "give the access a default, e.g. %s ?? 0",
                                 ax, e->u.access.tensor, sema_expr_text(s, e));
            (void)d;
            return;
        }
        Sym *last = sym_addi(s->sym, extent, -1);
        bool lo_ok, hi_ok;
        if (access_inside(s, e, ix, last, &lo_ok, &hi_ok))
            continue;
        Sym *lo = sym_lower_bound(s->sym, ix), *hi = sym_upper_bound(s->sym, ix);
        if (cv.runtime) {
            LaunchCheck lc = {e, ax, lo, hi, extent};
            vec_push(a, k->launch_checks, lc);
            continue;
        }
        Sym *y = zero_divisor(s, ix);
        Diag *d;
        if (y && inside_unless_zero(s, e, ix, last, y)) {
            const char *yn = sym_str(a, y);
            Sym *at0 = sym_subst(s->sym, ix, y, sym_const(s->sym, 0));
            d = diag_error(sink(s), e->span,
                           "%s may read outside '%s' when %s is 0: index %u ('%s') is then %s (division by zero "
                           "gives 0), but the dimension has size %s",
                           sema_expr_text(s, e), e->u.access.tensor, yn, ax, sema_expr_text(s, x),
                           sym_str(a, at0), sym_str(a, sym_subst(s->sym, extent, y, sym_const(s->sym, 0))));
        } else {
            const char *range =
                arena_printf(a, "[%s, %s]", lo ? sym_str(a, lo) : "-inf", hi ? sym_str(a, hi) : "+inf");
            d = diag_error(sink(s), e->span,
                           "%s may read outside '%s': index %u ('%s') ranges over %s, but the dimension has "
                           "size %s",
                           sema_expr_text(s, e), e->u.access.tensor, ax, sema_expr_text(s, x), range,
                           sym_str(a, extent));
        }
        diag_note(sink(s), d, x->span, "to read a value outside the tensor, give a default: %s ?? 0",
                  sema_expr_text(s, e));
    }
}

static void walk(Sema *s, KernelInfo *k, AstExpr *e);

/* select(c, a, b): the accesses in a may assume c, those in b may assume !c
 * (and the right side of && and || those of the left, in walk()). */
static void walk_select(Sema *s, KernelInfo *k, AstExpr *e)
{
    AstExpr **arg = e->u.call.args.v;
    uint32_t base = s->guards.n;
    walk(s, k, arg[0]);
    cond_facts(s, arg[0], true);
    walk(s, k, arg[1]);
    s->guards.n = base;
    cond_facts(s, arg[0], false);
    walk(s, k, arg[2]);
    s->guards.n = base;
}

static void walk(Sema *s, KernelInfo *k, AstExpr *e)
{
    switch (e->kind) {
    case EX_ACCESS:
        for (uint32_t i = 0; i < e->u.access.idx.n; i++)
            walk(s, k, e->u.access.idx.v[i]);
        if (e->u.access.dflt)
            walk(s, k, e->u.access.dflt);
        check_access(s, k, e);
        break;
    case EX_UNARY: walk(s, k, e->u.unary.x); break;
    case EX_BINARY: {
        /* a && b evaluates b only where a holds; a || b only where it does not */
        AstOp op = e->u.binary.op;
        uint32_t base = s->guards.n;
        walk(s, k, e->u.binary.a);
        if (op == OP_AND || op == OP_OR)
            cond_facts(s, e->u.binary.a, op == OP_AND);
        walk(s, k, e->u.binary.b);
        s->guards.n = base;
        break;
    }
    case EX_CALL:
        if (e->u.call.intrinsic == INTR_SELECT && e->u.call.args.n == 3 && e->u.call.cast_to == DT_ERROR &&
            !e->u.call.fn) {
            walk_select(s, k, e);
            break;
        }
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            walk(s, k, e->u.call.args.v[i]);
        break;
    case EX_REDUCE: walk(s, k, e->u.reduce.body); break;
    default: break;
    }
}

void sema_bounds(Sema *s, KernelInfo *k, uint32_t stage)
{
    s->guards.n = 0;
    walk(s, k, k->stages.v[stage].stmt->value);
}
