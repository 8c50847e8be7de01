/* Seeded randomized checks: whatever the prover proves and whatever bounds it
 * derives must hold on every sampled assignment that satisfies the facts, and
 * simplification must preserve the value of a naively evaluated tree.
 *
 * A world is one SymCtx holding several independent "kernels" (two dims and
 * two nested loops each) and a free variable. Loop ranges may be empty or of
 * negative length. A claim must hold wherever the variables it reaches
 * (directly, or through the ranges of reached variables) are inside their
 * ranges; every other variable takes any value, and its range may be empty.
 * That is the contract of sym_set_range, and what an empty output in one
 * kernel must not break in another. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler/sym/sym.h"

/* ---- deterministic PRNG ------------------------------------------------- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t next(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s;
}
static int64_t pick(Rng *r, int64_t lo, int64_t hi) { return lo + (int64_t)(next(r) % (uint64_t)(hi - lo + 1)); }

/* ---- naive expression trees --------------------------------------------- */

typedef enum { N_CONST, N_VAR, N_ADD, N_SUB, N_MUL, N_DIV, N_MOD, N_MIN, N_MAX, N_NEG } NOp;

typedef struct Node {
    NOp          op;
    int64_t      k;
    int          var;
    struct Node *a, *b;
} Node;

enum { KERNELS = 3, PER_KERNEL = 4, NVARS = KERNELS * PER_KERNEL + 1, FREE = NVARS - 1 };

typedef struct World {
    Arena   *arena;
    SymCtx  *c;
    Sym     *var[NVARS];   /* per kernel: N, M (dims), i, j (loops); then z (free) */
    int64_t  val[NVARS];
    bool     inside[NVARS]; /* the value lies in the variable's range */
    Sym     *facts[4];     /* every sym_assume_nonneg made, checked by sample() */
    int      nfacts;
    int      focus;        /* the kernel whose variables gen() mostly uses */
} World;

static int64_t value_of(void *ud, const Sym *v)
{
    World *w = ud;
    for (int i = 0; i < NVARS; i++)
        if (w->var[i] == v)
            return w->val[i];
    cr_assert_fail("unknown variable %s", sym_var_name(v));
    return 0;
}

/* Division and modulo by zero give 0, as in the language. */
static bool fdiv(int64_t a, int64_t b, int64_t *q)
{
    if (b == 0) {
        *q = 0;
        return true;
    }
    if (a == INT64_MIN && b == -1)
        return false;
    *q = a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
    return true;
}

static bool fmod_(int64_t a, int64_t b, int64_t *r)
{
    if (b == 0 || b == -1) {
        *r = 0;
        return true;
    }
    *r = a % b;
    if (*r != 0 && ((*r < 0) != (b < 0)))
        *r += b;
    return true;
}

static bool neval(const Node *n, const World *w, int64_t *out)
{
    int64_t x = 0, y = 0;
    switch (n->op) {
    case N_CONST: *out = n->k; return true;
    case N_VAR: *out = w->val[n->var]; return true;
    case N_NEG: return neval(n->a, w, &x) && !__builtin_sub_overflow(0, x, out);
    default: break;
    }
    if (!neval(n->a, w, &x) || !neval(n->b, w, &y))
        return false;
    switch (n->op) {
    case N_ADD: return !__builtin_add_overflow(x, y, out);
    case N_SUB: return !__builtin_sub_overflow(x, y, out);
    case N_MUL: return !__builtin_mul_overflow(x, y, out);
    case N_DIV: return fdiv(x, y, out);
    case N_MOD: return fmod_(x, y, out);
    case N_MIN: *out = x < y ? x : y; return true;
    case N_MAX: *out = x > y ? x : y; return true;
    default: return false;
    }
}

static Node *node(World *w, NOp op, Node *a, Node *b)
{
    Node *n = arena_alloc(w->arena, sizeof *n);
    *n = (Node){.op = op, .a = a, .b = b};
    return n;
}

