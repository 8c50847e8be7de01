/* The loop IR (docs/ir.md): immutable, arena-allocated expression and
 * statement nodes built only through the ir_* constructors, the kernel
 * function that holds them, traversal, printing, verification, conversion
 * to and from symbolic expressions, and a small evaluator for tests. */
#ifndef TK_IR_H
#define TK_IR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler/sym/sym.h"
#include "support/dtype.h"
#include "support/ctx.h"
#include "support/mem_scope.h"
#include "support/vec.h"

typedef struct Expr Expr;
typedef struct Stmt Stmt;

typedef enum ExprKind {
#define IR_EXPR(K, arm, name, ch) EK_##K,
#define IR_STMT(K, arm, name, ch)
#include "compiler/ir_nodes.def"
#undef IR_EXPR
#undef IR_STMT
    EK__COUNT
} ExprKind;

typedef enum StmtKind {
#define IR_EXPR(K, arm, name, ch)
#define IR_STMT(K, arm, name, ch) SK_##K,
#include "compiler/ir_nodes.def"
#undef IR_EXPR
#undef IR_STMT
    SK__COUNT
} StmtKind;

extern const char *const ir_expr_kind_name[EK__COUNT];
extern const char *const ir_stmt_kind_name[SK__COUNT];

/* X(enum suffix, printed form, infix precedence: higher binds tighter; 0 = call form) */
/* (C's order: || && | ^ & == < << + *; unary minus and ! bind tighter) */
#define IR_BINOPS(X)       \
    X(ADD, "+",   9)       \
    X(SUB, "-",   9)       \
    X(MUL, "*",   10)      \
    X(DIV, "/",   10)      \
    X(MOD, "%",   10)      \
    X(MIN, "min", 0)       \
    X(MAX, "max", 0)       \
    X(EQ,  "==",  6)       \
    X(NE,  "!=",  6)       \
    X(LT,  "<",   7)       \
    X(LE,  "<=",  7)       \
    X(GT,  ">",   7)       \
    X(GE,  ">=",  7)       \
    X(AND, "&&",  2)       \
    X(OR,  "||",  1)       \
    X(BITAND, "&", 5)      \
    X(BITOR,  "|", 3)      \
    X(BITXOR, "^", 4)      \
    X(SHL,    "<<", 8)     \
    X(SHR,    ">>", 8)

typedef enum BinOp {
#define X(e, s, p) BOP_##e,
    IR_BINOPS(X)
#undef X
    BOP__COUNT
} BinOp;

typedef enum UnOp { UOP_NEG, UOP_NOT, UOP_BITNOT } UnOp;

extern const char *const ir_binop_text[BOP__COUNT];

/* A variable: a loop counter, a let-bound name, or a launch-time parameter
 * (shape symbol, stride, scalar). Declared once, referenced by pointer;
 * identity is the pointer, the name is only for printing. */
typedef enum IrVarKind {
    IV_LOOP,    /* bound by a For */
    IV_LET,     /* bound by a Let (expression or statement) */
    IV_DIM,     /* shape symbol of the kernel, bound at launch */
    IV_STRIDE,  /* element stride of an input or output axis, bound at launch */
    IV_SCALAR,  /* scalar parameter of the kernel */
} IrVarKind;

typedef struct IrVar {
    const char *name;
    uint32_t    id;      /* creation order within the IrCtx */
    DType       ty;      /* i64 for loops, dims and strides */
    IrVarKind   kind;
    Sym        *sym;     /* its symbolic counterpart (NULL for non-integers) */
} IrVar;

/* Buffers live in a memory scope (support/mem_scope.h): global memory for
 * inputs and outputs; the rest for staged copies (cache_read/cache_write)
 * and temporaries. */

typedef enum BufKind { BUF_INPUT, BUF_OUTPUT, BUF_LOCAL } BufKind;

