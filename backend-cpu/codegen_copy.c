/* Bulk copies (SK_COPY, docs/ir.md): a nest of counted loops over the
 * box's outer dimensions and, for the innermost, one llvm.memcpy of the
 * whole row when both sides have unit stride there (decided at compile
 * time when the strides are constants, else tested at run time), or an
 * element loop for strided rows. Extents of 0 or less copy nothing, so
 * tails need no special case. Elements are copied as their memory bits. */
#include "backend-cpu/codegen.h"

typedef struct CopyGen {
    CodeGen     *g;
    Stmt        *s;
    CgBuf       *dst, *src;
    LLVMValueRef ext[CPU_ABI_MAX_RANK];
    uint32_t     n;
} CopyGen;

/* Stride of box axis a in buffer cb. */
static LLVMValueRef box_stride(CgBuf *cb, uint32_t n, uint32_t a) { return cb->strides[cb->buf->rank - n + a]; }

/* for k in [0, ext) with an i64 phi; *k is the counter inside. Returns the
 * exit block's predecessor setup: the caller emits the body, then
 * loop_end. */
typedef struct Loop {
    LLVMBasicBlockRef head, exit;
    LLVMValueRef      k;
} Loop;

static Loop loop_begin(CodeGen *g, LLVMValueRef ext, const char *name)
{
    Loop l;
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    l.head = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, name);
    l.exit = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "copy_exit");
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, cg_i64(g, 0), ext, ""), l.head, l.exit);
    LLVMPositionBuilderAtEnd(g->b, l.head);
    l.k = LLVMBuildPhi(g->b, g->t_i64, "k");
    LLVMValueRef zero = cg_i64(g, 0);
    LLVMAddIncoming(l.k, &zero, &pre, 1);
    return l;
}

static void loop_end(CodeGen *g, Loop *l, LLVMValueRef ext)
{
    LLVMValueRef next = LLVMBuildNSWAdd(g->b, l->k, cg_i64(g, 1), "");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, next, ext, ""), l->head, l->exit);
    LLVMAddIncoming(l->k, &next, &latch, 1);
    LLVMPositionBuilderAtEnd(g->b, l->exit);
}

static void copy_element(CopyGen *x, LLVMValueRef doff, LLVMValueRef soff)
{
    CodeGen *g = x->g;
    LLVMTypeRef et = cg_mem_type(g, x->src->buf->ty);
    unsigned al = (unsigned)dtype_size(x->src->buf->ty);
    LLVMValueRef v = LLVMBuildLoad2(g->b, et, cg_elem_ptr(g, x->src, soff), "");
    LLVMSetAlignment(v, al);
    LLVMSetAlignment(LLVMBuildStore(g->b, v, cg_elem_ptr(g, x->dst, doff)), al);
}

static bool is_one(LLVMValueRef v) { return LLVMIsAConstantInt(v) && LLVMConstIntGetSExtValue(v) == 1; }

/* The innermost axis: memcpy when unit-strided, else an element loop. */
static void copy_row(CopyGen *x, LLVMValueRef doff, LLVMValueRef soff)
{
    CodeGen *g = x->g;
    uint32_t a = x->n - 1;
    LLVMValueRef ext = x->ext[a], ds = box_stride(x->dst, x->n, a), ss = box_stride(x->src, x->n, a);
    LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "row_done");
    bool unit = is_one(ds) && is_one(ss);
    if (!unit) {
        LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "row_memcpy");
        LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "row_strided");
        LLVMValueRef u = LLVMBuildAnd(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, ds, cg_i64(g, 1), ""),
                                      LLVMBuildICmp(g->b, LLVMIntEQ, ss, cg_i64(g, 1), ""), "unit");
        LLVMBuildCondBr(g->b, u, fast, slow);
        LLVMPositionBuilderAtEnd(g->b, slow);
        Loop l = loop_begin(g, ext, "copy_elem");
        copy_element(x, LLVMBuildAdd(g->b, doff, LLVMBuildMul(g->b, l.k, ds, ""), ""),
                     LLVMBuildAdd(g->b, soff, LLVMBuildMul(g->b, l.k, ss, ""), ""));
        loop_end(g, &l, ext);
        LLVMBuildBr(g->b, done);
        LLVMPositionBuilderAtEnd(g->b, fast);
    }
    LLVMValueRef pos = LLVMBuildICmp(g->b, LLVMIntSGT, ext, cg_i64(g, 0), "");
    LLVMValueRef n = LLVMBuildSelect(g->b, pos, ext, cg_i64(g, 0), "");
    LLVMValueRef bytes = LLVMBuildMul(g->b, n, cg_i64(g, (int64_t)dtype_size(x->src->buf->ty)), "bytes");
    LLVMTypeRef tys[3] = {g->t_ptr, g->t_ptr, g->t_i64};
    LLVMValueRef args[4] = {cg_elem_ptr(g, x->dst, doff), cg_elem_ptr(g, x->src, soff), bytes,
                            LLVMConstInt(g->t_i1, 0, 0)};
    cg_intrinsic(g, "llvm.memcpy", tys, 3, args, 4);
    LLVMBuildBr(g->b, done);
    LLVMPositionBuilderAtEnd(g->b, done);
}

static void copy_axis(CopyGen *x, uint32_t a, LLVMValueRef doff, LLVMValueRef soff)
{
    CodeGen *g = x->g;
    if (a + 1 == x->n) {
        copy_row(x, doff, soff);
        return;
    }
    Loop l = loop_begin(g, x->ext[a], "copy_axis");
    copy_axis(x, a + 1, LLVMBuildAdd(g->b, doff, LLVMBuildMul(g->b, l.k, box_stride(x->dst, x->n, a), ""), ""),
              LLVMBuildAdd(g->b, soff, LLVMBuildMul(g->b, l.k, box_stride(x->src, x->n, a), ""), ""));
    loop_end(g, &l, x->ext[a]);
}

/* The flat offset of a corner: sum of idx[i] * stride[i]. */
static LLVMValueRef corner(CodeGen *g, CgBuf *cb, Expr **idx)
{
    LLVMValueRef off = cg_i64(g, 0);
    for (uint32_t i = 0; i < cb->buf->rank; i++)
        off = LLVMBuildAdd(g->b, off, LLVMBuildMul(g->b, cg_expr(g, idx[i]), cb->strides[i], ""), "");
    return off;
}

void cg_copy(CodeGen *g, Stmt *s)
{
    CopyGen x = {.g = g, .s = s, .n = s->u.copy.n};
    x.dst = cg_lookup_buf(g, s->u.copy.dst);
    x.src = x.dst ? cg_lookup_buf(g, s->u.copy.src) : NULL;
    if (!x.src)
        return;
    if (x.n > CPU_ABI_MAX_RANK) {
        cg_fail(g, "copy of %u dimensions", x.n);
        return;
    }
    for (uint32_t a = 0; a < x.n; a++)
        x.ext[a] = cg_expr(g, s->u.copy.extent[a]);
    LLVMValueRef doff = corner(g, x.dst, s->u.copy.dst_idx), soff = corner(g, x.src, s->u.copy.src_idx);
    if (x.n == 0)
        copy_element(&x, doff, soff);
    else
        copy_axis(&x, 0, doff, soff);
}
