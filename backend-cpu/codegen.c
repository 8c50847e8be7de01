/* Loop IR -> LLVM IR, statements and functions: the exported entry that
 * unpacks the ABI arrays (abi.h), the always-inlined body whose buffer
 * pointers are noalias, loops with phi induction variables, ifs, lets,
 * stores with index flattening, local buffers (stack or heap), and asserts
 * that return an error code. Expressions are in codegen_expr.c. */
#include "backend-cpu/codegen.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/DebugInfo.h>

/* Local buffers of at most this many bytes with a constant shape live on
 * the stack; larger or symbolic ones are malloc'ed. */
#define CG_STACK_LIMIT 16384

bool cg_fail(CodeGen *g, const char *fmt, ...)
{
    if (g->ok) {
        va_list ap;
        va_start(ap, fmt);
        char *msg = arena_vprintf(g->diags->a, fmt, ap);
        va_end(ap);
        diag_error(g->diags, g->at, "cpu code generation of '%s': %s", g->name, msg);
    }
    g->ok = false;
    return false;
}

LLVMTypeRef cg_reg_type(CodeGen *g, DType t)
{
    switch (t) {
    case DT_BOOL: return g->t_i1;
    case DT_I8: case DT_U8: return g->t_i8;
    case DT_I16: case DT_U16: return g->t_i16;
    case DT_I32: case DT_U32: return g->t_i32;
    case DT_I64: case DT_U64: return g->t_i64;
    case DT_F16: case DT_BF16: case DT_F32: return g->t_f32;   /* computed in f32 (docs/semantics.md) */
    case DT_F64: return g->t_f64;
    default: cg_fail(g, "no register type for dtype %s", dtype_name(t)); return g->t_i64;
    }
}

LLVMTypeRef cg_mem_type(CodeGen *g, DType t)
{
    switch (t) {
    case DT_BOOL: return g->t_i8;
    case DT_F16: return g->t_f16;
    case DT_BF16: return g->t_i16;
    default: return cg_reg_type(g, t);
    }
}

LLVMValueRef cg_i64(CodeGen *g, int64_t v) { return LLVMConstInt(g->t_i64, (unsigned long long)v, 1); }

/* ---- environment ---------------------------------------------------- */

LLVMValueRef cg_lookup_var(CodeGen *g, IrVar *v)
{
    for (uint32_t i = g->fn->nvars; i-- > 0;)
        if (g->fn->vars[i].var == v)
            return g->fn->vars[i].v;
    cg_fail(g, "variable '%s' is not bound", v->name);
    return LLVMGetUndef(cg_reg_type(g, v->ty));
}

void cg_bind_var(CodeGen *g, IrVar *v, LLVMValueRef val)
{
    CgFn *f = g->fn;
    if (f->nvars == f->capvars) {
        uint32_t cap = f->capvars ? 2 * f->capvars : 32;
        CgVar *nv = realloc(f->vars, cap * sizeof *nv);
        if (!nv) {
            cg_fail(g, "out of memory");
            return;
        }
        f->vars = nv, f->capvars = cap;
    }
    f->vars[f->nvars++] = (CgVar){v, val};
}

void cg_unbind_vars(CodeGen *g, uint32_t n) { g->fn->nvars = n; }

CgBuf *cg_lookup_buf(CodeGen *g, IrBuffer *b)
{
    for (uint32_t i = g->fn->nbufs; i-- > 0;)
        if (g->fn->bufs[i].buf == b)
            return &g->fn->bufs[i];
    cg_fail(g, "buffer '%s' is not live", b->name);
    return NULL;
}

/* Binds b at ptr with its strides: the stride variables of an argument, the
 * dense row-major strides of a local buffer (from its shape). */
