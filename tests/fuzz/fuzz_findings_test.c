/* Regression tests for what the pipeline fuzzer found (docs/robustness.md):
 * each program, minimized, runs every kernel of its file on the CPU target
 * and on the interpreter on the shapes of the finding and a few others, in
 * every layout, with and without special values. */
#include "tests/fuzz/fuzz_run.h"

static void check_program(const char *src, const char *const *kernels)
{
    Prog *pr = prog_new(src);
    CpuBackend *be = backend_new();
    static const int64_t shapes[][4] = {{5, 7, 3, 2}, {1, 1, 1, 1}, {0, 3, 2, 5}, {17, 16, 13, 1}, {33, 2, 0, 31}};
    for (const char *const *kn = kernels; *kn; kn++) {
        KernelInfo *k = prog_kernel(pr, *kn);
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
            for (int layout = 0; layout < LAY__COUNT; layout++)
                for (int special = 0; special < 2; special++) {
                    char msg[2048];
                    bool ok = fuzz_run_case(be, &pr->c, k, shapes[s], layout, 100 * s + (uint64_t)layout,
                                            special, msg, sizeof msg);
                    cr_expect(ok, "kernel %s, shape %zu, layout %d%s: %s", *kn, s, layout,
                              special ? ", special values" : "", msg);
                }
    }
    cpu_backend_destroy(be);
    prog_free(pr);
}

/* Program 2 of seed 1 before "sym: a loop's non-empty domain is a premise
 * only for claims that reach its variable": the empty output of k0
 * (`A - A`) made the prover prove every access of the file, so k1's
 * vectorized loop lost its tail guard and wrote past its output (heap
 * corruption, "free(): invalid next size"). */
Test(findings, empty_output_does_not_prove_the_other_kernels)
{
    static const char *const kernels[] = {"k0", "k1", NULL};
    check_program("kernel k0(x0: f32[B, A, C], x1: f16[B], x2: i32[A], s0: f64) -> y0: f32[A - A] {\n"
                  "    y0[i0] = sum(((x0[r0, i0, r1]) - (f32(x2[i0]) - 0.75)) for r0, r1);\n"
                  "}\n"
                  "kernel k1(x0: u8[A, B, C]) -> (y0: u8[B, A], y1: u8[C, B, A]) {\n"
                  "    t0[i0, i1, i2] = (x0[i0, i1, i2]);\n"
                  "    t1[i0, i1, i2] = ((x0[i0, i1, i2]) * (t0[i0, B - 1 - i1, i2 + 2] ?\? 1));\n"
                  "    y0[i1, i0] = prod((t0[i0, i1, r0]) for r0);\n"
                  "    y1[i2, i1, i0] = u8(i0);\n"
                  "}\n"
                  "schedule k0 for cpu {\n y0.reorder(r1, r0);\n}\n"
                  "schedule k1 for cpu {\n"
                  " y1.parallel(i2);\n y0.split(i1, 16, v6, v7);\n y0.vectorize(i0);\n y0.parallel(v6);\n"
                  " t0.reorder(i1, i2, i0);\n t0.fuse(i1, i2, v14);\n t0.vectorize(i0, 2);\n"
                  "}\n",
                  kernels);
}

/* The same, minimized: an empty output and a vectorized copy with a tail. */
Test(findings, empty_output_minimized)
{
    static const char *const kernels[] = {"empty", "copy", NULL};
    check_program("kernel empty(x: f32[A]) -> y: f32[A - A] {\n    y[i] = x[i];\n}\n"
                  "kernel copy(x: u8[A, B]) -> y: u8[B, A] {\n    y[j, i] = x[i, j];\n}\n"
                  "schedule copy for cpu {\n y.vectorize(i);\n}\n",
                  kernels);
}

/* Program 14 of seed 1: `max` of -0.0 and +0.0 was -0.0 on the interpreter
 * (C fmax returns its first operand on a tie) and +0.0 in compiled code
 * (llvm.maxnum may return either), so dividing by it gave -inf on one
 * target and +inf on the other. Signed zeros now order -0 < +0 (IEEE
 * 754-2019 maximumNumber / minimumNumber) on both. */
Test(findings, max_min_of_signed_zeros)
{
    static const char *const kernels[] = {"k", NULL};
    check_program("kernel k(x: f32[A], z: f64[A]) -> (y: f32[A], v: f32[A], w: f64[A], u: f32[A], s: f32, t: f32) {\n"
                  "    y[i] = 1.0 / min(max(x[i], -0.0), 0.0);\n"
                  "    v[i] = 1.0 / max(min(x[i], 0.0), -0.0);\n"
                  "    w[i] = 1.0 / min(0.0, max(-0.0, z[i]));\n"
                  "    u[i] = 1.0 / max(-0.0, min(0.0, x[i]));\n"
                  "    s = 1.0 / max(min(x[r], 0.0) * 0.0 for r);\n"
                  "    t = 1.0 / min(max(x[r], 0.0) * -0.0 for r);\n"
                  "}\n",
                  kernels);
}

/* Program 7 of seed 2013 (long run): the automatic schedule inlined a bf16
 * stage into its consumer, and the inlined value was not rounded to bf16
 * as the stage's store rounds it, so u8(t[i]) was 1 (1.999 in f32) where
 * the interpreter gives 2 (2.0 in bf16). */
Test(findings, inlined_half_stage_rounds)
{
    static const char *const kernels[] = {"b", "h", "auto_b", NULL};
    check_program("kernel b(x: bf16[A]) -> y: u8[A] {\n"
                  "    t[i] = x[i] * 0.999 + 1.0;\n"
                  "    y[i] = u8(t[i]);\n"
                  "}\n"
                  "schedule b for cpu {\n t.compute_inline();\n}\n"
                  "kernel h(x: f16[A], z: f16[A]) -> (y: i32[A], w: f32[A]) {\n"
                  "    t[i] = x[i] * 0.9999 + 1.0;\n"
                  "    y[i] = i32(t[i]);\n"
                  "    w[i] = f32(t[i]) - f32(z[i]);\n"
                  "}\n"
                  "schedule h for cpu {\n t.compute_inline();\n}\n"
                  "kernel auto_b(x: bf16[A, B], s: bf16) -> y: u8[A, B] {\n"
                  "    t[i, j] = x[i, j] - sqrt(abs(x[A - 1 - i, j]));\n"
                  "    u[i, j] = x[i, j] + sigmoid((t[i, j + 1] ?\? 0.75) / t[i, j]);\n"
                  "    y[i, j] = u8(u[i, j]);\n"
                  "}\n",
                  kernels);
}

/* The harness itself: an output's guard bytes notice a write outside its
 * elements (compiled code is not instrumented by ASan). */
Test(harness, guard_notices_writes_outside_an_output)
{
    for (int layout = 0; layout < LAY__COUNT; layout++) {
        int64_t shape[2] = {3, 5}, last[2] = {2, 4};
        Ten *x = fuzz_guarded(DT_F32, 2, shape, layout);
        memset(ten_ptr(x, last), 0, 4);
        cr_expect_eq(fuzz_guard_broken(x), -1, "layout %d", layout);
        ten_ptr(x, last)[4] = 0; /* the first byte after the last element */
        cr_expect_geq(fuzz_guard_broken(x), 0, "layout %d", layout);
        ten_free(x);
    }
}
