/* Vector instruction semantics against C references: masks (continuous and
 * bitwise), block/repeat strides, repeat limits, fp16 rounding, casts with
 * rounding modes and saturation, compare/select, and reductions. */
#include "npu_test_util.h"

#include <math.h>

enum { SZ = 65536, A = 0, B = 65536, O = 131072 };

typedef struct V { uint8_t a[SZ], b[SZ], o[SZ]; } V;

/* Runs one vector instruction with src0 at ub[0], src1 at ub[65536] and dst
 * at ub[131072] (the three loaded from GM a, b, o); returns the errors seen. */
static size_t vrun(V *v, const char *instr, NpuCheck *first)
{
    NT t;
    nt_init(&t, "ascend910");
    char prog[2048];
    snprintf(prog, sizeof prog,
             ".gm a u8 65536\n.gm b u8 65536\n.gm o u8 65536\n"
             "    dma ub[0], a[0], burst=2048\n"
             "    dma ub[65536], b[0], burst=2048\n"
             "    dma ub[131072], o[0], burst=2048\n"
             "    set_flag mte2, v, 0\n    wait_flag mte2, v, 0\n"
             "    %s\n"
             "    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
             "    dma o[0], ub[131072], burst=2048\n", instr);
    nt_parse(&t, prog);
    nt_set(&t, "a", v->a, SZ);
    nt_set(&t, "b", v->b, SZ);
    nt_set(&t, "o", v->o, SZ);
    npu_sim_run(t.s, 1);
    size_t n = npu_sim_nerrors(t.s);
    if (first)
        *first = n ? npu_sim_error(t.s, 0)->kind : NPU_NCHECK;
    if (n && !first)
        npu_sim_print_errors(t.s, "vec", stderr);
    memcpy(v->o, nt_get(&t, "o"), SZ);
    nt_free(&t);
    return n;
}

static uint16_t *H(uint8_t *p) { return (uint16_t *)(void *)p; }
static float *F(uint8_t *p) { return (float *)(void *)p; }

static void fill(V *v, float range)
{
    uint32_t st = 99;
    for (int i = 0; i < SZ / 4; i++) {
        F(v->a)[i] = nt_rand(&st, range);
        F(v->b)[i] = nt_rand(&st, range);
        F(v->o)[i] = -12345.0f;
    }
}

static void fill16(V *v, float range)
{
    uint32_t st = 17;
    for (int i = 0; i < SZ / 2; i++) {
        H(v->a)[i] = h(nt_rand(&st, range));
        H(v->b)[i] = h(nt_rand(&st, range));
        H(v->o)[i] = 0x7bff;
    }
}

/* Byte offset of lane l in repeat r (the ISA's addressing rule). */
static int64_t off(int es, int blk, int rep, int r, int l)
{
    int per = 32 / es;
    return (int64_t)r * rep * 32 + (l / per) * blk * 32 + (l % per) * es;
}

Test(vector, vadd_f16_rounds_each_result_to_fp16)
{
    static V v;
    fill16(&v, 1000);
    H(v.a)[0] = h(1.0f), H(v.b)[0] = h(ldexpf(1, -11));          /* tie: stays 1 */
    H(v.a)[1] = h(1.0f + ldexpf(1, -10)), H(v.b)[1] = h(ldexpf(1, -11)); /* tie: to even, up */
    H(v.a)[2] = h(65504), H(v.b)[2] = h(32);                     /* overflow: inf */
    cr_assert_eq(vrun(&v, "vadd.f16 ub[131072], ub[0], ub[65536], repeat=4", NULL), 0);
    cr_assert_eq(H(v.o)[0], h(1.0f));
    cr_assert_eq(H(v.o)[1], h(1.0f + ldexpf(1, -9)));
    cr_assert_eq(H(v.o)[2], 0x7c00);
    static V w;
    fill16(&w, 1000);
    memcpy(v.a, w.a, SZ), memcpy(v.b, w.b, SZ), memcpy(v.o, w.o, SZ);
    vrun(&v, "vadd.f16 ub[131072], ub[0], ub[65536], repeat=4", NULL);
    for (int i = 0; i < 512; i++)
        cr_assert_eq(H(v.o)[i], f64_to_f16_rm((double)hf(H(w.a)[i]) + hf(H(w.b)[i]), TK_ROUND_NEAREST_EVEN, 0));
    cr_assert_eq(H(v.o)[512], 0x7bff); /* beyond 4 repeats: untouched */
}

