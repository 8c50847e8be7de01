/* Target descriptions: what schedules may ask of each target (checked when
 * the pipeline checks a program), the NPU's memories from its chip
 * profile, its emitter's diagnostic, and a test-only target with a pass of
 * its own (the "add a target" and "add a pass" recipes of
 * docs/architecture.md). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-npu/lower/npu_lower.h"
#include "backend-npu/npu.h"
#include "common/compile.h"
#include "compiler/launch/launch.h"

#define K1 "kernel k(x: f32[N]) -> y: f32[N] { y[i] = x[i]; } "

/* Loads and checks src; the rendered diagnostics (malloc'ed). */
static char *check(const char *src, bool *ok)
{
    Ctx c;
    ctx_init(&c);
    Pipeline p = {.ctx = &c, .name = "t.tk", .text = src, .len = strlen(src)};
    *ok = pipeline_run(&p);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    diag_render(&c.diags, f);
    fclose(f);
    ctx_free(&c);
    return out;
}

static void expect_error(const char *src, const char *msg)
{
    bool ok;
    char *out = check(src, &ok);
    cr_expect(!ok, "accepted: %s", src);
    cr_expect(strstr(out, msg), "expected '%s' in:\n%s", msg, out);
    free(out);
}

static void expect_clean(const char *src)
{
    bool ok;
    char *out = check(src, &ok);
    cr_expect(ok, "rejected: %s\n%s", src, out);
    free(out);
}

Test(target, schedules_ask_only_for_what_their_target_has)
{
    expect_clean(K1 "schedule k for npu { t = x.cache_read(ub).double_buffer(); }");
    expect_clean(K1 "schedule k for npu { t = x.cache_read(gm); }");
    expect_clean(K1 "schedule k for cpu { t = x.cache_read(local); }");
    expect_error(K1 "schedule k for npu { t = x.cache_read(local); }",
                 "t.tk:1:89: error: unknown memory scope 'local' for target npu (scopes: global, l1, ub, l0a, l0b, l0c)");
    expect_error(K1 "schedule k for cpu { t = x.cache_read(ub); }",
                 "error: unknown memory scope 'ub' for target cpu (scopes: local)");
    expect_error(K1 "schedule k for gpu { y.parallel(i); }", "error: unknown target 'gpu' (targets: cpu, npu)");
    expect_error(K1 "schedule k for cpu { y.tensorize(i, mmad); }", "error: tensorize on target cpu maps onto 'gemm'");
    expect_error(K1 "schedule k for npu { y.tensorize(i, gemm); }", "error: tensorize on target npu maps onto 'mmad'");
}

Test(target, npu_memories_come_from_its_chip_profile)
{
    NpuProfile p;
    char err[256];
    cr_assert(npu_profile_load(&p, "ascend910", NULL, err, sizeof err), "%s", err);
    const Target *npu = target_find("npu");
    cr_assert(npu);
    const TargetScope *ub = target_scope(npu, "ub"), *l0c = target_scope(npu, "l0c");
    cr_assert(ub && l0c);
    cr_expect_eq(ub->capacity, p.mem_size[NPU_UB]);
    cr_expect_eq(ub->align, p.mem_align[NPU_UB]);
    cr_expect_eq(l0c->capacity, p.mem_size[NPU_L0C]);
    cr_expect_eq(target_scope(npu, "gm"), target_scope(npu, "global"));
    cr_expect_null(target_scope(npu, "local"));
    cr_expect_null(target_scope(target_find("cpu"), "ub"));
    cr_expect(target_has_tensorize_op(npu, "mmad"));
    cr_expect(!target_has_tensorize_op(npu, "gemm"));
    cr_expect_null(target_find("gpu"));
    cr_expect_eq(target_host(), target_find("cpu"));
}

static bool take_plan(void *ud, Compile *cc, Func *f)
{
    (void)f;
    *(NpuPlan **)ud = cc->product;
    return true;
}

/* The npu emitter makes a plan (its program is generated per launch), and
 * names what it cannot lower at the construct. */