CgBuf *cg_bind_buf(CodeGen *g, IrBuffer *b, LLVMValueRef ptr)
{
    CgFn *f = g->fn;
    if (b->rank > CPU_ABI_MAX_RANK) {
        cg_fail(g, "buffer '%s' has rank %u, more than %d", b->name, b->rank, CPU_ABI_MAX_RANK);
        return NULL;
    }
    if (f->nbufs == f->capbufs) {
        uint32_t cap = f->capbufs ? 2 * f->capbufs : 16;
        CgBuf *nb = realloc(f->bufs, cap * sizeof *nb);
        if (!nb) {
            cg_fail(g, "out of memory");
            return NULL;
        }
        f->bufs = nb, f->capbufs = cap;
    }
    CgBuf *cb = &f->bufs[f->nbufs++];
    memset(cb, 0, sizeof *cb);
    cb->buf = b, cb->ptr = ptr;
    if (b->strides) {
        for (uint32_t i = 0; i < b->rank; i++)
            cb->strides[i] = cg_lookup_var(g, b->strides[i]);
    } else {
        LLVMValueRef s = cg_i64(g, 1);
        for (uint32_t i = b->rank; i-- > 0;) {
            cb->strides[i] = s;
            if (i)
                s = LLVMBuildMul(g->b, s, cg_expr(g, b->shape[i]), "stride");
        }
    }
    return cb;
}

void cg_unbind_buf(CodeGen *g, IrBuffer *b)
{
    CgFn *f = g->fn;
    for (uint32_t i = f->nbufs; i-- > 0;)
        if (f->bufs[i].buf == b) {
            memmove(&f->bufs[i], &f->bufs[i + 1], (f->nbufs - i - 1) * sizeof *f->bufs);
            f->nbufs--;
            return;
        }
}

LLVMValueRef cg_elem_ptr(CodeGen *g, CgBuf *cb, LLVMValueRef off)
{
    if (LLVMIsAConstantInt(off) && LLVMConstIntGetSExtValue(off) == 0)
        return cb->ptr;
    LLVMTypeRef et = cg_mem_type(g, cb->buf->ty);
    return LLVMBuildInBoundsGEP2(g->b, et, cb->ptr, &off, 1, "");
}

/* ---- helpers ---------------------------------------------------------- */

void cg_add_attr(CodeGen *g, LLVMValueRef fn, LLVMAttributeIndex i, const char *name, uint64_t val)
{
    unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
    LLVMAddAttributeAtIndex(fn, i, LLVMCreateEnumAttribute(g->llc, kind, val));
}

void cg_add_str_attr(CodeGen *g, LLVMValueRef fn, LLVMAttributeIndex i, const char *k, const char *v)
{
    LLVMAddAttributeAtIndex(fn, i,
                            LLVMCreateStringAttribute(g->llc, k, (unsigned)strlen(k), v, (unsigned)strlen(v)));
}

LLVMValueRef cg_declare(CodeGen *g, const char *name, LLVMTypeRef fty)
{
    LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
    if (!fn)
        fn = LLVMAddFunction(g->mod, name, fty);
    return fn;
}

LLVMValueRef cg_call(CodeGen *g, LLVMValueRef fn, LLVMValueRef *args, unsigned n)
{
    return LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, n, "");
}

LLVMValueRef cg_intrinsic(CodeGen *g, const char *name, LLVMTypeRef *tys, unsigned ntys, LLVMValueRef *args,
                          unsigned n)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    if (!id) {
        cg_fail(g, "no LLVM intrinsic %s", name);
        return LLVMGetUndef(g->t_i32);
    }
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, tys, ntys);
    return LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, n, "");
}

CgFn *cg_begin_fn(CodeGen *g, LLVMValueRef fn)
{
    CgFn *saved = g->fn;
    CgFn *f = calloc(1, sizeof *f);
    if (!f) {
        cg_fail(g, "out of memory");
        return saved;
    }
    f->fn = fn;
    f->entry = LLVMAppendBasicBlockInContext(g->llc, fn, "entry");
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->llc, fn, "body");
    LLVMPositionBuilderAtEnd(g->b, f->entry);
    f->entry_br = LLVMBuildBr(g->b, body);
    LLVMPositionBuilderAtEnd(g->b, body);
    g->fn = f;
    return saved;
}

