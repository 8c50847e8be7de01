/* Bounds of expressions: constant intervals (with or without the recorded
 * ranges) and the symbolic sym_upper_bound/sym_lower_bound, which substitute
 * the ranges of loop variables by interval arithmetic. */
#include "compiler/sym/sym_internal.h"

enum { MAX_DEPTH = 12 };

static CInt unbounded(void) { return (CInt){0, 0, false, false}; }
static CInt exact(int64_t v) { return (CInt){v, v, true, true}; }

static CInt scale(CInt x, int64_t m)
{
    CInt r = unbounded();
    if (m == 0)
        return exact(0);
    int64_t lo, hi;
    bool    has_lo = x.has_lo && !__builtin_mul_overflow(x.lo, m, &lo);
    bool    has_hi = x.has_hi && !__builtin_mul_overflow(x.hi, m, &hi);
    if (m > 0) {
        r.has_lo = has_lo, r.lo = lo;
        r.has_hi = has_hi, r.hi = hi;
    } else {
        r.has_lo = has_hi, r.lo = hi;
        r.has_hi = has_lo, r.hi = lo;
    }
    return r;
}

static CInt plus(CInt x, CInt y)
{
    CInt r = unbounded();
    r.has_lo = x.has_lo && y.has_lo && !__builtin_add_overflow(x.lo, y.lo, &r.lo);
    r.has_hi = x.has_hi && y.has_hi && !__builtin_add_overflow(x.hi, y.hi, &r.hi);
    return r;
}

static CInt times(CInt x, CInt y)
{
    CInt r = unbounded();
    if (x.has_lo && x.has_hi && y.has_lo && y.has_hi) {
        int64_t p[4];
        if (__builtin_mul_overflow(x.lo, y.lo, &p[0]) || __builtin_mul_overflow(x.lo, y.hi, &p[1]) ||
            __builtin_mul_overflow(x.hi, y.lo, &p[2]) || __builtin_mul_overflow(x.hi, y.hi, &p[3]))
            return r;
        r = exact(p[0]);
        for (int i = 1; i < 4; i++) {
            r.lo = p[i] < r.lo ? p[i] : r.lo;
            r.hi = p[i] > r.hi ? p[i] : r.hi;
        }
    } else if (x.has_lo && y.has_lo && x.lo >= 0 && y.lo >= 0) {
        r.has_lo = !__builtin_mul_overflow(x.lo, y.lo, &r.lo);
        r.has_hi = x.has_hi && y.has_hi && !__builtin_mul_overflow(x.hi, y.hi, &r.hi);
    }
    return r;
}

/* Division and modulo by zero give 0, so a divisor in [0, ...] widens the
 * result by the value 0. */
static CInt div_by(CInt a, CInt b, int64_t C, bool is_const)
{
    CInt r = unbounded();
    if (is_const && C > 0) {
        r.has_lo = a.has_lo && sym_floor_div(a.lo, C, &r.lo);
        r.has_hi = a.has_hi && sym_floor_div(a.hi, C, &r.hi);
    } else if (b.has_lo && b.lo >= 0) {
        /* divisor >= 1: floor(a/b) lies in [min(lo(a), 0), hi(a) / lo(b)] */
        int64_t d = b.lo >= 1 ? b.lo : 1;
        if (a.has_lo)
            r.has_lo = true, r.lo = a.lo >= 0 ? 0 : a.lo;
        if (a.has_hi)
            r.has_hi = true, r.hi = a.hi >= 0 ? a.hi / d : b.lo >= 1 ? -1 : 0;
    }
    return r;
}

static CInt mod_by(CInt a, CInt b)
{
    CInt r = unbounded();
    if (b.has_lo && b.lo >= 0) {
        if (a.has_lo && a.has_hi && a.lo >= 0 && a.hi < b.lo)
            return a;
        r = (CInt){0, 0, true, false};
        if (b.has_hi)
            r.has_hi = true, r.hi = b.hi >= 1 ? b.hi - 1 : 0;
        if (a.has_lo && a.lo >= 0 && a.has_hi && (!r.has_hi || a.hi < r.hi))
            r.has_hi = true, r.hi = a.hi;
    } else if (b.has_hi && b.hi <= 0) {
        r = (CInt){0, 0, false, true};
        if (b.has_lo)
            r.has_lo = true, r.lo = b.lo + 1 <= 0 ? b.lo + 1 : 0;
    }
    return r;
}