/* A buffer: a kernel input or output (strides are launch-time variables, one
 * per axis, in elements) or a local allocation (dense row-major, strides NULL).
 * Loads and stores index it per dimension; storage flattening applies strides. */
typedef struct IrBuffer {
    const char *name;
    uint32_t    id;
    DType       ty;
    BufKind     kind;
    MemScope    scope;
    uint32_t    rank;
    Expr      **shape;    /* rank extents, i64 expressions of dims */
    IrVar     **strides;  /* rank stride variables, or NULL (dense) */
    uint32_t    align;    /* bytes the data's start is aligned to (a power of two) */
    SrcSpan     span;     /* the declaration in the source */
} IrBuffer;

/* The alignment a new buffer gets: an argument its element size (what the
 * ABI guarantees), a local IR_LOCAL_ALIGN bytes (a cache line, and every
 * scope's alignment on the NPU profiles). */
#define IR_LOCAL_ALIGN 64

/* Loop kinds: how a schedule wants the loop executed. DISTRIBUTED spreads
 * the iterations over the target's cores (the NPU's block dim); the CPU runs
 * it as PARALLEL. */
#define IR_FOR_KINDS(X) X(SERIAL, "") X(PARALLEL, "parallel ") X(VECTORIZED, "vectorized ") X(UNROLLED, "unrolled ") \
                        X(DISTRIBUTED, "distributed ")
typedef enum ForKind {
#define X(e, s) FOR_##e,
    IR_FOR_KINDS(X)
#undef X
} ForKind;

/* Synchronisation between the target's units (pipes): a full barrier, or
 * one side of an event (signal sets it, wait blocks until it is set). A
 * target with one in-order unit, the CPU, runs them as no-ops. */
#define IR_SYNC_KINDS(X) X(BARRIER, "barrier") X(SIGNAL, "signal") X(WAIT, "wait")
typedef enum SyncKind {
#define X(e, s) SYNC_##e,
    IR_SYNC_KINDS(X)
#undef X
} SyncKind;
extern const char *const ir_sync_name[];

/* Stable loop identity, kept by rewrites that keep the loop (TVM sref). */
typedef uint32_t LoopId;

struct Expr {
    ExprKind kind;
    DType    ty;
    uint16_t lanes;   /* vector width; 1 for scalars */
    SrcSpan  loc;     /* the user construct it came from */
    union {
        int64_t ival;                                             /* EK_INT (also bool) */
        double  fval;                                             /* EK_FLOAT */
        IrVar  *var;                                              /* EK_VAR */
        struct { UnOp op; Expr *a; } un;
        struct { BinOp op; Expr *a, *b; } bin;
        struct { Expr *cond, *t, *f; } sel;                       /* strict: both arms are pure */
        struct { Expr *a; bool bits; } cast;                      /* to ty; bits: bitcast<ty>(a) */
        struct { int intrinsic; Expr **args; uint32_t nargs; } call; /* lang/intrinsics.h */
        /* buf[idx...]; pred (may be NULL): when false the load touches no
         * memory and yields zero; a `??` default is select(pred, load, d). */
        struct { IrBuffer *buf; Expr **idx; uint32_t nidx; Expr *pred; } load;
        struct { IrVar *var; Expr *value, *body; } let;
    } u;
};

