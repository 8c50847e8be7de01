/* The prover: a <= b becomes "b - a <= -1 is infeasible". Atoms become
 * rational unknowns constrained by ranges, facts and their definitions
 * (floor div/mod, min/max by case split, products by McCormick), then
 * Fourier-Motzkin with integer tightening looks for a contradiction. */
#include <string.h>

#include "compiler/sym/sym_internal.h"

enum { MAX_ATOMS = 24, MAX_ROWS = 256, MAX_SPLITS = 4, MAX_CONS = 160 };

typedef struct Split {
    Lin alt[2]; /* at least one of alt[0] >= 0, alt[1] >= 0 holds */
} Split;

typedef struct Prover {
    SymCtx  *c;
    Sym     *atom[MAX_ATOMS];
    uint32_t natom, ndone;
    Lin      cons[MAX_CONS]; /* each cons >= 0 */
    uint32_t ncons;
    Split    split[MAX_SPLITS];
    uint32_t nsplit;
    bool    *fact_used;  /* one per recorded fact */
    long     budget;     /* Fourier-Motzkin work left; giving up is sound */
} Prover;

static int atom_index(const Prover *p, const Sym *a)
{
    for (uint32_t i = 0; i < p->natom; i++)
        if (p->atom[i] == a)
            return (int)i;
    return -1;
}

/* Adds the atoms of l; false (nothing added) when they would not fit. */
static bool take_atoms(Prover *p, const Lin *l)
{
    uint32_t fresh = 0;
    for (uint32_t i = 0; i < l->n; i++)
        fresh += atom_index(p, l->t[i].atom) < 0;
    if (p->natom + fresh > MAX_ATOMS)
        return false;
    for (uint32_t i = 0; i < l->n; i++)
        if (atom_index(p, l->t[i].atom) < 0)
            p->atom[p->natom++] = l->t[i].atom;
    return true;
}

/* Records l >= 0. Dropping a constraint is always sound, so anything that
 * does not fit is simply left out. */
static void add_lin(Prover *p, const Lin *l)
{
    if (p->ncons >= MAX_CONS || !take_atoms(p, l))
        return;
    Lin *d = &p->cons[p->ncons++];
    lin_init(d);
    if (!lin_add_scaled(p->c, d, l, 1))
        p->ncons--;
}

static void add_ge0(Prover *p, Sym *e)
{
    Lin l;
    lin_init(&l);
    lin_of(p->c, e, &l);
    add_lin(p, &l);
}

/* x >= y */
static void add_ge(Prover *p, Sym *x, Sym *y) { add_ge0(p, sym_sub(p->c, x, y)); }

static void add_eq(Prover *p, Sym *x, Sym *y)
{
    add_ge(p, x, y);
    add_ge(p, y, x);
}

/* Brings the atoms of e into play without a constraint: the claim mentions
 * e, so the premises of its variables (their ranges, their loops running)
 * apply even where e's value does not matter (x % 0 == 0). */
static void reach(Prover *p, Sym *e)
{
    Lin l;
    lin_init(&l);
    lin_of(p->c, e, &l);
    take_atoms(p, &l);
}

static void add_split(Prover *p, Sym *e0, Sym *e1)
{
    if (p->nsplit >= MAX_SPLITS)
        return;
    Split *s = &p->split[p->nsplit];
    lin_init(&s->alt[0]);
    lin_init(&s->alt[1]);
    lin_of(p->c, e0, &s->alt[0]);
    lin_of(p->c, e1, &s->alt[1]);
    if (take_atoms(p, &s->alt[0]) && take_atoms(p, &s->alt[1]))
        p->nsplit++;
}

/* Up to two lower and two upper bounds of e: the symbolic range of a
 * variable and the constant interval. */
