/* Public C API of TK's NPU machine model: chip profiles, NPU programs (built
 * through this API or parsed from assembly) and the simulator that runs them
 * functionally, times them per pipe and checks them like msSanitizer. */
#ifndef TK_NPU_H
#define TK_NPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "support/arena.h"
#include "support/diag.h"
#include "support/mem_scope.h"
#include "support/vec.h"

/* ---- machine vocabulary ---------------------------------------------- */

/* The AI core's memories: the first six memory scopes (support/mem_scope.h),
 * named in assembly by their short names. */
typedef enum {
    NPU_GM = SCOPE_GLOBAL, NPU_L1 = SCOPE_L1, NPU_UB = SCOPE_UB, NPU_L0A = SCOPE_L0A, NPU_L0B = SCOPE_L0B,
    NPU_L0C = SCOPE_L0C, NPU_NSCOPE
} NpuScope;

typedef enum {
    NPU_PIPE_S, NPU_PIPE_V, NPU_PIPE_M, NPU_PIPE_MTE1, NPU_PIPE_MTE2, NPU_PIPE_MTE3, NPU_PIPE_FIX,
    NPU_NPIPE,
    NPU_PIPE_ALL = NPU_NPIPE /* only as the operand of pipe_barrier */
} NpuPipe;

/* Data paths with a bandwidth in the profile: ID, profile key, from, to. */
#define NPU_PATHS(X)                      \
    X(GM_L1,  "gm_l1",  NPU_GM,  NPU_L1)  \
    X(GM_UB,  "gm_ub",  NPU_GM,  NPU_UB)  \
    X(GM_L0A, "gm_l0a", NPU_GM,  NPU_L0A) \
    X(GM_L0B, "gm_l0b", NPU_GM,  NPU_L0B) \
    X(UB_GM,  "ub_gm",  NPU_UB,  NPU_GM)  \
    X(UB_L1,  "ub_l1",  NPU_UB,  NPU_L1)  \
    X(UB_UB,  "ub_ub",  NPU_UB,  NPU_UB)  \
    X(L1_UB,  "l1_ub",  NPU_L1,  NPU_UB)  \
    X(L1_L0A, "l1_l0a", NPU_L1,  NPU_L0A) \
    X(L1_L0B, "l1_l0b", NPU_L1,  NPU_L0B) \
    X(L0C_UB, "l0c_ub", NPU_L0C, NPU_UB)  \
    X(L0C_GM, "l0c_gm", NPU_L0C, NPU_GM)  \
    X(L0C_L1, "l0c_l1", NPU_L0C, NPU_L1)
typedef enum {
#define X(id, key, from, to) NPU_PATH_##id,
    NPU_PATHS(X)
#undef X
    NPU_NPATH
} NpuPath;

/* Element types: ID, suffix, size in bytes. */
#define NPU_DTYPES(X) \
    X(F16, "f16", 2) X(F32, "f32", 4) X(BF16, "bf16", 2) X(I32, "i32", 4) \
    X(I16, "i16", 2) X(I8, "i8", 1) X(U8, "u8", 1)
typedef enum {
    NPU_DT_NONE,
#define X(id, s, sz) NPU_DT_##id,
    NPU_DTYPES(X)
#undef X
    NPU_NDTYPE
} NpuDtype;
#define NPU_DT(id) (1u << NPU_DT_##id)

/* Vector cost classes (profile keys vec.<name>). */
#define NPU_VCLASSES(X) X(SIMPLE, "simple") X(SPECIAL, "special") X(REDUCE, "reduce") \
                        X(CONV, "conv") X(CMP, "cmp")
typedef enum {
    NPU_VC_NONE,
#define X(id, s) NPU_VC_##id,
    NPU_VCLASSES(X)
#undef X
    NPU_NVCLASS
} NpuVecClass;

/* ---- chip profiles ----------------------------------------------------- */

typedef struct NpuProfile {
    char     name[32];
    bool     split;            /* cube (AIC) and vector (AIV) cores separate */
    uint32_t cores;            /* coupled: AI cores */
    uint32_t cube_cores, vector_cores; /* split */
    double   clock_mhz;
    uint32_t event_ids;        /* event ids per (src, dst) pipe pair */
    bool     fixpipe;          /* has PIPE_FIX (L0C -> GM/L1) */
    uint64_t mem_size[NPU_NSCOPE];
    uint32_t mem_align[NPU_NSCOPE];
    double   bw[NPU_NPATH];    /* bytes per cycle per core; 0 = no such path */
    uint32_t lat[NPU_NPIPE];   /* fixed start-up latency of a move on this pipe */
    uint32_t dispatch;         /* scalar cycles to issue one instruction to a pipe */
    uint32_t scalar;           /* cycles per scalar ALU / loop instruction */
    uint32_t sync;             /* cycles of set_flag / wait_flag / pipe_barrier */
    uint32_t burst;            /* cycles per DMA burst after the first */
    uint32_t vec_issue;        /* vector start-up cycles */
    uint32_t vec_repeat[NPU_NVCLASS]; /* cycles per repeat by class */
    uint32_t mmad_issue;       /* cube start-up cycles */
    uint32_t mmad_fractal;     /* cycles per 16x16x16 fractal */
} NpuProfile;

