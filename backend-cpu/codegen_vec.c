/* Lane loops emitted as vector code. A `vectorized(w)` loop of constant
 * extent w whose body is one store of float arithmetic, with every access
 * either contiguous in the lane (the flat offset is lane + invariant
 * terms) or independent of it, is
 * emitted directly as <w x T> loads, operations and a store instead of a
 * scalar loop for LLVM's loop vectorizer. The operations are the same
 * instructions without fast-math flags, so every lane rounds exactly as
 * the scalar loop would. What this buys: a local buffer accessed only at
 * constant offsets (the accumulators of tensorize(v, gemm) after `unrolled`
 * loops are unrolled) is promoted to registers by SROA, which runs before
 * the loop vectorizer would have produced those accesses. */
#include "backend-cpu/codegen.h"

static bool vec_type(DType t) { return t == DT_F32 || t == DT_F64; }

/* e is the lane plus (or minus) invariant terms. */
static bool lane_plus(Expr *e, const IrVar *var)
{
    if (e->kind == EK_VAR)
        return e->u.var == var;
    if (e->kind != EK_BIN || e->ty != DT_I64 || (e->u.bin.op != BOP_ADD && e->u.bin.op != BOP_SUB))
        return false;
    bool a = ir_expr_uses(e->u.bin.a, var), b = ir_expr_uses(e->u.bin.b, var);
    if (a == b || (b && e->u.bin.op == BOP_SUB))
        return false;
    return lane_plus(a ? e->u.bin.a : e->u.bin.b, var);
}

/* The flat offset idx[0] of buffer b is the lane plus invariant terms: unit
 * stride in the lane (storage_flatten and stride_specialize made the
 * strides explicit). */
static bool contiguous(IrBuffer *b, Expr **idx, uint32_t n, const IrVar *var)
{
    return vec_type(b->ty) && n == 1 && lane_plus(idx[0], var);
}

/* An i64 index that is the lane plus invariant terms, or invariant. */
static bool ok_index(Expr *e, const IrVar *var)
{
    return e->ty == DT_I64 && (!ir_expr_uses(e, var) || lane_plus(e, var));
}

/* A condition computable per lane as a mask. */
static bool ok_mask(Expr *e, const IrVar *var)
{
    if (e->ty != DT_BOOL)
        return false;
    if (!ir_expr_uses(e, var))
        return true;
    if (e->kind != EK_BIN)
        return false;
    switch (e->u.bin.op) {
    case BOP_AND:
    case BOP_OR: return ok_mask(e->u.bin.a, var) && ok_mask(e->u.bin.b, var);
    case BOP_LT:
    case BOP_LE:
    case BOP_GT:
    case BOP_GE:
    case BOP_EQ:
    case BOP_NE: return ok_index(e->u.bin.a, var) && ok_index(e->u.bin.b, var);
    default: return false;
    }
}

static bool ok_expr(CodeGen *g, Expr *e, const IrVar *var)
{
    if (!ir_expr_uses(e, var))
        return e->ty != DT_BOOL;
    if (!vec_type(e->ty))
        return false;
    if (e->kind == EK_LOAD)
        return (!e->u.load.pred || ok_mask(e->u.load.pred, var)) &&
               contiguous(e->u.load.buf, e->u.load.idx, e->u.load.nidx, var);
    if (e->kind == EK_BIN) {
        BinOp op = e->u.bin.op;
        return (op == BOP_ADD || op == BOP_SUB || op == BOP_MUL || op == BOP_DIV) && e->u.bin.a->ty == e->ty &&
               e->u.bin.b->ty == e->ty && ok_expr(g, e->u.bin.a, var) && ok_expr(g, e->u.bin.b, var);
    }
    return false;
}

/* Loads of the stored buffer must read the element the lane stores. */
typedef struct Same {
    Visitor v;
    Stmt   *st;
    bool    ok;
} Same;

