/* NpuPlan + shapes -> NpuProgram: the tiling function and the emitter
 * (npu_lower.h, docs/npu.md "Lowering").
 *
 * Each core owns a range of rows (2-D) or of columns (1-D). For each row
 * it runs the plan's steps in order; a step that reads row or column
 * vectors streams them through UB in tiles: MTE2 loads the tile's inputs,
 * V computes, MTE3 stores (or V folds the tile into a reduction
 * accumulator). Tiles alternate between two buffer sets (ping-pong) and
 * the pipes hand them over with flags on event ids 0 and 1:
 *
 *   mte2: wait v->mte2[s]; dma in[s]; set mte2->v[s]
 *   v:    wait mte2->v[s]; wait mte3->v[s]; compute out[s]; set v->mte2[s]; set v->mte3[s]
 *   mte3: wait v->mte3[s]; dma out[s]; set mte3->v[s]
 *
 * with every v->mte2 and mte3->v event set once before the first tile and
 * waited once after the last. Per-row scalars live in UB as 32-byte
 * blocks holding the value in every lane (so a vector instruction reads
 * them with block and repeat stride 0); they are loaded and stored on
 * event id 2. Tails: the last tile of a stored row is shifted back so it
 * ends on the row's end with whole 32-byte bursts (elements recomputed, not
 * double counted), a reduction's last tile is masked. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend-npu/isa.h"
#include "backend-npu/lower/npu_lower.h"
#include "compiler/ir.h"
#include "lang/intrinsics.h"

enum { EV_TILE0 = 0, EV_ROW = 2 };
enum { GROUP = 16 };  /* rows whose per-row outputs are stored together */
enum { MAX_TILES = 64, MAX_RANGES = 24 };

/* Registers (docs/npu.md "Lowering"). */
enum {
    R_BLOCK = 0, R_ROW0, R_ROW1, R_GROUP, R_GROUP1, R_ROW, R_K32, R_ROWCOL, R_COL, R_TILE,
    R_RV2, R_RV4, R_CV2, R_CV4, R_RS2, R_RS4, R_LAST, R_NOTLAST, R_TMP, R_ONCE,
};

typedef struct Opnd {
    enum { O_NONE, O_UB, O_UNIFORM } kind;
    int64_t  off;      /* UB byte address */
    int      reg;      /* added to off, or NPU_REG_NONE */
    bool     bcast;    /* a 32-byte block read for every lane */
    bool     temp;     /* a temporary this evaluation may overwrite */
    int      tile;     /* temp tile index, -1 */
    DType    ty;
    double   value;    /* O_UNIFORM */
} Opnd;

typedef struct Range { int64_t lo, hi; } Range;

typedef struct Gen {
    NpuProgram       *prog;
    const NpuPlan    *p;
    const NpuProfile *prof;
    const int64_t    *dims;
    const double     *scalars;
    int              *gm;           /* per plan tensor */
    SrcSpan           loc;          /* of the instructions being emitted */
    int64_t           T;            /* elements per tile */
    int64_t           tile_bytes;
    uint32_t          nslot;
    int64_t           rows, cols;
    /* UB layout */
    int64_t           ub_slots, ub_const, ub_acc, ub_red, ub_tiles, ub_end;
    int64_t          *ub_gather, *ub_dense, *ub_rsraw, *ub_rsb; /* per tensor, -1 if unused */
    uint32_t          nin, ntemp;   /* input tiles per slot, temporaries */
    bool              has_out;
    /* per tile: which input tile holds which leaf */
    const Vx         *leaf[MAX_TILES];
    uint32_t          nleaf;
    uint32_t          slot;         /* the tile's buffer set */
    bool              temp_busy[MAX_TILES];
    /* vector writes since the last pipe_barrier(v) */
    Range             wr[MAX_RANGES];
    uint32_t          nwr;
    char             *err;
    size_t            nerr;
    bool              failed;
} Gen;

static unsigned es_of(DType t) { return (unsigned)dtype_size(t); }
static NpuDtype ndt(DType t) { return t == DT_F16 ? NPU_DT_F16 : t == DT_BF16 ? NPU_DT_BF16 : NPU_DT_F32; }
static int64_t roundup(int64_t a, int64_t b) { return (a + b - 1) / b * b; }
static int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

static void fail(Gen *g, const char *fmt, ...)
{
    if (g->failed)
        return;
    g->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err, g->nerr, fmt, ap);
    va_end(ap);
}

/* ---- instructions -------------------------------------------------------- */

static NpuInstr *ins(Gen *g, NpuOp op)
{
    NpuInstr *in = npu_emit(g->prog, op);
    if (!in) {
        fail(g, "%s: out of memory emitting the NPU program", g->p->name);
        static NpuInstr sink;
        memset(&sink, 0, sizeof sink);
        return &sink;
    }
    in->line = g->loc.at.line;
    in->col = g->loc.at.col;
    return in;
}

static void alu(Gen *g, NpuOp op, int rd, NpuVal a, NpuVal b)
{
    NpuInstr *in = ins(g, op);
    in->rd = (int8_t)rd, in->v[0] = a, in->v[1] = b;
}

static void mov(Gen *g, int rd, int64_t v)
{
    NpuInstr *in = ins(g, NPU_OP_MOV);
    in->rd = (int8_t)rd, in->v[0] = npu_imm(v);
}

static void loop(Gen *g, int rd, NpuVal start, NpuVal end, int64_t step)
{
    NpuInstr *in = ins(g, NPU_OP_LOOP);
    in->rd = (int8_t)rd, in->v[0] = start, in->v[1] = end, in->v[2] = npu_imm(step);
}

static void endloop(Gen *g) { ins(g, NPU_OP_ENDLOOP); }

static void flag(Gen *g, bool set, NpuPipe src, NpuPipe dst, int ev)
{
    NpuInstr *in = ins(g, set ? NPU_OP_SET_FLAG : NPU_OP_WAIT_FLAG);
    in->pipe[0] = src, in->pipe[1] = dst, in->v[0] = npu_imm(ev);
}

