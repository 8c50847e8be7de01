/* Hand-written programs end to end: single vs double-buffered vector add
 * (results and the cycle ratio the model predicts), multi-core split, cube
 * matmuls on fractals, hand-computed cycle counts and the trace. */
#include "npu_test_util.h"

#include <math.h>

enum { NX = 32768, TILE_BYTES = 4096, NTILE = 16 };

static void vadd_inputs(NT *t, uint16_t *x, uint16_t *y)
{
    uint32_t st = 7;
    for (int i = 0; i < NX; i++) {
        x[i] = h(nt_rand(&st, 100));
        y[i] = h(nt_rand(&st, 100));
    }
    nt_set(t, "x", x, sizeof(uint16_t) * NX);
    nt_set(t, "y", y, sizeof(uint16_t) * NX);
}

static void vadd_check(NT *t, const uint16_t *x, const uint16_t *y)
{
    const uint16_t *z = nt_get(t, "z");
    for (int i = 0; i < NX; i++)
        cr_assert_eq(z[i], h(hf(x[i]) + hf(y[i])), "z[%d]", i);
}

static uint64_t run_vadd(const char *file, NpuReport *rep)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_file(&t, file);
    static uint16_t x[NX], y[NX];
    vadd_inputs(&t, x, y);
    nt_run_ok(&t, 0);
    vadd_check(&t, x, y);
    *rep = *npu_sim_report(t.s);
    uint64_t c = rep->cycles;
    nt_free(&t);
    return c;
}

Test(programs, double_buffering_overlaps_mte2_with_v_and_is_faster)
{
    NpuReport r1, r2;
    uint64_t single = run_vadd("vadd_single.npuasm", &r1);
    uint64_t dbl = run_vadd("vadd_double.npuasm", &r2);
    NT t;
    nt_init(&t, "ascend910");
    const NpuProfile *p = &t.prof;
    /* per tile, from the profile: two loads, one add, one store */
    uint64_t load = 2 * (p->lat[NPU_PIPE_MTE2] + (uint64_t)ceil(TILE_BYTES / p->bw[NPU_PATH_GM_UB]));
    uint64_t vec = p->vec_issue + 16 * p->vec_repeat[NPU_VC_SIMPLE];
    uint64_t store = p->lat[NPU_PIPE_MTE3] + (uint64_t)ceil(TILE_BYTES / p->bw[NPU_PATH_UB_GM]);
    /* serial: every stage of every tile back to back */
    cr_assert_geq(single, NTILE * (load + vec + store));
    cr_assert_leq(single, NTILE * (load + vec + store + 40));
    /* double buffered: bound by MTE2, the other stages hide behind it */
    cr_assert_geq(dbl, NTILE * load);
    cr_assert_leq(dbl, NTILE * (load + 12) + vec + store + 40);
    double ratio = (double)dbl / (double)single;
    double model = (double)(load + 12) / (double)(load + vec + store);
    cr_assert_lt(ratio, model + 0.02, "ratio %.3f, model %.3f", ratio, model);
    /* overlap: MTE2 and V and MTE3 together are busier than the wall clock */
    cr_assert_gt(r2.busy[NPU_PIPE_MTE2] + r2.busy[NPU_PIPE_MTE3], r2.cycles);
    cr_assert_eq(r1.bytes[NPU_PATH_GM_UB], 2ull * NX * 2);
    cr_assert_eq(r2.bytes[NPU_PATH_UB_GM], 2ull * NX);
    cr_assert_eq(r1.peak[NPU_UB], 3 * TILE_BYTES);
    cr_assert_eq(r2.peak[NPU_UB], 6 * TILE_BYTES);
    nt_free(&t);
}