static void bounds_of(SymCtx *c, Sym *e, Sym *lo[2], Sym *hi[2])
{
    Sym *rl = NULL, *rh = NULL;
    sym_get_range(c, e, &rl, &rh);
    CInt b = sym_cbound(c, e, 0);
    Sym *cl = b.has_lo ? sym_const(c, b.lo) : NULL, *ch = b.has_hi ? sym_const(c, b.hi) : NULL;
    lo[0] = rl ? rl : cl;
    lo[1] = rl && cl != rl ? cl : NULL;
    hi[0] = rh ? rh : ch;
    hi[1] = rh && ch != rh ? ch : NULL;
}

/* McCormick: for bounds L <= x <= U and L' <= y <= U', the products
 * (x - L)(y - L'), (U - x)(U' - y) are >= 0 and (x - L)(U' - y),
 * (U - x)(y - L') too; expanded they relate the atom x*y linearly to x, y. */
static void mccormick(Prover *p, Sym *x, Sym *y)
{
    SymCtx *c = p->c;
    Sym    *xb[2][2], *yb[2][2]; /* [lo/hi][candidate] */
    bounds_of(c, x, xb[0], xb[1]);
    bounds_of(c, y, yb[0], yb[1]);
    for (int sx = 0; sx < 2; sx++)
        for (int sy = 0; sy < 2; sy++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) {
                    Sym *bx = xb[sx][i], *by = yb[sy][j];
                    if (!bx || !by)
                        continue;
                    Sym *fx = sx ? sym_sub(c, bx, x) : sym_sub(c, x, bx);
                    Sym *fy = sy ? sym_sub(c, by, y) : sym_sub(c, y, by);
                    add_ge0(p, sym_mul(c, fx, fy));
                }
}

/* (x / y) * y: at most x (floor), and more than x - y when y >= 1; with
 * y == 0 it is 0, at most x when x >= 0. This is what keeps an output of
 * H / S rows times S inside H. */
static void quotient_times_divisor(Prover *p, Sym *a)
{
    SymCtx *c = p->c;
    if (a->n != 2)
        return;
    for (int k = 0; k < 2; k++) {
        Sym *q = a->ops[k], *y = a->ops[1 - k];
        if (q->kind != SYM_DIV || q->ops[1] != y)
            continue;
        Sym *x = q->ops[0];
        CInt by = sym_cbound(c, y, 0), bx = sym_cbound(c, x, 0);
        if (!by.has_lo || by.lo < 0)
            return;
        if (by.lo >= 1 || (bx.has_lo && bx.lo >= 0))
            add_ge(p, x, a);
        if (by.lo >= 1)
            add_ge(p, a, sym_addi(c, sym_sub(c, x, y), 1));
        return;
    }
}

