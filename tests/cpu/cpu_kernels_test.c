/* Every kernel of the interpreter's test set (docs/language.md's kernels and
 * the semantics suite) compiled for the CPU and compared with the
 * interpreter: shapes 1, primes, non-multiples of 8 and 16, a larger one and
 * zero; row-major, Fortran-order and padded (strided, offset) tensors; the
 * dtypes each kernel supports; special float values. One compiled
 * instantiation serves every shape and layout (the in-process cache). */
#include "cpu/cpu_util.h"

typedef struct Spec {
    const char *src, *name;
    DType       tparams[12];  /* instantiations of a generic kernel; {0} when not generic */
    const char *scalars;      /* "eps=1e-5,o=2": values of scalar parameters (default 0.5 / 1) */
    int64_t     big;          /* the largest size tried for every dim */
    bool        math;         /* uses exp/log/...: compare within the f32 tolerance, not bit-exactly */
} Spec;

static const int64_t SIZES[] = {1, 2, 3, 7, 13, 17, 31, 0};

/* The value of a scalar parameter from "name=value,...". */
static TkScalarValue scalar_value(const Spec *s, const ParamInfo *p, DType t)
{
    TkScalarValue v = {.dtype = t};
    const char *at = s->scalars ? strstr(s->scalars, p->name) : NULL;
    double d = dtype_is_float(t) ? 0.5 : 1;
    if (at && at[strlen(p->name)] == '=')
        d = strtod(at + strlen(p->name) + 1, NULL);
    if (dtype_is_float(t))
        v.u.f = d;
    else
        v.u.i = (int64_t)d;
    return v;
}

/* One launch on both targets with dims[] and the layout; compares. */
/* tol: the tolerance of a `math` spec is scaled by it. */
static void run_case(CpuBackend *be, Prog *pr, KernelInfo *k, const Spec *s, double tol, DType tp, const int64_t *dims,
                     int layout, uint64_t seed, bool special)
{
    uint32_t np = k->params.n, no = k->outputs.n;
    Ten *in[16] = {0}, *ref[8] = {0}, *got[8] = {0};
    DLTensor *ins[16] = {0}, *refs[8] = {0}, *gots[8] = {0};
    TkScalarValue sc[16] = {{0}};
    uint64_t rng = seed;
    for (uint32_t i = 0; i < np; i++) {
        const ParamInfo *p = &k->params.v[i];
        DType t = p->dtype == DT_GENERIC ? tp : p->dtype;
        if (!p->is_tensor) {
            sc[i] = scalar_value(s, p, t);
            continue;
        }
        int64_t shape[TK_MAX_RANK];
        for (uint32_t a = 0; a < p->rank; a++) {
            int64_t c;
            if (!sym_is_const(p->shape[a], &c))
                for (uint32_t d = 0; d < k->dims.n; d++)
                    if (k->dims.v[d].sym == p->shape[a])
                        c = dims[d];
            shape[a] = c;
        }
        in[i] = ten_make(t, (int)p->rank, shape, layout);
        ten_fill(in[i], &rng, special);
        ins[i] = &in[i]->dl;
    }
    LaunchArgs la = {ins, sc, NULL};
    DType dt[8];
    int32_t rank[8];
    int64_t shapes[8][TK_MAX_RANK];
    char err[512], err2[512];
    bool shaped = interp_output_shapes(k, &la, dt, rank, shapes, err, sizeof err);
    for (uint32_t j = 0; j < no && shaped; j++) {
        if (dt[j] == DT_ERROR)
            dt[j] = tp;
        ref[j] = ten_make(dt[j], rank[j], shapes[j], LAY_C);
        got[j] = ten_make(dt[j], rank[j], shapes[j], layout);
        refs[j] = &ref[j]->dl, gots[j] = &got[j]->dl;
    }
    if (shaped) {
        LaunchArgs lr = {ins, sc, refs}, lg = {ins, sc, gots};
        bool ok_ref = interp_run(k, &lr, err, sizeof err);
        CpuCompileInfo ci;
        bool ok_got = cpu_launch_compiled(be, pr, k, &lg, &ci, err2, sizeof err2);
        cr_assert_eq(ok_ref, ok_got, "%s: interpreter %s, cpu %s", s->name, ok_ref ? "ok" : err,
                     ok_got ? "ok" : err2);
        if (!ok_ref)
            cr_assert_str_eq(err, err2, "%s: the launch errors differ", s->name);
        for (uint32_t j = 0; j < no && ok_ref; j++) {
            int64_t idx[TK_MAX_RANK] = {0};
            if (ten_numel(ref[j]) == 0)
                continue;
            double rtol = 0, atol = 0;
            if (s->math)
                rtol = tol * (dt[j] == DT_F64 ? 1e-12 : dt[j] == DT_F32 ? 1e-5 : dt[j] == DT_F16 ? 2e-3 : 1.6e-2),
                atol = rtol * 0.1;
            do {
                Val a = val_load(dt[j], ten_ptr(got[j], idx)), b = val_load(dt[j], ten_ptr(ref[j], idx));
                if (!vals_close(dt[j], a, b, rtol, atol))
                    cr_assert_fail("%s<%s> output %s differs at flat index %lld (layout %d, dims %lld %lld %lld): "
                                   "cpu %.9g / %lld, interp %.9g / %lld", s->name, dtype_name(tp),
                                   k->outputs.v[j].name, (long long)idx[0], layout, (long long)dims[0],
                                   (long long)dims[1], (long long)dims[2], a.f, (long long)a.i, b.f, (long long)b.i);
            } while (ten_next(ref[j], idx));
        }
    } else {
        /* A shape error (an output dim < 0): the cpu path reports the same. */
        LaunchArgs lg = {ins, sc, gots};
        CpuCompileInfo ci;
        cr_assert_not(cpu_launch_compiled(be, pr, k, &lg, &ci, err2, sizeof err2), "%s: %s", s->name, err);
    }
    for (uint32_t i = 0; i < np; i++)
        ten_free(in[i]);
    for (uint32_t j = 0; j < no; j++)
        ten_free(ref[j]), ten_free(got[j]);
}