Test(programs, trace_shows_mte2_overlapping_v)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_file(&t, "vadd_double.npuasm");
    static uint16_t x[NX], y[NX];
    vadd_inputs(&t, x, y);
    npu_sim_enable_trace(t.s, true);
    nt_run_ok(&t, 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(npu_sim_write_trace(t.s, f));
    fclose(f);
    cr_assert(strstr(buf, "\"traceEvents\""));
    cr_assert(strstr(buf, "PIPE_mte2"));
    cr_assert(strstr(buf, "\"name\":\"vadd\""));
    /* find a V interval that lies inside some MTE2 interval's span */
    bool overlap = false;
    const char *s = buf;
    double vts[64], vdur[64], mts[256], mdur[256];
    int nv = 0, nm = 0;
    while ((s = strstr(s, "{\"ph\":\"X\""))) {
        unsigned pid, tid;
        double ts, dur;
        if (sscanf(s, "{\"ph\":\"X\",\"pid\":%u,\"tid\":%u,\"ts\":%lf,\"dur\":%lf", &pid, &tid, &ts, &dur) == 4) {
            if (tid == NPU_PIPE_V && strstr(s, "\"vadd\"") == strstr(s, "\"name\"") + 7 && nv < 64)
                vts[nv] = ts, vdur[nv++] = dur;
            if (tid == NPU_PIPE_MTE2 && dur > 0 && nm < 256)
                mts[nm] = ts, mdur[nm++] = dur;
        }
        s++;
    }
    for (int i = 0; i < nv; i++)
        for (int j = 0; j < nm; j++)
            overlap |= vts[i] < mts[j] + mdur[j] && mts[j] < vts[i] + vdur[i];
    cr_assert(nv == 16 && nm > 0, "nv %d nm %d", nv, nm);
    cr_assert(overlap);
    free(buf);
    nt_free(&t);
}

Test(programs, multicore_split_is_correct_and_faster)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_file(&t, "vadd_multicore.npuasm");
    static uint16_t x[NX], y[NX];
    vadd_inputs(&t, x, y);
    nt_run_ok(&t, 0);
    vadd_check(&t, x, y);
    const NpuReport *r = npu_sim_report(t.s);
    cr_assert_eq(r->block_dim, 4);
    for (int c = 1; c < 4; c++)
        cr_assert_eq(r->core_cycles[c], r->core_cycles[0]);
    uint64_t four = r->cycles;
    npu_sim_free(t.s);
    t.s = NULL;
    /* the same work on one core through a loop over block ids is 4x longer */
    NT u;
    nt_init(&u, "ascend910");
    nt_file(&u, "vadd_single.npuasm");
    vadd_inputs(&u, x, y);
    nt_run_ok(&u, 1);
    uint64_t one = npu_sim_report(u.s)->cycles;
    cr_assert_leq(one, 4 * four);
    cr_assert_geq(one + 4 * 8 * t.prof.scalar, 4 * four, "%llu vs 4 x %llu", (unsigned long long)one, (unsigned long long)four); /* block_idx, mul, add */
    nt_free(&u);
    nt_free(&t);
}

/* a (m x k) row-major -> Zz fractals; b (k x n) -> zN (or zZ when !zn). */
static void pack_zz(const uint16_t *a, int m, int k, uint16_t *out)
{
    int K1 = k / 16;
    for (int i = 0; i < m; i++)
        for (int kk = 0; kk < k; kk++)
            out[((i / 16) * K1 + kk / 16) * 256 + (i % 16) * 16 + kk % 16] = a[i * k + kk];
}

static void pack_b(const uint16_t *b, int k, int n, uint16_t *out, bool zn)
{
    int N1 = n / 16;
    for (int kk = 0; kk < k; kk++)
        for (int j = 0; j < n; j++)
            out[((kk / 16) * N1 + j / 16) * 256 + (zn ? (j % 16) * 16 + kk % 16 : (kk % 16) * 16 + j % 16)] =
                b[kk * n + j];
}