static void barrier_v(Gen *g)
{
    NpuInstr *in = ins(g, NPU_OP_PIPE_BARRIER);
    in->pipe[0] = NPU_PIPE_V;
    g->nwr = 0;
}

/* dma dst <- src, `bytes` rounded up to 32-byte bursts. */
static void dma(Gen *g, NpuAddr dst, NpuAddr src, int64_t bytes)
{
    NpuInstr *in = ins(g, NPU_OP_DMA);
    in->a[0] = dst, in->a[1] = src;
    in->p[NPU_PARAM_BURST] = npu_imm(cdiv(bytes, 32));
}

static bool overlaps(const Gen *g, Range r)
{
    for (uint32_t i = 0; i < g->nwr; i++)
        if (r.lo < g->wr[i].hi && g->wr[i].lo < r.hi)
            return true;
    return false;
}

static Range range_of(const Opnd *o, int64_t len)
{
    if (o->reg != NPU_REG_NONE)  /* a gather block: its whole region */
        return (Range){o->off, o->off + GROUP * 32};
    return (Range){o->off, o->off + (o->bcast ? 32 : roundup(len * es_of(o->ty), 32))};
}

/* A pipe_barrier(v) before an instruction that reads or rewrites what an
 * earlier vector instruction wrote (same-pipe RAW/WAW). */
static void v_hazard(Gen *g, const Opnd *dst, const Opnd *s0, const Opnd *s1, int64_t len)
{
    Range d = range_of(dst, len);
    bool need = overlaps(g, d) || (s0 && s0->kind == O_UB && overlaps(g, range_of(s0, len))) ||
                (s1 && s1->kind == O_UB && overlaps(g, range_of(s1, len)));
    if (need || g->nwr == MAX_RANGES)
        barrier_v(g);
    g->wr[g->nwr++] = d;
}

static NpuAddr ub(const Opnd *o, int64_t extra) { return npu_addr(NPU_UB, o->reg, o->off + extra); }

/* One vector instruction over `len` elements, split into repeats of at
 * most 255 and a masked tail repeat. s0/s1 may be NULL. */
static void vec(Gen *g, NpuOp op, const Opnd *d, const Opnd *s0, const Opnd *s1, double scalar, int64_t len)
{
    unsigned w = es_of(d->ty);
    if (s0 && es_of(s0->ty) > w)
        w = es_of(s0->ty);
    if (s1 && es_of(s1->ty) > w)
        w = es_of(s1->ty);
    int64_t lanes = 256 / w, full = len / lanes, tail = len % lanes;
    v_hazard(g, d, s0, s1, len);
    const Opnd *ops[3] = {d, s0, s1};
    static const NpuParam blk[3] = {NPU_PARAM_DSTBLK, NPU_PARAM_SRC0BLK, NPU_PARAM_SRC1BLK};
    static const NpuParam rep[3] = {NPU_PARAM_DSTREP, NPU_PARAM_SRC0REP, NPU_PARAM_SRC1REP};
    uint32_t accepted = npu_op_info(op)->params;
    for (int64_t done = 0; done < full + (tail ? 1 : 0);) {
        int64_t n = done < full ? (full - done > 255 ? 255 : full - done) : 1;
        NpuInstr *in = ins(g, op);
        in->dt = ndt(d->ty);
        if (op == NPU_OP_VCONV)
            in->dt2 = ndt(s0->ty);
        else if (s0 && s0->ty != d->ty)
            in->dt = ndt(s0->ty);
        in->s = (NpuScalar){NPU_REG_NONE, scalar};
        for (int k = 0; k < 3; k++) {
            if (!ops[k] || ops[k]->kind != O_UB)
                continue;
            int64_t step = ops[k]->bcast ? 0 : lanes * es_of(ops[k]->ty);
            in->a[k] = ub(ops[k], done * step);
            if (accepted & (1u << blk[k]) && ops[k]->bcast)
                in->p[blk[k]] = npu_imm(0);
            if (accepted & (1u << rep[k]))
                in->p[rep[k]] = npu_imm(step / 32);
        }
        if (n > 1 || done < full)
            in->p[NPU_PARAM_REPEAT] = npu_imm(n);
        if (done >= full)
            in->mask = (NpuMask){.count = (uint32_t)tail};
        done += n;
    }
}

/* ---- expressions ---------------------------------------------------------- */

static double uniform_value(Gen *g, const Vx *v, bool *ok)
{
    switch (v->kind) {
    case VX_CONST: return v->c;
    case VX_DIM: return (double)g->dims[v->idx];
    case VX_SCALAR: return g->scalars[v->idx];
    case VX_CAST: {
        double a = uniform_value(g, v->a, ok);
        if (v->ty == DT_F32)
            return (double)(float)a;
        return a;
    }
    case VX_BIN: {
        double a = uniform_value(g, v->a, ok), b = uniform_value(g, v->b, ok);
        bool integer = !dtype_is_float(v->ty);
        switch (v->op) {
        case BOP_ADD: return a + b;
        case BOP_SUB: return a - b;
        case BOP_MUL: return a * b;
        case BOP_DIV:
            if (integer)
                return b != 0 ? (double)((int64_t)a / (int64_t)b) : (*ok = false, 0);
            return a / b;
        case BOP_MAX: return a > b ? a : b;
        case BOP_MIN: return a < b ? a : b;
        }
        *ok = false;
        return 0;
    }
    default:
        *ok = false;
        return 0;
    }
}

static bool is_uniform(const Vx *v)
{
    switch (v->kind) {
    case VX_CONST: case VX_DIM: case VX_SCALAR: return true;
    case VX_ROWVEC: case VX_COLVEC: case VX_ROWSCAL: case VX_SLOT: case VX_CALL: return false;
    case VX_CAST: return is_uniform(v->a);
    case VX_BIN: return is_uniform(v->a) && is_uniform(v->b);
    }
    return false;
}

