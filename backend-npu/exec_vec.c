/* Vector unit semantics on UB: per repeat 256 bytes in 8 blocks of 32 bytes,
 * block and repeat strides in 32-byte units, lane masks; fp16 computed
 * exactly and rounded once to fp16, as the hardware does. */
#include "backend-npu/elem.h"
#include "backend-npu/sim.h"

#include <stdlib.h>
#include <string.h>

/* One strided vector operand. */
typedef struct Opnd { Region *r; int64_t base; unsigned es; int64_t blk, rep; } Opnd;

static int64_t eoff(const Opnd *o, int64_t r, unsigned l)
{
    unsigned per = 32 / o->es;
    return o->base + r * o->rep * 32 + (int64_t)(l / per) * o->blk * 32 + (int64_t)(l % per) * o->es;
}

typedef struct Lanes { unsigned n, first, last; bool on[256]; } Lanes;

static bool lanes_of(NpuSim *s, const Dyn *d, const NpuInstr *in, Lanes *ln)
{
    ln->n = npu_vec_lanes(in);
    const NpuMask *m = &in->mask;
    uint32_t dyn = (uint32_t)(d - s->dyn);
    if (m->bitwise && ln->n <= 64 && m->hi != 0) {
        sim_error(s, NPU_CHECK_PARAM, dyn, "mask high word must be 0 for %u-lane (32-bit) operations", ln->n);
        return false;
    }
    if (!m->bitwise && m->count > ln->n) {
        sim_error(s, NPU_CHECK_PARAM, dyn, "mask=%u out of range [1, %u]", m->count, ln->n);
        return false;
    }
    bool any = false;
    for (unsigned l = 0; l < ln->n; l++) {
        bool on = m->bitwise ? (l < 64 ? (m->lo >> l) & 1 : l < 128 ? (m->hi >> (l - 64)) & 1 : 0)
                             : l < (m->count ? m->count : ln->n);
        ln->on[l] = on;
        if (on) {
            if (!any)
                ln->first = l;
            ln->last = l;
            any = true;
        }
    }
    if (!any)
        sim_error(s, NPU_CHECK_PARAM, dyn, "mask selects no lane");
    return any;
}

/* Sets up operand k and checks scope, alignment and bounds over all repeats. */
static bool opnd(NpuSim *s, Dyn *d, int k, Opnd *o, NpuDtype dt, NpuParam blk, NpuParam rep,
                 int64_t nrep, const Lanes *ln)
{
    const NpuInstr *in = sinstr(s, d);
    if (in->a[k].scope != NPU_UB) {
        sim_error(s, NPU_CHECK_UNSUPPORTED, (uint32_t)(d - s->dyn), "vector operands must be in ub, not %s",
                  npu_scope_name((NpuScope)in->a[k].scope));
        return false;
    }
    o->es = npu_dtype_size(dt);
    o->base = d->addr[k];
    o->blk = blk < NPU_NPARAM ? dyn_param(s, d, blk) : 1;
    o->rep = rep < NPU_NPARAM ? dyn_param(s, d, rep) : 8;
    if ((blk < NPU_NPARAM && !check_param(s, d, blk, o->blk, 0, 255)) ||
        (rep < NPU_NPARAM && !check_param(s, d, rep, o->rep, 0, 255)) || !check_align(s, d, k, 0))
        return false;
    if (nrep == 0)
        return true;
    if (!check_range(s, d, k, eoff(o, 0, ln->first), eoff(o, nrep - 1, ln->last) + o->es))
        return false;
    o->r = region_of(s, &in->a[k]);
    return o->r != NULL;
}

/* Published rule (TIK vector address overlap): a source and the destination
 * are identical lane for lane or disjoint, and no repeat reads what another
 * repeat writes, except dst == src1 with both repeat strides 0 in
 * vadd/vsub/vmul/vmax/vmin/vand/vor (accumulating into one repeat). */
static bool same_layout(const Opnd *a, const Opnd *b)
{
    return a->base == b->base && a->es == b->es && a->blk == b->blk && a->rep == b->rep;
}

