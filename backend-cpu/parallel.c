/* Parallel loops (marked by the schedule or compiler/passes/parallel_mark.c):
 * their outlining into a chunk function called through
 * tk_parallel_for (runtime/pool.h). The chunk captures every variable and
 * buffer live at the loop, through a closure struct on the caller's stack,
 * and passes them on to an always-inlined body whose buffer pointers are
 * noalias, like the kernel's own body. */
#include "backend-cpu/codegen.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- outlining ------------------------------------------------------------ */

/* Iterations per chunk, decided at launch: enough estimated work per chunk
 * (CG_PAR_WORK scalar statements) to pay for handing it to a thread, so a
 * small launch runs serially (tk_parallel_for runs one chunk inline). The
 * work of an iteration multiplies the extents of the loops inside it that
 * can be evaluated before the loop (dims, outer variables); others count
 * as 16. */
#define CG_PAR_WORK 32768

typedef struct Bound {
    Visitor   v;
    CodeGen  *g;
    bool      ok;
} Bound;

static bool on_bound_var(Visitor *v, Expr *e)
{
    Bound *b = (Bound *)v;
    bool found = false;
    for (uint32_t i = 0; i < b->g->fn->nvars && !found; i++)
        found = b->g->fn->vars[i].var == e->u.var;
    b->ok &= found;
    return b->ok;
}

static bool on_bound_load(Visitor *v, Expr *e)
{
    (void)e;
    ((Bound *)v)->ok = false;
    return false;
}

static bool evaluable(CodeGen *g, Expr *e)
{
    Bound b = {.g = g, .ok = true};
    b.v.expr[EK_VAR] = on_bound_var;
    b.v.expr[EK_LOAD] = on_bound_load;
    vis_expr(&b.v, e);
    return b.ok;
}

static LLVMValueRef work(CodeGen *g, const Stmt *s)
{
    if (!s)
        return cg_i64(g, 0);
    switch (s->kind) {
    case SK_FOR: {
        LLVMValueRef n = cg_i64(g, 16);
        if (evaluable(g, s->u.for_.extent)) {
            LLVMValueRef e = cg_expr(g, s->u.for_.extent);
            LLVMValueRef lim = cg_i64(g, 1 << 20);   /* no overflow through a deep nest */
            e = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, e, lim, ""), lim, e, "");
            n = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, e, cg_i64(g, 1), ""), cg_i64(g, 1), e, "");
        }
        return LLVMBuildMul(g->b, n, work(g, s->u.for_.body), "");
    }
    case SK_SEQ: {
        LLVMValueRef w = cg_i64(g, 0);
        for (uint32_t i = 0; i < s->u.seq.n; i++)
            w = LLVMBuildAdd(g->b, w, work(g, s->u.seq.v[i]), "");
        return w;
    }
    case SK_IF: return LLVMBuildAdd(g->b, work(g, s->u.if_.then_), work(g, s->u.if_.else_), "");
    case SK_LET: return work(g, s->u.let.body);
    case SK_ALLOC: case SK_FREE: return cg_i64(g, 0);
    default: return cg_i64(g, 1);
    }
}

static LLVMValueRef grain(CodeGen *g, const Stmt *loop)
{
    LLVMValueRef w = work(g, loop->u.for_.body);
    w = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, w, cg_i64(g, 1), ""), cg_i64(g, 1), w, "");
    return LLVMBuildSDiv(g->b, cg_i64(g, CG_PAR_WORK), w, "grain");
}

