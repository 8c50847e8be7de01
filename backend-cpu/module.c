/* One LLVM module per kernel instantiation: the exported entry function of
 * the ABI (abi.h) that unpacks its arrays, the internal always-inlined body
 * that takes every buffer as a noalias, element-aligned pointer (the
 * inliner turns that into alias scopes, so loads of inputs can be moved
 * and vectorized around stores to outputs), and the table of assert
 * messages. */
#include "backend-cpu/codegen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-cpu/cpu_int.h"

/* The NULL-terminated array of assert messages, tk_k_<name>.errors. */
static void errors_table(CodeGen *g)
{
    uint32_t n = g->nasserts;
    LLVMValueRef *v = calloc(n + 1, sizeof *v);
    if (!v) {
        cg_fail(g, "out of memory");
        return;
    }
    char name[256];
    for (uint32_t i = 0; i < n; i++) {
        const char *m = g->asserts[i];
        LLVMValueRef s = LLVMConstStringInContext(g->llc, m, (unsigned)strlen(m), 0);
        snprintf(name, sizeof name, "tk_k_%s.error%u", g->name, i);
        LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(s), name);
        LLVMSetInitializer(gv, s);
        LLVMSetGlobalConstant(gv, 1);
        LLVMSetLinkage(gv, LLVMPrivateLinkage);
        v[i] = gv;
    }
    v[n] = LLVMConstNull(g->t_ptr);
    LLVMValueRef arr = LLVMConstArray2(g->t_ptr, v, n + 1);
    snprintf(name, sizeof name, "tk_k_%s.errors", g->name);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(arr), name);
    LLVMSetInitializer(gv, arr);
    LLVMSetGlobalConstant(gv, 1);
    free(v);
}

/* @llvm.compiler.used keeps the SLEEF vector declarations alive until the
 * loop vectorizer has looked for them. */
static void compiler_used(CodeGen *g)
{
    if (!g->nused)
        return;
    LLVMValueRef arr = LLVMConstArray2(g->t_ptr, g->used, g->nused);
    LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(arr), "llvm.compiler.used");
    LLVMSetInitializer(gv, arr);
    LLVMSetLinkage(gv, LLVMAppendingLinkage);
    LLVMSetSection(gv, "llvm.metadata");
}

/* The body: params are every tensor's pointer, then every dim, stride and
 * scalar variable. */
static LLVMValueRef body_fn(CodeGen *g, LLVMValueRef **vals_out, uint32_t *nvals)
{
    const Func *f = g->f;
    uint32_t n = 0, cap = f->nargs + f->ndims + f->nargs * CPU_ABI_MAX_RANK + 1;
    LLVMTypeRef *pt = calloc(cap, sizeof *pt);
    if (!pt)
        return NULL;
    for (uint32_t i = 0; i < f->nargs; i++)
        if (f->args[i].buf)
            pt[n++] = g->t_ptr;
    for (uint32_t d = 0; d < f->ndims; d++)
        pt[n++] = g->t_i64;
    for (uint32_t i = 0; i < f->nargs; i++) {
        if (f->args[i].buf)
            for (uint32_t a = 0; a < f->args[i].buf->rank; a++)
                pt[n++] = g->t_i64;
        else
            pt[n++] = cg_reg_type(g, f->args[i].var->ty);
    }
    char name[256];
    snprintf(name, sizeof name, "tk_k_%s.body", g->name);
    LLVMValueRef fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->t_i32, pt, n, 0));
    free(pt);
    LLVMSetLinkage(fn, LLVMInternalLinkage);
    cg_add_attr(g, fn, LLVMAttributeFunctionIndex, "alwaysinline", 0);
    cg_add_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind", 0);
    uint32_t p = 0;
    for (uint32_t i = 0; i < f->nargs; i++)
        if (f->args[i].buf) {
            /* Inputs are only read, outputs overlap nothing (checked at
             * launch): every pointer is noalias. */
            cg_add_attr(g, fn, 1 + p, "noalias", 0);
            cg_add_attr(g, fn, 1 + p, "nocapture", 0);
            cg_add_attr(g, fn, 1 + p, "align", dtype_size(f->args[i].buf->ty));
            p++;
        }
    *vals_out = calloc(n + 1, sizeof **vals_out);
    *nvals = n;
    return fn;
}