static void define(Prover *p, Sym *a)
{
    SymCtx *c = p->c;
    Sym    *zero = c->zero, *x, *y;
    int64_t C;
    CInt    b = sym_cbound(c, a, 0);
    if (a->kind != SYM_VAR && b.has_lo)
        add_ge(p, a, sym_const(c, b.lo));
    if (a->kind != SYM_VAR && b.has_hi)
        add_ge(p, sym_const(c, b.hi), a);
    switch (a->kind) {
    case SYM_VAR: {
        Sym *lo, *hi;
        sym_get_range(c, a, &lo, &hi);
        if (lo)
            add_ge(p, a, lo);
        if (hi)
            add_ge(p, hi, a);
        /* The claim is about a point where this variable has a value, so
         * its loop runs and its domain is non-empty. This premise belongs to
         * the variable: it never reaches a claim that does not mention it,
         * so an empty loop elsewhere cannot prove anything here. */
        if (lo && hi)
            add_ge(p, hi, lo);
        break;
    }
    case SYM_CONST: add_eq(p, a, sym_const(c, a->k)); break;
    case SYM_ADD: { /* an unfolded sum: a == k + sum coef * op */
        Lin l;
        lin_init(&l);
        l.k = -a->k;
        bool ok = a->k != INT64_MIN && lin_add_term(c, &l, a, 1);
        for (uint32_t i = 0; ok && i < a->n; i++)
            ok = a->coef[i] != INT64_MIN && lin_add_term(c, &l, a->ops[i], -a->coef[i]);
        if (ok) {
            add_lin(p, &l);
            Lin m;
            lin_init(&m);
            if (lin_add_scaled(c, &m, &l, -1))
                add_lin(p, &m);
        }
        break;
    }
    case SYM_DIV: {
        x = a->ops[0], y = a->ops[1];
        reach(p, x);
        reach(p, y);
        CInt by = sym_cbound(c, y, 0), bx = sym_cbound(c, x, 0);
        if (sym_is_const(y, &C) && C > 0) { /* C*q <= x <= C*q + C - 1 */
            add_ge(p, x, sym_muli(c, a, C));
            add_ge(p, sym_addi(c, sym_muli(c, a, C), C - 1), x);
        } else if (by.has_lo && by.has_hi && by.lo == 0 && by.hi == 0) {
            add_eq(p, a, zero); /* division by zero gives 0 */
        } else if (by.has_lo && by.lo >= 0 && bx.has_lo && bx.lo >= 0) {
            add_ge(p, a, zero); /* 0 <= x / y <= x, also for y == 0 */
            add_ge(p, x, a);
        }
        break;
    }
    case SYM_MOD: {
        x = a->ops[0], y = a->ops[1];
        reach(p, x);
        reach(p, y);
        CInt by = sym_cbound(c, y, 0), bx = sym_cbound(c, x, 0);
        if (sym_is_const(y, &C) && C > 0) { /* x == C*(x/C) + x%C */
            add_eq(p, a, sym_sub(c, x, sym_muli(c, sym_div(c, x, y), C)));
        } else if (by.has_lo && by.has_hi && by.lo == 0 && by.hi == 0) {
            add_eq(p, a, zero); /* modulo by zero gives 0 */
        } else if (by.has_lo && by.lo >= 0) {
            /* 0 <= r <= y - 1 when y >= 1, and r == 0 when y == 0: so
             * 0 <= r <= y always, and r <= x when x >= 0. A divisor that
             * may be 0 is split into the two cases by prove_cases(). */
            add_ge(p, a, zero);
            add_ge(p, by.lo >= 1 ? sym_addi(c, y, -1) : y, a);
            if (bx.has_lo && bx.lo >= 0)
                add_ge(p, x, a);
        } else if (by.has_hi && by.hi <= -1) { /* y + 1 <= r <= 0 */
            add_ge(p, zero, a);
            add_ge(p, a, sym_addi(c, y, 1));
        }
        break;
    }
    case SYM_MIN:
        add_ge(p, a->ops[0], a);
        add_ge(p, a->ops[1], a);
        add_split(p, sym_sub(c, a, a->ops[0]), sym_sub(c, a, a->ops[1]));
        break;
    case SYM_MAX:
        add_ge(p, a, a->ops[0]);
        add_ge(p, a, a->ops[1]);
        add_split(p, sym_sub(c, a->ops[0], a), sym_sub(c, a->ops[1], a));
        break;
    case SYM_MUL: /* each distinct factor against the product of the others */
        quotient_times_divisor(p, a);
        for (uint32_t i = 0; i < (a->n == 2 ? 1u : a->n) && i < 4; i++) { /* x*y: symmetric */
            if (i && a->ops[i] == a->ops[i - 1])
                continue;
            Sym *rest = NULL;
            for (uint32_t j = 0; j < a->n; j++)
                if (j != i)
                    rest = rest ? sym_mul(c, rest, a->ops[j]) : a->ops[j];
            mccormick(p, a->ops[i], rest);
        }
        break;
    }
}

static bool shares_atom(const Prover *p, const Lin *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (atom_index(p, l->t[i].atom) >= 0)
            return true;
    return l->n == 0;
}

/* Definitions of every atom, and every fact that mentions a known atom,
 * until nothing new turns up. A loop's non-empty domain is not a fact of
 * the context: define() adds it for the loop variables the claim reaches. */
static void gather(Prover *p)
{
    SymCtx *c = p->c;
    for (bool changed = true; changed;) {
        changed = false;
        while (p->ndone < p->natom)
            define(p, p->atom[p->ndone++]);
        for (uint32_t i = 0; i < c->facts.n; i++) {
            if (p->fact_used[i])
                continue;
            Lin l;
            lin_init(&l);
            lin_of(c, c->facts.v[i], &l);
            if (shares_atom(p, &l)) {
                p->fact_used[i] = true;
                add_lin(p, &l);
                changed = true;
            }
        }
    }
}

