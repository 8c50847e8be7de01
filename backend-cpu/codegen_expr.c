/* Loop IR -> LLVM IR, expressions, with the value semantics of
 * docs/semantics.md: f16/bf16 held as f32 in registers and rounded to
 * nearest even only when stored or cast (bit-exact with the interpreter,
 * canonical NaNs included), integers wrapping, floor division and modulo
 * with x / 0 == 0, saturating float -> int casts, guarded loads that touch
 * no memory when their predicate is false. */
#include "backend-cpu/codegen.h"

#include <string.h>

#include "lang/intrinsics.h"

static bool is_unsigned(DType t) { return dtype_is_unsigned(t) || t == DT_BOOL; }

/* ---- f16 / bf16 ---------------------------------------------------------- */

/* A double rounded to f32 with round-to-odd, so that a second rounding to
 * f16 or bf16 (narrower by far more than 2 bits) is the single correctly
 * rounded one the interpreter computes. */
static LLVMValueRef f64_to_f32_odd(CodeGen *g, LLVMValueRef d)
{
    LLVMValueRef f = LLVMBuildFPTrunc(g->b, d, g->t_f32, "");
    LLVMValueRef back = LLVMBuildFPExt(g->b, f, g->t_f64, "");
    LLVMValueRef inexact = LLVMBuildFCmp(g->b, LLVMRealONE, back, d, "");
    LLVMValueRef bits = LLVMBuildBitCast(g->b, f, g->t_i32, "");
    LLVMValueRef odd = LLVMBuildTrunc(g->b, bits, g->t_i1, "");
    /* The truncation went away from d (|f| > |d|) when |back| > |d|: step
     * one ulp toward zero, otherwise one away; the result is odd either way. */
    LLVMTypeRef t64 = g->t_f64;
    LLVMValueRef ab = cg_intrinsic(g, "llvm.fabs", &t64, 1, &back, 1);
    LLVMValueRef ad = cg_intrinsic(g, "llvm.fabs", &t64, 1, &d, 1);
    LLVMValueRef away = LLVMBuildFCmp(g->b, LLVMRealOGT, ab, ad, "");
    LLVMValueRef step = LLVMBuildSelect(g->b, away, LLVMConstInt(g->t_i32, (unsigned long long)-1, 1),
                                        LLVMConstInt(g->t_i32, 1, 0), "");
    LLVMValueRef fix = LLVMBuildAnd(g->b, inexact, LLVMBuildNot(g->b, odd, ""), "");
    LLVMValueRef nb = LLVMBuildSelect(g->b, fix, LLVMBuildAdd(g->b, bits, step, ""), bits, "");
    return LLVMBuildBitCast(g->b, nb, g->t_f32, "");
}

/* bf16 bits of an f32 value, nearest even; NaN -> the canonical 0x7fc0 with
 * its sign (as support/half.c's f64_to_bf16_rm). */
static LLVMValueRef f32_to_bf16_bits(CodeGen *g, LLVMValueRef f)
{
    LLVMValueRef u = LLVMBuildBitCast(g->b, f, g->t_i32, "");
    LLVMValueRef lsb = LLVMBuildAnd(g->b, LLVMBuildLShr(g->b, u, LLVMConstInt(g->t_i32, 16, 0), ""),
                                    LLVMConstInt(g->t_i32, 1, 0), "");
    LLVMValueRef r = LLVMBuildAdd(g->b, u, LLVMBuildAdd(g->b, lsb, LLVMConstInt(g->t_i32, 0x7fff, 0), ""), "");
    LLVMValueRef h = LLVMBuildTrunc(g->b, LLVMBuildLShr(g->b, r, LLVMConstInt(g->t_i32, 16, 0), ""), g->t_i16, "");
    LLVMValueRef sign = LLVMBuildTrunc(g->b, LLVMBuildLShr(g->b, u, LLVMConstInt(g->t_i32, 16, 0), ""), g->t_i16, "");
    sign = LLVMBuildAnd(g->b, sign, LLVMConstInt(g->t_i16, 0x8000, 0), "");
    LLVMValueRef nan = LLVMBuildOr(g->b, sign, LLVMConstInt(g->t_i16, 0x7fc0, 0), "");
    LLVMValueRef isnan = LLVMBuildFCmp(g->b, LLVMRealUNO, f, f, "");
    return LLVMBuildSelect(g->b, isnan, nan, h, "");
}