/* A variable, mostly of the focused kernel, sometimes of any kernel or z. */
static int some_var(World *w, Rng *r)
{
    if (next(r) % 5 == 0)
        return (int)pick(r, 0, NVARS - 1);
    return next(r) % 8 == 0 ? FREE : w->focus * PER_KERNEL + (int)pick(r, 0, PER_KERNEL - 1);
}

static Node *leaf(World *w, Rng *r, int64_t cmax)
{
    Node *n = node(w, N_CONST, NULL, NULL);
    if (next(r) % 3) {
        n->op = N_VAR;
        n->var = some_var(w, r);
    } else {
        n->k = pick(r, -cmax, cmax);
    }
    return n;
}

static Node *gen(World *w, Rng *r, int depth, int64_t cmax)
{
    if (depth == 0 || next(r) % 4 == 0)
        return leaf(w, r, cmax);
    NOp op = (NOp)pick(r, N_ADD, N_NEG);
    Node *a = gen(w, r, depth - 1, cmax), *b;
    switch (op) {
    case N_DIV:
    case N_MOD: { /* by constants of both signs, by symbols (dims may be 0), by anything */
        unsigned how = next(r) % 8;
        if (how < 4) {
            b = node(w, N_CONST, NULL, NULL);
            b->k = pick(r, 1, 9) * (next(r) % 5 ? 1 : -1);
        } else if (how < 7) {
            b = node(w, N_VAR, NULL, NULL);
            b->var = some_var(w, r);
        } else {
            b = gen(w, r, depth - 1, cmax);
        }
        break;
    }
    case N_MUL: /* mostly by constants, to stay mostly linear */
        b = next(r) % 3 ? node(w, N_CONST, NULL, NULL) : gen(w, r, depth - 1, cmax);
        if (b->op == N_CONST)
            b->k = pick(r, -4, 4);
        break;
    case N_NEG: b = NULL; break;
    default: b = gen(w, r, depth - 1, cmax); break;
    }
    return node(w, op, a, b);
}

static Sym *build(World *w, const Node *n)
{
    SymCtx *c = w->c;
    switch (n->op) {
    case N_CONST: return sym_const(c, n->k);
    case N_VAR: return w->var[n->var];
    case N_NEG: return sym_neg(c, build(w, n->a));
    default: break;
    }
    Sym *a = build(w, n->a), *b = build(w, n->b);
    switch (n->op) {
    case N_ADD: return sym_add(c, a, b);
    case N_SUB: return sym_sub(c, a, b);
    case N_MUL: return sym_mul(c, a, b);
    case N_DIV: return sym_div(c, a, b);
    case N_MOD: return sym_mod(c, a, b);
    case N_MIN: return sym_min(c, a, b);
    default: return sym_max(c, a, b);
    }
}

/* ---- worlds with facts and assignments that satisfy them ----------------- */

static Sym *K(World *w, int64_t v) { return sym_const(w->c, v); }

/* The range of a kernel's outer loop i: the usual extents, products and
 * quotients of dims, and empty or negative-length ones. */
static void outer_range(World *w, Rng *r, Sym *i, Sym *N, Sym *M)
{
    SymCtx *c = w->c;
    Sym *lo = K(w, 0), *hi;
    switch (next(r) % 10) {
    case 0: hi = sym_addi(c, N, -1); break;
    case 1: hi = sym_addi(c, sym_div(c, N, K(w, pick(r, 2, 8))), -1); break;
    case 2: lo = K(w, pick(r, -2, 2)), hi = sym_addi(c, N, pick(r, -3, 3)); break;
    case 3: hi = sym_addi(c, sym_min(c, N, M), -1); break;
    case 4: hi = sym_addi(c, sym_mul(c, N, M), -1); break;         /* y: f32[N * M] */
    case 5: hi = sym_addi(c, sym_div(c, N, M), -1); break;         /* M may be 0 */
    case 6: hi = sym_addi(c, sym_sub(c, N, M), pick(r, -1, 1)); break; /* negative length when M > N */
    case 7: lo = K(w, pick(r, 0, 3)), hi = K(w, pick(r, -3, 0)); break; /* empty: y: f32[0] */
    case 8: hi = sym_addi(c, sym_max(c, N, M), -1); break;
    default: hi = sym_mod(c, N, M); break;
    }
    sym_set_range(c, i, lo, hi);
}

