/* Opcode, family and parameter enums generated from isa.def (internal to npu.h). */
#ifndef TK_NPU_ISA_ENUMS_H
#define TK_NPU_ISA_ENUMS_H

/* Operand shapes. */
typedef enum {
    NPU_F_MOV,      /* rd, val */
    NPU_F_ALU,      /* rd, val, val */
    NPU_F_BLOCK,    /* rd */
    NPU_F_SLD,      /* rd, src: one element into a register */
    NPU_F_LOOP,     /* rd, start, end[, step] */
    NPU_F_ENDLOOP,  /* (none) */
    NPU_F_FLAG,     /* src_pipe, dst_pipe, event */
    NPU_F_BARRIER,  /* pipe */
    NPU_F_SST,      /* dst, val: one element from a register */
    NPU_F_DMA,      /* dst, src */
    NPU_F_VBIN,     /* dst, src0, src1 */
    NPU_F_VBINS,    /* dst, src0, scalar */
    NPU_F_VUN,      /* dst, src0 */
    NPU_F_VDUP,     /* dst, scalar */
    NPU_F_VCMP,     /* dst(bits), src0, src1 */
    NPU_F_VSEL,     /* dst, src0, src1, sel(bits) */
    NPU_F_VCONV,    /* dst, src0 */
    NPU_F_VRED,     /* dst, src0: one result per repeat */
    NPU_F_VREDALL,  /* dst, src0: one result for all repeats */
    NPU_F_VBRCB,    /* dst, src0: each of 8 elements per repeat fills a 32-byte block */
    NPU_F_LOAD2D,   /* dst, src */
    NPU_F_MMAD,     /* dst(l0c), a(l0a), b(l0b) */
    NPU_F_FIXPIPE,  /* dst, src(l0c) */
} NpuFamily;

typedef enum {
#define NPU_OP(id, name, fam, cls, dts, params) NPU_OP_##id,
#include "backend-npu/isa.def"
#undef NPU_OP
    NPU_NOP
} NpuOp;

/* Parameters: ID, key, kind (NUM, ROUND, CMP or MASK), default, min, max. */
#define NPU_PARAMS(X)                               \
    X(REPEAT,    "repeat",    NUM,   1, 0, 255)     \
    X(MASK,      "mask",      MASK,  0, 0, 0)       \
    X(DSTBLK,    "dstblk",    NUM,   1, 0, 255)     \
    X(SRC0BLK,   "src0blk",   NUM,   1, 0, 255)     \
    X(SRC1BLK,   "src1blk",   NUM,   1, 0, 255)     \
    X(DSTREP,    "dstrep",    NUM,   8, 0, 255)     \
    X(SRC0REP,   "src0rep",   NUM,   8, 0, 255)     \
    X(SRC1REP,   "src1rep",   NUM,   8, 0, 255)     \
    X(NBURST,    "nburst",    NUM,   1, 1, 4095)    \
    X(BURST,     "burst",     NUM,   1, 1, 65535)   \
    X(LEN,       "len",       NUM,  32, 1, 2097151) \
    X(SRCGAP,    "srcgap",    NUM,   0, 0, 4294967295LL) \
    X(DSTGAP,    "dstgap",    NUM,   0, 0, 4294967295LL) \
    X(M,         "m",         NUM,  16, 0, 4095)    \
    X(N,         "n",         NUM,  16, 0, 4095)    \
    X(K,         "k",         NUM,  16, 0, 4095)    \
    X(INIT,      "init",      NUM,   1, 0, 1)       \
    X(SRCSTRIDE, "srcstride", NUM,   1, 0, 65535)   \
    X(TRANSPOSE, "transpose", NUM,   0, 0, 1)       \
    X(NZ2ND,     "nz2nd",     NUM,   0, 0, 1)       \
    X(LD,        "ld",        NUM,   0, 0, 65535)   \
    X(ROUND,     "round",     ROUND, 0, 0, 6)       \
    X(CMP,       "cmp",       CMP,   0, 0, 5)
typedef enum {
#define X(id, key, kind, def, lo, hi) NPU_PARAM_##id,
    NPU_PARAMS(X)
#undef X
    NPU_NPARAM
} NpuParam;

/* round= values: none behaves as rint (ties to even) when the cast is lossy. */
typedef enum { NPU_RND_NONE, NPU_RND_RINT, NPU_RND_FLOOR, NPU_RND_CEIL, NPU_RND_ROUND,
               NPU_RND_TRUNC, NPU_RND_ODD } NpuRound;
typedef enum { NPU_CMP_EQ, NPU_CMP_NE, NPU_CMP_LT, NPU_CMP_LE, NPU_CMP_GT, NPU_CMP_GE } NpuCmp;

#endif