/* tol: scales the tolerance of a `math` spec; specials: also run with
 * special float values (check_fma below). */
static void check_with(const Spec *s, double tol, bool specials)
{
    Prog *pr = prog_new(s->src);
    KernelInfo *k = launch_find_kernel(pr->p, s->name);
    cr_assert(k, "no kernel %s", s->name);
    CpuBackend *be = backend_new();
    DType none[2] = {DT_ERROR, 0};
    const DType *tps = s->tparams[0] ? s->tparams : none;
    size_t nsizes = sizeof SIZES / sizeof *SIZES;
    for (const DType *tp = tps; *tp; tp++) {
        uint64_t codegens = cpu_backend_stats(be).codegens;
        for (size_t c = 0; c <= nsizes; c++) {
            int64_t dims[8];
            for (uint32_t d = 0; d < k->dims.n && d < 8; d++)
                dims[d] = c == nsizes ? s->big - (int64_t)d : SIZES[(c + d) % nsizes];
            for (uint32_t d = k->dims.n; d < 8; d++)
                dims[d] = 0;
            for (int layout = 0; layout < LAY__COUNT; layout++)
                run_case(be, pr, k, s, tol, *tp, dims, layout, 1000 * c + (uint64_t)layout, false);
            if (specials)
                run_case(be, pr, k, s, tol, *tp, dims, LAY_C, 77 + c, true);
        }
        cr_assert_leq(cpu_backend_stats(be).codegens, codegens + 1, "one compile serves every shape");
    }
    cpu_backend_destroy(be);
    prog_free(pr);
}

static void check(const Spec *s) { check_with(s, 1, true); }

