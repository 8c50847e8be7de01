/* State shared by the files of lowering. */
#ifndef TK_LOWER_INTERNAL_H
#define TK_LOWER_INTERNAL_H

#include "compiler/lower/lower.h"
#include "lang/intrinsics.h"

/* Statements that must run before the statement being built (reduction
 * loops into temporaries) and after it (their frees). */
typedef struct Block {
    VEC(Stmt *) pre;
    VEC(Stmt *) post;
} Block;

typedef struct Lower {
    IrCtx      *c;
    KernelInfo *k;
    DType       tparam;
    IrBuffer  **param_buf;   /* per input: its buffer, or NULL for a scalar */
    IrVar     **param_var;   /* per input: the scalar's variable, or NULL */
    IrVar     **dim;         /* per shape symbol */
    IrBuffer  **stage_buf;   /* per stage */
    IrVar     **rvar;        /* per reduction variable, created on first use */
    StageInfo  *st;          /* the stage being lowered */
    IrVar     **index;       /* its index variables */
    uint32_t    ntemp;       /* temporaries made for st */
    Expr      **fn_env;      /* values of the inlined fn's parameters, or NULL */
    Expr       *guard;       /* conjunction of the conditions of the selects
                                around the expression being lowered, or NULL */
    bool        ok;
} Lower;

DType lower_type(Lower *L, DType t);
/* An expression of the stage being lowered; statements it needs go to b. */
Expr *lower_expr(Lower *L, AstExpr *e, Block *b);
/* reduce e into buf[idx]: the init store, then the reduction loops around
 * the update store, appended to out. */
void lower_reduce(Lower *L, AstExpr *e, IrBuffer *buf, Expr **idx, uint32_t nidx, Block *out);
/* The reduction loops of e (ids[i] for its i-th variable) around body. */
Stmt *lower_reduce_loops(Lower *L, AstExpr *e, const LoopId *ids, Stmt *body);
/* The first value of an accumulator of op (max starts from the lowest). */
Expr *lower_identity(Lower *L, RedOp op, DType ty, SrcSpan at);
/* Reduction variable rv as an expression. */
Expr *lower_rvar(Lower *L, uint32_t rv, SrcSpan at);
/* lower_arg_reduce.c: argmax/argmin into buf[idx] (an i64 position). */
void lower_arg_reduce(Lower *L, AstExpr *e, IrBuffer *buf, Expr **idx, uint32_t nidx, Block *out);
/* pre..., s, post... (posts in reverse order) */
Stmt *lower_block(Lower *L, Block *b, Stmt *s, SrcSpan loc);
Expr *lower_sym(Lower *L, Sym *s, SrcSpan loc);

#endif