static void check_overlap(NpuSim *s, const Dyn *d, const Opnd *dst, const Opnd *src, int k, int64_t nrep,
                          const Lanes *ln)
{
    int64_t dlo = eoff(dst, 0, ln->first), dhi = eoff(dst, nrep - 1, ln->last) + dst->es;
    int64_t slo = eoff(src, 0, ln->first), shi = eoff(src, nrep - 1, ln->last) + src->es;
    if (dhi <= slo || shi <= dlo)
        return;
    NpuOp op = sinstr(s, d)->op;
    bool accum_op = op == NPU_OP_VADD || op == NPU_OP_VSUB || op == NPU_OP_VMUL || op == NPU_OP_VMAX ||
                    op == NPU_OP_VMIN || op == NPU_OP_VAND || op == NPU_OP_VOR;
    if (k == 2 && accum_op && same_layout(dst, src) && dst->rep == 0)
        return;
    int64_t extent = eoff(dst, 0, ln->last) + dst->es - eoff(dst, 0, ln->first);
    if (same_layout(dst, src) && dst->blk >= 1 && (nrep == 1 || dst->rep * 32 >= extent))
        return;
    /* the general case, byte by byte: tag each destination byte with its
     * (repeat, lane); a source byte of another (repeat, lane) conflicts */
    int64_t lo = dlo < slo ? dlo : slo, hi = dhi > shi ? dhi : shi;
    uint32_t *tag = calloc((size_t)(hi - lo), sizeof *tag);
    if (!tag)
        return;
    for (int64_t r = 0; r < nrep; r++)
        for (unsigned l = 0; l < ln->n; l++)
            if (ln->on[l])
                for (unsigned b = 0; b < dst->es; b++)
                    tag[eoff(dst, r, l) + b - lo] = (uint32_t)(r * 256 + l + 1);
    int64_t bad = -1;
    for (int64_t r = 0; r < nrep && bad < 0; r++)
        for (unsigned l = 0; l < ln->n && bad < 0; l++)
            if (ln->on[l])
                for (unsigned b = 0; b < src->es; b++) {
                    uint32_t t = tag[eoff(src, r, l) + b - lo];
                    if (t && t != (uint32_t)(r * 256 + l + 1)) {
                        bad = eoff(src, r, l) + b;
                        break;
                    }
                }
    free(tag);
    if (bad >= 0)
        sim_error(s, NPU_CHECK_OVERLAP, s->cur,
                  "%s operand and destination overlap at ub[%lld] without being the same lanes (destination "
                  "ub[%lld, %lld), source ub[%lld, %lld)): operands must be identical lane for lane or "
                  "disjoint, and no repeat may read what another repeat writes",
                  k == 1 ? "source" : "second source", (long long)bad, (long long)dlo, (long long)dhi,
                  (long long)slo, (long long)shi);
}

static double rd(NpuSim *s, const Opnd *o, NpuDtype dt, int64_t r, unsigned l)
{
    return elem_load(dt, acc(s, o->r, eoff(o, r, l), o->es, false));
}

static void wr(NpuSim *s, const Opnd *o, NpuDtype dt, int64_t r, unsigned l, double v, TkRound rm, bool sat)
{
    elem_store(dt, acc(s, o->r, eoff(o, r, l), o->es, true), v, rm, sat);
}

/* Integer results wrap to the element width. */
static double wrap(NpuDtype dt, int64_t x)
{
    return dt == NPU_DT_I32 ? (double)(int32_t)(uint32_t)(uint64_t)x : (double)(int16_t)(uint16_t)(uint64_t)x;
}

static double binop(NpuOp op, NpuDtype dt, double a, double b)
{
    if (!dt_is_float(dt)) {
        int64_t x = (int64_t)a, y = (int64_t)b;
        switch (op) {
        case NPU_OP_VADD: case NPU_OP_VADDS: return wrap(dt, (int64_t)((uint64_t)x + (uint64_t)y));
        case NPU_OP_VSUB:                    return wrap(dt, (int64_t)((uint64_t)x - (uint64_t)y));
        case NPU_OP_VMUL: case NPU_OP_VMULS: return wrap(dt, (int64_t)((uint64_t)x * (uint64_t)y));
        case NPU_OP_VMAX: case NPU_OP_VMAXS: return x > y ? a : b;
        case NPU_OP_VMIN: case NPU_OP_VMINS: return x < y ? a : b;
        case NPU_OP_VAND:                    return wrap(dt, x & y);
        case NPU_OP_VOR:                     return wrap(dt, x | y);
        default:                             return 0;
        }
    }
    if ((op == NPU_OP_VMAX || op == NPU_OP_VMIN || op == NPU_OP_VMAXS || op == NPU_OP_VMINS) &&
        (isnan(a) || isnan(b)))
        return NAN;
    switch (op) {
    case NPU_OP_VADD: case NPU_OP_VADDS: return a + b;
    case NPU_OP_VSUB:                    return a - b;
    case NPU_OP_VMUL: case NPU_OP_VMULS: return a * b;
    case NPU_OP_VDIV:                    return a / b;
    case NPU_OP_VMAX: case NPU_OP_VMAXS: return a > b ? a : b;
    case NPU_OP_VMIN: case NPU_OP_VMINS: return a < b ? a : b;
    default:                             return 0;
    }
}

