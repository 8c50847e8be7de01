/* What the parts of the automatic schedule share (auto.c, auto_conv.c):
 * transactions over the scheduler's state and the live loops of a stage. */
#ifndef TK_SCHED_AUTO_INTERNAL_H
#define TK_SCHED_AUTO_INTERNAL_H

#include "compiler/sched/sched_internal.h"

/* A transaction: the scheduler's state when it began, and a scratch sink
 * for the diagnostics of the steps tried. */
typedef struct Snapshot {
    Stmt       *body;
    SchedLoop  *loops;
    uint32_t    nloops;
    SchedStage *stages;
    uint32_t    npro_vars, npro_vals, npro_checks, nlines;
    DiagSink   *diags;
    DiagSink    scratch;
} Snapshot;

/* The live loops of a stage in nest order (outermost first). */
typedef struct StageLoops {
    Visitor  v;
    Sched   *s;
    int32_t  stage;
    Stmt    *loop[16];
    uint32_t n;
} StageLoops;

void auto_begin(Sched *s, Snapshot *t);
/* Kept when ok (and nothing was reported), else rolled back; returns which. */
bool auto_end(Sched *s, Snapshot *t, bool ok);
void auto_stage_loops(Sched *s, int32_t stage, StageLoops *out);
bool auto_is_reduction_loop(Sched *s, Stmt *loop);

/* auto_conv.c: a convolution-like stage (pure loops, then reduction
 * loops; one pure loop indexes the first operand of the product only, the
 * innermost the second) as register tiles computed by tensorize(gemm). */
bool auto_conv(Sched *s, int32_t st, uint32_t w, SrcSpan at);

#endif
