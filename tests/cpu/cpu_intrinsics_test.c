/* Every row of the intrinsic table (lang/intrinsics.h) runs on the
 * reference interpreter and on the CPU backend with the same results, so
 * a new intrinsic without an implementation in either fails here (the
 * "add an intrinsic" recipe of docs/architecture.md). */
#include "cpu/cpu_util.h"
#include "lang/intrinsics.h"

enum { N = 67 };

static void run_one(CpuBackend *be, int id)
{
    const IntrinsicInfo *in = &intrinsic_info[id];
    char src[512], call[128];
    if (in->args == IA_SELECT)
        snprintf(call, sizeof call, "%s(x0[i] > 1.0, x1[i], x2[i])", in->name);
    else if (in->nargs == 1)
        snprintf(call, sizeof call, "%s(x0[i])", in->name);
    else if (in->nargs == 2)
        snprintf(call, sizeof call, "%s(x0[i], x1[i])", in->name);
    else
        snprintf(call, sizeof call, "%s(x0[i], x1[i], x2[i])", in->name);
    snprintf(src, sizeof src,
             "kernel k(x0: f32[N], x1: f32[N], x2: f32[N]) -> y: f32[N] {\n    y[i] = %s;\n}\n", call);
    Prog *pr = prog_new(src);
    KernelInfo *k = prog_kernel(pr, "k");
    int64_t n = N;
    Ten *x[3], *got = ten_make(DT_F32, 1, &n, LAY_C), *want = ten_make(DT_F32, 1, &n, LAY_C);
    for (int a = 0; a < 3; a++) {
        x[a] = ten_make(DT_F32, 1, &n, LAY_C);
        float *v = (float *)x[a]->alloc;
        /* x0 in [0.1, 3), x1 in [0.1, 1), x2 in [1, 2): every intrinsic
         * is defined there and clamp's bounds are ordered */
        for (int64_t i = 0; i < n; i++)
            v[i] = a == 0 ? 0.1f + 2.9f * (float)i / N : a == 1 ? 0.1f + 0.9f * (float)((i * 7) % N) / N
                                                                : 1.0f + (float)((i * 5) % N) / N;
    }
    DLTensor *ins[3] = {&x[0]->dl, &x[1]->dl, &x[2]->dl}, *outs_cpu[1] = {&got->dl}, *outs_ref[1] = {&want->dl};
    TkScalarValue none[3] = {{0}};
    LaunchArgs ref = {ins, none, outs_ref}, cpu = {ins, none, outs_cpu};
    char err[512];
    cr_assert(interp_run(k, &ref, err, sizeof err), "%s on the interpreter: %s", in->name, err);
    cr_assert(cpu_launch_compiled(be, pr, k, &cpu, NULL, err, sizeof err), "%s on the cpu: %s", in->name, err);
    const float *g = (const float *)got->alloc, *w = (const float *)want->alloc;
    for (int64_t i = 0; i < n; i++)
        cr_expect(vals_close(DT_F32, (Val){.f = g[i]}, (Val){.f = w[i]}, 1e-5, 1e-6), "%s at %ld: cpu %g, reference %g",
                  in->name, (long)i, g[i], w[i]);
    for (int a = 0; a < 3; a++)
        ten_free(x[a]);
    ten_free(got), ten_free(want);
    prog_free(pr);
}

Test(cpu_intrinsics, every_intrinsic_of_the_table_runs_on_the_cpu_as_on_the_interpreter)
{
    CpuBackend *be = backend_new();
    for (int id = 0; id < INTR__COUNT; id++)
        run_one(be, id);
    cpu_backend_destroy(be);
}
