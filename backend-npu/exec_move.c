/* Data movement: `dma` bursts of whole 32-byte blocks between GM, L1 and UB
 * (MTE2/MTE3/MTE1, V for UB -> UB), and `dma_pad`, byte-exact bursts between
 * GM and UB/L1 (Ascend C DataCopyPad). Cost: pipe latency + the 32-byte
 * blocks each burst touches / bandwidth + a per-burst overhead. */
#include "backend-npu/sim.h"

#include <string.h>

uint64_t move_cost(NpuSim *s, int path, int pipe, uint64_t bytes)
{
    return move_cost_bursts(s, path, pipe, bytes, ceil_div(bytes, 32), 1);
}

uint64_t move_cost_bursts(NpuSim *s, int path, int pipe, uint64_t bytes, uint64_t blocks, uint64_t nburst)
{
    s->rep.bytes[path] += bytes;
    double bw = s->prof.bw[path], moved = (double)(blocks * 32);
    uint64_t t = bw > 0 ? (uint64_t)(moved / bw) : 0;
    if (bw > 0 && (double)t * bw < moved)
        t++;
    return s->prof.lat[pipe] + t + (nburst > 1 ? (nburst - 1) * s->prof.burst : 0);
}

/* 32-byte blocks a burst of n bytes at byte offset off touches. */
static uint64_t blocks_at(int64_t off, int64_t n) { return ceil_div((uint64_t)(off % 32) + (uint64_t)n, 32); }

static bool dma_params(NpuSim *s, Dyn *d, int64_t *v)
{
    const NpuOp op = sinstr(s, d)->op;
    static const NpuParam ps[4] = {NPU_PARAM_NBURST, NPU_PARAM_BURST, NPU_PARAM_SRCGAP, NPU_PARAM_DSTGAP};
    for (int i = 0; i < 4; i++) {
        NpuParam p = i == 1 && op == NPU_OP_DMA_PAD ? NPU_PARAM_LEN : ps[i];
        int64_t lo, hi;
        npu_param_range(op, p, &lo, &hi);
        v[i] = dyn_param(s, d, p);
        if (!check_param(s, d, p, v[i], lo, hi))
            return false;
    }
    return true;
}

/* The pad bytes after a byte-exact burst in UB/L1 up to the block end: the
 * hardware writes whole blocks, so their contents are undefined. */
static void pad_undefined(Region *r, int64_t off, int64_t n)
{
    int64_t end = (int64_t)ceil_div((uint64_t)(off + n), 32) * 32;
    if (end > off + n)
        memset(r->init + off + n, 0, (size_t)(end - off - n));
}

uint64_t exec_dma(NpuSim *s, Dyn *d)
{
    const NpuInstr *in = sinstr(s, d);
    int path = move_path((NpuScope)in->a[1].scope, (NpuScope)in->a[0].scope);
    bool pad = in->op == NPU_OP_DMA_PAD;
    int64_t v[4];
    if (!dma_params(s, d, v))
        return s->prof.lat[d->pipe];
    int64_t nb = v[0], sg = v[2], dg = v[3];
    int64_t len = pad ? v[1] : v[1] * 32;          /* bytes per burst */
    int64_t lstep = (int64_t)ceil_div((uint64_t)len, 32) * 32; /* a burst's extent in UB/L1 */
    bool src_gm = in->a[1].scope == NPU_GM, dst_gm = in->a[0].scope == NPU_GM;
    if (pad && src_gm == dst_gm) {
        sim_error(s, NPU_CHECK_UNSUPPORTED, s->cur, "dma_pad moves between gm and ub/l1, not %s -> %s",
                  npu_scope_name((NpuScope)in->a[1].scope), npu_scope_name((NpuScope)in->a[0].scope));
        return s->prof.lat[d->pipe];
    }
    /* burst i starts at base + i * step; gaps count bytes on GM for dma_pad,
     * 32-byte blocks everywhere else */
    int64_t sstep = pad && src_gm ? len + sg : lstep + sg * 32;
    int64_t dstep = pad && dst_gm ? len + dg : lstep + dg * 32;
    uint64_t blocks = 0;
    for (int64_t i = 0; i < nb; i++) /* GM is read and written in whole 32-byte blocks */
        blocks += src_gm ? blocks_at(d->addr[1] + i * sstep, len)
                : dst_gm ? blocks_at(d->addr[0] + i * dstep, len) : (uint64_t)lstep / 32;
    uint64_t cost = move_cost_bursts(s, path, d->pipe, (uint64_t)(nb * len), blocks, (uint64_t)nb);
    int64_t sext = (nb - 1) * sstep + (src_gm ? len : lstep), dext = (nb - 1) * dstep + (dst_gm ? len : lstep);
    if (!check_align(s, d, 0, 0) || !check_align(s, d, 1, 0) ||
        !check_range(s, d, 1, d->addr[1], d->addr[1] + sext) || !check_range(s, d, 0, d->addr[0], d->addr[0] + dext))
        return cost;
    Region *src = region_of(s, &in->a[1]), *dst = region_of(s, &in->a[0]);
    if (!src || !dst)
        return cost;
    for (int64_t i = 0; i < nb; i++) {
        int64_t so = d->addr[1] + i * sstep, doff = d->addr[0] + i * dstep;
        const uint8_t *sp = acc(s, src, so, (uint32_t)len, false);
        uint8_t *dp = acc(s, dst, doff, (uint32_t)len, true);
        memmove(dp, sp, (size_t)len);
        if (pad && !dst_gm)
            pad_undefined(dst, doff, len);
    }
    return cost;
}
