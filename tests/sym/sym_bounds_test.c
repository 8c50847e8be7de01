/* sym_upper_bound / sym_lower_bound: loop variables are eliminated through
 * (nested) ranges, parameters keep their symbols. Also sym_eval basics. */
#include <criterion/criterion.h>

#include "compiler/sym/sym.h"

static Arena   arena;
static SymCtx *c;
static Sym    *N, *M;

static Sym *K(int64_t v) { return sym_const(c, v); }
static int64_t val_n(void *ud, const Sym *v)
{
    return v == N ? *(int64_t *)ud : 0;
}
static Sym *loop(const char *name, Sym *lo, Sym *hi)
{
    Sym *v = sym_var(c, name);
    sym_set_range(c, v, lo, hi);
    return v;
}
static const char *S(Sym *e) { return e ? sym_str(&arena, e) : "NULL"; }

static void setup(void)
{
    arena_init(&arena);
    c = sym_ctx_new(&arena);
    N = sym_var(c, "N");
    M = sym_var(c, "M");
    sym_set_range(c, N, K(1), NULL);
    sym_set_range(c, M, K(0), NULL);
}
static void teardown(void) { arena_free(&arena); }

TestSuite(bounds, .init = setup, .fini = teardown);

#define UB(e, s) cr_assert_str_eq(S(sym_upper_bound(c, (e))), (s))
#define LB(e, s) cr_assert_str_eq(S(sym_lower_bound(c, (e))), (s))

Test(bounds, params_and_constants_are_their_own_bounds)
{
    UB(N, "N");
    LB(N, "N");
    UB(K(3), "3");
    UB(sym_addi(c, N, -1), "N - 1");
    Sym *z = sym_var(c, "z");
    UB(z, "z");
}

Test(bounds, simple_loop)
{
    Sym *i = loop("i", K(0), sym_addi(c, N, -1));
    UB(i, "N - 1");
    LB(i, "0");
    UB(sym_addi(c, i, 1), "N");
    LB(sym_neg(c, i), "-N + 1");
    UB(sym_sub(c, N, i), "N");
    LB(sym_sub(c, N, i), "1");
    UB(sym_muli(c, i, 2), "N * 2 - 2");
}

Test(bounds, nested_ranges)
{
    Sym *i = loop("i", K(0), sym_addi(c, N, -1));
    Sym *j = loop("j", i, sym_addi(c, N, -1));
    Sym *k = loop("k", K(0), j);
    UB(sym_add(c, i, j), "N * 2 - 2");
    LB(sym_add(c, i, j), "0");
    UB(k, "N - 1");
    LB(sym_sub(c, j, i), "-N + 1"); /* interval arithmetic loses j >= i */
    cr_assert(sym_prove_ge(c, sym_sub(c, j, i), K(0))); /* the prover keeps it */
}

Test(bounds, tiles)
{
    Sym *io = loop("io", K(0), sym_addi(c, sym_div(c, sym_addi(c, N, 7), K(8)), -1));
    Sym *ii = loop("ii", K(0), K(7));
    Sym *idx = sym_add(c, sym_muli(c, io, 8), ii);
    UB(idx, "(N + 7) / 8 * 8 - 1");
    LB(idx, "0");
    Sym *i = loop("i", K(0), sym_addi(c, sym_div(c, N, K(2)), -1));
    UB(sym_addi(c, sym_muli(c, i, 2), 1), "N / 2 * 2 - 1");
    cr_assert(sym_prove_le(c, sym_upper_bound(c, sym_addi(c, sym_muli(c, i, 2), 1)), sym_addi(c, N, -1)));
}

