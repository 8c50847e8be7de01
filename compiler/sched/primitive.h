/* Schedule primitives, declared once (docs/schedules.md, "Adding a
 * primitive"). A SchedPrimitive row gives a primitive's name, its arguments
 * and their kinds, its usage text, what stage it makes and its handler. The
 * checker (check.c) reads the rows to turn each directive of a schedule into
 * a SchedDirective with its receiver and arguments resolved and typed, and
 * orders the directives by their dependencies; the applier (apply.c) runs
 * them through the handlers. */
#ifndef TK_SCHED_PRIMITIVE_H
#define TK_SCHED_PRIMITIVE_H

#include "compiler/sched/sched.h"

typedef struct SchedTarget SchedTarget;

/* Argument kinds. Loops are resolved when the directive applies, against
 * the loop table the earlier directives left (one loop model: Sched's). */
typedef enum {
    SA_END,        /* ends an argument list */
    SA_LOOP,       /* a live loop of the receiver */
    SA_NEW_LOOP,   /* a fresh loop name for the receiver */
    SA_FACTOR,     /* a positive literal, an integer scalar parameter, or auto */
    SA_COUNT,      /* a positive integer literal (vector width, unroll factor) */
    SA_SCOPE,      /* a memory scope of the target */
    SA_STAGE,      /* another stage of the kernel (compute_at's consumer) */
    SA_STAGE_LOOP, /* a live loop of the stage named by the previous argument */
    SA_OP,         /* the target's tensorize operation */
} SchedArgKind;

enum { SCHED_MAX_ARGS = 16 };

typedef struct SchedArg {
    SchedArgKind kind;
    SrcSpan      span;
    const char  *name;     /* loops, new loops, stages, ops */
    SchedFactor  factor;   /* SA_FACTOR */
    int64_t      count;    /* SA_COUNT */
    MemScope     scope;    /* SA_SCOPE */
    int32_t      ref;      /* SA_STAGE: index into SchedPlan.refs */
    LoopId       loop;     /* SA_LOOP, SA_STAGE_LOOP: set when the directive applies */
} SchedArg;

/* What a primitive does to stages, which decides when it applies (check.c,
 * "order"): loop directives and placements of a stage run with it, after
 * its consumers; the stages a schedule makes run after what they depend on. */
typedef enum {
    SP_LOOPS,       /* rewrites the receiver's loops */
    SP_PLACEMENT,   /* decides where the receiver is computed: before its loop directives */
    SP_CACHE_READ,  /* makes a cache of the receiver (an input or a stage) */
    SP_CACHE_WRITE, /* makes a cache the receiver is computed into: before its loop directives */
    SP_RFACTOR,     /* makes a stage of partial results of the receiver */
} SchedRole;

typedef struct SchedDirective SchedDirective;
typedef struct SchedCheck SchedCheck;

typedef struct SchedPrimitive {
    const char  *name;
    const char  *usage;
    SchedArgKind args[SCHED_MAX_ARGS + 1]; /* kinds in order, SA_END-terminated */
    uint8_t      min_args;     /* later arguments are optional */
    bool         variadic;     /* the last kind repeats up to SCHED_MAX_ARGS */
    SchedRole    role;
    /* Structural checks beyond the argument kinds (optional): false after
     * a diagnostic. */
    bool (*check)(SchedCheck *c, const SchedDirective *d);
    /* Applies the directive: false after a diagnostic at d->at. */
    bool (*apply)(Sched *s, SchedDirective *d);
} SchedPrimitive;

/* A list of primitives; `next` chains another (a test adds its own to the
 * built-in ones without changing them). */
typedef struct SchedPrimitiveSet {
    const SchedPrimitive           *v;
    size_t                          n;
    const struct SchedPrimitiveSet *next;
} SchedPrimitiveSet;

extern const SchedPrimitiveSet sched_builtin_primitives;

/* The receiver of a directive as the checker knows it: a kernel stage, an
 * input, or a stage made by an earlier directive. */
typedef struct SchedStageRef {
    const char *name;
    int32_t     stage;    /* index into KernelInfo.stages, or -1 */
    int32_t     input;    /* index into KernelInfo.params for an input, or -1 */
    int32_t     maker;    /* the directive that makes it, or -1 */
} SchedStageRef;

/* One directive, typed. */
struct SchedDirective {
    const SchedPrimitive *prim;
    SrcSpan      at;        /* the primitive's name */
    int32_t      recv;      /* index into SchedPlan.refs */
    int32_t      makes;     /* the ref it makes, or -1 */
    const char  *recv_name;
    const char  *made_name;
    SchedArg     args[SCHED_MAX_ARGS];
    uint32_t     nargs;
    int          depth;     /* 1 inside a specialize block */
    int32_t      spec;      /* the specialize block (index into the schedule's statements), or -1 */
    int32_t      stage;     /* the receiver's index in Sched's stage table, set when it applies */
    int32_t      made;      /* the stage it made, set when it applies */
};

/* A checked schedule: its directives in the order they apply. */
typedef struct SchedPlan {
    const struct Target *target;
    VEC(SchedStageRef)  refs;
    VEC(SchedDirective) dirs;     /* in application order */
} SchedPlan;

/* The checker's state (check.c), passed to a primitive's check hook. */
struct SchedCheck {
    DiagSink          *diags;
    Arena             *a;
    KernelInfo        *k;
    AstSchedule       *sc;
    const SchedPrimitiveSet *prims;
    SchedPlan         *plan;
};

/* Checks a schedule and orders its directives; NULL after diagnostics. */
SchedPlan *sched_check_schedule(Arena *a, DiagSink *diags, KernelInfo *k, AstSchedule *sc,
                                const SchedPrimitiveSet *prims);
/* Applies a kernel's schedule with the given primitives (sched_apply uses
 * the built-in ones). */
Func *sched_apply_with(IrCtx *c, KernelInfo *k, Func *f, const char *target, const SchedPrimitiveSet *prims,
                       Trace **trace);

/* For check hooks: the receiver, and the kernel stage of a ref (or NULL). */
const SchedStageRef *sched_check_recv(SchedCheck *c, const SchedDirective *d);
StageInfo           *sched_check_stage(SchedCheck *c, const SchedStageRef *r);

#endif