static LLVMValueRef bf16_bits_to_f32(CodeGen *g, LLVMValueRef h)
{
    LLVMValueRef u = LLVMBuildShl(g->b, LLVMBuildZExt(g->b, h, g->t_i32, ""), LLVMConstInt(g->t_i32, 16, 0), "");
    return LLVMBuildBitCast(g->b, u, g->t_f32, "");
}

/* f16 of an f32 value, nearest even (fptrunc); NaN -> canonical 0x7e00. */
static LLVMValueRef f32_to_f16(CodeGen *g, LLVMValueRef f)
{
    LLVMValueRef h = LLVMBuildFPTrunc(g->b, f, g->t_f16, "");
    LLVMValueRef bits = LLVMBuildBitCast(g->b, h, g->t_i16, "");
    LLVMValueRef sign = LLVMBuildAnd(g->b, bits, LLVMConstInt(g->t_i16, 0x8000, 0), "");
    LLVMValueRef nan = LLVMBuildOr(g->b, sign, LLVMConstInt(g->t_i16, 0x7e00, 0), "");
    LLVMValueRef isnan = LLVMBuildFCmp(g->b, LLVMRealUNO, f, f, "");
    return LLVMBuildBitCast(g->b, LLVMBuildSelect(g->b, isnan, nan, bits, ""), g->t_f16, "");
}

LLVMValueRef cg_to_mem(CodeGen *g, DType t, LLVMValueRef v)
{
    switch (t) {
    case DT_BOOL: return LLVMBuildZExt(g->b, v, g->t_i8, "");
    case DT_F16: return f32_to_f16(g, v);
    case DT_BF16: return f32_to_bf16_bits(g, v);
    default: return v;
    }
}

LLVMValueRef cg_from_mem(CodeGen *g, DType t, LLVMValueRef v)
{
    switch (t) {
    case DT_BOOL: return LLVMBuildICmp(g->b, LLVMIntNE, v, LLVMConstInt(g->t_i8, 0, 0), "");
    case DT_F16: return LLVMBuildFPExt(g->b, v, g->t_f32, "");
    case DT_BF16: return bf16_bits_to_f32(g, v);
    default: return v;
    }
}

/* A float register value rounded to f16 / bf16 and widened back (a cast). */
static LLVMValueRef round_half(CodeGen *g, DType t, LLVMValueRef f)
{
    return cg_from_mem(g, t, cg_to_mem(g, t, f));
}

/* ---- casts ------------------------------------------------------------- */

static LLVMValueRef cast(CodeGen *g, DType to, DType from, LLVMValueRef v)
{
    bool ff = dtype_is_float(from), tf = dtype_is_float(to);
    LLVMTypeRef rt = cg_reg_type(g, to);
    if (to == from)
        return v;
    if (to == DT_BOOL)
        return ff ? LLVMBuildFCmp(g->b, LLVMRealUNE, v, LLVMConstReal(cg_reg_type(g, from), 0.0), "")
                  : LLVMBuildICmp(g->b, LLVMIntNE, v, LLVMConstNull(cg_reg_type(g, from)), "");
    if (tf) {
        LLVMValueRef d;   /* the value as the interpreter's double */
        if (!ff)
            d = is_unsigned(from) ? LLVMBuildUIToFP(g->b, v, g->t_f64, "") : LLVMBuildSIToFP(g->b, v, g->t_f64, "");
        else
            d = from == DT_F64 ? v : NULL;
        if (to == DT_F64)
            return d ? d : LLVMBuildFPExt(g->b, v, g->t_f64, "");
        if (to == DT_F32)
            return d ? LLVMBuildFPTrunc(g->b, d, g->t_f32, "") : v;   /* f16/bf16 -> f32: already f32 */
        /* to f16 / bf16: one rounding from the exact value */
        LLVMValueRef f = d ? f64_to_f32_odd(g, d) : v;
        return round_half(g, to, f);
    }
    if (ff) {   /* toward zero, saturating, NaN -> 0 */
        LLVMTypeRef tys[2] = {rt, cg_reg_type(g, from)};
        return cg_intrinsic(g, is_unsigned(to) ? "llvm.fptoui.sat" : "llvm.fptosi.sat", tys, 2, &v, 1);
    }
    unsigned wf = LLVMGetIntTypeWidth(cg_reg_type(g, from)), wt = LLVMGetIntTypeWidth(rt);
    if (wt < wf)
        return LLVMBuildTrunc(g->b, v, rt, "");
    if (wt > wf)
        return is_unsigned(from) ? LLVMBuildZExt(g->b, v, rt, "") : LLVMBuildSExt(g->b, v, rt, "");
    return v;   /* i8 <-> u8: same bits */
}

