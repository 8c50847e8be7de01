/* The prover on facts the front end and schedules need, and on false or
 * unprovable ones, which it must refuse. */
#include <criterion/criterion.h>

#include "compiler/sym/sym.h"

static Arena   arena;
static SymCtx *c;

static void setup(void)
{
    arena_init(&arena);
    c = sym_ctx_new(&arena);
}
static void teardown(void) { arena_free(&arena); }

static Sym *K(int64_t v) { return sym_const(c, v); }
static Sym *dim(const char *name, int64_t lo)
{
    Sym *v = sym_var(c, name);
    sym_set_range(c, v, K(lo), NULL);
    return v;
}
static Sym *loop(const char *name, Sym *lo, Sym *hi)
{
    Sym *v = sym_var(c, name);
    sym_set_range(c, v, lo, hi);
    return v;
}
static Sym *add(Sym *a, Sym *b) { return sym_add(c, a, b); }
static Sym *sub(Sym *a, Sym *b) { return sym_sub(c, a, b); }
static Sym *mul(Sym *a, Sym *b) { return sym_mul(c, a, b); }
static Sym *dv(Sym *a, Sym *b) { return sym_div(c, a, b); }
static Sym *md(Sym *a, Sym *b) { return sym_mod(c, a, b); }

TestSuite(prove, .init = setup, .fini = teardown);

Test(prove, constants)
{
    cr_assert(sym_prove_le(c, K(3), K(4)));
    cr_assert(sym_prove_lt(c, K(3), K(4)));
    cr_assert_not(sym_prove_lt(c, K(4), K(4)));
    cr_assert(sym_prove_eq(c, K(4), K(4)));
    cr_assert_not(sym_prove_ge(c, K(3), K(4)));
}

Test(prove, round_up_to_multiple)
{
    Sym *N = dim("N", 0);
    cr_assert(sym_prove_ge(c, mul(dv(add(N, K(7)), K(8)), K(8)), N));
    cr_assert(sym_prove_le(c, mul(dv(add(N, K(7)), K(8)), K(8)), add(N, K(7))));
    cr_assert_not(sym_prove_le(c, mul(dv(add(N, K(7)), K(8)), K(8)), add(N, K(6))));
    cr_assert(sym_prove_le(c, mul(dv(N, K(8)), K(8)), N));
    cr_assert_not(sym_prove_ge(c, mul(dv(N, K(8)), K(8)), N));
    /* holds without any facts too: floor semantics work for negatives */
    Sym *z = sym_var(c, "z");
    cr_assert(sym_prove_ge(c, mul(dv(add(z, K(7)), K(8)), K(8)), z));
    cr_assert(sym_prove_ge(c, mul(sym_ceil_div(c, z, K(16)), K(16)), z));
}

Test(prove, half_times_two)
{
    Sym *H = dim("H", 1);
    /* 2 * (H / 2) - 1 < H holds for every H (even H = 0 or negative) */
    cr_assert(sym_prove_lt(c, sub(mul(K(2), dv(H, K(2))), K(1)), H));
    cr_assert(sym_prove_le(c, mul(K(2), dv(H, K(2))), H));
    cr_assert_not(sym_prove_lt(c, mul(K(2), dv(H, K(2))), H)); /* false for even H */
    cr_assert(sym_prove_ge(c, mul(K(2), dv(H, K(2))), sub(H, K(1))));
    cr_assert(sym_prove_ge(c, dv(H, K(2)), K(0)));
    cr_assert_not(sym_prove_ge(c, dv(H, K(2)), K(1))); /* H = 1 */
}

Test(prove, loop_index_plus_one)
{
    Sym *N = dim("N", 0);
    Sym *i = loop("i", K(0), sub(N, K(2)));
    cr_assert(sym_prove_le(c, add(i, K(1)), N));
    cr_assert(sym_prove_le(c, add(i, K(1)), sub(N, K(1))));
    cr_assert_not(sym_prove_le(c, add(i, K(2)), sub(N, K(1))));
    cr_assert(sym_prove_ge(c, sub(N, i), K(2))); /* inside the loop its domain is non-empty */
    cr_assert_not(sym_prove_ge(c, N, K(2)));     /* outside it, N may be 0 */
    cr_assert(sym_prove_ge(c, i, K(0)));
}

Test(prove, conv_halo)
{
    Sym *H = dim("H", 1);
    Sym *h = loop("h", K(0), sub(H, K(1)));
    Sym *r = loop("r", K(0), K(2));
    Sym *idx = sub(add(h, r), K(1));
    cr_assert_not(sym_prove_le(c, idx, sub(H, K(1))));
    cr_assert_not(sym_prove_ge(c, idx, K(0)));
    cr_assert(sym_prove_le(c, add(h, r), add(H, K(1))));
    cr_assert(sym_prove_ge(c, idx, K(-1)));
    cr_assert(sym_prove_le(c, idx, H));
}

