/* tkc build's failure modes and the AOT entry points' launch errors: each
 * mistake gives the JIT's message; bad command lines give a clear error
 * and write nothing; a program linked with the object and libtk_rt alone
 * runs without LLVM or libtk. */
#include "aot/aot_util.h"

static const char SRC[] =
    "kernel layernorm(x: f32[N, D], g: f32[D], b: f32[D], eps: f32)\n"
    "    -> (y: f32[N, D], mean: f32[N], rstd: f32[N]) {\n"
    "  mean[n] = sum(x[n, d] for d) / f32(D);\n"
    "  var[n] = sum((x[n, d] - mean[n]) * (x[n, d] - mean[n]) for d) / f32(D);\n"
    "  rstd[n] = rsqrt(var[n] + eps);\n  y[n, d] = (x[n, d] - mean[n]) * rstd[n] * g[d] + b[d];\n}\n"
    "kernel pad1(x: f32[N], before: i64, after: i64) -> y: f32[before + N + after]\n"
    "    requires before >= 0, after >= 0 {\n"
    "  y[i] = x[i - before] ?? 0.0;\n}\n"
    "kernel pool(x: f32[H], k: i64, s: i64) -> y: f32[(H - k) / s + 1]\n"
    "    requires k >= 1, s >= 1, H >= k {\n"
    "  y[i] = max(x[i * s + r] for r in 0..k);\n}\n"
    "kernel at(x: f32[N], o: i64) -> y: f32[N] {\n  y[i] = x[i + o];\n}\n"
    "kernel scale<T>(x: T[N], a: T) -> y: T[N] {\n  y[i] = x[i] * a;\n}\n";

typedef struct Case {
    const char *kernel;
    const char *what;
    /* shapes of the arguments in order (-1 ends; rank 0 for a scalar) */
    int         ranks[7];
    int64_t     shapes[7][2];
    DType       dtypes[7];
    int64_t     iscalars[7];
    int         overlap;     /* output index (+1) that aliases input 0 */
    int         missing;     /* argument index (+1) passed as NULL */
} Case;

#define F DT_F32
static const Case CASES[] = {
    {"layernorm", "input dtype", {2, 1, 1, 0, 2, 1, 1}, {{3, 4}, {4}, {4},
     {0}, {3, 4}, {3}, {3}}, {DT_F64, F, F, F, F, F, F}, {0}, 0, 0},
    {"layernorm", "input rank", {1, 1, 1, 0, 2, 1, 1}, {{3}, {4}, {4}, {0}, {3, 4}, {3}, {3}}, {F, F, F, F, F, F, F}, {0}, 0, 0},
    {"layernorm", "dim mismatch", {2, 1, 1, 0, 2, 1, 1}, {{3, 4}, {5}, {4},
     {0}, {3, 4}, {3}, {3}}, {F, F, F, F, F, F, F}, {0}, 0, 0},
    {"layernorm", "output shape", {2, 1, 1, 0, 2, 1, 1}, {{3, 4}, {4}, {4},
     {0}, {3, 5}, {3}, {3}}, {F, F, F, F, F, F, F}, {0}, 0, 0},
    {"layernorm", "output dtype", {2, 1, 1, 0, 2, 1, 1}, {{3, 4}, {4}, {4},
     {0}, {3, 4}, {3}, {3}}, {F, F, F, F, DT_F16, F, F}, {0}, 0, 0},
    {"layernorm", "missing input", {2, 1, 1, 0, 2, 1, 1}, {{3, 4}, {4}, {4}, {0}, {3, 4}, {3}, {3}}, {F, F, F, F, F, F, F}, {0},
     0, 2},
    {"layernorm", "missing output", {2, 1, 1, 0, 2, 1, 1}, {{3, 4}, {4}, {4}, {0}, {3, 4}, {3}, {3}}, {F, F, F, F, F, F, F}, {0},
     0, 6},
    {"layernorm", "overlap", {2, 1, 1, 0, 2, 1, 1}, {{3, 4}, {4}, {4}, {0}, {3, 4}, {3}, {3}}, {F, F, F, F, F, F, F}, {0}, 1, 0},
    {"pad1", "requires", {1, 0, 0, 1}, {{5}, {0}, {0}, {4}}, {F, DT_I64, DT_I64, F}, {0, -1, 0}, 0, 0},
    {"pool", "requires with dims", {1, 0, 0, 1}, {{2}, {0}, {0}, {1}}, {F, DT_I64, DT_I64, F}, {0, 3, 1}, 0, 0},
    {"pool", "requires s", {1, 0, 0, 1}, {{6}, {0}, {0}, {1}}, {F, DT_I64, DT_I64, F}, {0, 2, 0}, 0, 0},
    {"at", "launch check", {1, 0, 1}, {{5}, {0}, {5}}, {F, DT_I64, F}, {0, 2}, 0, 0},
    {"scale", "type parameter", {1, 0, 1}, {{5}, {0}, {5}}, {F, F, DT_F64}, {0}, 0, 0},
    {"scale", "not built", {1, 0, 1}, {{5}, {0}, {5}}, {DT_I32, DT_I32, DT_I32}, {0}, 0, 0},
};

