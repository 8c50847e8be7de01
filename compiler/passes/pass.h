/* Loop-IR passes (docs/ir.md, "Passes"): rewrites of a scheduled Func that
 * every backend may want, one file each in compiler/passes/, run in the
 * order of a PassList. A target lists the passes it needs (pass_list_cpu);
 * the pipeline runs them with passes_run, verifying the IR after each one
 * when verification is on. */
#ifndef TK_PASS_H
#define TK_PASS_H

#include <stdio.h>

#include "compiler/ir.h"

/* What a pass may need to know about the target and the run. */
typedef struct PassOpts {
    bool        auto_parallel;  /* parallel_mark: outermost independent loops run on threads */
    bool        verify;         /* ir_verify after every pass (also with TK_VERIFY_IR set) */
    const char *dump_after;     /* a pass name or "all": print the IR after it when it changed */
    FILE       *dump;           /* where dumps go (stderr when NULL) */
} PassOpts;

/* A pass rewrites f in place (f->body and flags); false after a diagnostic
 * in c->diags. */
typedef struct Pass {
    const char *name;
    bool (*run)(IrCtx *c, Func *f, const PassOpts *o);
} Pass;

typedef struct PassList {
    const Pass *v;
    uint32_t    n;
} PassList;

/* Runs the passes of l on f in order. False after the first failure (the
 * pass's diagnostic, or the verifier's internal error naming the pass). */
bool passes_run(IrCtx *c, Func *f, const PassList *l, const PassOpts *o);

/* Prints f to out (stderr when NULL) under a "// after PASS" line when
 * dump_after names the pass or is "all". */
void pass_dump(const char *dump_after, FILE *out, IrCtx *c, const char *pass, const Func *f);

/* What the CPU backend runs, in order: parallel_mark, storage_flatten,
 * stride_specialize, guard_sink. */
extern const PassList pass_list_cpu;

/* The passes (one file each). */
bool pass_parallel_mark(IrCtx *c, Func *f, const PassOpts *o);
bool pass_storage_flatten(IrCtx *c, Func *f, const PassOpts *o);
bool pass_stride_specialize(IrCtx *c, Func *f, const PassOpts *o);
bool pass_guard_sink(IrCtx *c, Func *f, const PassOpts *o);

/* parallel_mark's legality test, for one loop: every buffer the body
 * writes (and does not allocate) is indexed by the loop variable alone in
 * one fixed dimension, by every access in the body. */
bool pass_parallel_safe(const Stmt *loop);

#endif