static Opnd temp(Gen *g, DType ty)
{
    for (uint32_t i = 0; i < g->ntemp; i++)
        if (!g->temp_busy[i]) {
            g->temp_busy[i] = true;
            return (Opnd){O_UB, g->ub_tiles + ((int64_t)g->nslot * (g->nin + g->has_out) + i) * g->tile_bytes,
                          NPU_REG_NONE, false, true, (int)i, ty, 0};
        }
    fail(g, "%s: internal error: out of temporary tiles", g->p->name);
    return (Opnd){O_UB, g->ub_tiles, NPU_REG_NONE, false, true, -1, ty, 0};
}

static void release(Gen *g, const Opnd *o)
{
    if (o->temp && o->tile >= 0)
        g->temp_busy[o->tile] = false;
}

static Opnd slot_opnd(Gen *g, uint32_t slot, DType ty)
{
    return (Opnd){O_UB, g->ub_slots + 32 * (int64_t)slot, NPU_REG_NONE, true, false, -1, ty, 0};
}

static Opnd in_tile(Gen *g, uint32_t k, DType ty)
{
    int64_t set = (int64_t)g->slot * (g->nin + g->has_out);
    return (Opnd){O_UB, g->ub_tiles + (set + k) * g->tile_bytes, NPU_REG_NONE, false, false, -1, ty, 0};
}

static Opnd out_tile(Gen *g, DType ty) { return in_tile(g, g->nin, ty); }

static Opnd const_block(Gen *g, DType ty, double v)
{
    Opnd c = {O_UB, g->ub_const, NPU_REG_NONE, true, false, -1, ty, 0};
    vec(g, NPU_OP_VDUP, &c, NULL, NULL, v, 32 / es_of(ty));
    return c;
}

/* Where a leaf lives for this tile. */
static Opnd leaf(Gen *g, const Vx *v)
{
    if (v->kind == VX_SLOT)
        return slot_opnd(g, v->idx, v->ty);
    if (v->kind == VX_ROWSCAL)
        return (Opnd){O_UB, g->ub_rsb[v->idx], NPU_REG_NONE, true, false, -1, v->ty, 0};
    for (uint32_t k = 0; k < g->nleaf; k++)
        if (g->leaf[k]->kind == v->kind && g->leaf[k]->idx == v->idx)
            return in_tile(g, k, v->ty);
    fail(g, "%s: internal error: leaf not loaded", g->p->name);
    return in_tile(g, 0, v->ty);
}

static Opnd dst_for(Gen *g, Opnd *a, Opnd *b, DType ty)
{
    if (a && a->temp && es_of(a->ty) == es_of(ty))
        return (Opnd){O_UB, a->off, NPU_REG_NONE, false, true, a->tile, ty, 0};
    if (b && b->temp && es_of(b->ty) == es_of(ty))
        return (Opnd){O_UB, b->off, NPU_REG_NONE, false, true, b->tile, ty, 0};
    return temp(g, ty);
}

/* A uniform as a UB operand (for instructions without a scalar form). */
static Opnd materialise(Gen *g, Opnd o)
{
    return o.kind == O_UNIFORM ? const_block(g, o.ty, o.value) : o;
}

static Opnd eval(Gen *g, const Vx *v, int64_t len);

static Opnd eval_bin(Gen *g, const Vx *v, int64_t len)
{
    Opnd a = eval(g, v->a, len), b = eval(g, v->b, len);
    int op = v->op;
    if (b.kind == O_UNIFORM && a.kind == O_UB && op != BOP_DIV) {
        static const NpuOp sop[] = {[BOP_ADD] = NPU_OP_VADDS, [BOP_SUB] = NPU_OP_VADDS, [BOP_MUL] = NPU_OP_VMULS,
                                    [BOP_MAX] = NPU_OP_VMAXS, [BOP_MIN] = NPU_OP_VMINS};
        Opnd d = dst_for(g, &a, NULL, v->ty);
        vec(g, sop[op], &d, &a, NULL, op == BOP_SUB ? -b.value : b.value, len);
        if (d.off != a.off)
            release(g, &a);
        return d;
    }
    if (a.kind == O_UNIFORM && b.kind == O_UB && op != BOP_DIV && op != BOP_SUB) {
        static const NpuOp sop[] = {[BOP_ADD] = NPU_OP_VADDS, [BOP_MUL] = NPU_OP_VMULS, [BOP_MAX] = NPU_OP_VMAXS,
                                    [BOP_MIN] = NPU_OP_VMINS};
        Opnd d = dst_for(g, &b, NULL, v->ty);
        vec(g, sop[op], &d, &b, NULL, a.value, len);
        if (d.off != b.off)
            release(g, &b);
        return d;
    }
    a = materialise(g, a);
    if (a.off == g->ub_const && b.kind == O_UNIFORM) { /* both uniform: eval folded them already */
        fail(g, "%s: internal error: unfolded uniform", g->p->name);
        return a;
    }
    if (b.kind == O_UNIFORM) {
        /* a is in the const block: copy it out first */
        Opnd t = temp(g, a.ty);
        vec(g, NPU_OP_VMULS, &t, &a, NULL, 1.0, a.bcast ? 32 / es_of(a.ty) : len);
        t.bcast = a.bcast;
        a = t;
        b = const_block(g, b.ty, b.value);
    }
    static const NpuOp vop[] = {[BOP_ADD] = NPU_OP_VADD, [BOP_SUB] = NPU_OP_VSUB, [BOP_MUL] = NPU_OP_VMUL,
                                [BOP_DIV] = NPU_OP_VDIV, [BOP_MAX] = NPU_OP_VMAX, [BOP_MIN] = NPU_OP_VMIN};
    Opnd d = dst_for(g, &a, &b, v->ty);
    d.bcast = false;
    vec(g, vop[op], &d, &a, &b, 0, len);
    if (d.off != a.off || !a.temp)
        release(g, &a);
    if (d.off != b.off || !b.temp)
        release(g, &b);
    d.temp = true;
    return d;
}