static void matmul_ref(const uint16_t *a, const uint16_t *b, int m, int k, int n, float *c)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float acc = 0;
            for (int kk = 0; kk < k; kk++)
                acc += hf(a[i * k + kk]) * hf(b[kk * n + j]);
            c[i * n + j] = acc;
        }
}

Test(programs, cube_matmul_910_through_ub)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_file(&t, "matmul_910.npuasm");
    uint16_t a[1024], b[1024], pa[1024], pb[1024];
    uint32_t st = 3;
    for (int i = 0; i < 1024; i++)
        a[i] = h(nt_rand(&st, 2)), b[i] = h(nt_rand(&st, 2));
    pack_zz(a, 32, 32, pa);
    pack_b(b, 32, 32, pb, true);
    nt_set(&t, "a", pa, sizeof pa);
    nt_set(&t, "b", pb, sizeof pb);
    nt_run_ok(&t, 1);
    float ref[1024];
    matmul_ref(a, b, 32, 32, 32, ref);
    const float *c = nt_get(&t, "c"); /* NZ: fractals column-major, rows inside */
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            int o = ((j / 16) * 2 + i / 16) * 256 + (i % 16) * 16 + j % 16;
            cr_assert_eq(c[o], ref[i * 32 + j], "c[%d][%d] %g vs %g", i, j, c[o], ref[i * 32 + j]);
        }
    const NpuReport *r = npu_sim_report(t.s);
    cr_assert_eq(r->busy[NPU_PIPE_M], t.prof.mmad_issue + 8 * t.prof.mmad_fractal + 2 * t.prof.sync); /* + wait, set */
    cr_assert_eq(r->bytes[NPU_PATH_L0C_UB], 4096);
    nt_free(&t);
}

Test(programs, cube_matmul_910b_accumulates_and_uses_fixpipe)
{
    NT t;
    nt_init(&t, "ascend910b");
    nt_file(&t, "matmul_910b.npuasm");
    uint16_t a[2048], b[2048], pa[2048], pb[2048];
    uint32_t st = 5;
    for (int i = 0; i < 2048; i++)
        a[i] = h(nt_rand(&st, 2)), b[i] = h(nt_rand(&st, 2));
    pack_zz(a, 32, 64, pa);
    pack_b(b, 64, 32, pb, false);
    nt_set(&t, "a", pa, sizeof pa);
    nt_set(&t, "b", pb, sizeof pb);
    nt_run_ok(&t, 1);
    float ref[1024];
    /* two k = 32 halves accumulated in fp32, then rounded to fp16 */
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            float acc = 0;
            for (int kk = 0; kk < 32; kk++)
                acc += hf(a[i * 64 + kk]) * hf(b[kk * 32 + j]);
            for (int kk = 32; kk < 64; kk++)
                acc += hf(a[i * 64 + kk]) * hf(b[kk * 32 + j]);
            ref[i * 32 + j] = acc;
        }
    const uint16_t *c = nt_get(&t, "c");
    for (int i = 0; i < 1024; i++)
        cr_assert_eq(c[i], h(ref[i]), "c[%d]", i);
    const NpuReport *r = npu_sim_report(t.s);
    cr_assert_gt(r->busy[NPU_PIPE_FIX], 0);
    cr_assert_eq(r->busy[NPU_PIPE_V], 0);
    nt_free(&t);
}