/* Parses profile text (format in docs/npu.md); errors go to `diags` with
 * line:col in `file`. */
bool npu_profile_parse(NpuProfile *p, const char *text, size_t len, uint32_t file, DiagSink *diags);
/* Finds a profile by name: built-in ones first, then NAME.profile in each
 * directory of `search_path` (colon separated, may be NULL), or a path to a
 * .profile file. False with a message in err when not found or invalid. */
bool npu_profile_load(NpuProfile *p, const char *name, const char *search_path,
                      char *err, size_t errsize);
/* Built-in profile names and texts (NULL past the end). */
const char *npu_profile_builtin_name(size_t i);
const char *npu_profile_builtin_text(const char *name);

/* ---- programs ------------------------------------------------------------ */

#define NPU_P(id) (1u << NPU_PARAM_##id)
#include "backend-npu/isa_enums.h"

typedef enum { NPU_REG_NONE = -1 } NpuRegNone;
#define NPU_NREG 32

/* A scalar operand: register when reg >= 0, else the immediate. */
typedef struct NpuVal { int8_t reg; int64_t imm; } NpuVal;
/* A float operand of vadds/vdup: register (its integer value) or immediate. */
typedef struct NpuScalar { int8_t reg; double imm; } NpuScalar;
/* A memory operand SCOPE[reg + off]; for GM, `gm` indexes NpuProgram.gm. */
typedef struct NpuAddr { uint8_t scope; int16_t gm; int8_t reg; int64_t off; } NpuAddr;
/* Lane mask: continuous (`count` leading lanes, 0 = all) or bitwise (hi:lo). */
typedef struct NpuMask { bool bitwise; uint32_t count; uint64_t hi, lo; } NpuMask;

typedef struct NpuInstr {
    NpuOp     op;
    NpuDtype  dt, dt2;      /* element type; vconv: dt = destination, dt2 = source */
    int8_t    rd;           /* scalar destination register */
    NpuVal    v[3];         /* scalar sources; flags: v[0] = event id */
    NpuPipe   pipe[2];      /* flags: source, destination; barrier: pipe[0] */
    NpuAddr   a[4];         /* memory operands: dst, src0, src1, select mask */
    NpuScalar s;            /* vadds/vmuls/vmaxs/vmins/vdup scalar */
    NpuMask   mask;
    NpuVal    p[NPU_NPARAM];
    uint32_t  line, col;    /* source position, 0 when built through the API */
    uint32_t  match;        /* loop <-> endloop partner index */
} NpuInstr;

typedef struct NpuGmDecl { const char *name; NpuDtype dt; uint64_t count; } NpuGmDecl;

typedef struct NpuProgram {
    Arena *a;
    VEC(NpuInstr) ins;
    VEC(NpuGmDecl) gm;
    uint32_t block_dim;     /* default core count (.block_dim), 1 if unset */
    uint32_t file;          /* SrcMap file id of the assembly text, 0 if built */
} NpuProgram;

/* Builder API: what the backend uses instead of text. */
NpuProgram *npu_program_new(Arena *a);
int      npu_program_add_gm(NpuProgram *p, const char *name, NpuDtype dt, uint64_t count);
int      npu_program_find_gm(const NpuProgram *p, const char *name, size_t len);
/* Appends an instruction with every parameter at its default; NULL when
 * out of memory (the arena's oom flag is set). Some defaults depend on the
 * element types (vconv's narrower side), so give them with npu_emit_typed;
 * npu_emit(p, op) is npu_emit_typed(p, op, NPU_DT_NONE, NPU_DT_NONE). */
NpuInstr *npu_emit(NpuProgram *p, NpuOp op);
NpuInstr *npu_emit_typed(NpuProgram *p, NpuOp op, NpuDtype dt, NpuDtype dt2);
/* Links loop/endloop pairs and checks operand shapes; errors to diags. */
bool     npu_program_finish(NpuProgram *p, DiagSink *diags);
static inline NpuVal  npu_imm(int64_t v) { return (NpuVal){NPU_REG_NONE, v}; }
static inline NpuVal  npu_reg(int r) { return (NpuVal){(int8_t)r, 0}; }
static inline NpuAddr npu_addr(NpuScope s, int reg, int64_t off) { return (NpuAddr){(uint8_t)s, -1, (int8_t)reg, off}; }
static inline NpuAddr npu_gm(int gm, int reg, int64_t off) { return (NpuAddr){NPU_GM, (int16_t)gm, (int8_t)reg, off}; }

