/* The loop-IR passes of compiler/passes/ one by one on small kernels: each
 * keeps the IR well-formed and the results of the evaluator unchanged on
 * awkward shapes, and makes the rewrite it promises (guards leave loops,
 * offsets are flat, unit strides are specialized, independent outer loops
 * become parallel); passes_run names a pass that breaks the IR. Also the
 * bulk copy, sync and distributed-loop nodes: printer, verifier, evaluator
 * and bounds inference. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/passes/bounds_infer.h"
#include "compiler/passes/pass.h"
#include "tests/common/compile.h"
#include "tests/ir/ir_testutil.h"

/* Kernel `name` of src after its cpu schedule, before any pass. */
static Func *scheduled(IrTest *t, const char *src, const char *name)
{
    cr_assert(irt_load(t, src));
    AstKernel *k = irt_kernel(t, name);
    cr_assert_not_null(k);
    Compiled out;
    Func *f = test_compile(&t->ctx, k->info, (Pipeline){.target = test_cpu_without_passes()}, &out);
    if (!f)
        diag_render(&t->ctx.diags, stderr);
    cr_assert_not_null(f);
    t->ir = out.ir;
    return f;
}

/* A copy of f after pass p (verified). */
static Func *after(IrTest *t, Func *f, bool (*p)(IrCtx *, Func *, const PassOpts *), bool auto_parallel)
{
    Func *g = arena_alloc(&t->ctx.arena, sizeof *g);
    *g = *f;
    PassOpts o = {.auto_parallel = auto_parallel};
    cr_assert(p(&t->ir, g, &o));
    if (!ir_verify(&t->ir, g))
        diag_render(&t->ctx.diags, stderr);
    cr_assert(ir_verify(&t->ir, g), "%s", irt_print(t, g));
    return g;
}

static void fill(double *v, size_t n, unsigned seed)
{
    uint32_t s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        v[i] = (double)((s >> 8) % 4096) / 1024.0 - 2.0;
    }
}

/* f and g give the same y for x: f32[M, N] -> y: f32[M, N] on (m, n). */
static void same_2d(Func *f, Func *g, int64_t m, int64_t n)
{
    size_t sz = (size_t)(m * n) + 1;
    double *x = calloc(sz, sizeof *x), *y1 = calloc(sz, sizeof *y1), *y2 = calloc(sz, sizeof *y2);
    fill(x, sz, (unsigned)(m * 31 + n));
    int64_t sh[2] = {m, n};
    char err[256];
    cr_assert(ir_eval_func(f, (IrEvalArg[]){{x, sh}, {y1, sh}}, err, sizeof err), "%s", err);
    cr_assert(ir_eval_func(g, (IrEvalArg[]){{x, sh}, {y2, sh}}, err, sizeof err), "after: %s", err);
    for (size_t i = 0; i + 1 < sz; i++)
        cr_expect_eq(y1[i], y2[i], "(%lld, %lld) element %zu: %g vs %g", (long long)m, (long long)n, i, y1[i], y2[i]);
    free(x), free(y1), free(y2);
}

static const int64_t shapes[][2] = {{0, 0}, {1, 1}, {1, 7}, {3, 13}, {5, 16}, {2, 17}, {4, 33}, {7, 1}};

static void same_on_shapes(Func *f, Func *g)
{
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        same_2d(f, g, shapes[i][0], shapes[i][1]);
}

static const char *tail_src = "kernel scale(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = x[i, j] * 2.0 + 1.0; }\n"
                              "schedule scale for cpu { y.split(j, 8, jo, ji); y.vectorize(ji); }\n";

Test(passes, storage_flatten_makes_offsets_with_stride_variables)
{
    IrTest t;
    Func *f = scheduled(&t, tail_src, "scale");
    Func *g = after(&t, f, pass_storage_flatten, false);
    cr_assert(g->flat && !f->flat);
    char *s = irt_print(&t, g);
    cr_expect(strstr(s, "y[i * y.s0 + (jo * 8 + ji) * y.s1] = x[i * x.s0 + (jo * 8 + ji) * x.s1]"), "%s", s);
    same_on_shapes(f, g);
}

Test(passes, storage_flatten_uses_dense_strides_for_local_buffers)
{
    IrTest t;
    Func *f = scheduled(&t,
                        "kernel k(x: f32[M, N]) -> y: f32[M, N] { t[i, j] = x[i, j] + 1.0; y[i, j] = t[i, j] * 3.0; }\n"
                        "schedule k for cpu { t.compute_root(); }\n",
                        "k");
    Func *g = after(&t, f, pass_storage_flatten, false);
    char *s = irt_print(&t, g);
    cr_expect(strstr(s, "t[i * N + j]"), "%s", s);
    same_on_shapes(f, g);
}