static Opnd eval(Gen *g, const Vx *v, int64_t len)
{
    if (is_uniform(v)) {
        bool ok = true;
        Opnd u = {O_UNIFORM, 0, NPU_REG_NONE, false, false, -1, v->ty, uniform_value(g, v, &ok)};
        if (!ok)
            fail(g, "%s: a launch-time value divides by zero", g->p->name);
        return u;
    }
    switch (v->kind) {
    case VX_ROWVEC: case VX_COLVEC: case VX_ROWSCAL: case VX_SLOT:
        return leaf(g, v);
    case VX_BIN:
        return eval_bin(g, v, len);
    case VX_CAST: {
        Opnd a = materialise(g, eval(g, v->a, len));
        if (es_of(a.ty) == es_of(v->ty) && a.ty == v->ty)
            return a;
        Opnd d = dst_for(g, &a, NULL, v->ty);
        if (d.off == a.off && es_of(a.ty) != es_of(v->ty)) /* a narrowing/widening cast in place overlaps */
            d = temp(g, v->ty);
        vec(g, NPU_OP_VCONV, &d, &a, NULL, 0, len);
        if (d.off != a.off)
            release(g, &a);
        return d;
    }
    case VX_CALL: {
        Opnd a = materialise(g, eval(g, v->a, len));
        Opnd d = dst_for(g, &a, NULL, v->ty);
        switch (v->op) {
        case INTR_EXP: vec(g, NPU_OP_VEXP, &d, &a, NULL, 0, len); break;
        case INTR_LOG: vec(g, NPU_OP_VLN, &d, &a, NULL, 0, len); break;
        case INTR_SQRT: vec(g, NPU_OP_VSQRT, &d, &a, NULL, 0, len); break;
        case INTR_RSQRT: vec(g, NPU_OP_VRSQRT, &d, &a, NULL, 0, len); break;
        case INTR_ABS: vec(g, NPU_OP_VABS, &d, &a, NULL, 0, len); break;
        case INTR_SIGMOID:   /* 1 / (1 + exp(-x)) */
            vec(g, NPU_OP_VMULS, &d, &a, NULL, -1.0, len);
            vec(g, NPU_OP_VEXP, &d, &d, NULL, 0, len);
            vec(g, NPU_OP_VADDS, &d, &d, NULL, 1.0, len);
            vec(g, NPU_OP_VREC, &d, &d, NULL, 0, len);
            break;
        default:
            fail(g, "%s: internal error: intrinsic", g->p->name);
        }
        if (d.off != a.off)
            release(g, &a);
        d.bcast = false;
        return d;
    }
    default:
        fail(g, "%s: internal error: expression", g->p->name);
        return (Opnd){0};
    }
}

/* ---- leaves of a step ----------------------------------------------------- */

static void collect(Gen *g, const Vx *v)
{
    if (!v)
        return;
    if (v->kind == VX_ROWVEC || v->kind == VX_COLVEC) {
        for (uint32_t k = 0; k < g->nleaf; k++)
            if (g->leaf[k]->kind == v->kind && g->leaf[k]->idx == v->idx)
                return;
        if (g->nleaf < MAX_TILES)
            g->leaf[g->nleaf++] = v;
        return;
    }
    collect(g, v->a);
    collect(g, v->b);
}

static uint32_t depth_temps(const Vx *v)
{
    if (!v || is_uniform(v) || v->kind == VX_ROWVEC || v->kind == VX_COLVEC || v->kind == VX_ROWSCAL ||
        v->kind == VX_SLOT)
        return 0;
    uint32_t a = depth_temps(v->a), b = depth_temps(v->b);
    return 1 + (a > b ? a : b) + (a && b ? 1 : 0);
}

static void rowscal_uses(Gen *g, const Vx *v, bool *used)
{
    if (!v)
        return;
    if (v->kind == VX_ROWSCAL)
        used[v->idx] = true;
    rowscal_uses(g, v->a, used);
    rowscal_uses(g, v->b, used);
}

/* ---- tiles ---------------------------------------------------------------- */

/* Address registers for a tile at element column R_ROWCOL (+ R_TILE). */
static void tile_regs(Gen *g, bool with_loop)
{
    NpuVal t = with_loop ? npu_reg(R_TILE) : npu_imm(0);
    alu(g, NPU_OP_ADD, R_TMP, npu_reg(R_ROWCOL), t);
    alu(g, NPU_OP_MUL, R_RV2, npu_reg(R_TMP), npu_imm(2));
    alu(g, NPU_OP_MUL, R_RV4, npu_reg(R_TMP), npu_imm(4));
    alu(g, NPU_OP_ADD, R_TMP, npu_reg(R_COL), t);
    alu(g, NPU_OP_MUL, R_CV2, npu_reg(R_TMP), npu_imm(2));
    alu(g, NPU_OP_MUL, R_CV4, npu_reg(R_TMP), npu_imm(4));
}

static NpuAddr gm_at(Gen *g, const Vx *lf, int64_t col_off)
{
    unsigned es = es_of(lf->ty);
    int reg = lf->kind == VX_ROWVEC ? (es == 2 ? R_RV2 : R_RV4) : (es == 2 ? R_CV2 : R_CV4);
    return npu_gm(g->gm[lf->idx], reg, col_off * es);
}

/* One tile of step st: columns [col_off, col_off + len) past the
 * registers' base; `load_len` elements are loaded (a masked reduction tail
 * loads whole bursts). */
