/* `tkc run` end to end: .npy in (C and Fortran order) and out, -k inference,
 * --random determinism, --print, and the exact message of every bad argument. */
#include "common/testutil.h"
#include "interp/interp_util.h"
#include "support/npy.h"

#include <stdarg.h>

static const char SOFTMAX[] = "kernel softmax(x: f32[N, D]) -> y: f32[N, D] {\n"
                              "    m[n] = max(x[n, d] for d);\n    e[n, d] = exp(x[n, d] - m[n]);\n"
                              "    s[n] = sum(e[n, d] for d);\n    y[n, d] = e[n, d] / s[n];\n}\n";
static const char TWO[] = "kernel add(a: f32[N], b: f32[N]) -> y: f32[N] {\n    y[i] = a[i] + b[i];\n}\n"
                          "kernel scale(x: f32[N], s: f32, n: i32) -> y: f32[N] {\n    y[i] = x[i] * s + f32(n);\n}\n";

static char *tmp_path(const char *suffix)
{
    char *p = write_temp_file("", 0, suffix);
    cr_assert(p);
    return p;
}

static char *write_npy(DType t, int ndim, const int64_t *shape, const void *data)
{
    char *path = tmp_path(".npy"), err[256];
    cr_assert(npy_write(path, t, ndim, shape, NULL, data, err, sizeof err), "%s", err);
    return path;
}