/* ---- arithmetic ---------------------------------------------------------- */

/* Floor division and modulo; by 0 gives 0 and by -1 never traps
 * (INT_MIN / -1 wraps), as the interpreter. */
static LLVMValueRef int_divmod(CodeGen *g, bool mod, DType t, LLVMValueRef a, LLVMValueRef b)
{
    LLVMTypeRef ty = LLVMTypeOf(a);
    LLVMValueRef zero = LLVMConstNull(ty), one = LLVMConstInt(ty, 1, 0);
    LLVMValueRef is0 = LLVMBuildICmp(g->b, LLVMIntEQ, b, zero, "");
    if (is_unsigned(t)) {
        LLVMValueRef safe = LLVMBuildSelect(g->b, is0, one, b, "");
        LLVMValueRef r = mod ? LLVMBuildURem(g->b, a, safe, "") : LLVMBuildUDiv(g->b, a, safe, "");
        return LLVMBuildSelect(g->b, is0, zero, r, "");
    }
    LLVMValueRef m1 = LLVMBuildICmp(g->b, LLVMIntEQ, b, LLVMConstAllOnes(ty), "");
    LLVMValueRef special = LLVMBuildOr(g->b, is0, m1, "");
    LLVMValueRef safe = LLVMBuildSelect(g->b, special, one, b, "");
    LLVMValueRef q = LLVMBuildSDiv(g->b, a, safe, "");
    LLVMValueRef r = LLVMBuildSRem(g->b, a, safe, "");
    /* r != 0 and sign(r) != sign(b): q -= 1, r += b */
    LLVMValueRef adj = LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntNE, r, zero, ""),
                                    LLVMBuildICmp(g->b, LLVMIntSLT, LLVMBuildXor(g->b, r, safe, ""), zero, ""), "");
    if (mod) {
        r = LLVMBuildSelect(g->b, adj, LLVMBuildAdd(g->b, r, safe, ""), r, "");
        return LLVMBuildSelect(g->b, special, zero, r, "");
    }
    q = LLVMBuildSelect(g->b, adj, LLVMBuildSub(g->b, q, one, ""), q, "");
    LLVMValueRef neg = LLVMBuildSub(g->b, zero, a, "");
    return LLVMBuildSelect(g->b, is0, zero, LLVMBuildSelect(g->b, m1, neg, q, ""), "");
}

/* Float % : x - y * floor(x / y) computed in double, rounded once. */
static LLVMValueRef float_mod(CodeGen *g, DType t, LLVMValueRef a, LLVMValueRef b)
{
    if (t != DT_F64) {
        a = LLVMBuildFPExt(g->b, a, g->t_f64, "");
        b = LLVMBuildFPExt(g->b, b, g->t_f64, "");
    }
    LLVMValueRef q = LLVMBuildFDiv(g->b, a, b, "");
    LLVMTypeRef t64 = g->t_f64;
    q = cg_intrinsic(g, "llvm.floor", &t64, 1, &q, 1);
    LLVMValueRef r = LLVMBuildFSub(g->b, a, LLVMBuildFMul(g->b, b, q, ""), "");
    return t == DT_F64 ? r : LLVMBuildFPTrunc(g->b, r, g->t_f32, "");
}

