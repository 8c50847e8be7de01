/* Semantic analysis: each rule with a program it accepts and one it rejects
 * (asserting the first message), inferred dtypes and extents, and robustness
 * on every prefix of a valid program. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/lang.h"
#include "lang/sema/sema.h"

/* Checks `src`; returns the first diagnostic's headline ("" when clean). */
static char *check(const char *src)
{
    static char buf[2048];
    Ctx c;
    ctx_init(&c);
    AstProgram *p = lang_load_string(&c, "t.tk", src, strlen(src));
    if (p)
        sema_check(&c, p);
    buf[0] = 0;
    if (c.diags.head)
        diag_headline(&c.diags, c.diags.head, buf, sizeof buf);
    ctx_free(&c);
    return buf;
}

typedef struct Rule {
    const char *name, *good, *bad, *message;
} Rule;

#define K1 "kernel k(x: f32[N]) -> y: f32[N] { "
#define K2 "kernel k(x: f32[N, D]) -> y: f32[N] { "

static const Rule rules[] = {
    {"unknown tensor", K1 "y[i] = x[i]; }", K1 "y[i] = z[i]; }", "t.tk:1:43: error: unknown tensor 'z'"},
    {"free variable must be reduced", K2 "y[n] = sum(x[n, d] for d); }", K2 "y[n] = x[n, d]; }",
     "unknown name 'd'; a variable that appears only on the right must be bound by a reduction"},
    {"mixed dtypes need a cast", "kernel k(a: f16[N], b: f32[N]) -> y: f32[N] { y[i] = f32(a[i]) + b[i]; }",
     "kernel k(a: f16[N], b: f32[N]) -> y: f32[N] { y[i] = a[i] + b[i]; }",
     "mismatched types for '+': f16 and f32"},
    {"float literal takes the operand type", "kernel k(x: f16[N]) -> y: f16[N] { y[i] = x[i] * 0.5; }",
     "kernel k(x: i32[N]) -> y: i32[N] { y[i] = x[i] * 0.5; }", "float literal '0.5' cannot take the integer type i32"},
    {"output dtype", "kernel k(x: f32[N]) -> y: f16[N] { y[i] = f16(x[i]); }",
     "kernel k(x: f32[N]) -> y: f16[N] { y[i] = x[i]; }", "output 'y' has type f16, but this expression is f32"},
    {"float intrinsic", "kernel k(x: i32[N]) -> y: f32[N] { y[i] = exp(f32(x[i])); }",
     "kernel k(x: i32[N]) -> y: i32[N] { y[i] = exp(x[i]); }", "exp needs floating-point arguments"},
    {"logic needs bool", K1 "y[i] = select(x[i] > 0.0 && x[i] < 1.0, x[i], 0.0); }",
     K1 "y[i] = select(x[i] && 1.0, x[i], 0.0); }", "'&&' needs bool operands, but this is f32"},
    {"unknown type", "kernel k(x: bf16[N]) -> y: bf16[N] { y[i] = x[i]; }",
     "kernel k(x: half[N]) -> y: f32[N] { y[i] = 0.0; }", "unknown type 'half'"},
    {"rank", K2 "y[n] = x[n, 0] ?? 0.0; }", K2 "y[n] = x[n]; }", "'x' has 2 dimensions, but is indexed with 1"},
    {"output dims from inputs", "kernel k(x: f32[H]) -> y: f32[H - 2] { y[i] = x[i + 2]; }",
     "kernel k(x: f32[H]) -> y: f32[M] { y[i] = 0.0; }", "'M' in the type of output 'y' is not a dimension"},
    {"input dims are names", "kernel k(x: f32[N, 3]) -> y: f32[N] { y[i] = x[i, 2]; }",
     "kernel k(x: f32[N + 1]) -> y: f32[N] { y[i] = 0.0; }", "an input dimension must be a name or an integer"},
    {"extent inference", K1 "t[i] = x[i] * 2.0; y[i] = t[i]; }", K1 "t[i] = x[i + 1] ?? 0.0; y[i] = t[i]; }",
     "cannot infer the extent of 'i' in 't'"},
    {"conflicting sizes", "kernel k(x: f32[N], b: f32[N]) -> y: f32[N] { t[i] = x[i] + b[i]; y[i] = t[i]; }",
     "kernel k(x: f32[N], b: f32[M]) -> y: f32[N] { t[i] = x[i] + b[i]; y[i] = t[i]; }",
     "conflicting sizes for 'i': M (dimension 0 of 'b') here, but N (dimension 0 of 'x') before"},
    {"bounds: plus one", K1 "y[i] = x[i + 1] ?? 0.0; }", K1 "y[i] = x[i + 1]; }",
     "x[i + 1] may read outside 'x': index 0 ('i + 1') ranges over [1, N], but the dimension has size N"},
    {"bounds: shifted output", "kernel k(x: f32[N]) -> y: f32[N - 1] { y[i] = x[i + 1] - x[i]; }",
     "kernel k(x: f32[N]) -> y: f32[N] { y[i] = x[i + 1] - x[i]; }", "may read outside 'x'"},
    {"bounds: pooling", "kernel k(x: f32[H]) -> y: f32[H / 2] { y[i] = max(x[2 * i], x[2 * i + 1]); }",
     "kernel k(x: f32[H]) -> y: f32[(H + 1) / 2] { y[i] = max(x[2 * i], x[2 * i + 1]); }",
     "x[2 * i + 1] may read outside 'x'"},
    {"bounds: explicit range", "kernel k(x: f32[H], w: f32[3]) -> y: f32[H] { y[h] = sum((x[h + r - 1] ?? 0.0) * w[r] for r in 0..3); }",
     "kernel k(x: f32[H], w: f32[3]) -> y: f32[H] { y[h] = sum(x[h + r - 1] * w[r] for r in 0..3); }",
     "x[h + r - 1] may read outside 'x'"},
    {"bounds: data-dependent index", "kernel k(x: f32[N], j: i32[M]) -> y: f32[M] { y[i] = x[j[i]] ?? 0.0; }",
     "kernel k(x: f32[N], j: i32[M]) -> y: f32[M] { y[i] = x[j[i]]; }", "cannot be bounded at compile time"},
    {"reduction range inference", "kernel k(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] { c[i, j] = sum(a[i, k] * b[k, j] for k); }",
     "kernel k(a: f32[M, K], b: f32[L, N]) -> c: f32[M, N] { c[i, j] = sum(a[i, k] * b[k, j] for k); }",
     "conflicting sizes for 'k'"},
    {"reduction variable names", K2 "y[n] = sum(x[n, d] for d); }", K2 "y[n] = sum(x[n, n] for n); }",
     "reduction variable 'n' has the name of an index variable"},
    {"reduction kind", K2 "y[n] = prod(x[n, d] for d); }", K2 "y[n] = avg(x[n, d] for d); }",
     "'avg' is not a reduction"},
    {"each output defined once", K1 "y[i] = x[i]; }", K1 "y[i] = x[i]; y[i] = 0.0; }", "'y' is defined more than once"},
    {"outputs defined", "kernel k(x: f32[N]) -> (y: f32[N], z: f32[N]) { y[i] = x[i]; z[i] = y[i]; }",
     "kernel k(x: f32[N]) -> (y: f32[N], z: f32[N]) { y[i] = x[i]; }", "output 'z' is never defined"},
    {"inputs are read-only", K1 "y[i] = x[i]; }", K1 "x[i] = 1.0; y[i] = x[i]; }", "cannot assign to input 'x'"},
    {"no cycles", K1 "a[i] = x[i]; y[i] = a[i]; }", K1 "a[i] = y[i]; y[i] = a[i]; }",
     "stages depend on each other in a cycle: a -> y -> a"},
    {"?? needs an access", K1 "y[i] = x[i - 1] ?? 0.0; }", K1 "y[i] = (x[i] + 1.0) ?? 0.0; }",
     "needs a tensor access on its left"},
    {"fn arity", "fn sq(v: f32) -> f32 = v * v; " K1 "y[i] = sq(x[i]); }",
     "fn sq(v: f32) -> f32 = v * v; " K1 "y[i] = sq(x[i], x[i]); }", "fn 'sq' takes 1 argument, but 2 were given"},
    {"fn recursion", "fn a(v: f32) -> f32 = b(v); fn b(v: f32) -> f32 = v; " K1 "y[i] = a(x[i]); }",
     "fn a(v: f32) -> f32 = b(v); fn b(v: f32) -> f32 = a(v); " K1 "y[i] = a(x[i]); }", "calls itself"},
    {"generic kernel", "kernel relu<T>(x: T[...]) -> y: T[...] { y[...] = max(x[...], T(0)); }",
     "kernel relu<T>(x: T[...]) -> y: T[...] { y[...] = max(x[0], T(0)); }", "has any rank"},
    {"scalar parameters", "kernel k(x: f32[N], a: f32) -> y: f32[N] { y[i] = a * x[i]; }",
     "kernel k(x: f32[N], a: f32) -> y: f32[N] { y[i] = a[i] * x[i]; }", "'a' is a scalar, not a tensor"},
    {"scalar index offsets are checked at launch", "kernel k(x: f32[N], o: i32) -> y: f32[N] { y[i] = x[i + i64(o)]; }",
     "kernel k(x: f32[N], o: f32) -> y: f32[N] { y[i] = x[i + o]; }", "mismatched types for '+': i64 and f32"},
    {"schedule specialize", K1 "y[i] = x[i]; } schedule k for cpu { specialize(N % 16 == 0) { y.vectorize(i, 16); } }",
     K1 "y[i] = x[i]; } schedule k for cpu { specialize(N) { y.vectorize(i, 16); } }", "condition of specialize must be bool"},
    {"select condition guards its side",
     "kernel k(a: f32[A], b: f32[B]) -> y: f32[A + B] { y[i] = select(i < A, a[i], b[i - A]); }",
     "kernel k(a: f32[A], b: f32[B]) -> y: f32[A + B] { y[i] = select(i < A, b[i - A], a[i]); }",
     "b[i - A] may read outside 'b'"},
    {"select condition joined with &&",
     K1 "y[i] = select(i >= 1 && i < N, x[i - 1], 0.0); }", K1 "y[i] = select(i >= 1 || i < N, x[i - 1], 0.0); }",
     "x[i - 1] may read outside 'x'"},
    {"modulo by a dim", "kernel k(x: f32[N], r: f32[R]) -> y: f32[R * N] { y[i] = x[i % N]; }",
     "kernel k(x: f32[N], r: f32[R]) -> y: f32[R] { y[i] = x[i % N]; }", "may read outside 'x' when N is 0"},
    {"quotient by a dim", "kernel k(x: f32[H, W]) -> y: f32[H * W] { y[i] = x[i / W, i % W]; }",
     "kernel k(x: f32[H, W]) -> y: f32[H * W] { y[i] = x[i / H, i % W]; }", "may read outside 'x'"},
    {"&& and || guard their right side", K1 "y[i] = select(i >= 1 && x[i - 1] > 0.0, 1.0, 0.0); }",
     K1 "y[i] = select(i >= 1 || x[i - 1] > 0.0, 1.0, 0.0); }", "x[i - 1] may read outside 'x'"},
    {"abs of an index", K1 "y[i] = x[abs(N - 1 - i)]; }", K1 "y[i] = x[abs(N - i)]; }",
     "index 0 ('abs(N - i)') ranges over [1, N]"},
};

