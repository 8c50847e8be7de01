/* Constructors that keep expressions canonical: linear forms sorted by atom
 * id, constant folding without overflow, and the floor div/mod, min/max and
 * product rules. Rules here are context-free; facts are the prover's business. */
#include <stdlib.h>
#include <string.h>

#include "compiler/sym/sym_internal.h"

/* ---- linear forms ------------------------------------------------------- */

void lin_init(Lin *l) { memset(l, 0, sizeof *l); }

static bool lin_reserve(SymCtx *c, Lin *l, uint32_t need)
{
    if (need <= l->cap)
        return true;
    uint32_t ncap = l->cap ? l->cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    l->t = arena_realloc(c->a, l->t, l->cap * sizeof *l->t, ncap * sizeof *l->t);
    if (c->a->oom)
        return false;
    l->cap = ncap;
    return true;
}

void lin_of(SymCtx *c, Sym *e, Lin *out)
{
    out->n = 0;
    out->k = 0;
    if (e->kind == SYM_CONST) {
        out->k = e->k;
    } else if (e->kind == SYM_ADD) {
        if (!lin_reserve(c, out, e->n))
            return;
        for (uint32_t i = 0; i < e->n; i++)
            out->t[i] = (Term){e->coef[i], e->ops[i]};
        out->n = e->n;
        out->k = e->k;
    } else if (lin_reserve(c, out, 1)) {
        out->t[0] = (Term){1, e};
        out->n = 1;
    }
}

bool lin_add_term(SymCtx *c, Lin *dst, Sym *atom, int64_t coef)
{
    if (coef == 0)
        return true;
    uint32_t lo = 0, hi = dst->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (dst->t[mid].atom->id < atom->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < dst->n && dst->t[lo].atom == atom) {
        int64_t s;
        if (__builtin_add_overflow(dst->t[lo].coef, coef, &s))
            return false;
        if (s == 0) {
            memmove(&dst->t[lo], &dst->t[lo + 1], (dst->n - lo - 1) * sizeof *dst->t);
            dst->n--;
        } else {
            dst->t[lo].coef = s;
        }
        return true;
    }
    if (!lin_reserve(c, dst, dst->n + 1))
        return false;
    memmove(&dst->t[lo + 1], &dst->t[lo], (dst->n - lo) * sizeof *dst->t);
    dst->t[lo] = (Term){coef, atom};
    dst->n++;
    return true;
}

bool lin_add_scaled(SymCtx *c, Lin *dst, const Lin *src, int64_t m)
{
    int64_t k;
    if (__builtin_mul_overflow(src->k, m, &k) || __builtin_add_overflow(dst->k, k, &dst->k))
        return false;
    for (uint32_t i = 0; i < src->n; i++) {
        int64_t cf;
        if (__builtin_mul_overflow(src->t[i].coef, m, &cf) || !lin_add_term(c, dst, src->t[i].atom, cf))
            return false;
    }
    return true;
}

/* m * (x % C) + m*C * (x / C)  ->  m * x   (floor semantics: x == C*(x/C) + x%C) */
static bool recombine_divmod(SymCtx *c, Lin *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        Sym *md = l->t[i].atom;
        int64_t C, want;
        if (md->kind != SYM_MOD || !sym_is_const(md->ops[1], &C) || C <= 0)
            continue;
        if (__builtin_mul_overflow(l->t[i].coef, C, &want))
            continue;
        for (uint32_t j = 0; j < l->n; j++) {
            Sym *dv = l->t[j].atom;
            if (dv->kind != SYM_DIV || dv->ops[0] != md->ops[0] || dv->ops[1] != md->ops[1] ||
                l->t[j].coef != want)
                continue;
            Lin trial, x;
            lin_init(&trial);
            lin_init(&x);
            lin_of(c, md->ops[0], &x);
            if (!lin_add_scaled(c, &trial, l, 1) || !lin_add_term(c, &trial, md, -l->t[i].coef) ||
                !lin_add_term(c, &trial, dv, -want) || !lin_add_scaled(c, &trial, &x, l->t[i].coef))
                break;
            *l = trial;
            return true;
        }
    }
    return false;
}

