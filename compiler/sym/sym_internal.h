/* Private to compiler/sym/: the node layout, the context, linear forms
 * (sum of coefficient x atom + constant) shared by the simplifier, the
 * interval code and the prover. */
#ifndef TK_SYM_INTERNAL_H
#define TK_SYM_INTERNAL_H

#include <stddef.h>

#include "compiler/sym/sym.h"
#include "support/vec.h"

struct Sym {
    SymKind     kind;
    uint32_t    id;    /* creation order; atoms in a sum are sorted by it */
    uint32_t    n;     /* number of ops */
    uint64_t    hash;
    int64_t     k;     /* CONST: value; ADD: constant term; VAR: index into ranges */
    const char *name;  /* VAR */
    Sym       **ops;   /* ADD: atoms; MUL: factors; DIV..MAX: two operands */
    int64_t    *coef;  /* ADD: one coefficient per atom */
};

typedef struct SymRange {
    Sym *lo, *hi;
} SymRange;

struct SymCtx {
    Arena   *a;
    Sym    **tab;      /* open-addressing hash-cons table */
    uint32_t cap, count;
    uint32_t next_id;
    VEC(SymRange) ranges; /* by variable index */
    VEC(Sym *) facts;     /* each fact is e >= 0 */
    Sym     *zero;        /* also returned after the arena ran out of memory */
    int64_t *fm;          /* prover scratch rows, reused across calls */
    size_t   fm_cap;      /* in int64_t units */
};

/* Linear form: k + sum t[i].coef * t[i].atom, atoms sorted by id, no zero
 * coefficients, no repeated atom. Lives in the context arena. */
typedef struct Term {
    int64_t coef;
    Sym    *atom;
} Term;

typedef struct Lin {
    int64_t  k;
    uint32_t n, cap;
    Term    *t;
} Lin;

/* sym.c */
Sym *sym_intern(SymCtx *c, SymKind kind, int64_t k, uint32_t n, Sym **ops, int64_t *coef);

/* simplify.c */
void lin_init(Lin *l);
void lin_of(SymCtx *c, Sym *e, Lin *out);                      /* out must be initialised */
bool lin_add_scaled(SymCtx *c, Lin *dst, const Lin *src, int64_t m); /* false on overflow */
bool lin_add_term(SymCtx *c, Lin *dst, Sym *atom, int64_t coef);
Sym *lin_build(SymCtx *c, const Lin *l);

/* interval.c: constant bounds; ctx NULL means "no facts" (context-free).
 * has_lo/has_hi false means unbounded on that side. */
typedef struct CInt {
    int64_t lo, hi;
    bool    has_lo, has_hi;
} CInt;
CInt sym_cbound(SymCtx *c, const Sym *e, int depth);

/* arithmetic helpers (floor semantics, overflow-checked) */
/* Division and modulo by zero give 0 (docs/semantics.md). */
bool    sym_floor_div(int64_t a, int64_t b, int64_t *q); /* false only on overflow */
bool    sym_floor_mod(int64_t a, int64_t b, int64_t *r);
uint64_t gcd64(int64_t a, int64_t b);                /* of absolute values; 0 if both 0 */

#endif