/* Runs tkc with `args`; returns the exit status and the output in *out. */
static int tkc(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int tkc(char **out, const char *fmt, ...)
{
    char args[4096], cmd[4400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s run %s", TKC, args);
    return run_capture(cmd, out);
}

static void expect_fail(const char *want, const char *fmt, const char *a1, const char *a2, const char *a3)
{
    char *out;
    int st = tkc(&out, fmt, a1, a2, a3);
    cr_assert_eq(st, 1, "status %d, output: %s", st, out);
    cr_assert_str_eq(out, want);
    free(out);
}

Test(tkc_run, softmax_c_and_fortran_order)
{
    char *src = write_temp_file(SOFTMAX, strlen(SOFTMAX), ".tk");
    float x[6] = {1, 2, 3, -1, 0, 4}, xf[6];
    int64_t sh[2] = {2, 3};
    char *in = write_npy(DT_F32, 2, sh, x), *out = tmp_path(".npy");
    /* The same matrix in Fortran order, written by hand. */
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++)
            xf[j * 2 + i] = x[i * 3 + j];
    char *fin = tmp_path(".npy");
    FILE *f = fopen(fin, "wb");
    char hdr[118 + 1] = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";
    size_t hl = strlen(hdr);
    memset(hdr + hl, ' ', 118 - hl);
    hdr[117] = '\n';
    fwrite("\x93NUMPY\x01\x00\x76\x00", 1, 10, f); /* header length 118: 128 bytes in all */
    fwrite(hdr, 1, 118, f);
    fwrite(xf, sizeof xf, 1, f);
    fclose(f);
    for (int pass = 0; pass < 2; pass++) {
        char *log;
        int st = tkc(&log, "%s -k softmax --in x=%s --out y=%s", src, pass ? fin : in, out);
        cr_assert_eq(st, 0, "%s", log);
        free(log);
        NpyArray y;
        char err[256];
        cr_assert(npy_read_as(out, DT_F32, &y, err, sizeof err), "%s", err);
        cr_assert_eq(y.ndim, 2);
        for (int i = 0; i < 2; i++) {
            float m = fmaxf(fmaxf(x[i * 3], x[i * 3 + 1]), x[i * 3 + 2]), s = 0;
            for (int j = 0; j < 3; j++)
                s += expf(x[i * 3 + j] - m);
            for (int j = 0; j < 3; j++)
                cr_assert(close_to(((float *)y.data)[i * 3 + j], expf(x[i * 3 + j] - m) / s, 1e-6));
        }
        npy_free(&y);
    }
    remove(src), remove(in), remove(out), remove(fin);
    free(src), free(in), free(out), free(fin);
}

Test(tkc_run, print_and_scalars_and_implicit_kernel)
{
    const char *src_text = "kernel scale(x: f32[N], s: f32, n: i32) -> (y: f32[N], c: i32) {\n"
                           "    y[i] = x[i] * s + f32(n);\n    c = sum(i32(x[i] > 0.0) for i);\n}\n";
    char *src = write_temp_file(src_text, strlen(src_text), ".tk");
    float x[3] = {1, -2, 0.5f};
    char *in = write_npy(DT_F32, 1, (int64_t[]){3}, x), *log;
    int st = tkc(&log, "%s --in x=%s --scalar s=2 --scalar n=-1 --print", src, in);
    cr_assert_eq(st, 0, "%s", log);
    cr_assert_str_eq(log, "y: f32[3]\n[1, -5, 0]\nc: i32\n2\n");
    free(log);
    expect_fail("tkc: error: run: --scalar n=1.5: '1.5' is not a valid i32\n",
                "%s --in x=%s --scalar s=2 --scalar n=1.5%s", src, in, "");
    expect_fail("tkc: error: run: --scalar s=abc: 'abc' is not a valid f32\n",
                "%s --in x=%s --scalar s=abc --scalar n=1%s", src, in, "");
    expect_fail("tkc: error: run: --scalar n=3000000000: 3000000000 is out of range for i32\n",
                "%s --in x=%s --scalar s=1 --scalar n=3000000000%s", src, in, "");
    expect_fail("tkc: error: run: missing scalar 's' of kernel 'scale' (give --scalar s=VALUE)\n",
                "%s --in x=%s%s", src, in, "");
    remove(src), remove(in);
    free(src), free(in);
}

/* A 0-d tensor parameter from a 0-d .npy (shape ()), on both targets; a 0-d
 * output written as a 0-d .npy; a 1-d file where a 0-d tensor is declared. */
Test(tkc_run, zero_dim_npy_in_and_out)
{
    const char *src_text = "kernel shift(x: f32[N], s: f32[]) -> (y: f32[N], m: f32[]) {\n"
                           "    y[i] = x[i] - s;\n    m = max(x[i] for i) - s;\n}\n";
    char *src = write_temp_file(src_text, strlen(src_text), ".tk");
    float x[3] = {1, -2, 4.5f}, sv = 0.5f;
    char *in = write_npy(DT_F32, 1, (int64_t[]){3}, x), *s0 = write_npy(DT_F32, 0, NULL, &sv);
    char *s1 = write_npy(DT_F32, 1, (int64_t[]){1}, &sv), *out = tmp_path(".npy"), *log;
    for (int t = 0; t < 2; t++) {
        int st = tkc(&log, "%s --in x=%s --in s=%s --out m=%s --print --target %s", src, in, s0, out,
                     t ? "cpu" : "interp");
        cr_assert_eq(st, 0, "%s", log);
        cr_assert_str_eq(log, "y: f32[3]\n[0.5, -2.5, 4]\nm: f32\n4\n");
        free(log);
        NpyArray m;
        char err[256];
        cr_assert(npy_read_as(out, DT_F32, &m, err, sizeof err), "%s", err);
        cr_assert_eq(m.ndim, 0);
        cr_assert_eq(*(float *)m.data, 4.0f);
        npy_free(&m);
    }
    expect_fail("tkc: error: shift: s has rank 1, expected 0 (f32[])\n", "%s --in x=%s --in s=%s", src, in, s1);
    remove(src), remove(in), remove(s0), remove(s1), remove(out);
    free(src), free(in), free(s0), free(s1), free(out);
}

/* Unsigned scalars up to u64's maximum (beyond i64's), and out-of-range ones. */
Test(tkc_run, unsigned_scalars)
{
    const char *src_text = "kernel k(x: u64[N], m: u64, s: u16) -> (y: u64[N], z: u16) {\n"
                           "    y[i] = x[i] ^ m;\n    z = s >> 1;\n}\n";
    char *src = write_temp_file(src_text, strlen(src_text), ".tk");
    uint64_t x[2] = {0, 18446744073709551614u};
    char *in = write_npy(DT_U64, 1, (int64_t[]){2}, x), *log;
    for (int t = 0; t < 2; t++) {
        int st = tkc(&log, "%s --in x=%s --scalar m=18446744073709551615 --scalar s=65535 --print --target %s", src,
                     in, t ? "cpu" : "interp");
        cr_assert_eq(st, 0, "%s", log);
        cr_assert_str_eq(log, "y: u64[2]\n[18446744073709551615, 1]\nz: u16\n32767\n");
        free(log);
    }
    expect_fail("tkc: error: run: --scalar m=-1: -1 is out of range for u64\n",
                "%s --in x=%s --scalar m=-1 --scalar s=1%s", src, in, "");
    expect_fail("tkc: error: run: --scalar s=65536: 65536 is out of range for u16\n",
                "%s --in x=%s --scalar m=1 --scalar s=65536%s", src, in, "");
    remove(src), remove(in);
    free(src), free(in);
}

Test(tkc_run, random_is_seeded)
{
    char *src = write_temp_file(SOFTMAX, strlen(SOFTMAX), ".tk");
    char *o1 = tmp_path(".npy"), *o2 = tmp_path(".npy"), *o3 = tmp_path(".npy"), *log;
    cr_assert_eq(tkc(&log, "%s --random N=5,D=7 --seed 3 --out y=%s", src, o1), 0, "%s", log);
    free(log);
    cr_assert_eq(tkc(&log, "%s --random N=5,D=7 --seed 3 --out y=%s", src, o2), 0, "%s", log);
    free(log);
    cr_assert_eq(tkc(&log, "%s --random N=5,D=7 --seed 4 --out y=%s", src, o3), 0, "%s", log);
    free(log);
    size_t n1, n2, n3;
    char *a = read_text_file(o1, &n1), *b = read_text_file(o2, &n2), *c = read_text_file(o3, &n3);
    cr_assert(n1 == n2 && !memcmp(a, b, n1), "the same seed gives the same result");
    cr_assert(n1 == n3 && memcmp(a, c, n1), "another seed gives another result");
    free(a), free(b), free(c);
    cr_assert_eq(tkc(&log, "%s --random N=2,D=1000 --print", src), 0, "%s", log);
    cr_assert(strstr(log, "y: f32[2, 1000]\n(2000 elements; min "), "%s", log);
    free(log);
    expect_fail("tkc: error: run: --random: no value for dimension D of 'x' (add D=VALUE)\n", "%s --random N=2%s%s",
                src, "", "");
    expect_fail("tkc: error: run: --random: kernel 'softmax' has no dimension 'Q' (dimensions: N, D)\n",
                "%s --random Q=2%s%s", src, "", "");
    remove(src), remove(o1), remove(o2), remove(o3);
    free(src), free(o1), free(o2), free(o3);
}

Test(tkc_run, bad_arguments)
{
    char *src = write_temp_file(TWO, strlen(TWO), ".tk");
    char *sm = write_temp_file(SOFTMAX, strlen(SOFTMAX), ".tk");
    float v[4] = {1, 2, 3, 4};
    int32_t iv[4] = {1, 2, 3, 4};
    char *a4 = write_npy(DT_F32, 1, (int64_t[]){4}, v), *a3 = write_npy(DT_F32, 1, (int64_t[]){3}, v);
    char *i4 = write_npy(DT_I32, 1, (int64_t[]){4}, iv), *m22 = write_npy(DT_F32, 2, (int64_t[]){2, 2}, v);
    char *junk = write_temp_file("not a npy file", 14, ".npy");
    char want[1024];
    snprintf(want, sizeof want, "tkc: error: run: no kernel 'nope' in %s (kernels: add, scale)\n", src);
    expect_fail(want, "%s -k nope%s%s", src, "", "");
    snprintf(want, sizeof want, "tkc: error: run: %s has 2 kernels (add, scale); choose one with -k\n", src);
    expect_fail(want, "%s%s%s", src, "", "");
    expect_fail("tkc: error: run: kernel 'add' has no input tensor 'c' (inputs: a, b)\n", "%s -k add --in c=%s%s",
                src, a4, "");
    expect_fail("tkc: error: run: missing input 'b' of kernel 'add' (give --in b=FILE.npy, or --random)\n",
                "%s -k add --in a=%s%s", src, a4, "");
    expect_fail("tkc: error: run: kernel 'add' has no output 'z' (outputs: y)\n", "%s -k add --out z=%s%s", src,
                a4, "");
    expect_fail("tkc: error: add: dimension N is 4 in a but 3 in b\n", "%s -k add --in a=%s --in b=%s", src, a4,
                a3);
    expect_fail("tkc: error: add: b is i32, expected f32\n", "%s -k add --in a=%s --in b=%s", src, a4, i4);
    expect_fail("tkc: error: add: b has rank 2, expected 1 (f32[N])\n", "%s -k add --in a=%s --in b=%s", src, a4,
                m22);
    expect_fail("tkc: error: run: unknown option '--frobnicate' (see 'tkc run --help')\n", "%s --frobnicate%s%s",
                src, "", "");
    expect_fail("tkc: error: run: -k needs a value\n", "%s -k%s%s", src, "", "");
    expect_fail("tkc: error: run: --in expects NAME=FILE.npy, got 'x.npy'\n", "%s --in x.npy%s%s", src, "", "");
    expect_fail("tkc: error: run: unknown target 'gpu' (targets: cpu, interp, npu)\n",
                "%s --target gpu%s%s", src, "", "");
    expect_fail("tkc: error: run: --profile, --trace, --print-program and --single-buffer need --target npu\n",
                "%s --profile ascend910%s%s", src, "", "");
    expect_fail("tkc: error: run: 's' is a scalar of kernel 'scale'; give it with --scalar s=VALUE\n",
                "%s -k scale --in s=%s%s", src, a4, "");
    char *log;
    int st = tkc(&log, "%s -k add --in a=%s --in b=%s", src, a4, junk);
    cr_assert_eq(st, 1);
    snprintf(want, sizeof want, "tkc: error: %s: ", junk);
    cr_assert(!strncmp(log, want, strlen(want)), "the npy module's message: %s", log);
    free(log);
    st = tkc(&log, "%s -k softmax --in x=/nonexistent/x.npy", sm);
    cr_assert_eq(st, 1);
    cr_assert(strstr(log, "tkc: error: /nonexistent/x.npy: "), "%s", log);
    free(log);
    const char *bad = "kernel k(x: f32[N]) -> y: f32[N] {\n    y[i] = x[i + 1];\n}\n";
    char *bsrc = write_temp_file(bad, strlen(bad), ".tk");
    st = tkc(&log, "%s --random N=3", bsrc);
    cr_assert_eq(st, 1);
    cr_assert(strstr(log, ":2:12: error: x[i + 1] may read outside 'x'"), "%s", log);
    free(log);
    char *files[] = {src, sm, a4, a3, i4, m22, junk, bsrc};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        remove(files[i]), free(files[i]);
}

/* Output shapes computed from integer scalars (--scalar), argmax, and a
 * violated `requires` reported before anything runs, on both targets. */
Test(tkc_run, scalar_shapes_and_requires)
{
    const char *src_text = "kernel pool(x: f32[H], k: i64, s: i64) -> (y: f32[(H - k) / s + 1], "
                           "at: i64[(H - k) / s + 1])\n    requires k >= 1, s >= 1, H >= k {\n"
                           "    y[i] = max(x[i * s + r] for r in 0..k);\n"
                           "    at[i] = argmax(x[i * s + r] for r in 0..k);\n}\n";
    char *src = write_temp_file(src_text, strlen(src_text), ".tk");
    float x[7] = {1, 3, 3, -2, 5, 0, 5};
    char *in = write_npy(DT_F32, 1, (int64_t[]){7}, x), *log;
    for (int t = 0; t < 2; t++) {
        const char *target = t ? "cpu" : "interp";
        int st = tkc(&log, "%s --in x=%s --scalar k=3 --scalar s=2 --print --target %s", src, in, target);
        cr_assert_eq(st, 0, "%s", log);
        cr_assert_str_eq(log, "y: f32[3]\n[3, 5, 5]\nat: i64[3]\n[1, 2, 0]\n");
        free(log);
        expect_fail("tkc: error: pool: requires s >= 1, but s = 0\n", "%s --in x=%s --scalar k=3 --scalar s=0 "
                    "--target %s", src, in, target);
        expect_fail("tkc: error: pool: requires H >= k, but H = 7, k = 8\n", "%s --in x=%s --scalar k=8 "
                    "--scalar s=1 --target %s", src, in, target);
    }
    remove(src), remove(in);
    free(src), free(in);
}