Sym *lin_build(SymCtx *c, const Lin *src)
{
    Lin l = *src;
    if (c->a->oom)
        return c->zero;
    for (int guard = 0; guard < 16; guard++) {
        Lin copy;
        lin_init(&copy);
        if (!lin_add_scaled(c, &copy, &l, 1))
            break;
        if (!recombine_divmod(c, &copy))
            break;
        l = copy;
    }
    if (l.n == 0)
        return sym_const(c, l.k);
    if (l.n == 1 && l.t[0].coef == 1 && l.k == 0)
        return l.t[0].atom;
    Sym   *ops[l.n];
    int64_t cf[l.n];
    for (uint32_t i = 0; i < l.n; i++) {
        ops[i] = l.t[i].atom;
        cf[i] = l.t[i].coef;
    }
    return sym_intern(c, SYM_ADD, l.k, l.n, ops, cf);
}

/* An unfolded sum, kept when folding would overflow: k=0, the operands as
 * atoms. Its value is still the mathematical sum. */
static Sym *raw_sum(SymCtx *c, Sym *a, int64_t ca, Sym *b, int64_t cb)
{
    Lin l;
    lin_init(&l);
    if (!lin_add_term(c, &l, a, ca) || (b && !lin_add_term(c, &l, b, cb)))
        return c->zero; /* unreachable: a == b only ever with small coefficients */
    if (l.n == 0)
        return c->zero;
    Sym   *ops[2];
    int64_t cf[2];
    for (uint32_t i = 0; i < l.n; i++) {
        ops[i] = l.t[i].atom;
        cf[i] = l.t[i].coef;
    }
    return sym_intern(c, SYM_ADD, 0, l.n, ops, cf);
}

static Sym *ordered2(SymCtx *c, SymKind kind, Sym *a, Sym *b)
{
    Sym *ops[2] = {a, b};
    if ((kind == SYM_MIN || kind == SYM_MAX || kind == SYM_MUL) && b->id < a->id) {
        ops[0] = b;
        ops[1] = a;
    }
    return sym_intern(c, kind, 0, 2, ops, NULL);
}

/* ---- + - * -------------------------------------------------------------- */

static Sym *combine(SymCtx *c, Sym *a, int64_t ma, Sym *b, int64_t mb)
{
    Lin r, la, lb;
    lin_init(&r);
    lin_init(&la);
    lin_init(&lb);
    lin_of(c, a, &la);
    lin_of(c, b, &lb);
    if (lin_add_scaled(c, &r, &la, ma) && lin_add_scaled(c, &r, &lb, mb))
        return lin_build(c, &r);
    return raw_sum(c, a, ma, b, mb);
}

Sym *sym_add(SymCtx *c, Sym *a, Sym *b) { return combine(c, a, 1, b, 1); }
Sym *sym_sub(SymCtx *c, Sym *a, Sym *b) { return combine(c, a, 1, b, -1); }
Sym *sym_addi(SymCtx *c, Sym *a, int64_t k) { return sym_add(c, a, sym_const(c, k)); }

Sym *sym_neg(SymCtx *c, Sym *a)
{
    Lin r, la;
    lin_init(&r);
    lin_init(&la);
    lin_of(c, a, &la);
    if (lin_add_scaled(c, &r, &la, -1))
        return lin_build(c, &r);
    return raw_sum(c, a, -1, NULL, 0);
}

static void factors(Sym *e, Sym ***f, uint32_t *n, Sym **one)
{
    if (e->kind == SYM_MUL) {
        *f = e->ops;
        *n = e->n;
    } else {
        *one = e;
        *f = one;
        *n = 1;
    }
}

