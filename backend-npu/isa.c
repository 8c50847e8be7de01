/* ISA tables expanded from isa.def, name lookups, and the program builder
 * (npu_emit, npu_program_finish) that the backend uses instead of text. */
#include "backend-npu/isa.h"

#include <string.h>

static const NpuOpInfo ops[NPU_NOP] = {
#define NPU_OP(id, nm, fam, cls, dts, prm) {nm, NPU_F_##fam, NPU_VC_##cls, (dts), (prm)},
#include "backend-npu/isa.def"
#undef NPU_OP
};

static const NpuParamInfo params[NPU_NPARAM] = {
#define X(id, key, kind, def, lo, hi) {key, NPU_PK_##kind, def, lo, hi},
    NPU_PARAMS(X)
#undef X
};

const char *const npu_round_names[7] = {"none", "rint", "floor", "ceil", "round", "trunc", "odd"};
const char *const npu_cmp_names[6] = {"eq", "ne", "lt", "le", "gt", "ge"};

static const char *const pipe_names[NPU_NPIPE + 1] = {"s", "v", "m", "mte1", "mte2", "mte3", "fix", "all"};
static const char *const path_names[NPU_NPATH] = {
#define X(id, key, from, to) key,
    NPU_PATHS(X)
#undef X
};
static const struct { const char *name; unsigned size; } dtypes[NPU_NDTYPE] = {
    {"", 0},
#define X(id, s, sz) {s, sz},
    NPU_DTYPES(X)
#undef X
};
static const char *const check_names[NPU_NCHECK] = {
#define X(id, s) s,
    NPU_CHECKS(X)
#undef X
};

const NpuOpInfo *npu_op_info(NpuOp op) { return &ops[op < NPU_NOP ? op : 0]; }
const NpuParamInfo *npu_param_info(NpuParam p) { return &params[p < NPU_NPARAM ? p : 0]; }
const char *npu_op_name(NpuOp op) { return op < NPU_NOP ? ops[op].name : "?"; }
const char *npu_pipe_name(NpuPipe p) { return p <= NPU_PIPE_ALL ? pipe_names[p] : "?"; }
const char *npu_scope_name(NpuScope s) { return s < NPU_NSCOPE ? mem_scope_short_name[s] : "?"; }
const char *npu_dtype_name(NpuDtype d) { return d < NPU_NDTYPE ? dtypes[d].name : "?"; }
unsigned npu_dtype_size(NpuDtype d) { return d < NPU_NDTYPE ? dtypes[d].size : 0; }
const char *npu_path_name(NpuPath p) { return p < NPU_NPATH ? path_names[p] : "?"; }
const char *npu_param_name(NpuParam p) { return params[p < NPU_NPARAM ? p : 0].key; }
const char *npu_check_name(NpuCheck c) { return c < NPU_NCHECK ? check_names[c] : "?"; }

int64_t npu_param_default(const NpuInstr *in, NpuParam p)
{
    const NpuOp op = in->op;
    /* per-repeat reductions write one (value[, index]) per repeat: dense */
    if (p == NPU_PARAM_DSTREP && op < NPU_NOP && ops[op].fam == NPU_F_VRED)
        return 1;
    /* a cast's narrower side covers fewer blocks per repeat (f32 -> f16: 4 of
     * 8), so its default repeat stride packs the repeats without holes */
    if (op == NPU_OP_VCONV && (p == NPU_PARAM_DSTREP || p == NPU_PARAM_SRC0REP)) {
        unsigned d = npu_dtype_size(in->dt), s = npu_dtype_size(in->dt2);
        unsigned mine = p == NPU_PARAM_DSTREP ? d : s, wide = d > s ? d : s;
        if (mine && wide)
            return 8 * mine / wide;
    }
    return params[p].def;
}

void npu_param_range(NpuOp op, NpuParam p, int64_t *lo, int64_t *hi)
{
    *lo = params[p].lo;
    *hi = params[p].hi;
    /* dma gaps are 16-bit counts of 32-byte blocks; dma_pad's GM gaps are
     * 32-bit byte counts (DataCopyExtParams) */
    if (op == NPU_OP_DMA && (p == NPU_PARAM_SRCGAP || p == NPU_PARAM_DSTGAP))
        *hi = 65535;
}

int npu_family_naddr(NpuFamily f)
{
    switch (f) {
    case NPU_F_DMA: case NPU_F_VUN: case NPU_F_VBINS: case NPU_F_VCONV: case NPU_F_VRED:
    case NPU_F_VREDALL: case NPU_F_VBRCB: case NPU_F_LOAD2D: case NPU_F_FIXPIPE:
        return 2;
    case NPU_F_VBIN: case NPU_F_VCMP: case NPU_F_MMAD:
        return 3;
    case NPU_F_VSEL:
        return 4;
    case NPU_F_VDUP: case NPU_F_SLD: case NPU_F_SST:
        return 1;
    default:
        return 0;
    }
}

bool npu_family_is_vector(NpuFamily f)
{
    return f >= NPU_F_VBIN && f <= NPU_F_VBRCB;
}

unsigned npu_vec_lanes(const NpuInstr *in)
{
    unsigned es = npu_dtype_size(in->dt);
    if (in->op == NPU_OP_VCONV && npu_dtype_size(in->dt2) > es)
        es = npu_dtype_size(in->dt2);
    return es ? 256 / es : 0;
}

