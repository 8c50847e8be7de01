/* The compilation pipeline from a checked kernel to loop IR. */
#ifndef TK_PIPELINE_H
#define TK_PIPELINE_H

#include <stdio.h>

#include "compiler/lower/lower.h"
#include "compiler/passes/pass.h"
#include "compiler/sched/sched.h"

typedef struct PipelineOpts {
    InstKey     key;         /* instantiation of a generic kernel */
    bool        verify;      /* ir_verify after every pass (always on in tests) */
    const char *dump_after;  /* a pass name or "all": print the IR after it */
    FILE       *dump;        /* where dumps go (stderr when NULL) */
    const char *target;      /* apply the kernel's schedule for "cpu" or "npu"; NULL: default schedule */
    Trace     **trace;       /* when set, receives the applied schedule (docs/schedules.md) */
    bool        auto_schedule; /* a kernel without a schedule for target gets sched_auto's */
    uint32_t    vector_bits;   /* for the automatic schedule: the target's widest vector (0: 256) */
    const PassList *passes;    /* the target's loop-IR passes after the schedule (NULL: none) */
    PassOpts    pass_opts;     /* their options; verify and dumps are taken from the fields above */
} PipelineOpts;

/* Lowers kernel k and runs the loop-IR passes in order. NULL after a
 * diagnostic in c->diags. */
Func *pipeline_run(IrCtx *c, KernelInfo *k, const PipelineOpts *o);

#endif