/* Product of two atoms: a MUL whose factors are sorted by id. */
static Sym *mul_atoms(SymCtx *c, Sym *x, Sym *y)
{
    Sym **fx, **fy, *ox, *oy;
    uint32_t nx, ny;
    factors(x, &fx, &nx, &ox);
    factors(y, &fy, &ny, &oy);
    Sym     *ops[nx + ny];
    uint32_t i = 0, j = 0, n = 0;
    while (i < nx || j < ny)
        ops[n++] = (j >= ny || (i < nx && fx[i]->id <= fy[j]->id)) ? fx[i++] : fy[j++];
    return sym_intern(c, SYM_MUL, 0, n, ops, NULL);
}

Sym *sym_muli(SymCtx *c, Sym *a, int64_t k) { return sym_mul(c, a, sym_const(c, k)); }

Sym *sym_mul(SymCtx *c, Sym *a, Sym *b)
{
    int64_t ka, kb;
    if (sym_is_const(a, &ka) && sym_is_const(b, &kb)) {
        int64_t p;
        return __builtin_mul_overflow(ka, kb, &p) ? ordered2(c, SYM_MUL, a, b) : sym_const(c, p);
    }
    if (sym_is_const(a, &ka))
        return combine(c, b, ka, c->zero, 0);
    if (sym_is_const(b, &kb))
        return combine(c, a, kb, c->zero, 0);
    Lin la, lb, r;
    lin_init(&la);
    lin_init(&lb);
    lin_init(&r);
    lin_of(c, a, &la);
    lin_of(c, b, &lb);
    if ((la.n + 1) * (lb.n + 1) > 64)
        return ordered2(c, SYM_MUL, a, b);
    int64_t k;
    bool ok = !__builtin_mul_overflow(la.k, lb.k, &k);
    r.k = k;
    for (uint32_t i = 0; ok && i < la.n; i++) {
        int64_t cf;
        ok = !__builtin_mul_overflow(la.t[i].coef, lb.k, &cf) && lin_add_term(c, &r, la.t[i].atom, cf);
        for (uint32_t j = 0; ok && j < lb.n; j++)
            ok = !__builtin_mul_overflow(la.t[i].coef, lb.t[j].coef, &cf) &&
                 lin_add_term(c, &r, mul_atoms(c, la.t[i].atom, lb.t[j].atom), cf);
    }
    for (uint32_t j = 0; ok && j < lb.n; j++) {
        int64_t cf;
        ok = !__builtin_mul_overflow(la.k, lb.t[j].coef, &cf) && lin_add_term(c, &r, lb.t[j].atom, cf);
    }
    if (!ok)
        return ordered2(c, SYM_MUL, a, b);
    return lin_build(c, &r);
}

/* ---- floor division and modulo ----------------------------------------- */

static bool in_range(const Sym *e, int64_t lo, int64_t hi)
{
    CInt b = sym_cbound(NULL, e, 0);
    return b.has_lo && b.has_hi && b.lo >= lo && b.hi <= hi;
}

/* r / C for C > 0 where r has been reduced: an atom or 0. */
static Sym *div_atom(SymCtx *c, Sym *r, int64_t C)
{
    int64_t c1, cc;
    if (C == 1)
        return r;
    if (in_range(r, 0, C - 1))
        return c->zero;
    /* (x / c1) / C == x / (c1 * C) for positive divisors */
    if (r->kind == SYM_DIV && sym_is_const(r->ops[1], &c1) && c1 > 0 &&
        !__builtin_mul_overflow(c1, C, &cc))
        return div_atom(c, r->ops[0], cc);
    return ordered2(c, SYM_DIV, r, sym_const(c, C));
}

/* Splits a = C*q + rest: q collects terms whose coefficient C divides and the
 * floor quotient of the constant; rest keeps the others and 0 <= rest.k < C. */
static bool split_by(SymCtx *c, Sym *a, int64_t C, Lin *q, Lin *rest)
{
    Lin la;
    lin_init(&la);
    lin_of(c, a, &la);
    if (!sym_floor_div(la.k, C, &q->k) || !sym_floor_mod(la.k, C, &rest->k))
        return false;
    for (uint32_t i = 0; i < la.n; i++) {
        int64_t cf = la.t[i].coef;
        bool    ok = cf % C == 0 ? lin_add_term(c, q, la.t[i].atom, cf / C)
                                 : lin_add_term(c, rest, la.t[i].atom, cf);
        if (!ok)
            return false;
    }
    return true;
}

