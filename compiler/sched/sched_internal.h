/* State shared by the schedule primitives: the stage and loop tables that
 * map source names to LoopIds, the trace, and IR helpers (find a loop,
 * replace it, substitute a variable, which buffers a statement touches). */
#ifndef TK_SCHED_INTERNAL_H
#define TK_SCHED_INTERNAL_H

#include <string.h>

#include "compiler/sched/sched.h"

typedef struct SchedLoop {
    const char *name;
    LoopId      id;
    int32_t     stage;
    bool        reduction;
    bool        live;
    const char *gone;        /* why it no longer exists ("split", "fused", ...) */
    SrcSpan     gone_at;
    SrcSpan     loc;         /* where it came from (the source variable or directive) */
    /* The outer loop of a split with a shifted last tile: `shift_base`
     * (min(vo * f, E - f)) becomes `plain_base` (vo * f) plus `guard` if the
     * loop is parallelized, so that no two threads write one element. */
    Expr       *shift_base, *plain_base, *guard;
    LoopId      shift_inner;
    /* The copy of this loop in the reduction's separate initialization nest
     * (made by a reorder across the init, or by rfactor): parallel, unroll
     * and vectorize apply to it as well. 0 when none. */
    LoopId      twin;
} SchedLoop;

/* Stages the schedule makes (not in KernelInfo). */
typedef enum { MADE_NONE, MADE_RFACTOR, MADE_CACHE_READ, MADE_CACHE_WRITE } SchedMade;

typedef struct SchedStage {
    const char *name;
    int32_t     si;          /* index into KernelInfo.stages, or -1 for a made stage */
    IrBuffer   *buf;         /* its buffer now (compute_at makes a new one) */
    const char *placed;      /* "compute_at", "compute_inline", "compute_root", or NULL */
    SrcSpan     placed_at;
    /* Made stages: what made them, their pure loop variables (outermost
     * first; the default nest compute_at restricts), and for caches the
     * cached buffer, the scope, whether the cache exists in the IR yet
     * (a cache_read is materialized when it is placed) and double buffering. */
    SchedMade   made;
    IrVar     **vars;
    uint32_t    rank;
    IrBuffer   *src;
    MemScope    scope;
    bool        pending, double_buf;
    LoopId      at_loop;     /* the loop compute_at placed it at, or 0 */
    SrcSpan     made_at, double_buf_at;
} SchedStage;

typedef struct TraceLine {
    const char *text;
    int         depth;       /* 0 top level, 1 inside specialize */
} TraceLine;

struct Trace {
    const char *kernel, *target;
    VEC(TraceLine) lines;
};

struct Sched {
    IrCtx         *c;
    KernelInfo    *k;
    Func          *f;
    const char    *target;
    DiagSink      *diags;
    VEC(SchedStage) stages;
    VEC(SchedLoop)  loops;
    VEC(IrVar *)    pro_vars;   /* prologue: let var = value (factors) */
    VEC(Expr *)     pro_vals;
    VEC(Stmt *)     pro_checks; /* prologue asserts */
    Trace          *trace;
    int             depth;      /* trace nesting */
    int             quiet;      /* > 0 inside a composite primitive: no trace */
};

/* Trace a directive (printf-style, no trailing ';'). */
void sched_record(Sched *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *sched_factor_text(Sched *s, SchedFactor f);

/* Loop table. */
SchedLoop *sched_loop_rec(Sched *s, LoopId id);
LoopId     sched_add_loop(Sched *s, int32_t stage, const char *name, bool reduction);
void       sched_retire(Sched *s, LoopId id, const char *why, SrcSpan at);
/* An error at the directive with a note at the loop's source location. */
Diag *sched_error(Sched *s, SrcSpan at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
Diag *sched_error_loop(Sched *s, SrcSpan at, LoopId id, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Stores in st to buffers not allocated inside st whose indices do not
 * use v: the first such buffer, or NULL (iterations of v write apart). */
const IrBuffer *sched_shared_write(Stmt *st, const IrVar *v);
/* st loads a buffer it also stores to (not counting buffers it allocates). */
bool sched_reads_what_it_writes(Stmt *st);

/* The Sym of the k-th pure loop variable of a stage (kernel or made). */
const Sym *sched_stage_var(Sched *s, int32_t stage, uint32_t k);
uint32_t   sched_stage_rank(Sched *s, int32_t stage);
/* Adds a made stage; returns its index. */
int32_t    sched_add_stage(Sched *s, const char *name, SchedMade made, IrBuffer *buf, SrcSpan at);
/* st with every For given a fresh LoopId; each new id is recorded as the
 * twin of the old one when `twins` is set. */
Stmt      *sched_fresh_ids(Sched *s, Stmt *st, bool twins);
/* Moves the live loops of `from` found in st to stage `to` (same names,
 * new LoopIds in the IR); returns the rewritten st. */
Stmt      *sched_move_loops(Sched *s, Stmt *st, int32_t from, int32_t to, const char *why, SrcSpan at);
/* The statements from root to the loop `id` (root first, the loop last);
 * returns the count, 0 if not found. */
uint32_t   sched_path(Stmt *root, LoopId id, Stmt **out, uint32_t max);
/* Materializes pending caches at the root and checks double buffers (the
 * end of sched_apply's directives); false after an error. */
bool       sched_settle(Sched *s);

/* The producer's statements at the top level: [first, last] of the body's
 * sequence, with the indices of its alloc and free (or -1). */
typedef struct RootNest {
    Stmt   **top;
    uint32_t ntop;
    int32_t  first, last, alloc, free_;
} RootNest;
bool sched_root_nest(Sched *s, SchedStage *p, RootNest *r);
/* Frees at the top level go right after the last statement using their buffer. */
void sched_fix_frees(Sched *s);
/* A pending cache_read made real: loads of its source inside `loop` (NULL:
 * everywhere) read the cache, copied at the root before its first use. */
bool sched_cache_materialize(Sched *s, int32_t cache, Stmt *loop, SrcSpan at);
/* Double-buffers a cache placed at a loop (cache.c). */
bool sched_double_buffer_at(Sched *s, int32_t cache, SrcSpan at);

/* IR helpers. */
Stmt  *sched_find_for(Stmt *root, LoopId id);
/* Replaces the loop `id` in s->f->body by fn(old); false when not found. */
bool   sched_replace_for(Sched *s, LoopId id, Stmt *(*fn)(Sched *, Stmt *, void *), void *ud);
/* Replaces the statement `old` (by pointer) by `by` in s->f->body. */
void   sched_replace_stmt(Sched *s, Stmt *old, Stmt *by);
uint32_t sched_count_loads(Stmt *st, const IrBuffer *b);
bool   sched_stores_to(Stmt *st, const IrBuffer *b);
/* A fresh i64 loop variable with a Sym ranging over [lo, hi] (NULL = open). */
IrVar *sched_loop_var(Sched *s, const char *name, Sym *lo, Sym *hi);
/* Integer expression helpers over Syms: simplified IR for a Sym. */
Expr  *sched_from_sym(Sched *s, Sym *e, SrcSpan at);
Sym   *sched_to_sym(Sched *s, Expr *e);

#endif
