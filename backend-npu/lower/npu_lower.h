/* Loop IR -> NPU programs (docs/npu.md, "Lowering").
 *
 * Two halves, as TBE splits an operator into its compile-time schedule and
 * a host-side tiling function:
 *   plan.c     at compile time, the kernel's loop IR (the default
 *              schedule: one loop nest per stage) becomes an NpuPlan: the
 *              row steps every core runs for each row it owns, over
 *              expressions whose leaves are row vectors, column vectors,
 *              per-row scalars and launch-time uniforms. Elementwise
 *              intermediates are inlined into their consumers; reduction
 *              results stay in UB as per-row slots.
 *   codegen.c  at launch, with the shapes known, the tiling function picks
 *              the UB tile and the block split, and emits the program:
 *              DMA in 32-byte bursts, vector instructions with repeats and
 *              masks, reduce instructions, ping-pong buffers and every
 *              set_flag / wait_flag / pipe_barrier.
 *   run.c      binds the tensors into GM, runs the simulator, copies the
 *              outputs back. */
#ifndef TK_NPU_LOWER_H
#define TK_NPU_LOWER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "backend-npu/npu.h"
#include "compiler/launch/launch.h"
#include "support/arena.h"
#include "support/dtype.h"
#include "support/srcmap.h"

typedef struct Func Func;
typedef struct IrCtx IrCtx;

/* ---- the plan --------------------------------------------------------------- */

typedef enum VxKind {
    VX_CONST,    /* c */
    VX_DIM,      /* launch-time shape symbol: Func.dims[idx] */
    VX_SCALAR,   /* scalar parameter: kernel argument idx */
    VX_ROWVEC,   /* tensor idx at [row, col] (1-D kernels: [col]) */
    VX_COLVEC,   /* tensor idx at [col], the same for every row */
    VX_ROWSCAL,  /* tensor idx at [row]: one value per row */
    VX_SLOT,     /* per-row slot idx, computed by an earlier step */
    VX_BIN,      /* op: BinOp (ADD SUB MUL DIV MAX MIN) */
    VX_CALL,     /* op: intrinsic (EXP LOG SQRT RSQRT ABS SIGMOID) */
    VX_CAST,     /* to ty */
} VxKind;

typedef struct Vx {
    VxKind     kind;
    DType      ty;
    int        op;
    uint32_t   idx;
    double     c;
    struct Vx *a, *b;
    SrcSpan    loc;
} Vx;

typedef enum StepKind {
    STEP_REDUCE,    /* slot = reduce(op, init, e over the row's columns) */
    STEP_SCALAR,    /* slot = e (per-row scalars only) */
    STEP_VEC_OUT,   /* tensor[row, cols] = e */
    STEP_SCAL_OUT,  /* tensor[row] = slot */
} StepKind;

typedef struct Step {
    StepKind kind;
    uint32_t slot, tensor;
    int      redop;     /* REDUCE: BOP_ADD, BOP_MAX, BOP_MIN */
    double   init;
    Vx      *e;
    DType    ty;        /* the value's element type */
    SrcSpan  loc;       /* the .tk line it comes from */
} Step;

typedef struct NpuTensor {
    const char *name;
    DType       ty;
    uint32_t    arg;     /* Func.args index */
    uint32_t    rank;
    bool        output;
} NpuTensor;

typedef struct NpuPlan {
    Arena       a;
    const char *name;
    SrcSpan     loc;
    NpuTensor  *t;
    uint32_t    nt;
    uint32_t    nargs, ninputs;
    bool        two_d;        /* rows x cols; else one row of cols */
    Vx         *rows, *cols;  /* extents (uniform); rows NULL when !two_d */
    Step       *steps;
    uint32_t    nsteps, nslots;
    DType      *slot_ty;
    uint32_t    ndims;
    uint32_t   *dim_arg, *dim_axis;  /* where Func.dims[i] comes from */
} NpuPlan;

/* The plan of f, or NULL after a diagnostic at what cannot be lowered. */
NpuPlan *npu_plan_build(IrCtx *c, const Func *f);
void     npu_plan_free(NpuPlan *p);

/* ---- codegen (the tiling function and the emitter) ------------------------- */

typedef struct NpuTiling {
    uint32_t block_dim;       /* cores used */
    int64_t  rows_per_block;  /* 2-D: rows a core owns; 1-D: columns */
    int64_t  tile;            /* elements per UB tile */
    uint32_t slots;           /* 2: double buffered */
    uint64_t ub_bytes;        /* UB the program uses */
} NpuTiling;

typedef struct NpuGenOpts {
    bool     single_buffer;   /* no ping-pong (for the double-buffering property) */
    int64_t  max_tile;        /* 0: as large as fits */
    uint32_t max_blocks;      /* 0: every core of the profile */
} NpuGenOpts;

/* The program for these dims and scalars, or NULL with a message in err. */
/* The program for these dims (per Func.dims), scalars (per Func.args) and
 * element counts of the plan's tensors, or NULL with a message in err. */
NpuProgram *npu_codegen(const NpuPlan *p, const NpuProfile *prof, Arena *a, const int64_t *dims,
                        const double *scalars, const int64_t *counts, const NpuGenOpts *o, NpuTiling *tl, char *err,
                        size_t nerr);
/* Elements a GM tensor of `count` elements is declared with: room for the
 * whole bursts and per-group stores that run past its end. */
uint64_t npu_gm_count(int64_t count);

/* ---- the kernel a launch runs ------------------------------------------------ */

typedef struct NpuRunOpts {
    const char *profile;      /* NULL: ascend910b */
    NpuGenOpts  gen;
    FILE       *report;       /* print the simulator's report here */
    FILE       *trace;        /* write the Chrome trace here */
    FILE       *program;      /* print the program here */
} NpuRunOpts;

typedef struct NpuRunResult {
    NpuReport report;
    NpuTiling tiling;
    size_t    sanitizer_errors;
} NpuRunResult;

/* Compiles k (its npu schedule is not applied yet: the automatic one) to a
 * plan; NULL with the first diagnostic in err. */
NpuPlan *npu_compile(const SrcMap *files, KernelInfo *k, char *err, size_t nerr);
/* Binds la (validated by launch_prepare into b), runs the simulator, copies
 * the outputs back. False with a message in err. */
bool npu_run(const NpuPlan *p, const KernelInfo *k, const LaunchArgs *la, const Binding *b, const NpuRunOpts *o,
             NpuRunResult *res, char *err, size_t nerr);

#endif