Test(programs, cycle_counts_by_hand)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_parse(&t, ".gm x f16 128\n"
                 "    dma ub[0], x[0], burst=8\n");            /* 256 bytes on MTE2 */
    nt_set(&t, "x", (uint16_t[128]){0}, 256);
    nt_run_ok(&t, 1);
    const NpuProfile *p = &t.prof;
    uint64_t dma = p->lat[NPU_PIPE_MTE2] + (uint64_t)ceil(256 / p->bw[NPU_PATH_GM_UB]);
    cr_assert_eq(npu_sim_report(t.s)->cycles, p->dispatch + dma);
    nt_free(&t);

    /* dma, flag, 3 scalar instructions, then a 5-repeat vadd waiting on it */
    nt_init(&t, "ascend910");
    nt_parse(&t, ".gm x f16 128\n"
                 "    dma ub[0], x[0], burst=8\n"
                 "    set_flag mte2, v, 0\n"
                 "    mov r1, 1\n    add r1, r1, 1\n    mul r1, r1, 3\n"
                 "    wait_flag mte2, v, 0\n"
                 "    vadd.f16 ub[256], ub[0], ub[0], repeat=5, src0rep=0, src1rep=0\n");
    nt_set(&t, "x", (uint16_t[128]){0}, 256);
    nt_run_ok(&t, 1);
    p = &t.prof;
    /* S: dispatch dma (d), dispatch set (d), 3 scalar, dispatch wait, dispatch vadd.
     * MTE2: dma from d; set at end. V: wait until set fires, then vadd. */
    uint64_t set_fire = p->dispatch + dma + p->sync;
    uint64_t wait_end = set_fire + p->sync;
    uint64_t total = wait_end + p->vec_issue + 5 * p->vec_repeat[NPU_VC_SIMPLE];
    cr_assert_eq(npu_sim_report(t.s)->cycles, total);
    cr_assert_eq(npu_sim_report(t.s)->busy[NPU_PIPE_V], 2 * p->sync + p->vec_issue + 5 * p->vec_repeat[NPU_VC_SIMPLE] - p->sync);
    nt_free(&t);

    /* mmad of 48x32x64 fp16: 3 x 2 x 4 = 24 fractals */
    nt_init(&t, "ascend910");
    nt_parse(&t, "    mmad l0c[0], l0a[0], l0b[0], m=48, n=32, k=64\n");
    npu_sim_set_max_errors(t.s, 100);
    npu_sim_run(t.s, 1); /* reads uninitialised L0: only the timing matters here */
    cr_assert_eq(npu_sim_report(t.s)->cycles, t.prof.dispatch + t.prof.mmad_issue + 24 * t.prof.mmad_fractal);
    cr_assert_eq(npu_sim_count(t.s, NPU_CHECK_UNINIT), 1);
    nt_free(&t);
}

Test(programs, waves_when_blocks_exceed_cores)
{
    NT t;
    nt_init(&t, "ascend910");
    nt_parse(&t, ".gm z f16 65536\n"
                 "    block_idx r0\n    mul r0, r0, 128\n"
                 "    vdup.f16 ub[0], 1.5\n"
                 "    set_flag v, mte3, 0\n    wait_flag v, mte3, 0\n"
                 "    dma z[r0], ub[0], burst=4\n");
    npu_sim_enable_trace(t.s, true);
    nt_run_ok(&t, 48); /* 32 cores: cores 0..15 run two blocks */
    /* the trace starts block 32 where block 0 ended on core 0 */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    npu_sim_write_trace(t.s, f);
    fclose(f);
    cr_assert(strstr(buf, "\"name\":\"block 32 (core 0)\""));
    double first32 = 1e30;
    for (const char *q = buf; (q = strstr(q, "\"ph\":\"X\",\"pid\":32,")); q++) {
        double ts = atof(strstr(q, "\"ts\":") + 5);
        first32 = ts < first32 ? ts : first32;
    }
    free(buf);
    const NpuReport *r = npu_sim_report(t.s);
    cr_assert_eq(r->core_cycles[0], 2 * r->core_cycles[31]);
    cr_assert_geq(first32 * t.prof.clock_mhz + 0.5, (double)r->core_cycles[31]);
    cr_assert_eq(r->cycles, r->core_cycles[0]);
    const uint16_t *z = nt_get(&t, "z");
    cr_assert_eq(z[48 * 64 - 1], h(1.5f));
    cr_assert_eq(z[48 * 64], 0);
    nt_free(&t);
}
