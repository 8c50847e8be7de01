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

/* The flat offset idx[0] of buffer b is the lane plus invariant terms: unit
 * stride in the lane (storage_flatten and stride_specialize made the
 * strides explicit). */
static bool contiguous(IrBuffer *b, Expr **idx, uint32_t n, const IrVar *var)
{
    return vec_type(b->ty) && n == 1 && ir_plus_var(idx[0], var);
}

static bool ok_expr(CodeGen *g, Expr *e, const IrVar *var)
{
    if (!ir_expr_uses(e, var))
        return e->ty != DT_BOOL;
    if (!vec_type(e->ty))
        return false;
    if (e->kind == EK_LOAD)
        return !e->u.load.pred && contiguous(e->u.load.buf, e->u.load.idx, e->u.load.nidx, var);
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

/* Address of the first lane's element. */
static LLVMValueRef first_ptr(VecGen *x, CgBuf *cb, Expr **idx)
{
    CodeGen *g = x->g;
    uint32_t mark = g->fn->nvars;
    cg_bind_var(g, x->var, x->lo);
    LLVMValueRef off = cg_expr(g, idx[0]);
    cg_unbind_vars(g, mark);
    return cg_elem_ptr(g, cb, off);
}

static LLVMValueRef vexpr(VecGen *x, Expr *e)
{
    CodeGen *g = x->g;
    if (!ir_expr_uses(e, x->var)) {
        LLVMValueRef s = cg_expr(g, e);
        LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(s), x->w);
        LLVMValueRef one = LLVMBuildInsertElement(g->b, LLVMGetPoison(vt), s, cg_i64(g, 0), "");
        LLVMValueRef zero = LLVMConstNull(LLVMVectorType(g->t_i32, x->w));
        return LLVMBuildShuffleVector(g->b, one, LLVMGetPoison(vt), zero, "splat");
    }
    if (e->kind == EK_LOAD) {
        CgBuf *cb = cg_lookup_buf(g, e->u.load.buf);
        LLVMTypeRef vt = LLVMVectorType(cg_mem_type(g, e->ty), x->w);
        LLVMValueRef v = LLVMBuildLoad2(g->b, vt, first_ptr(x, cb, e->u.load.idx), "");
        LLVMSetAlignment(v, (unsigned)dtype_size(e->ty));
        return v;
    }
    LLVMValueRef a = vexpr(x, e->u.bin.a), b = vexpr(x, e->u.bin.b);
    return cg_farith(g, e->u.bin.op, a, b);
}

bool cg_vector_lanes(CodeGen *g, Stmt *loop, Stmt *body, LLVMValueRef lo)
{
    int64_t w;
    IrVar *var = loop->u.for_.var;
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
    LLVMValueRef st = LLVMBuildStore(g->b, v, first_ptr(&x, cb, body->u.store.idx));
    LLVMSetAlignment(st, (unsigned)dtype_size(body->u.store.buf->ty));
    return true;
}