Test(sema, every_rule_accepts_and_rejects)
{
    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        const Rule *r = &rules[i];
        char *got = check(r->good);
        cr_expect_str_empty(got, "rule '%s': the good program was rejected: %s", r->name, got);
        got = check(r->bad);
        cr_expect(strstr(got, r->message) != NULL, "rule '%s': expected a message containing\n  %s\ngot\n  %s",
                  r->name, r->message, got);
    }
}

/* Runs sema and returns the kernel named `name`'s info (ctx stays alive). */
static KernelInfo *kernel_info(Ctx *c, const char *src, const char *name)
{
    ctx_init(c);
    AstProgram *p = lang_load_string(c, "t.tk", src, strlen(src));
    cr_assert(p && sema_check(c, p), "program rejected");
    for (uint32_t m = 0; m < p->modules.n; m++)
        for (uint32_t i = 0; i < p->modules.v[m]->items.n; i++) {
            AstItem *it = &p->modules.v[m]->items.v[i];
            if (it->kind == ITEM_KERNEL && !strcmp(it->u.kernel->name, name))
                return it->u.kernel->info;
        }
    cr_assert_fail("no kernel %s", name);
    return NULL;
}

Test(sema, infers_dtypes_extents_and_order)
{
    Ctx c;
    KernelInfo *k = kernel_info(&c,
        "kernel ln(x: f16[N, D], eps: f32) -> (y: f32[N, D], mean: f32[N]) {\n"
        "    y[n, d] = (f32(x[n, d]) - mean[n]) * rsqrt(var[n] + eps);\n"
        "    var[n] = sum((f32(x[n, d]) - mean[n]) * (f32(x[n, d]) - mean[n]) for d) / f32(D);\n"
        "    mean[n] = sum(f32(x[n, d]) for d) / f32(D);\n"
        "}\n", "ln");
    cr_assert_eq(k->dims.n, 2);
    cr_assert_eq(k->stages.n, 3);
    /* producers first: mean, var, y */
    cr_assert_str_eq(k->stages.v[k->order[0]].name, "mean");
    cr_assert_str_eq(k->stages.v[k->order[1]].name, "var");
    cr_assert_str_eq(k->stages.v[k->order[2]].name, "y");
    StageInfo *var = &k->stages.v[k->order[1]];
    cr_assert_eq(var->dtype, DT_F32);
    cr_assert_eq(var->rank, 1);
    cr_assert_str_eq(sym_str(&c.arena, var->vars[0].extent), "N");
    cr_assert(var->is_reduction == false); /* a division of a reduction */
    cr_assert_eq(var->rvars.n, 1);
    cr_assert_str_eq(sym_str(&c.arena, k->rvars.v[var->rvars.v[0]].extent), "D");
    ctx_free(&c);
}