/* Kernels computed with fused multiply-adds (cg_contract_fma), compared
 * within 100 times the f32/f64 tolerance (f32: 1e-3 relative, 1e-4
 * absolute, about K * eps * max|a * b| for the K <= 140 and |x| <= 2 of
 * these tests), and without special values, since a fused
 * multiply-add never overflows in its product (inf + huge * huge is inf
 * where separate operations give NaN; both IEEE, not comparable element
 * by element). */
static void check_fma(const Spec *s) { check_with(s, 100, false); }

#define FLOATS {DT_F32, DT_F64, DT_F16, DT_BF16}
#define NUMBERS {DT_F32, DT_F64, DT_F16, DT_BF16, DT_I32, DT_I8, DT_I16, DT_I64, DT_U8, DT_U16, DT_U32, DT_U64}
#define INTS {DT_I32, DT_I8, DT_I16, DT_I64, DT_U8, DT_U16, DT_U32, DT_U64}

static const Spec DOC[] = {
    {"kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n  m[n] = max(x[n, d] for d);\n"
     "  e[n, d] = exp(x[n, d] - m[n]);\n  s[n] = sum(e[n, d] for d);\n  y[n, d] = e[n, d] / s[n];\n}\n",
     "softmax", {0}, NULL, 67, true},
    {"kernel layernorm(x: f32[N, D], g: f32[D], b: f32[D], eps: f32)\n"
     "    -> (y: f32[N, D], mean: f32[N], rstd: f32[N]) {\n"
     "  mean[n] = sum(x[n, d] for d) / f32(D);\n"
     "  var[n] = sum((x[n, d] - mean[n]) * (x[n, d] - mean[n]) for d) / f32(D);\n"
     "  rstd[n] = rsqrt(var[n] + eps);\n  y[n, d] = (x[n, d] - mean[n]) * rstd[n] * g[d] + b[d];\n}\n",
     "layernorm", {0}, "eps=1e-5", 67, false},
    {"kernel bias_relu(x: f32[N, D], b: f32[D]) -> y: f32[N, D] {\n  y[n, d] = max(x[n, d] + b[d], 0.0);\n}\n",
     "bias_relu", {0}, NULL, 100, false},
    {"kernel mix(a: f16[N], b: f32[N]) -> y: f32[N] {\n  y[i] = f32(a[i]) * b[i];\n}\n", "mix", {0}, NULL, 1000,
     false},
    {"kernel threshold(x: f32[N], t: f32) -> y: f32[N] {\n  y[i] = select(x[i] > t && x[i] < 2.0 * t, x[i], 0.0);\n}\n",
     "threshold", {0}, "t=0.3", 1000, false},
    {"kernel pool2x2(x: f32[H, W]) -> y: f32[H / 2, W / 2] {\n"
     "  y[i, j] = max(max(x[2 * i, 2 * j], x[2 * i, 2 * j + 1]),\n"
     "                max(x[2 * i + 1, 2 * j], x[2 * i + 1, 2 * j + 1]));\n}\n",
     "pool2x2", {0}, NULL, 67, false},
    {"kernel valid_conv1d(x: f32[L], w: f32[R]) -> y: f32[L - R + 1] {\n  y[i] = sum(x[i + r] * w[r] for r);\n}\n",
     "valid_conv1d", {0}, NULL, 300, false},
    {"kernel transpose(x: f32[M, N]) -> y: f32[N, M] {\n  y[j, i] = x[i, j];\n}\n", "transpose", {0}, NULL, 67,
     false},
    {"kernel axpy<T>(a: T, x: T[N], y: T[N]) -> z: T[N] {\n  z[i] = a * x[i] + y[i];\n}\n", "axpy", NUMBERS,
     "a=3", 1000, false},
    {"kernel shift(x: f32[N]) -> y: f32[N] {\n  y[i] = x[i + 1] ?? 0.0;\n}\n", "shift", {0}, NULL, 1000, false},
    {"kernel stencil3(x: f32[N]) -> y: f32[N] {\n"
     "  y[i] = 0.25 * (x[i - 1] ?? 0.0) + 0.5 * x[i] + 0.25 * (x[i + 1] ?? 0.0);\n}\n",
     "stencil3", {0}, NULL, 1000, false},
    {"kernel conv2d(x: f32[C, H, W], wt: f32[F, C, 3, 3]) -> y: f32[F, H, W] {\n"
     "  y[f, h, w] = sum((x[c, h + r - 1, w + s - 1] ?? 0.0) * wt[f, c, r, s]\n"
     "                   for c, r in 0..3, s in 0..3);\n}\n",
     "conv2d", {0}, NULL, 12, false},
    {"kernel matmul(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n  c[i, j] = sum(a[i, k] * b[k, j] for k);\n}\n",
     "matmul", {0}, NULL, 40, false},
    {"kernel total(x: f32[N, D]) -> s: f32 {\n  s = sum(x[n, d] for n, d);\n}\n", "total", {0}, NULL, 67, false},
    {"kernel attention(q: f32[S, E], k: f32[T, E], v: f32[T, E]) -> o: f32[S, E] {\n"
     "  sc[i, j] = sum(q[i, e] * k[j, e] for e) * rsqrt(f32(E));\n  mx[i] = max(sc[i, j] for j);\n"
     "  p[i, j] = exp(sc[i, j] - mx[i]);\n  z[i] = sum(p[i, j] for j);\n"
     "  o[i, e] = sum(p[i, j] * v[j, e] for j) / z[i];\n}\n",
     "attention", {0}, NULL, 24, true},
    {"fn gelu(x: f32) -> f32 = 0.5 * x * (1.0 + erf(x * 0.70710678));\n"
     "kernel gelu_rows(x: f32[N, D]) -> y: f32[N, D] {\n  y[n, d] = gelu(x[n, d]);\n}\n",
     "gelu_rows", {0}, NULL, 67, true},
    {"kernel rowsum(x: f32[N, D]) -> y: f32[N] {\n  y[n] = sum(x[n, d] for d);\n}\n"
     "schedule rowsum for cpu {\n  y.split(d, 16, dO, dI);\n  yf = y.rfactor(dI, lane);\n"
     "  yf.vectorize(lane);\n  y.parallel(n);\n}\n",
     "rowsum", {0}, NULL, 100, false},
};