Test(prove, strided_access)
{
    Sym *N = dim("N", 0);
    Sym *i = loop("i", K(0), sub(dv(N, K(2)), K(1)));
    Sym *idx = add(mul(i, K(2)), K(1));
    cr_assert(sym_prove_le(c, idx, sub(N, K(1))));
    cr_assert(sym_prove_ge(c, idx, K(0)));
    cr_assert(sym_prove_lt(c, idx, N));
    cr_assert_not(sym_prove_le(c, add(idx, K(1)), sub(N, K(1)))); /* N even */
}

Test(prove, tiled_loops)
{
    Sym *N = dim("N", 1);
    Sym *io = loop("io", K(0), sub(dv(add(N, K(7)), K(8)), K(1)));
    Sym *ii = loop("ii", K(0), K(7));
    Sym *idx = add(mul(io, K(8)), ii);
    cr_assert_not(sym_prove_le(c, idx, sub(N, K(1)))); /* the tail overruns */
    cr_assert(sym_prove_le(c, idx, add(N, K(6))));
    cr_assert(sym_prove_le(c, sym_min(c, idx, sub(N, K(1))), sub(N, K(1))));
    cr_assert(sym_prove_ge(c, sym_min(c, idx, sub(N, K(1))), K(0)));
    /* a shifted last tile: max(0, min(io*8, N-8)) + ii stays inside when N >= 8 */
    Sym *M = dim("M", 8);
    Sym *jo = loop("jo", K(0), sub(dv(add(M, K(7)), K(8)), K(1)));
    Sym *base = sym_min(c, mul(jo, K(8)), sub(M, K(8)));
    cr_assert(sym_prove_le(c, add(base, ii), sub(M, K(1))));
    cr_assert(sym_prove_ge(c, add(base, ii), K(0)));
}

Test(prove, min_max)
{
    Sym *N = dim("N", 0), *M = dim("M", 0);
    Sym *mn = sym_min(c, N, M), *mx = sym_max(c, N, M);
    cr_assert(sym_prove_le(c, mn, N));
    cr_assert(sym_prove_le(c, mn, M));
    cr_assert(sym_prove_ge(c, mx, N));
    cr_assert(sym_prove_le(c, mn, mx));
    cr_assert(sym_prove_eq(c, add(mn, mx), add(N, M)));
    cr_assert_not(sym_prove_le(c, N, mn));
    cr_assert_not(sym_prove_eq(c, mn, N));
    Sym *i = loop("i", K(0), sub(sym_min(c, N, K(16)), K(1)));
    cr_assert(sym_prove_lt(c, i, N));
    cr_assert(sym_prove_lt(c, i, K(16)));
    cr_assert_not(sym_prove_lt(c, i, K(15)));
    cr_assert(sym_prove_ge(c, sym_max(c, sub(N, K(3)), K(0)), K(0)));
    cr_assert_not(sym_prove_ge(c, sub(N, K(3)), K(0)));
}

Test(prove, mod_facts)
{
    Sym *x = sym_var(c, "x"), *N = dim("N", 1);
    cr_assert(sym_prove_ge(c, md(x, K(8)), K(0)));
    cr_assert(sym_prove_le(c, md(x, K(8)), K(7)));
    cr_assert_not(sym_prove_le(c, md(x, K(8)), K(6)));
    cr_assert(sym_prove_le(c, md(x, K(-8)), K(0)));
    cr_assert(sym_prove_ge(c, md(x, K(-8)), K(-7)));
    cr_assert(sym_prove_lt(c, md(x, N), N));
    cr_assert(sym_prove_ge(c, md(x, N), K(0)));
    cr_assert(sym_prove_eq(c, add(mul(dv(x, K(4)), K(4)), md(x, K(4))), x));
    /* x - x % 8 is a multiple of 8 below x */
    cr_assert(sym_prove_le(c, sub(x, md(x, K(8))), x));
    cr_assert(sym_prove_eq(c, sub(x, md(x, K(8))), mul(dv(x, K(8)), K(8))));
}

Test(prove, nonlinear_products)
{
    Sym *N = dim("N", 1), *M = dim("M", 1);
    cr_assert(sym_prove_ge(c, mul(N, M), K(1)));
    cr_assert(sym_prove_ge(c, mul(N, M), N));
    Sym *i = loop("i", K(0), sub(N, K(1)));
    Sym *j = loop("j", K(0), sub(M, K(1)));
    /* row-major flattening i*M + j < N*M */
    cr_assert(sym_prove_lt(c, add(mul(i, M), j), mul(N, M)));
    cr_assert_not(sym_prove_lt(c, add(mul(i, M), add(j, K(1))), mul(N, M)));
}

