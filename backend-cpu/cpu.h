/* The CPU backend (docs/cpu-backend.md): loop IR -> LLVM IR through the
 * LLVM-C API, optimized by the kernel pass pipeline (jit_pipeline) for the
 * host and JIT-compiled through jit/, with an in-process and an on-disk
 * cache of compiled kernels, and the launch that calls them on DLPack
 * tensors. */
#ifndef TK_CPU_H
#define TK_CPU_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend-cpu/abi.h"
#include "compiler/launch/launch.h"
#include "compiler/lower/lower.h"
#include "compiler/target.h"
#include "support/srcmap.h"

/* What code is generated for (target.c): data, no behaviour. */
typedef struct CpuTarget {
    const char *triple, *cpu, *features;   /* owned by the Jit */
    bool        x86;
    bool        avx, avx512f;              /* vector registers of 256 / 512 bits */
    unsigned    vec_bits;                  /* widest vector register */
    bool        sleef;                     /* SLEEF's vector math is registered */
    bool        auto_parallel;             /* outermost independent loops run on the pool */
    bool        strict;                    /* bit-exact numerics: no FMA, no reassociation */
    char        options[64];               /* the above as text, part of the cache key */
} CpuTarget;

typedef struct CpuBackend CpuBackend;

typedef struct CpuOptions {
    const char *cache_dir;       /* NULL: the environment (jit/cache.h) */
    bool        no_parallel;     /* no automatic parallel loops */
    bool        strict;          /* strict numerics (docs/semantics.md "Numerics") */
} CpuOptions;

/* Counters for tests and `tkc run --time`. */
typedef struct CpuStats {
    uint64_t codegens;     /* kernels that went through LLVM optimization and codegen */
    uint64_t mem_hits;     /* found in the in-process map */
    uint64_t disk_hits;    /* object loaded from the disk cache, LLVM skipped */
} CpuStats;

/* A compiled instantiation. Owned by the backend; valid until it is destroyed. */
typedef struct CpuKernel {
    CpuEntry            entry;
    const char *const  *errors;    /* assert messages, by code - CPU_ERR_ASSERT */
    uint32_t            nerrors;
} CpuKernel;

typedef struct CpuCompileInfo {
    bool   from_mem, from_disk;   /* neither: compiled now */
    double seconds;               /* wall time of cpu_compile */
    /* where it went: lowering and scheduling, LLVM IR generation, the kernel
     * pass pipeline, instruction selection to an object, loading into the JIT */
    double t_lower, t_codegen, t_optimize, t_object, t_load;
    bool   interpreted;           /* cpu_launch ran the interpreter instead */
    double t_run;                 /* cpu_launch: the run itself */
} CpuCompileInfo;

/* opts may be NULL. NULL with a message when the JIT cannot be created. */
CpuBackend      *cpu_backend_create(const CpuOptions *opts, char *err, size_t nerr);
void             cpu_backend_destroy(CpuBackend *be);
CpuStats         cpu_backend_stats(CpuBackend *be);
const CpuTarget *cpu_backend_target(const CpuBackend *be);

/* The compiled instantiation of kernel k for key: the pipeline
 * (compiler/pipeline.h) on this backend's target, so from the in-process
 * map, the disk cache, or lowered and compiled now. `files` is the source the
 * kernel came from (all of it goes into the cache key). Lowering works on
 * a fork of k's symbolic context, so compiles of one module never wait for
 * each other. Thread-safe. NULL after located diagnostics in diags (whose
 * files must be `files`). */
CpuKernel *cpu_compile(CpuBackend *be, const SrcMap *files, KernelInfo *k, const InstKey *key,
                       CpuCompileInfo *info, DiagSink *diags);

/* The cpu Target for this backend: the description with the host's vector
 * width, emitting through this backend's JIT and caches. */
const Target *cpu_backend_desc(const CpuBackend *be);
/* The cpu description's hooks (compiler/target_cpu.c): the in-process
 * cache, and loop IR -> a CpuKernel (EMIT_CODE, through the disk cache) or
 * the optimized LLVM IR (EMIT_TEXT) or assembly (EMIT_ASM). */
void *cpu_lookup(Compile *cc);
bool  cpu_emit(Compile *cc, Func *f, EmitKind what);
/* Whether the backend compiles k: not rank-generic (T[...]), at most one
 * type parameter. Other kernels run on the interpreter. */
bool cpu_supports(const KernelInfo *k);

/* Whether every tensor's data is aligned to its element size, which the
 * generated code assumes; callers run misaligned launches elsewhere. */
bool cpu_args_aligned(const KernelInfo *k, const LaunchArgs *a);
/* Calls the compiled code with a prepared launch (launch_prepare succeeded
 * with b). Outputs must not overlap inputs or each other: checked. */
bool cpu_run(const CpuKernel *ck, const KernelInfo *k, const LaunchArgs *a, const Binding *b, char *err,
             size_t nerr);
/* The instantiation a prepared launch needs. */
InstKey cpu_inst_key(const KernelInfo *k, const Binding *b);

/* Compiled instantiations of one kernel, per type-parameter dtype
 * (DT_ERROR: not generic), for callers that launch it many times. */
typedef struct CpuInstances {
    pthread_mutex_t mu;
    CpuKernel      *inst[DT__COUNT];
} CpuInstances;

typedef enum CpuLaunchResult {
    CPU_LAUNCHED,
    CPU_LAUNCH_FAILED,    /* the arguments do not fit, or the kernel's checks failed: err */
    CPU_COMPILE_FAILED,   /* a compile stage failed: located diagnostics in diags */
} CpuLaunchResult;

/* A launch on the cpu target, as tk_launch and `tkc run` both do it: the
 * interpreter's validation (launch_prepare), then the compiled
 * instantiation (from `cache` when given) -- or the interpreter for kernels
 * the backend does not compile and for misaligned tensors. info (may be
 * NULL) says where the code came from and how long each step took. */
CpuLaunchResult cpu_launch(CpuBackend *be, const SrcMap *files, KernelInfo *k, const LaunchArgs *la,
                           CpuInstances *cache, CpuCompileInfo *info, DiagSink *diags, char *err, size_t nerr);

#endif