/* ---- Fourier-Motzkin ------------------------------------------------------ */

typedef struct Rows {
    int64_t *r;   /* n rows of w = natom + 1 entries: coefficients then constant */
    uint32_t n, w;
} Rows;

/* Divides by the gcd of the coefficients, rounding the constant down (valid
 * because every atom is an integer). Returns -1 for a contradiction, 0 for a
 * trivially true row, 1 otherwise. */
static int normalize(int64_t *row, uint32_t w)
{
    uint64_t g = 0;
    for (uint32_t i = 0; i + 1 < w; i++)
        g = gcd64((int64_t)g, row[i]);
    if (g == 0)
        return row[w - 1] < 0 ? -1 : 0;
    if (g > 1) {
        for (uint32_t i = 0; i + 1 < w; i++)
            row[i] /= (int64_t)g;
        sym_floor_div(row[w - 1], (int64_t)g, &row[w - 1]);
    }
    return 1;
}

/* Appends row unless a row with the same coefficients exists (keeps the
 * stronger constant). Returns -1 on contradiction. */
static int push_row(Rows *rs, const int64_t *row, uint32_t cap, long *budget)
{
    *budget -= rs->n + 1;
    int64_t tmp[MAX_ATOMS + 1];
    memcpy(tmp, row, rs->w * sizeof *tmp);
    int st = normalize(tmp, rs->w);
    if (st <= 0)
        return st;
    for (uint32_t i = 0; i < rs->n; i++) {
        int64_t *o = rs->r + (size_t)i * rs->w;
        if (memcmp(o, tmp, (rs->w - 1) * sizeof *tmp) == 0) {
            if (tmp[rs->w - 1] < o[rs->w - 1])
                o[rs->w - 1] = tmp[rs->w - 1];
            return 1;
        }
    }
    if (rs->n >= cap)
        return 1; /* dropped: sound, only weaker */
    memcpy(rs->r + (size_t)rs->n * rs->w, tmp, rs->w * sizeof *tmp);
    rs->n++;
    return 1;
}

static bool infeasible(Rows *cur, Rows *nxt, long *budget)
{
    uint32_t w = cur->w;
    for (;;) {
        if (*budget < 0)
            return false;
        int best = -1;
        long bestcost = 0;
        for (uint32_t j = 0; j + 1 < w; j++) {
            long np = 0, nn = 0;
            for (uint32_t i = 0; i < cur->n; i++) {
                int64_t v = cur->r[(size_t)i * w + j];
                np += v > 0;
                nn += v < 0;
            }
            if (np + nn == 0)
                continue;
            long cost = np * nn - np - nn;
            if (best < 0 || cost < bestcost)
                best = (int)j, bestcost = cost;
        }
        if (best < 0)
            return false; /* no unknowns left and no contradiction */
        uint32_t j = (uint32_t)best;
        nxt->n = 0;
        for (uint32_t i = 0; i < cur->n; i++) {
            int64_t *ri = cur->r + (size_t)i * w;
            if (ri[j] == 0 && push_row(nxt, ri, MAX_ROWS, budget) < 0)
                return true;
        }
        for (uint32_t i = 0; i < cur->n; i++) {
            int64_t *pr = cur->r + (size_t)i * w;
            if (pr[j] <= 0)
                continue;
            for (uint32_t k = 0; k < cur->n && nxt->n < MAX_ROWS && *budget >= 0; k++) {
                int64_t *nr = cur->r + (size_t)k * w;
                if (nr[j] >= 0)
                    continue;
                int64_t g = (int64_t)gcd64(pr[j], nr[j]), mp = -nr[j] / g, mn = pr[j] / g;
                int64_t row[MAX_ATOMS + 1];
                bool    ok = true;
                for (uint32_t t = 0; ok && t < w; t++) {
                    int64_t x, y;
                    ok = !__builtin_mul_overflow(pr[t], mp, &x) && !__builtin_mul_overflow(nr[t], mn, &y) &&
                         !__builtin_add_overflow(x, y, &row[t]);
                }
                if (ok && push_row(nxt, row, MAX_ROWS, budget) < 0)
                    return true;
            }
        }
        Rows t = *cur;
        *cur = *nxt;
        *nxt = t;
    }
}

