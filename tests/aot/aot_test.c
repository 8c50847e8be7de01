/* tkc build end to end: every kernel of docs/language.md and examples/ is
 * built ahead of time, linked with libtk_rt into a shared library together
 * with a C thunk per kernel (so the generated header is compiled, as C99
 * and as C++), and called on awkward shapes (0, 1, primes) and strided
 * layouts next to the JIT (bit-identical: the same CPU and options) and
 * the interpreter. Launch mistakes give the JIT's messages; an x86-64-v3
 * build runs here; a program linked with libtk_rt alone needs no LLVM. */
#include "aot/aot_util.h"

/* Whether AOT must match the JIT bit for bit (the same CPU and options). */
static bool exact = true;

static bool same_bits(DType t, const char *a, const char *b)
{
    return !memcmp(a, b, dtype_size(t)) ||
           (dtype_is_float(t) && isnan(val_load(t, a).f) && isnan(val_load(t, b).f));
}

/* One launch through the JIT, the AOT thunk and the interpreter. */
static void run_case(CpuBackend *be, Prog *pr, KernelInfo *k, Thunk call, DType tp, const int64_t *dims, int layout,
                     uint64_t seed)
{
    uint32_t np = k->params.n, no = k->outputs.n;
    Ten *in[16] = {0}, *ref[8] = {0}, *jit[8] = {0}, *aot[8] = {0};
    DLTensor *ins[16] = {0}, *refs[8] = {0}, *jits[8] = {0}, *args[24] = {0};
    TkScalarValue sc[16] = {{0}};
    int64_t isc[24] = {0};
    double fsc[24] = {0};
    uint64_t rng = seed;
    for (uint32_t i = 0; i < np; i++) {
        const ParamInfo *p = &k->params.v[i];
        DType t = p->dtype == DT_GENERIC ? tp : p->dtype;
        if (!p->is_tensor) {   /* floats 0.5, integers 1 (a valid stride, pad or window) */
            sc[i].dtype = t;
            if (dtype_is_float(t))
                sc[i].u.f = fsc[i] = 0.5;
            else
                sc[i].u.i = isc[i] = 1;
            if (p->dtype == DT_GENERIC)
                fsc[i] = dtype_is_float(t) ? 0.5 : 1;
            continue;
        }
        int64_t shape[TK_MAX_RANK];
        for (uint32_t a = 0; a < p->rank; a++) {
            int64_t c = 0;
            if (!sym_is_const(p->shape[a], &c))
                for (uint32_t d = 0; d < k->dims.n; d++)
                    if (k->dims.v[d].sym == p->shape[a])
                        c = dims[d];
            shape[a] = c;
        }
        in[i] = ten_make(t, (int)p->rank, shape, layout);
        ten_fill(in[i], &rng, false);
        ins[i] = args[i] = &in[i]->dl;
    }
    LaunchArgs la = {ins, sc, NULL};
    DType dt[8];
    int32_t rank[8];
    int64_t shapes[8][TK_MAX_RANK];
    char err[512], jerr[512];
    if (!interp_output_shapes(k, &la, dt, rank, shapes, err, sizeof err))
        goto done;   /* a shape error: the launch error tests cover these */
    for (uint32_t j = 0; j < no; j++) {
        if (dt[j] == DT_ERROR)
            dt[j] = tp;
        ref[j] = ten_make(dt[j], rank[j], shapes[j], LAY_C);
        jit[j] = ten_make(dt[j], rank[j], shapes[j], layout);
        aot[j] = ten_make(dt[j], rank[j], shapes[j], layout);
        refs[j] = &ref[j]->dl, jits[j] = &jit[j]->dl, args[np + j] = &aot[j]->dl;
    }
    LaunchArgs lr = {ins, sc, refs}, lj = {ins, sc, jits};
    bool ok_ref = interp_run(k, &lr, err, sizeof err);
    CpuCompileInfo ci;
    bool ok_jit = cpu_launch_compiled(be, pr, k, &lj, &ci, jerr, sizeof jerr);
    const char *msg = NULL;
    int rc = call(args, isc, fsc, &msg);
    cr_assert_eq(ok_jit, rc == 0, "%s: jit %s, aot %s", k->ast->name, ok_jit ? "ok" : jerr, msg);
    if (!ok_jit)
        cr_assert_str_eq(msg, jerr, "%s: the launch errors differ", k->ast->name);
    for (uint32_t j = 0; j < no && ok_jit && ok_ref; j++) {
        int64_t idx[TK_MAX_RANK] = {0};
        if (ten_numel(ref[j]) == 0)
            continue;
        double rtol = dt[j] == DT_F64 ? 1e-10 : dt[j] == DT_F32 ? 1e-4 : 2e-2;
        do {
            const char *a = ten_ptr(aot[j], idx), *b = ten_ptr(jit[j], idx);
            cr_assert(!exact || same_bits(dt[j], a, b), "%s<%s> output %s: aot and jit differ (layout %d, dims %lld %lld)",
                      k->ast->name, dtype_name(tp), k->outputs.v[j].name, layout, (long long)dims[0],
                      (long long)dims[1]);
            Val va = val_load(dt[j], a), vr = val_load(dt[j], ten_ptr(ref[j], idx));
            cr_assert(vals_close(dt[j], va, vr, rtol, rtol), "%s output %s: aot %g, interpreter %g",
                      k->ast->name, k->outputs.v[j].name, va.f, vr.f);
        } while (ten_next(ref[j], idx));
    }
done:
    for (uint32_t i = 0; i < np; i++)
        ten_free(in[i]);
    for (uint32_t j = 0; j < no; j++)
        ten_free(ref[j]), ten_free(jit[j]), ten_free(aot[j]);
}