static void entry_fn(CodeGen *g, LLVMValueRef body, LLVMValueRef *vals, uint32_t nvals)
{
    const Func *f = g->f;
    LLVMTypeRef pt[5] = {g->t_ptr, g->t_ptr, g->t_ptr, g->t_ptr, g->t_ptr};
    char name[256];
    snprintf(name, sizeof name, "tk_k_%s", g->name);
    LLVMValueRef fn = LLVMAddFunction(g->mod, name, LLVMFunctionType(g->t_i32, pt, 5, 0));
    cg_add_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind", 0);
    for (unsigned i = 1; i <= 5; i++) {
        cg_add_attr(g, fn, i, "readonly", 0);
        cg_add_attr(g, fn, i, "nocapture", 0);
    }
    LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->llc, fn, "entry"));
    LLVMValueRef args = LLVMGetParam(fn, 0), dims = LLVMGetParam(fn, 1), strides = LLVMGetParam(fn, 2);
    LLVMValueRef isc = LLVMGetParam(fn, 3), fsc = LLVMGetParam(fn, 4);
    uint32_t n = 0;
    for (uint32_t i = 0; i < f->nargs; i++)
        if (f->args[i].buf) {
            LLVMValueRef ix = cg_i64(g, i);
            vals[n++] = LLVMBuildLoad2(g->b, g->t_ptr, LLVMBuildGEP2(g->b, g->t_ptr, args, &ix, 1, ""),
                                       f->args[i].buf->name);
        }
    for (uint32_t d = 0; d < f->ndims; d++) {
        LLVMValueRef ix = cg_i64(g, d);
        vals[n++] = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildGEP2(g->b, g->t_i64, dims, &ix, 1, ""),
                                   f->dims[d].var->name);
    }
    for (uint32_t i = 0; i < f->nargs && n <= nvals; i++) {
        if (f->args[i].buf) {
            for (uint32_t a = 0; a < f->args[i].buf->rank; a++) {
                LLVMValueRef ix = cg_i64(g, (int64_t)i * CPU_ABI_MAX_RANK + a);
                vals[n++] = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildGEP2(g->b, g->t_i64, strides, &ix, 1, ""),
                                           f->args[i].buf->strides[a]->name);
            }
            continue;
        }
        DType t = f->args[i].var->ty;
        LLVMValueRef ix = cg_i64(g, i);
        if (dtype_is_float(t)) {   /* as the interpreter: the double rounded to the dtype's precision */
            LLVMValueRef d = LLVMBuildLoad2(g->b, g->t_f64, LLVMBuildGEP2(g->b, g->t_f64, fsc, &ix, 1, ""), "");
            vals[n++] = t == DT_F64 ? d : LLVMBuildFPTrunc(g->b, d, g->t_f32, f->args[i].var->name);
        } else {
            LLVMValueRef v = LLVMBuildLoad2(g->b, g->t_i64, LLVMBuildGEP2(g->b, g->t_i64, isc, &ix, 1, ""), "");
            vals[n++] = t == DT_BOOL ? LLVMBuildICmp(g->b, LLVMIntNE, v, cg_i64(g, 0), "")
                                     : LLVMBuildTrunc(g->b, v, cg_reg_type(g, t), f->args[i].var->name);
        }
    }
    LLVMBuildRet(g->b, LLVMBuildCall2(g->b, LLVMGlobalGetValueType(body), body, vals, n, ""));
}

LLVMModuleRef cpu_codegen(LLVMContextRef llc, const Func *f, const CpuTarget *t, DiagSink *diags)
{
    CodeGen g = {.llc = llc, .f = f, .t = t, .name = f->name, .ok = true, .diags = diags, .at = f->loc};
    g.mod = LLVMModuleCreateWithNameInContext(f->name, llc);
    g.b = LLVMCreateBuilderInContext(llc);
    g.t_i1 = LLVMInt1TypeInContext(llc), g.t_i8 = LLVMInt8TypeInContext(llc);
    g.t_i16 = LLVMInt16TypeInContext(llc), g.t_i32 = LLVMInt32TypeInContext(llc);
    g.t_i64 = LLVMInt64TypeInContext(llc), g.t_f16 = LLVMHalfTypeInContext(llc);
    g.t_f32 = LLVMFloatTypeInContext(llc), g.t_f64 = LLVMDoubleTypeInContext(llc);
    g.t_ptr = LLVMPointerTypeInContext(llc, 0), g.t_void = LLVMVoidTypeInContext(llc);

    LLVMValueRef *vals = NULL;
    uint32_t nvals = 0;
    LLVMValueRef body = f->flat ? body_fn(&g, &vals, &nvals) : NULL;
    if (!f->flat) {
        cg_fail(&g, "the loop IR is not flattened (run pass_list_cpu first)");
    } else if (!body || !vals) {
        cg_fail(&g, "out of memory");
    } else {
        CgFn *saved = cg_begin_fn(&g, body);
        uint32_t p = 0, nbuf = 0;
        for (uint32_t i = 0; i < f->nargs; i++)
            nbuf += f->args[i].buf != NULL;
        uint32_t q = nbuf;
        for (uint32_t d = 0; d < f->ndims; d++)
            cg_bind_var(&g, f->dims[d].var, LLVMGetParam(body, q++));
        for (uint32_t i = 0; i < f->nargs; i++) {
            if (f->args[i].buf)
                for (uint32_t a = 0; a < f->args[i].buf->rank; a++)
                    cg_bind_var(&g, f->args[i].buf->strides[a], LLVMGetParam(body, q++));
            else
                cg_bind_var(&g, f->args[i].var, LLVMGetParam(body, q++));
        }
        for (uint32_t i = 0; i < f->nargs; i++)
            if (f->args[i].buf)
                cg_bind_buf(&g, f->args[i].buf, LLVMGetParam(body, p++));
        cg_stmt(&g, f->body);
        if (g.ok)
            LLVMBuildRet(g.b, LLVMConstInt(g.t_i32, CPU_OK, 0));
        cg_finish_fn(&g, saved);
        if (g.ok)
            entry_fn(&g, body, vals, nvals);
        if (g.ok)
            errors_table(&g);
        compiler_used(&g);
    }
    free(vals);
    free(g.asserts);
    LLVMDisposeBuilder(g.b);
    if (!g.ok) {
        LLVMDisposeModule(g.mod);
        return NULL;
    }
    return g.mod;
}