static bool on_load(Visitor *v, Expr *e)
{
    Same *s = (Same *)v;
    if (e->u.load.buf != s->st->u.store.buf)
        return true;
    if (e->u.load.nidx != s->st->u.store.nidx)
        s->ok = false;
    for (uint32_t i = 0; s->ok && i < e->u.load.nidx; i++)
        s->ok = ir_expr_equal(e->u.load.idx[i], s->st->u.store.idx[i]);
    return s->ok;
}

typedef struct VecGen {
    CodeGen     *g;
    IrVar       *var;
    LLVMValueRef lo;
    unsigned     w;
} VecGen;

/* The lane-invariant expression e, or e at the first lane. */
static LLVMValueRef at_first_lane(VecGen *x, Expr *e)
{
    CodeGen *g = x->g;
    uint32_t mark = g->fn->nvars;
    cg_bind_var(g, x->var, x->lo);
    LLVMValueRef v = cg_expr(g, e);
    cg_unbind_vars(g, mark);
    return v;
}

/* Address of the first lane's element; `masked`: no inbounds (the first
 * lane may be off the mask and outside the buffer). */
static LLVMValueRef first_ptr(VecGen *x, CgBuf *cb, Expr **idx, bool masked)
{
    CodeGen *g = x->g;
    LLVMValueRef off = at_first_lane(x, idx[0]);
    if (!masked)
        return cg_elem_ptr(g, cb, off);
    return LLVMBuildGEP2(g->b, cg_mem_type(g, cb->buf->ty), cb->ptr, &off, 1, "");
}

static LLVMValueRef splat(VecGen *x, LLVMValueRef s)
{
    CodeGen *g = x->g;
    LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(s), x->w);
    LLVMValueRef one = LLVMBuildInsertElement(g->b, LLVMGetPoison(vt), s, cg_i64(g, 0), "");
    LLVMValueRef zero = LLVMConstNull(LLVMVectorType(g->t_i32, x->w));
    return LLVMBuildShuffleVector(g->b, one, LLVMGetPoison(vt), zero, "splat");
}

/* An ok_index value per lane: <b, b+1, ..., b+w-1> or a splat. */
static LLVMValueRef vindex(VecGen *x, Expr *e)
{
    LLVMValueRef b = splat(x, at_first_lane(x, e));
    if (!ir_expr_uses(e, x->var))
        return b;
    LLVMValueRef iota[64];
    for (unsigned i = 0; i < x->w; i++)
        iota[i] = cg_i64(x->g, i);
    return LLVMBuildAdd(x->g->b, b, LLVMConstVector(iota, x->w), "lane");
}

/* An ok_mask condition as <w x i1>. */
static LLVMValueRef vmask(VecGen *x, Expr *e)
{
    CodeGen *g = x->g;
    if (!ir_expr_uses(e, x->var))
        return splat(x, cg_expr(g, e));
    BinOp op = e->u.bin.op;
    if (op == BOP_AND || op == BOP_OR) {
        LLVMValueRef a = vmask(x, e->u.bin.a), b = vmask(x, e->u.bin.b);
        return op == BOP_AND ? LLVMBuildAnd(g->b, a, b, "") : LLVMBuildOr(g->b, a, b, "");
    }
    static const LLVMIntPredicate pred[] = {[BOP_LT] = LLVMIntSLT, [BOP_LE] = LLVMIntSLE, [BOP_GT] = LLVMIntSGT,
                                            [BOP_GE] = LLVMIntSGE, [BOP_EQ] = LLVMIntEQ, [BOP_NE] = LLVMIntNE};
    return LLVMBuildICmp(g->b, pred[op], vindex(x, e->u.bin.a), vindex(x, e->u.bin.b), "mask");
}