/* Text assembly (docs/npu.md). Parse returns NULL after reporting errors. */
NpuProgram *npu_program_parse(Arena *a, DiagSink *diags, uint32_t file, const char *text, size_t len);
void        npu_program_print(const NpuProgram *p, FILE *out);
void        npu_instr_format(const NpuProgram *p, const NpuInstr *in, char *buf, size_t size);

/* Tables. */
const char *npu_op_name(NpuOp op);
const char *npu_pipe_name(NpuPipe p);      /* "s", "v", "m", "mte1", ... "all" */
const char *npu_scope_name(NpuScope s);
const char *npu_dtype_name(NpuDtype d);
unsigned    npu_dtype_size(NpuDtype d);
const char *npu_path_name(NpuPath p);
const char *npu_param_name(NpuParam p);
/* A parameter's default for an instruction (its op and element types). */
int64_t     npu_param_default(const NpuInstr *in, NpuParam p);
/* A parameter's valid range for an op. */
void        npu_param_range(NpuOp op, NpuParam p, int64_t *lo, int64_t *hi);

/* ---- simulator --------------------------------------------------------- */

#define NPU_CHECKS(X)                                   \
    X(OOB,        "out-of-bounds")                      \
    X(MISALIGNED, "misaligned")                         \
    X(PARAM,      "bad-parameter")                      \
    X(UNSUPPORTED,"unsupported")                        \
    X(RACE,       "race")                               \
    X(DEADLOCK,   "deadlock")                           \
    X(FLAG_LEFT,  "flag-left-set")                      \
    X(UNINIT,     "uninitialised-read")                 \
    X(GM_OVERLAP, "multi-core-overlap")                 \
    X(GM_RACE,    "multi-core-race")                    \
    X(HAZARD,     "same-pipe-hazard")                   \
    X(OVERLAP,    "operand-overlap")                    \
    X(SYNC,       "bad-sync")                           \
    X(LIMIT,      "limit")
typedef enum {
#define X(id, s) NPU_CHECK_##id,
    NPU_CHECKS(X)
#undef X
    NPU_NCHECK
} NpuCheck;
const char *npu_check_name(NpuCheck c);

typedef struct NpuError {
    NpuCheck    kind;
    uint32_t    core, instr;   /* static instruction index */
    uint64_t    dyn;           /* dynamic instruction number on that core */
    uint32_t    line, col;
    const char *msg;           /* names the instruction and the addresses */
} NpuError;

typedef struct NpuReport {
    uint64_t cycles;                 /* slowest core */
    double   time_us;                /* cycles at the profile clock */
    uint32_t block_dim;
    uint64_t instrs;                 /* dynamic instructions, all cores */
    uint64_t busy[NPU_NPIPE];        /* busy cycles summed over cores */
    uint64_t bytes[NPU_NPATH];       /* bytes moved per path, all cores */
    uint64_t peak[NPU_NSCOPE];       /* highest byte used + 1, worst core (GM: total declared) */
    uint64_t core_cycles[1024];      /* per core, first 1024 cores */
} NpuReport;

typedef struct NpuSim NpuSim;

NpuSim *npu_sim_new(const NpuProfile *prof, const NpuProgram *prog);
void    npu_sim_free(NpuSim *s);
/* Copies host data into a GM buffer declared in the program (marks it initialised). */
bool    npu_sim_set_gm(NpuSim *s, const char *name, const void *data, size_t bytes);
/* GM contents after a run; NULL for an unknown name. */
const void *npu_sim_gm(const NpuSim *s, const char *name, size_t *bytes);
/* Records a timeline for npu_sim_write_trace (off by default). */
void    npu_sim_enable_trace(NpuSim *s, bool on);
void    npu_sim_set_max_errors(NpuSim *s, uint32_t n);
/* Runs block_dim cores (0 = the program's .block_dim). True when no check fired. */
bool    npu_sim_run(NpuSim *s, uint32_t block_dim);
const NpuReport *npu_sim_report(const NpuSim *s);
size_t  npu_sim_nerrors(const NpuSim *s);
const NpuError *npu_sim_error(const NpuSim *s, size_t i);
/* Counts errors of one kind. */
size_t  npu_sim_count(const NpuSim *s, NpuCheck kind);
/* "file:line:col: error[race]: ..." per error; `file` may be NULL. */
void    npu_sim_print_errors(const NpuSim *s, const char *file, FILE *out);
void    npu_report_print(const NpuReport *r, const NpuProfile *p, FILE *out);
/* Chrome trace JSON (chrome://tracing, Perfetto). False if tracing was off. */
bool    npu_sim_write_trace(const NpuSim *s, FILE *out);

#endif