LLVMValueRef cg_farith(CodeGen *g, BinOp op, LLVMValueRef a, LLVMValueRef b)
{
    LLVMValueRef r = op == BOP_ADD   ? LLVMBuildFAdd(g->b, a, b, "")
                     : op == BOP_SUB ? LLVMBuildFSub(g->b, a, b, "")
                     : op == BOP_MUL ? LLVMBuildFMul(g->b, a, b, "")
                                     : LLVMBuildFDiv(g->b, a, b, "");
    /* The default numerics policy lets a * b + c become one fused
     * multiply-add (docs/semantics.md "Numerics"); strict mode rounds each. */
    if (!g->t->strict && LLVMIsAInstruction(r))
        LLVMSetFastMathFlags(r, LLVMFastMathAllowContract);
    return r;
}

static LLVMValueRef minmax(CodeGen *g, bool max, DType t, LLVMValueRef a, LLVMValueRef b)
{
    LLVMTypeRef ty = LLVMTypeOf(a);
    LLVMValueRef args[2] = {a, b};
    if (dtype_is_float(t)) {
        /* IEEE maxNum / minNum (C fmax / fmin) with -0 < +0: llvm.maxnum
         * may return either zero, so equal operands combine their bits
         * (max: -0 only if both are; min: -0 if either is). */
        LLVMValueRef r = cg_intrinsic(g, max ? "llvm.maxnum" : "llvm.minnum", &ty, 1, args, 2);
        LLVMTypeRef it = ty == g->t_f64 ? g->t_i64 : g->t_i32;
        LLVMValueRef ia = LLVMBuildBitCast(g->b, a, it, ""), ib = LLVMBuildBitCast(g->b, b, it, "");
        LLVMValueRef bits = max ? LLVMBuildAnd(g->b, ia, ib, "") : LLVMBuildOr(g->b, ia, ib, "");
        LLVMValueRef tie = LLVMBuildFCmp(g->b, LLVMRealOEQ, a, b, "");
        return LLVMBuildSelect(g->b, tie, LLVMBuildBitCast(g->b, bits, ty, ""), r, "");
    }
    const char *name = is_unsigned(t) ? (max ? "llvm.umax" : "llvm.umin") : (max ? "llvm.smax" : "llvm.smin");
    return cg_intrinsic(g, name, &ty, 1, args, 2);
}

/* a << b, a >> b with the count taken modulo the width (never poison);
 * >> arithmetic for signed types, logical for unsigned ones. */
static LLVMValueRef shift(CodeGen *g, bool left, DType t, LLVMValueRef a, LLVMValueRef b)
{
    LLVMTypeRef ty = LLVMTypeOf(a);
    LLVMValueRef s = LLVMBuildAnd(g->b, b, LLVMConstInt(ty, LLVMGetIntTypeWidth(ty) - 1, 0), "");
    if (left)
        return LLVMBuildShl(g->b, a, s, "");
    return is_unsigned(t) ? LLVMBuildLShr(g->b, a, s, "") : LLVMBuildAShr(g->b, a, s, "");
}

/* bitcast<to>(v): through the memory form, so that f16/bf16 (f32 in
 * registers) are rounded to their storage bits first, as a store would. */
static LLVMValueRef bitcast(CodeGen *g, DType to, DType from, LLVMValueRef v)
{
    LLVMValueRef m = LLVMBuildBitCast(g->b, cg_to_mem(g, from, v), cg_mem_type(g, to), "");
    return cg_from_mem(g, to, m);
}