Test(passes, guard_sink_turns_tail_guards_into_loop_bounds)
{
    IrTest t;
    Func *f = scheduled(&t, tail_src, "scale");
    char *before = irt_print(&t, f);
    cr_assert(strstr(before, "if jo * 8 + ji < N"), "%s", before);
    Func *g = after(&t, after(&t, f, pass_storage_flatten, false), pass_guard_sink, false);
    char *s = irt_print(&t, g);
    cr_expect(!strstr(s, "if "), "%s", s);
    cr_expect(strstr(s, "vectorized(8) for ji in 0..min(N - jo * 8, 8)"), "%s", s);
    same_on_shapes(f, g);
}

Test(passes, guard_sink_hoists_invariant_conjuncts_and_keeps_other_guards)
{
    IrTest t;
    /* the guarded load's predicate is not a loop guard: it stays */
    Func *f = scheduled(&t,
                        "kernel k(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = (x[i, j - 1] ?? 0.0) + x[i, j]; }\n"
                        "schedule k for cpu { y.tile(i, j, 2, 4, io, jo, ii, ji); }\n",
                        "k");
    Func *g = after(&t, f, pass_guard_sink, false);
    char *s = irt_print(&t, g);
    cr_expect(strstr(s, "for ji in 0..min(N - jo * 4, 4)"), "%s", s);
    /* io * 2 + ii < M does not involve ji: tested once, before the ji loop */
    cr_expect(strstr(s, "if io * 2 + ii < M {\n"), "%s", s);
    cr_expect(strstr(s, "if 0 <= jo * 4 + ji - 1 else 0"), "%s", s);
    same_on_shapes(f, g);
}

Test(passes, guard_sink_leaves_outlined_parallel_loops_alone)
{
    IrTest t;
    const char *src = "kernel k(x: f32[N]) -> y: f32[N] { y[i] = x[i] * 2.0; }\n"
                      "schedule k for cpu { y.split(i, 4, io, ii); y.parallel(ii); }\n";
    Func *f = scheduled(&t, src, "k");
    char *s = irt_print(&t, after(&t, f, pass_guard_sink, false));
    cr_expect(strstr(s, "parallel for ii in 0..4 {\n      if io * 4 + ii < N {"), "%s", s);
    /* the same loop run serially sinks its guard */
    IrTest u;
    Func *g = scheduled(&u, "kernel k(x: f32[N]) -> y: f32[N] { y[i] = x[i] * 2.0; }\n"
                            "schedule k for cpu { y.split(i, 4, io, ii); }\n", "k");
    char *s2 = irt_print(&u, after(&u, g, pass_guard_sink, false));
    cr_expect(strstr(s2, "for ii in 0..min(N - io * 4, 4) {"), "%s", s2);
}

Test(passes, stride_specialize_substitutes_unit_strides)
{
    IrTest t;
    Func *f = scheduled(&t, "kernel cp(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = x[i, j]; }\n", "cp");
    IrBuffer *x = f->args[0].buf;
    IrCtx *c = &t.ir;
    SrcSpan z = f->loc;
    Expr *unit = ir_bin(c, BOP_EQ, ir_var(c, x->strides[1], z), ir_i64(c, 1), z);
    Func *w = arena_alloc(&t.ctx.arena, sizeof *w);
    *w = *f;
    w->body = ir_if(c, unit, f->body, f->body, z);
    cr_assert(ir_verify(c, w));
    Func *g = after(&t, after(&t, w, pass_storage_flatten, false), pass_stride_specialize, false);
    char *s = irt_print(&t, g);
    cr_expect(strstr(s, "= x[i * x.s0 + j]\n"), "then branch: unit stride\n%s", s);
    cr_expect(strstr(s, "= x[i * x.s0 + j * x.s1]\n"), "else branch: general stride\n%s", s);
    same_on_shapes(w, g);
}