Test(vector, continuous_mask_leaves_other_lanes)
{
    static V v;
    fill(&v, 10);
    cr_assert_eq(vrun(&v, "vmul.f32 ub[131072], ub[0], ub[65536], repeat=2, mask=10", NULL), 0);
    for (int r = 0; r < 2; r++)
        for (int l = 0; l < 64; l++) {
            float want = l < 10 ? F(v.a)[r * 64 + l] * F(v.b)[r * 64 + l] : -12345.0f;
            cr_assert_eq(F(v.o)[r * 64 + l], want, "r%d l%d", r, l);
        }
}

Test(vector, bitwise_mask)
{
    static V v;
    fill16(&v, 10);
    cr_assert_eq(vrun(&v, "vsub.f16 ub[131072], ub[0], ub[65536], mask=0x8000000000000001:0x5", NULL), 0);
    for (int l = 0; l < 128; l++) {
        bool on = l == 0 || l == 2 || l == 64 || l == 127;
        uint16_t want = on ? h(hf(H(v.a)[l]) - hf(H(v.b)[l])) : 0x7bff;
        cr_assert_eq(H(v.o)[l], want, "lane %d", l);
    }
    NpuCheck k;
    fill(&v, 10);
    cr_assert_eq(vrun(&v, "vadd.f32 ub[131072], ub[0], ub[65536], mask=0x1:0x0", &k), 1);
    cr_assert_eq(k, NPU_CHECK_PARAM); /* 32-bit types have 64 lanes */
    cr_assert_eq(vrun(&v, "vadd.f32 ub[131072], ub[0], ub[65536], mask=65", &k), 1);
    cr_assert_eq(k, NPU_CHECK_PARAM);
}

Test(vector, block_and_repeat_strides)
{
    static V v;
    fill(&v, 10);
    static V w;
    memcpy(&w, &v, sizeof v);
    cr_assert_eq(vrun(&v, "vmax.f32 ub[131072], ub[0], ub[65536], repeat=3, dstblk=2, dstrep=20, "
                          "src0blk=3, src0rep=30, src1blk=1, src1rep=4", NULL), 0);
    static uint8_t ref[SZ];
    memcpy(ref, w.o, SZ);
    for (int r = 0; r < 3; r++)
        for (int l = 0; l < 64; l++) {
            float a = *(float *)(void *)(w.a + off(4, 3, 30, r, l));
            float b = *(float *)(void *)(w.b + off(4, 1, 4, r, l));
            *(float *)(void *)(ref + off(4, 2, 20, r, l)) = a > b ? a : b;
        }
    cr_assert_eq(memcmp(ref, v.o, SZ), 0);
    /* repeat 1, lane 8 (block 1): dst 20*32 + 2*32, src0 30*32 + 3*32 */
    cr_assert_eq(*(float *)(void *)(v.o + 704), fmaxf(*(float *)(void *)(w.a + 1056), *(float *)(void *)(w.b + 160)));
}

