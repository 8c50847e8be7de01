/* Compiling a kernel instantiation for the CPU: the backend object (one Jit,
 * one compile cache, SLEEF), then for each request the in-process map, the
 * disk cache, or lowering -> LLVM IR -> optimised -> object -> disk cache
 * -> JIT. Both caches are looked up before anything is lowered.
 * Also the text forms for `tkc emit --llvm/--asm`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dlfcn.h>
#include <llvm-c/TargetMachine.h>

#include "backend-cpu/cpu_int.h"
#include "compiler/pipeline.h"
#include "compiler/target.h"
#include "jit/cache.h"
#include "support/clock.h"
#include "runtime/rt.h"

/* Bumped whenever the generated code changes for the same loop IR: part of
 * the disk cache key. */
#define CPU_CODEGEN_VERSION "4"
_Static_assert(RT_LOCAL_ALIGN == IR_LOCAL_ALIGN, "the runtime allocates local buffers as the loop IR promises");

typedef struct KernelNode {
    CpuKernel          k;
    struct KernelNode *next;
} KernelNode;

struct CpuBackend {
    Jit            *jit;
    Cache          *cache;
    CpuTarget       target;
    void           *sleef;      /* dlopen handle */
    Target          desc;       /* the cpu description with this host's vector width */
    char            build_id[80]; /* of the binary this compiler is in ("": none, see keys) */
    pthread_mutex_t mu;         /* kernels and stats */
    KernelNode     *kernels;
    CpuStats        stats;
};