/* Divides every coefficient and the constant of l by their gcd with C (> 1
 * only when all share it); returns that gcd. */
static int64_t common_factor(Lin *l, int64_t C)
{
    uint64_t g = gcd64(C, l->k);
    for (uint32_t i = 0; i < l->n && g > 1; i++)
        g = gcd64((int64_t)g, l->t[i].coef);
    if (g <= 1)
        return 1;
    l->k /= (int64_t)g;
    for (uint32_t i = 0; i < l->n; i++)
        l->t[i].coef /= (int64_t)g;
    return (int64_t)g;
}

/* 0 / y, x / 0, 0 % y and x % 0 are all 0 (division by zero gives 0). */
static bool zero_quotient(const Sym *a, const Sym *b)
{
    int64_t k;
    return (sym_is_const(a, &k) && k == 0) || (sym_is_const(b, &k) && k == 0);
}

Sym *sym_div(SymCtx *c, Sym *a, Sym *b)
{
    int64_t kb, ka, q;
    if (zero_quotient(a, b))
        return c->zero;
    if (!sym_is_const(b, &kb))
        return ordered2(c, SYM_DIV, a, b);
    if (sym_is_const(a, &ka))
        return sym_floor_div(ka, kb, &q) ? sym_const(c, q) : ordered2(c, SYM_DIV, a, b);
    if (kb == 1)
        return a;
    if (kb < 0) /* a / b == (-a) / (-b) exactly, so their floors agree */
        return kb == INT64_MIN ? ordered2(c, SYM_DIV, a, b) : sym_div(c, sym_neg(c, a), sym_const(c, -kb));
    Lin ql, rest;
    lin_init(&ql);
    lin_init(&rest);
    if (!split_by(c, a, kb, &ql, &rest))
        return ordered2(c, SYM_DIV, a, b);
    if (rest.n == 0)
        return lin_build(c, &ql); /* 0 <= rest.k < kb contributes nothing */
    int64_t g = common_factor(&rest, kb);
    Sym *inner = div_atom(c, lin_build(c, &rest), kb / g);
    if (inner->kind == SYM_CONST ? __builtin_add_overflow(ql.k, inner->k, &ql.k)
                                 : !lin_add_term(c, &ql, inner, 1))
        return ordered2(c, SYM_DIV, a, b);
    return lin_build(c, &ql);
}

/* r % C for C > 0, r reduced. */
static Sym *mod_atom(SymCtx *c, Sym *r, int64_t C)
{
    int64_t c1;
    if (C == 1)
        return c->zero;
    if (in_range(r, 0, C - 1))
        return r;
    /* (x % c1) % C == x % C when C divides c1 */
    if (r->kind == SYM_MOD && sym_is_const(r->ops[1], &c1) && c1 > 0 && c1 % C == 0)
        return mod_atom(c, r->ops[0], C);
    return ordered2(c, SYM_MOD, r, sym_const(c, C));
}

Sym *sym_mod(SymCtx *c, Sym *a, Sym *b)
{
    int64_t kb, ka, r;
    if (zero_quotient(a, b) || a == b) /* x % x is 0 for every x, 0 included */
        return c->zero;
    if (!sym_is_const(b, &kb))
        return ordered2(c, SYM_MOD, a, b);
    if (sym_is_const(a, &ka))
        return sym_floor_mod(ka, kb, &r) ? sym_const(c, r) : ordered2(c, SYM_MOD, a, b);
    if (kb == 1 || kb == -1)
        return c->zero;
    if (kb < 0) /* a mod b == -((-a) mod (-b)) in floor semantics */
        return kb == INT64_MIN ? ordered2(c, SYM_MOD, a, b)
                               : sym_neg(c, sym_mod(c, sym_neg(c, a), sym_const(c, -kb)));
    Lin la, rest;
    lin_init(&la);
    lin_init(&rest);
    lin_of(c, a, &la);
    if (!sym_floor_mod(la.k, kb, &rest.k))
        return ordered2(c, SYM_MOD, a, b);
    for (uint32_t i = 0; i < la.n; i++) {
        int64_t cf;
        sym_floor_mod(la.t[i].coef, kb, &cf); /* (x + C*y) % C == x % C */
        if (!lin_add_term(c, &rest, la.t[i].atom, cf))
            return ordered2(c, SYM_MOD, a, b);
    }
    if (rest.n == 0)
        return sym_const(c, rest.k);
    int64_t g = common_factor(&rest, kb); /* (g*x) % (g*C) == g * (x % C) */
    return sym_muli(c, mod_atom(c, lin_build(c, &rest), kb / g), g);
}