static void tile(Gen *g, const Step *st, Opnd *acc, int64_t col_off, int64_t len)
{
    int s = (int)g->slot;
    flag(g, false, NPU_PIPE_V, NPU_PIPE_MTE2, EV_TILE0 + s);
    for (uint32_t k = 0; k < g->nleaf; k++) {
        Opnd t = in_tile(g, k, g->leaf[k]->ty);
        dma(g, ub(&t, 0), gm_at(g, g->leaf[k], col_off), len * es_of(g->leaf[k]->ty));
    }
    flag(g, true, NPU_PIPE_MTE2, NPU_PIPE_V, EV_TILE0 + s);
    flag(g, false, NPU_PIPE_MTE2, NPU_PIPE_V, EV_TILE0 + s);
    bool out = st->kind == STEP_VEC_OUT;
    if (out)
        flag(g, false, NPU_PIPE_MTE3, NPU_PIPE_V, EV_TILE0 + s);
    Opnd r = eval(g, st->e, len);
    if (out) {
        Opnd o = out_tile(g, st->ty);
        if (r.kind == O_UNIFORM)
            vec(g, NPU_OP_VDUP, &o, NULL, NULL, r.value, len);
        else if (r.bcast || r.off != o.off)
            vec(g, NPU_OP_VMULS, &o, &r, NULL, 1.0, len);
        release(g, &r);
        flag(g, true, NPU_PIPE_V, NPU_PIPE_MTE2, EV_TILE0 + s);
        flag(g, true, NPU_PIPE_V, NPU_PIPE_MTE3, EV_TILE0 + s);
        flag(g, false, NPU_PIPE_V, NPU_PIPE_MTE3, EV_TILE0 + s);
        NpuTensor *t = &g->p->t[st->tensor];
        Vx lf = {.kind = g->p->two_d ? VX_ROWVEC : VX_ROWVEC, .ty = t->ty, .idx = st->tensor};
        if (g->p->two_d && t->rank == 1)
            lf.kind = VX_COLVEC;
        dma(g, gm_at(g, &lf, col_off), ub(&o, 0), len * es_of(t->ty));
        flag(g, true, NPU_PIPE_MTE3, NPU_PIPE_V, EV_TILE0 + s);
    } else {
        if (r.kind == O_UNIFORM)
            r = const_block(g, r.ty, r.value);
        static const NpuOp aop[] = {[BOP_ADD] = NPU_OP_VADD, [BOP_MAX] = NPU_OP_VMAX, [BOP_MIN] = NPU_OP_VMIN};
        /* acc = r OP acc, repeat by repeat into one accumulator repeat */
        unsigned es = es_of(st->ty);
        int64_t lanes = 256 / es, full = len / lanes, tail = len % lanes;
        for (int64_t done = 0; done < full + (tail ? 1 : 0);) {
            int64_t n = done < full ? (full - done > 255 ? 255 : full - done) : 1;
            Opnd src = r;
            src.off += r.bcast ? 0 : done * 256;
            int64_t l = done < full ? n * lanes : tail;
            v_hazard(g, acc, &src, acc, l);
            NpuInstr *in = ins(g, aop[st->redop]);
            in->dt = ndt(st->ty);
            in->a[0] = ub(acc, 0), in->a[1] = ub(&src, 0), in->a[2] = ub(acc, 0);
            in->p[NPU_PARAM_DSTREP] = npu_imm(0);
            in->p[NPU_PARAM_SRC1REP] = npu_imm(0);
            if (r.bcast)
                in->p[NPU_PARAM_SRC0BLK] = npu_imm(0), in->p[NPU_PARAM_SRC0REP] = npu_imm(0);
            if (n > 1)
                in->p[NPU_PARAM_REPEAT] = npu_imm(n);
            if (done >= full)
                in->mask = (NpuMask){.count = (uint32_t)tail};
            done += n;
        }
        release(g, &r);
        flag(g, true, NPU_PIPE_V, NPU_PIPE_MTE2, EV_TILE0 + s);
    }
    if (g->nslot == 2)
        g->slot ^= 1;
}

/* The tiles of a step over `len` columns from the base registers. */
static void tiles(Gen *g, const Step *st, Opnd *acc, int64_t len)
{
    g->nleaf = 0;
    collect(g, st->e);
    int64_t T = g->T, full = len / T, rest = len % T;
    int64_t per = g->nslot;       /* tiles per loop iteration */
    int64_t iters = full / per;
    if (iters > 1) {
        loop(g, R_TILE, npu_imm(0), npu_imm(iters * per * T), per * T);
        tile_regs(g, true);
        for (int64_t i = 0; i < per; i++)
            tile(g, st, acc, i * T, T);
        endloop(g);
    }
    tile_regs(g, false);
    for (int64_t i = iters > 1 ? iters * per : 0; i < full; i++)
        tile(g, st, acc, i * T, T);
    if (!rest)
        return;
    unsigned es = es_of(st->ty);
    for (uint32_t k = 0; k < g->nleaf; k++)
        if (es_of(g->leaf[k]->ty) > es)
            es = es_of(g->leaf[k]->ty);
    int64_t blk = 32 / es;   /* elements per burst of the widest operand */
    int64_t at = full * T;
    if (st->kind != STEP_VEC_OUT || rest % blk == 0 || len < blk) {
        tile(g, st, acc, at, rest);   /* exact, masked reduction tail, or a row shorter than a burst */
        return;
    }
    /* A stored tail that is not whole bursts: shifted back to end on the row's end. */
    int64_t shifted = roundup(rest, blk);
    if (shifted <= len) {
        tile(g, st, acc, len - shifted, shifted);
        return;
    }
    tile(g, st, acc, at, rest - rest % blk);
    tile(g, st, acc, len - blk, blk);
}

/* ---- rows ----------------------------------------------------------------- */