CpuBackend *cpu_backend_create(const CpuOptions *opts, char *err, size_t nerr)
{
    CpuOptions o = opts ? *opts : (CpuOptions){0};
    CpuBackend *be = calloc(1, sizeof *be);
    if (!be) {
        snprintf(err, nerr, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&be->mu, NULL);
    be->jit = jit_create(NULL, NULL, err, nerr);
    if (!be->jit) {
        cpu_backend_destroy(be);
        return NULL;
    }
    bool sleef = cpu_sleef_register(be->jit, &be->sleef);
    if (!jit_define_symbol(be->jit, "tk_cpu_malloc", (void *)(uintptr_t)tk_cpu_malloc)
        || !jit_define_symbol(be->jit, "tk_cpu_free", (void *)(uintptr_t)tk_cpu_free)) {
        snprintf(err, nerr, "out of memory");
        cpu_backend_destroy(be);
        return NULL;
    }
    cpu_target_init(&be->target, be->jit, sleef, !o.no_parallel, o.strict);
    be->desc = *target_find("cpu");
    be->desc.vector_bits = be->target.vec_bits;
    be->desc.backend = be;
    be->desc.auto_parallel = be->target.auto_parallel;
    char llvm[32];
    jit_llvm_version(llvm, sizeof llvm);
    CacheIdent id = {TK_VERSION_STRING, llvm, jit_cpu(be->jit), jit_features(be->jit)};
    CacheOptions co = {.dir = o.cache_dir};
    cache_build_id(be->build_id, sizeof be->build_id);
    be->cache = cache_create(&id, &co);
    if (!be->cache) {
        snprintf(err, nerr, "out of memory");
        cpu_backend_destroy(be);
        return NULL;
    }
    return be;
}

void cpu_backend_destroy(CpuBackend *be)
{
    if (!be)
        return;
    jit_destroy(be->jit);
    cache_destroy(be->cache);
    for (KernelNode *n = be->kernels, *next; n; n = next) {
        next = n->next;
        free(n);
    }
    if (be->sleef)
        dlclose(be->sleef);
    pthread_mutex_destroy(&be->mu);
    free(be);
}

CpuStats cpu_backend_stats(CpuBackend *be)
{
    pthread_mutex_lock(&be->mu);
    CpuStats s = be->stats;
    pthread_mutex_unlock(&be->mu);
    return s;
}

const CpuTarget *cpu_backend_target(const CpuBackend *be) { return &be->target; }

/* The source key, computed before anything is lowered: the backend's
 * ident (jit/cache.h), every source file, the kernel, the instantiation,
 * the pipeline's schedule choice, the target and its options, and what
 * turns them into code: the code generator's version and the build ID of
 * this binary. It keys the in-process map and, when the build ID is known,
 * the disk cache too, so a disk hit skips lowering as well as LLVM. */
static void source_key(CpuBackend *be, const Compile *cc, CacheKey *out)
{
    char llvm[32];
    jit_llvm_version(llvm, sizeof llvm);
    CacheIdent id = {TK_VERSION_STRING, llvm, jit_cpu(be->jit), jit_features(be->jit)};
    CacheKeyBuilder kb;
    cache_key_begin(&kb, &id);
    cache_key_add_str(&kb, "tk cpu kernel " CPU_CODEGEN_VERSION);
    cache_key_add_str(&kb, be->build_id);
    for (uint32_t i = 1; cc->files && i < cc->files->n; i++) {
        const SrcFile *f = srcmap_file(cc->files, i);
        cache_key_add_str(&kb, f->name);
        cache_key_add(&kb, f->text, f->len);
    }
    cache_key_add_str(&kb, cc->kernel->ast->name);
    cache_key_add_str(&kb, cc->key.tparam != DT_ERROR ? dtype_name(cc->key.tparam) : "-");
    cache_key_add_str(&kb, cc->p->no_schedule ? "default schedule" : cc->p->auto_schedule ? "auto" : "given");
    cache_key_add_str(&kb, "cpu");
    cache_key_add_str(&kb, be->target.options);
    cache_key_add_str(&kb, jit_pipeline());
    cache_key_end(&kb, out);
}

/* Without a build ID the disk key is the lowered loop IR itself (so a
 * change in lowering never loads a stale object), the code generator's
 * version and options. */
static bool ir_key(CpuBackend *be, const Func *f, Arena *a, CacheKey *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return false;
    ir_print_func(m, a, f, IR_PRINT_LOOP_IDS);
    fclose(m);
    char llvm[32];
    jit_llvm_version(llvm, sizeof llvm);
    CacheIdent id = {TK_VERSION_STRING, llvm, jit_cpu(be->jit), jit_features(be->jit)};
    CacheKeyBuilder kb;
    cache_key_begin(&kb, &id);
    cache_key_add_str(&kb, "tk cpu object " CPU_CODEGEN_VERSION);
    cache_key_add(&kb, text, len);
    cache_key_add_str(&kb, be->target.options);
    cache_key_add_str(&kb, jit_pipeline());
    cache_key_end(&kb, out);
    free(text);
    return true;
}

/* Loop IR -> LLVM module -> optimized -> object; NULL with a message. */
static LLVMMemoryBufferRef build_object(CpuBackend *be, const Func *f, CpuCompileInfo *info, DiagSink *diags,
                                        char *err, size_t nerr)
{
    LLVMMemoryBufferRef obj = NULL;
    double t0 = clock_seconds();
    LLVMContextRef llc = LLVMContextCreate();
    LLVMModuleRef mod = cpu_codegen(llc, f, &be->target, diags);
    double t1 = clock_seconds();
    info->t_codegen = t1 - t0;
    if (mod && jit_optimize(be->jit, mod, err, nerr)) {
        double t2 = clock_seconds();
        info->t_optimize = t2 - t1;
        jit_emit_object(be->jit, mod, &obj, err, nerr);
        info->t_object = clock_seconds() - t2;
    }
    if (mod)
        LLVMDisposeModule(mod);
    LLVMContextDispose(llc);
    return obj;
}

/* Loads an object and finds its entry and message table. */
static CpuKernel *load(CpuBackend *be, LLVMMemoryBufferRef obj, const char *name, char *err, size_t nerr)
{
    JitLib *lib = jit_add_object(be->jit, obj, err, nerr);
    if (!lib)
        return NULL;
    char sym[256];
    snprintf(sym, sizeof sym, "tk_k_%s", name);
    void *entry = jit_lookup(be->jit, lib, sym, err, nerr);
    snprintf(sym, sizeof sym, "tk_k_%s.errors", name);
    const char *const *errors = entry ? jit_lookup(be->jit, lib, sym, err, nerr) : NULL;
    KernelNode *n = errors ? calloc(1, sizeof *n) : NULL;
    if (!n) {
        if (errors)
            snprintf(err, nerr, "out of memory");
        jit_remove(be->jit, lib, NULL, 0);
        return NULL;
    }
    n->k.entry = (CpuEntry)(uintptr_t)entry;
    n->k.errors = errors;
    while (errors[n->k.nerrors])
        n->k.nerrors++;
    pthread_mutex_lock(&be->mu);
    n->next = be->kernels;
    be->kernels = n;
    pthread_mutex_unlock(&be->mu);
    return &n->k;
}

static void count(CpuBackend *be, uint64_t *stat)
{
    pthread_mutex_lock(&be->mu);
    (*stat)++;
    pthread_mutex_unlock(&be->mu);
}

/* The object under key k on disk, loaded; NULL on a miss or when it does
 * not load (then it is rebuilt and stored again). */
static CpuKernel *from_disk(CpuBackend *be, const CacheKey *k, const char *name, CpuCompileInfo *info)
{
    void *payload = NULL;
    size_t n = 0;
    if (cache_load(be->cache, k, &payload, &n) != CACHE_HIT)
        return NULL;
    double t = clock_seconds();
    LLVMMemoryBufferRef obj = LLVMCreateMemoryBufferWithMemoryRangeCopy(payload, n, name);
    free(payload);
    char err[256];
    CpuKernel *kern = load(be, obj, name, err, sizeof err);
    if (kern) {
        count(be, &be->stats.disk_hits);
        info->from_disk = true;
        info->t_load = clock_seconds() - t;
    }
    return kern;
}

/* Target.lookup: the in-process map, then (with a build ID) the disk
 * cache, before anything is lowered. */
void *cpu_lookup(Compile *cc)
{
    CpuBackend *be = cc->target->backend;
    if (!be)
        return NULL;
    CpuCompileInfo dummy = {0}, *info = cc->p->emit_info ? cc->p->emit_info : &dummy;
    CacheKey ck;
    source_key(be, cc, &ck);
    CpuKernel *kern = cache_mem_get(be->cache, &ck);
    if (kern) {
        count(be, &be->stats.mem_hits);
        info->from_mem = true;
        return kern;
    }
    if (!be->build_id[0] || !(kern = from_disk(be, &ck, cc->kernel->ast->name, info)))
        return NULL;
    return cache_mem_put(be->cache, &ck, kern);
}

/* EMIT_CODE (after a cache miss): the IR-keyed disk cache when there is no
 * build ID, else LLVM now; then the disk cache and the in-process map. */
static CpuKernel *emit_code(CpuBackend *be, Compile *cc, const Func *f, CpuCompileInfo *info, char *err,
                            size_t nerr)
{
    const char *name = cc->kernel->ast->name;
    CacheKey ck, dk;
    source_key(be, cc, &ck);
    dk = ck;
    if (!be->build_id[0] && !ir_key(be, f, cc->arena, &dk)) {
        snprintf(err, nerr, "out of memory");
        return NULL;
    }
    CpuKernel *kern = be->build_id[0] ? NULL : from_disk(be, &dk, name, info);
    if (!kern) {
        LLVMMemoryBufferRef obj = build_object(be, f, info, cc->diags, err, nerr);
        if (obj) {
            count(be, &be->stats.codegens);
            cache_store(be->cache, &dk, LLVMGetBufferStart(obj), LLVMGetBufferSize(obj));
            double t = clock_seconds();
            kern = load(be, obj, name, err, nerr);
            info->t_load = clock_seconds() - t;
        }
    }
    if (!kern)
        return NULL;
    return cache_mem_put(be->cache, &ck, kern);
}

/* Assembly through a target machine of the Jit's triple, CPU and features. */
static char *emit_asm(CpuBackend *be, LLVMModuleRef mod, char *err, size_t nerr)
{
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(jit_triple(be->jit), &target, &msg)) {
        snprintf(err, nerr, "no LLVM target: %s", msg ? msg : "?");
        LLVMDisposeMessage(msg);
        return NULL;
    }
    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, jit_triple(be->jit), jit_cpu(be->jit),
                                                      jit_features(be->jit), LLVMCodeGenLevelAggressive,
                                                      LLVMRelocPIC, LLVMCodeModelSmall);
    LLVMMemoryBufferRef buf = NULL;
    char *out = NULL;
    if (!tm) {
        snprintf(err, nerr, "cannot create a target machine");
    } else if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMAssemblyFile, &msg, &buf)) {
        snprintf(err, nerr, "code generation failed: %s", msg ? msg : "?");
        LLVMDisposeMessage(msg);
    } else {
        size_t n = LLVMGetBufferSize(buf);
        out = malloc(n + 1);
        if (out) {
            memcpy(out, LLVMGetBufferStart(buf), n);
            out[n] = 0;
        }
        LLVMDisposeMemoryBuffer(buf);
    }
    if (tm)
        LLVMDisposeTargetMachine(tm);
    return out;
}