Test(sema, output_shapes_are_symbolic)
{
    Ctx c;
    KernelInfo *k = kernel_info(&c, "kernel p(x: f32[H, W]) -> y: f32[H / 2, W - 2] { y[i, j] = x[2 * i, j + 2]; }", "p");
    cr_assert_str_eq(sym_str(&c.arena, k->outputs.v[0].shape[0]), "H / 2");
    cr_assert_str_eq(sym_str(&c.arena, k->outputs.v[0].shape[1]), "W - 2");
    ctx_free(&c);
}

/* Only the loads that need a select's condition are predicated on it. */
Test(sema, accesses_proved_by_a_condition_are_guarded)
{
    Ctx c;
    KernelInfo *k = kernel_info(&c,
        "kernel k(a: f32[A], b: f32[B]) -> y: f32[A + B] { y[i] = select(i < A, a[i], b[i - A]); }", "k");
    AstExpr *sel = k->stages.v[0].stmt->value;
    cr_assert(sel->u.call.args.v[1]->u.access.guarded);
    cr_assert(sel->u.call.args.v[2]->u.access.guarded);
    ctx_free(&c);
    k = kernel_info(&c, "kernel k(x: f32[N]) -> y: f32[N] { y[i] = select(i < 3, x[i], 0.0); }", "k");
    cr_assert_not(k->stages.v[0].stmt->value->u.call.args.v[1]->u.access.guarded);
    ctx_free(&c);
}

