/* Every kernel in docs/language.md's ```tk blocks runs through
 * `tkc run --target interp` on .npy files and matches a hand-written C
 * reference. The blocks are read from the doc itself, and a kernel there
 * without a reference here fails the suite, so the two cannot drift. */
#include "common/testutil.h"
#include "interp/interp_util.h"
#include "support/npy.h"

typedef struct Arg {
    const char *name;
    DType       t;
    int         nd;
    int64_t     sh[4];
} Arg;

typedef struct Spec {
    const char *name;
    Arg         in[4];
    const char *scalars;
    Arg         out[3];
    void      (*ref)(Ten **in, Ten **out);
} Spec;

#define G1(x, i) ((float)AT1(x, i))
#define G2(x, i, j) ((float)AT2(x, i, j))
#define S1(x, i, v) ten_set((x), (int64_t[]){(i)}, (v))
#define S2(x, i, j, v) ten_set((x), (int64_t[]){(i), (j)}, (v))
#define N0(x) ((x)->shape[0])
#define N1(x) ((x)->shape[1])

static void softmax(Ten **in, Ten **out)
{
    for (int64_t n = 0; n < N0(in[0]); n++) {
        float m = -INFINITY, s = 0;
        for (int64_t d = 0; d < N1(in[0]); d++)
            m = fmaxf(m, G2(in[0], n, d));
        for (int64_t d = 0; d < N1(in[0]); d++)
            s += expf(G2(in[0], n, d) - m);
        for (int64_t d = 0; d < N1(in[0]); d++)
            S2(out[0], n, d, expf(G2(in[0], n, d) - m) / s);
    }
}

static void layernorm(Ten **in, Ten **out)
{
    int64_t D = N1(in[0]);
    for (int64_t n = 0; n < N0(in[0]); n++) {
        float s = 0, v = 0;
        for (int64_t d = 0; d < D; d++)
            s += G2(in[0], n, d);
        float m = s / (float)D;
        for (int64_t d = 0; d < D; d++)
            v += (G2(in[0], n, d) - m) * (G2(in[0], n, d) - m);
        float r = 1.0f / sqrtf(v / (float)D + 1e-5f);
        for (int64_t d = 0; d < D; d++)
            S2(out[0], n, d, (G2(in[0], n, d) - m) * r * G1(in[1], d) + G1(in[2], d));
        S1(out[1], n, m), S1(out[2], n, r);
    }
}

static void bias_relu(Ten **in, Ten **out)
{
    for (int64_t n = 0; n < N0(in[0]); n++)
        for (int64_t d = 0; d < N1(in[0]); d++)
            S2(out[0], n, d, fmaxf(G2(in[0], n, d) + G1(in[1], d), 0.0f));
}

static void mix(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(in[0]); i++)
        S1(out[0], i, G1(in[0], i) * G1(in[1], i));
}

static void threshold(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(in[0]); i++) {
        float x = G1(in[0], i);
        S1(out[0], i, x > 0.3f && x < 2.0f * 0.3f ? x : 0.0f);
    }
}

static void pool2x2(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(out[0]); i++)
        for (int64_t j = 0; j < N1(out[0]); j++)
            S2(out[0], i, j, fmaxf(fmaxf(G2(in[0], 2 * i, 2 * j), G2(in[0], 2 * i, 2 * j + 1)),
                                   fmaxf(G2(in[0], 2 * i + 1, 2 * j), G2(in[0], 2 * i + 1, 2 * j + 1))));
}

static void valid_conv1d(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(out[0]); i++) {
        float s = 0;
        for (int64_t r = 0; r < N0(in[1]); r++)
            s += G1(in[0], i + r) * G1(in[1], r);
        S1(out[0], i, s);
    }
}

static void transpose(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(in[0]); i++)
        for (int64_t j = 0; j < N1(in[0]); j++)
            S2(out[0], j, i, G2(in[0], i, j));
}

static void relu(Ten **in, Ten **out)
{
    int64_t idx[TK_MAX_RANK] = {0};
    do
        ten_set(out[0], idx, fmax(ten_get(in[0], idx), 0));
    while (ten_next(in[0], idx));
}

static void axpy(Ten **in, Ten **out) /* f16: computed in f32, rounded on store */
{
    for (int64_t i = 0; i < N0(in[0]); i++)
        S1(out[0], i, 0.5f * G1(in[0], i) + G1(in[1], i));
}

static void shift(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(in[0]); i++)
        S1(out[0], i, i + 1 < N0(in[0]) ? G1(in[0], i + 1) : 0.0f);
}

