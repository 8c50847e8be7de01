/* The target side of the JIT: native target initialisation, the host's
 * triple, CPU and features, target machines, the kernel pass pipeline, and object
 * emission. Each optimisation or emission makes its own target machine, so
 * threads never share one. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "jit/jit_int.h"

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;
static bool llvm_ok;

/* Runs the kernel pipeline and the code generator once on an empty function.
 * LLVM creates some process-wide objects lazily on first use (pass timers,
 * option tables) behind atomics ThreadSanitizer cannot see in the
 * uninstrumented libLLVM; creating them here, on one thread, keeps a TSan
 * run of concurrent compiles free of such false reports. */
static void warm_up(void)
{
    char *triple = LLVMGetDefaultTargetTriple(), *msg = NULL;
    LLVMTargetRef target;
    if (LLVMGetTargetFromTriple(triple, &target, &msg) == 0) {
        LLVMTargetMachineRef tm = LLVMCreateTargetMachine(
            target, triple, "", "", LLVMCodeGenLevelAggressive, LLVMRelocPIC, LLVMCodeModelSmall);
        LLVMContextRef c = LLVMContextCreate();
        LLVMModuleRef m = LLVMModuleCreateWithNameInContext("tk.warm_up", c);
        LLVMValueRef fn = LLVMAddFunction(m, "f", LLVMFunctionType(LLVMVoidTypeInContext(c), NULL, 0, 0));
        LLVMBuilderRef b = LLVMCreateBuilderInContext(c);
        LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(c, fn, "entry"));
        LLVMBuildRetVoid(b);
        LLVMDisposeBuilder(b);
        LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
        LLVMErrorRef e = tm ? LLVMRunPasses(m, jit_pipeline(), tm, opts) : NULL;
        if (e)
            LLVMConsumeError(e);
        LLVMDisposePassBuilderOptions(opts);
        LLVMMemoryBufferRef obj = NULL;
        if (tm && !LLVMTargetMachineEmitToMemoryBuffer(tm, m, LLVMObjectFile, &msg, &obj))
            LLVMDisposeMemoryBuffer(obj);
        LLVMDisposeModule(m);
        LLVMContextDispose(c);
        if (tm)
            LLVMDisposeTargetMachine(tm);
    }
    LLVMDisposeMessage(msg);
    LLVMDisposeMessage(triple);
}

static void init_llvm(void)
{
    /* The Native* initialisers return true on failure. */
    llvm_ok = !LLVMInitializeNativeTarget() && !LLVMInitializeNativeAsmPrinter()
              && !LLVMInitializeNativeAsmParser();
    if (llvm_ok)
        warm_up();
}

bool jit_init_llvm(char *err, size_t nerr)
{
    pthread_once(&llvm_once, init_llvm);
    if (!llvm_ok)
        jit_set_err(err, nerr, "LLVM has no native target for this machine");
    return llvm_ok;
}

void jit_llvm_version(char *buf, size_t n)
{
    unsigned major, minor, patch;
    LLVMGetVersion(&major, &minor, &patch);
    snprintf(buf, n, "%u.%u.%u", major, minor, patch);
}

/* Copies an LLVM-owned message into malloc'ed memory and disposes it. */
static char *own(char *llvm_msg)
{
    char *s = strdup(llvm_msg ? llvm_msg : "");
    LLVMDisposeMessage(llvm_msg);
    return s;
}

bool jit_host_target(Jit *j, const char *cpu, const char *features, char *err, size_t nerr)
{
    char *msg = NULL;
    j->triple = own(LLVMGetDefaultTargetTriple());
    j->cpu = cpu ? strdup(cpu) : own(LLVMGetHostCPUName());
    j->features = features ? strdup(features) : own(LLVMGetHostCPUFeatures());
    if (!j->triple || !j->cpu || !j->features) {
        jit_set_err(err, nerr, "out of memory");
        return false;
    }
    if (LLVMGetTargetFromTriple(j->triple, &j->target, &msg)) {
        jit_set_err(err, nerr, "no LLVM target for %s: %s", j->triple, msg ? msg : "?");
        LLVMDisposeMessage(msg);
        return false;
    }
    return true;
}

/* PIC and the small code model: the object is position-independent, so the
 * cache can load it at any address in another process, and the JIT linker
 * reaches runtime symbols through its GOT and stubs. */
LLVMTargetMachineRef jit_target_machine(const Jit *j)
{
    return LLVMCreateTargetMachine(j->target, j->triple, j->cpu, j->features,
                                   LLVMCodeGenLevelAggressive, LLVMRelocPIC,
                                   LLVMCodeModelSmall);
}