void cg_finish_fn(CodeGen *g, CgFn *saved)
{
    CgFn *f = g->fn;
    if (f != saved) {
        free(f->vars);
        free(f->bufs);
        free(f);
    }
    g->fn = saved;
}

void cg_return_error(CodeGen *g, LLVMValueRef code)
{
    LLVMValueRef free_fn = cg_declare(g, "tk_cpu_free", LLVMFunctionType(g->t_void, &g->t_ptr, 1, 0));
    for (uint32_t i = 0; i < g->fn->nbufs; i++)
        if (g->fn->bufs[i].heap)
            cg_call(g, free_fn, &g->fn->bufs[i].ptr, 1);
    LLVMBuildRet(g->b, code);
}

/* ---- statements --------------------------------------------------------- */

/* Loop metadata for a scheduled loop kind (docs/cpu-backend.md): a
 * vectorized(w) loop asks the loop vectorizer for width w with a predicated
 * (masked) tail and no interleaving; an unrolled(f) loop asks for f copies
 * (0: fully). A self-referential distinct loop id, as LLVM requires. */
static LLVMMetadataRef md_str_int(CodeGen *g, const char *key, int64_t v, bool i1)
{
    LLVMMetadataRef ops[2] = {LLVMMDStringInContext2(g->llc, key, strlen(key)),
                              LLVMValueAsMetadata(LLVMConstInt(i1 ? g->t_i1 : g->t_i32, (unsigned long long)v, 0))};
    return LLVMMDNodeInContext2(g->llc, ops, 2);
}

static LLVMMetadataRef md_str(CodeGen *g, const char *key)
{
    LLVMMetadataRef k = LLVMMDStringInContext2(g->llc, key, strlen(key));
    return LLVMMDNodeInContext2(g->llc, &k, 1);
}

static LLVMMetadataRef loop_md(CodeGen *g, ForKind kind, uint32_t factor)
{
    LLVMMetadataRef ops[8];
    unsigned n = 1;
    if (kind == FOR_VECTORIZED) {
        ops[n++] = md_str_int(g, "llvm.loop.vectorize.enable", 1, true);
        if (factor > 1)
            ops[n++] = md_str_int(g, "llvm.loop.vectorize.width", factor, false);
        ops[n++] = md_str_int(g, "llvm.loop.vectorize.predicate.enable", 1, true);
        ops[n++] = md_str_int(g, "llvm.loop.interleave.count", 1, false);
        /* else the full unroller, which runs first, would scalarize a
         * constant-extent lane loop before the vectorizer sees it */
        ops[n++] = md_str(g, "llvm.loop.unroll.disable");
    } else if (kind == FOR_UNROLLED) {
        if (factor)
            ops[n++] = md_str_int(g, "llvm.loop.unroll.count", factor, false);
        else
            ops[n++] = md_str(g, "llvm.loop.unroll.full");
    } else {
        return NULL;
    }
    LLVMMetadataRef tmp = LLVMTemporaryMDNode(g->llc, NULL, 0);
    ops[0] = tmp;
    LLVMMetadataRef id = LLVMMDNodeInContext2(g->llc, ops, n);
    LLVMMetadataReplaceAllUsesWith(tmp, id);
    return id;
}

void cg_loop(CodeGen *g, IrVar *var, LLVMValueRef lo, LLVMValueRef end, Stmt *body, ForKind kind, uint32_t factor)
{
    LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
    LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, var->name);
    LLVMBasicBlockRef exit = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "exit");
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, lo, end, ""), loop, exit);
    LLVMPositionBuilderAtEnd(g->b, loop);
    LLVMValueRef iv = LLVMBuildPhi(g->b, g->t_i64, var->name);
    uint32_t mark = g->fn->nvars;
    cg_bind_var(g, var, iv);
    cg_stmt(g, body);
    cg_unbind_vars(g, mark);
    LLVMValueRef next = LLVMBuildNSWAdd(g->b, iv, cg_i64(g, 1), "next");
    LLVMBasicBlockRef latch = LLVMGetInsertBlock(g->b);
    LLVMValueRef br = LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, next, end, ""), loop, exit);
    LLVMMetadataRef md = loop_md(g, kind, factor);
    if (md)
        LLVMSetMetadata(br, LLVMGetMDKindIDInContext(g->llc, "llvm.loop", 9), LLVMMetadataAsValue(g->llc, md));
    LLVMValueRef in[2] = {lo, next};
    LLVMBasicBlockRef from[2] = {pre, latch};
    LLVMAddIncoming(iv, in, from, 2);
    LLVMPositionBuilderAtEnd(g->b, exit);
}