static void stencil3(Ten **in, Ten **out)
{
    int64_t n = N0(in[0]);
    for (int64_t i = 0; i < n; i++)
        S1(out[0], i, 0.25f * (i > 0 ? G1(in[0], i - 1) : 0.0f) + 0.5f * G1(in[0], i) +
                          0.25f * (i + 1 < n ? G1(in[0], i + 1) : 0.0f));
}

static void conv2d(Ten **in, Ten **out)
{
    int64_t C = N0(in[0]), H = N1(in[0]), W = in[0]->shape[2];
    for (int64_t f = 0; f < N0(out[0]); f++)
        for (int64_t h = 0; h < H; h++)
            for (int64_t w = 0; w < W; w++) {
                float s = 0;
                for (int64_t c = 0; c < C; c++)
                    for (int64_t r = 0; r < 3; r++)
                        for (int64_t q = 0; q < 3; q++) {
                            int64_t y = h + r - 1, x = w + q - 1;
                            float v = y >= 0 && y < H && x >= 0 && x < W ? (float)AT3(in[0], c, y, x) : 0.0f;
                            s += v * (float)AT4(in[1], f, c, r, q);
                        }
                ten_set(out[0], (int64_t[]){f, h, w}, s);
            }
}

static void matmul(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(in[0]); i++)
        for (int64_t j = 0; j < N1(in[1]); j++) {
            float s = 0;
            for (int64_t k = 0; k < N1(in[0]); k++)
                s += G2(in[0], i, k) * G2(in[1], k, j);
            S2(out[0], i, j, s);
        }
}

static void total(Ten **in, Ten **out)
{
    float s = 0;
    for (int64_t n = 0; n < N0(in[0]); n++)
        for (int64_t d = 0; d < N1(in[0]); d++)
            s += G2(in[0], n, d);
    ten_set(out[0], NULL, s);
}

static void attention(Ten **in, Ten **out)
{
    int64_t S = N0(in[0]), T = N0(in[1]), E = N1(in[0]);
    float p[64], scale = 1.0f / sqrtf((float)E);
    for (int64_t i = 0; i < S; i++) {
        float mx = -INFINITY, z = 0;
        for (int64_t j = 0; j < T; j++) {
            float s = 0;
            for (int64_t e = 0; e < E; e++)
                s += G2(in[0], i, e) * G2(in[1], j, e);
            p[j] = s * scale, mx = fmaxf(mx, p[j]);
        }
        for (int64_t j = 0; j < T; j++)
            p[j] = expf(p[j] - mx), z += p[j];
        for (int64_t e = 0; e < E; e++) {
            float s = 0;
            for (int64_t j = 0; j < T; j++)
                s += p[j] * G2(in[2], j, e);
            S2(out[0], i, e, s / z);
        }
    }
}

static void rowsum(Ten **in, Ten **out)
{
    for (int64_t n = 0; n < N0(in[0]); n++) {
        float s = 0;
        for (int64_t d = 0; d < N1(in[0]); d++)
            s += G2(in[0], n, d);
        S1(out[0], n, s);
    }
}

static void scale_by(Ten **in, Ten **out)
{
    float s = (float)ten_get(in[1], NULL), t = 0;
    for (int64_t i = 0; i < N0(in[0]); i++) {
        S1(out[0], i, G1(in[0], i) * s);
        t += G1(in[0], i) * s;
    }
    ten_set(out[1], NULL, t);
}

static void float_sign(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(in[0]); i++) {
        float x = G1(in[0], i);
        uint32_t u;
        memcpy(&u, &x, 4);
        S1(out[0], i, (double)(u >> 31));
        S1(out[1], i, (double)(u & 0x7fffffffu));
    }
}

static void clip_nan(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(in[0]); i++) {
        double x = AT1(in[0], i);
        S1(out[0], i, isnan(x) ? -INFINITY : trunc(fmod(x, 360.0)));
    }
}

static void gelu_rows(Ten **in, Ten **out)
{
    for (int64_t n = 0; n < N0(in[0]); n++)
        for (int64_t d = 0; d < N1(in[0]); d++) {
            float x = G2(in[0], n, d);
            S2(out[0], n, d, 0.5f * x * (1.0f + erff(x * 0.70710678f)));
        }
}

/* docs/language.md section 6: indices the checker proves without `??` */
static void concat(Ten **in, Ten **out)
{
    int64_t A = N0(in[0]);
    for (int64_t i = 0; i < N0(out[0]); i++)
        S1(out[0], i, i < A ? G1(in[0], i) : G1(in[1], i - A));
}