static const Spec SEMANTICS[] = {
    {"kernel d<T>(a: T[N], b: T[N]) -> (q: T[N], r: T[N]) {\n q[i] = a[i] / b[i];\n r[i] = a[i] % b[i];\n}\n", "d",
     NUMBERS, NULL, 500, false},
    {"kernel w<T>(a: T[N]) -> y: T[N] {\n y[i] = a[i] * T(100) - T(1) + (-a[i]) * a[i];\n}\n", "w", NUMBERS, NULL,
     500, false},
    {"kernel c(x: f32[N], s: f32) -> (i: i32[N], u: u8[N], b: bool[N], h: f16[N], g: bf16[N], d: f64[N],\n"
     "    l: i64[N], e: i8[N]) {\n i[j] = i32(x[j] * s);\n u[j] = u8(x[j] * s);\n b[j] = bool(x[j]);\n"
     " h[j] = f16(x[j] * s);\n g[j] = bf16(x[j] * s);\n d[j] = f64(x[j]);\n l[j] = i64(x[j] * s);\n"
     " e[j] = i8(x[j] * s);\n}\n",
     "c", {0}, "s=1e5", 500, false},
    {"kernel ci(x: i64[N], y: f64[N]) -> (a: f32[N], b: f16[N], c: bf16[N], d: i8[N], e: u8[N], f: f16[N], g: bf16[N],\n"
     "    h: i32[N], k: f32[N]) {\n a[i] = f32(x[i] * 1234567891);\n b[i] = f16(x[i] * 1001);\n"
     " c[i] = bf16(x[i] * 100000003);\n d[i] = i8(x[i] * 37);\n e[i] = u8(x[i] * 37);\n"
     " f[i] = f16(y[i] * 1000.0);\n g[i] = bf16(y[i] * 1e30);\n h[i] = i32(y[i] * 1e9);\n k[i] = f32(y[i] / 3.0);\n}\n",
     "ci", {0}, NULL, 500, false},
    {"kernel h(a: f16[N], b: f16[N]) -> (y: f16[N], z: f16[N], w: f32[N]) {\n"
     " t[i] = a[i] + b[i];\n y[i] = a[i] + b[i] + b[i];\n z[i] = t[i] + b[i];\n w[i] = f32(a[i] + b[i]);\n}\n",
     "h", {0}, NULL, 500, false},
    {"fn sq(v: f32) -> f32 = v * v;\nfn f(a: f32, b: f32) -> f32 = sq(a) - sq(b) + a;\n"
     "kernel k(x: f32[N]) -> (y: f32[N], b: bool[N], c: f32[N]) {\n"
     " y[i] = f(x[i], 2.0);\n b[i] = x[i] > 0.75 || x[i] < -1.5;\n c[i] = sum(x[j] for j in 0..i + 1);\n}\n",
     "k", {0}, NULL, 100, false},
    {"kernel s(x: f32[N], o: i64) -> y: f32[N] {\n y[i] = x[i + o] ?? -1.0;\n}\n", "s", {0}, "o=-2", 100, false},
    {"kernel s2(x: f32[N], o: i64) -> y: f32[N] {\n y[i] = x[i + o] ?? -1.0;\n}\n", "s2", {0}, "o=3", 100, false},
    {"kernel red<T>(x: T[N, D]) -> (s: T[N], mx: T[N], mn: T[N], pr: T[N], t: T) {\n"
     "  s[n] = sum(x[n, d] for d);\n  mx[n] = max(x[n, d] for d);\n"
     "  mn[n] = min(x[n, d] for d);\n  pr[n] = prod(x[n, d] for d);\n  t = sum(x[n, d] for n, d);\n}\n",
     "red", NUMBERS, NULL, 67, false},
    {"kernel m<T>(x: T[N], y: T[N]) -> (a: T[N], b: T[N], c: T[N], d: T[N], e: T[N], f: T[N], g: T[N], h: T[N]) {\n"
     " a[i] = exp(x[i]);\n b[i] = log(y[i]);\n c[i] = sqrt(y[i]) + rsqrt(x[i]);\n d[i] = tanh(x[i]) + erf(y[i]);\n"
     " e[i] = sigmoid(x[i]);\n f[i] = floor(x[i]) + ceil(y[i]) * round(x[i]);\n g[i] = pow(x[i], y[i]);\n"
     " h[i] = x[i] % y[i];\n}\n",
     "m", FLOATS, NULL, 1000, true},
    {"kernel n<T>(x: T[N], y: T[N]) -> (a: T[N], b: T[N], c: T[N], d: bool[N], e: bool[N]) {\n"
     " a[i] = abs(x[i]);\n b[i] = max(x[i], y[i]) - min(x[i], y[i]);\n c[i] = clamp(x[i], T(-3), T(4));\n"
     " d[i] = x[i] < y[i] && !(x[i] == y[i]) || x[i] >= y[i] && x[i] != y[i];\n e[i] = x[i] <= y[i];\n}\n",
     "n", NUMBERS, NULL, 1000, false},
};