Test(sema, scalar_offsets_become_launch_checks)
{
    Ctx c;
    KernelInfo *k = kernel_info(&c, "kernel s(x: f32[N], o: i64) -> y: f32[N] { y[i] = x[i + o]; }", "s");
    cr_assert_eq(k->launch_checks.n, 1);
    ctx_free(&c);
}

Test(sema, every_prefix_is_handled)
{
    const char *src =
        "fn gelu(x: f32) -> f32 = 0.5 * x * (1.0 + erf(x * 0.70710678));\n"
        "kernel conv2d(x: f32[C, H, W], wt: f32[F, C, 3, 3]) -> y: f32[F, H, W] {\n"
        "    y[f, h, w] = gelu(sum((x[c, h + r - 1, w + s - 1] ?? 0.0) * wt[f, c, r, s]\n"
        "                     for c, r in 0..3, s in 0..3));\n"
        "}\n"
        "schedule conv2d for cpu { y.split(w, 16, wo, wi).vectorize(wi); specialize(W % 16 == 0) { y.parallel(f); } }\n";
    size_t n = strlen(src);
    cr_assert_str_empty(check(src));
    for (size_t len = 0; len < n; len++) {
        char *prefix = strndup(src, len);
        check(prefix); /* must not crash; ASan checks memory */
        free(prefix);
    }
}

/* Number of errors sema reports for src. */
static int error_count(const char *src)
{
    Ctx c;
    ctx_init(&c);
    AstProgram *p = lang_load_string(&c, "t.tk", src, strlen(src));
    sema_check(&c, p);
    int n = c.diags.nerr;
    ctx_free(&c);
    return n;
}

Test(sema, no_cascades_after_an_error)
{
    int n = error_count(K1 "t[i] = q[i] * 2.0; u[i] = t[i] + 1.0; y[i] = exp(u[i]) + x[i]; }");
    cr_assert_eq(n, 1, "one mistake, one message (got %d)", n);
}

Test(sema, no_cascade_through_an_unsized_stage)
{
    int n = error_count(K1 "t[i] = x[i + 1] ?? 0.0; u[i] = t[i] * 2.0; v[i] = sum(u[j] for j) + u[i]; y[i] = v[i]; }");
    cr_assert_eq(n, 1, "one mistake, one message (got %d)", n);
}