static bool lin_to_row(const Prover *p, const Lin *l, int64_t *row, uint32_t w)
{
    memset(row, 0, w * sizeof *row);
    for (uint32_t i = 0; i < l->n; i++) {
        int j = atom_index(p, l->t[i].atom);
        if (j < 0)
            return false;
        row[j] = l->t[i].coef;
    }
    row[w - 1] = l->k;
    return true;
}

/* Every case of the min/max splits must be contradictory. */
static bool refute(Prover *p, const Lin *goal)
{
    SymCtx  *c = p->c;
    uint32_t w = p->natom + 1;
    size_t   need = 2 * (size_t)MAX_ROWS * w;
    if (c->fm_cap < need) {
        c->fm = arena_alloc(c->a, need * sizeof *c->fm);
        if (c->a->oom)
            return false;
        c->fm_cap = need;
    }
    for (uint32_t mask = 0; mask < (1u << p->nsplit); mask++) {
        Rows    cur = {c->fm, 0, w}, nxt = {c->fm + (size_t)MAX_ROWS * w, 0, w};
        int64_t row[MAX_ATOMS + 1];
        bool    contra = false;
        for (uint32_t i = 0; i <= p->ncons + p->nsplit && !contra; i++) {
            const Lin *l = i < p->ncons ? &p->cons[i]
                         : i < p->ncons + p->nsplit ? &p->split[i - p->ncons].alt[(mask >> (i - p->ncons)) & 1]
                                                     : goal;
            if (lin_to_row(p, l, row, w))
                contra = push_row(&cur, row, MAX_ROWS, &p->budget) < 0;
        }
        if (!contra && !infeasible(&cur, &nxt, &p->budget))
            return false;
    }
    return true;
}

/* One Fourier-Motzkin attempt at refuting d <= -1. */
static bool refute_negation(SymCtx *c, Sym *d)
{
    Prover *p = arena_alloc(c->a, sizeof *p);
    p->fact_used = arena_alloc(c->a, c->facts.n + 1);
    p->budget = 4000000;
    if (c->a->oom)
        return false;
    p->c = c;
    Lin goal, ld;
    lin_init(&goal);
    lin_init(&ld);
    lin_of(c, d, &ld);
    /* negation of d >= 0 over the integers: -d - 1 >= 0 */
    if (!lin_add_scaled(c, &goal, &ld, -1) || __builtin_sub_overflow(goal.k, 1, &goal.k) ||
        !take_atoms(p, &goal))
        return false;
    gather(p);
    return refute(p, &goal);
}

/* d == coef * (x / y) + r with coef = +-1 and y >= 1 is equivalent to a
 * claim without the quotient (floor: x / y >= m <=> x >= m*y, and
 * x / y <= m <=> x <= m*y + y - 1). Multiplying through by the divisor is
 * what proves i / W <= H - 1 from i <= H*W - 1. NULL when no such term. */
static Sym *without_quotient(SymCtx *c, Sym *d)
{
    Lin l;
    lin_init(&l);
    lin_of(c, d, &l);
    for (uint32_t i = 0; i < l.n; i++) {
        Sym    *q = l.t[i].atom;
        int64_t coef = l.t[i].coef, C;
        if (q->kind != SYM_DIV || (coef != 1 && coef != -1) || sym_is_const(q->ops[1], &C))
            continue;
        CInt by = sym_cbound(c, q->ops[1], 0);
        if (!by.has_lo || by.lo < 1)
            continue;
        Lin rest = l;
        rest.t = arena_alloc(c->a, (l.n ? l.n : 1) * sizeof *rest.t);
        if (c->a->oom)
            return NULL;
        memcpy(rest.t, l.t, l.n * sizeof *l.t);
        rest.cap = l.n;
        if (!lin_add_term(c, &rest, q, -coef))
            return NULL;
        Sym *r = lin_build(c, &rest), *x = q->ops[0], *y = q->ops[1];
        if (coef == 1) /* x / y >= -r */
            return sym_add(c, x, sym_mul(c, r, y));
        return sym_sub(c, sym_addi(c, sym_mul(c, sym_addi(c, r, 1), y), -1), x); /* x / y <= r */
    }
    return NULL;
}