static void tile(Ten **in, Ten **out)
{
    for (int64_t i = 0; i < N0(out[0]); i++)
        S1(out[0], i, G1(in[0], i % N0(in[0])));
}

static void flatten(Ten **in, Ten **out)
{
    int64_t W = N1(in[0]);
    for (int64_t i = 0; i < N0(out[0]); i++)
        S1(out[0], i, G2(in[0], i / W, i % W));
}

#define S3(x, i, j, k, v) ten_set((x), (int64_t[]){(i), (j), (k)}, (v))

static void upsample(Ten **in, Ten **out)
{
    int64_t S = N0(in[1]);
    for (int64_t c = 0; c < N0(out[0]); c++)
        for (int64_t h = 0; h < N1(out[0]); h++)
            for (int64_t w = 0; w < out[0]->shape[2]; w++)
                S3(out[0], c, h, w, AT3(in[0], c, h / S, w / S));
}

static void space_to_depth(Ten **in, Ten **out)
{
    for (int64_t c2 = 0; c2 < N0(out[0]); c2++)
        for (int64_t h = 0; h < N1(out[0]); h++)
            for (int64_t w = 0; w < out[0]->shape[2]; w++)
                S3(out[0], c2, h, w, AT3(in[0], c2 / 4, h * 2 + c2 % 4 / 2, w * 2 + c2 % 2));
}

static void mirror(Ten **in, Ten **out)
{
    int64_t n = N0(in[0]);
    for (int64_t i = 0; i < n; i++)
        S1(out[0], i, G1(in[0], n - 1 - i));
}

/* argmax/argmin: the first extreme value (no NaN in these inputs). */
static int64_t first_best(Ten *x, int64_t n0, int64_t len, int64_t step, bool is_max)
{
    int64_t best = 0;
    for (int64_t i = 1; i < len; i++) {
        float v = G1(x, n0 + i * step), b = G1(x, n0 + best * step);
        if (is_max ? v > b : v < b)
            best = i;
    }
    return best;
}

static void hardmax(Ten **in, Ten **out)
{
    for (int64_t n = 0; n < N0(in[0]); n++) {
        int64_t best = 0;
        for (int64_t d = 1; d < N1(in[0]); d++)
            if (G2(in[0], n, d) > G2(in[0], n, best))
                best = d;
        for (int64_t d = 0; d < N1(in[0]); d++)
            S2(out[0], n, d, d == best ? 1.0f : 0.0f);
    }
}

static void argmin2d(Ten **in, Ten **out)
{
    int64_t H = N1(in[0]), W = in[0]->shape[2];
    for (int64_t b = 0; b < N0(in[0]); b++) {
        int64_t best = 0;
        for (int64_t e = 1; e < H * W; e++)
            if (AT3(in[0], b, e / W, e % W) < AT3(in[0], b, best / W, best % W))
                best = e;
        S1(out[0], b, (double)best);
    }
}

static void pad1(Ten **in, Ten **out) /* before = 2, after = 3 */
{
    for (int64_t i = 0; i < N0(out[0]); i++)
        S1(out[0], i, i >= 2 && i < 2 + N0(in[0]) ? G1(in[0], i - 2) : 0.0f);
}

static void pool(Ten **in, Ten **out) /* k = 3, s = 2 */
{
    for (int64_t i = 0; i < N0(out[0]); i++) {
        int64_t at = first_best(in[0], i * 2, 3, 1, true);
        S1(out[0], i, G1(in[0], i * 2 + at));
        S1(out[1], i, (double)at);
    }
}