static double unop(NpuOp op, NpuDtype dt, double a)
{
    switch (op) {
    case NPU_OP_VEXP:   return exp(a);
    case NPU_OP_VLN:    return log(a);
    case NPU_OP_VSQRT:  return sqrt(a);
    case NPU_OP_VRSQRT: return 1.0 / sqrt(a);
    case NPU_OP_VREC:   return 1.0 / a;
    case NPU_OP_VABS:   return fabs(a);
    case NPU_OP_VRELU:  return isnan(a) || a > 0 ? a : 0.0;
    default:            return 0;
    }
}

static bool cmp(int64_t c, double a, double b)
{
    switch (c) {
    case NPU_CMP_EQ: return a == b;
    case NPU_CMP_NE: return a != b;
    case NPU_CMP_LT: return a < b;
    case NPU_CMP_LE: return a <= b;
    case NPU_CMP_GT: return a > b;
    default:         return a >= b;
    }
}

/* Reduction of n values: pairwise tree for sums (each partial sum rounded
 * to dt), first extreme for max/min. */
static double reduce(NpuOp op, NpuDtype dt, double *v, unsigned *idx, unsigned n, unsigned *at)
{
    if (op == NPU_OP_VCADD || op == NPU_OP_VREDSUM) {
        uint8_t tmp[4];
        for (unsigned w = n; w > 1; w = (w + 1) / 2)
        {
            for (unsigned i = 0; i < w / 2; i++) {
                elem_store(dt, tmp, v[2 * i] + v[2 * i + 1], TK_ROUND_NEAREST_EVEN, false);
                v[i] = elem_load(dt, tmp);
            }
            if (w % 2)
                v[w / 2] = v[w - 1];
        }
        return v[0];
    }
    bool mx = op == NPU_OP_VCMAX || op == NPU_OP_VREDMAX;
    unsigned b = 0;
    for (unsigned i = 1; i < n; i++)
        if (mx ? v[i] > v[b] : v[i] < v[b])
            b = i;
    *at = idx[b];
    return v[b];
}

/* vbrcb (Ascend C Brcb): repeat r reads 8 consecutive elements from
 * src + r*8*es and fills destination block i (dst + r*dstrep*32 +
 * i*dstblk*32) with element i. */
static void exec_brcb(NpuSim *s, Dyn *d, int64_t nrep)
{
    const NpuInstr *in = sinstr(s, d);
    unsigned es = npu_dtype_size(in->dt);
    int64_t blk = dyn_param(s, d, NPU_PARAM_DSTBLK), rep = dyn_param(s, d, NPU_PARAM_DSTREP);
    for (int k = 0; k < 2; k++)
        if (in->a[k].scope != NPU_UB) {
            sim_error(s, NPU_CHECK_UNSUPPORTED, s->cur, "vector operands must be in ub, not %s",
                      npu_scope_name((NpuScope)in->a[k].scope));
            return;
        }
    if (!check_param(s, d, NPU_PARAM_DSTBLK, blk, 0, 255) || !check_param(s, d, NPU_PARAM_DSTREP, rep, 0, 255) ||
        !check_align(s, d, 0, 0) || !check_align(s, d, 1, 0) || nrep == 0 ||
        !check_range(s, d, 1, d->addr[1], d->addr[1] + nrep * 8 * es) ||
        !check_range(s, d, 0, d->addr[0], d->addr[0] + (nrep - 1) * rep * 32 + 7 * blk * 32 + 32))
        return;
    Region *src = region_of(s, &in->a[1]), *dst = region_of(s, &in->a[0]);
    if (!src || !dst)
        return;
    for (int64_t r = 0; r < nrep; r++) {
        uint8_t e[32]; /* read the repeat's 8 elements before writing (in place) */
        memcpy(e, acc(s, src, d->addr[1] + r * 8 * es, 8 * es, false), 8 * es);
        for (unsigned i = 0; i < 8; i++) {
            uint8_t *b = acc(s, dst, d->addr[0] + r * rep * 32 + i * blk * 32, 32, true);
            for (unsigned j = 0; j < 32; j += es)
                memcpy(b + j, e + i * es, es);
        }
    }
}

