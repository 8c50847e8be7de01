/* The interpreter's evaluation tree: the kernel's AST instantiated for one
 * launch (concrete dtypes, dims and scalars folded, fn helpers expanded). */
#ifndef TK_INTERP_INTERNAL_H
#define TK_INTERP_INTERNAL_H

#include "compiler/interp/interp.h"
#include "support/arena.h"

/* A tensor as the interpreter reads it: an input, an output or an
 * intermediate stage. Strides are in elements. */
typedef struct Buf {
    const char *name;
    DType       t;
    int32_t     rank;
    int64_t     shape[TK_MAX_RANK];
    int64_t     strides[TK_MAX_RANK];
    char       *data;
    void       *owned;     /* malloc'ed storage of an intermediate */
} Buf;

typedef enum {
    N_CONST,   /* c */
    N_INDEX,   /* pure index variable `slot` of the stage */
    N_RVAR,    /* reduction variable `slot` */
    N_SLOT,    /* fn parameter in frame slot `slot` */
    N_UNARY,   /* op x */
    N_BINARY,  /* a[0] op a[1]; operands of type ot */
    N_CAST,    /* t(a[0]) from ot */
    N_BITCAST, /* bitcast<t>(a[0]) from ot, a type of the same size */
    N_INTR,    /* intrinsic op over a[0..n), value type ot */
    N_CALL,    /* fn: a[0..n) into slots slot.., then x */
    N_LOAD,    /* buf[a[0..n)] ?? x */
    N_REDUCE,  /* op over vars, of x */
} NodeKind;

typedef struct Node Node;
struct Node {
    NodeKind       kind;
    DType          t;        /* result dtype */
    DType          ot;       /* operand dtype (N_REDUCE: of the values reduced) */
    int            op;       /* AstOp, Intrinsic or RedOp */
    uint32_t       slot;
    Val            c;
    Node         **a;
    uint32_t       n;
    Node          *x;
    Buf           *buf;      /* N_LOAD */
    bool           ellipsis; /* N_LOAD: x[...] */
    const AstExpr *src;      /* for messages */
    /* N_REDUCE, n entries each: the rvar, an explicit range or a fixed one. */
    uint32_t      *rv;
    Node         **lo, **hi;
    int64_t       *min, *ext;
};

typedef struct Interp {
    const KernelInfo *k;
    Binding          *b;
    const TkScalarValue *scalars; /* per params */
    Arena             arena;
    Buf              *inputs;  /* per params */
    Buf              *stages;  /* per stages */
    DType            *stage_t; /* per stages, concrete */
    uint32_t          nslots;  /* fn frame slots handed out */
    uint32_t          frame;   /* base slot of the fn being built */
    /* Evaluation state. */
    int64_t           idx[TK_MAX_RANK];
    int64_t          *rv;
    Val              *slots;
    bool              failed;
    char             *err;
    size_t            errlen;
} Interp;

/* Records the first error (later ones are dropped) and sets in->failed. */
void interp_fail(Interp *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* build.c */
DType interp_stage_type(Interp *in, uint32_t stage);
Node *interp_build(Interp *in, const AstExpr *e, DType want);

/* values.c: the value semantics of docs/semantics.md. */
Val     val_unary(int op, DType t, Val x);
Val     val_binary(int op, DType t, Val a, Val b); /* t: operand type */
Val     val_cast(DType to, DType from, Val x);
Val     val_bitcast(DType to, DType from, Val x);
Val     val_intrinsic(int id, DType t, const Val *args);
Val     val_identity(int redop, DType t);
Val     val_combine(int redop, DType t, Val acc, Val x);
/* argmax/argmin: whether x replaces best (strictly better, or the first NaN);
 * the accumulator starts from val_identity(redop, t). */
bool    val_better(int redop, DType t, Val best, Val x);

#endif