static LLVMValueRef binary(CodeGen *g, Expr *e)
{
    BinOp op = e->u.bin.op;
    DType t = e->u.bin.a->ty;
    LLVMValueRef a = cg_expr(g, e->u.bin.a), b = cg_expr(g, e->u.bin.b);
    if (op == BOP_AND)
        return LLVMBuildAnd(g->b, a, b, "");
    if (op == BOP_OR)
        return LLVMBuildOr(g->b, a, b, "");
    if (op == BOP_MIN || op == BOP_MAX)
        return minmax(g, op == BOP_MAX, t, a, b);
    if (!dtype_is_float(t)) {
        switch (op) {
        case BOP_BITAND: return LLVMBuildAnd(g->b, a, b, "");
        case BOP_BITOR: return LLVMBuildOr(g->b, a, b, "");
        case BOP_BITXOR: return LLVMBuildXor(g->b, a, b, "");
        case BOP_SHL: return shift(g, true, t, a, b);
        case BOP_SHR: return shift(g, false, t, a, b);
        default: break;
        }
    }
    if (dtype_is_float(t)) {
        switch (op) {
        case BOP_ADD:
        case BOP_SUB:
        case BOP_MUL:
        case BOP_DIV: return cg_farith(g, op, a, b);
        case BOP_MOD: return float_mod(g, t, a, b);
        case BOP_EQ: return LLVMBuildFCmp(g->b, LLVMRealOEQ, a, b, "");
        case BOP_NE: return LLVMBuildFCmp(g->b, LLVMRealUNE, a, b, "");
        case BOP_LT: return LLVMBuildFCmp(g->b, LLVMRealOLT, a, b, "");
        case BOP_LE: return LLVMBuildFCmp(g->b, LLVMRealOLE, a, b, "");
        case BOP_GT: return LLVMBuildFCmp(g->b, LLVMRealOGT, a, b, "");
        case BOP_GE: return LLVMBuildFCmp(g->b, LLVMRealOGE, a, b, "");
        default: break;
        }
    } else {
        bool u = is_unsigned(t);
        switch (op) {
        case BOP_ADD: return LLVMBuildAdd(g->b, a, b, "");
        case BOP_SUB: return LLVMBuildSub(g->b, a, b, "");
        case BOP_MUL: return LLVMBuildMul(g->b, a, b, "");
        case BOP_DIV: return int_divmod(g, false, t, a, b);
        case BOP_MOD: return int_divmod(g, true, t, a, b);
        case BOP_EQ: return LLVMBuildICmp(g->b, LLVMIntEQ, a, b, "");
        case BOP_NE: return LLVMBuildICmp(g->b, LLVMIntNE, a, b, "");
        case BOP_LT: return LLVMBuildICmp(g->b, u ? LLVMIntULT : LLVMIntSLT, a, b, "");
        case BOP_LE: return LLVMBuildICmp(g->b, u ? LLVMIntULE : LLVMIntSLE, a, b, "");
        case BOP_GT: return LLVMBuildICmp(g->b, u ? LLVMIntUGT : LLVMIntSGT, a, b, "");
        case BOP_GE: return LLVMBuildICmp(g->b, u ? LLVMIntUGE : LLVMIntSGE, a, b, "");
        default: break;
        }
    }
    cg_fail(g, "binary operator %d on %s", (int)op, dtype_name(t));
    return a;
}

/* ---- loads --------------------------------------------------------------- */

static LLVMValueRef plain_load(CodeGen *g, CgBuf *cb, Expr *e)
{
    LLVMValueRef off = cg_expr(g, e->u.load.idx[0]);
    LLVMValueRef v = LLVMBuildLoad2(g->b, cg_mem_type(g, cb->buf->ty), cg_elem_ptr(g, cb, off), "");
    LLVMSetAlignment(v, (unsigned)dtype_size(cb->buf->ty));
    return cg_from_mem(g, cb->buf->ty, v);
}

/* A predicated load branches around the access: its address may be outside
 * the buffer when the predicate is false (the vectorizer turns the branch
 * into a masked load). */
static LLVMValueRef load(CodeGen *g, Expr *e)
{
    CgBuf *cb = cg_lookup_buf(g, e->u.load.buf);
    if (!cb)
        return LLVMGetUndef(cg_reg_type(g, e->ty));
    if (!e->u.load.pred)
        return plain_load(g, cb, e);
    LLVMValueRef p = cg_expr(g, e->u.load.pred);
    LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef yes = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "load");
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "loaded");
    LLVMBuildCondBr(g->b, p, yes, done);
    LLVMPositionBuilderAtEnd(g->b, yes);
    LLVMValueRef v = plain_load(g, cb, e);
    LLVMBasicBlockRef yes_end = LLVMGetInsertBlock(g->b);
    LLVMBuildBr(g->b, done);
    LLVMPositionBuilderAtEnd(g->b, done);
    LLVMValueRef phi = LLVMBuildPhi(g->b, LLVMTypeOf(v), "");
    LLVMValueRef in[2] = {v, LLVMConstNull(LLVMTypeOf(v))};
    LLVMBasicBlockRef bb[2] = {yes_end, from};
    LLVMAddIncoming(phi, in, bb, 2);
    return phi;
}