uint64_t exec_vector(NpuSim *s, Dyn *d)
{
    const NpuInstr *in = sinstr(s, d);
    const NpuOpInfo *oi = npu_op_info(in->op);
    int64_t nrep = dyn_param(s, d, NPU_PARAM_REPEAT);
    uint64_t cost = s->prof.vec_issue + (uint64_t)(nrep > 0 ? nrep : 0) * s->prof.vec_repeat[oi->cls];
    Lanes ln;
    if (!check_param(s, d, NPU_PARAM_REPEAT, nrep, 0, 255))
        return cost;
    if (oi->fam == NPU_F_VBRCB) {
        exec_brcb(s, d, nrep);
        return cost;
    }
    if (!lanes_of(s, d, in, &ln))
        return cost;
    NpuDtype dt = in->dt, sdt = in->op == NPU_OP_VCONV ? in->dt2 : in->dt;
    Opnd o[4] = {{0}};
    bool ok = true;
    switch (oi->fam) {
    case NPU_F_VBIN: case NPU_F_VCMP: case NPU_F_VSEL:
        ok = opnd(s, d, 1, &o[1], dt, NPU_PARAM_SRC0BLK, NPU_PARAM_SRC0REP, nrep, &ln) &&
             opnd(s, d, 2, &o[2], dt, NPU_PARAM_SRC1BLK, NPU_PARAM_SRC1REP, nrep, &ln);
        break;
    case NPU_F_VBINS: case NPU_F_VUN: case NPU_F_VCONV: case NPU_F_VRED: case NPU_F_VREDALL:
        ok = opnd(s, d, 1, &o[1], sdt, NPU_PARAM_SRC0BLK, NPU_PARAM_SRC0REP, nrep, &ln);
        break;
    default:
        break;
    }
    if (!ok || nrep == 0)
        return cost;
    unsigned nl = ln.n, es = npu_dtype_size(dt);
    uint32_t dyn = (uint32_t)(d - s->dyn);
    if (oi->fam == NPU_F_VCMP || oi->fam == NPU_F_VSEL) {
        /* bit masks: lanes/8 bytes per repeat, packed */
        int k = oi->fam == NPU_F_VCMP ? 0 : 3;
        if (sinstr(s, d)->a[k].scope != NPU_UB) {
            sim_error(s, NPU_CHECK_UNSUPPORTED, dyn, "compare masks must be in ub");
            return cost;
        }
        if (!check_align(s, d, k, 0) || !check_range(s, d, k, d->addr[k], d->addr[k] + nrep * (nl / 8)))
            return cost;
        o[k].r = region_of(s, &in->a[k]);
        o[k].base = d->addr[k];
        if (!o[k].r)
            return cost;
    }
    if (oi->fam == NPU_F_VRED || oi->fam == NPU_F_VREDALL) {
        bool pair = in->op != NPU_OP_VCADD && in->op != NPU_OP_VREDSUM;
        int64_t unit = pair ? 2 * es : es, dstrep = oi->fam == NPU_F_VRED ? dyn_param(s, d, NPU_PARAM_DSTREP) : 0;
        int64_t nout = oi->fam == NPU_F_VRED ? nrep : 1;
        if (sinstr(s, d)->a[0].scope != NPU_UB) {
            sim_error(s, NPU_CHECK_UNSUPPORTED, dyn, "vector operands must be in ub");
            return cost;
        }
        /* published: reduction outputs start 4-byte (f16) / 8-byte (f32) aligned */
        if (!check_param(s, d, NPU_PARAM_DSTREP, dstrep, 0, 255) || !check_align(s, d, 0, 2 * es) ||
            !check_range(s, d, 0, d->addr[0], d->addr[0] + (nout - 1) * dstrep * unit + unit))
            return cost;
        Region *r = region_of(s, &in->a[0]);
        double *v = malloc((size_t)nrep * nl * sizeof *v);
        unsigned *ix = malloc((size_t)nrep * nl * sizeof *ix);
        if (!r || !v || !ix) {
            free(v);
            free(ix);
            return cost;
        }
        unsigned n = 0;
        for (int64_t rp = 0; rp < nrep; rp++) {
            for (unsigned l = 0; l < nl; l++)
                if (ln.on[l])
                    v[n] = rd(s, &o[1], dt, rp, l), ix[n++] = (unsigned)(oi->fam == NPU_F_VRED ? l : rp * nl + l);
            if (oi->fam == NPU_F_VREDALL && rp + 1 < nrep)
                continue;
            unsigned at = 0;
            double res = reduce(in->op, dt, v, ix, n, &at);
            int64_t off = d->addr[0] + (oi->fam == NPU_F_VRED ? rp * dstrep * unit : 0);
            elem_store(dt, acc(s, r, off, es, true), res, TK_ROUND_NEAREST_EVEN, false);
            if (pair)
                elem_store(es == 2 ? NPU_DT_I16 : NPU_DT_I32, acc(s, r, off + es, es, true),
                           es == 2 ? (double)(int16_t)(uint16_t)at : (double)(int32_t)at, TK_ROUND_TRUNC, false);
            n = 0;
        }
        free(v);
        free(ix);
        return cost;
    }
    if (oi->fam != NPU_F_VCMP &&
        !opnd(s, d, 0, &o[0], dt, NPU_PARAM_DSTBLK, NPU_PARAM_DSTREP, nrep, &ln))
        return cost;
    if (oi->fam != NPU_F_VCMP && oi->fam != NPU_F_VDUP)
        for (int k = 1; k <= (oi->fam == NPU_F_VBIN || oi->fam == NPU_F_VSEL ? 2 : 1); k++)
            check_overlap(s, d, &o[0], &o[k], k, nrep, &ln);
    /* the scalar operand is first rounded to the element type */
    uint8_t sb[4];
    elem_store(dt, sb, d->scalar, TK_ROUND_NEAREST_EVEN, true);
    double sc = elem_load(dt, sb);
    TkRound rm = tk_round_of(dyn_param(s, d, NPU_PARAM_ROUND));
    double res[256];
    for (int64_t rp = 0; rp < nrep; rp++) {
        /* read the whole repeat before writing it (in-place operations) */
        for (unsigned l = 0; l < nl; l++) {
            if (!ln.on[l])
                continue;
            switch (oi->fam) {
            case NPU_F_VBIN:  res[l] = binop(in->op, dt, rd(s, &o[1], dt, rp, l), rd(s, &o[2], dt, rp, l)); break;
            case NPU_F_VBINS: res[l] = binop(in->op, dt, rd(s, &o[1], dt, rp, l), sc); break;
            case NPU_F_VUN:   res[l] = unop(in->op, dt, rd(s, &o[1], dt, rp, l)); break;
            case NPU_F_VDUP:  res[l] = sc; break;
            case NPU_F_VCONV: res[l] = rd(s, &o[1], sdt, rp, l); break;
            case NPU_F_VCMP:  res[l] = cmp(dyn_param(s, d, NPU_PARAM_CMP), rd(s, &o[1], dt, rp, l), rd(s, &o[2], dt, rp, l)); break;
            case NPU_F_VSEL: {
                uint8_t bits = *acc(s, o[3].r, o[3].base + rp * (nl / 8) + l / 8, 1, false);
                res[l] = rd(s, &o[(bits >> (l % 8)) & 1 ? 1 : 2], dt, rp, l);
                break;
            }
            default: break;
            }
        }
        if (oi->fam == NPU_F_VCMP) {
            uint8_t *bits = acc(s, o[0].r, o[0].base + rp * (nl / 8), nl / 8, true);
            for (unsigned l = 0; l < nl; l++)
                if (ln.on[l] && res[l] != 0)
                    bits[l / 8] |= (uint8_t)(1u << (l % 8));
                else
                    bits[l / 8] &= (uint8_t)~(1u << (l % 8));
            continue;
        }
        for (unsigned l = 0; l < nl; l++)
            if (ln.on[l])
                wr(s, &o[0], dt, rp, l, res[l], oi->fam == NPU_F_VCONV ? rm : TK_ROUND_NEAREST_EVEN,
                   oi->fam == NPU_F_VCONV);
    }
    return cost;
}
