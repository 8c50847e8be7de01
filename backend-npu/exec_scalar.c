/* The scalar unit's memory access: `ld.T rd, ub[a]` and `st.T ub[a], v`
 * move one element between UB and a register (Ascend C GetValue/SetValue).
 * A register holds the element's bits: integers sign-extended (u8 zero-
 * extended), floats as their bit pattern in the low bits. */
#include "backend-npu/sim.h"

#include <string.h>

uint64_t exec_scalar_mem(NpuSim *s, Dyn *d)
{
    const NpuInstr *in = sinstr(s, d);
    uint64_t cost = s->prof.scalar;
    unsigned es = npu_dtype_size(in->dt);
    if (in->a[0].scope != NPU_UB) {
        sim_error(s, NPU_CHECK_UNSUPPORTED, s->cur, "%s moves a ub element, not %s", npu_op_name(in->op),
                  npu_scope_name((NpuScope)in->a[0].scope));
        return cost;
    }
    if (!check_align(s, d, 0, es) || !check_range(s, d, 0, d->addr[0], d->addr[0] + es))
        return cost;
    Region *r = region_of(s, &in->a[0]);
    if (!r)
        return cost;
    uint8_t *p = acc(s, r, d->addr[0], es, in->op == NPU_OP_ST);
    if (in->op == NPU_OP_ST) {
        uint64_t v = (uint64_t)d->ev; /* the value operand, resolved by the walk */
        for (unsigned i = 0; i < es; i++)
            p[i] = (uint8_t)(v >> (8 * i));
        return cost;
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < es; i++)
        v |= (uint64_t)p[i] << (8 * i);
    bool is_signed = in->dt == NPU_DT_I8 || in->dt == NPU_DT_I16 || in->dt == NPU_DT_I32;
    if (is_signed && es < 8 && (v >> (8 * es - 1)) & 1)
        v |= ~(uint64_t)0 << (8 * es);
    s->w.regs[in->rd] = (int64_t)v;
    return cost;
}