Test(target, npu_emit_makes_a_plan_or_says_what_it_cannot_lower)
{
    Ctx c;
    ctx_init(&c);
    const char *src = "kernel add(x: f32[N]) -> y: f32[N] {\n    y[i] = x[i] + 1.0;\n}\n"
                      "kernel tr(x: f32[N, M]) -> y: f32[M, N] {\n    y[j, i] = x[i, j];\n}\n";
    Pipeline p = {.ctx = &c, .name = "npu.tk", .text = src, .len = strlen(src)};
    cr_assert(pipeline_run(&p));
    NpuPlan *plan = NULL;
    Pipeline emit = {.ctx = &c, .prog = p.prog, .kernel = launch_find_kernel(p.prog, "add"),
                     .target = target_find("npu"), .emit = true, .verify = true, .no_schedule = true,
                     .each = take_plan, .ud = &plan};
    cr_expect(pipeline_run(&emit));
    cr_assert(plan);
    cr_expect_eq(plan->nsteps, 1);
    cr_expect_eq(plan->steps[0].kind, STEP_VEC_OUT);
    npu_plan_free(plan);
    plan = NULL;
    emit.kernel = launch_find_kernel(p.prog, "tr");
    cr_expect(!pipeline_run(&emit));
    char line[512];
    diag_headline(&c.diags, c.diags.head, line, sizeof line);
    cr_expect(strstr(line, "npu.tk:5:15: error: the NPU backend cannot lower this yet: an access that is not "
                           "[row, col], [col] or [row] of a dense tensor (kernel 'tr')"), "%s", line);
    ctx_free(&c);
}

/* ---- a test-only target with a pass of its own ------------------------------ */

static int stores_seen;

static bool count_store(Visitor *v, Stmt *s)
{
    stores_seen++;
    return vis_stmt_children(v, s);
}

/* The pass: looks at the IR the shared stages made (a real pass would
 * rewrite f->body and return false only after a diagnostic). */
static bool count_stores_pass(IrCtx *c, Func *f, const PassOpts *o)
{
    (void)c, (void)o;
    Visitor v = {.stmt[SK_STORE] = count_store};
    return vis_stmt(&v, f->body);
}

static const Pass     count_stores[] = {{"count-stores", count_stores_pass}};
static const PassList test_passes = {count_stores, 1};
static const TargetScope test_scopes[] = {{SCOPE_LOCAL, 1 << 20, 64}};

static bool test_emit(Compile *cc, Func *f, EmitKind what)
{
    (void)what;
    cc->text = malloc(64);
    snprintf(cc->text, 64, "%s: %u args", f->name, f->nargs);
    return true;
}

static bool take_text(void *ud, Compile *cc, Func *f)
{
    (void)f;
    snprintf(ud, 64, "%s", cc->text);
    return true;
}

Test(target, a_test_only_target_runs_its_pass_and_emitter)
{
    const Target toy = {
        .name = "cpu",   /* uses the kernels' cpu schedules */
        .scopes = test_scopes,
        .nscopes = 1,
        .vector_bits = 128,
        .passes = &test_passes,
        .applies_schedules = true,
        .emit = test_emit,
    };
    Ctx c;
    ctx_init(&c);
    const char *src = K1 "kernel two(a: f32[N], b: f32[N]) -> (s: f32[N], d: f32[N]) { s[i] = a[i] + b[i]; "
                         "d[i] = a[i] - b[i]; }";
    Pipeline load = {.ctx = &c, .name = "toy.tk", .text = src, .len = strlen(src)};
    cr_assert(pipeline_run(&load));
    char out[64] = "";
    Pipeline p = {.ctx = &c, .prog = load.prog, .target = &toy, .kernel = launch_find_kernel(load.prog, "two"),
                  .key = {DT_ERROR}, .emit = true, .emit_kind = EMIT_TEXT, .verify = true, .each = take_text,
                  .ud = out};
    stores_seen = 0;
    cr_assert(pipeline_run(&p));
    cr_expect_eq(stores_seen, 2);
    cr_expect_str_eq(out, "two: 4 args");
    ctx_free(&c);
}