Test(aot_errors, launch_errors_match_the_jit, .timeout = 120)
{
    char *path = write_temp_file(SRC, strlen(SRC), ".tk");
    Prog *pr = prog_new(SRC);
    char dir[64];
    void *so = build(pr, path, "", dir);
    CpuBackend *be = backend_new();
    for (size_t c = 0; c < sizeof CASES / sizeof *CASES; c++) {
        const Case *cs = &CASES[c];
        KernelInfo *k = prog_kernel(pr, cs->kernel);
        uint32_t n = k->params.n + k->outputs.n;
        cr_assert_leq(n, 7, "%s: more arguments than a case holds", cs->kernel);
        Ten *t[7] = {0};
        DLTensor *args[7] = {0};
        TkScalarValue sc[7] = {{0}};
        int64_t isc[7] = {0};
        double fsc[7] = {0};
        for (uint32_t a = 0; a < n; a++) {
            bool scalar = a < k->params.n && !k->params.v[a].is_tensor;
            if (scalar) {
                sc[a].dtype = cs->dtypes[a];
                if (dtype_is_float(cs->dtypes[a]))
                    sc[a].u.f = fsc[a] = 0.5;
                else
                    sc[a].u.i = isc[a] = cs->iscalars[a], fsc[a] = (double)cs->iscalars[a];
                continue;
            }
            t[a] = ten_make(cs->dtypes[a], cs->ranks[a], cs->shapes[a], LAY_C);
            args[a] = &t[a]->dl;
        }
        if (cs->overlap)
            args[k->params.n + (uint32_t)cs->overlap - 1] = args[0];
        if (cs->missing)
            args[cs->missing - 1] = NULL;
        char sym[64], jerr[512];
        snprintf(sym, sizeof sym, "call_%s", cs->kernel);
        Thunk call = (Thunk)(uintptr_t)dlsym(so, sym);
        cr_assert(call);
        const char *msg = NULL;
        int rc = call(args, isc, fsc, &msg);
        cr_assert_neq(rc, 0, "%s: the AOT entry accepted it", cs->what);
        if (!strcmp(cs->what, "not built")) {   /* AOT only: an instantiation that was not built */
            cr_assert_str_eq(msg, "scale: not built for T = i32 (built for f32, f64; add it to tkc build --dtype "
                                  "T=...)");
        } else {
            LaunchArgs la = {args, sc, args + k->params.n};
            CpuCompileInfo ci;
            cr_assert_not(cpu_launch_compiled(be, pr, k, &la, &ci, jerr, sizeof jerr), "%s: the JIT accepted it", cs->what);
            cr_assert_str_eq(msg, jerr, "%s", cs->what);
        }
        for (uint32_t a = 0; a < n; a++)
            ten_free(t[a]);
    }
    cpu_backend_destroy(be);
    cleanup(so, dir);
    prog_free(pr);
    remove(path), free(path);
}

/* Runs `tkc build ARGS` in a fresh directory: the exit status must be 1,
 * the output must contain `want`, and the directory must stay empty. */
static void bad_build(const char *args, const char *want)
{
    char dir[] = "/tmp/tk_aot_bad_XXXXXX", cmd[2048], *out;
    cr_assert(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "cd %s && %s build %s", dir, TKC, args);
    int st = run_capture(cmd, &out);
    cr_assert_eq(st, 1, "%s: exit %d\n%s", cmd, st, out);
    cr_assert(strstr(out, want), "%s:\n%s\nwanted: %s", cmd, out, want);
    free(out);
    cr_assert_eq(rmdir(dir), 0, "tkc build %s left files behind in %s", args, dir);
}

