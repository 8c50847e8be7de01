/* What semantic analysis knows about a kernel: its shape symbols, parameters,
 * stages with dtypes and symbolic extents, reduction variables, schedules and
 * the bounds checks that must wait for launch. Later layers read these tables
 * instead of re-deriving them from the AST. */
#ifndef TK_SEMA_H
#define TK_SEMA_H

#include "compiler/sym/sym.h"
#include "lang/ast.h"

/* A shape symbol (N, D): bound by the first input dimension that names it. */
typedef struct DimInfo {
    const char *name;
    SrcSpan     span;       /* its first occurrence */
    uint32_t    param;      /* the input that binds it ... */
    uint32_t    axis;       /* ... and the axis */
    Sym        *sym;
} DimInfo;

typedef struct ParamInfo {
    AstParam   *ast;
    const char *name;
    bool        is_tensor;
    bool        rank_generic; /* declared T[...] */
    DType       dtype;        /* DT_GENERIC for a type parameter */
    uint32_t    rank;
    Sym       **shape;        /* rank entries; NULL for rank-generic */
    Sym        *scalar_sym;   /* integer scalar used in index arithmetic */
} ParamInfo;

/* A loop variable of a stage: a pure index or a reduction variable. */
typedef struct VarInfo {
    const char *name;
    SrcSpan     span;
    Sym        *sym;
    Sym        *min;        /* first value */
    Sym        *extent;     /* number of values; NULL until inferred */
    bool        is_reduction;
} VarInfo;

typedef struct StageInfo {
    const char *name;
    AstStmt    *stmt;         /* its definition; NULL for an output never defined */
    bool        is_output;
    uint32_t    output;       /* index into KernelInfo.outputs when is_output */
    DType       dtype;
    bool        rank_generic; /* defined as y[...] */
    uint32_t    rank;
    VarInfo    *vars;         /* the pure index variables, rank entries */
    Sym       **shape;        /* extents of vars once known (an output's declared shape) */
    VEC(uint32_t) rvars;      /* indices into KernelInfo.rvars used by this stage */
    VEC(uint32_t) deps;       /* stages this one reads, each once */
    bool        is_reduction; /* its value is a reduction at the top */
} StageInfo;

/* An access whose bounds involve launch-time values (integer scalars): the
 * launch must check lo >= 0 and hi <= extent - 1. */
typedef struct LaunchCheck {
    AstExpr  *access;
    uint32_t  axis;
    Sym      *lo, *hi, *extent;
} LaunchCheck;

/* One comparison of a `requires` clause (a conjunct of `a && b` on its
 * own): checked at launch before anything runs, assumed by the prover. */
typedef struct Requirement {
    AstExpr *cond;     /* the comparison as written */
    AstOp    op;       /* OP_EQ, OP_LT, OP_LE, OP_GT or OP_GE */
    Sym     *lhs, *rhs;
} Requirement;

typedef struct ScheduleInfo {
    AstSchedule *ast;
    const char  *target;     /* a Target's name (compiler/target.h) */
} ScheduleInfo;

typedef struct KernelInfo {
    AstKernel    *ast;
    SymCtx       *sym;          /* the context every Sym here belongs to */
    bool          generic;      /* has type parameters or rank-generic tensors */
    VEC(DimInfo)  dims;
    VEC(ParamInfo) params;      /* inputs, tensors and scalars, in order */
    VEC(ParamInfo) outputs;
    VEC(StageInfo) stages;      /* one per definition, outputs included */
    uint32_t     *order;        /* stages in dependency order (producers first) */
    VEC(VarInfo)  rvars;
    VEC(LaunchCheck) launch_checks;
    VEC(Requirement) requires;
    VEC(ScheduleInfo) schedules;
} KernelInfo;

#endif
