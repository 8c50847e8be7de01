/* Math intrinsics for the CPU: instructions where x86 has them (sqrt,
 * floor, ceil, round, abs, min, max), and calls for exp, log, tanh, erf
 * and pow. With SLEEF present those are SLEEF's 1-ULP scalar functions,
 * each call carrying the vector-function-abi-variant attribute that lets
 * the loop vectorizer replace it with SLEEF's 4/8/16-lane versions (so math
 * never scalarizes inside a vectorized loop); without SLEEF, libm's. The
 * SLEEF library is opened at run time and its functions are registered as
 * JIT runtime symbols (cpu_sleef_register). Accuracy: docs/cpu-backend.md. */
#include "backend-cpu/codegen.h"
#include "backend-cpu/cpu_int.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "jit/jit.h"
#include "lang/intrinsics.h"

/* The functions that go through SLEEF, with their argument count. */
static const struct {
    const char *name;
    unsigned    nargs;
} sleef_fns[] = {
    {"exp", 1}, {"log", 1}, {"tanh", 1}, {"erf", 1}, {"pow", 2},
};

/* Vector widths per element type; a width is used only when the host has
 * the registers (4/2 lanes: SSE2, 8/4: AVX, 16/8: AVX-512). */
static const unsigned float_lanes[] = {4, 8, 16};
static const unsigned double_lanes[] = {2, 4, 8};

static bool lanes_ok(const CpuTarget *t, unsigned bits)
{
    return bits <= 128 || (bits == 256 && t->avx) || (bits == 512 && t->avx512f);
}

static void scalar_name(char *buf, size_t n, const CpuTarget *t, const char *fn, bool dbl)
{
    if (t->sleef)
        snprintf(buf, n, dbl ? "Sleef_%s_u10" : "Sleef_%sf_u10", fn);
    else
        snprintf(buf, n, dbl ? "%s" : "%sf", fn);
}

static void vector_name(char *buf, size_t n, const char *fn, bool dbl, unsigned lanes)
{
    snprintf(buf, n, dbl ? "Sleef_%sd%u_u10" : "Sleef_%sf%u_u10", fn, lanes);
}

