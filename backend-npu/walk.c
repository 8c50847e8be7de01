/* The scalar unit: runs loops and address arithmetic in program order and
 * records every other instruction, with its operands resolved, as a dynamic
 * instruction for the pipes (timing.c). It runs one recorded instruction
 * ahead of the cycle model, so registers loaded from UB by `ld` are set
 * before the instructions after it are resolved. */
#include "backend-npu/elem.h"
#include "backend-npu/sim.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DYN (4u << 20) /* dynamic instructions per core */

static int64_t get(const int64_t *regs, NpuVal v) { return v.reg >= 0 ? regs[v.reg] : v.imm; }

static Dyn *push_dyn(NpuSim *s, uint32_t sidx)
{
    if (s->ndyn == s->capdyn) {
        uint32_t cap = s->capdyn ? s->capdyn * 2 : 1024;
        Dyn *p = realloc(s->dyn, cap * sizeof *p);
        if (!p)
            return NULL;
        s->dyn = p;
        s->capdyn = cap;
    }
    Dyn *d = &s->dyn[s->ndyn++];
    memset(d, 0, sizeof *d);
    d->sidx = sidx;
    return d;
}

/* An ALU result; division by zero is an error with result 0. */
static int64_t alu(NpuOp op, int64_t a, int64_t b, bool *bad)
{
    uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
    switch (op) {
    case NPU_OP_ADD: return (int64_t)(ua + ub);
    case NPU_OP_SUB: return (int64_t)(ua - ub);
    case NPU_OP_MUL: return (int64_t)(ua * ub);
    case NPU_OP_DIV:
    case NPU_OP_REM:
        if (b == 0 || (a == INT64_MIN && b == -1)) {
            *bad = true;
            return 0;
        }
        return op == NPU_OP_DIV ? a / b : a % b;
    case NPU_OP_SHL: return (int64_t)(ua << (b & 63));
    case NPU_OP_SHR: return a >> (b & 63);
    case NPU_OP_MIN: return a < b ? a : b;
    case NPU_OP_MAX: return a > b ? a : b;
    default: return 0;
    }
}

/* A register as the scalar operand of a vector instruction: its low bits
 * are an element of the instruction's type (as `ld` leaves them) for float
 * types, its integer value for integer types. */
static double reg_scalar(NpuDtype dt, int64_t v)
{
    if (dt != NPU_DT_F16 && dt != NPU_DT_BF16 && dt != NPU_DT_F32)
        return (double)v;
    uint8_t b[8];
    uint64_t u = (uint64_t)v;
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(u >> (8 * i));
    return elem_load(dt, b);
}

void walk_start(NpuSim *s)
{
    memset(&s->w, 0, sizeof s->w);
    s->ndyn = 0;
}

/* Records a failing scalar instruction and stops the walk. */
static bool fail(NpuSim *s, uint32_t pc, NpuCheck kind, const char *msg)
{
    Dyn *d = push_dyn(s, pc);
    if (d) {
        d->pipe = NPU_PIPE_S;
        sim_error(s, kind, s->ndyn - 1, "%s", msg);
    }
    s->w.failed = true;
    return false;
}

bool walk_next(NpuSim *s)
{
    const NpuProgram *p = s->prog;
    Walk *w = &s->w;
    int64_t *regs = w->regs;
    if (w->done || w->failed)
        return false;
    while (w->pc < p->ins.n) {
        uint32_t pc = w->pc;
        const NpuInstr *in = &p->ins.v[pc];
        const NpuOpInfo *oi = npu_op_info(in->op);
        w->pc = pc + 1;
        switch (oi->fam) {
        case NPU_F_MOV:
            regs[in->rd] = get(regs, in->v[0]);
            w->pre += s->prof.scalar;
            continue;
        case NPU_F_ALU: {
            bool bad = false;
            int64_t v = alu(in->op, get(regs, in->v[0]), get(regs, in->v[1]), &bad);
            if (bad)
                return fail(s, pc, NPU_CHECK_PARAM, "integer division by zero (or overflow)");
            regs[in->rd] = v;
            w->pre += s->prof.scalar;
            continue;
        }
        case NPU_F_BLOCK:
            regs[in->rd] = in->op == NPU_OP_BLOCK_IDX ? s->block : s->block_dim;
            w->pre += s->prof.scalar;
            continue;
        case NPU_F_LOOP: {
            int64_t a = get(regs, in->v[0]), e = get(regs, in->v[1]), st = get(regs, in->v[2]);
            w->pre += s->prof.scalar;
            if (st == 0 || w->depth == 64)
                return fail(s, pc, NPU_CHECK_PARAM, st == 0 ? "loop step is 0" : "loops nested too deep");
            regs[in->rd] = a;
            if (st > 0 ? a >= e : a <= e)
                w->pc = in->match + 1;
            else
                w->fr[w->depth++] = (WalkFrame){pc, e, st};
            continue;
        }
        case NPU_F_ENDLOOP: {
            w->pre += s->prof.scalar;
            if (w->depth == 0)
                continue;
            WalkFrame *f = &w->fr[w->depth - 1];
            const NpuInstr *lp = &p->ins.v[f->top];
            int64_t v = (int64_t)((uint64_t)regs[lp->rd] + (uint64_t)f->step);
            regs[lp->rd] = v;
            if (f->step > 0 ? v < f->end : v > f->end)
                w->pc = f->top + 1;
            else
                w->depth--;
            continue;
        }
        default:
            break;
        }
        if (s->ndyn >= MAX_DYN) {
            sim_error(s, NPU_CHECK_LIMIT, UINT32_MAX,
                      "more than %u dynamic instructions on one core; the run was stopped", MAX_DYN);
            w->failed = true;
            return false;
        }
        Dyn *d = push_dyn(s, pc);
        if (!d) {
            sim_error(s, NPU_CHECK_LIMIT, UINT32_MAX, "out of memory recording instructions");
            w->failed = true;
            return false;
        }
        d->pre = w->pre;
        w->pre = 0;
        for (int k = 0; k < 4; k++)
            d->addr[k] = (int64_t)((uint64_t)get(regs, (NpuVal){in->a[k].reg, 0}) + (uint64_t)in->a[k].off);
        d->ev = get(regs, in->v[0]);
        d->scalar = in->s.reg >= 0 ? reg_scalar(in->dt, regs[in->s.reg]) : in->s.imm;
        for (int k = 0; k < NPU_NPARAM; k++)
            if (in->p[k].reg >= 0) {
                d->p = arena_alloc(&s->a, NPU_NPARAM * sizeof *d->p);
                for (int j = 0; j < NPU_NPARAM; j++)
                    d->p[j] = get(regs, in->p[j]);
                break;
            }
        int pipe = instr_pipe(s, in, s->ndyn - 1);
        if (pipe < 0) {
            w->failed = true;
            return false;
        }
        d->pipe = (uint8_t)pipe;
        return true;
    }
    w->done = true;
    return false;
}
