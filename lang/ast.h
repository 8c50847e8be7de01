/* The syntax tree of a .tk file. The parser builds it through the
 * constructors in ast.c; sema fills the fields marked "sema" in place. */
#ifndef TK_AST_H
#define TK_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "support/dtype.h"
#include "support/ctx.h"
#include "support/vec.h"

/* Expressions nest at most this deep; deeper input is an error, not a stack
 * overflow in some later recursive pass. */
#define AST_MAX_DEPTH 256

typedef struct AstExpr   AstExpr;
typedef struct AstFn     AstFn;
typedef struct AstKernel AstKernel;

typedef enum {
    EX_ERROR,     /* placeholder after a reported error; checks stay silent */
    EX_INT,       /* 42 */
    EX_FLOAT,     /* 0.5, 1e-5 */
    EX_NAME,      /* n, D, eps */
    EX_UNARY,     /* -x, !c */
    EX_BINARY,    /* a + b, a < b, a && b; also a ?? b when a is not an access */
    EX_CALL,      /* exp(x), f16(x), gelu(x), T(0), max(a, b) */
    EX_ACCESS,    /* x[i, j], x[i - 1] ?? 0.0 */
    EX_REDUCE,    /* sum(e for k), max(e for c, r in 0..3) */
    EX_ELLIPSIS,  /* ... in x[...] or a rank-generic type */
} AstExprKind;

typedef enum {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR,
    OP_DEFAULT, /* ?? with a left side that is not a tensor access (sema error) */
    OP_NEG, OP_NOT, /* unary */
    OP_BITAND, OP_BITOR, OP_BITXOR, OP_SHL, OP_SHR, /* integer bit operations */
    OP_BITNOT,      /* unary ~ */
} AstOp;

/* argmax/argmin give the i64 position of the first extreme value within the
 * reduced range (row-major over the variables as written); NaN counts as the
 * largest and the smallest value (docs/semantics.md). */
typedef enum { RED_SUM, RED_MAX, RED_MIN, RED_PROD, RED_ARGMAX, RED_ARGMIN } RedOp;
#define RED_IS_ARG(op) ((op) == RED_ARGMAX || (op) == RED_ARGMIN)

/* What a name resolves to (sema). */
typedef enum {
    REF_NONE, REF_INDEX,   /* pure index variable of the stage: index = position */
    REF_RVAR,              /* reduction variable: index into the kernel's rvar table */
    REF_DIM,               /* shape symbol: index into the kernel's dim table */
    REF_SCALAR,            /* scalar parameter: index into params */
    REF_FN_PARAM,          /* parameter of an fn helper */
    REF_INPUT,             /* tensor input: index into params */
    REF_STAGE,             /* stage (output or intermediate): index into stages */
} RefKind;

typedef VEC(AstExpr *) AstExprVec;

typedef struct AstGenVar {
    const char *name;
    SrcSpan     span;
    AstExpr    *lo, *hi;    /* `in lo..hi`; both NULL when the range is inferred */
    uint32_t    rvar;       /* sema: index into the kernel's rvar table */
} AstGenVar;
typedef VEC(AstGenVar) AstGenVarVec;

struct AstExpr {
    AstExprKind kind;
    SrcSpan     span;
    uint16_t    depth;      /* nesting depth, bounded by AST_MAX_DEPTH */
    DType       dtype;      /* sema */
    bool        untyped;    /* sema: a literal (or literal-only expression) that
                               still takes the type of what it meets */
    union {
        int64_t ival;
        double  fval;
        struct { const char *id; RefKind ref; uint32_t index; } name;
        struct { AstOp op; AstExpr *x; } unary;
        struct { AstOp op; AstExpr *a, *b; } binary;
        struct {
            const char *callee;
            SrcSpan     callee_span;
            AstExprVec  args;
            int         intrinsic;  /* sema: Intrinsic id, or -1 */
            DType       cast_to;    /* sema: a cast when != DT_ERROR */
            bool        bitcast;    /* bitcast<callee>(x): callee names the type */
            AstFn      *fn;         /* sema: an fn helper call */
        } call;
        struct {
            const char *tensor;
            SrcSpan     tensor_span;
            AstExprVec  idx;
            AstExpr    *dflt;       /* value of `?? dflt`, or NULL */
            RefKind     ref;        /* sema: REF_INPUT or REF_STAGE */
            uint32_t    index;
            bool        guarded;    /* sema: inside only under the conditions of
                                       the selects around it; lowering
                                       predicates the load on them */
        } access;
        struct {
            const char  *op_name;
            SrcSpan      op_span;
            RedOp        op;        /* sema */
            AstExpr     *body;
            AstGenVarVec vars;
        } reduce;
    } u;
};

/* A parameter's or output's type: `f32`, `f32[N, D]`, `T[...]`. */
typedef struct AstType {
    SrcSpan     span;
    const char *elem;        /* dtype name or a generic parameter */
    SrcSpan     elem_span;
    bool        is_tensor;   /* has brackets; an output without them is 0-d */
    AstExprVec  dims;        /* symbols, literals or expressions; EX_ELLIPSIS for `...` */
    DType       dtype;       /* sema; DT_GENERIC for a type parameter */
} AstType;

typedef struct AstParam {
    const char *name;
    SrcSpan     span;
    AstType     type;
} AstParam;
typedef VEC(AstParam) AstParamVec;