Sym *sym_ceil_div(SymCtx *c, Sym *a, Sym *b)
{
    return sym_div(c, sym_add(c, a, sym_addi(c, b, -1)), b);
}

/* ---- min / max ---------------------------------------------------------- */

static bool has_op(const Sym *e, SymKind kind, const Sym *x)
{
    return e->kind == kind && (e->ops[0] == x || e->ops[1] == x);
}

static Sym *minmax(SymCtx *c, SymKind kind, Sym *a, Sym *b)
{
    bool    is_min = kind == SYM_MIN;
    SymKind other = is_min ? SYM_MAX : SYM_MIN;
    if (a == b)
        return a;
    /* Difference constant (covers two constants): pick directly. */
    Lin d, la, lb;
    lin_init(&d);
    lin_init(&la);
    lin_init(&lb);
    lin_of(c, a, &la);
    lin_of(c, b, &lb);
    if (lin_add_scaled(c, &d, &la, 1) && lin_add_scaled(c, &d, &lb, -1) && d.n == 0)
        return (d.k <= 0) == is_min ? a : b;
    CInt ia = sym_cbound(NULL, a, 0), ib = sym_cbound(NULL, b, 0);
    if (ia.has_hi && ib.has_lo && ia.hi <= ib.lo)
        return is_min ? a : b;
    if (ib.has_hi && ia.has_lo && ib.hi <= ia.lo)
        return is_min ? b : a;
    /* min(a, max(a, x)) == a;  min(a, min(a, x)) == min(a, x) */
    if (has_op(b, other, a))
        return a;
    if (has_op(a, other, b))
        return b;
    if (has_op(b, kind, a))
        return b;
    if (has_op(a, kind, b))
        return a;
    /* min(x + k, y + k) == min(x, y) + k */
    if (la.k == lb.k && la.k != 0 && la.n && lb.n) {
        int64_t k = la.k;
        la.k = lb.k = 0;
        return sym_addi(c, minmax(c, kind, lin_build(c, &la), lin_build(c, &lb)), k);
    }
    /* min(min(x, c1), c2) == min(x, min(c1, c2)) */
    int64_t k1, k2;
    if (sym_is_const(b, &k2) && a->kind == kind && sym_is_const(a->ops[1], &k1))
        return minmax(c, kind, a->ops[0], sym_const(c, is_min ? (k1 < k2 ? k1 : k2) : (k1 > k2 ? k1 : k2)));
    if (sym_is_const(a, &k1) && b->kind == kind && sym_is_const(b->ops[1], &k2))
        return minmax(c, kind, b->ops[0], sym_const(c, is_min ? (k1 < k2 ? k1 : k2) : (k1 > k2 ? k1 : k2)));
    /* constants last, otherwise by id */
    if (sym_is_const(a, NULL) || (!sym_is_const(b, NULL) && b->id < a->id)) {
        Sym *t = a;
        a = b;
        b = t;
    }
    Sym *ops[2] = {a, b};
    return sym_intern(c, kind, 0, 2, ops, NULL);
}

Sym *sym_min(SymCtx *c, Sym *a, Sym *b) { return minmax(c, SYM_MIN, a, b); }
Sym *sym_max(SymCtx *c, Sym *a, Sym *b) { return minmax(c, SYM_MAX, a, b); }
