/* A Target describes everything the shared layers need to know about a
 * machine (docs/architecture.md): the memory scopes a schedule may stage
 * data in, with their capacity and alignment; the widest vector; the
 * operations `tensorize` can map onto; the loop passes only this target
 * runs; and the emitter that turns loop IR into something that runs.
 * Descriptions are data (target_cpu.c, target_npu.c); no code outside
 * them asks which target it is looking at. */
#ifndef TK_TARGET_H
#define TK_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/passes/pass.h"
#include "support/arena.h"
#include "support/mem_scope.h"

typedef struct Compile Compile; /* one kernel going through the pipeline (pipeline.h) */
typedef struct Func    Func;

/* A memory a schedule may name in cache_read/cache_write. */
typedef struct TargetScope {
    MemScope scope;
    uint64_t capacity;  /* bytes per core; 0: as much as the host has */
    uint32_t align;     /* bytes a buffer in it starts on */
} TargetScope;

/* What Target.emit makes. */
typedef enum EmitKind {
    EMIT_CODE,      /* runnable code: Compile.product (a CpuKernel on the cpu) */
    EMIT_TEXT,      /* the target's intermediate text (LLVM IR): Compile.text */
    EMIT_ASM,       /* the machine code as assembly: Compile.text */
} EmitKind;

typedef struct Target {
    const char        *name;           /* as a schedule names it: `schedule k for NAME` */
    const TargetScope *scopes;         /* what cache_read/cache_write may name */
    uint32_t           nscopes;
    uint32_t           vector_bits;    /* widest vector register */
    const char *const *tensorize_ops;  /* what `tensorize(v, OP)` may name; NULL-terminated */
    const PassList    *passes;         /* the loop-IR passes after the schedule (pass_list_cpu); NULL: none */
    bool               auto_parallel;  /* PassOpts.auto_parallel for them */
    /* Whether a backend consumes this target's scheduled loop IR: its
     * schedules (or the automatic one) are applied at check time; for the
     * rest only the directives are checked (compiler/sched/check_program.c). */
    bool               applies_schedules;
    /* Before lowering: a product made earlier for the same source, kernel
     * and instantiation (an in-process cache), or NULL. May be NULL. */
    void *(*lookup)(Compile *cc);
    /* Loop IR -> cc->product or cc->text; false after a diagnostic in cc. */
    bool (*emit)(Compile *cc, Func *f, EmitKind what);
    void              *backend;        /* the emitter's state (a CpuBackend) */
} Target;

/* The built-in description called `name` ("cpu", "npu"), or NULL. The cpu
 * description has no backend: a CpuBackend hands out its own copy with
 * the host's vector width (cpu_backend_target_desc). */
const Target *target_find(const char *name);
/* The built-in descriptions in turn (NULL past the end), and the one for
 * the machine TK runs on, which runs kernels without a schedule. */
const Target *target_at(size_t i);
const Target *target_host(void);
/* "cpu, npu" (last_sep ", ") or "cpu or npu" (" or "): for messages. */
const char *target_names(Arena *a, const char *last_sep);

/* The scope of t called `name`, or NULL. */
const TargetScope *target_scope(const Target *t, const char *name);
/* Whether tensorize may map onto `op` on t. */
bool target_has_tensorize_op(const Target *t, const char *op);

#endif