/* The inner loop j, which may depend on i. */
static void inner_range(World *w, Rng *r, Sym *j, Sym *i, Sym *N, Sym *M)
{
    SymCtx *c = w->c;
    switch (next(r) % 8) {
    case 0: sym_set_range(c, j, K(w, 0), K(w, pick(r, -1, 4))); break;
    case 1: sym_set_range(c, j, i, sym_addi(c, M, -1)); break;
    case 2: sym_set_range(c, j, K(w, 0), sym_mod(c, sym_add(c, i, M), K(w, pick(r, 2, 5)))); break;
    case 3: sym_set_range(c, j, NULL, sym_mul(c, i, K(w, 2))); break;
    case 4: sym_set_range(c, j, K(w, 0), sym_addi(c, sym_mod(c, i, N), -1)); break;
    case 5: sym_set_range(c, j, K(w, 0), sym_addi(c, sym_div(c, i, M), pick(r, -1, 1))); break;
    case 6: sym_set_range(c, j, sym_min(c, i, N), sym_addi(c, sym_max(c, i, M), -2)); break;
    default: sym_set_range(c, j, K(w, 0), sym_addi(c, M, -1)); break;
    }
}

static void new_world(World *w, Arena *a, Rng *r)
{
    w->arena = a;
    w->nfacts = 0;
    w->c = sym_ctx_new(a);
    SymCtx *c = w->c;
    for (int k = 0; k < KERNELS; k++) {
        static const char *names[PER_KERNEL] = {"N", "M", "i", "j"};
        Sym **v = &w->var[k * PER_KERNEL];
        for (int n = 0; n < PER_KERNEL; n++) {
            char name[8];
            snprintf(name, sizeof name, "%s%d", names[n], k);
            v[n] = sym_var(c, name);
        }
        for (int d = 0; d < 2; d++)
            sym_set_range(c, v[d], K(w, next(r) % 3 ? 0 : pick(r, 1, 2)), NULL);
        outer_range(w, r, v[2], v[0], v[1]);
        inner_range(w, r, v[3], v[2], v[0], v[1]);
    }
    w->var[FREE] = sym_var(c, "z");
    w->focus = (int)pick(r, 0, KERNELS - 1);
    if (next(r) % 3 == 0) {
        Sym *N = w->var[w->focus * PER_KERNEL], *M = w->var[w->focus * PER_KERNEL + 1];
        w->facts[w->nfacts] = sym_sub(c, M, sym_add(c, N, K(w, pick(r, -2, 2))));
        sym_assume_nonneg(c, w->facts[w->nfacts++]);
    }
}

static int64_t sample_dim(Rng *r)
{
    static const int64_t small[] = {0, 0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17};
    return next(r) % 2 ? small[next(r) % 12] : pick(r, 0, 60);
}

/* Whether var's current value lies in its range (false if a bound does
 * not evaluate). */
static bool in_range(World *w, int v)
{
    Sym *lo, *hi;
    bool ok = true;
    sym_get_range(w->c, w->var[v], &lo, &hi);
    if (lo && (sym_eval(lo, value_of, w, &ok) > w->val[v] || !ok))
        return false;
    if (hi && (sym_eval(hi, value_of, w, &ok) < w->val[v] || !ok))
        return false;
    return true;
}

/* Random assignment of every variable; false if it violates a fact (the
 * caller retries). A loop whose range is empty gets an arbitrary value, and
 * now and then any variable does: in_range() records which ones are inside. */