static const int64_t SIZES[] = {1, 3, 7, 13, 0, 17, 2};

/* Every lowerable kernel of the file: built, then compared on shapes and layouts. */
static int check_file(CpuBackend *be, const char *path, const char *flags)
{
    char *src = read_text_file(path, NULL);
    cr_assert(src, "%s", path);
    Prog *pr = prog_new(src);
    char dir[64];
    void *so = build(pr, path, flags, dir);
    int n = 0;
    AstModule *root = pr->p->modules.v[pr->p->modules.n - 1];
    for (uint32_t i = 0; i < root->items.n; i++) {
        if (root->items.v[i].kind != ITEM_KERNEL)
            continue;
        KernelInfo *k = root->items.v[i].u.kernel->info;
        if (!pipeline_lowerable(k) || !in_root(pr, k))
            continue;
        char sym[128];
        snprintf(sym, sizeof sym, "call_%s", k->ast->name);
        Thunk call = (Thunk)(uintptr_t)dlsym(so, sym);
        cr_assert(call, "%s", sym);
        DType tps[3] = {DT_ERROR, DT_ERROR, 0};
        uint32_t ntp = 1;
        if (k->ast->tparams.n)
            tps[0] = DT_F32, tps[1] = DT_F64, ntp = 2;
        for (uint32_t t = 0; t < ntp; t++)
            for (size_t c = 0; c < sizeof SIZES / sizeof *SIZES; c++) {
                int64_t dims[8];
                for (uint32_t d = 0; d < 8; d++)
                    dims[d] = SIZES[(c + d) % (sizeof SIZES / sizeof *SIZES)];
                run_case(be, pr, k, call, tps[t], dims, c % 2 ? LAY_PAD : LAY_C, 100 + c);
            }
        n++;
    }
    cleanup(so, dir);
    prog_free(pr);
    free(src);
    return n;
}

Test(aot, every_kernel_of_language_md, .timeout = 120)
{
    CpuBackend *be = backend_with(false); /* the default numerics policy, as tkc build */
    char *doc = read_text_file(TK_SOURCE_DIR "/docs/language.md", NULL);
    cr_assert(doc);
    int kernels = 0;
    for (char *p = strstr(doc, "```tk\n"); p; p = strstr(p, "```tk\n")) {
        char *body = p + 6, *end = strstr(body, "```");
        cr_assert(end);
        char *path = write_temp_file(body, (size_t)(end - body), ".tk");
        if (strstr(body, "kernel "))
            kernels += check_file(be, path, "");
        remove(path), free(path);
        p = end + 3;
    }
    cr_assert_gt(kernels, 20);
    free(doc);
    cpu_backend_destroy(be);
}

Test(aot, every_kernel_of_examples, .timeout = 120)
{
    CpuBackend *be = backend_with(false); /* the default numerics policy, as tkc build */
    size_t n;
    char **files = list_files(TK_SOURCE_DIR "/examples", ".tk", &n);
    cr_assert_geq(n, 4);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/examples/%s", TK_SOURCE_DIR, files[i]);
        cr_assert_gt(check_file(be, path, ""), 0, "%s", path);
        free(files[i]);
    }
    free(files);
    cpu_backend_destroy(be);
}

/* Another CPU than this one (AVX2, no AVX-512): runs here, agrees with the
 * interpreter (not necessarily bit for bit with this host's JIT). */
Test(aot, x86_64_v3_build_runs_here, .timeout = 120)
{
    CpuBackend *be = backend_with(false); /* the default numerics policy, as tkc build */
    exact = false;
    cr_assert_gt(check_file(be, TK_SOURCE_DIR "/examples/softmax.tk", "--cpu x86-64-v3"), 0);
    cr_assert_gt(check_file(be, TK_SOURCE_DIR "/examples/matmul.tk", "--cpu x86-64-v3"), 0);
    cpu_backend_destroy(be);
}
