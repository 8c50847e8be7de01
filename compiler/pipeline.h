/* The pipeline: every stage from source to Target.emit, in one function
 * (docs/architecture.md). The C API, tkc check/run/emit and the benchmarks
 * call it; nothing else wires the stages together. */
#ifndef TK_PIPELINE_H
#define TK_PIPELINE_H

#include <stdio.h>

#include "compiler/lower/lower.h"
#include "compiler/passes/pass.h"
#include "compiler/sched/sched.h"
#include "compiler/target.h"

/* Where the time of one kernel's compile went, in seconds. */
typedef struct CompileTimes {
    double lower;     /* lowering, scheduling and the passes */
    double emit;      /* Target.emit */
} CompileTimes;

/* One kernel going through lower -> schedule -> passes -> emit. Everything
 * made on the way lives in `scratch` and is freed when the compile ends,
 * so a module can be compiled any number of times without growing; the
 * kernel's tables are only read, so compiles of one module (of the same or
 * different kernels) run at once on different threads. */
struct Compile {
    const struct Pipeline *p;
    const Target *target;
    KernelInfo   *kernel;
    InstKey       key;
    const SrcMap *files;     /* every file the kernel's source came from */
    DiagSink     *diags;
    Arena         scratch;
    Arena        *arena;     /* &scratch, or Pipeline.arena */
    IrCtx         ir;        /* on a fork of kernel->sym in arena (sym_ctx_fork) */
    Trace        *trace;     /* the applied schedule, when p->trace */
    void         *product;   /* EMIT_CODE: what the target made (a CpuKernel) */
    char         *text;      /* EMIT_TEXT, EMIT_ASM: malloc'ed, taken by p->each */
    CompileTimes  times;
};

typedef struct Pipeline {
    /* The source: `path`, or `text` (`len` bytes) called `name`. Skipped
     * when prog is set (the module is loaded and checked already). */
    Ctx          *ctx;        /* owns the AST, the tables and the front end's diagnostics */
    const char   *path;
    const char   *name, *text;
    size_t        len;
    AstProgram   *prog;       /* in/out */
    const SrcMap *files;      /* the source's files; NULL: &ctx->files */

    /* The kernels: NULL without a target (stop after check). */
    const Target *target;
    KernelInfo   *kernel;     /* NULL: every kernel of the root file */
    InstKey       key;        /* kernel's instantiation (generic kernels of the root file: f32) */
    bool          emit;       /* run target->emit; false stops after the passes (tkc check) */
    EmitKind      emit_kind;
    bool          no_schedule;   /* the default schedule, ignoring the kernel's */
    bool          auto_schedule; /* a kernel without a schedule for target gets sched_auto's */
    bool          verify;        /* ir_verify after every stage (always on in tests) */
    bool          trace;         /* keep the applied schedule in Compile.trace */
    const char   *dump_after;    /* a pass name or "all": print the IR after it */
    FILE         *dump;          /* where dumps go (stderr when NULL) */
    DiagSink     *diags;         /* compile diagnostics; NULL: ctx->diags */
    Arena        *arena;         /* for the compiles; NULL: a scratch per kernel, freed with
                                  * it (tests that look at the IR afterwards pass theirs) */
    void         *emit_info;     /* target-specific statistics for emit (CpuCompileInfo) */
    /* Called for each kernel after the last stage, while its IR is alive;
     * false stops. f is NULL when the target's cache had the product. */
    bool (*each)(void *ud, Compile *cc, Func *f);
    void         *ud;
} Pipeline;

/* Runs p; false after a diagnostic (in ctx->diags for load and check, in
 * p->diags for the kernels). */
bool pipeline_run(Pipeline *p);

/* Whether the pipeline can compile k without launch arguments: not
 * rank-generic (T[...]), at most one type parameter. */
bool pipeline_lowerable(const KernelInfo *k);

#endif