Test(bounds, div_mod_min_max)
{
    Sym *i = loop("i", K(0), sym_addi(c, N, -1));
    UB(sym_div(c, i, K(4)), "(N + 3) / 4 - 1"); /* canonical: the constant inside is in [0, 4) */
    LB(sym_div(c, i, K(4)), "0");
    UB(sym_mod(c, i, K(8)), "min(N - 1, 7)");
    LB(sym_mod(c, i, K(8)), "0");
    UB(sym_min(c, i, M), "min(M, N - 1)");
    LB(sym_min(c, i, M), "0");
    UB(sym_max(c, i, M), "max(M, N - 1)");
    LB(sym_max(c, i, M), "M");
    Sym *r = loop("r", K(0), K(2));
    UB(sym_mod(c, r, K(8)), "2"); /* the modulo is the identity on [0, 2] */
    LB(sym_mod(c, sym_addi(c, r, 1), K(8)), "1");
    /* M may be 0, and i % 0 == 0: the bound covers that case */
    UB(sym_mod(c, i, M), "min(N - 1, max(M - 1, 0))");
    Sym *P = sym_var(c, "P");
    sym_set_range(c, P, K(1), NULL);
    UB(sym_mod(c, i, P), "min(N, P) - 1");
    LB(sym_mod(c, i, P), "0");
}

Test(bounds, unknown_is_null)
{
    Sym *i = loop("i", K(-3), K(3));
    Sym *z = sym_var(c, "z");
    cr_assert_null(sym_upper_bound(c, sym_mul(c, z, i)));
    cr_assert_null(sym_upper_bound(c, sym_mod(c, z, i)));
    Sym *u = sym_var(c, "u");
    sym_set_range(c, u, K(0), NULL);
    Sym *v = loop("v", K(0), sym_addi(c, u, 5));
    UB(v, "u + 5");
    UB(sym_mul(c, v, N), "N * 5 + N * u"); /* both factors non-negative */
}

Test(bounds, symbolic_divisor_uses_the_smallest_positive_divisor)
{
    /* b = i - j + 1 >= 1 (j <= i), but its lower bound over N is 2 - N */
    Sym *j = loop("j", K(0), sym_addi(c, N, -1));
    Sym *i = loop("i", j, sym_addi(c, N, -1));
    Sym *b = sym_addi(c, sym_sub(c, i, j), 1);
    cr_assert(sym_prove_ge(c, b, K(1)));
    Sym *ub = sym_upper_bound(c, sym_div(c, K(10), b));
    cr_assert_not_null(ub);
    for (int64_t n = 1; n <= 12; n++) {
        bool ok = true;
        int64_t v = sym_eval(ub, val_n, &n, &ok);
        cr_assert(ok && v >= 10, "N = %lld: upper bound %s = %lld is below 10 / 1", (long long)n, S(ub),
                  (long long)v);
    }
    /* a divisor that is a parameter: bounds keep it (no substitution) */
    Sym *P = sym_var(c, "P");
    sym_set_range(c, P, K(1), NULL);
    Sym *r = loop("r", K(0), sym_addi(c, N, -1));
    UB(sym_div(c, r, P), "(N - 1) / P");
    LB(sym_div(c, r, P), "0"); /* 0 / P folds: 0 for every P, P = 0 included */
}

static int64_t val(void *ud, const Sym *v)
{
    (void)v;
    return *(int64_t *)ud;
}

Test(bounds, eval)
{
    int64_t n = 10;
    bool ok;
    cr_assert_eq(sym_eval(sym_div(c, sym_addi(c, N, 7), K(8)), val, &n, &ok), 2);
    cr_assert(ok);
    cr_assert_eq(sym_eval(sym_mod(c, sym_neg(c, N), K(8)), val, &n, &ok), 6);
    cr_assert_eq(sym_eval(sym_min(c, N, K(3)), val, &n, &ok), 3);
    n = 0; /* division and modulo by zero give 0, as in the language */
    cr_assert_eq(sym_eval(sym_div(c, K(1), N), val, &n, &ok), 0);
    cr_assert(ok);
    cr_assert_eq(sym_eval(sym_mod(c, K(7), N), val, &n, &ok), 0);
    cr_assert(ok);
    n = INT64_MAX;
    sym_eval(sym_addi(c, N, 1), val, &n, &ok);
    cr_assert_not(ok);
}