/* A variable that divides somewhere in e and may be 0: its range starts
 * at 0 (a dim, or a loop from 0). */
static Sym *zero_divisor(SymCtx *c, const Sym *e)
{
    if ((e->kind == SYM_DIV || e->kind == SYM_MOD) && e->ops[1]->kind == SYM_VAR) {
        CInt b = sym_cbound(c, e->ops[1], 0);
        if (b.has_lo && b.lo == 0 && !(b.has_hi && b.hi == 0))
            return e->ops[1];
    }
    for (uint32_t i = 0; i < e->n; i++) {
        Sym *y = zero_divisor(c, e->ops[i]);
        if (y)
            return y;
    }
    return NULL;
}

/* Each case split or quotient rewrite is one more Fourier-Motzkin run; a
 * claim gets at most MAX_RUNS of them. */
enum { MAX_RUNS = 24 };

static bool prove_at(SymCtx *c, Sym *d, int *runs);

/* The claim mentions y, so y has a value inside its range [0, hi]: either
 * y == 0 (then hi >= 0) or y in [1, hi]. Each case narrows y's range for
 * the duration of one proof, where the constant bounds see it. */
static bool prove_cases(SymCtx *c, Sym *d, Sym *y, int *runs)
{
    SymRange saved = c->ranges.v[y->k];
    uint32_t mark = sym_facts_mark(c);
    c->ranges.v[y->k] = (SymRange){c->zero, c->zero};
    if (saved.hi)
        sym_assume_nonneg(c, saved.hi);
    bool ok = prove_at(c, d, runs);
    sym_facts_reset(c, mark);
    if (ok) {
        c->ranges.v[y->k] = (SymRange){sym_const(c, 1), saved.hi};
        ok = prove_at(c, d, runs);
    }
    c->ranges.v[y->k] = saved;
    return ok;
}

static bool prove_at(SymCtx *c, Sym *d, int *runs)
{
    if (!c || !d || c->a->oom)
        return false;
    int64_t v;
    if (sym_is_const(d, &v))
        return v >= 0;
    CInt b = sym_cbound(c, d, 0);
    if (b.has_lo && b.lo >= 0)
        return true;
    if (++*runs > MAX_RUNS)
        return false;
    if (refute_negation(c, d))
        return true;
    Sym *r = without_quotient(c, d);
    if (r && prove_at(c, r, runs))
        return true;
    Sym *y = zero_divisor(c, d);
    return y && prove_cases(c, d, y, runs);
}

static bool prove_nonneg(SymCtx *c, Sym *d)
{
    int runs = 0;
    return prove_at(c, d, &runs);
}

bool sym_prove_le(SymCtx *c, Sym *a, Sym *b)
{
    return a && b && (a == b || prove_nonneg(c, sym_sub(c, b, a)));
}

bool sym_prove_lt(SymCtx *c, Sym *a, Sym *b)
{
    return a && b && prove_nonneg(c, sym_addi(c, sym_sub(c, b, a), -1));
}

bool sym_prove_ge(SymCtx *c, Sym *a, Sym *b) { return sym_prove_le(c, b, a); }
bool sym_prove_gt(SymCtx *c, Sym *a, Sym *b) { return sym_prove_lt(c, b, a); }

bool sym_prove_eq(SymCtx *c, Sym *a, Sym *b)
{
    if (!a || !b)
        return false;
    return a == b || (sym_prove_le(c, a, b) && sym_prove_le(c, b, a));
}