void cg_parallel_for(CodeGen *g, Stmt *s)
{
    CgFn *outer = g->fn;
    LLVMBasicBlockRef at = LLVMGetInsertBlock(g->b);
    uint32_t nb = outer->nbufs, nv = outer->nvars, n = nb + nv;
    LLVMTypeRef *ft = calloc(n + 3, sizeof *ft);
    if (!ft) {
        cg_fail(g, "out of memory");
        return;
    }
    for (uint32_t i = 0; i < nb; i++)
        ft[i] = g->t_ptr;
    for (uint32_t i = 0; i < nv; i++)
        ft[nb + i] = LLVMTypeOf(outer->vars[i].v);
    LLVMTypeRef closure_t = LLVMStructTypeInContext(g->llc, ft, n, 0);
    unsigned id = g->nparallel++;
    char name[256];

    /* body(lo, hi, captures...): the loop over [lo, hi) */
    LLVMTypeRef *bt = calloc(n + 3, sizeof *bt);
    if (!bt) {
        free(ft);
        cg_fail(g, "out of memory");
        return;
    }
    bt[0] = bt[1] = g->t_i64;
    for (uint32_t i = 0; i < n; i++)
        bt[2 + i] = ft[i];
    snprintf(name, sizeof name, "tk_k_%s.par%u.body", g->name, id);
    LLVMValueRef body = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->t_i32, bt, n + 2, 0));
    LLVMSetLinkage(body, LLVMInternalLinkage);
    cg_add_attr(g, body, LLVMAttributeFunctionIndex, "alwaysinline", 0);
    cg_add_attr(g, body, LLVMAttributeFunctionIndex, "nounwind", 0);
    for (uint32_t i = 0; i < nb; i++)
        cg_add_attr(g, body, 3 + i, "noalias", 0);
    CgFn *saved = cg_begin_fn(g, body);
    bool was = g->in_parallel;
    g->in_parallel = true;
    for (uint32_t i = 0; i < nv; i++)
        cg_bind_var(g, outer->vars[i].var, LLVMGetParam(body, 2 + nb + i));
    for (uint32_t i = 0; i < nb; i++) {
        CgBuf *cb = cg_bind_buf(g, outer->bufs[i].buf, LLVMGetParam(body, 2 + i));
        if (cb)
            cb->heap = false;   /* the caller frees it */
    }
    cg_loop(g, s->u.for_.var, LLVMGetParam(body, 0), LLVMGetParam(body, 1), s->u.for_.body, FOR_SERIAL, 0);
    LLVMBuildRet(g->b, LLVMConstInt(g->t_i32, CPU_OK, 0));
    cg_finish_fn(g, saved);
    g->in_parallel = was;

    /* chunk(closure, lo, hi): unpacks the closure and calls body */
    LLVMTypeRef ct[3] = {g->t_ptr, g->t_i64, g->t_i64};
    snprintf(name, sizeof name, "tk_k_%s.par%u", g->name, id);
    LLVMValueRef chunk = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->t_i32, ct, 3, 0));
    LLVMSetLinkage(chunk, LLVMInternalLinkage);
    cg_add_attr(g, chunk, LLVMAttributeFunctionIndex, "nounwind", 0);
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->llc, chunk, "entry"));
    LLVMValueRef *av = calloc(n + 3, sizeof *av);
    if (!av) {
        free(ft), free(bt);
        cg_fail(g, "out of memory");
        return;
    }
    av[0] = LLVMGetParam(chunk, 1), av[1] = LLVMGetParam(chunk, 2);
    for (uint32_t i = 0; i < n; i++) {
        LLVMValueRef p = LLVMBuildStructGEP2(g->b, closure_t, LLVMGetParam(chunk, 0), i, "");
        av[2 + i] = LLVMBuildLoad2(g->b, ft[i], p, "");
    }
    LLVMBuildRet(g->b, LLVMBuildCall2(g->b, LLVMGlobalGetValueType(body), body, av, n + 2, ""));
    LLVMPositionBuilderAtEnd(g->b, at);

    /* the caller: fill the closure, run the loop, propagate an error */
    LLVMPositionBuilderBefore(g->b, outer->entry_br);
    LLVMValueRef clo = LLVMBuildAlloca(g->b, closure_t, "closure");
    LLVMPositionBuilderAtEnd(g->b, at);
    for (uint32_t i = 0; i < n; i++) {
        LLVMValueRef v = i < nb ? outer->bufs[i].ptr : outer->vars[i - nb].v;
        LLVMBuildStore(g->b, v, LLVMBuildStructGEP2(g->b, closure_t, clo, i, ""));
    }
    LLVMValueRef lo = cg_expr(g, s->u.for_.min);
    LLVMValueRef end = LLVMBuildAdd(g->b, lo, cg_expr(g, s->u.for_.extent), "end");
    LLVMTypeRef pt[5] = {g->t_ptr, g->t_ptr, g->t_i64, g->t_i64, g->t_i64};
    LLVMValueRef pf = cg_declare(g, "tk_parallel_for", LLVMFunctionType(g->t_i32, pt, 5, 0));
    LLVMValueRef pa[5] = {chunk, clo, lo, end, grain(g, s)};
    LLVMValueRef rc = cg_call(g, pf, pa, 5);
    LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->llc, outer->fn, "parallel_failed");
    LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(g->llc, outer->fn, "parallel_ok");
    LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, rc, LLVMConstInt(g->t_i32, 0, 0), ""), fail, ok);
    LLVMPositionBuilderAtEnd(g->b, fail);
    cg_return_error(g, rc);
    LLVMPositionBuilderAtEnd(g->b, ok);
    free(ft), free(bt), free(av);
}