NpuProgram *npu_program_new(Arena *a)
{
    NpuProgram *p = arena_alloc(a, sizeof *p);
    p->a = a;
    p->block_dim = 1;
    return p;
}

int npu_program_find_gm(const NpuProgram *p, const char *name, size_t len)
{
    for (uint32_t i = 0; i < p->gm.n; i++)
        if (strlen(p->gm.v[i].name) == len && memcmp(p->gm.v[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

int npu_program_add_gm(NpuProgram *p, const char *name, NpuDtype dt, uint64_t count)
{
    if (npu_program_find_gm(p, name, strlen(name)) >= 0 || p->gm.n >= 32000)
        return -1;
    NpuGmDecl d = {arena_strdup(p->a, name), dt, count};
    vec_push(p->a, p->gm, d);
    return (int)p->gm.n - 1;
}

NpuInstr *npu_emit(NpuProgram *p, NpuOp op) { return npu_emit_typed(p, op, NPU_DT_NONE, NPU_DT_NONE); }

NpuInstr *npu_emit_typed(NpuProgram *p, NpuOp op, NpuDtype dt, NpuDtype dt2)
{
    NpuInstr in;
    memset(&in, 0, sizeof in);
    in.op = op;
    in.dt = dt;
    in.dt2 = dt2;
    in.rd = NPU_REG_NONE;
    for (int i = 0; i < 3; i++)
        in.v[i] = npu_imm(0);
    in.v[2] = npu_imm(1); /* loop step */
    for (int i = 0; i < 4; i++)
        in.a[i] = npu_addr(NPU_UB, NPU_REG_NONE, 0);
    in.s.reg = NPU_REG_NONE;
    for (int i = 0; i < NPU_NPARAM; i++)
        in.p[i] = npu_imm(npu_param_default(&in, (NpuParam)i));
    uint32_t n = p->ins.n;
    vec_push(p->a, p->ins, in);
    return p->ins.n > n ? &p->ins.v[p->ins.n - 1] : NULL;
}

static bool bad(DiagSink *d, uint32_t cur_file, const NpuInstr *in, uint32_t idx, const char *what)
{
    SrcSpan at = {{d->files ? cur_file : 0, in->line, in->col}, 1};
    if (in->line == 0)
        diag_error(d, NO_SPAN, "instruction #%u (%s): %s", idx, npu_op_name(in->op), what);
    else
        diag_error(d, at, "%s: %s", npu_op_name(in->op), what);
    return false;
}

bool npu_program_finish(NpuProgram *p, DiagSink *d)
{
    bool ok = true;
    uint32_t stack[64], depth = 0;
    for (uint32_t i = 0; i < p->ins.n; i++) {
        NpuInstr *in = &p->ins.v[i];
        if (in->op >= NPU_NOP)
            return bad(d, p->file, in, i, "unknown opcode");
        const NpuOpInfo *oi = &ops[in->op];
        if (oi->fam == NPU_F_LOOP) {
            if (depth == 64)
                ok = bad(d, p->file, in, i, "loops nested deeper than 64");
            else
                stack[depth++] = i;
        } else if (oi->fam == NPU_F_ENDLOOP) {
            if (depth == 0) {
                ok = bad(d, p->file, in, i, "'endloop' without a matching 'loop'");
            } else {
                uint32_t l = stack[--depth];
                p->ins.v[l].match = i;
                in->match = l;
            }
        }
        if (oi->dtypes && !(oi->dtypes & (1u << in->dt)))
            ok = bad(d, p->file, in, i, "element type not supported by this instruction");
        if (in->op == NPU_OP_VCONV && !(oi->dtypes & (1u << in->dt2)))
            ok = bad(d, p->file, in, i, "source element type not supported by vconv");
        bool regs_ok = true;
        bool scalar_fam = oi->fam <= NPU_F_LOOP;
        if (scalar_fam && (in->rd < 0 || in->rd >= NPU_NREG))
            regs_ok = false;
        for (int k = 0; k < 3; k++)
            regs_ok &= in->v[k].reg < NPU_NREG;
        for (int k = 0; k < 4; k++)
            regs_ok &= in->a[k].reg < NPU_NREG;
        for (int k = 0; k < NPU_NPARAM; k++)
            regs_ok &= in->p[k].reg < NPU_NREG;
        regs_ok &= in->s.reg < NPU_NREG;
        if (!regs_ok)
            ok = bad(d, p->file, in, i, "register operand outside r0..r31");
        if (oi->fam == NPU_F_FLAG && (in->pipe[0] >= NPU_NPIPE || in->pipe[1] >= NPU_NPIPE))
            ok = bad(d, p->file, in, i, "flag pipes must be s, v, m, mte1, mte2, mte3 or fix");
        if (oi->fam == NPU_F_BARRIER && in->pipe[0] > NPU_PIPE_ALL)
            ok = bad(d, p->file, in, i, "bad barrier pipe");
        int na = npu_family_naddr(oi->fam);
        for (int k = 0; k < na; k++) {
            const NpuAddr *a = &in->a[k];
            if (a->scope >= NPU_NSCOPE || (a->scope == NPU_GM && (a->gm < 0 || (uint32_t)a->gm >= p->gm.n)))
                ok = bad(d, p->file, in, i, "memory operand names no buffer");
        }
    }
    if (depth > 0)
        ok = bad(d, p->file, &p->ins.v[stack[depth - 1]], stack[depth - 1], "'loop' without a matching 'endloop'");
    return ok;
}