Test(passes, parallel_mark_marks_independent_outer_loops_only)
{
    IrTest t;
    Func *f = scheduled(&t, "kernel cp(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = x[i, j] * 2.0; }\n", "cp");
    char *s = irt_print(&t, after(&t, f, pass_parallel_mark, true));
    cr_expect(strstr(s, "  parallel for i in 0..M {\n    for j in 0..N {"), "%s", s);
    cr_expect_eq(f, after(&t, f, pass_parallel_mark, false)->body == f->body ? f : NULL, "off: unchanged");

    IrTest t2;
    Func *r = scheduled(&t2, "kernel total(x: f32[N]) -> s: f32 { s = sum(x[i] for i); }\n", "total");
    char *s2 = irt_print(&t2, after(&t2, r, pass_parallel_mark, true));
    cr_expect(!strstr(s2, "parallel"), "a reduction into one element is not independent\n%s", s2);
}

/* for r in 0..M { copy y[r or 0, 0] <- x[r or 0, 0] extent [1 or M, N] } */
static Stmt *copy_loop(IrTest *t, Func *f, bool per_row)
{
    IrCtx *c = &t->ir;
    SrcSpan z = f->loc;
    IrBuffer *x = f->args[0].buf, *y = f->args[1].buf;
    IrVar *r = ir_new_var(c, "r", DT_I64, IV_LOOP, sym_var(c->sym, "r"));
    Expr *at = per_row ? ir_var(c, r, z) : ir_i64(c, 0);
    Expr *ext[2] = {x->shape[0], x->shape[1]};
    Stmt *cp = ir_copy(c, y, (Expr *[]){at, ir_i64(c, 0)}, x, (Expr *[]){at, ir_i64(c, 0)}, per_row ? ext + 1 : ext,
                       per_row ? 1 : 2, z);
    return ir_for(c, ir_new_loop_id(c), r, ir_i64(c, 0), x->shape[0], FOR_SERIAL, cp, z);
}

Test(passes, parallel_mark_treats_a_bulk_copy_as_a_write_of_its_box)
{
    IrTest t;
    Func *f = scheduled(&t, "kernel cp(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = x[i, j]; }\n", "cp");
    cr_expect(pass_parallel_safe(copy_loop(&t, f, true)), "row r of y per iteration");
    cr_expect_not(pass_parallel_safe(copy_loop(&t, f, false)), "all of y in every iteration");
}

Test(passes, cache_read_at_a_tile_is_a_bulk_copy_and_evaluates_like_the_loops)
{
    IrTest t;
    const char *src = "kernel k(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = x[i, j] * 2.0; }\n"
                      "schedule k for cpu { y.split(i, 4, io, ii); t = x.cache_read(local); t.compute_at(y, io); }\n";
    Func *f = scheduled(&t, src, "k");
    char *s = irt_print(&t, f);
    cr_assert(strstr(s, "copy t[0, 0] <- x[4 * io, 0] extent ["), "%s", s);
    IrTest u;
    cr_assert(irt_load(&u, src));
    Func *plain = irt_lower(&u, "k");
    same_on_shapes(plain, f);
    BoundsMap *b = bounds_infer(&t.ir, f->body);
    cr_expect_not_null(bounds_read(b, f->args[0].buf), "the copy reads x");
}

Test(passes, every_cpu_pass_in_order_keeps_results)
{
    IrTest t;
    Func *f = scheduled(&t, tail_src, "scale");
    Func *g = arena_alloc(&t.ctx.arena, sizeof *g);
    *g = *f;
    PassOpts o = {.auto_parallel = true, .verify = true};
    cr_assert(passes_run(&t.ir, g, &pass_list_cpu, &o));
    cr_expect_eq(pass_list_cpu.n, 4);
    cr_expect_str_eq(pass_list_cpu.v[0].name, "parallel_mark");
    cr_expect_str_eq(pass_list_cpu.v[3].name, "guard_sink");
    same_on_shapes(f, g);
}

static bool breaks_ir(IrCtx *c, Func *f, const PassOpts *o)
{
    (void)o;
    f->body = ir_seq(c, (Stmt *[]){ir_free(c, ir_new_buffer(c, "ghost", DT_F32, BUF_LOCAL, SCOPE_LOCAL, 0, NULL,
                                                             f->loc), f->loc), f->body}, 2, f->loc);
    return true;
}

Test(passes, passes_run_names_the_pass_that_breaks_the_ir)
{
    IrTest t;
    Func *f = scheduled(&t, tail_src, "scale");
    static const Pass bad[] = {{"breaks_ir", breaks_ir}};
    PassList l = {bad, 1};
    PassOpts o = {.verify = true};
    cr_assert_not(passes_run(&t.ir, f, &l, &o));
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    diag_render(&t.ctx.diags, m);
    fclose(m);
    cr_expect(strstr(text, "malformed after pass breaks_ir"), "%s", text);
    cr_expect(strstr(text, "free of 'ghost'"), "%s", text);
    free(text);
}