/* ---- dispatch ------------------------------------------------------------ */

static LLVMValueRef call(CodeGen *g, Expr *e)
{
    LLVMValueRef args[4] = {0};
    for (uint32_t i = 0; i < e->u.call.nargs && i < 4; i++)
        args[i] = cg_expr(g, e->u.call.args[i]);
    DType t = e->ty;
    switch (e->u.call.intrinsic) {
    case INTR_SELECT: return LLVMBuildSelect(g->b, args[0], args[1], args[2], "");
    case INTR_MAX: return minmax(g, true, t, args[0], args[1]);
    case INTR_MIN: return minmax(g, false, t, args[0], args[1]);
    case INTR_CLAMP: return minmax(g, false, t, minmax(g, true, t, args[0], args[1]), args[2]);
    case INTR_ABS:
        if (!dtype_is_float(t)) {
            if (is_unsigned(t))
                return args[0];
            LLVMTypeRef ty = LLVMTypeOf(args[0]);
            LLVMValueRef a2[2] = {args[0], LLVMConstInt(g->t_i1, 0, 0)};   /* abs(INT_MIN) wraps */
            return cg_intrinsic(g, "llvm.abs", &ty, 1, a2, 2);
        }
        break;
    default: break;
    }
    if (!dtype_is_float(t)) {
        cg_fail(g, "intrinsic %s on %s", intrinsic_info[e->u.call.intrinsic].name, dtype_name(t));
        return args[0];
    }
    return cg_math(g, e->u.call.intrinsic, t, args);
}

LLVMValueRef cg_expr(CodeGen *g, Expr *e)
{
    if (!g->ok)
        return LLVMGetUndef(g->t_i64);
    switch (e->kind) {
    case EK_INT:
        if (e->ty == DT_BOOL)
            return LLVMConstInt(g->t_i1, e->u.ival != 0, 0);
        return LLVMConstInt(cg_reg_type(g, e->ty), (unsigned long long)e->u.ival, 1);
    case EK_FLOAT:
        return LLVMConstReal(cg_reg_type(g, e->ty), e->ty == DT_F64 ? e->u.fval : (double)(float)e->u.fval);
    case EK_VAR: return cg_lookup_var(g, e->u.var);
    case EK_UN: {
        LLVMValueRef a = cg_expr(g, e->u.un.a);
        if (e->u.un.op == UOP_NOT || e->u.un.op == UOP_BITNOT)
            return LLVMBuildNot(g->b, a, "");
        return dtype_is_float(e->ty) ? LLVMBuildFNeg(g->b, a, "") : LLVMBuildNeg(g->b, a, "");
    }
    case EK_BIN: return binary(g, e);
    case EK_SELECT: {
        LLVMValueRef c = cg_expr(g, e->u.sel.cond);
        LLVMValueRef t = cg_expr(g, e->u.sel.t);
        LLVMValueRef f = cg_expr(g, e->u.sel.f);
        return LLVMBuildSelect(g->b, c, t, f, "");
    }
    case EK_CAST:
        if (e->u.cast.bits)
            return bitcast(g, e->ty, e->u.cast.a->ty, cg_expr(g, e->u.cast.a));
        return cast(g, e->ty, e->u.cast.a->ty, cg_expr(g, e->u.cast.a));
    case EK_CALL: return call(g, e);
    case EK_LOAD: return load(g, e);
    case EK_LET: {
        uint32_t mark = g->fn->nvars;
        cg_bind_var(g, e->u.let.var, cg_expr(g, e->u.let.value));
        LLVMValueRef v = cg_expr(g, e->u.let.body);
        cg_unbind_vars(g, mark);
        return v;
    }
    default: break;
    }
    cg_fail(g, "expression kind %d", (int)e->kind);
    return LLVMGetUndef(g->t_i64);
}
