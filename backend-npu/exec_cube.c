/* Cube path: load2d of 512-byte fractals into L0A/L0B, mmad (fp16 x fp16 ->
 * fp32 accumulate in L0C, one 16x16x16 fractal per cycle) and fixpipe moves
 * out of L0C. Layouts: L0A Zz, L0B zN, L0C NZ (docs/npu.md). */
#include "backend-npu/elem.h"
#include "backend-npu/sim.h"

#include <stdlib.h>
#include <string.h>

uint64_t exec_load2d(NpuSim *s, Dyn *d)
{
    const NpuInstr *in = sinstr(s, d);
    int path = move_path((NpuScope)in->a[1].scope, (NpuScope)in->a[0].scope);
    int64_t rep = dyn_param(s, d, NPU_PARAM_REPEAT), st = dyn_param(s, d, NPU_PARAM_SRCSTRIDE);
    int64_t tr = dyn_param(s, d, NPU_PARAM_TRANSPOSE);
    if (!check_param(s, d, NPU_PARAM_REPEAT, rep, 1, 255) || !check_param(s, d, NPU_PARAM_SRCSTRIDE, st, 0, 65535) ||
        !check_param(s, d, NPU_PARAM_TRANSPOSE, tr, 0, 1))
        return s->prof.lat[d->pipe];
    uint64_t cost = move_cost(s, path, d->pipe, (uint64_t)rep * 512);
    if (!check_align(s, d, 0, 0) || !check_align(s, d, 1, 0) ||
        !check_range(s, d, 1, d->addr[1], d->addr[1] + ((rep - 1) * st + 1) * 512) ||
        !check_range(s, d, 0, d->addr[0], d->addr[0] + rep * 512))
        return cost;
    Region *src = region_of(s, &in->a[1]), *dst = region_of(s, &in->a[0]);
    if (!src || !dst)
        return cost;
    uint8_t frac[512];
    for (int64_t i = 0; i < rep; i++) {
        memcpy(frac, acc(s, src, d->addr[1] + i * st * 512, 512, false), 512);
        uint8_t *dp = acc(s, dst, d->addr[0] + i * 512, 512, true);
        if (!tr) {
            memcpy(dp, frac, 512);
            continue;
        }
        for (int r = 0; r < 16; r++) /* transpose the 16x16 b16 fractal */
            for (int c = 0; c < 16; c++)
                memcpy(dp + (c * 16 + r) * 2, frac + (r * 16 + c) * 2, 2);
    }
    return cost;
}

/* Element offsets inside fractal layouts (elements, not bytes). */
static int64_t zz(int64_t i, int64_t k, int64_t K1) { return ((i / 16) * K1 + k / 16) * 256 + (i % 16) * 16 + k % 16; }
static int64_t zn(int64_t k, int64_t j, int64_t N1) { return ((k / 16) * N1 + j / 16) * 256 + (j % 16) * 16 + k % 16; }
static int64_t nz(int64_t i, int64_t j, int64_t M1) { return ((j / 16) * M1 + i / 16) * 256 + (i % 16) * 16 + j % 16; }