static LLVMValueRef vexpr(VecGen *x, Expr *e)
{
    CodeGen *g = x->g;
    if (!ir_expr_uses(e, x->var))
        return splat(x, cg_expr(g, e));
    if (e->kind == EK_LOAD) {
        CgBuf *cb = cg_lookup_buf(g, e->u.load.buf);
        LLVMTypeRef vt = LLVMVectorType(cg_mem_type(g, e->ty), x->w);
        unsigned align = (unsigned)dtype_size(e->ty);
        if (e->u.load.pred) {
            LLVMTypeRef tys[2] = {vt, g->t_ptr};
            LLVMValueRef args[4] = {first_ptr(x, cb, e->u.load.idx, true), LLVMConstInt(g->t_i32, align, 0),
                                    vmask(x, e->u.load.pred), LLVMConstNull(vt)};
            return cg_intrinsic(g, "llvm.masked.load", tys, 2, args, 4);
        }
        LLVMValueRef v = LLVMBuildLoad2(g->b, vt, first_ptr(x, cb, e->u.load.idx, false), "");
        LLVMSetAlignment(v, align);
        return v;
    }
    /* x + y * z contracts to one fused multiply-add where the numerics
     * policy allows it (cg_contract_fma). */
    Expr *m = e->u.bin.op != BOP_ADD || !cg_contract_fma(g) ? NULL
              : e->u.bin.b->kind == EK_BIN && e->u.bin.b->u.bin.op == BOP_MUL ? e->u.bin.b
              : e->u.bin.a->kind == EK_BIN && e->u.bin.a->u.bin.op == BOP_MUL ? e->u.bin.a : NULL;
    if (m) {
        LLVMValueRef args[3] = {vexpr(x, m->u.bin.a), vexpr(x, m->u.bin.b),
                                vexpr(x, m == e->u.bin.b ? e->u.bin.a : e->u.bin.b)};
        LLVMTypeRef vt = LLVMTypeOf(args[0]);
        return cg_intrinsic(g, "llvm.fma", &vt, 1, args, 3);
    }
    LLVMValueRef a = vexpr(x, e->u.bin.a), b = vexpr(x, e->u.bin.b);
    return cg_farith(g, e->u.bin.op, a, b);
}

bool cg_vector_lanes(CodeGen *g, Stmt *loop, Stmt *body, LLVMValueRef lo)
{
    int64_t w;
    IrVar *var = loop->u.for_.var;
    Expr *cond = NULL;
    if (body->kind == SK_IF && !body->u.if_.else_ && ok_mask(body->u.if_.cond, var)) {
        cond = body->u.if_.cond;
        body = body->u.if_.then_;
    }
    if (loop->u.for_.kind != FOR_VECTORIZED || !ir_is_const_int(loop->u.for_.extent, &w) || w < 2 || w > 64 ||
        body->kind != SK_STORE)
        return false;
    if (!contiguous(body->u.store.buf, body->u.store.idx, body->u.store.nidx, var) ||
        body->u.store.value->ty != body->u.store.buf->ty || !ok_expr(g, body->u.store.value, var))
        return false;
    Same same = {.st = body, .ok = true};
    same.v.expr[EK_LOAD] = on_load;
    vis_expr(&same.v, body->u.store.value);
    if (!same.ok)
        return false;
    VecGen x = {.g = g, .var = var, .lo = lo, .w = (unsigned)w};
    LLVMValueRef v = vexpr(&x, body->u.store.value);
    CgBuf *cb = cg_lookup_buf(g, body->u.store.buf);
    unsigned align = (unsigned)dtype_size(body->u.store.buf->ty);
    if (cond) {
        LLVMTypeRef tys[2] = {LLVMTypeOf(v), g->t_ptr};
        LLVMValueRef args[4] = {v, first_ptr(&x, cb, body->u.store.idx, true), LLVMConstInt(g->t_i32, align, 0),
                                vmask(&x, cond)};
        cg_intrinsic(g, "llvm.masked.store", tys, 2, args, 4);
        return true;
    }
    LLVMValueRef st = LLVMBuildStore(g->b, v, first_ptr(&x, cb, body->u.store.idx, false));
    LLVMSetAlignment(st, align);
    return true;
}