static bool sample(World *w, Rng *r)
{
    bool ok;
    for (int k = 0; k < KERNELS; k++) {
        int64_t *v = &w->val[k * PER_KERNEL];
        v[0] = sample_dim(r);
        v[1] = sample_dim(r);
        v[2] = v[3] = 0; /* j's range may mention i only */
        for (int n = 2; n < 4; n++) {
            Sym *lo, *hi;
            sym_get_range(w->c, w->var[k * PER_KERNEL + n], &lo, &hi);
            bool okl = true, okh = true;
            int64_t l = lo ? sym_eval(lo, value_of, w, &okl) : -40;
            int64_t h = hi ? sym_eval(hi, value_of, w, &okh) : l + 40;
            if (!lo)
                l = h - 40;
            if (!okl || !okh || l > h || next(r) % 16 == 0) { /* empty, or just outside */
                v[n] = pick(r, -50, 50);
                continue;
            }
            switch (next(r) % 4) {
            case 0: v[n] = l; break;
            case 1: v[n] = h; break;
            default: v[n] = pick(r, l, h); break;
            }
        }
    }
    w->val[FREE] = next(r) % 2 ? pick(r, -3, 3) : pick(r, -60, 60);
    for (int v = 0; v < NVARS; v++)
        w->inside[v] = in_range(w, v);
    for (int f = 0; f < w->nfacts; f++)
        if (sym_eval(w->facts[f], value_of, w, &ok) < 0 || !ok)
            return false;
    return true;
}

/* The variables a claim reaches: those it mentions, those the facts
 * mention (a fact is recorded only where its variables have values), and
 * those the ranges of reached variables mention. */
static void reached(World *w, Sym *const *es, int n, bool out[NVARS])
{
    for (int v = 0; v < NVARS; v++) {
        out[v] = false;
        for (int e = 0; e < n; e++)
            out[v] |= es[e] && sym_depends_on(es[e], w->var[v]);
        for (int f = 0; f < w->nfacts; f++)
            out[v] |= sym_depends_on(w->facts[f], w->var[v]);
    }
    for (bool grew = true; grew;) {
        grew = false;
        for (int v = 0; v < NVARS; v++) {
            if (!out[v])
                continue;
            Sym *lo, *hi;
            sym_get_range(w->c, w->var[v], &lo, &hi);
            for (int u = 0; u < NVARS; u++)
                if (!out[u] && ((lo && sym_depends_on(lo, w->var[u])) || (hi && sym_depends_on(hi, w->var[u]))))
                    out[u] = grew = true;
        }
    }
}

/* The claim's premises hold: every variable it reaches is inside its range. */
static bool premises_hold(const World *w, const bool reach[NVARS])
{
    for (int v = 0; v < NVARS; v++)
        if (reach[v] && !w->inside[v])
            return false;
    return true;
}

/* The ranges and facts, for failure messages. */
static const char *world_str(World *w)
{
    char *buf = arena_alloc(w->arena, 4096);
    size_t at = 0;
    for (int v = 0; v < NVARS && at < 3500; v++) {
        Sym *lo, *hi;
        sym_get_range(w->c, w->var[v], &lo, &hi);
        at += (size_t)snprintf(buf + at, 4096 - at, "%s in [%s, %s]; ", sym_var_name(w->var[v]),
                               lo ? sym_str(w->arena, lo) : "-inf", hi ? sym_str(w->arena, hi) : "+inf");
    }
    for (int f = 0; f < w->nfacts && at < 3900; f++)
        at += (size_t)snprintf(buf + at, 4096 - at, "fact %s >= 0; ", sym_str(w->arena, w->facts[f]));
    return buf;
}

static const char *assignment(World *w)
{
    char *buf = arena_alloc(w->arena, 64 * NVARS), *at = buf;
    for (int v = 0; v < NVARS; v++)
        at += sprintf(at, "%s%s=%lld%s", v ? " " : "", sym_var_name(w->var[v]), (long long)w->val[v],
                      w->inside[v] ? "" : "(out)");
    return buf;
}

/* ---- the tests ------------------------------------------------------------ */

