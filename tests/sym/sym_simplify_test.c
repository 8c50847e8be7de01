/* Canonical forms, constant folding (and overflow staying unfolded), floor
 * div/mod, min/max rules, hash-consing and sym_str. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "compiler/sym/sym.h"

static Arena   arena;
static SymCtx *c;
static Sym    *N, *M, *H, *x, *y;

static void setup(void)
{
    arena_init(&arena);
    c = sym_ctx_new(&arena);
    N = sym_var(c, "N");
    M = sym_var(c, "M");
    H = sym_var(c, "H");
    x = sym_var(c, "x");
    y = sym_var(c, "y");
}

static void teardown(void) { arena_free(&arena); }

static Sym *K(int64_t v) { return sym_const(c, v); }
static const char *S(Sym *e) { return sym_str(&arena, e); }

#define STR(e, s) cr_assert_str_eq(S(e), (s))

TestSuite(simplify, .init = setup, .fini = teardown);

Test(simplify, hash_consing_and_fresh_vars)
{
    cr_assert_eq(sym_add(c, N, K(1)), sym_add(c, K(1), N));
    cr_assert_eq(sym_add(c, x, y), sym_add(c, y, x));
    cr_assert_eq(sym_mul(c, x, y), sym_mul(c, y, x));
    cr_assert_eq(sym_min(c, x, y), sym_min(c, y, x));
    Sym *n2 = sym_var(c, "N");
    cr_assert_neq(n2, N);
    cr_assert_neq(sym_add(c, n2, K(1)), sym_add(c, N, K(1)));
    cr_assert_eq(sym_const(c, 7), sym_const(c, 7));
}

Test(simplify, affine_canonical)
{
    STR(sym_sub(c, N, K(1)), "N - 1");
    cr_assert_eq(sym_sub(c, sym_add(c, N, x), x), N);
    cr_assert_eq(sym_sub(c, N, N), K(0));
    STR(sym_add(c, sym_muli(c, x, 2), sym_add(c, x, K(3))), "x * 3 + 3");
    STR(sym_sub(c, K(0), x), "-x");
    STR(sym_sub(c, N, sym_muli(c, x, 2)), "N - x * 2");
    STR(sym_neg(c, sym_add(c, x, y)), "-x - y");
    cr_assert_eq(sym_mul(c, x, K(1)), x);
    cr_assert_eq(sym_mul(c, x, K(0)), K(0));
    STR(sym_mul(c, sym_add(c, x, K(1)), K(3)), "x * 3 + 3");
    cr_assert_eq(sym_kind(sym_add(c, x, y)), SYM_ADD);
    cr_assert_eq(sym_nops(sym_add(c, x, y)), 2);
}

Test(simplify, products_distribute)
{
    Sym *p = sym_mul(c, sym_add(c, N, K(1)), sym_add(c, M, K(1)));
    STR(p, "N + M + N * M + 1"); /* terms in creation order of their atoms */
    cr_assert_eq(sym_mul(c, N, M), sym_mul(c, M, N));
    STR(sym_mul(c, sym_mul(c, N, M), N), "N * N * M");
    cr_assert_eq(sym_kind(sym_mul(c, N, M)), SYM_MUL);
}

Test(simplify, constant_folding)
{
    int64_t v;
    cr_assert(sym_is_const(sym_add(c, K(2), K(3)), &v) && v == 5);
    cr_assert(sym_is_const(sym_mul(c, K(-4), K(3)), &v) && v == -12);
    cr_assert(sym_is_const(sym_div(c, K(7), K(2)), &v) && v == 3);
    cr_assert(sym_is_const(sym_min(c, K(7), K(2)), &v) && v == 2);
    cr_assert(sym_is_const(sym_max(c, K(7), K(2)), &v) && v == 7);
}

Test(simplify, overflow_stays_unfolded)
{
    bool ok;
    Sym *big = K(INT64_MAX), *one = K(1);
    Sym *a = sym_add(c, big, one);
    cr_assert_not(sym_is_const(a, NULL));
    sym_eval(a, NULL, NULL, &ok);
    cr_assert_not(ok);
    STR(a, "9223372036854775807 + 1"); /* terms in creation order */
    Sym *m = sym_mul(c, K(INT64_MAX), K(2));
    cr_assert_not(sym_is_const(m, NULL));
    sym_eval(m, NULL, NULL, &ok);
    cr_assert_not(ok);
    Sym *n = sym_neg(c, K(INT64_MIN));
    cr_assert_not(sym_is_const(n, NULL));
    sym_eval(n, NULL, NULL, &ok);
    cr_assert_not(ok);
    Sym *d = sym_div(c, K(INT64_MIN), K(-1));
    cr_assert_not(sym_is_const(d, NULL));
    sym_eval(d, NULL, NULL, &ok);
    cr_assert_not(ok);
    /* x * MAX * 2 cannot fold its coefficient */
    Sym *xm = sym_mul(c, sym_mul(c, x, K(INT64_MAX)), K(2));
    cr_assert_neq(sym_kind(xm), SYM_CONST);
    /* INT64_MIN % -1 is 0, with no trap */
    int64_t v;
    cr_assert(sym_is_const(sym_mod(c, K(INT64_MIN), K(-1)), &v) && v == 0);
    cr_assert(sym_is_const(sym_sub(c, sym_add(c, K(INT64_MAX), K(-1)), K(-1)), &v) && v == INT64_MAX);
}