Test(cpu_kernels, docs_language_md)
{
    for (size_t i = 0; i < sizeof DOC / sizeof *DOC; i++)
        check(&DOC[i]);
}

Test(cpu_kernels, semantics)
{
    for (size_t i = 0; i < sizeof SEMANTICS / sizeof *SEMANTICS; i++)
        check(&SEMANTICS[i]);
}

/* examples/matmul.tk's schedule (k split by 128 instead of 256, so the
 * shapes below have whole tiles): tensorize(ii, gemm) with the edge kernel
 * for tiles with unit column strides (masked columns, clamped rows, the k
 * tail a loop bound), emitted as vector code with fused multiply-adds
 * (cg_contract_fma: within the f32/f64 tolerance, not bit-exact), and the
 * guarded path for the rest. The largest shape (140 x 139 x 138) has whole
 * 6 x 64 x 128 tiles and tails; the Fortran-order layout takes the guarded
 * path everywhere. (f16 and bf16 sums are held in an f32 temporary, which
 * the reorder cannot cross.) */
static const Spec TENSORIZED[] = {
    {.src = "kernel mm<T>(a: T[M, K], b: T[K, N]) -> c: T[M, N] {\n  c[i, j] = sum(a[i, k] * b[k, j] for k);\n}\n"
            "schedule mm for cpu {\n  c.tile(i, j, 6, 64, io, jo, ii, ji);\n  c.split(k, 128, ko, ki);\n"
            "  c.reorder(jo, ko, io, ii, ki, ji);\n  c.parallel(jo);\n  c.tensorize(ii, gemm);\n}\n",
     .name = "mm", .tparams = {DT_F32, DT_F64}, .big = 140, .math = true},
    {.src = "kernel mm2(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] {\n  c[i, j] = sum(a[i, k] * b[k, j] for k);\n}\n"
            "schedule mm2 for cpu {\n  c.tile(i, j, 4, 16, io, jo, ii, ji);\n  c.split(k, 8, ko, ki);\n"
            "  c.reorder(io, jo, ko, ii, ki, ji);\n  c.parallel(io);\n  c.tensorize(ii, gemm);\n}\n",
     .name = "mm2", .big = 40, .math = true},
};