Test(prove, assumed_facts)
{
    Sym *D = dim("D", 0);
    Sym *q = sym_var(c, "q");
    cr_assert_not(sym_prove_ge(c, D, K(16)));
    sym_assume_nonneg(c, sub(D, K(16)));
    cr_assert(sym_prove_ge(c, D, K(16)));
    cr_assert(sym_prove_ge(c, dv(D, K(16)), K(1)));
    cr_assert_not(sym_prove_ge(c, q, K(0)));
}

Test(prove, never_proves_false_identities)
{
    Sym *x = sym_var(c, "x"), *y = sym_var(c, "y");
    cr_assert_not(sym_prove_eq(c, x, y));
    cr_assert_not(sym_prove_le(c, x, y));
    cr_assert_not(sym_prove_eq(c, dv(x, K(2)), sub(x, dv(x, K(2)))));
    cr_assert_not(sym_prove_le(c, dv(x, y), x)); /* y may be negative or zero */
    cr_assert_not(sym_prove_ge(c, mul(x, y), K(0)));
    cr_assert(sym_prove_ge(c, mul(x, x), K(0)) || true); /* may or may not: both sound */
}

Test(prove, replacing_a_range_retracts_its_fact)
{
    Sym *N = sym_var(c, "N");
    Sym *i = loop("i", K(0), sub(N, K(1)));
    cr_assert(sym_prove_ge(c, sub(N, i), K(1)));
    sym_set_range(c, i, K(0), K(5));
    cr_assert_not(sym_prove_ge(c, sub(N, i), K(1)));
}

/* The soundness bug of issue 9: an empty loop (extent 0, range [0, -1])
 * must not be a premise of claims that do not mention its variable. */
Test(prove, an_empty_loop_proves_nothing_elsewhere)
{
    Sym *N = dim("N", 0);
    Sym *i = loop("i", K(0), sub(N, K(1)));
    Sym *e = loop("e", K(0), K(-1)); /* y: f32[0] */
    Sym *z = loop("z", K(0), sub(sub(N, N), K(1))); /* f32[N - N] */
    (void)e;
    (void)z;
    cr_assert_not(sym_prove_le(c, add(i, K(1)), sub(N, K(1)))); /* x[i + 1] */
    cr_assert_not(sym_prove_ge(c, N, K(1)));                     /* x[0] in a 0-d stage */
    cr_assert_not(sym_prove_le(c, K(1), K(0)));
    cr_assert(sym_prove_le(c, i, sub(N, K(1))));
    /* inside the empty loop anything holds: its code never runs */
    cr_assert(sym_prove_le(c, add(e, K(5)), K(0)));
}

/* Loops of one kernel do not leak into claims about another kernel's
 * symbols, even when they share a context. */
Test(prove, loop_facts_stay_with_their_variables)
{
    Sym *N = dim("N", 0), *M = dim("M", 0);
    Sym *i = loop("i", K(0), sub(N, K(1)));
    Sym *j = loop("j", K(0), sub(M, K(1)));
    cr_assert(sym_prove_le(c, j, sub(M, K(1))));
    cr_assert_not(sym_prove_ge(c, M, K(1)));
    cr_assert(sym_prove_ge(c, sub(M, j), K(1)));
    cr_assert_not(sym_prove_le(c, i, sub(M, K(1))));
}

Test(prove, large_inputs_give_up_quickly)
{
    /* many atoms and min/max splits: the prover must stay bounded */
    Sym *v[12], *e = K(0), *m = K(0);
    for (int k = 0; k < 12; k++) {
        v[k] = loop("v", K(-k), sym_max(c, K(k), k ? v[k - 1] : K(0)));
        e = add(e, mul(v[k], K(k + 1)));
        m = sym_min(c, sym_max(c, m, sub(v[k], K(k))), add(v[k], dv(e, K(3))));
    }
    for (int k = 0; k < 20; k++) {
        sym_prove_le(c, m, e);
        sym_prove_le(c, mul(m, e), add(e, md(m, K(7))));
    }
    cr_assert(sym_prove_ge(c, sym_max(c, m, v[0]), v[0]));
}

/* Division and modulo by a dim that may be 0 (x % 0 == 0): the prover
 * splits on B == 0 and B >= 1, and multiplies a quotient's bound through
 * by its divisor. These are the indices of tile, flatten and space-to-depth. */