bool cpu_sleef_register(Jit *j, void **handle)
{
    *handle = dlopen("libsleef.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!*handle)
        return false;
    char name[64];
    for (size_t i = 0; i < sizeof sleef_fns / sizeof *sleef_fns; i++)
        for (int dbl = 0; dbl < 2; dbl++) {
            CpuTarget all = {.sleef = true};
            scalar_name(name, sizeof name, &all, sleef_fns[i].name, dbl);
            for (int k = -1; k < 3; k++) {
                if (k >= 0)
                    vector_name(name, sizeof name, sleef_fns[i].name, dbl, dbl ? double_lanes[k] : float_lanes[k]);
                void *p = dlsym(*handle, name);
                if (!p || !jit_define_symbol(j, name, p)) {
                    dlclose(*handle);
                    *handle = NULL;
                    return false;
                }
            }
        }
    return true;
}

/* A call to a pure scalar math function, with its vector variants. */
static LLVMValueRef math_call(CodeGen *g, const char *fn, bool dbl, LLVMValueRef *args, unsigned nargs)
{
    LLVMTypeRef et = dbl ? g->t_f64 : g->t_f32;
    LLVMTypeRef ps[2] = {et, et};
    char name[64];
    scalar_name(name, sizeof name, g->t, fn, dbl);
    LLVMValueRef f = LLVMGetNamedFunction(g->mod, name);
    if (!f) {
        f = LLVMAddFunction(g->mod, name, LLVMFunctionType(et, ps, nargs, 0));
        cg_add_attr(g, f, LLVMAttributeFunctionIndex, "nounwind", 0);
        cg_add_attr(g, f, LLVMAttributeFunctionIndex, "willreturn", 0);
        cg_add_attr(g, f, LLVMAttributeFunctionIndex, "memory", 0);   /* memory(none) */
    }
    LLVMValueRef c = cg_call(g, f, args, nargs);
    if (!g->t->sleef || !g->t->x86)
        return c;
    char variants[512] = "", vname[64];
    size_t at = 0;
    for (int k = 0; k < 3; k++) {
        unsigned lanes = dbl ? double_lanes[k] : float_lanes[k];
        if (!lanes_ok(g->t, lanes * (dbl ? 64 : 32)))
            continue;
        vector_name(vname, sizeof vname, fn, dbl, lanes);
        LLVMValueRef vf = LLVMGetNamedFunction(g->mod, vname);
        if (!vf) {
            LLVMTypeRef vt = LLVMVectorType(et, lanes);
            LLVMTypeRef vps[2] = {vt, vt};
            vf = LLVMAddFunction(g->mod, vname, LLVMFunctionType(vt, vps, nargs, 0));
            cg_add_attr(g, vf, LLVMAttributeFunctionIndex, "nounwind", 0);
            cg_add_attr(g, vf, LLVMAttributeFunctionIndex, "memory", 0);
            if (g->nused < sizeof g->used / sizeof *g->used)
                g->used[g->nused++] = vf;
        }
        at += (size_t)snprintf(variants + at, sizeof variants - at, "%s_ZGV_LLVM_N%u%s_%s(%s)", at ? "," : "",
                               lanes, nargs == 2 ? "vv" : "v", name, vname);
    }
    if (at) {
        const char *k = "vector-function-abi-variant";
        LLVMAddCallSiteAttribute(c, LLVMAttributeFunctionIndex,
                                 LLVMCreateStringAttribute(g->llc, k, (unsigned)strlen(k), variants,
                                                           (unsigned)at));
    }
    return c;
}

static LLVMValueRef unary_intr(CodeGen *g, const char *name, LLVMValueRef x)
{
    LLVMTypeRef t = LLVMTypeOf(x);
    return cg_intrinsic(g, name, &t, 1, &x, 1);
}

LLVMValueRef cg_math(CodeGen *g, int intrinsic, DType t, LLVMValueRef *args)
{
    bool dbl = t == DT_F64;
    LLVMValueRef x = args[0];
    switch (intrinsic) {
    case INTR_EXP: return math_call(g, "exp", dbl, args, 1);
    case INTR_LOG: return math_call(g, "log", dbl, args, 1);
    case INTR_TANH: return math_call(g, "tanh", dbl, args, 1);
    case INTR_ERF: return math_call(g, "erf", dbl, args, 1);
    case INTR_POW: return math_call(g, "pow", dbl, args, 2);
    case INTR_SQRT: return unary_intr(g, "llvm.sqrt", x);   /* correctly rounded */
    case INTR_FLOOR: return unary_intr(g, "llvm.floor", x);
    case INTR_CEIL: return unary_intr(g, "llvm.ceil", x);
    case INTR_ROUND: return unary_intr(g, "llvm.roundeven", x);
    case INTR_TRUNC: return unary_intr(g, "llvm.trunc", x);
    case INTR_FMOD: return LLVMBuildFRem(g->b, x, args[1], ""); /* C fmod: exact, the sign of x */
    case INTR_ABS: return unary_intr(g, "llvm.fabs", x);
    case INTR_RSQRT: {   /* 1 / sqrt(x) in double, rounded once: as the interpreter */
        LLVMValueRef d = dbl ? x : LLVMBuildFPExt(g->b, x, g->t_f64, "");
        LLVMValueRef r = LLVMBuildFDiv(g->b, LLVMConstReal(g->t_f64, 1.0), unary_intr(g, "llvm.sqrt", d), "");
        return dbl ? r : LLVMBuildFPTrunc(g->b, r, g->t_f32, "");
    }
    case INTR_SIGMOID: {   /* 1 / (1 + exp(-x)) in double, rounded once */
        LLVMValueRef d = dbl ? x : LLVMBuildFPExt(g->b, x, g->t_f64, "");
        LLVMValueRef nd = LLVMBuildFNeg(g->b, d, "");
        LLVMValueRef e = math_call(g, "exp", true, &nd, 1);
        LLVMValueRef one = LLVMConstReal(g->t_f64, 1.0);
        LLVMValueRef r = LLVMBuildFDiv(g->b, one, LLVMBuildFAdd(g->b, one, e, ""), "");
        return dbl ? r : LLVMBuildFPTrunc(g->b, r, g->t_f32, "");
    }
    default: break;
    }
    cg_fail(g, "intrinsic %s on %s", intrinsic_info[intrinsic].name, dtype_name(t));
    return x;
}