Test(simplify, floor_div_mod_on_negatives)
{
    int64_t v;
    cr_assert(sym_is_const(sym_div(c, K(-7), K(2)), &v) && v == -4);
    cr_assert(sym_is_const(sym_mod(c, K(-7), K(2)), &v) && v == 1);
    cr_assert(sym_is_const(sym_div(c, K(7), K(-2)), &v) && v == -4);
    cr_assert(sym_is_const(sym_mod(c, K(7), K(-2)), &v) && v == -1);
    cr_assert(sym_is_const(sym_div(c, K(-7), K(-2)), &v) && v == 3);
    cr_assert(sym_is_const(sym_mod(c, K(-7), K(-2)), &v) && v == -1);
    cr_assert(sym_is_const(sym_div(c, K(-8), K(2)), &v) && v == -4);
    cr_assert(sym_is_const(sym_mod(c, K(-8), K(2)), &v) && v == 0);
    cr_assert(sym_is_const(sym_div(c, K(-1), K(8)), &v) && v == -1);
    cr_assert(sym_is_const(sym_mod(c, K(-1), K(8)), &v) && v == 7);
}

Test(simplify, division_by_zero_gives_zero)
{
    cr_assert_eq(sym_div(c, K(5), K(0)), K(0));
    cr_assert_eq(sym_div(c, x, K(0)), K(0));
    cr_assert_eq(sym_mod(c, x, K(0)), K(0));
    /* 0 / y and 0 % y are 0 for every y, y = 0 included; so is x % x */
    cr_assert_eq(sym_div(c, K(0), y), K(0));
    cr_assert_eq(sym_mod(c, K(0), y), K(0));
    cr_assert_eq(sym_mod(c, y, y), K(0));
    cr_assert_eq(sym_kind(sym_div(c, y, y)), SYM_DIV); /* 1, except 0 when y == 0 */
}

Test(simplify, div_rules)
{
    cr_assert_eq(sym_div(c, x, K(1)), x);
    /* (a + k*c) / c -> a / c + k */
    STR(sym_div(c, sym_add(c, x, K(16)), K(8)), "x / 8 + 2");
    STR(sym_div(c, sym_add(c, sym_muli(c, x, 8), y), K(8)), "x + y / 8");
    STR(sym_div(c, sym_addi(c, N, 7), K(8)), "(N + 7) / 8");
    cr_assert_eq(sym_div(c, sym_muli(c, x, 8), K(8)), x);
    cr_assert_eq(sym_div(c, sym_addi(c, sym_muli(c, x, 8), 7), K(8)), x);
    /* common factor: (2x + 2) / 4 == (x + 1) / 2 */
    cr_assert_eq(sym_div(c, sym_addi(c, sym_muli(c, x, 2), 2), K(4)), sym_div(c, sym_addi(c, x, 1), K(2)));
    /* nested: x / 2 / 4 == x / 8 */
    cr_assert_eq(sym_div(c, sym_div(c, x, K(2)), K(4)), sym_div(c, x, K(8)));
    /* x % 8 / 8 == 0 and (x % 8 + 8) / 8 == 1 */
    cr_assert_eq(sym_div(c, sym_mod(c, x, K(8)), K(8)), K(0));
    cr_assert_eq(sym_div(c, sym_addi(c, sym_mod(c, x, K(8)), 8), K(8)), K(1));
    /* negative divisor: x / -2 == -x / 2 */
    cr_assert_eq(sym_div(c, x, K(-2)), sym_div(c, sym_neg(c, x), K(2)));
    STR(sym_div(c, x, N), "x / N");
}