/* ---- the nodes every target needs ------------------------------------ */

Test(passes, copy_sync_and_distributed_loops_print_verify_and_evaluate)
{
    IrTest t;
    Func *f = scheduled(&t, "kernel cp(x: f32[M, N]) -> y: f32[M, N] { y[i, j] = x[i, j]; }\n", "cp");
    IrCtx *c = &t.ir;
    SrcSpan z = f->loc;
    IrBuffer *x = f->args[0].buf, *y = f->args[1].buf;
    Expr *M = x->shape[0], *N = x->shape[1];
    /* rows distributed over cores; each row one bulk copy; a barrier after */
    IrVar *r = ir_new_var(c, "r", DT_I64, IV_LOOP, sym_var(c->sym, "r"));
    Expr *row = ir_var(c, r, z);
    Stmt *cp = ir_copy(c, y, (Expr *[]){row, ir_i64(c, 0)}, x, (Expr *[]){row, ir_i64(c, 0)}, &N, 1, z);
    Stmt *loop = ir_for(c, ir_new_loop_id(c), r, ir_i64(c, 0), M, FOR_DISTRIBUTED, cp, z);
    Func *g = arena_alloc(&t.ctx.arena, sizeof *g);
    *g = *f;
    g->body = ir_seq(c, (Stmt *[]){loop, ir_sync(c, SYNC_BARRIER, 0, z), ir_sync(c, SYNC_WAIT, 3, z)}, 3, z);
    cr_assert(ir_verify(c, g));
    char *s = irt_print(&t, g);
    cr_expect(strstr(s, "distributed for r in 0..M {\n    copy y[r, 0] <- x[r, 0] extent [N]\n  }\n"
                        "  sync barrier\n  sync wait 3\n"), "%s", s);
    same_on_shapes(f, g);
    /* still per-dimension after flattening: a DMA wants the box */
    Func *h = after(&t, g, pass_storage_flatten, false);
    cr_expect(strstr(irt_print(&t, h), "copy y[r, 0] <- x[r, 0] extent [N]"));
    same_on_shapes(f, h);
}

Test(passes, the_verifier_rejects_bad_copies)
{
    IrTest t;
    Func *f = scheduled(&t, "kernel cp(x: f32[N], n: i32[N]) -> y: f32[N] { y[i] = x[i] + f32(n[i]); }\n", "cp");
    IrCtx *c = &t.ir;
    SrcSpan z = f->loc;
    IrBuffer *x = f->args[0].buf, *n = f->args[1].buf, *y = f->args[2].buf;
    Expr *zero = ir_i64(c, 0), *len = x->shape[0];
    Stmt *bad_type = ir_copy(c, y, &zero, n, &zero, &len, 1, z);
    Stmt *into_input = ir_copy(c, x, &zero, y, &zero, &len, 1, z);
    Stmt *too_many = ir_copy(c, y, &zero, x, &zero, (Expr *[]){len, len}, 2, z);
    Stmt *bad[] = {bad_type, into_input, too_many};
    for (size_t i = 0; i < 3; i++) {
        Func g = *f;
        g.body = bad[i];
        cr_expect_not(ir_verify(c, &g), "copy %zu", i);
    }
    Func ok = *f;
    ok.body = ir_copy(c, y, &zero, x, &zero, &len, 1, z);
    cr_expect(ir_verify(c, &ok));
}

Test(passes, every_buffer_has_an_alignment)
{
    IrTest t;
    Func *f = scheduled(&t,
                        "kernel k(x: f64[N]) -> y: f64[N] { t[i] = x[i] * 2.0; y[i] = t[i]; }\n"
                        "schedule k for cpu { t.compute_root(); }\n",
                        "k");
    cr_expect_eq(f->args[0].buf->align, 8);
    IrBuffer *local = ir_new_buffer(&t.ir, "l", DT_F32, BUF_LOCAL, SCOPE_UB, 1, &f->args[0].buf->shape[0], f->loc);
    cr_expect_eq(local->align, IR_LOCAL_ALIGN);
    local->align = 256;
    Func g = *f;
    g.body = ir_seq(&t.ir, (Stmt *[]){ir_alloc(&t.ir, local, f->loc), ir_free(&t.ir, local, f->loc)}, 2, f->loc);
    cr_expect(strstr(irt_print(&t, &g), "alloc l: f32[N] ub align 256\n"), "%s", irt_print(&t, &g));
}