static void row_steps(Gen *g, int64_t len)
{
    const NpuPlan *p = g->p;
    for (uint32_t i = 0; i < p->nsteps && !g->failed; i++) {
        const Step *st = &p->steps[i];
        g->loc = st->loc;
        unsigned es = es_of(st->ty);
        Opnd sl = slot_opnd(g, st->slot, st->ty);
        switch (st->kind) {
        case STEP_REDUCE: {
            Opnd acc = {O_UB, g->ub_acc, NPU_REG_NONE, false, false, -1, st->ty, 0};
            vec(g, NPU_OP_VDUP, &acc, NULL, NULL, st->init, 256 / es);
            tiles(g, st, &acc, len);
            Opnd red = {O_UB, g->ub_red, NPU_REG_NONE, false, false, -1, st->ty, 0};
            NpuOp rop = st->redop == BOP_ADD ? NPU_OP_VCADD : st->redop == BOP_MAX ? NPU_OP_VCMAX : NPU_OP_VCMIN;
            v_hazard(g, &red, &acc, NULL, 256 / es);
            NpuInstr *in = ins(g, rop);
            in->dt = ndt(st->ty), in->a[0] = ub(&red, 0), in->a[1] = ub(&acc, 0);
            /* the value in every lane of the slot's block: one lane summed 32/es times */
            v_hazard(g, &sl, &red, NULL, 32 / es);
            in = ins(g, NPU_OP_VCADD);
            in->dt = ndt(st->ty), in->a[0] = ub(&sl, 0), in->a[1] = ub(&red, 0);
            in->p[NPU_PARAM_REPEAT] = npu_imm(32 / es);
            in->p[NPU_PARAM_SRC0REP] = npu_imm(0);
            in->mask = (NpuMask){.count = 1};
            break;
        }
        case STEP_SCALAR: {
            Opnd r = eval(g, st->e, 32 / es);
            Opnd d = sl;
            d.bcast = false;
            if (r.kind == O_UNIFORM)
                vec(g, NPU_OP_VDUP, &d, NULL, NULL, r.value, 32 / es);
            else {
                Opnd src = r;
                src.bcast = false;
                vec(g, src.ty == st->ty ? NPU_OP_VMULS : NPU_OP_VCONV, &d, &src, NULL, 1.0, 32 / es);
            }
            release(g, &r);
            break;
        }
        case STEP_VEC_OUT:
            tiles(g, st, NULL, len);
            break;
        case STEP_SCAL_OUT: {
            Opnd gb = {O_UB, g->ub_gather[st->tensor], R_K32, false, false, -1, st->ty, 0};
            Opnd src = sl;
            src.bcast = false;
            vec(g, NPU_OP_VMULS, &gb, &src, NULL, 1.0, 32 / es);
            break;
        }
        }
    }
}

/* Per-row scalar inputs: loaded at the start of each row on event 2. */
static void load_row_scalars(Gen *g, const bool *used)
{
    bool any = false;
    for (uint32_t t = 0; t < g->p->nt; t++)
        any |= used[t];
    if (!any)
        return;
    flag(g, true, NPU_PIPE_V, NPU_PIPE_MTE2, EV_ROW);
    flag(g, false, NPU_PIPE_V, NPU_PIPE_MTE2, EV_ROW);
    alu(g, NPU_OP_MUL, R_RS2, npu_reg(R_ROW), npu_imm(2));
    alu(g, NPU_OP_MUL, R_RS4, npu_reg(R_ROW), npu_imm(4));
    for (uint32_t t = 0; t < g->p->nt; t++)
        if (used[t]) {
            unsigned es = es_of(g->p->t[t].ty);
            dma(g, npu_addr(NPU_UB, NPU_REG_NONE, g->ub_rsraw[t]), npu_gm(g->gm[t], es == 2 ? R_RS2 : R_RS4, 0), 32);
        }
    flag(g, true, NPU_PIPE_MTE2, NPU_PIPE_V, EV_ROW);
    flag(g, false, NPU_PIPE_MTE2, NPU_PIPE_V, EV_ROW);
    g->nwr = 0;
    for (uint32_t t = 0; t < g->p->nt; t++)
        if (used[t]) {
            DType ty = g->p->t[t].ty;
            unsigned es = es_of(ty);
            Opnd d = {O_UB, g->ub_rsb[t], NPU_REG_NONE, false, false, -1, ty, 0};
            Opnd s = {O_UB, g->ub_rsraw[t], NPU_REG_NONE, false, false, -1, ty, 0};
            v_hazard(g, &d, &s, NULL, 32 / es);
            NpuInstr *in = ins(g, NPU_OP_VCADD);
            in->dt = ndt(ty), in->a[0] = ub(&d, 0), in->a[1] = ub(&s, 0);
            in->p[NPU_PARAM_REPEAT] = npu_imm(32 / es);
            in->p[NPU_PARAM_SRC0REP] = npu_imm(0);
            in->mask = (NpuMask){.count = 1};
        }
}

/* Per-row outputs of the group starting at R_GROUP: gathered dense, stored on event 2. */
static void store_group(Gen *g)
{
    bool any = false;
    for (uint32_t i = 0; i < g->p->nsteps; i++) {
        const Step *st = &g->p->steps[i];
        if (st->kind != STEP_SCAL_OUT)
            continue;
        g->loc = st->loc;
        unsigned es = es_of(st->ty);
        Opnd d = {O_UB, g->ub_dense[st->tensor], NPU_REG_NONE, false, false, -1, st->ty, 0};
        Opnd s = {O_UB, g->ub_gather[st->tensor], NPU_REG_NONE, false, false, -1, st->ty, 0};
        v_hazard(g, &d, &s, NULL, GROUP * 32 / es);
        NpuInstr *in = ins(g, NPU_OP_VCADD);
        in->dt = ndt(st->ty), in->a[0] = ub(&d, 0), in->a[1] = ub(&s, 0);
        in->p[NPU_PARAM_REPEAT] = npu_imm(GROUP);
        in->p[NPU_PARAM_SRC0REP] = npu_imm(1);
        in->mask = (NpuMask){.count = 1};
        any = true;
    }
    if (!any)
        return;
    flag(g, true, NPU_PIPE_V, NPU_PIPE_MTE3, EV_ROW);
    flag(g, false, NPU_PIPE_V, NPU_PIPE_MTE3, EV_ROW);
    alu(g, NPU_OP_MUL, R_RS2, npu_reg(R_GROUP), npu_imm(2));
    alu(g, NPU_OP_MUL, R_RS4, npu_reg(R_GROUP), npu_imm(4));
    for (uint32_t i = 0; i < g->p->nsteps; i++) {
        const Step *st = &g->p->steps[i];
        if (st->kind != STEP_SCAL_OUT)
            continue;
        unsigned es = es_of(st->ty);
        dma(g, npu_gm(g->gm[st->tensor], es == 2 ? R_RS2 : R_RS4, 0),
            npu_addr(NPU_UB, NPU_REG_NONE, g->ub_dense[st->tensor]), GROUP * es);
    }
    flag(g, true, NPU_PIPE_MTE3, NPU_PIPE_V, EV_ROW);
    flag(g, false, NPU_PIPE_MTE3, NPU_PIPE_V, EV_ROW);
    g->nwr = 0;
}