Test(simplify, mod_rules)
{
    cr_assert_eq(sym_mod(c, x, K(1)), K(0));
    cr_assert_eq(sym_mod(c, sym_add(c, x, K(16)), K(8)), sym_mod(c, x, K(8)));
    cr_assert_eq(sym_mod(c, sym_add(c, x, sym_muli(c, y, 8)), K(8)), sym_mod(c, x, K(8)));
    cr_assert_eq(sym_mod(c, sym_muli(c, x, 8), K(8)), K(0));
    cr_assert_eq(sym_mod(c, sym_mod(c, x, K(8)), K(8)), sym_mod(c, x, K(8)));
    cr_assert_eq(sym_mod(c, sym_mod(c, x, K(16)), K(8)), sym_mod(c, x, K(8)));
    cr_assert_eq(sym_mod(c, sym_mod(c, x, K(4)), K(8)), sym_mod(c, x, K(4)));
    /* (2x) % 8 == 2 * (x % 4) */
    cr_assert_eq(sym_mod(c, sym_muli(c, x, 2), K(8)), sym_muli(c, sym_mod(c, x, K(4)), 2));
    STR(sym_mod(c, x, K(8)), "x % 8");
    STR(sym_mod(c, sym_add(c, x, y), K(8)), "(x + y) % 8");
}

Test(simplify, div_mod_recombine)
{
    /* c * (a / c) + a % c == a */
    Sym *a = sym_add(c, x, y);
    cr_assert_eq(sym_add(c, sym_muli(c, sym_div(c, a, K(8)), 8), sym_mod(c, a, K(8))), a);
    cr_assert_eq(sym_add(c, sym_muli(c, sym_div(c, H, K(2)), 6), sym_muli(c, sym_mod(c, H, K(2)), 3)),
                 sym_muli(c, H, 3));
    STR(sym_muli(c, sym_div(c, H, K(2)), 2), "H / 2 * 2");
    STR(sym_sub(c, H, sym_mod(c, H, K(2))), "H - H % 2");
}

Test(simplify, min_max_rules)
{
    cr_assert_eq(sym_min(c, x, x), x);
    cr_assert_eq(sym_min(c, x, sym_addi(c, x, 1)), x);
    cr_assert_eq(sym_max(c, x, sym_addi(c, x, 1)), sym_addi(c, x, 1));
    cr_assert_eq(sym_min(c, x, sym_max(c, x, y)), x);
    cr_assert_eq(sym_max(c, x, sym_min(c, x, y)), x);
    cr_assert_eq(sym_min(c, sym_min(c, x, y), x), sym_min(c, x, y));
    cr_assert_eq(sym_min(c, sym_mod(c, x, K(8)), K(8)), sym_mod(c, x, K(8)));
    cr_assert_eq(sym_max(c, sym_mod(c, x, K(8)), K(0)), sym_mod(c, x, K(8)));
    cr_assert_eq(sym_min(c, sym_min(c, N, K(8)), K(4)), sym_min(c, N, K(4)));
    STR(sym_min(c, K(8), N), "min(N, 8)");
    STR(sym_min(c, sym_sub(c, N, K(1)), sym_sub(c, M, K(1))), "min(N, M) - 1");
    STR(sym_max(c, N, M), "max(N, M)");
}

Test(simplify, print_parentheses)
{
    STR(sym_mul(c, sym_div(c, H, K(2)), K(2)), "H / 2 * 2");
    STR(sym_sub(c, sym_muli(c, sym_div(c, H, K(2)), 2), K(1)), "H / 2 * 2 - 1");
    STR(sym_div(c, x, sym_add(c, N, K(1))), "x / (N + 1)");
    STR(sym_div(c, x, sym_mul(c, N, M)), "x / (N * M)");
    STR(sym_mul(c, N, sym_div(c, x, M)), "N * (x / M)");
    STR(sym_neg(c, sym_div(c, x, K(2))), "-(x / 2)");
    STR(sym_neg(c, sym_muli(c, sym_div(c, x, K(2)), 3)), "-(x / 2 * 3)");
    STR(sym_min(c, sym_addi(c, N, 1), M), "min(M, N + 1)"); /* operands in creation order */
    STR(K(-5), "-5");
    STR(sym_div(c, sym_mod(c, sym_add(c, x, y), K(16)), K(4)), "(x + y) % 16 / 4");
}

Test(simplify, subst_and_introspection)
{
    Sym *e = sym_add(c, sym_muli(c, x, 2), sym_div(c, y, K(4)));
    Sym *r = sym_subst(c, e, y, sym_muli(c, x, 4));
    cr_assert_eq(r, sym_muli(c, x, 3));
    cr_assert(sym_depends_on(e, y));
    cr_assert_not(sym_depends_on(r, y));
    cr_assert_str_eq(sym_var_name(x), "x");
    cr_assert_eq(sym_coef(e, 0), 2);
    cr_assert_eq(sym_op(e, 0), x);
    cr_assert_eq(sym_add_const(sym_addi(c, x, 4)), 4);
}