/* EMIT_TEXT, EMIT_ASM: the optimized LLVM IR or the assembly, malloc'ed. */
static char *emit_text(CpuBackend *be, const Func *f, bool asm_, DiagSink *diags, char *err, size_t nerr)
{
    char *out = NULL;
    LLVMContextRef llc = LLVMContextCreate();
    LLVMModuleRef mod = cpu_codegen(llc, f, &be->target, diags);
    if (mod && jit_optimize(be->jit, mod, err, nerr)) {
        if (asm_) {
            out = emit_asm(be, mod, err, nerr);
        } else {
            char *s = LLVMPrintModuleToString(mod);
            out = strdup(s);
            LLVMDisposeMessage(s);
        }
    }
    if (mod)
        LLVMDisposeModule(mod);
    LLVMContextDispose(llc);
    return out;
}

bool cpu_emit(Compile *cc, Func *f, EmitKind what)
{
    CpuBackend *be = cc->target->backend;
    const char *name = cc->kernel->ast->name;
    if (!be)
        return !diag_error(cc->diags, cc->kernel->ast->span, "kernel '%s': no cpu backend to emit code with", name);
    /* LLVM's own failures have no place in the source: their message goes
     * at the kernel */
    char err[1024] = "";
    int before = cc->diags->nerr;
    CpuCompileInfo dummy = {0}, *info = cc->p->emit_info ? cc->p->emit_info : &dummy;
    if (what == EMIT_CODE)
        cc->product = emit_code(be, cc, f, info, err, sizeof err);
    else
        cc->text = emit_text(be, f, what == EMIT_ASM, cc->diags, err, sizeof err);
    if (cc->product || cc->text)
        return true;
    if (cc->diags->nerr == before)
        diag_error(cc->diags, cc->kernel->ast->span, "kernel '%s': %s", name, *err ? err : "cpu code generation failed");
    return false;
}