/* name[i, j] = value;  or  name = value; */
typedef struct AstStmt {
    const char *name;
    SrcSpan     name_span;
    AstExprVec  lhs;         /* the index list as written; sema requires names or `...` */
    bool        has_brackets;
    AstExpr    *value;
    SrcSpan     span;
    uint32_t    stage;       /* sema: index into the kernel's stage table */
} AstStmt;
typedef VEC(AstStmt) AstStmtVec;

typedef struct AstTypeParam { const char *name; SrcSpan span; } AstTypeParam;
typedef VEC(AstTypeParam) AstTypeParamVec;

struct AstKernel {
    const char     *name;
    SrcSpan         span;        /* the kernel's name */
    AstTypeParamVec tparams;     /* <T, U> */
    AstParamVec     params;
    AstParamVec     outputs;
    AstExprVec      requires;    /* `requires a >= 0, ...`: launch preconditions */
    AstStmtVec      stmts;
    SrcSpan         close;       /* the closing brace */
    struct KernelInfo *info;     /* sema: resolved tables (lang/sema/sema.h) */
    bool            library;     /* from a "std:" file: its own namespace */
};

/* fn name(p: T, ...) -> T = expr; */
struct AstFn {
    const char *name;
    SrcSpan     span;
    AstParamVec params;
    AstType     ret;
    AstExpr    *body;
    int         check_state; /* sema: 0 unchecked, 1 in progress, 2 done */
    bool        library;     /* from a "std:" file: its own namespace */
};

/* One method call in a schedule chain: .split(d, 16, do, di) */
typedef struct AstSchedCall {
    const char *method;
    SrcSpan     span;        /* the method name */
    AstExprVec  args;
} AstSchedCall;
typedef VEC(AstSchedCall) AstSchedCallVec;

typedef struct AstSchedStmt AstSchedStmt;
typedef VEC(AstSchedStmt) AstSchedStmtVec;

typedef enum { SS_CHAIN, SS_SPECIALIZE } AstSchedStmtKind;

/*   [bind =] recv.m1(...).m2(...);     or     specialize(cond) { ... } */
struct AstSchedStmt {
    AstSchedStmtKind kind;
    SrcSpan          span;
    const char      *bind;       /* `t = ...`, or NULL */
    SrcSpan          bind_span;
    const char      *recv;
    SrcSpan          recv_span;
    AstSchedCallVec  calls;
    AstExpr         *cond;       /* specialize */
    AstSchedStmtVec  body;       /* specialize */
};

typedef struct AstSchedule {
    const char     *kernel;
    SrcSpan         kernel_span;
    const char     *target;      /* a Target's name (checked in compiler/sched/check_program.c) */
    SrcSpan         target_span;
    AstSchedStmtVec stmts;
    SrcSpan         span;        /* the `schedule` keyword */
    bool            library;     /* from a "std:" file: schedules a library kernel */
} AstSchedule;

typedef struct AstImport {
    const char *path;            /* as written, unescaped */
    SrcSpan     span;
    uint32_t    file;            /* resolved file id, 0 if it failed to load */
} AstImport;

typedef enum { ITEM_KERNEL, ITEM_FN, ITEM_SCHEDULE, ITEM_IMPORT } AstItemKind;

typedef struct AstItem {
    AstItemKind kind;
    union {
        AstKernel   *kernel;
        AstFn       *fn;
        AstSchedule *sched;
        AstImport   *import;
    } u;
} AstItem;
typedef VEC(AstItem) AstItemVec;

/* One parsed file. */
typedef struct AstModule {
    uint32_t   file;
    bool       library;          /* a standard library file ("std:NAME") */
    AstItemVec items;
} AstModule;

/* A program: the root file and everything it imports, each file once, in
 * dependency order (imports before importers). */
typedef struct AstProgram {
    VEC(AstModule *) modules;
} AstProgram;

/* Constructors. Each allocates in c->arena and computes depth; a node deeper
 * than AST_MAX_DEPTH is reported once ("expression nesting too deep") and
 * replaced by an EX_ERROR node. */
AstExpr *ast_int(Ctx *c, SrcSpan sp, int64_t v);
AstExpr *ast_float(Ctx *c, SrcSpan sp, double v);
AstExpr *ast_name(Ctx *c, SrcSpan sp, const char *id);
AstExpr *ast_ellipsis(Ctx *c, SrcSpan sp);
AstExpr *ast_error(Ctx *c, SrcSpan sp);
AstExpr *ast_unary(Ctx *c, SrcSpan op_span, AstOp op, AstExpr *x);
AstExpr *ast_binary(Ctx *c, AstOp op, AstExpr *a, AstExpr *b);
/* a ?? b: sets the default of access `a`; any other `a` becomes OP_DEFAULT. */
AstExpr *ast_default(Ctx *c, AstExpr *a, AstExpr *b);
AstExpr *ast_call(Ctx *c, SrcSpan callee_span, const char *callee, AstExprVec args, SrcSpan close);
AstExpr *ast_access(Ctx *c, SrcSpan name_span, const char *tensor, AstExprVec idx, SrcSpan close);
/* bitcast<type>(x): a call of `type` marked as a bitcast. */
AstExpr *ast_bitcast(Ctx *c, SrcSpan kw_span, const char *type, SrcSpan type_span, AstExpr *x, SrcSpan close);
AstExpr *ast_reduce(Ctx *c, SrcSpan op_span, const char *op, AstExpr *body, AstGenVarVec vars, SrcSpan close);

/* The span from the start of a to the end of b (same line; else a alone). */
SrcSpan span_join(SrcSpan a, SrcSpan b);
const char *ast_op_text(AstOp op);

#endif