struct Stmt {
    StmtKind kind;
    SrcSpan  loc;
    union {
        /* factor: the vector width of a vectorized loop, the unroll factor of
         * an unrolled loop (0 = unroll fully); 0 for other kinds. */
        struct { LoopId id; IrVar *var; Expr *min, *extent; ForKind kind; Stmt *body; uint32_t factor; } for_;
        struct { Expr *cond; Stmt *then_, *else_; } if_;          /* else_ may be NULL */
        struct { IrVar *var; Expr *value; Stmt *body; } let;
        struct { IrBuffer *buf; Expr **idx; uint32_t nidx; Expr *value; } store;
        struct { IrBuffer *buf; } alloc;
        struct { IrBuffer *buf; } free_;
        struct { Stmt **v; uint32_t n; } seq;
        struct { Expr *e; } eval;
        struct { Expr *cond; const char *msg; } assert_;
        /* A bulk copy of a box of n dimensions: for every k in
         * [0, extent[0]) x ... x [0, extent[n-1]),
         *   dst[dst_idx with k added to its last n indices] =
         *   src[src_idx with k added to its last n indices].
         * dst_idx and src_idx are the box's first corner (one index per
         * dimension); leading indices outside the box stay fixed (a
         * double buffer's slot). Same dtype on both sides; the regions do
         * not overlap. What cache_read / cache_write produce; a backend
         * maps it to DMA or vector copies. */
        struct { IrBuffer *dst, *src; Expr **dst_idx, **src_idx, **extent; uint32_t ndst, nsrc, n; } copy;
        /* between units; event names an event id (unused by barrier) */
        struct { SyncKind kind; uint32_t event; } sync;
    } u;
};

/* One argument of a kernel, in signature order: inputs then outputs. */
typedef struct IrArg {
    IrBuffer *buf;    /* a tensor, or NULL for a scalar */
    IrVar    *var;    /* a scalar parameter */
} IrArg;

/* Where a shape symbol comes from at launch: args[arg].buf->shape axis. */
typedef struct IrDim {
    IrVar   *var;
    uint32_t arg, axis;
} IrDim;

/* A lowered kernel. */
typedef struct Func {
    const char *name;
    SrcSpan     loc;
    IrArg      *args;
    uint32_t    nargs, ninputs;  /* args[0..ninputs) inputs, the rest outputs */
    IrDim      *dims;
    uint32_t    ndims;
    Stmt       *body;
    /* After storage flattening (compiler/passes/storage_flatten.c): every
     * load and store has one index, the element offset from the buffer's
     * start (strides applied). */
    bool        flat;
} Func;

/* Construction context: the arena, the kernel's symbolic context, id
 * counters and the Sym-variable -> IR-variable map. */
typedef struct IrCtx {
    Arena    *a;
    SymCtx   *sym;
    DiagSink *diags;
    uint32_t  nvars, nbufs, nloops;
    struct { const Sym *sym; IrVar *var; } *symmap;
    uint32_t  nsymmap, capsymmap;
} IrCtx;

