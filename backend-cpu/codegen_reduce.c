/* Reduction updates, `acc[o] = acc[o] op e` with `o` the same offset on
 * both sides, emitted so that LLVM's loop vectorizer recognizes the
 * accumulator (a phi once the local buffer is promoted) as a reduction and
 * keeps vector partial results, interleaved across registers:
 *
 * - float `+` and `*` carry `reassoc` under the default numerics policy
 *   (docs/semantics.md "Numerics"); strict mode leaves them sequential;
 * - float `max` and `min` become `llvm.maximum`/`llvm.minimum` of the
 *   accumulator and `e` with a NaN `e` replaced by the identity (-inf /
 *   +inf). That is the language's maxNum/minNum with -0 < +0 whenever the
 *   accumulator is not NaN, which holds for a reduction: it starts at the
 *   identity and a maxNum of a non-NaN value is never NaN. Both intrinsics
 *   are exact in any order, so this applies in strict mode as well.
 *
 * Integer reductions need nothing: LLVM reassociates them already. */
#include <math.h>

#include "backend-cpu/codegen.h"
#include "lang/intrinsics.h"

/* The operator and the other operand of `acc op e` / `op(acc, e)` when one
 * operand is a load of the stored element; false otherwise. */
static bool match_update(Stmt *s, int *op, Expr **other)
{
    Expr *v = s->u.store.value, *a, *b;
    if (s->u.store.nidx != 1)
        return false;
    if (v->kind == EK_BIN && (v->u.bin.op == BOP_ADD || v->u.bin.op == BOP_MUL || v->u.bin.op == BOP_MAX
                              || v->u.bin.op == BOP_MIN)) {
        *op = v->u.bin.op;
        a = v->u.bin.a, b = v->u.bin.b;
    } else if (v->kind == EK_CALL && v->u.call.nargs == 2
               && (v->u.call.intrinsic == INTR_MAX || v->u.call.intrinsic == INTR_MIN)) {
        *op = v->u.call.intrinsic == INTR_MAX ? BOP_MAX : BOP_MIN;
        a = v->u.call.args[0], b = v->u.call.args[1];
    } else {
        return false;
    }
    for (int side = 0; side < 2; side++) {
        Expr *acc = side ? b : a;
        if (acc->kind == EK_LOAD && acc->u.load.buf == s->u.store.buf && !acc->u.load.pred
            && acc->u.load.nidx == 1 && ir_expr_equal(acc->u.load.idx[0], s->u.store.idx[0])) {
            *other = side ? a : b;
            return true;
        }
    }
    return false;
}

LLVMValueRef cg_reduction_update(CodeGen *g, Stmt *s, LLVMValueRef acc_ptr)
{
    int op;
    Expr *e;
    DType t = s->u.store.value->ty;
    if (!dtype_is_float(t) || !match_update(s, &op, &e))
        return NULL;
    bool minmax = op == BOP_MAX || op == BOP_MIN;
    if (!minmax && g->t->strict)
        return NULL;
    LLVMTypeRef ty = cg_reg_type(g, t);
    LLVMValueRef acc = LLVMBuildLoad2(g->b, cg_mem_type(g, s->u.store.buf->ty), acc_ptr, "acc");
    LLVMSetAlignment(acc, (unsigned)dtype_size(s->u.store.buf->ty));
    acc = cg_from_mem(g, s->u.store.buf->ty, acc);
    LLVMValueRef x = cg_expr(g, e);
    if (!minmax) {
        LLVMValueRef r = cg_farith(g, (BinOp)op, acc, x);
        if (LLVMIsAInstruction(r))
            LLVMSetFastMathFlags(r, LLVMFastMathAllowReassoc | LLVMFastMathAllowContract);
        return r;
    }
    LLVMValueRef identity = LLVMConstReal(ty, op == BOP_MAX ? -INFINITY : INFINITY);
    LLVMValueRef nan = LLVMBuildFCmp(g->b, LLVMRealUNO, x, x, "");
    x = LLVMBuildSelect(g->b, nan, identity, x, "");
    LLVMValueRef args[2] = {acc, x};
    return cg_intrinsic(g, op == BOP_MAX ? "llvm.maximum" : "llvm.minimum", &ty, 1, args, 2);
}
