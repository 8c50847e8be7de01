/* NPU assembly printer: the canonical text form of a program, which the
 * parser reads back to the same program (parameters at their default are
 * omitted). */
#include "backend-npu/isa.h"

#include <math.h>
#include <string.h>

typedef struct Buf { char *p; size_t size, len; } Buf;

static void put(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->size ? b->size - b->len : 0;
    int n = vsnprintf(b->p + (b->len < b->size ? b->len : b->size - 1), room ? room : 1, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

static void val(Buf *b, NpuVal v)
{
    if (v.reg >= 0)
        put(b, "r%d", v.reg);
    else
        put(b, "%lld", (long long)v.imm);
}

static void addr(Buf *b, const NpuProgram *p, NpuAddr a)
{
    if (a.scope == NPU_GM)
        put(b, "%s[", a.gm >= 0 && (uint32_t)a.gm < p->gm.n ? p->gm.v[a.gm].name : "?gm");
    else
        put(b, "%s[", npu_scope_name((NpuScope)a.scope));
    if (a.reg >= 0) {
        put(b, "r%d", a.reg);
        if (a.off > 0)
            put(b, "+%lld", (long long)a.off);
        else if (a.off < 0)
            put(b, "-%llu", (unsigned long long)-(a.off + 1) + 1);
    } else {
        put(b, "%lld", (long long)a.off);
    }
    put(b, "]");
}

static void scalar(Buf *b, NpuScalar s)
{
    if (s.reg >= 0)
        put(b, "r%d", s.reg);
    else if (isnan(s.imm))
        put(b, "nan");
    else if (isinf(s.imm))
        put(b, s.imm < 0 ? "-inf" : "inf");
    else
        put(b, "%.17g", s.imm);
}

static void params(Buf *b, const NpuInstr *in)
{
    const NpuOpInfo *oi = npu_op_info(in->op);
    for (int i = 0; i < NPU_NPARAM; i++) {
        if (!(oi->params & (1u << i)))
            continue;
        const NpuParamInfo *pi = npu_param_info((NpuParam)i);
        if (pi->kind == NPU_PK_MASK) {
            if (in->mask.bitwise)
                put(b, ", mask=0x%llx:0x%llx", (unsigned long long)in->mask.hi,
                    (unsigned long long)in->mask.lo);
            else if (in->mask.count)
                put(b, ", mask=%u", in->mask.count);
            continue;
        }
        NpuVal v = in->p[i];
        if (v.reg < 0 && v.imm == npu_param_default(in, (NpuParam)i))
            continue;
        put(b, ", %s=", pi->key);
        if (v.reg < 0 && pi->kind == NPU_PK_ROUND && v.imm >= 0 && v.imm < 7)
            put(b, "%s", npu_round_names[v.imm]);
        else if (v.reg < 0 && pi->kind == NPU_PK_CMP && v.imm >= 0 && v.imm < 6)
            put(b, "%s", npu_cmp_names[v.imm]);
        else
            val(b, v);
    }
}

static void format(Buf *b, const NpuProgram *p, const NpuInstr *in)
{
    const NpuOpInfo *oi = npu_op_info(in->op);
    put(b, "%s", oi->name);
    if (in->dt)
        put(b, ".%s", npu_dtype_name(in->dt));
    if (in->op == NPU_OP_VCONV)
        put(b, ".%s", npu_dtype_name(in->dt2));
    switch (oi->fam) {
    case NPU_F_MOV:
        put(b, " r%d, ", in->rd);
        val(b, in->v[0]);
        break;
    case NPU_F_ALU:
        put(b, " r%d, ", in->rd);
        val(b, in->v[0]);
        put(b, ", ");
        val(b, in->v[1]);
        break;
    case NPU_F_BLOCK:
        put(b, " r%d", in->rd);
        break;
    case NPU_F_SLD:
        put(b, " r%d, ", in->rd);
        addr(b, p, in->a[0]);
        break;
    case NPU_F_SST:
        put(b, " ");
        addr(b, p, in->a[0]);
        put(b, ", ");
        val(b, in->v[0]);
        break;
    case NPU_F_LOOP:
        put(b, " r%d, ", in->rd);
        val(b, in->v[0]);
        put(b, ", ");
        val(b, in->v[1]);
        if (in->v[2].reg >= 0 || in->v[2].imm != 1) {
            put(b, ", ");
            val(b, in->v[2]);
        }
        break;
    case NPU_F_ENDLOOP:
        break;
    case NPU_F_FLAG:
        put(b, " %s, %s, ", npu_pipe_name(in->pipe[0]), npu_pipe_name(in->pipe[1]));
        val(b, in->v[0]);
        break;
    case NPU_F_BARRIER:
        put(b, " %s", npu_pipe_name(in->pipe[0]));
        break;
    default: {
        int na = npu_family_naddr(oi->fam);
        for (int k = 0; k < na; k++) {
            put(b, k ? ", " : " ");
            addr(b, p, in->a[k]);
        }
        if (oi->fam == NPU_F_VBINS || oi->fam == NPU_F_VDUP) {
            put(b, ", ");
            scalar(b, in->s);
        }
        params(b, in);
        break;
    }
    }
}

void npu_instr_format(const NpuProgram *p, const NpuInstr *in, char *buf, size_t size)
{
    Buf b = {buf, size, 0};
    if (size == 0)
        return;
    buf[0] = 0;
    format(&b, p, in);
}

void npu_program_print(const NpuProgram *p, FILE *out)
{
    if (p->block_dim != 1)
        fprintf(out, ".block_dim %u\n", p->block_dim);
    for (uint32_t i = 0; i < p->gm.n; i++)
        fprintf(out, ".gm %s %s %llu\n", p->gm.v[i].name, npu_dtype_name(p->gm.v[i].dt),
                (unsigned long long)p->gm.v[i].count);
    int depth = 0;
    char line[512];
    for (uint32_t i = 0; i < p->ins.n; i++) {
        const NpuInstr *in = &p->ins.v[i];
        if (in->op == NPU_OP_ENDLOOP && depth > 0)
            depth--;
        npu_instr_format(p, in, line, sizeof line);
        fprintf(out, "%*s%s\n", 4 + 2 * depth, "", line);
        if (in->op == NPU_OP_LOOP)
            depth++;
    }
}