Test(cpu_kernels, tensorized_matmul)
{
    for (size_t i = 0; i < sizeof TENSORIZED / sizeof *TENSORIZED; i++)
        check_fma(&TENSORIZED[i]);
}

/* Issue 9: an empty output in one kernel once became an always-false premise
 * of every proof in the file, so copy's vectorised loop lost its tail guard
 * and wrote 16 floats into a 5-float output. Every kernel of the file runs
 * (under ASan in the sanitizer build) on every size, 0 included. */
#define EMPTY_FILE                                                                  \
    "kernel copy(x: f32[N]) -> y: f32[N] { y[i] = x[i]; }\n"                        \
    "kernel empty(x: f32[N]) -> y: f32[0] { y[i] = x[i]; }\n"                       \
    "kernel empty2(x: f32[N]) -> y: f32[N - N] { y[i] = x[i]; }\n"                  \
    "kernel first(x: f32[N]) -> (y: f32[N], s: f32) { y[i] = x[i]; s = x[0] ?? -1.0; }\n"
static const Spec EMPTY_DOMAINS[] = {
    {EMPTY_FILE, "copy", {0}, NULL, 1000, false},
    {EMPTY_FILE, "empty", {0}, NULL, 1000, false},
    {EMPTY_FILE, "empty2", {0}, NULL, 1000, false},
    {EMPTY_FILE, "first", {0}, NULL, 1000, false},
};

Test(cpu_kernels, empty_domains_prove_nothing_elsewhere)
{
    for (size_t i = 0; i < sizeof EMPTY_DOMAINS / sizeof *EMPTY_DOMAINS; i++)
        check(&EMPTY_DOMAINS[i]);
}

/* Issue 9 section 3: operator kernels whose accesses are proved without
 * `??`: modulo and division by a dim that may be 0, select conditions
 * (the loads they guard are predicated, since the CPU computes both sides),
 * abs of an index. Every size includes 0 and 1 for every dim. */
