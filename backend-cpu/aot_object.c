/* Ahead-of-time objects: each kernel instantiation goes through the
 * pipeline and the code generator exactly as for the JIT (the same
 * schedule, passes, LLVM IR and O3 pipeline, so the same machine code for
 * the same CPU), its module is linked into one, and each kernel gets two
 * exported C functions that pack their arguments and call libtk_rt
 * (tk_rt_launch, tk_rt_shapes) with the kernel's signature table. The
 * object is emitted by a target machine of the chosen CPU and features;
 * nothing is loaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Linker.h>
#include <llvm-c/TargetMachine.h>

#include "backend-cpu/aot.h"
#include "backend-cpu/cpu_int.h"
#include "compiler/pipeline.h"
#include "runtime/rt.h"

#ifndef TK_HAVE_SLEEF
#define TK_HAVE_SLEEF 1
#endif

/* ---- the target ---------------------------------------------------------- */

/* Runs f with fd 2 sent to a temporary file and returns what was written
 * there: LLVM reports an unknown CPU or feature only as a warning on
 * stderr, and carries on. */
static char *capture_stderr(void (*f)(void *), void *ud)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    int saved = tmp ? dup(2) : -1;
    if (saved < 0 || dup2(fileno(tmp), 2) < 0) {
        if (saved >= 0)
            close(saved);
        if (tmp)
            fclose(tmp);
        f(ud);
        return strdup("");
    }
    f(ud);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    long n = ftell(tmp);
    char *text = calloc((size_t)(n > 0 ? n : 0) + 1, 1);
    if (text && n > 0) {
        rewind(tmp);
        size_t got = fread(text, 1, (size_t)n, tmp);
        text[got] = 0;
    }
    fclose(tmp);
    return text;
}

typedef struct Probe {
    const char *triple, *cpu, *features;
    bool     vector;   /* false: an empty function, which any CPU compiles, to hear LLVM's complaints */
    char    *asm_text;
    char     err[256];
} Probe;

/* Assembly of a 16 x f32 addition: zmm, ymm or xmm registers tell the
 * widest vectors the target machine uses for this CPU and features. */
static void probe_run(void *ud)
{
    Probe *p = ud;
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(p->triple, &target, &msg)) {
        snprintf(p->err, sizeof p->err, "no LLVM target: %s", msg ? msg : "?");
        LLVMDisposeMessage(msg);
        return;
    }
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, p->triple, p->cpu, p->features,
                                                      LLVMCodeGenLevelAggressive, LLVMRelocPIC, LLVMCodeModelSmall);
    if (!tm) {
        snprintf(p->err, sizeof p->err, "cannot create a target machine");
        return;
    }
    LLVMContextRef c = LLVMContextCreate();
    LLVMModuleRef m = LLVMModuleCreateWithNameInContext("tk.probe", c);
    LLVMTypeRef v = p->vector ? LLVMVectorType(LLVMFloatTypeInContext(c), 16) : LLVMVoidTypeInContext(c);
    LLVMTypeRef args[2] = {v, v};
    LLVMValueRef fn = LLVMAddFunction(m, "probe", LLVMFunctionType(v, args, p->vector ? 2 : 0, 0));
    LLVMBuilderRef b = LLVMCreateBuilderInContext(c);
    LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(c, fn, "entry"));
    if (p->vector)
        LLVMBuildRet(b, LLVMBuildFAdd(b, LLVMGetParam(fn, 0), LLVMGetParam(fn, 1), ""));
    else
        LLVMBuildRetVoid(b);
    LLVMDisposeBuilder(b);
    LLVMMemoryBufferRef buf = NULL;
    if (!LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMAssemblyFile, &msg, &buf)) {
        size_t n = LLVMGetBufferSize(buf);
        p->asm_text = calloc(n + 1, 1);
        if (p->asm_text)
            memcpy(p->asm_text, LLVMGetBufferStart(buf), n);
        LLVMDisposeMemoryBuffer(buf);
    } else {
        snprintf(p->err, sizeof p->err, "code generation failed: %s", msg ? msg : "?");
        LLVMDisposeMessage(msg);
    }
    LLVMDisposeModule(m);
    LLVMContextDispose(c);
    LLVMDisposeTargetMachine(tm);
}