const Target *cpu_backend_desc(const CpuBackend *be) { return &be->desc; }

typedef struct Compiled {
    CpuKernel   *kernel;
    CompileTimes times;
} Compiled;

static bool keep(void *ud, Compile *cc, Func *f)
{
    (void)f;
    Compiled *out = ud;
    out->kernel = cc->product;
    out->times = cc->times;
    return true;
}

CpuKernel *cpu_compile(CpuBackend *be, const SrcMap *files, KernelInfo *k, const InstKey *key, CpuCompileInfo *info,
                       DiagSink *diags)
{
    double t0 = clock_seconds();
    CpuCompileInfo dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    Compiled out = {0};
    int before = diags->nerr;
    /* the kernel's cpu schedule, or the automatic one (docs/schedules.md) */
    Pipeline p = {.files = files, .target = &be->desc, .kernel = k, .key = key ? *key : (InstKey){DT_ERROR},
                  .emit = true, .emit_kind = EMIT_CODE, .auto_schedule = true, .verify = true, .diags = diags,
                  .emit_info = info, .each = keep, .ud = &out};
    if ((!pipeline_run(&p) || !out.kernel) && diags->nerr == before)
        diag_error(diags, k->ast->span, "kernel '%s': cannot compile it", k->ast->name);
    info->t_lower = out.times.lower;
    info->seconds = clock_seconds() - t0;
    return out.kernel;
}
