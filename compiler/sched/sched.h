/* Schedule primitives on the loop IR (docs/schedules.md). A Sched wraps a
 * lowered Func; each primitive checks, rewrites the IR and records itself in
 * a Trace that prints back as .tk schedule text (TVM style). */
#ifndef TK_SCHED_H
#define TK_SCHED_H

#include <stdio.h>

#include "compiler/ir.h"
#include "support/ctx.h"
#include "lang/sema/sema.h"

typedef struct Sched Sched;
typedef struct Trace Trace;

/* A split factor: a literal, an integer scalar parameter, or auto. */
typedef enum { SF_LITERAL, SF_PARAM, SF_AUTO } SchedFactorKind;
typedef struct SchedFactor {
    SchedFactorKind kind;
    int64_t         value;   /* SF_LITERAL, > 0 */
    uint32_t        param;   /* SF_PARAM: index into KernelInfo.params */
} SchedFactor;

/* How a split handles the last, partial tile (chosen per case). */
typedef enum { TAIL_NONE, TAIL_GUARD, TAIL_SHIFT } SchedTail;

/* Starts scheduling f, a kernel lowered with the default schedule
 * (lower_kernel). Stages and loops are then named as in the source. */
Sched *sched_new(IrCtx *c, Func *f, KernelInfo *k, const char *target);
/* The scheduled kernel: f with the prologue (factor lets and checks). */
Func  *sched_finish(Sched *s);
Trace *sched_trace(Sched *s);

/* Names. A stage index for sched_* calls, or -1; a live loop of a stage. */
int32_t     sched_stage(Sched *s, const char *name);
bool        sched_loop(Sched *s, int32_t stage, const char *name, LoopId *out);
const char *sched_loop_name(Sched *s, LoopId id);

/* The primitives. `at` is the directive's location (diagnostics); every
 * one returns false only after an error diagnostic. New loop names must be
 * fresh in the stage. */
bool sched_split(Sched *s, int32_t stage, LoopId v, SchedFactor f, const char *outer, const char *inner,
                 SrcSpan at, LoopId out[2]);
bool sched_tile(Sched *s, int32_t stage, LoopId x, LoopId y, SchedFactor fx, SchedFactor fy,
                const char *names[4], SrcSpan at);
bool sched_reorder(Sched *s, int32_t stage, const LoopId *order, uint32_t n, SrcSpan at);
bool sched_fuse(Sched *s, int32_t stage, LoopId a, LoopId b, const char *fused, SrcSpan at, LoopId *out);
bool sched_parallel(Sched *s, int32_t stage, LoopId v, SrcSpan at);
bool sched_vectorize(Sched *s, int32_t stage, LoopId v, uint32_t width, SrcSpan at);  /* width 0: default */
bool sched_unroll(Sched *s, int32_t stage, LoopId v, uint32_t factor, SrcSpan at);    /* factor 0: full */
/* Placement of a producer. Apply a stage's placement before its own loop
 * transformations, and consumers' placements before their producers'
 * (sched_apply does both). */
bool sched_compute_at(Sched *s, int32_t producer, int32_t consumer, LoopId v, SrcSpan at);
bool sched_compute_inline(Sched *s, int32_t producer, SrcSpan at);
bool sched_compute_root(Sched *s, int32_t producer, SrcSpan at);
/* Stage-making primitives: *out (optional) gets the new stage's index.
 * cache_read copies `src` (an input or a stage, by name) into a buffer of
 * `scope` that the readers inside the loop the cache is later computed at
 * (compute_at; by default all readers, at the root) read instead;
 * cache_write computes stage s into such a buffer and makes s a copy-out.
 * double_buffer gives a cache two slots and pipelines its copy. rfactor
 * turns reduction loop k into the pure loop kf of a stage of partial
 * results. tensorize(v, gemm) replaces the matmul nest below v by a
 * register-blocked micro-kernel. */
bool sched_cache_read(Sched *s, const char *src, MemScope scope, const char *name, SrcSpan at, int32_t *out);
bool sched_cache_write(Sched *s, int32_t stage, MemScope scope, const char *name, SrcSpan at, int32_t *out);
bool sched_double_buffer(Sched *s, int32_t cache, SrcSpan at);
bool sched_rfactor(Sched *s, int32_t stage, LoopId k, const char *kf, const char *name, SrcSpan at, int32_t *out);
bool sched_tensorize(Sched *s, int32_t stage, LoopId v, SrcSpan at);

/* Applies the kernel's schedule for `target` (if any) to f: the AST
 * directives in a dependency-respecting order (docs/schedules.md), with
 * specialize blocks as variants chosen by an If at launch. NULL after a
 * diagnostic. *trace (optional) gets what was applied. */
Func *sched_apply(IrCtx *c, KernelInfo *k, Func *f, const char *target, Trace **trace);

/* The automatic schedule (auto.c) for a kernel without a schedule for
 * `target`: elementwise producers inlined, reductions computed at their
 * consumer, the innermost pure loop in vector lanes of `vector_bits`
 * (0: 256), the outermost on threads, matmul-like stages tiled. Built with
 * the primitives above, so *trace (optional) prints it as .tk text. NULL
 * only when out of memory. */
Func *sched_auto(IrCtx *c, KernelInfo *k, Func *f, const char *target, uint32_t vector_bits, Trace **trace);

/* Check time: applies every kernel's schedules (and the automatic
 * schedule) of a checked program to its default-lowered loop IR, without
 * generating code, reporting every schedule error in c->diags
 * (check_program.c). False after an error. */
bool sched_check_program(Ctx *c, AstProgram *p);

/* The trace as a .tk schedule block ("schedule K for T { ... }"). */
void sched_trace_print(const Trace *t, FILE *out);
const char *sched_trace_str(Arena *a, const Trace *t);

#endif
