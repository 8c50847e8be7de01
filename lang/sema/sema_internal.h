/* State shared by the files of semantic analysis (not for other layers). */
#ifndef TK_SEMA_INTERNAL_H
#define TK_SEMA_INTERNAL_H

#include <string.h>

#include "lang/intrinsics.h"
#include "lang/lang.h"
#include "lang/sema/sema.h"

/* A name as an expression sees it. */
typedef struct Ref {
    RefKind  kind;
    uint32_t index;
} Ref;

typedef struct Sema {
    Ctx        *c;
    SymCtx     *sym;
    /* Program-wide declarations, every module together. */
    VEC(AstKernel *)   kernels;
    VEC(AstFn *)       fns;
    VEC(AstSchedule *) scheds;
    /* The kernel, stage or fn being checked. */
    KernelInfo *k;
    int32_t     stage;        /* index into k->stages, -1 outside a stage */
    AstFn      *fn;           /* an fn body being checked, or NULL */
    VEC(uint32_t) rscope;     /* reduction variables in scope, innermost last */
    VEC(Sym *)    guards;     /* bounds.c: facts (e >= 0) from the conditions of
                                 the selects around the expression being checked */
    uint32_t    in_index;     /* > 0 while checking the index of a tensor access */
} Sema;

static inline bool same_name(const char *a, const char *b) { return a == b || strcmp(a, b) == 0; }
static inline DiagSink *sink(Sema *s) { return &s->c->diags; }

/* params.c: the kernel's signature (generics, inputs, shape symbols, outputs). */
bool sema_signature(Sema *s, KernelInfo *k);
int32_t sema_find_dim(KernelInfo *k, const char *name);
int32_t sema_find_param(KernelInfo *k, const char *name);
int32_t sema_find_output(KernelInfo *k, const char *name);
int32_t sema_find_tparam(KernelInfo *k, const char *name);
/* An output dimension of output `out`, or with out NULL a side of a
 * requires condition: integer arithmetic over literals, dims and integer
 * scalars. NULL after an error. */
Sym *sema_dim_expr(Sema *s, KernelInfo *k, const char *out, AstExpr *d);

/* requires.c: the kernel's launch preconditions, recorded as facts. */
bool sema_requires(Sema *s, KernelInfo *k);

/* stages.c: the stage table, dependencies, cycles and extents. */
bool sema_stages(Sema *s, KernelInfo *k);
int32_t sema_find_stage(KernelInfo *k, const char *name);

/* check_expr.c: names, dtypes and reductions of one expression. */
void sema_expr(Sema *s, AstExpr *e);
/* Makes e's type `t`: an untyped literal takes it, anything else must have it.
 * `what` names the place for the message ("output 'y'"). */
bool sema_coerce(Sema *s, AstExpr *e, DType t, const char *what);
/* Gives an untyped expression its default type (f32 or i32). */
void sema_default_type(AstExpr *e);
void sema_fn(Sema *s, AstFn *f);
AstFn *sema_find_fn(Sema *s, const char *name);

/* extents.c: extents of intermediate stages and reduction variables. */
bool sema_extents(Sema *s, KernelInfo *k, uint32_t stage);

/* bounds.c: the static proof that every access stays inside its tensor. */
void sema_bounds(Sema *s, KernelInfo *k, uint32_t stage);
/* An integer expression as a symbolic one; NULL if it is not affine-ish
 * arithmetic over variables, dims, literals and integer scalars. */
Sym *sema_to_sym(Sema *s, AstExpr *e);
/* Shape of a tensor (input or stage) for an access; NULL if rank-generic. */
Sym **sema_tensor_shape(KernelInfo *k, RefKind kind, uint32_t index, uint32_t *rank);

/* schedule.c: every name and argument of a schedule block. */
void sema_schedule(Sema *s, KernelInfo *k, AstSchedule *sc);

/* Readable text of an expression for messages ("x[i + 1]"). */
char *sema_expr_text(Sema *s, const AstExpr *e);

#endif