/* "'foo' is not a recognized processor for this target (ignoring
 * processor)" -> an error naming what was asked for. */
static bool llvm_complaint(const char *text, const AotOptions *o, char *err, size_t nerr)
{
    const char *line = strstr(text, "is not a recognized");
    if (!line)
        return true;
    const char *start = line;
    while (start > text && start[-1] != '\n')
        start--;
    const char *end = strchr(line, '\n');
    int len = (int)(end ? end - start : (ptrdiff_t)strlen(start));
    if (strstr(line, "processor"))
        snprintf(err, nerr, "unknown CPU '%s' (LLVM: %.*s); use an LLVM CPU name such as x86-64-v3 or native",
                 o->cpu ? o->cpu : "", len, start);
    else
        snprintf(err, nerr, "unknown CPU feature in '%s' (LLVM: %.*s); features look like +avx2,-avx512f",
                 o->features ? o->features : "", len, start);
    return false;
}

/* The Jit whose triple, CPU and features the object is built for, and the
 * code generator's caps for it. The CPU and features are tried on a
 * target machine first: an LLJIT for an unknown CPU aborts. */
static Jit *make_target(const AotOptions *o, CpuTarget *t, AotTarget *out, char *err, size_t nerr)
{
    Jit *host = jit_create(NULL, NULL, err, nerr);   /* initializes LLVM; the host's triple, CPU, features */
    if (!host)
        return NULL;
    bool native = !o->cpu || !strcmp(o->cpu, "native");
    const char *cpu = native ? jit_cpu(host) : o->cpu, *base = native ? jit_features(host) : "";
    const char *extra = o->features ? o->features : "";
    size_t n = strlen(base) + strlen(extra) + 2;
    char *features = malloc(n);
    if (!features) {
        snprintf(err, nerr, "out of memory");
        jit_destroy(host);
        return NULL;
    }
    snprintf(features, n, "%s%s%s", base, *base && *extra ? "," : "", extra);
    /* An unknown x86 CPU has no 64-bit mode, and code generation would
     * abort before LLVM's complaint could be read: the first probe adds it. */
    char *probe_features = malloc(n + 8);
    if (probe_features)
        snprintf(probe_features, n + 8, "%s%s%s", features, *features ? "," : "",
                 strncmp(jit_triple(host), "x86_64", 6) ? "" : "+64bit");
    Probe p = {.triple = jit_triple(host), .cpu = cpu, .features = probe_features ? probe_features : features};
    char *complaints = capture_stderr(probe_run, &p);
    p.features = features;
    bool ok = complaints && !*p.err && p.asm_text && llvm_complaint(complaints, o, err, nerr);
    if (ok) {   /* a known CPU: now the widest vector registers it has */
        free(p.asm_text);
        p.asm_text = NULL;
        p.vector = true;
        probe_run(&p);
        ok = !*p.err && p.asm_text;
    }
    if (*p.err)
        snprintf(err, nerr, "%s", p.err);
    else if (!complaints || !p.asm_text)
        snprintf(err, nerr, "out of memory");
    Jit *j = ok ? jit_create(cpu, features, err, nerr) : NULL;
    if (j) {
        cpu_target_init(t, j, TK_HAVE_SLEEF, !o->no_parallel, false); /* the default numerics policy, as the JIT */
        t->avx = strstr(p.asm_text, "ymm") || strstr(p.asm_text, "zmm");
        t->avx512f = strstr(p.asm_text, "zmm") != NULL;
        t->vec_bits = t->avx512f ? 512 : t->avx ? 256 : 128;
        snprintf(out->triple, sizeof out->triple, "%s", jit_triple(j));
        snprintf(out->cpu, sizeof out->cpu, "%s", jit_cpu(j));
        out->vec_bits = t->vec_bits;
    }
    free(complaints);
    free(p.asm_text);
    free(probe_features);
    free(features);
    jit_destroy(host);
    return j;
}

/* ---- kernels ------------------------------------------------------------- */

typedef struct Build {
    Jit            *jit;
    CpuTarget       target;
    LLVMContextRef  llc;
    LLVMModuleRef   mod;
    const char     *prefix;
    const char     *inst;     /* "<prefix>_<kernel>.<dtype>" of the compile under way */
    bool            linked;
    char           *err;
    size_t          nerr;
} Build;