void ir_ctx_init(IrCtx *c, Arena *a, SymCtx *sym, DiagSink *diags);
/* An internal compiler error: reported as an error diagnostic, returns false. */
bool ir_ice(IrCtx *c, SrcSpan at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Declarations. A variable with a Sym is registered so ir_from_sym finds it. */
IrVar    *ir_new_var(IrCtx *c, const char *name, DType ty, IrVarKind kind, Sym *sym);
IrBuffer *ir_new_buffer(IrCtx *c, const char *name, DType ty, BufKind kind, MemScope scope, uint32_t rank,
                        Expr **shape, SrcSpan span);
LoopId    ir_new_loop_id(IrCtx *c);
void      ir_bind_sym(IrCtx *c, const Sym *s, IrVar *v);

/* Expression constructors. Types: binary arithmetic and min/max take the
 * operands' type (they must agree), comparisons and logic give bool. */
Expr *ir_int(IrCtx *c, DType ty, int64_t v, SrcSpan loc);
Expr *ir_i64(IrCtx *c, int64_t v);
Expr *ir_float(IrCtx *c, DType ty, double v, SrcSpan loc);
Expr *ir_bool(IrCtx *c, bool v, SrcSpan loc);
Expr *ir_var(IrCtx *c, IrVar *v, SrcSpan loc);
Expr *ir_un(IrCtx *c, UnOp op, Expr *a, SrcSpan loc);
Expr *ir_bin(IrCtx *c, BinOp op, Expr *a, Expr *b, SrcSpan loc);
Expr *ir_select(IrCtx *c, Expr *cond, Expr *t, Expr *f, SrcSpan loc);
Expr *ir_cast(IrCtx *c, DType ty, Expr *a, SrcSpan loc);
Expr *ir_bitcast(IrCtx *c, DType ty, Expr *a, SrcSpan loc); /* a's bits as ty, a type of the same size */
Expr *ir_call(IrCtx *c, DType ty, int intrinsic, Expr **args, uint32_t nargs, SrcSpan loc);
Expr *ir_load(IrCtx *c, IrBuffer *buf, Expr **idx, uint32_t nidx, Expr *pred, SrcSpan loc);
Expr *ir_let(IrCtx *c, IrVar *v, Expr *value, Expr *body, SrcSpan loc);
/* Folding helpers for index arithmetic: a + b etc. with constant folding. */
Expr *ir_add(IrCtx *c, Expr *a, Expr *b);
Expr *ir_sub(IrCtx *c, Expr *a, Expr *b);
Expr *ir_mul(IrCtx *c, Expr *a, Expr *b);

/* Statement constructors. Arrays are copied into the arena. */
Stmt *ir_for(IrCtx *c, LoopId id, IrVar *v, Expr *min, Expr *extent, ForKind kind, Stmt *body, SrcSpan loc);
Stmt *ir_if(IrCtx *c, Expr *cond, Stmt *then_, Stmt *else_, SrcSpan loc);
Stmt *ir_let_stmt(IrCtx *c, IrVar *v, Expr *value, Stmt *body, SrcSpan loc);
Stmt *ir_store(IrCtx *c, IrBuffer *buf, Expr **idx, uint32_t nidx, Expr *value, SrcSpan loc);
Stmt *ir_alloc(IrCtx *c, IrBuffer *buf, SrcSpan loc);
Stmt *ir_free(IrCtx *c, IrBuffer *buf, SrcSpan loc);
/* A sequence; nested sequences are flattened and a one-element sequence is
 * its element. */
Stmt *ir_seq(IrCtx *c, Stmt **v, uint32_t n, SrcSpan loc);
Stmt *ir_eval(IrCtx *c, Expr *e, SrcSpan loc);
Stmt *ir_assert(IrCtx *c, Expr *cond, const char *msg, SrcSpan loc);
/* copy dst[dst_idx...] <- src[src_idx...] over a box of n extents (above). */
Stmt *ir_copy(IrCtx *c, IrBuffer *dst, Expr **dst_idx, IrBuffer *src, Expr **src_idx, Expr **extent, uint32_t n,
              SrcSpan loc);
Stmt *ir_sync(IrCtx *c, SyncKind kind, uint32_t event, SrcSpan loc);

/* With-constructors: the old node itself when every part is pointer-equal
 * (Halide `with`), so pointer equality means "unchanged". */
Stmt *ir_for_with(IrCtx *c, Stmt *old, Expr *min, Expr *extent, Stmt *body);
/* Loop s with another kind and factor (same id, variable, bounds and body). */
Stmt *ir_for_kind(IrCtx *c, Stmt *s, ForKind kind, uint32_t factor);
Stmt *ir_if_with(IrCtx *c, Stmt *old, Expr *cond, Stmt *then_, Stmt *else_);
Stmt *ir_store_with(IrCtx *c, Stmt *old, Expr **idx, Expr *value);
Stmt *ir_seq_with(IrCtx *c, Stmt *old, Stmt **v, uint32_t n);
Expr *ir_bin_with(IrCtx *c, Expr *old, Expr *a, Expr *b);

bool ir_is_const_int(const Expr *e, int64_t *v);
/* e (or st) with every use of v replaced by `by`; changed i64 additions,
 * subtractions and products are refolded (compiler/ir_subst.c). */
Expr *ir_subst_expr(IrCtx *c, Expr *e, IrVar *v, Expr *by);
Stmt *ir_subst_stmt(IrCtx *c, Stmt *st, IrVar *v, Expr *by);
bool  ir_expr_uses(Expr *e, const IrVar *v);   /* v occurs in e */
bool  ir_stmt_uses(Stmt *st, const IrVar *v); /* v occurs in st */
bool  ir_expr_loads(Expr *e);                  /* e reads memory */
/* e == v + (terms without v), through a tree of i64 additions. */
bool  ir_plus_var(Expr *e, const IrVar *v);
/* Structural equality (same variables and buffers by identity). */
bool ir_expr_equal(const Expr *a, const Expr *b);

/* Traversal (STYLE §2). A pass embeds Mutator or Visitor as its first member
 * and fills a few slots; NULL slots take the default, which recurses into
 * the children (in ir_nodes.def order) and, for the mutator, rebuilds a node
 * only when a child changed. A mutator that changes a child's type must build
 * the parent itself. */
typedef struct Mutator Mutator;
struct Mutator {
    IrCtx *c;
    Expr *(*expr[EK__COUNT])(Mutator *, Expr *);
    Stmt *(*stmt[SK__COUNT])(Mutator *, Stmt *);
};
Expr *mut_expr(Mutator *m, Expr *e);            /* NULL stays NULL */
Stmt *mut_stmt(Mutator *m, Stmt *s);
Expr *mut_expr_children(Mutator *m, Expr *e);
Stmt *mut_stmt_children(Mutator *m, Stmt *s);

typedef struct Visitor Visitor;
struct Visitor {
    bool (*expr[EK__COUNT])(Visitor *, Expr *);   /* false stops the walk */
    bool (*stmt[SK__COUNT])(Visitor *, Stmt *);
};
bool vis_expr(Visitor *v, Expr *e);
bool vis_stmt(Visitor *v, Stmt *s);
bool vis_expr_children(Visitor *v, Expr *e);
bool vis_stmt_children(Visitor *v, Stmt *s);

/* Printing (docs/ir.md, "Text form"). */
enum { IR_PRINT_LOOP_IDS = 1 };
void  ir_print_func(FILE *out, Arena *a, const Func *f, unsigned flags);
void  ir_print_stmt(FILE *out, Arena *a, const Stmt *s, int indent, unsigned flags);
char *ir_expr_str(Arena *a, const Expr *e);

/* Well-formedness (docs/ir.md, "Invariants"). False after an internal-error
 * diagnostic naming the first problem. */
bool ir_verify(IrCtx *c, const Func *f);
/* Whether verification runs after every pass and schedule primitive: the
 * environment variable TK_VERIFY_IR is set to something other than 0 (the
 * test suites set it), or the build defines TK_VERIFY_IR. */
bool ir_verify_enabled(void);
bool ir_verify_stmt(IrCtx *c, const Stmt *s);

/* Symbolic conversion. ir_from_sym maps Sym variables through the registered
 * IR variables (NULL if one is unknown); ir_to_sym gives NULL for anything
 * that is not integer arithmetic over variables that have Syms. */
Expr *ir_from_sym(IrCtx *c, Sym *s, SrcSpan loc);
Sym  *ir_to_sym(IrCtx *c, const Expr *e);

/* Test-only evaluator (compiler/ir_eval.c): runs a Func on dense row-major
 * host arrays, one per argument in Func.args order (a scalar is data[0],
 * shape unused). Dims are read from the argument shapes (Func.dims), strides
 * are the dense ones. Every element is held as a double (integers up to 2^53
 * exactly). Out-of-bounds accesses, unpaired allocations, output shapes that
 * disagree with the kernel and failed asserts are reported into err and
 * return false. */
typedef struct IrEvalArg {
    double  *data;     /* elements, row-major */
    int64_t *shape;    /* rank entries */
} IrEvalArg;
bool ir_eval_func(const Func *f, IrEvalArg *args, char *err, size_t errsize);

#endif