Test(vector, repeat_limits)
{
    static V v;
    fill16(&v, 10);
    cr_assert_eq(vrun(&v, "vadd.f16 ub[131072], ub[0], ub[65536], repeat=255, dstrep=1, src0rep=0, src1rep=0, mask=16", NULL), 0);
    /* 255 repeats, each writing the first block again one block further */
    cr_assert_eq(H(v.o)[254 * 16 + 15], h(hf(H(v.a)[15]) + hf(H(v.b)[15])));
    cr_assert_eq(H(v.o)[255 * 16], 0x7bff);
    NT t;
    nt_init(&t, "ascend910");
    cr_assert_null(nt_try_parse(&t, "vadd.f16 ub[0], ub[0], ub[0], repeat=256\n"));
    cr_assert_eq(t.d.head->span.at.col, 38); /* at the value */
    nt_free(&t);
    NpuCheck k;
    cr_assert_eq(vrun(&v, "mov r1, 256\n    vadd.f16 ub[131072], ub[0], ub[65536], repeat=r1", &k), 1);
    cr_assert_eq(k, NPU_CHECK_PARAM);
    cr_assert_eq(vrun(&v, "vadd.f16 ub[131072], ub[0], ub[65536], repeat=0", NULL), 0); /* no-op */
}

static void unary_case(const char *op, double (*f)(double), float lo, float hi)
{
    static V v;
    uint32_t st = 5;
    for (int i = 0; i < SZ / 2; i++)
        H(v.a)[i] = h(lo + (hi - lo) * (nt_rand(&st, 0.5f) + 0.5f)), H(v.o)[i] = 0;
    static V w;
    memcpy(&w, &v, sizeof v);
    char ins[128];
    snprintf(ins, sizeof ins, "%s.f16 ub[131072], ub[0], repeat=2", op);
    cr_assert_eq(vrun(&v, ins, NULL), 0);
    for (int i = 0; i < 256; i++)
        cr_assert_eq(H(v.o)[i], f64_to_f16_rm(f(hf(H(w.a)[i])), TK_ROUND_NEAREST_EVEN, 0), "%s %d", op, i);
}

static double rsq(double x) { return 1 / sqrt(x); }
static double rec(double x) { return 1 / x; }
static double relu(double x) { return x > 0 ? x : 0; }

Test(vector, unary_ops_are_correctly_rounded)
{
    unary_case("vexp", exp, -5, 5);
    unary_case("vln", log, 0.01f, 100);
    unary_case("vsqrt", sqrt, 0, 1000);
    unary_case("vrsqrt", rsq, 0.01f, 1000);
    unary_case("vrec", rec, 0.5f, 50);
    unary_case("vabs", fabs, -50, 50);
    unary_case("vrelu", relu, -50, 50);
}

Test(vector, scalar_forms_and_dup)
{
    static V v, w;
    fill16(&v, 100);
    memcpy(&w, &v, sizeof v);
    cr_assert_eq(vrun(&v, "vadds.f16 ub[131072], ub[0], 0.1", NULL), 0);
    for (int i = 0; i < 128; i++) /* the scalar is rounded to fp16 first */
        cr_assert_eq(H(v.o)[i], h(hf(H(w.a)[i]) + hf(h(0.1f))));
    memcpy(&v, &w, sizeof v);
    vrun(&v, "vmuls.f16 ub[131072], ub[0], -3", NULL);
    vrun(&v, "vmaxs.f16 ub[131072], ub[131072], 0", NULL);
    for (int i = 0; i < 128; i++)
        cr_assert_eq(H(v.o)[i], h(fmaxf(hf(h(hf(H(w.a)[i]) * -3)), 0)));
    vrun(&v, "vdup.f32 ub[131072], 2.5, repeat=2, mask=3", NULL);
    cr_assert_eq(F(v.o)[64 + 2], 2.5f);
    cr_assert_neq(F(v.o)[64 + 3], 2.5f);
}