/* Loops arrive with their guards already sunk (compiler/passes/guard_sink.c)
 * and their parallelism decided (parallel_mark): a parallel or distributed
 * loop outside any other is outlined to the thread pool, every other loop
 * is a rotated loop, or vector code when codegen_vec.c takes it. */
static void cg_for(CodeGen *g, Stmt *s)
{
    ForKind kind = s->u.for_.kind;
    if ((kind == FOR_PARALLEL || kind == FOR_DISTRIBUTED) && !g->in_parallel) {
        cg_parallel_for(g, s);
        return;
    }
    LLVMValueRef lo = cg_expr(g, s->u.for_.min);
    if (cg_vector_lanes(g, s, s->u.for_.body, lo))
        return;
    LLVMValueRef end = LLVMBuildAdd(g->b, lo, cg_expr(g, s->u.for_.extent), "end");
    cg_loop(g, s->u.for_.var, lo, end, s->u.for_.body, kind, s->u.for_.factor);
}

static void cg_if(CodeGen *g, Stmt *s)
{
    LLVMValueRef c = cg_expr(g, s->u.if_.cond);
    LLVMBasicBlockRef then_ = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "then");
    LLVMBasicBlockRef else_ = s->u.if_.else_ ? LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "else") : NULL;
    LLVMBasicBlockRef merge = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "endif");
    LLVMBuildCondBr(g->b, c, then_, else_ ? else_ : merge);
    LLVMPositionBuilderAtEnd(g->b, then_);
    cg_stmt(g, s->u.if_.then_);
    LLVMBuildBr(g->b, merge);
    if (else_) {
        LLVMPositionBuilderAtEnd(g->b, else_);
        cg_stmt(g, s->u.if_.else_);
        LLVMBuildBr(g->b, merge);
    }
    LLVMPositionBuilderAtEnd(g->b, merge);
}

static void cg_store(CodeGen *g, Stmt *s)
{
    CgBuf *cb = cg_lookup_buf(g, s->u.store.buf);
    if (!cb)
        return;
    LLVMValueRef off = cg_expr(g, s->u.store.idx[0]);
    LLVMValueRef ptr = cg_elem_ptr(g, cb, off);
    LLVMValueRef v = cg_reduction_update(g, s, ptr);
    v = cg_to_mem(g, cb->buf->ty, v ? v : cg_expr(g, s->u.store.value));
    LLVMValueRef st = LLVMBuildStore(g->b, v, ptr);
    LLVMSetAlignment(st, (unsigned)dtype_size(cb->buf->ty));
}

/* A local buffer: an entry-block alloca when its shape is constant and
 * small, else tk_cpu_malloc (an error code when it fails). */