Test(prove, symbolic_divisors)
{
    Sym *R = dim("R", 0), *B = dim("B", 0), *N = dim("N", 0);
    /* tile: y: f32[R * B], y[i] = x[i % B] */
    Sym *i = loop("i", K(0), sub(mul(R, B), K(1)));
    cr_assert(sym_prove_ge(c, md(i, B), K(0)));
    cr_assert(sym_prove_le(c, md(i, B), sub(B, K(1))));
    cr_assert_not(sym_prove_le(c, md(i, B), sub(B, K(2))));
    /* y: f32[N], y[k] = x[k % B]: with B == 0 and N >= 1 the index is 0 */
    Sym *k = loop("k", K(0), sub(N, K(1)));
    cr_assert_not(sym_prove_le(c, md(k, B), sub(B, K(1))));
    cr_assert(sym_prove_le(c, md(k, B), B)); /* 0 <= B when B == 0 */
    cr_assert(sym_prove_ge(c, dv(k, B), K(0)));
    cr_assert(sym_prove_le(c, dv(k, B), k));
    /* flatten: y: f32[H * W], y[f] = x[f / W, f % W] */
    Sym *H = dim("H", 0), *W = dim("W", 0);
    Sym *f = loop("f", K(0), sub(mul(H, W), K(1)));
    cr_assert(sym_prove_le(c, dv(f, W), sub(H, K(1))));
    cr_assert(sym_prove_ge(c, dv(f, W), K(0)));
    cr_assert(sym_prove_le(c, md(f, W), sub(W, K(1))));
    cr_assert_not(sym_prove_le(c, dv(f, W), sub(H, K(2))));
    cr_assert_not(sym_prove_le(c, dv(f, H), sub(H, K(1)))); /* H = 1, W = 3, f = 2 */
    /* unflatten: y: f32[H, W], y[h, w] = x[h * W + w] */
    Sym *h = loop("h", K(0), sub(H, K(1))), *w = loop("w", K(0), sub(W, K(1)));
    cr_assert(sym_prove_le(c, add(mul(h, W), w), sub(mul(H, W), K(1))));
}

Test(prove, space_to_depth)
{
    /* y: f32[C * S * S, H, W], x: f32[C, H * S, W * S]:
     * y[c2, h, w] = x[c2 % C, h * S + c2 / C / S, w * S + c2 / C % S] */
    Sym *C = dim("C", 0), *S = dim("S", 0), *H = dim("H", 0);
    Sym *c2 = loop("c2", K(0), sub(mul(mul(C, S), S), K(1)));
    Sym *h = loop("h", K(0), sub(H, K(1)));
    Sym *q = dv(c2, C);
    cr_assert(sym_prove_le(c, md(c2, C), sub(C, K(1))));
    cr_assert(sym_prove_le(c, dv(q, S), sub(S, K(1))));
    cr_assert(sym_prove_le(c, md(q, S), sub(S, K(1))));
    cr_assert(sym_prove_le(c, add(mul(h, S), dv(q, S)), sub(mul(H, S), K(1))));
    cr_assert(sym_prove_ge(c, add(mul(h, S), dv(q, S)), K(0)));
    cr_assert_not(sym_prove_le(c, add(mul(h, S), dv(q, S)), sub(mul(H, S), K(2))));
}

/* A select condition is a fact for the accesses it guards only: recorded
 * after a mark and dropped with sym_facts_reset. */
Test(prove, scoped_facts)
{
    Sym *A = dim("A", 0), *B = dim("B", 0);
    Sym *i = loop("i", K(0), sub(add(A, B), K(1)));
    Sym *idx = sub(i, A); /* b[i - A] in select(i < A, a[i], b[i - A]) */
    cr_assert_not(sym_prove_ge(c, idx, K(0)));
    uint32_t mark = sym_facts_mark(c);
    sym_assume_nonneg(c, sub(i, A)); /* !(i < A) */
    cr_assert(sym_prove_ge(c, idx, K(0)));
    cr_assert(sym_prove_le(c, idx, sub(B, K(1))));
    sym_facts_reset(c, mark);
    cr_assert_not(sym_prove_ge(c, idx, K(0)));
    cr_assert_not(sym_prove_le(c, i, sub(A, K(1))));
}

/* (x / y) * y stays at most x, for y == 0 too when x >= 0. */
Test(prove, quotient_times_divisor)
{
    Sym *H = dim("H", 0), *S = dim("S", 0), *z = sym_var(c, "z");
    cr_assert(sym_prove_le(c, mul(dv(H, S), S), H));
    cr_assert_not(sym_prove_le(c, mul(dv(z, S), S), sub(z, K(1))));
    cr_assert_not(sym_prove_ge(c, mul(dv(H, S), S), H)); /* H = 3, S = 2 */
}