#define F32 DT_F32
static const Spec SPECS[] = {
    {"concat", {{"a", F32, 1, {7}}, {"b", F32, 1, {13}}}, "", {{"y", F32, 1, {20}}}, concat},
    {"tile", {{"x", F32, 1, {7}}, {"r", F32, 1, {3}}}, "", {{"y", F32, 1, {21}}}, tile},
    {"flatten", {{"x", F32, 2, {7, 13}}}, "", {{"y", F32, 1, {91}}}, flatten},
    {"upsample", {{"x", F32, 3, {2, 3, 5}}, {"s", F32, 1, {3}}}, "", {{"y", F32, 3, {2, 9, 15}}}, upsample},
    {"space_to_depth", {{"x", F32, 3, {3, 7, 5}}}, "", {{"y", F32, 3, {12, 3, 2}}}, space_to_depth},
    {"mirror", {{"x", F32, 1, {31}}}, "", {{"y", F32, 1, {31}}}, mirror},
    {"hardmax", {{"x", F32, 2, {7, 13}}}, "", {{"y", F32, 2, {7, 13}}}, hardmax},
    {"argmin2d", {{"x", F32, 3, {3, 5, 7}}}, "", {{"at", DT_I64, 1, {3}}}, argmin2d},
    {"pad1", {{"x", F32, 1, {13}}}, "--scalar before=2 --scalar after=3", {{"y", F32, 1, {18}}}, pad1},
    {"pool", {{"x", F32, 1, {13}}}, "--scalar k=3 --scalar s=2", {{"y", F32, 1, {6}}, {"at", DT_I64, 1, {6}}},
     pool},
    {"softmax", {{"x", F32, 2, {7, 13}}}, "", {{"y", F32, 2, {7, 13}}}, softmax},
    {"layernorm", {{"x", F32, 2, {7, 13}}, {"g", F32, 1, {13}}, {"b", F32, 1, {13}}}, "--scalar eps=1e-5",
     {{"y", F32, 2, {7, 13}}, {"mean", F32, 1, {7}}, {"rstd", F32, 1, {7}}}, layernorm},
    {"bias_relu", {{"x", F32, 2, {7, 13}}, {"b", F32, 1, {13}}}, "", {{"y", F32, 2, {7, 13}}}, bias_relu},
    {"mix", {{"a", DT_F16, 1, {31}}, {"b", F32, 1, {31}}}, "", {{"y", F32, 1, {31}}}, mix},
    {"threshold", {{"x", F32, 1, {31}}}, "--scalar t=0.3", {{"y", F32, 1, {31}}}, threshold},
    {"scale_by", {{"x", F32, 1, {31}}, {"s", F32, 0, {0}}}, "", {{"y", F32, 1, {31}}, {"total", F32, 0, {0}}},
     scale_by},
    {"clip_nan", {{"x", DT_F64, 1, {31}}}, "", {{"y", DT_F64, 1, {31}}}, clip_nan},
    {"float_sign", {{"x", F32, 1, {31}}}, "", {{"neg", DT_BOOL, 1, {31}}, {"magnitude", DT_U32, 1, {31}}},
     float_sign},
    {"pool2x2", {{"x", F32, 2, {7, 13}}}, "", {{"y", F32, 2, {3, 6}}}, pool2x2},
    {"valid_conv1d", {{"x", F32, 1, {31}}, {"w", F32, 1, {5}}}, "", {{"y", F32, 1, {27}}}, valid_conv1d},
    {"transpose", {{"x", F32, 2, {7, 13}}}, "", {{"y", F32, 2, {13, 7}}}, transpose},
    {"relu", {{"x", DT_I32, 3, {3, 5, 7}}}, "", {{"y", DT_I32, 3, {3, 5, 7}}}, relu},
    {"axpy", {{"x", DT_F16, 1, {13}}, {"y", DT_F16, 1, {13}}}, "--scalar a=0.5", {{"z", DT_F16, 1, {13}}}, axpy},
    {"shift", {{"x", F32, 1, {31}}}, "", {{"y", F32, 1, {31}}}, shift},
    {"stencil3", {{"x", F32, 1, {31}}}, "", {{"y", F32, 1, {31}}}, stencil3},
    {"conv2d", {{"x", F32, 3, {3, 7, 5}}, {"wt", F32, 4, {4, 3, 3, 3}}}, "", {{"y", F32, 3, {4, 7, 5}}}, conv2d},
    {"matmul", {{"a", F32, 2, {7, 13}}, {"b", F32, 2, {13, 5}}}, "", {{"c", F32, 2, {7, 5}}}, matmul},
    {"total", {{"x", F32, 2, {7, 13}}}, "", {{"s", F32, 0, {0}}}, total},
    {"attention", {{"q", F32, 2, {7, 5}}, {"k", F32, 2, {13, 5}}, {"v", F32, 2, {13, 5}}}, "",
     {{"o", F32, 2, {7, 5}}}, attention},
    {"rowsum", {{"x", F32, 2, {7, 13}}}, "", {{"y", F32, 1, {7}}}, rowsum},
    {"gelu_rows", {{"x", F32, 2, {7, 13}}}, "", {{"y", F32, 2, {7, 13}}}, gelu_rows},
};