Test(vector, integer_ops_wrap)
{
    static V v;
    int32_t *a = (int32_t *)(void *)v.a, *b = (int32_t *)(void *)v.b, *o = (int32_t *)(void *)v.o;
    for (int i = 0; i < 64; i++)
        a[i] = INT32_MAX - i, b[i] = i * 3;
    cr_assert_eq(vrun(&v, "vadd.i32 ub[131072], ub[0], ub[65536]", NULL), 0);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(o[i], (int32_t)((uint32_t)(INT32_MAX - i) + (uint32_t)(i * 3)));
    uint16_t *a16 = H(v.a), *b16 = H(v.b);
    for (int i = 0; i < 128; i++)
        a16[i] = (uint16_t)(0xf0f0 + i), b16[i] = 0x0ff0;
    vrun(&v, "vand.i16 ub[131072], ub[0], ub[65536]", NULL);
    for (int i = 0; i < 128; i++)
        cr_assert_eq(H(v.o)[i], (uint16_t)((0xf0f0 + i) & 0x0ff0));
}

Test(vector, compare_and_select)
{
    static V v, w;
    fill16(&v, 10);
    memcpy(&w, &v, sizeof v);
    /* mask bits to ub[196608]... kept inside the o buffer: bits at o+4096 */
    cr_assert_eq(vrun(&v, "vcmp.f16 ub[135168], ub[0], ub[65536], repeat=2, cmp=lt, mask=100\n"
                          "    pipe_barrier v\n" /* vsel reads the bits vcmp wrote */
                          "    vsel.f16 ub[131072], ub[0], ub[65536], ub[135168], repeat=2, mask=100", NULL), 0);
    for (int r = 0; r < 2; r++)
        for (int l = 0; l < 128; l++) {
            int i = r * 128 + l;
            bool bit = (v.o[4096 + r * 16 + l / 8] >> (l % 8)) & 1;
            float a = hf(H(w.a)[i]), b = hf(H(w.b)[i]);
            cr_assert_eq(bit, l < 100 && a < b, "bit %d", i);
            if (l < 100)
                cr_assert_eq(H(v.o)[i], a < b ? H(w.a)[i] : H(w.b)[i]);
            else
                cr_assert_eq(H(v.o)[i], 0x7bff);
        }
}

Test(vector, casts_round_and_saturate)
{
    static V v;
    float *a = F(v.a);
    float vals[8] = {1.5f, 2.5f, -2.5f, 1e6f, -1e6f, 0.1f, NAN, 65519.0f};
    for (int i = 0; i < 64; i++)
        a[i] = vals[i % 8];
    struct { const char *mode; TkRound rm; } modes[] = {
        {"rint", TK_ROUND_NEAREST_EVEN}, {"floor", TK_ROUND_FLOOR}, {"ceil", TK_ROUND_CEIL},
        {"round", TK_ROUND_AWAY}, {"trunc", TK_ROUND_TRUNC}, {"odd", TK_ROUND_ODD}};
    for (int m = 0; m < 6; m++) {
        char ins[160];
        snprintf(ins, sizeof ins, "vconv.f16.f32 ub[131072], ub[0], dstrep=4, round=%s", modes[m].mode);
        cr_assert_eq(vrun(&v, ins, NULL), 0);
        for (int i = 0; i < 8; i++) {
            uint16_t want = isnan(vals[i]) ? 0x7e00 : f64_to_f16_rm(vals[i], modes[m].rm, 1);
            if (isnan(vals[i]))
                cr_assert(isnan(hf(H(v.o)[i])));
            else
                cr_assert_eq(H(v.o)[i], want, "%s %g", modes[m].mode, vals[i]);
        }
        cr_assert_eq(H(v.o)[3], 0x7bff); /* 1e6 saturates to 65504, not inf */
        snprintf(ins, sizeof ins, "vconv.i32.f32 ub[131072], ub[0], round=%s", modes[m].mode);
        cr_assert_eq(vrun(&v, ins, NULL), 0);
        int32_t *o = (int32_t *)(void *)v.o;
        double ri[3] = {1.5, 2.5, -2.5};
        for (int i = 0; i < 3; i++) {
            double x = ri[i], f = floor(x), want;
            switch (modes[m].rm) {
            case TK_ROUND_FLOOR: want = f; break;
            case TK_ROUND_CEIL: want = f + 1; break;
            case TK_ROUND_TRUNC: want = trunc(x); break;
            case TK_ROUND_AWAY: want = round(x); break;
            case TK_ROUND_ODD: want = fmod(f, 2) != 0 ? f : f + 1; break;
            default: want = nearbyint(x); break;
            }
            cr_assert_eq(o[i], (int32_t)want, "%s %g", modes[m].mode, x);
        }
        cr_assert_eq(o[6], 0); /* NaN -> 0 */
    }
    cr_assert_eq(vrun(&v, "vconv.i8.f32 ub[131072], ub[0], dstrep=2", NULL), 0);
    cr_assert_eq((int8_t)v.o[3], 127);
    cr_assert_eq((int8_t)v.o[4], -128);
    cr_assert_eq((int8_t)v.o[1], 2);
    cr_assert_eq(vrun(&v, "vconv.f32.f16 ub[131072], ub[0], src0rep=4", NULL), 0); /* widening is exact */
    cr_assert_eq(F(v.o)[0], hf(H(v.a)[0]));
}

