/* Compile caching: the same kernel, dtypes, target and options compile once
 * per process (also through the C API, for every shape); a fresh backend
 * (a second "process") loads the object from the disk cache without LLVM
 * codegen; another dtype or source compiles anew. */
#include "api/api_internal.h"
#include "cpu/cpu_util.h"

#include <unistd.h>

static const char SRC[] = "kernel axpy<T>(a: T, x: T[N], y: T[N]) -> z: T[N] {\n  z[i] = a * x[i] + y[i];\n}\n";

/* Compiles axpy for t and runs it on 0..n-1 with a = 2, y = 1; checks z. */
static CpuCompileInfo run_axpy(CpuBackend *be, Prog *pr, DType t, int64_t n)
{
    KernelInfo *k = launch_find_kernel(pr->p, "axpy");
    Ten *x = ten_make(t, 1, &n, LAY_C), *y = ten_make(t, 1, &n, LAY_C), *z = ten_make(t, 1, &n, LAY_C);
    for (int64_t i = 0; i < n; i++) {
        val_store(t, ten_ptr(x, &i), dtype_is_float(t) ? (Val){.f = (double)i} : (Val){.i = i});
        val_store(t, ten_ptr(y, &i), dtype_is_float(t) ? (Val){.f = 1} : (Val){.i = 1});
    }
    TkScalarValue sc[3] = {{.dtype = t}};
    if (dtype_is_float(t))
        sc[0].u.f = 2;
    else
        sc[0].u.i = 2;
    DLTensor *ins[3] = {NULL, &x->dl, &y->dl}, *outs[1] = {&z->dl};
    LaunchArgs la = {ins, sc, outs};
    CpuCompileInfo ci;
    char err[512];
    cr_assert(cpu_launch_compiled(be, pr, k, &la, &ci, err, sizeof err), "%s", err);
    for (int64_t i = 0; i < n; i++) {
        Val v = val_load(t, ten_ptr(z, &i));
        cr_assert_eq(dtype_is_float(t) ? v.f : (double)v.i, (double)(2 * i + 1));
    }
    ten_free(x), ten_free(y), ten_free(z);
    return ci;
}

Test(cpu_cache, same_kernel_twice_in_one_process_compiles_once)
{
    Prog *pr = prog_new(SRC);
    CpuBackend *be = backend_new();
    CpuCompileInfo a = run_axpy(be, pr, DT_F32, 100), b = run_axpy(be, pr, DT_F32, 37);
    cr_assert(!a.from_mem && !a.from_disk);
    cr_assert(b.from_mem);
    run_axpy(be, pr, DT_I32, 5);   /* another instantiation */
    CpuStats s = cpu_backend_stats(be);
    cr_assert_eq(s.codegens, 2);
    cr_assert_eq(s.mem_hits, 1);
    cr_assert_eq(s.disk_hits, 0);
    cpu_backend_destroy(be);
    prog_free(pr);
}

Test(cpu_cache, a_second_process_loads_objects_from_disk)
{
    char dir[] = "/tmp/tk-cpu-cache-XXXXXX";
    cr_assert(mkdtemp(dir));
    unsetenv("TK_CACHE");
    setenv("TK_CACHE_DIR", dir, 1);
    Prog *pr = prog_new(SRC);
    char err[512];
    CpuBackend *first = cpu_backend_create(NULL, err, sizeof err);
    cr_assert(first, "%s", err);
    run_axpy(first, pr, DT_F64, 64);
    cr_assert_eq(cpu_backend_stats(first).codegens, 1);
    cpu_backend_destroy(first);

    /* a fresh backend and a fresh parse of the same source: a new process */
    prog_free(pr);
    pr = prog_new(SRC);
    CpuBackend *second = cpu_backend_create(NULL, err, sizeof err);
    cr_assert(second, "%s", err);
    CpuCompileInfo ci = run_axpy(second, pr, DT_F64, 9);
    cr_assert(ci.from_disk);
    CpuStats s = cpu_backend_stats(second);
    cr_assert_eq(s.codegens, 0, "LLVM codegen ran although the object was on disk");
    cr_assert_eq(s.disk_hits, 1);
    /* an edited source lowers differently: compiled, not loaded */
    prog_free(pr);
    pr = prog_new("kernel axpy<T>(a: T, x: T[N], y: T[N]) -> z: T[N] {\n  z[i] = a * x[i] + y[i] + T(0);\n}\n");
    run_axpy(second, pr, DT_F64, 9);
    cr_assert_eq(cpu_backend_stats(second).codegens, 1);
    cpu_backend_destroy(second);
    prog_free(pr);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(cpu_cache, the_api_compiles_lazily_once_per_instantiation)
{
    setenv("TK_CACHE", "0", 1);
    tk_context *ctx;
    cr_assert_eq(tk_context_create(NULL, &ctx), TK_OK);
    cr_assert_eq(ctx->target, TK_TARGET_CPU, "the default target is the cpu");
    tk_module *m;
    cr_assert_eq(tk_compile_string(ctx, "t.tk", SRC, strlen(SRC), &m), TK_OK);
    cr_assert_null(ctx->cpu, "no JIT before the first launch");
    tk_kernel *k;
    cr_assert_eq(tk_module_kernel(m, "axpy", &k), TK_OK);
    for (int64_t n = 0; n < 40; n += 13) {
        float x[40], y[40], z[40];
        for (int i = 0; i < n; i++)
            x[i] = (float)i, y[i] = 1;
        DLTensor xt = {.data = x, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLFloat, 32, 1}, .shape = &n};
        DLTensor yt = xt, zt = xt;
        yt.data = y, zt.data = z;
        const DLTensor *ins[3] = {NULL, &xt, &yt};
        DLTensor *outs[1] = {&zt};
        tk_scalar sc[3] = {{.dtype = {kDLFloat, 32, 1}, .value.f = 2}};
        tk_args args = {ins, sc, outs};
        cr_assert_eq(tk_launch(k, &args), TK_OK, "%s", tk_last_error());
        for (int i = 0; i < n; i++)
            cr_assert_eq(z[i], 2.0f * (float)i + 1.0f);
    }
    CpuStats s = cpu_backend_stats(ctx->cpu);
    cr_assert_eq(s.codegens, 1, "one compile serves every shape");
    tk_module_destroy(m);
    tk_context_destroy(ctx);
}