CInt sym_cbound(SymCtx *c, const Sym *e, int depth)
{
    if (depth > MAX_DEPTH)
        return unbounded();
    CInt r = unbounded(), x, y;
    int64_t C;
    switch (e->kind) {
    case SYM_CONST: return exact(e->k);
    case SYM_VAR:
        if (c && (uint64_t)e->k < c->ranges.n) {
            SymRange g = c->ranges.v[e->k];
            if (g.lo && (x = sym_cbound(c, g.lo, depth + 1)).has_lo)
                r.has_lo = true, r.lo = x.lo;
            if (g.hi && (y = sym_cbound(c, g.hi, depth + 1)).has_hi)
                r.has_hi = true, r.hi = y.hi;
        }
        return r;
    case SYM_ADD:
        r = exact(e->k);
        for (uint32_t i = 0; i < e->n; i++)
            r = plus(r, scale(sym_cbound(c, e->ops[i], depth + 1), e->coef[i]));
        return r;
    case SYM_MUL:
        r = sym_cbound(c, e->ops[0], depth + 1);
        for (uint32_t i = 1; i < e->n; i++)
            r = times(r, sym_cbound(c, e->ops[i], depth + 1));
        return r;
    case SYM_DIV:
        return div_by(sym_cbound(c, e->ops[0], depth + 1), sym_cbound(c, e->ops[1], depth + 1), 
                      sym_is_const(e->ops[1], &C) ? C : 0, sym_is_const(e->ops[1], NULL));
    case SYM_MOD: return mod_by(sym_cbound(c, e->ops[0], depth + 1), sym_cbound(c, e->ops[1], depth + 1));
    case SYM_MIN:
    case SYM_MAX: {
        bool mn = e->kind == SYM_MIN;
        x = sym_cbound(c, e->ops[0], depth + 1);
        y = sym_cbound(c, e->ops[1], depth + 1);
        if (mn) {
            r.has_lo = x.has_lo && y.has_lo, r.lo = x.lo < y.lo ? x.lo : y.lo;
            r.has_hi = x.has_hi || y.has_hi;
            r.hi = !x.has_hi ? y.hi : !y.has_hi ? x.hi : x.hi < y.hi ? x.hi : y.hi;
        } else {
            r.has_hi = x.has_hi && y.has_hi, r.hi = x.hi > y.hi ? x.hi : y.hi;
            r.has_lo = x.has_lo || y.has_lo;
            r.lo = !x.has_lo ? y.lo : !y.has_lo ? x.lo : x.lo > y.lo ? x.lo : y.lo;
        }
        return r;
    }
    }
    return r;
}

/* ---- symbolic bounds ---------------------------------------------------- */

static bool eliminable(SymCtx *c, const Sym *v)
{
    return v->kind == SYM_VAR && (uint64_t)v->k < c->ranges.n && c->ranges.v[v->k].lo &&
           c->ranges.v[v->k].hi;
}

static bool has_elim(SymCtx *c, const Sym *e)
{
    if (e->kind == SYM_VAR)
        return eliminable(c, e);
    for (uint32_t i = 0; i < e->n; i++)
        if (has_elim(c, e->ops[i]))
            return true;
    return false;
}

static Sym *bnd(SymCtx *c, Sym *e, bool upper, int depth);

/* min/max that also use the facts to drop a provably irrelevant operand. */
static Sym *pick_minmax(SymCtx *c, Sym *x, Sym *y, bool is_min)
{
    if (sym_prove_le(c, x, y))
        return is_min ? x : y;
    if (sym_prove_le(c, y, x))
        return is_min ? y : x;
    return is_min ? sym_min(c, x, y) : sym_max(c, x, y);
}

static Sym *mul_bnd(SymCtx *c, Sym *e, bool upper, int depth)
{
    /* Monotone only when every factor is non-negative. */
    Sym *r = NULL;
    for (uint32_t i = 0; i < e->n; i++) {
        Sym *lo = bnd(c, e->ops[i], false, depth + 1);
        if (!lo || !sym_prove_ge(c, lo, c->zero))
            return NULL;
        Sym *f = upper ? bnd(c, e->ops[i], true, depth + 1) : lo;
        if (!f)
            return NULL;
        r = r ? sym_mul(c, r, f) : f;
    }
    return r;
}