static void rename_global(LLVMModuleRef m, const char *from, const char *to, bool fn)
{
    LLVMValueRef v = fn ? LLVMGetNamedFunction(m, from) : LLVMGetNamedGlobal(m, from);
    if (v)   /* external until the tables refer to it: the linker drops unused internal symbols */
        LLVMSetValueName2(v, to, strlen(to));
}

/* Pipeline.each: the JIT's code generator and optimizer on the loop IR,
 * then the module joins the object under names of its own. */
static bool add_instance(void *ud, Compile *cc, Func *f)
{
    Build *b = ud;
    LLVMModuleRef m = cpu_codegen(b->llc, f, &b->target, cc->diags);
    if (!m)
        return false;
    if (!jit_optimize(b->jit, m, b->err, b->nerr)) {
        LLVMDisposeModule(m);
        return false;
    }
    char from[300], to[300];
    snprintf(from, sizeof from, "tk_k_%s", f->name);
    snprintf(to, sizeof to, "%s.entry", b->inst);
    rename_global(m, from, to, true);
    snprintf(from, sizeof from, "tk_k_%s.errors", f->name);
    snprintf(to, sizeof to, "%s.errors", b->inst);
    rename_global(m, from, to, false);
    if (LLVMLinkModules2(b->mod, m)) {   /* m is gone either way */
        snprintf(b->err, b->nerr, "linking '%s' into the object failed", b->inst);
        return false;
    }
    b->linked = true;
    return true;
}

static LLVMValueRef const_global(Build *b, LLVMValueRef init, const char *name)
{
    LLVMValueRef g = LLVMAddGlobal(b->mod, LLVMTypeOf(init), name);
    LLVMSetInitializer(g, init);
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    return g;
}

/* The RtKernel of runtime/rt.h: signature, strings, instantiations. */
static LLVMValueRef kernel_table(Build *b, const AotKernel *ak, const AotSig *s, const char *base)
{
    LLVMTypeRef i64 = LLVMInt64TypeInContext(b->llc), ptr = LLVMPointerTypeInContext(b->llc, 0);
    LLVMValueRef *w = calloc(s->nw + 1, sizeof *w);
    LLVMValueRef *insts = calloc(ak->ndtypes + 1, sizeof *insts);
    if (!w || !insts) {
        free(w), free(insts);
        return NULL;
    }
    for (size_t i = 0; i < s->nw; i++)
        w[i] = LLVMConstInt(i64, (unsigned long long)s->w[i], 1);
    char name[300];
    snprintf(name, sizeof name, "%s.sig", base);
    LLVMValueRef sig = const_global(b, LLVMConstArray2(i64, w, s->nw), name);
    snprintf(name, sizeof name, "%s.strings", base);
    LLVMValueRef str = const_global(b, LLVMConstStringInContext2(b->llc, s->str, s->nstr, 1), name);
    uint32_t i;
    for (i = 0; i < ak->ndtypes; i++) {
        snprintf(name, sizeof name, "%s.%s.entry", base, ak->dtypes[i] == DT_ERROR ? "-" : dtype_name(ak->dtypes[i]));
        LLVMValueRef entry = LLVMGetNamedFunction(b->mod, name);
        snprintf(name, sizeof name, "%s.%s.errors", base, ak->dtypes[i] == DT_ERROR ? "-" : dtype_name(ak->dtypes[i]));
        LLVMValueRef errors = LLVMGetNamedGlobal(b->mod, name);
        if (!entry || !errors)
            break;
        LLVMSetLinkage(entry, LLVMInternalLinkage);
        LLVMSetLinkage(errors, LLVMInternalLinkage);
        LLVMValueRef pair[2] = {entry ? entry : LLVMConstNull(ptr), errors ? errors : LLVMConstNull(ptr)};
        insts[i] = LLVMConstStructInContext(b->llc, pair, 2, 0);
    }
    if (i < ak->ndtypes) {
        free(w), free(insts);
        return NULL;
    }
    LLVMTypeRef inst_ty = LLVMStructTypeInContext(b->llc, (LLVMTypeRef[]){ptr, ptr}, 2, 0);
    snprintf(name, sizeof name, "%s.insts", base);
    LLVMValueRef it = const_global(b, LLVMConstArray2(inst_ty, insts, ak->ndtypes), name);
    LLVMValueRef fields[3] = {sig, str, it};
    snprintf(name, sizeof name, "%s.kernel", base);
    LLVMValueRef k = const_global(b, LLVMConstStructInContext(b->llc, fields, 3, 0), name);
    free(w), free(insts);
    return k;
}