/* ---- the tiling function ----------------------------------------------------- */

static bool layout(Gen *g, const NpuGenOpts *o, uint64_t ub_size)
{
    const NpuPlan *p = g->p;
    int64_t at = 0;
    g->ub_slots = at, at += 32 * (int64_t)p->nslots;
    g->ub_const = at, at += 32;
    g->ub_red = at, at += 64;
    g->ub_acc = roundup(at, 32), at = g->ub_acc + 256;
    bool rs_used[p->nt + 1];
    memset(rs_used, 0, sizeof rs_used);
    uint32_t maxleaf = 0, maxtemp = 1;
    unsigned maxes = 2;
    for (uint32_t i = 0; i < p->nsteps; i++) {
        const Step *st = &p->steps[i];
        rowscal_uses(g, st->e, rs_used);
        g->nleaf = 0;
        collect(g, st->e);
        if (g->nleaf > maxleaf)
            maxleaf = g->nleaf;
        for (uint32_t k = 0; k < g->nleaf; k++)
            if (es_of(g->leaf[k]->ty) > maxes)
                maxes = es_of(g->leaf[k]->ty);
        if (es_of(st->ty) > maxes)
            maxes = es_of(st->ty);
        uint32_t d = depth_temps(st->e) + 2;
        if (d > maxtemp)
            maxtemp = d;
        g->has_out |= st->kind == STEP_VEC_OUT;
    }
    for (uint32_t t = 0; t < p->nt; t++) {
        g->ub_gather[t] = g->ub_dense[t] = g->ub_rsraw[t] = g->ub_rsb[t] = -1;
        if (rs_used[t]) {
            g->ub_rsraw[t] = at, at += 32;
            g->ub_rsb[t] = at, at += 32;
        }
    }
    for (uint32_t i = 0; i < p->nsteps; i++)
        if (p->steps[i].kind == STEP_SCAL_OUT) {
            uint32_t t = p->steps[i].tensor;
            g->ub_gather[t] = at, at += GROUP * 32;
            g->ub_dense[t] = at, at += 64;
        }
    g->nin = maxleaf;
    g->ntemp = maxtemp;
    g->ub_tiles = roundup(at, 256);
    int64_t ntiles = (int64_t)g->nslot * (g->nin + g->has_out) + g->ntemp;
    if (ntiles > MAX_TILES)
        return fail(g, "%s: too many UB tiles (%lld)", p->name, (long long)ntiles), false;
    int64_t room = (int64_t)ub_size - g->ub_tiles;
    int64_t lanes = 256 / maxes;
    int64_t T = room > 0 ? room / ntiles / 256 * 256 / maxes : 0;
    int64_t want = roundup(g->cols, lanes);
    if (T > want)
        T = want;
    if (o && o->max_tile > 0 && T > o->max_tile)
        T = roundup(o->max_tile, lanes) > o->max_tile ? o->max_tile / lanes * lanes : o->max_tile;
    if (T < lanes)
        T = lanes;
    g->T = T;
    g->tile_bytes = T * maxes;
    g->ub_end = g->ub_tiles + ntiles * g->tile_bytes;
    if ((uint64_t)g->ub_end > ub_size)
        return fail(g, "%s: UB needs %lld bytes (%lld tiles of %lld bytes and %lld bytes of per-row values) but the "
                       "profile has %llu",
                    p->name, (long long)g->ub_end, (long long)ntiles, (long long)g->tile_bytes, (long long)g->ub_tiles,
                    (unsigned long long)ub_size),
               false;
    return true;
}

static void body_1d(Gen *g, int64_t per, int64_t nb)
{
    mov(g, R_ROW, 0), mov(g, R_K32, 0), mov(g, R_GROUP, 0);
    if (nb == 1) {
        mov(g, R_COL, 0), mov(g, R_ROWCOL, 0);
        row_steps(g, g->cols);
        store_group(g);
        return;
    }
    alu(g, NPU_OP_MUL, R_COL, npu_reg(R_BLOCK), npu_imm(per));
    alu(g, NPU_OP_ADD, R_ROWCOL, npu_reg(R_COL), npu_imm(0));
    int64_t last = g->cols - (nb - 1) * per;
    if (last == per) {
        row_steps(g, per);
        return;
    }
    /* the last block has fewer columns: loops of 0 or 1 iteration select */
    alu(g, NPU_OP_SUB, R_LAST, npu_reg(R_BLOCK), npu_imm(nb - 2));
    alu(g, NPU_OP_MAX, R_LAST, npu_reg(R_LAST), npu_imm(0));
    alu(g, NPU_OP_SUB, R_NOTLAST, npu_imm(1), npu_reg(R_LAST));
    uint32_t slot = g->slot;
    loop(g, R_ONCE, npu_imm(0), npu_reg(R_NOTLAST), 1);
    row_steps(g, per);
    endloop(g);
    g->slot = slot;
    loop(g, R_ONCE, npu_imm(0), npu_reg(R_LAST), 1);
    row_steps(g, last);
    endloop(g);
}