Test(random, simplification_preserves_value)
{
    Rng r = {0x9e3779b97f4a7c15ull};
    long compared = 0;
    for (int round = 0; round < 300; round++) {
        Arena a;
        arena_init(&a);
        World w;
        new_world(&w, &a, &r);
        for (int t = 0; t < 20; t++) {
            Node *n = gen(&w, &r, 4, 20);
            Sym *s = build(&w, n);
            for (int k = 0; k < 20; k++) {
                for (int v = 0; v < NVARS; v++)
                    w.val[v] = next(&r) % 2 ? pick(&r, -3, 3) : pick(&r, -1000, 1000);
                int64_t want, got;
                bool ok;
                if (!neval(n, &w, &want))
                    continue;
                got = sym_eval(s, value_of, &w, &ok);
                cr_assert(ok, "eval failed: %s", sym_str(&a, s));
                cr_assert_eq(got, want, "%s = %lld, expected %lld", sym_str(&a, s), (long long)got,
                             (long long)want);
                compared++;
            }
        }
        arena_free(&a);
    }
    cr_assert_gt(compared, 50000);
}

Test(random, simplification_with_large_values)
{
    Rng r = {0x1234567ull};
    for (int round = 0; round < 100; round++) {
        Arena a;
        arena_init(&a);
        World w;
        new_world(&w, &a, &r);
        for (int t = 0; t < 20; t++) {
            Node *n = gen(&w, &r, 3, INT64_MAX / 2);
            Sym *s = build(&w, n);
            for (int k = 0; k < 10; k++) {
                for (int v = 0; v < NVARS; v++)
                    w.val[v] = (int64_t)next(&r) >> pick(&r, 0, 62);
                int64_t want, got;
                bool ok;
                got = sym_eval(s, value_of, &w, &ok);
                if (ok && neval(n, &w, &want))
                    cr_assert_eq(got, want, "%s", sym_str(&a, s));
            }
        }
        arena_free(&a);
    }
}

typedef enum { REL_LE, REL_LT, REL_EQ } Rel;

static bool holds(Rel rel, int64_t x, int64_t y) { return rel == REL_LE ? x <= y : rel == REL_LT ? x < y : x == y; }

static void check_claim(World *w, Rng *r, Rel rel, Sym *a, Sym *b, long *checks)
{
    bool reach[NVARS];
    Sym *both[2] = {a, b};
    reached(w, both, 2, reach);
    for (int k = 0, tried = 0; k < 60 && tried < 3000; tried++) {
        if (!sample(w, r) || !premises_hold(w, reach))
            continue;
        k++;
        bool oka, okb;
        int64_t x = sym_eval(a, value_of, w, &oka), y = sym_eval(b, value_of, w, &okb);
        if (!oka || !okb)
            continue;
        (*checks)++;
        cr_assert(holds(rel, x, y), "proved %s %s %s, but %s gives %lld vs %lld\nin %s", sym_str(w->arena, a),
                  rel == REL_LE ? "<=" : rel == REL_LT ? "<" : "==", sym_str(w->arena, b), assignment(w),
                  (long long)x, (long long)y, world_str(w));
    }
}

/* A claim whose operands are built to be near misses of what the prover
 * knows: min/max against an operand, bounds, floor div by constants and by
 * symbols, modulo by a symbol against the symbol. */
static void random_claim(World *w, Rng *r, Sym **px, Sym **py)
{
    SymCtx *c = w->c;
    Sym *x = build(w, gen(w, r, 3, 9));
    Sym *y, *e2 = build(w, gen(w, r, 2, 9)), *kk = sym_const(c, pick(r, -2, 2));
    Sym *s = w->var[some_var(w, r)];
    switch (next(r) % 9) {
    case 0: y = build(w, gen(w, r, 3, 9)); break;
    case 1: y = sym_add(c, x, build(w, gen(w, r, 1, 3))); break;
    case 2: y = sym_add(c, e2, kk); break;
    case 3: /* min/max against one of their operands, off by a little */
        y = sym_add(c, next(r) % 2 ? x : e2, kk);
        x = next(r) % 2 ? sym_min(c, x, e2) : sym_max(c, x, e2);
        break;
    case 4: /* bounds, off by a little */
        y = next(r) % 2 ? sym_upper_bound(c, x) : sym_lower_bound(c, x);
        y = y ? sym_add(c, y, kk) : x;
        break;
    case 5: /* floor div against its defining inequalities */
        y = sym_add(c, sym_mul(c, sym_div(c, x, sym_const(c, pick(r, 2, 5))), sym_const(c, pick(r, 1, 5))), kk);
        break;
    case 6: /* x % s against s, off by a little (s may be 0 or negative) */
        y = sym_add(c, s, kk);
        x = sym_mod(c, x, s);
        break;
    case 7: /* x / s against a dim, times s, off by a little */
        y = next(r) % 2 ? sym_add(c, w->var[some_var(w, r)], kk) : sym_add(c, sym_mul(c, sym_div(c, x, s), s), kk);
        x = next(r) % 2 ? sym_div(c, x, s) : x;
        break;
    default: y = sym_upper_bound(c, x); if (!y) y = x; break;
    }
    if (next(r) % 2) {
        Sym *sw = x;
        x = y;
        y = sw;
    }
    *px = x;
    *py = y;
}