/* The C type a scalar parameter is passed as (docs/aot.md). */
static LLVMTypeRef scalar_type(Build *b, DType t)
{
    switch (t) {
    case DT_F64: case DT_GENERIC: return LLVMDoubleTypeInContext(b->llc);
    case DT_F32: case DT_F16: case DT_BF16: return LLVMFloatTypeInContext(b->llc);
    default: return LLVMIntTypeInContext(b->llc, (unsigned)dtype_size(t) * 8);
    }
}

/* int <base>(tensors and scalars in order[, output shape pointers]):
 * packs the arguments into the runtime's arrays and calls `callee`. */
static void wrapper(Build *b, const KernelInfo *k, LLVMValueRef table, const char *name, bool shapes)
{
    LLVMContextRef c = b->llc;
    LLVMTypeRef i32 = LLVMInt32TypeInContext(c), i64 = LLVMInt64TypeInContext(c);
    LLVMTypeRef f64 = LLVMDoubleTypeInContext(c), ptr = LLVMPointerTypeInContext(c, 0);
    uint32_t np = k->params.n, no = k->outputs.n, n = np + no;
    LLVMTypeRef *pt = calloc(n + 1, sizeof *pt);
    if (!pt)
        return;
    for (uint32_t i = 0; i < n; i++)
        pt[i] = i < np && !k->params.v[i].is_tensor ? scalar_type(b, k->params.v[i].dtype) : ptr;
    LLVMValueRef fn = LLVMAddFunction(b->mod, name, LLVMFunctionType(i32, pt, n, 0));
    free(pt);
    LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
                            LLVMCreateEnumAttribute(c, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
    LLVMBuilderRef bd = LLVMCreateBuilderInContext(c);
    LLVMPositionBuilderAtEnd(bd, LLVMAppendBasicBlockInContext(c, fn, "entry"));
    LLVMTypeRef tarr = LLVMArrayType2(ptr, n + 1), iarr = LLVMArrayType2(i64, n + 1), farr = LLVMArrayType2(f64, n + 1);
    LLVMValueRef tens = LLVMBuildAlloca(bd, tarr, "tensors"), isc = LLVMBuildAlloca(bd, iarr, "iscalars");
    LLVMValueRef fsc = LLVMBuildAlloca(bd, farr, "fscalars");
    LLVMValueRef outs = LLVMBuildAlloca(bd, LLVMArrayType2(ptr, no + 1), "out_shapes");
    LLVMBuildStore(bd, LLVMConstNull(tarr), tens);
    LLVMBuildStore(bd, LLVMConstNull(iarr), isc);
    LLVMBuildStore(bd, LLVMConstNull(farr), fsc);
    for (uint32_t i = 0; i < n; i++) {
        LLVMValueRef v = LLVMGetParam(fn, i), ix = LLVMConstInt(i64, i, 0);
        if (i >= np && shapes) {
            LLVMValueRef ox = LLVMConstInt(i64, i - np, 0);
            LLVMBuildStore(bd, v, LLVMBuildGEP2(bd, ptr, outs, &ox, 1, ""));
        } else if (i >= np || k->params.v[i].is_tensor) {
            LLVMBuildStore(bd, v, LLVMBuildGEP2(bd, ptr, tens, &ix, 1, ""));
        } else {
            DType t = k->params.v[i].dtype;
            if (t == DT_GENERIC) {   /* a double, read as the bound type: both slots */
                LLVMValueRef ix2 = LLVMConstInt(i64, i, 0);
                LLVMBuildStore(bd, v, LLVMBuildGEP2(bd, f64, fsc, &ix, 1, ""));
                LLVMBuildStore(bd, LLVMBuildFPToSI(bd, v, i64, ""), LLVMBuildGEP2(bd, i64, isc, &ix2, 1, ""));
            } else if (dtype_is_float(t)) {
                LLVMValueRef d = t == DT_F64 ? v : LLVMBuildFPExt(bd, v, f64, "");
                LLVMBuildStore(bd, d, LLVMBuildGEP2(bd, f64, fsc, &ix, 1, ""));
            } else {
                LLVMValueRef w = v;
                if (t == DT_BOOL)
                    w = LLVMBuildZExt(bd, LLVMBuildICmp(bd, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), ""), i64, "");
                else if (LLVMTypeOf(v) != i64)
                    w = dtype_is_unsigned(t) ? LLVMBuildZExt(bd, v, i64, "") : LLVMBuildSExt(bd, v, i64, "");
                LLVMBuildStore(bd, w, LLVMBuildGEP2(bd, i64, isc, &ix, 1, ""));
            }
        }
    }
    LLVMValueRef args[5] = {table, tens, isc, fsc, outs};
    unsigned nargs = shapes ? 5 : 4;
    LLVMTypeRef at[5] = {ptr, ptr, ptr, ptr, ptr};
    const char *callee_name = shapes ? "tk_rt_shapes" : "tk_rt_launch";
    LLVMTypeRef ft = LLVMFunctionType(i32, at, nargs, 0);
    LLVMValueRef callee = LLVMGetNamedFunction(b->mod, callee_name);
    if (!callee)
        callee = LLVMAddFunction(b->mod, callee_name, ft);
    LLVMBuildRet(bd, LLVMBuildCall2(bd, ft, callee, args, nargs, ""));
    LLVMDisposeBuilder(bd);
}