static void cg_alloc(CodeGen *g, Stmt *s)
{
    IrBuffer *b = s->u.alloc.buf;
    LLVMTypeRef et = cg_mem_type(g, b->ty);
    int64_t n = 1, d;
    bool constant = true;
    for (uint32_t i = 0; i < b->rank; i++) {
        if (ir_is_const_int(b->shape[i], &d) && d >= 0 && n <= CG_STACK_LIMIT)
            n *= d > 0 ? d : 1;
        else
            constant = false;
    }
    if (constant && n * (int64_t)dtype_size(b->ty) <= CG_STACK_LIMIT) {
        LLVMBasicBlockRef at = LLVMGetInsertBlock(g->b);
        LLVMPositionBuilderBefore(g->b, g->fn->entry_br);
        LLVMValueRef p = LLVMBuildArrayAlloca(g->b, et, cg_i64(g, n), b->name);
        LLVMSetAlignment(p, b->align > 64 ? b->align : 64);
        LLVMPositionBuilderAtEnd(g->b, at);
        cg_bind_buf(g, b, p);
        return;
    }
    LLVMValueRef bytes = cg_i64(g, (int64_t)dtype_size(b->ty));
    for (uint32_t i = 0; i < b->rank; i++) {
        LLVMValueRef e = cg_expr(g, b->shape[i]);
        e = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, e, cg_i64(g, 0), ""), e, cg_i64(g, 1), "");
        bytes = LLVMBuildMul(g->b, bytes, e, "");
    }
    LLVMValueRef malloc_fn = cg_declare(g, "tk_cpu_malloc", LLVMFunctionType(g->t_ptr, &g->t_i64, 1, 0));
    LLVMValueRef p = cg_call(g, malloc_fn, &bytes, 1);
    LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "nomem");
    LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "allocated");
    LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), fail, ok);
    LLVMPositionBuilderAtEnd(g->b, fail);
    cg_return_error(g, LLVMConstInt(g->t_i32, CPU_ERR_NO_MEMORY, 0));
    LLVMPositionBuilderAtEnd(g->b, ok);
    CgBuf *cb = cg_bind_buf(g, b, p);
    if (cb)
        cb->heap = true;
}

static void cg_free(CodeGen *g, Stmt *s)
{
    CgBuf *cb = cg_lookup_buf(g, s->u.free_.buf);
    if (!cb)
        return;
    if (cb->heap) {
        LLVMValueRef free_fn = cg_declare(g, "tk_cpu_free", LLVMFunctionType(g->t_void, &g->t_ptr, 1, 0));
        cg_call(g, free_fn, &cb->ptr, 1);
    }
    cg_unbind_buf(g, s->u.free_.buf);
}

static void cg_assert(CodeGen *g, Stmt *s)
{
    if (g->nasserts == g->capasserts) {
        uint32_t cap = g->capasserts ? 2 * g->capasserts : 8;
        const char **na = realloc(g->asserts, cap * sizeof *na);
        if (!na) {
            cg_fail(g, "out of memory");
            return;
        }
        g->asserts = na, g->capasserts = cap;
    }
    uint32_t code = CPU_ERR_ASSERT + g->nasserts;
    g->asserts[g->nasserts++] = s->u.assert_.msg;
    LLVMValueRef c = cg_expr(g, s->u.assert_.cond);
    LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "assert_failed");
    LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(g->llc, g->fn->fn, "assert_ok");
    LLVMBuildCondBr(g->b, c, ok, fail);
    LLVMPositionBuilderAtEnd(g->b, fail);
    cg_return_error(g, LLVMConstInt(g->t_i32, code, 0));
    LLVMPositionBuilderAtEnd(g->b, ok);
}

void cg_stmt(CodeGen *g, Stmt *s)
{
    if (!s || !g->ok)
        return;
    if (s->loc.at.line)
        g->at = s->loc;
    switch (s->kind) {
    case SK_FOR: cg_for(g, s); break;
    case SK_IF: cg_if(g, s); break;
    case SK_LET: {
        uint32_t mark = g->fn->nvars;
        cg_bind_var(g, s->u.let.var, cg_expr(g, s->u.let.value));
        cg_stmt(g, s->u.let.body);
        cg_unbind_vars(g, mark);
        break;
    }
    case SK_STORE: cg_store(g, s); break;
    case SK_ALLOC: cg_alloc(g, s); break;
    case SK_FREE: cg_free(g, s); break;
    case SK_SEQ:
        for (uint32_t i = 0; i < s->u.seq.n; i++)
            cg_stmt(g, s->u.seq.v[i]);
        break;
    case SK_EVAL: cg_expr(g, s->u.eval.e); break;
    case SK_ASSERT: cg_assert(g, s); break;
    case SK_COPY: cg_copy(g, s); break;
    case SK_SYNC: break;   /* one in-order core: program order is enough */
    default: cg_fail(g, "statement kind %d", (int)s->kind);
    }
}
