/* What the scheduler needs to know about a target: its memory scopes, the
 * operation tensorize maps onto, whether the compiler applies its loop
 * schedules yet and has an automatic schedule for it. The one place in
 * compiler/sched that names targets; the Target table (issue 10) replaces
 * it. */
#ifndef TK_SCHED_TARGET_FACTS_H
#define TK_SCHED_TARGET_FACTS_H

#include <stdbool.h>

#include "compiler/ir.h"

typedef struct SchedScope {
    const char *name;
    MemScope    scope;
} SchedScope;

typedef struct SchedTarget {
    const char       *name;
    const SchedScope *scopes;          /* ends with a NULL name */
    const char       *tensorize_op;    /* "gemm", "mmad" */
    bool              applies_loop_schedules; /* a backend consumes its scheduled loop IR */
    bool              has_auto_schedule;
} SchedTarget;

/* Every target, ending with a NULL name. */
const SchedTarget *sched_targets(void);
/* The target called `name`, or NULL. */
const SchedTarget *sched_target(const char *name);
/* Its scope called `name`, or NULL. */
const SchedScope *sched_target_scope(const SchedTarget *t, const char *name);

#endif