uint64_t exec_mmad(NpuSim *s, Dyn *d)
{
    const NpuInstr *in = sinstr(s, d);
    int64_t m = dyn_param(s, d, NPU_PARAM_M), n = dyn_param(s, d, NPU_PARAM_N), k = dyn_param(s, d, NPU_PARAM_K);
    int64_t init = dyn_param(s, d, NPU_PARAM_INIT);
    if (!check_param(s, d, NPU_PARAM_M, m, 0, 4095) || !check_param(s, d, NPU_PARAM_N, n, 0, 4095) ||
        !check_param(s, d, NPU_PARAM_K, k, 0, 4095) || !check_param(s, d, NPU_PARAM_INIT, init, 0, 1))
        return s->prof.mmad_issue;
    int64_t M1 = (m + 15) / 16, N1 = (n + 15) / 16, K1 = (k + 15) / 16;
    uint64_t cost = s->prof.mmad_issue + (uint64_t)(M1 * N1 * K1) * s->prof.mmad_fractal;
    static const NpuScope want[3] = {NPU_L0C, NPU_L0A, NPU_L0B};
    for (int q = 0; q < 3; q++)
        if (in->a[q].scope != want[q]) {
            sim_error(s, NPU_CHECK_UNSUPPORTED, (uint32_t)(d - s->dyn), "mmad operands are l0c, l0a, l0b; got %s",
                      npu_scope_name((NpuScope)in->a[q].scope));
            return cost;
        }
    if (m == 0 || n == 0 || k == 0)
        return cost;
    if (!check_align(s, d, 0, 0) || !check_align(s, d, 1, 0) || !check_align(s, d, 2, 0) ||
        !check_range(s, d, 1, d->addr[1], d->addr[1] + M1 * K1 * 512) ||
        !check_range(s, d, 2, d->addr[2], d->addr[2] + K1 * N1 * 512) ||
        !check_range(s, d, 0, d->addr[0], d->addr[0] + M1 * N1 * 1024))
        return cost;
    Region *c = region_of(s, &in->a[0]), *a = region_of(s, &in->a[1]), *b = region_of(s, &in->a[2]);
    float *A = malloc((size_t)(m * k + k * n) * sizeof *A);
    if (!a || !b || !c || !A) {
        free(A);
        return cost;
    }
    float *B = A + m * k;
    for (int64_t i = 0; i < m; i++)
        for (int64_t kk = 0; kk < k; kk++)
            A[i * k + kk] = (float)elem_load(NPU_DT_F16, acc(s, a, d->addr[1] + zz(i, kk, K1) * 2, 2, false));
    for (int64_t kk = 0; kk < k; kk++)
        for (int64_t j = 0; j < n; j++)
            B[kk * n + j] = (float)elem_load(NPU_DT_F16, acc(s, b, d->addr[2] + zn(kk, j, N1) * 2, 2, false));
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            int64_t off = d->addr[0] + nz(i, j, M1) * 4;
            float accum = init ? 0.0f : (float)elem_load(NPU_DT_F32, acc(s, c, off, 4, false));
            for (int64_t kk = 0; kk < k; kk++) /* products of fp16 are exact in fp32 */
                accum += A[i * k + kk] * B[kk * n + j];
            memcpy(acc(s, c, off, 4, true), &accum, 4);
        }
    free(A);
    return cost;
}

uint64_t exec_fixpipe(NpuSim *s, Dyn *d)
{
    const NpuInstr *in = sinstr(s, d);
    int path = move_path((NpuScope)in->a[1].scope, (NpuScope)in->a[0].scope);
    int64_t m = dyn_param(s, d, NPU_PARAM_M), n = dyn_param(s, d, NPU_PARAM_N);
    int64_t nd = dyn_param(s, d, NPU_PARAM_NZ2ND), ld = dyn_param(s, d, NPU_PARAM_LD);
    if (!check_param(s, d, NPU_PARAM_M, m, 1, 4095) || !check_param(s, d, NPU_PARAM_N, n, 1, 4095) ||
        !check_param(s, d, NPU_PARAM_NZ2ND, nd, 0, 1) || !check_param(s, d, NPU_PARAM_LD, ld, 0, 65535))
        return s->prof.lat[d->pipe];
    if (ld == 0)
        ld = n;
    if (nd && !s->prof.fixpipe) {
        sim_error(s, NPU_CHECK_UNSUPPORTED, s->cur, "nz2nd=1: on-the-fly NZ -> ND conversion is a fixpipe "
                  "feature (A2 and later); profile %s moves L0C to UB in NZ layout", s->prof.name);
        return s->prof.lat[d->pipe];
    }
    unsigned es = npu_dtype_size(in->dt);
    int64_t M1 = (m + 15) / 16, N1 = (n + 15) / 16;
    uint64_t cost = move_cost(s, path, d->pipe, (uint64_t)(m * n) * es);
    if (nd && ld < n) {
        sim_error(s, NPU_CHECK_PARAM, (uint32_t)(d - s->dyn), "ld=%lld is smaller than n=%lld", (long long)ld, (long long)n);
        return cost;
    }
    int64_t dext = nd ? ((m - 1) * ld + n) * es : M1 * N1 * 256 * es;
    if (!check_align(s, d, 0, 0) || !check_align(s, d, 1, 0) ||
        !check_range(s, d, 1, d->addr[1], d->addr[1] + M1 * N1 * 1024) ||
        !check_range(s, d, 0, d->addr[0], d->addr[0] + dext))
        return cost;
    Region *src = region_of(s, &in->a[1]), *dst = region_of(s, &in->a[0]);
    if (!src || !dst)
        return cost;
    for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
            double v = elem_load(NPU_DT_F32, acc(s, src, d->addr[1] + nz(i, j, M1) * 4, 4, false));
            int64_t o = nd ? i * ld + j : nz(i, j, M1);
            elem_store(in->dt, acc(s, dst, d->addr[0] + o * (int64_t)es, es, true), v, TK_ROUND_NEAREST_EVEN, true);
        }
    return cost;
}