Test(vector, reductions_per_repeat_and_across)
{
    static V v, w;
    fill16(&v, 4);
    memcpy(&w, &v, sizeof v);
    cr_assert_eq(vrun(&v, "vcmax.f16 ub[131072], ub[0], repeat=3, mask=100", NULL), 0);
    for (int r = 0; r < 3; r++) {
        int bi = 0;
        for (int l = 1; l < 100; l++)
            if (hf(H(w.a)[r * 128 + l]) > hf(H(w.a)[r * 128 + bi]))
                bi = l;
        cr_assert_eq(H(v.o)[2 * r], H(w.a)[r * 128 + bi]);
        cr_assert_eq(H(v.o)[2 * r + 1], bi);
    }
    memcpy(&v, &w, sizeof v);
    cr_assert_eq(vrun(&v, "vcadd.f32 ub[131072], ub[0], repeat=2, dstrep=2", NULL), 0);
    for (int r = 0; r < 2; r++) {
        float t[64];
        for (int l = 0; l < 64; l++)
            t[l] = F(w.a)[r * 64 + l];
        for (int n = 64; n > 1; n /= 2) /* pairwise tree */
            for (int i = 0; i < n / 2; i++)
                t[i] = t[2 * i] + t[2 * i + 1];
        cr_assert_eq(F(v.o)[2 * r], t[0]);
    }
    memcpy(&v, &w, sizeof v);
    cr_assert_eq(vrun(&v, "vredmin.f32 ub[131072], ub[0], repeat=4", NULL), 0);
    int bi = 0;
    for (int i = 1; i < 256; i++)
        if (F(w.a)[i] < F(w.a)[bi])
            bi = i;
    cr_assert_eq(F(v.o)[0], F(w.a)[bi]);
    cr_assert_eq(((uint32_t *)(void *)v.o)[1], (uint32_t)bi);
    memcpy(&v, &w, sizeof v);
    cr_assert_eq(vrun(&v, "vredsum.f16 ub[131072], ub[0], repeat=2, mask=3", NULL), 0);
    /* active lanes 0..2 of both repeats: tree ((a0+a1)+(a2+a128)) + (a129+a130) */
    const uint16_t *x = H(w.a);
    float p0 = hf(h(hf(x[0]) + hf(x[1]))), p1 = hf(h(hf(x[2]) + hf(x[128]))), p2 = hf(h(hf(x[129]) + hf(x[130])));
    cr_assert_eq(H(v.o)[0], h(hf(h(p0 + p1)) + p2));
}

Test(vector, division_fp32)
{
    static V v, w;
    fill(&v, 50);
    memcpy(&w, &v, sizeof v);
    cr_assert_eq(vrun(&v, "vdiv.f32 ub[131072], ub[0], ub[65536], repeat=2", NULL), 0);
    for (int i = 0; i < 128; i++)
        cr_assert_eq(F(v.o)[i], F(w.a)[i] / F(w.b)[i]);
}