#define OPERATOR_FILE                                                                                     \
    "kernel concat(a: f32[A], b: f32[B]) -> y: f32[A + B] { y[i] = select(i < A, a[i], b[i - A]); }\n"    \
    "kernel concat3(a: f32[A], b: f32[B], c: f32[C]) -> y: f32[A + B + C] {\n"                            \
    "    y[i] = select(i < A, a[i], select(i - A < B, b[i - A], c[i - A - B]));\n"                        \
    "}\n"                                                                                                 \
    "kernel tile(x: f32[N], r: f32[R]) -> y: f32[R * N] { y[i] = x[i % N] + 0.0 * r[i / N]; }\n"          \
    "kernel flatten(x: f32[H, W]) -> y: f32[H * W] { y[i] = x[i / W, i % W]; }\n"                         \
    "kernel space_to_depth(x: f32[C, H, W]) -> y: f32[C * 4, H / 2, W / 2] {\n"                           \
    "    y[c2, h, w] = x[c2 / 4, h * 2 + c2 % 4 / 2, w * 2 + c2 % 2];\n"                                  \
    "}\n"                                                                                                 \
    "kernel upsample(x: f32[C, H, W], s: f32[S]) -> y: f32[C, H * S, W * S] {\n"                          \
    "    y[c, h, w] = x[c, h / S, w / S];\n"                                                              \
    "}\n"                                                                                                 \
    "kernel mirror(x: f32[N]) -> y: f32[N] { y[i] = x[abs(N - 1 - i)]; }\n"                               \
    "kernel shift_in(x: f32[N]) -> y: f32[N] { y[i] = select(i >= 1 && i <= N - 1, x[i - 1], 0.0); }\n" \
    "kernel rising(x: f32[N]) -> y: bool[N] { y[i] = i >= 1 && x[i - 1] < x[i]; }\n"                     \
    "kernel falling(x: f32[N]) -> y: bool[N] { y[i] = i < 1 || x[i - 1] > x[i]; }\n"
static const Spec OPERATORS[] = {
    {OPERATOR_FILE, "concat", {0}, NULL, 1000, false},
    {OPERATOR_FILE, "concat3", {0}, NULL, 1000, false},
    {OPERATOR_FILE, "tile", {0}, NULL, 300, false},
    {OPERATOR_FILE, "flatten", {0}, NULL, 300, false},
    {OPERATOR_FILE, "space_to_depth", {0}, NULL, 40, false},
    {OPERATOR_FILE, "upsample", {0}, NULL, 12, false},
    {OPERATOR_FILE, "mirror", {0}, NULL, 1000, false},
    {OPERATOR_FILE, "shift_in", {0}, NULL, 1000, false},
    {OPERATOR_FILE, "rising", {0}, NULL, 1000, false},
    {OPERATOR_FILE, "falling", {0}, NULL, 1000, false},
};

Test(cpu_kernels, operators_without_defaults)
{
    for (size_t i = 0; i < sizeof OPERATORS / sizeof *OPERATORS; i++)
        check(&OPERATORS[i]);
}

/* argmax/argmin (docs/semantics.md, "Arg-reductions"): compiled against the
 * interpreter on every dtype (integers in [-8, 8] tie often; the special
 * inputs mix in NaN, infinities and signed zeros), with several variables,
 * explicit ranges, nested in a larger expression, and under schedules that
 * vectorize the pure loop or reorder, split and unroll the reduction loops
 * (the position tie-break keeps the first index whatever the visiting order). */
#define ARG_KERNELS                                                                                   \
    "kernel arg<T>(x: T[N, K]) -> (a: i64[N], b: i64[N], c: i64, d: i32[K], e: i64[N]) {\n"            \
    "  a[n] = argmax(x[n, k] for k);\n  b[n] = argmin(x[n, k] for k);\n"                              \
    "  c = argmax(x[n, k] for n, k);\n  d[k] = i32(argmin(x[n, k] for n) + argmax(x[n, k] for n));\n" \
    "  e[n] = argmax(x[n, k] for k in 1..K);\n}\n"
static const Spec ARG_REDUCTIONS[] = {
    {ARG_KERNELS, "arg", NUMBERS, NULL, 40, false},
    {"kernel cols(x: f32[K, N]) -> y: i64[N] { y[i] = argmin(x[k, i] for k); }\n"
     "schedule cols for cpu { y.vectorize(i, 8); }\n", "cols", {0}, NULL, 40, false},
    {"kernel grid(x: i8[A, B, C]) -> y: i64[A] { y[a] = argmax(x[a, b, c] for b, c); }\n"
     "schedule grid for cpu { y.reorder(a, c, b); y.split(b, 3, bo, bi); y.unroll(bi); y.parallel(a); }\n",
     "grid", {0}, NULL, 20, false},
    {"kernel hardmax(x: f32[N, D]) -> y: f32[N, D] {\n  m[n] = argmax(x[n, d] for d);\n"
     "  y[n, d] = select(m[n] == d, 1.0, 0.0);\n}\n"
     "schedule hardmax for cpu { m.compute_at(y, n); y.vectorize(d, 8); y.parallel(n); }\n",
     "hardmax", {0}, NULL, 40, false},
};