const char *jit_triple(const Jit *j) { return j->triple; }
const char *jit_cpu(const Jit *j) { return j->cpu; }
const char *jit_features(const Jit *j) { return j->features; }

static void prepare(LLVMTargetMachineRef tm, LLVMModuleRef mod)
{
    char *triple = LLVMGetTargetMachineTriple(tm);
    LLVMSetTarget(mod, triple);
    LLVMDisposeMessage(triple);
    LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(mod, dl);
    LLVMDisposeTargetData(dl);
}

void jit_prepare_module(Jit *j, LLVMModuleRef mod)
{
    LLVMTargetMachineRef tm = jit_target_machine(j);
    if (tm) {
        prepare(tm, mod);
        LLVMDisposeTargetMachine(tm);
    }
}

/* Invalid IR must come back as an error: the code generator and the
 * optimiser of a release LLVM do not check it and may crash. */
static bool verify(LLVMModuleRef mod, char *err, size_t nerr)
{
    char *msg = NULL;
    if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
        jit_set_err(err, nerr, "invalid LLVM IR: %s", msg ? msg : "?");
        LLVMDisposeMessage(msg);
        return false;
    }
    LLVMDisposeMessage(msg);
    return true;
}

/* A target machine of the call's own, with the module prepared for it. */
static LLVMTargetMachineRef begin(Jit *j, LLVMModuleRef mod, char *err, size_t nerr)
{
    if (!verify(mod, err, nerr))
        return NULL;
    LLVMTargetMachineRef tm = jit_target_machine(j);
    if (!tm) {
        jit_set_err(err, nerr, "cannot create a target machine for %s (%s)", j->triple, j->cpu);
        return NULL;
    }
    prepare(tm, mod);
    return tm;
}

/* The passes generated kernels need, instead of the whole default<O3>
 * (docs/performance.md, "Compile latency"): the code generator's allocas
 * promoted and its index arithmetic simplified; invariant loads and address
 * computations hoisted, and the guards of split tails unswitched out of the
 * inner loops; fully unrolled `unrolled` loops, after which SROA keeps a
 * tensorized micro-kernel's accumulators in registers; then the loop
 * vectorizer (the `vectorized` loops' metadata, and any other loop it
 * finds worth it) and the unroller. No inliner: the outlined bodies are
 * called once per thread chunk. Measured against default<O3> in one process
 * (CPU time, interleaved): compile 14-23% shorter, run time unchanged. */
static const char KERNEL_PIPELINE[] =
    "function(sroa,early-cse,simplifycfg,instcombine<no-verify-fixpoint>,"
    "loop-mssa(licm,simple-loop-unswitch<nontrivial>),simplifycfg,"
    "loop(indvars,loop-unroll-full),sroa,instcombine<no-verify-fixpoint>,gvn,simplifycfg,loop-mssa(licm),"
    "loop-vectorize,loop-unroll<O2>,instcombine<no-verify-fixpoint>,simplifycfg)";

const char *jit_pipeline(void) { return KERNEL_PIPELINE; }

bool jit_optimize(Jit *j, LLVMModuleRef mod, char *err, size_t nerr)
{
    LLVMTargetMachineRef tm = begin(j, mod, err, nerr);
    if (!tm)
        return false;
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMPassBuilderOptionsSetLoopVectorization(opts, 1);
    LLVMPassBuilderOptionsSetSLPVectorization(opts, 1);
    LLVMPassBuilderOptionsSetLoopInterleaving(opts, 1);
    LLVMPassBuilderOptionsSetLoopUnrolling(opts, 1);
    LLVMErrorRef e = LLVMRunPasses(mod, jit_pipeline(), tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    LLVMDisposeTargetMachine(tm);
    if (e) {
        jit_take_error(e, "optimizing", err, nerr);
        return false;
    }
    return true;
}

bool jit_emit_object(Jit *j, LLVMModuleRef mod, LLVMMemoryBufferRef *out, char *err, size_t nerr)
{
    *out = NULL;
    LLVMTargetMachineRef tm = begin(j, mod, err, nerr);
    if (!tm)
        return false;
    char *msg = NULL;
    LLVMBool failed = LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, out);
    LLVMDisposeTargetMachine(tm);
    if (failed) {
        jit_set_err(err, nerr, "code generation failed: %s", msg ? msg : "?");
        LLVMDisposeMessage(msg);
        *out = NULL;
        return false;
    }
    LLVMDisposeMessage(msg);
    return true;
}
