/* Checking schedules at check time (compiler/sched/check.c, check_program.c):
 * each rule with a schedule that checks and one that is rejected with its
 * first message, as `tkc check` and tk_compile_* see them; and the recipe
 * for adding a primitive (docs/schedules.md) followed with a test-only one. */
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"
#include "compiler/sched/sched_order.h"
#include "tests/sched/sched_util.h"

/* sema, then the schedules applied without code generation; the first
 * diagnostic's headline ("" when clean). */
static char *check(const char *src)
{
    static char buf[2048];
    Ctx c;
    ctx_init(&c);
    AstProgram *p = lang_load_string(&c, "t.tk", src, strlen(src));
    if (p && sema_check(&c, p))
        sched_check_program(&c, p);
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
    {"schedule stage", K1 "y[i] = x[i]; } schedule k for cpu { y.parallel(i); }",
     K1 "y[i] = x[i]; } schedule k for cpu { q.parallel(i); }", "'q' is not a stage of kernel 'k'"},
    {"schedule loop", K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, 8, io, ii).vectorize(ii); }",
     K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, 8, io, ii); y.vectorize(i); }",
     "loop 'i' of 'y' no longer exists: it was split"},
    {"schedule factor", K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, auto, io, ii); }",
     K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, -4, io, ii); }", "a factor is a positive integer literal"},
    {"schedule scope", K1 "y[i] = x[i]; } schedule k for npu { t = x.cache_read(ub).double_buffer(); }",
     K1 "y[i] = x[i]; } schedule k for npu { t = x.cache_read(local); }", "unknown memory scope 'local' for target npu"},
    {"schedule reduction loops", K2 "y[n] = sum(x[n, d] for d); } schedule k for cpu { y.parallel(n); }",
     K2 "y[n] = sum(x[n, d] for d); } schedule k for cpu { y.vectorize(d); }", "cannot vectorize reduction loop 'd'"},
    {"schedule compute_at", K2 "s[n] = sum(x[n, d] for d); y[n] = s[n]; } schedule k for cpu { s.compute_at(y, n); }",
     K2 "s[n] = sum(x[n, d] for d); y[n] = s[n]; } schedule k for cpu { s.compute_at(y, d); }",
     "'d' is not a loop of 'y'"},
    {"schedule arguments", K1 "y[i] = x[i]; } schedule k for cpu { y.unroll(i, 4); }",
     K1 "y[i] = x[i]; } schedule k for cpu { y.unroll(i, 4, 2); }", "unroll takes 1 or more arguments, but 3 were given"},
    {"schedule rfactor", K2 "y[n] = sum(x[n, d] for d); } schedule k for cpu { f = y.rfactor(d, df); f.vectorize(df); }",
     K2 "y[n] = sum(x[n, d] for d); } schedule k for cpu { f = y.rfactor(n, nf); }", "rfactor needs a reduction loop"},
    {"schedule new loop names", K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, 8, io, ii); }",
     K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, 8, io, ii); y.split(io, 2, ii, iz); }",
     "'ii' already names a loop of 'y'; choose a new name"},
    {"schedule distinct loops", K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, 8, io, ii); }",
     K1 "y[i] = x[i]; } schedule k for cpu { y.split(i, 8, io, io); }", "'io' is named twice in one directive"},
    {"schedule input", K1 "y[i] = x[i]; } schedule k for cpu { t = x.cache_read(local); }",
     K1 "y[i] = x[i]; } schedule k for cpu { x.parallel(i); }",
     "'x' is an input; the only primitive for an input is cache_read"},
    {"schedule tensorize op", K1 "y[i] = x[i]; } schedule k for cpu { y.parallel(i); }",
     K1 "y[i] = x[i]; } schedule k for cpu { y.tensorize(i, mmad); }", "tensorize on target cpu maps onto 'gemm'"},
    {"schedule vector width", K1 "y[i] = x[i]; } schedule k for cpu { y.vectorize(i, 8); }",
     K1 "y[i] = x[i]; } schedule k for cpu { y.vectorize(i, w); }",
     "vectorize takes a positive integer literal here"},
    {"schedule binding", K1 "y[i] = x[i]; } schedule k for cpu { t = x.cache_read(local); }",
     K1 "y[i] = x[i]; } schedule k for cpu { N = x.cache_read(local); }", "'N' is already a name in kernel 'k'"},
    {"schedule the npu's by name", K1 "y[i] = x[i]; } schedule k for npu { y.split(i, 8, io, ii); }",
     K1 "y[i] = x[i]; } schedule k for npu { t = x.cache_read(l0a); t.vectorize(i); t.tensorize(i, gemm); }",
     "tensorize on target npu maps onto 'mmad'"},
};

Test(check, every_schedule_rule_accepts_and_rejects)
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

/* ---- the recipe: a primitive `mark(v)` that changes nothing ------------ */

/* Its handler (step 2 of the recipe: one file with the handler). */
static bool do_mark(Sched *s, SchedDirective *d)
{
    sched_record(s, "%s.mark(%s);", d->recv_name, d->args[0].name);
    return true;
}