static Sym *bnd(SymCtx *c, Sym *e, bool upper, int depth)
{
    if (depth > MAX_DEPTH || c->a->oom)
        return NULL;
    if (!has_elim(c, e))
        return e;
    Sym *one = sym_const(c, 1), *x, *y;
    int64_t C;
    switch (e->kind) {
    case SYM_CONST: return e;
    case SYM_VAR: return bnd(c, upper ? c->ranges.v[e->k].hi : c->ranges.v[e->k].lo, upper, depth + 1);
    case SYM_ADD: {
        Sym *r = sym_const(c, e->k);
        for (uint32_t i = 0; i < e->n; i++) {
            Sym *t = bnd(c, e->ops[i], upper == (e->coef[i] > 0), depth + 1);
            if (!t)
                return NULL;
            r = sym_add(c, r, sym_muli(c, t, e->coef[i]));
        }
        return r;
    }
    case SYM_MUL: return mul_bnd(c, e, upper, depth);
    case SYM_DIV: {
        if (sym_is_const(e->ops[1], &C) && C > 0)
            return (x = bnd(c, e->ops[0], upper, depth + 1)) ? sym_div(c, x, e->ops[1]) : NULL;
        /* a >= 0, b >= 0: a/b in [lo(a)/hi(b), hi(a)/lo(b)] when b >= 1; a
         * divisor that may be 0 gives 0, so the lower bound is then 0. */
        if (!sym_prove_ge(c, e->ops[1], c->zero) || !sym_prove_ge(c, e->ops[0], c->zero))
            return NULL;
        x = bnd(c, e->ops[0], upper, depth + 1);
        y = bnd(c, e->ops[1], !upper, depth + 1);
        if (!upper && (!x || !y || !sym_prove_ge(c, e->ops[1], one)))
            return c->zero;
        /* b >= 1 or b == 0 everywhere, but its lower bound over the dims need
         * not be (i - j + 1 with j <= i bounds below by 2 - N): the smallest
         * divisor is max(lo(b), 1); with b == 0 the quotient is 0 <= hi(a). */
        if (upper && y && !sym_prove_ge(c, y, one))
            y = sym_max(c, y, one);
        return x && y ? sym_div(c, x, y) : NULL;
    }
    case SYM_MOD: {
        Sym *lo = bnd(c, e->ops[0], false, depth + 1), *hi = bnd(c, e->ops[0], true, depth + 1);
        Sym *m1;
        if (sym_is_const(e->ops[1], &C) && C > 0)
            m1 = sym_const(c, C - 1);
        else if (sym_prove_ge(c, e->ops[1], c->zero) && (m1 = bnd(c, e->ops[1], true, depth + 1)))
            /* r <= b - 1 when b >= 1, r == 0 when b == 0 */
            m1 = sym_prove_ge(c, e->ops[1], one) ? sym_addi(c, m1, -1) : pick_minmax(c, sym_addi(c, m1, -1), c->zero, false);
        else
            return NULL;
        bool nonneg = lo && sym_prove_ge(c, lo, c->zero);
        if (sym_is_const(e->ops[1], NULL) && nonneg && hi && sym_prove_le(c, hi, m1))
            return upper ? hi : lo; /* the modulo is the identity here */
        if (!upper)
            return c->zero;
        return nonneg && hi ? pick_minmax(c, hi, m1, true) : m1;
    }
    case SYM_MIN:
    case SYM_MAX: {
        x = bnd(c, e->ops[0], upper, depth + 1);
        y = bnd(c, e->ops[1], upper, depth + 1);
        bool take_min = e->kind == SYM_MIN;
        /* min: an upper bound needs only one side; a lower bound needs both. */
        if (take_min == upper)
            return !x ? y : !y ? x : pick_minmax(c, x, y, take_min);
        return x && y ? pick_minmax(c, x, y, take_min) : NULL;
    }
    }
    return NULL;
}

Sym *sym_upper_bound(SymCtx *c, Sym *e) { return e ? bnd(c, e, true, 0) : NULL; }
Sym *sym_lower_bound(SymCtx *c, Sym *e) { return e ? bnd(c, e, false, 0) : NULL; }