static void body_2d(Gen *g, int64_t per)
{
    alu(g, NPU_OP_MUL, R_ROW0, npu_reg(R_BLOCK), npu_imm(per));
    alu(g, NPU_OP_ADD, R_ROW1, npu_reg(R_ROW0), npu_imm(per));
    alu(g, NPU_OP_MIN, R_ROW1, npu_reg(R_ROW1), npu_imm(g->rows));
    mov(g, R_COL, 0);
    loop(g, R_GROUP, npu_reg(R_ROW0), npu_reg(R_ROW1), GROUP);
    alu(g, NPU_OP_ADD, R_GROUP1, npu_reg(R_GROUP), npu_imm(GROUP));
    alu(g, NPU_OP_MIN, R_GROUP1, npu_reg(R_GROUP1), npu_reg(R_ROW1));
    loop(g, R_ROW, npu_reg(R_GROUP), npu_reg(R_GROUP1), 1);
    alu(g, NPU_OP_SUB, R_K32, npu_reg(R_ROW), npu_reg(R_GROUP));
    alu(g, NPU_OP_MUL, R_K32, npu_reg(R_K32), npu_imm(32));
    alu(g, NPU_OP_MUL, R_ROWCOL, npu_reg(R_ROW), npu_imm(g->cols));
    bool used[g->p->nt + 1];
    memset(used, 0, sizeof used);
    for (uint32_t i = 0; i < g->p->nsteps; i++)
        rowscal_uses(g, g->p->steps[i].e, used);
    load_row_scalars(g, used);
    row_steps(g, g->cols);
    g->loc = g->p->loc;
    endloop(g);
    store_group(g);
    endloop(g);
}

NpuProgram *npu_codegen(const NpuPlan *p, const NpuProfile *prof, Arena *a, const int64_t *dims,
                        const double *scalars, const int64_t *counts, const NpuGenOpts *o, NpuTiling *tl, char *err,
                        size_t nerr)
{
    Gen g = {.p = p, .prof = prof, .dims = dims, .scalars = scalars, .err = err, .nerr = nerr, .loc = p->loc};
    g.prog = npu_program_new(a);
    g.nslot = o && o->single_buffer ? 1 : 2;
    bool ok = true;
    g.rows = p->two_d ? (int64_t)uniform_value(&g, p->rows, &ok) : 1;
    g.cols = (int64_t)uniform_value(&g, p->cols, &ok);
    int gm[p->nt + 1];
    int64_t gath[p->nt + 1], dense[p->nt + 1], rsraw[p->nt + 1], rsb[p->nt + 1];
    g.gm = gm, g.ub_gather = gath, g.ub_dense = dense, g.ub_rsraw = rsraw, g.ub_rsb = rsb;
    uint32_t cores = prof->split ? prof->vector_cores : prof->cores;
    if (o && o->max_blocks && o->max_blocks < cores)
        cores = o->max_blocks;
    if (!layout(&g, o, prof->mem_size[NPU_UB]))
        return NULL;
    /* GM: every tensor dense, padded so that 32-byte bursts and per-group
     * stores past its end stay inside it (npu_gm_count). */
    for (uint32_t t = 0; t < p->nt; t++)
        gm[t] = npu_program_add_gm(g.prog, p->t[t].name, ndt(p->t[t].ty), npu_gm_count(counts[t]));
    /* the block split */
    bool reduce = false, vec_out_short = false;
    for (uint32_t i = 0; i < p->nsteps; i++) {
        const Step *st = &p->steps[i];
        reduce |= st->kind == STEP_REDUCE || st->kind == STEP_SCAL_OUT;
        if (st->kind == STEP_VEC_OUT && g.cols * (int64_t)es_of(st->ty) < 32)
            vec_out_short = true;
    }
    int64_t per, nb;
    if (p->two_d) {
        per = roundup(cdiv(g.rows, cores), GROUP);
        if (vec_out_short)
            per = roundup(g.rows, GROUP);
        nb = cdiv(g.rows, per);
    } else if (reduce || vec_out_short) {
        per = g.cols, nb = 1;
    } else {
        per = roundup(cdiv(g.cols, cores), 64);
        if (per < 2048 && cores > 1)
            per = 2048;
        nb = cdiv(g.cols, per);
    }
    if (nb < 1)
        nb = 1;
    if (g.rows == 0 || g.cols == 0)
        nb = 1;

    /* prologue: UB zeroed (bursts and gathers read whole blocks), the tile events primed */
    Opnd all = {O_UB, 0, NPU_REG_NONE, false, false, -1, DT_F32, 0};
    vec(&g, NPU_OP_VDUP, &all, NULL, NULL, 0.0, g.ub_end / 4);
    for (uint32_t s = 0; s < g.nslot; s++) {
        flag(&g, true, NPU_PIPE_V, NPU_PIPE_MTE2, EV_TILE0 + (int)s);
        flag(&g, true, NPU_PIPE_MTE3, NPU_PIPE_V, EV_TILE0 + (int)s);
    }
    NpuInstr *bi = ins(&g, NPU_OP_BLOCK_IDX);
    bi->rd = R_BLOCK;
    if (g.rows > 0 && g.cols > 0) {
        if (p->two_d)
            body_2d(&g, per);
        else
            body_1d(&g, per, nb);
    }
    g.loc = p->loc;
    for (uint32_t s = 0; s < g.nslot; s++) {
        flag(&g, false, NPU_PIPE_V, NPU_PIPE_MTE2, EV_TILE0 + (int)s);
        flag(&g, false, NPU_PIPE_MTE3, NPU_PIPE_V, EV_TILE0 + (int)s);
    }
    if (tl)
        *tl = (NpuTiling){(uint32_t)nb, per, g.T, g.nslot, (uint64_t)g.ub_end};
    g.prog->block_dim = (uint32_t)nb;
    return g.failed ? NULL : g.prog;
}

uint64_t npu_gm_count(int64_t count) { return (uint64_t)(count + 2 * GROUP + 32); }