/* Its row (step 1), in a set of its own chained to the built-in ones. */
static const SchedPrimitive mark_row[] = {
    {"mark", "mark(v)", {SA_LOOP, SA_END}, 1, false, SP_LOOPS, NULL, do_mark},
};
static const SchedPrimitiveSet with_mark = {mark_row, 1, &sched_builtin_primitives};

/* Lowers `kernel` of src and applies its cpu schedule with `prims`. */
static Func *apply(Ctx *c, const char *src, const char *kernel, const SchedPrimitiveSet *prims, Trace **trace)
{
    ctx_init(c);
    AstProgram *p = lang_load_string(c, "t.tk", src, strlen(src));
    cr_assert(p && sema_check(c, p));
    KernelInfo *k = launch_find_kernel(p, kernel);
    IrCtx ic;
    ir_ctx_init(&ic, &c->arena, k->sym, &c->diags);
    Func *f = lower_kernel(&ic, k, &(InstKey){DT_ERROR});
    cr_assert(f);
    return sched_apply_with(&ic, k, f, "cpu", prims, trace);
}

Test(check, a_test_only_primitive_is_checked_ordered_and_applied)
{
    const char *src = SOFTMAX "schedule softmax for cpu { y.mark(d); s.compute_at(y, n); s.mark(d); "
                              "y.split(d, 4, dO, dI); y.mark(dI); }";
    Ctx c;
    Trace *trace = NULL;
    Func *f = apply(&c, src, "softmax", &with_mark, &trace);
    cr_assert(f, "the schedule with mark was rejected");
    const char *text = sched_trace_str(&c.arena, trace);
    /* consumers first: y's directives, then s placed at y and marked */
    const char *a = strstr(text, "y.mark(d);"), *b = strstr(text, "y.mark(dI);"), *d = strstr(text, "s.mark(d);");
    cr_expect(a && b && d && a < b && b < d, "trace:\n%s", text);
    ctx_free(&c);

    /* its loop argument is resolved like any other's */
    f = apply(&c, SOFTMAX "schedule softmax for cpu { y.split(d, 4, dO, dI); y.mark(d); }", "softmax",
              &with_mark, NULL);
    cr_expect_null(f);
    cr_expect(c.diags.head && strstr(c.diags.head->msg, "loop 'd' of 'y' no longer exists: it was split"));
    ctx_free(&c);

    /* without the row it is unknown */
    f = apply(&c, SOFTMAX "schedule softmax for cpu { y.mark(d); }", "softmax", &sched_builtin_primitives, NULL);
    cr_expect_null(f);
    cr_expect(c.diags.head && strstr(c.diags.head->msg, "unknown schedule primitive 'mark'"));
    ctx_free(&c);
}

static char *func_text(Ctx *c, const Func *f)
{
    char *text = NULL;
    size_t n;
    FILE *m = open_memstream(&text, &n);
    ir_print_func(m, &c->arena, f, 0);
    fclose(m);
    return text;
}

Test(check, mark_changes_nothing)
{
    Ctx c1, c2;
    Func *f = apply(&c1, SOFTMAX "schedule softmax for cpu { y.mark(n); }", "softmax", &with_mark, NULL);
    Func *g = apply(&c2, SOFTMAX, "softmax", &with_mark, NULL);
    cr_assert(f && g);
    char *x = func_text(&c1, f), *y = func_text(&c2, g);
    cr_expect_str_eq(x, y, "mark changed the loop IR");
    free(x), free(y);
    ctx_free(&c1), ctx_free(&c2);
}

/* The order comes from dependencies: consumers first, a stage's placement
 * before its loops, a made stage with the stage it depends on, followed
 * through any number of makers. */
Test(check, order_from_dependencies)
{
    const char *src = SOFTMAX "schedule softmax for cpu {\n"
                              "  m.split(d, 8, dO, dI);\n"
                              "  mf = m.rfactor(dI, lane);\n"
                              "  mf.vectorize(lane);\n"
                              "  m.compute_at(y, n);\n"
                              "  xs = x.cache_read(local);\n"
                              "  xs.compute_at(y, n);\n"
                              "  y.parallel(n);\n"
                              "}\n";
    Ctx c;
    ctx_init(&c);
    AstProgram *p = lang_load_string(&c, "t.tk", src, strlen(src));
    cr_assert(p && sema_check(&c, p));
    KernelInfo *k = launch_find_kernel(p, "softmax");
    SchedPlan *plan = sched_check_schedule(&c.arena, &c.diags, k, k->schedules.v[0].ast, NULL);
    cr_assert(plan);
    SchedDirective **v;
    uint32_t n = sched_order(&c.arena, k, plan, -1, &v, NULL);
    cr_assert_eq(n, 7);
    const char *want[] = {"y.parallel", "m.compute_at", "m.split", "m.rfactor", "mf.vectorize", "x.cache_read",
                          "xs.compute_at"};
    for (uint32_t i = 0; i < n; i++) {
        char got[64];
        snprintf(got, sizeof got, "%s.%s", v[i]->recv_name, v[i]->prim->name);
        cr_expect_str_eq(got, want[i], "position %u", i);
    }
    ctx_free(&c);
}