/* Runs one spec against the doc block saved at `src`. */
static void check(const Spec *s, const char *src)
{
    Ten *in[4] = {0}, *want[3] = {0};
    char args[4096], err[256];
    size_t at = (size_t)snprintf(args, sizeof args, "%s run %s -k %s --target interp %s", TKC, src, s->name,
                                 s->scalars);
    char *paths[8] = {0};
    int np = 0;
    for (int i = 0; i < 4 && s->in[i].name; i++) {
        in[i] = ten_new(s->in[i].t, s->in[i].nd, s->in[i].sh);
        ten_fill(in[i], 11 + (uint64_t)i);
        paths[np] = write_temp_file("", 0, ".npy");
        cr_assert(npy_write(paths[np], in[i]->t, in[i]->dl.ndim, in[i]->shape, NULL, in[i]->alloc, err, sizeof err));
        at += (size_t)snprintf(args + at, sizeof args - at, " --in %s=%s", s->in[i].name, paths[np++]);
    }
    int first_out = np;
    for (int i = 0; i < 3 && s->out[i].name; i++) {
        want[i] = ten_new(s->out[i].t, s->out[i].nd, s->out[i].sh);
        paths[np] = write_temp_file("", 0, ".npy");
        at += (size_t)snprintf(args + at, sizeof args - at, " --out %s=%s", s->out[i].name, paths[np++]);
    }
    s->ref(in, want);
    char *log;
    int st = run_capture(args, &log);
    cr_assert_eq(st, 0, "%s: %s", s->name, log);
    free(log);
    for (int i = 0; i < 3 && want[i]; i++) {
        NpyArray got;
        cr_assert(npy_read(paths[first_out + i], &got, err, sizeof err), "%s", err);
        cr_assert_eq(got.dtype, want[i]->t, "%s: dtype of %s", s->name, s->out[i].name);
        cr_assert_eq(got.ndim, want[i]->dl.ndim);
        int64_t n = ten_numel(want[i]);
        double tol = want[i]->t == DT_F16 ? 1e-3 : 1e-5;
        for (int64_t e = 0; e < n; e++) {
            double w = val_load(want[i]->t, (char *)want[i]->alloc + e * (int64_t)dtype_size(want[i]->t)).f;
            Val g = val_load(got.dtype, (char *)got.data + e * (int64_t)dtype_size(got.dtype));
            double gv = dtype_is_float(got.dtype) ? g.f : (double)g.i;
            if (!dtype_is_float(got.dtype))
                w = (double)val_load(want[i]->t, (char *)want[i]->alloc + e * (int64_t)dtype_size(want[i]->t)).i;
            cr_assert(close_to(gv, w, tol), "%s.%s[%lld]: got %.9g, want %.9g", s->name, s->out[i].name,
                      (long long)e, gv, w);
        }
        npy_free(&got);
    }
    for (int i = 0; i < np; i++)
        remove(paths[i]), free(paths[i]);
    for (int i = 0; i < 4; i++)
        ten_free(in[i]);
    for (int i = 0; i < 3; i++)
        ten_free(want[i]);
}

Test(doc_kernels, every_kernel_of_language_md_matches_its_reference)
{
    char *doc = read_text_file(TK_SOURCE_DIR "/docs/language.md", NULL);
    cr_assert(doc);
    bool done[sizeof SPECS / sizeof *SPECS] = {0};
    int blocks = 0;
    for (char *p = strstr(doc, "```tk\n"); p; p = strstr(p, "```tk\n")) {
        char *body = p + 6, *end = strstr(body, "```");
        cr_assert(end);
        char *src = write_temp_file(body, (size_t)(end - body), ".tk");
        blocks++;
        for (char *k = strstr(body, "kernel "); k && k < end; k = strstr(k + 7, "kernel ")) {
            char name[64];
            if (k != body && k[-1] != '\n')
                continue;
            sscanf(k + 7, "%63[A-Za-z0-9_]", name);
            size_t i = 0;
            while (i < sizeof SPECS / sizeof *SPECS && strcmp(SPECS[i].name, name))
                i++;
            cr_assert(i < sizeof SPECS / sizeof *SPECS, "kernel %s of docs/language.md has no C reference here",
                      name);
            check(&SPECS[i], src);
            done[i] = true;
        }
        remove(src), free(src);
        p = end + 3;
    }
    cr_assert_gt(blocks, 5);
    for (size_t i = 0; i < sizeof SPECS / sizeof *SPECS; i++)
        cr_assert(done[i], "kernel %s is no longer in docs/language.md", SPECS[i].name);
    free(doc);
}
