/* Simulator internals shared by the scalar walk, the cycle model, the
 * functional units and the sanitizer. Not part of the public API. */
#ifndef TK_NPU_SIM_H
#define TK_NPU_SIM_H

#include "backend-npu/isa.h"

/* One memory (a local scope of the current core, or a GM tensor) with its
 * sanitizer shadow, one entry per byte. */
typedef struct Region {
    uint8_t  *data;
    uint8_t  *init;     /* byte written or provided by the host */
    uint32_t *w;        /* last writer: dynamic index + 1 (this core) */
    uint32_t *r;        /* last reader per pipe: dynamic index + 1, [byte * NPU_NPIPE + pipe] */
    int32_t  *core;     /* GM: core that wrote the byte + 1 */
    uint64_t  size;
    uint64_t  hw;       /* highest byte touched + 1 */
    const char *name;
} Region;

/* One executed instance of a static instruction on the current core. */
typedef struct Dyn {
    uint32_t sidx;
    uint8_t  pipe;
    uint32_t qnext;     /* next dynamic instruction queued on the same pipe + 1, 0 = none */
    uint64_t avail;     /* cycle it reached its pipe's queue */
    uint32_t epoch;     /* 1-based position on its pipe (vector clock entry) */
    uint32_t svc;       /* S vector-clock snapshot at dispatch */
    uint32_t pre;       /* scalar cycles spent before this instruction */
    int64_t  addr[4];   /* resolved byte offsets */
    int64_t  ev;        /* resolved event id */
    int64_t *p;         /* resolved parameters when any was a register */
    double   scalar;
} Dyn;

typedef struct FlagEnt { uint64_t fire; uint32_t dyn, vc, next; } FlagEnt;

typedef struct TraceEv { uint32_t block, sidx; uint8_t pipe; uint64_t start, end; } TraceEv;

typedef struct WalkFrame { uint32_t top; int64_t end, step; } WalkFrame;

/* The scalar unit's state between instructions: it runs ahead of the pipes
 * one dispatched instruction at a time (walk_next), so a scalar load sees UB
 * as the pipes left it. */
typedef struct Walk {
    int64_t   regs[NPU_NREG];
    WalkFrame fr[64];
    int       depth;
    uint32_t  pc;
    uint32_t  pre;      /* scalar cycles since the last recorded instruction */
    bool      done;     /* reached the end of the program */
    bool      failed;   /* stopped by an error */
} Walk;

struct NpuSim {
    NpuProfile        prof;
    const NpuProgram *prog;
    Arena             a;          /* error messages, resolved parameters */
    Region           *gm;         /* one per .gm tensor */
    Region            loc[NPU_NSCOPE];
    Dyn              *dyn;
    uint32_t          ndyn, capdyn;
    uint32_t          core, block;  /* physical core, block_idx */
    uint32_t          block_dim;
    bool              cube_kernel;  /* split profiles: the program runs on cube (AIC) cores */
    uint32_t          cur;          /* dynamic instruction being executed */
    Walk              w;
    uint32_t          vc[NPU_NPIPE][NPU_NPIPE];
    uint32_t          vbar[NPU_NPIPE];   /* each pipe's epoch known complete (pipe_barrier, flags) */
    uint32_t          s_released;        /* pipe s epoch ordered before all pipes (pipe_barrier all) */
    uint32_t         (*snap)[NPU_NPIPE]; /* vector-clock snapshots */
    uint32_t          nsnap, capsnap;
    FlagEnt          *fl;           /* flag queue entries */
    uint32_t          nfl, capfl;
    uint32_t         *fhead, *ftail;  /* per (src, dst, event) queue, 0 = empty */
    VEC(NpuError)     errs;
    uint32_t         *reported;     /* per static instruction: check kinds already reported */
    uint32_t          max_errors;
    bool              trace_on, traced;
    TraceEv          *tr;
    size_t            ntr, captr;
    NpuReport         rep;
    uint64_t          core_time;
    uint64_t          block_start;  /* cycle the block starts on its core (blocks beyond the cores run in waves) */
    uint32_t         *block_core;   /* trace: core of each traced block */
};

/* sim.c */
void  sim_error(NpuSim *s, NpuCheck kind, uint32_t dyn, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
bool  sim_too_many(const NpuSim *s);
uint32_t sim_snapshot(NpuSim *s, const uint32_t vc[NPU_NPIPE]);
/* walk.c: the scalar unit. walk_start resets it for a block; walk_next runs
 * scalar ALU and loop instructions up to the next instruction for a pipe
 * (or a scalar memory/sync instruction), appends it to s->dyn and returns
 * true; false at the end of the program (w.done) or after an error (w.failed). */
void  walk_start(NpuSim *s);
bool  walk_next(NpuSim *s);
/* exec_scalar.c: ld/st of one UB element on PIPE_S. */
uint64_t exec_scalar_mem(NpuSim *s, Dyn *d);
/* timing.c: per-pipe cycle model, executes each instruction at its start. */
void  time_core(NpuSim *s);
/* check.c */
Region  *region_of(NpuSim *s, const NpuAddr *a);
int64_t  dyn_param(const NpuSim *s, const Dyn *d, NpuParam p);
bool     check_param(NpuSim *s, const Dyn *d, NpuParam p, int64_t v, int64_t lo, int64_t hi);
bool     check_range(NpuSim *s, const Dyn *d, int k, int64_t lo, int64_t hi);
/* need = 0: the scope's alignment from the profile. */
bool     check_align(NpuSim *s, const Dyn *d, int k, uint32_t need);
/* Sanitizer hook for every byte range an instruction touches; returns the
 * bytes (already range-checked by the caller). */
uint8_t *acc(NpuSim *s, Region *r, int64_t off, uint32_t n, bool write);
/* exec_vec.c / exec_move.c / exec_cube.c: functional semantics; each returns
 * the instruction's cost in cycles. */
uint64_t exec_vector(NpuSim *s, Dyn *d);
uint64_t exec_dma(NpuSim *s, Dyn *d);
uint64_t exec_load2d(NpuSim *s, Dyn *d);
uint64_t exec_mmad(NpuSim *s, Dyn *d);
uint64_t exec_fixpipe(NpuSim *s, Dyn *d);
/* exec_move.c: cost of moving `bytes` over a path on a pipe (counted in the report). */
uint64_t move_cost(NpuSim *s, int path, int pipe, uint64_t bytes);
/* The same for `nburst` bursts that touch `blocks` 32-byte blocks in all. */
uint64_t move_cost_bursts(NpuSim *s, int path, int pipe, uint64_t bytes, uint64_t blocks, uint64_t nburst);
/* Path of a move, or -1 when no path joins the scopes. */
int      move_path(NpuScope from, NpuScope to);
/* The pipe an instruction runs on, or -1 (error reported) when the profile lacks it. */
int      instr_pipe(NpuSim *s, const NpuInstr *in, uint32_t dyn);

static inline const NpuInstr *sinstr(const NpuSim *s, const Dyn *d) { return &s->prog->ins.v[d->sidx]; }
static inline uint64_t ceil_div(uint64_t a, uint64_t b) { return b ? (a + b - 1) / b : 0; }

#endif