static bool add_kernel(Build *b, const SrcMap *files, const AotKernel *ak, DiagSink *diags)
{
    KernelInfo *k = ak->k;
    char base[260];
    snprintf(base, sizeof base, "%s_%s", b->prefix, k->ast->name);
    Target desc = *target_find("cpu");
    desc.vector_bits = b->target.vec_bits;
    desc.auto_parallel = b->target.auto_parallel;
    desc.backend = NULL;
    for (uint32_t i = 0; i < ak->ndtypes; i++) {
        char inst[300];
        snprintf(inst, sizeof inst, "%s.%s", base, ak->dtypes[i] == DT_ERROR ? "-" : dtype_name(ak->dtypes[i]));
        b->inst = inst;
        b->linked = false;
        /* what cpu_compile runs for the JIT, stopping before emit */
        Pipeline p = {.files = files, .target = &desc, .kernel = k, .key = {ak->dtypes[i]}, .emit = false,
                      .auto_schedule = true, .verify = true, .diags = diags, .each = add_instance, .ud = b};
        if (!pipeline_run(&p) || !b->linked)
            return false;
    }
    AotSig s;
    if (!aot_sig_build(k, ak->dtypes, ak->ndtypes, &s)) {
        snprintf(b->err, b->nerr, "%s: %s", k->ast->name,
                 s.oom ? "out of memory" : "a shape expression is too deep for the runtime's launch checks");
        aot_sig_free(&s);
        return false;
    }
    LLVMValueRef table = kernel_table(b, ak, &s, base);
    aot_sig_free(&s);
    if (!table) {
        snprintf(b->err, b->nerr, "%s: out of memory, or an instantiation lost its entry", k->ast->name);
        return false;
    }
    char name[300];
    wrapper(b, k, table, base, false);
    snprintf(name, sizeof name, "%s_shapes", base);
    wrapper(b, k, table, name, true);
    return true;
}

bool aot_build_object(const SrcMap *files, const char *prefix, const AotKernel *ks, uint32_t nks,
                      const AotOptions *o, DiagSink *diags, LLVMMemoryBufferRef *out, AotTarget *t, char *err,
                      size_t nerr)
{
    *out = NULL;
    Build b = {.prefix = prefix, .err = err, .nerr = nerr};
    *err = 0;
    b.jit = make_target(o, &b.target, t, err, nerr);
    if (!b.jit)
        return false;
    b.llc = LLVMContextCreate();
    b.mod = LLVMModuleCreateWithNameInContext(prefix, b.llc);
    jit_prepare_module(b.jit, b.mod);
    bool ok = true;
    for (uint32_t i = 0; i < nks && ok; i++)
        ok = add_kernel(&b, files, &ks[i], diags);
    ok = ok && jit_emit_object(b.jit, b.mod, out, err, nerr);
    LLVMDisposeModule(b.mod);
    LLVMContextDispose(b.llc);
    jit_destroy(b.jit);
    return ok;
}