Test(random, prover_is_sound)
{
    Rng r = {0xdeadbeefcafef00dull};
    long proved = 0, asked = 0, checks = 0;
    for (int round = 0; round < 600; round++) {
        Arena a;
        arena_init(&a);
        World w;
        new_world(&w, &a, &r);
        if (next(&r) % 2) { /* an extra random fact */
            w.facts[w.nfacts] = build(&w, gen(&w, &r, 2, 6));
            sym_assume_nonneg(w.c, w.facts[w.nfacts++]);
        }
        for (int t = 0; t < 16; t++) {
            Sym *x, *y;
            random_claim(&w, &r, &x, &y);
            Rel rel = (Rel)(next(&r) % 3);
            bool pr = rel == REL_LE ? sym_prove_le(w.c, x, y) : rel == REL_LT ? sym_prove_lt(w.c, x, y)
                                                                               : sym_prove_eq(w.c, x, y);
            asked++;
            if (!pr)
                continue;
            proved++;
            check_claim(&w, &r, rel, x, y, &checks);
        }
        arena_free(&a);
    }
    fprintf(stderr, "prover: %ld of %ld claims proved, %ld evaluations checked\n", proved, asked, checks);
    cr_assert_gt(proved, asked / 10, "the prover proves too little to test anything");
    cr_assert_gt(checks, 10000);
}

Test(random, bounds_are_sound)
{
    Rng r = {0x51ed5eedull};
    long checks = 0, bounded = 0;
    for (int round = 0; round < 200; round++) {
        Arena a;
        arena_init(&a);
        World w;
        new_world(&w, &a, &r);
        for (int t = 0; t < 10; t++) {
            Sym *e = build(&w, gen(&w, &r, 3, 9));
            Sym *ub = sym_upper_bound(w.c, e), *lb = sym_lower_bound(w.c, e);
            bounded += (ub != NULL) + (lb != NULL);
            bool reach[NVARS];
            Sym *all[3] = {e, ub, lb};
            reached(&w, all, 3, reach);
            for (int k = 0, tried = 0; k < 40 && tried < 2000; tried++) {
                if (!sample(&w, &r) || !premises_hold(&w, reach))
                    continue;
                k++;
                bool ok, oku = true, okl = true;
                int64_t v = sym_eval(e, value_of, &w, &ok);
                int64_t u = ub ? sym_eval(ub, value_of, &w, &oku) : INT64_MAX;
                int64_t l = lb ? sym_eval(lb, value_of, &w, &okl) : INT64_MIN;
                if (!ok)
                    continue;
                checks++;
                if (oku)
                    cr_assert_leq(v, u, "%s = %lld > upper bound %s = %lld at %s", sym_str(&a, e), (long long)v,
                                  sym_str(&a, ub), (long long)u, assignment(&w));
                if (okl)
                    cr_assert_geq(v, l, "%s = %lld < lower bound %s = %lld at %s", sym_str(&a, e), (long long)v,
                                  sym_str(&a, lb), (long long)l, assignment(&w));
            }
        }
        arena_free(&a);
    }
    cr_assert_gt(bounded, 1000);
    cr_assert_gt(checks, 20000);
}