Test(aot_errors, bad_command_lines_write_nothing, .timeout = 60)
{
    char args[1024];
    const char *sm = TK_SOURCE_DIR "/examples/softmax.tk";
    snprintf(args, sizeof args, "%s -k nosuch -o out", sm);
    bad_build(args, "tkc: error: build: no kernel named 'nosuch' in");
    snprintf(args, sizeof args, "%s", sm);
    bad_build(args, "tkc: error: build: say where to write with -o PREFIX");
    snprintf(args, sizeof args, "%s -o /nonexistent/dir/out", sm);
    bad_build(args, "tkc: error: build: cannot write '/nonexistent/dir/out.o': No such file or directory");
    snprintf(args, sizeof args, "%s -o out --cpu nosuchcpu", sm);
    bad_build(args, "tkc: error: build: unknown CPU 'nosuchcpu'");
    snprintf(args, sizeof args, "%s -o out --features +nosuchfeature", sm);
    bad_build(args, "tkc: error: build: unknown CPU feature in '+nosuchfeature'");
    snprintf(args, sizeof args, "%s -o my-kernels", sm);
    bad_build(args, "must be a C identifier");
    snprintf(args, sizeof args, "%s -o out --target npu", sm);
    bad_build(args, "tkc: error: build: --target npu: only cpu builds objects");
    snprintf(args, sizeof args, "%s -o out --dtype T=f33", sm);
    bad_build(args, "'f33' is not a dtype");
    bad_build("-o out", "tkc: error: build: no input file");
    char *path = write_temp_file(SRC, strlen(SRC), ".tk");
    snprintf(args, sizeof args, "%s -k scale -o out", path);
    bad_build(args, "tkc: error: build: kernel 'scale' is generic over T: say which dtypes to build with --dtype");
    const char *relu = "kernel relu<T>(x: T[...]) -> y: T[...] {\n  y[...] = max(x[...], T(0));\n}\n";
    char *rpath = write_temp_file(relu, strlen(relu), ".tk");
    snprintf(args, sizeof args, "%s -o out --dtype T=f32", rpath);
    bad_build(args, "tkc: error: build: kernel 'relu' has tensors of any rank (T[...])");
    const char *broken = "kernel k(x: f32[N]) -> y: f32[N] {\n  y[i] = x[i + 1];\n}\n";
    char *bpath = write_temp_file(broken, strlen(broken), ".tk");
    snprintf(args, sizeof args, "%s -o out", bpath);
    bad_build(args, "error:");
    remove(path), free(path), remove(rpath), free(rpath), remove(bpath), free(bpath);
}

/* A C program that links the object and libtk_rt, nothing else: runs, and
 * its dynamic section names neither LLVM nor libtk. */
Test(aot_errors, program_needs_only_libtk_rt, .timeout = 60)
{
    char dir[] = "/tmp/tk_aot_link_XXXXXX", cmd[4096], *out;
    cr_assert(mkdtemp(dir));
    const char *main_c =
        "#include <stdio.h>\n#include \"sm.h\"\n"
        "int main(void) {\n"
        "    float x[6] = {1, 2, 3, 4, 5, 6}, y[6];\n    int64_t xs[2] = {2, 3}, ys[2];\n"
        "    DLTensor X = {x, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, xs, NULL, 0};\n"
        "    if (sm_softmax_shapes(&X, ys)) return 2;\n"
        "    DLTensor Y = {y, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, ys, NULL, 0};\n"
        "    if (sm_softmax(&X, &Y)) { puts(tk_rt_last_error()); return 1; }\n"
        "    printf(\"%.4f %.4f\\n\", y[0], y[5]);\n    return 0;\n}\n";
    snprintf(cmd, sizeof cmd, "%s/main.c", dir);
    FILE *f = fopen(cmd, "w");
    cr_assert(f);
    fputs(main_c, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd %s && %s build %s/examples/softmax.tk -o sm && cc -std=c99 -Wall -Werror %s main.c sm.o -L%s "
             "-ltk_rt -lsleef -Wl,-rpath,%s -o prog && ./prog && readelf -d prog | grep NEEDED",
             dir, TKC, TK_SOURCE_DIR, TK_EXTRA_CFLAGS, TK_BINARY_DIR, TK_BINARY_DIR);
    int st = run_capture(cmd, &out);
    cr_assert_eq(st, 0, "%s\n%s", cmd, out);
    cr_assert(strstr(out, "0.0900 0.6652"), "%s", out);
    cr_assert(strstr(out, "libtk_rt.so"), "%s", out);
    cr_assert_null(strstr(out, "LLVM"), "%s", out);
    cr_assert_null(strstr(out, "libtk.so"), "%s", out);
    free(out);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}