Test(cpu_kernels, arg_reductions)
{
    for (size_t i = 0; i < sizeof ARG_REDUCTIONS / sizeof *ARG_REDUCTIONS; i++)
        check(&ARG_REDUCTIONS[i]);
}

/* Integer scalars in output dims and indices, with the requires clause the
 * prover assumes; sizes below k make the launch fail the same way on both. */
#define PAD_POOL                                                                        \
    "kernel pad1(x: f32[N], before: i64, after: i64) -> y: f32[before + N + after]\n"    \
    "    requires before >= 0, after >= 0 {\n  y[i] = x[i - before] ?? 0.0;\n}\n"        \
    "kernel pool(x: f32[H], k: i64, s: i64) -> (y: f32[(H - k) / s + 1], at: i64[(H - k) / s + 1])\n" \
    "    requires k >= 1, s >= 1, H >= k {\n  y[i] = max(x[i * s + r] for r in 0..k);\n"  \
    "  at[i] = argmax(x[i * s + r] for r in 0..k);\n}\n"
static const Spec SCALAR_DIMS[] = {
    {PAD_POOL, "pad1", {0}, "before=3,after=2", 100, false},
    {PAD_POOL, "pad1", {0}, "before=0,after=17", 100, false},
    {PAD_POOL, "pool", {0}, "k=3,s=2", 100, false},
    {PAD_POOL, "pool", {0}, "k=1,s=1", 100, false},
    {PAD_POOL, "pool", {0}, "k=2,s=5", 100, false},
};

Test(cpu_kernels, scalar_dims_and_requires)
{
    for (size_t i = 0; i < sizeof SCALAR_DIMS / sizeof *SCALAR_DIMS; i++)
        check(&SCALAR_DIMS[i]);
}

/* Bulk copies (SK_COPY, made by cache_read / cache_write): a row memcpy
 * when both sides have unit stride there, a strided element loop when not
 * (the Fortran-order and padded layouts), tails of tiles by their extents;
 * every dtype's memory form, bool and f16 included. */
static const Spec BULK_COPIES[] = {
    {"kernel twice<T>(x: T[M, N]) -> y: T[M, N] { y[i, j] = x[i, j] + x[i, j]; }\n"
     "schedule twice for cpu { t = x.cache_read(local); }\n",
     "twice", {DT_F32, DT_F64, DT_F16, DT_I8, DT_I64}, NULL, 40, false},
    {"kernel flip(x: bool[M, N]) -> y: bool[M, N] { y[i, j] = !x[i, j]; }\n"
     "schedule flip for cpu { t = y.cache_write(local); }\n",
     "flip", {0}, NULL, 40, false},
    {"kernel mm(a: f32[M, K], b: f32[K, N]) -> c: f32[M, N] { c[i, j] = sum(a[i, k] * b[k, j] for k); }\n"
     "schedule mm for cpu {\n  c.tile(i, j, 8, 16, io, jo, ii, ji);\n  c.split(k, 8, ko, ki);\n"
     "  c.reorder(io, jo, ko, ii, ki, ji);\n  pa = a.cache_read(local);\n  pa.compute_at(c, ko);\n"
     "  pa.double_buffer();\n}\n",
     "mm", {0}, NULL, 40, false},
};

Test(cpu_kernels, bulk_copies)
{
    for (size_t i = 0; i < sizeof BULK_COPIES / sizeof *BULK_COPIES; i++)
        check(&BULK_COPIES[i]);
}
