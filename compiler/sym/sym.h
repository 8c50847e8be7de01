/* Symbolic integer expressions over shape symbols: hash-consed canonical
 * forms, a sound prover for linear facts, symbolic bounds and evaluation.
 * See docs/symbolic.md for what the simplifier and the prover know. */
#ifndef TK_SYM_H
#define TK_SYM_H

#include <stdbool.h>
#include <stdint.h>

#include "support/arena.h"

typedef struct SymCtx SymCtx; /* owns the hash-cons table; all memory in the given arena */
typedef struct Sym Sym;       /* immutable, hash-consed: structurally equal => pointer equal */

/* Node kinds. The canonical form is a sum SYM_ADD of coefficient x atom plus a
 * constant; atoms are every other kind. A lone atom with coefficient 1 and no
 * constant is the atom itself, a lone constant is SYM_CONST. */
typedef enum SymKind {
    SYM_CONST, /* sym_const_value()                                        */
    SYM_VAR,   /* sym_var_name(), sym_id() tells variables apart           */
    SYM_ADD,   /* sum of sym_coef(e,i) * sym_op(e,i) for i < nops, + sym_add_const(e) */
    SYM_MUL,   /* product of nops >= 2 non-constant factors (non-linear)   */
    SYM_DIV,   /* floor division op0 / op1                                 */
    SYM_MOD,   /* floor modulo op0 % op1 (sign of the divisor)             */
    SYM_MIN,   /* min(op0, op1)                                            */
    SYM_MAX,   /* max(op0, op1)                                            */
} SymKind;

SymCtx *sym_ctx_new(Arena *a);
/* A context that starts where `parent` is (every node, variable, range and
 * fact it has) and puts everything made after, and every proof's scratch,
 * in arena `a`. The parent is only read, so any number of forks of one
 * parent may be used at once on different threads, as long as nobody adds
 * to the parent meanwhile. Symbols of the parent stay valid in the fork;
 * symbols made in the fork die with `a`. One compile of a kernel forks the
 * kernel's context into its scratch arena (compiler/pipeline.h). */
SymCtx *sym_ctx_fork(Arena *a, const SymCtx *parent);
Arena  *sym_ctx_arena(SymCtx *c);

Sym *sym_const(SymCtx *c, int64_t v);
/* A FRESH variable on every call (two calls with the same name give two
 * different variables); the name is only for printing. */
Sym *sym_var(SymCtx *c, const char *name);

/* Facts for the prover. lo <= var <= hi, inclusive; lo or hi may be NULL
 * (unbounded). A claim that mentions var (directly or through the ranges of
 * the variables it mentions) may also assume lo <= hi: code that has a value
 * for var runs inside its loop, so the domain is non-empty there. Claims that
 * do not reach var never see that premise, so an empty range (a loop that
 * never runs) cannot make other claims vacuous. Setting a range again
 * replaces the bounds. */
void sym_set_range(SymCtx *c, Sym *var, Sym *lo, Sym *hi);
/* The range set for var; lo and hi come back NULL when unbounded or never set. */
void sym_get_range(SymCtx *c, const Sym *var, Sym **lo, Sym **hi);
/* Records the fact e >= 0. A fact's variables count as having values for
 * every claim that uses it, so record a fact about loop variables only
 * while proving claims about code inside those loops, and take it back
 * afterwards: mark = sym_facts_mark(c); sym_assume_nonneg(...); prove;
 * sym_facts_reset(c, mark). That is how the condition of a select becomes
 * a premise of the accesses it guards and of nothing else. */
void     sym_assume_nonneg(SymCtx *c, Sym *e);
uint32_t sym_facts_mark(SymCtx *c);
void     sym_facts_reset(SymCtx *c, uint32_t mark); /* drops the facts recorded since mark */

/* Constructors return simplified canonical forms. Folding never overflows:
 * a fold that would overflow int64 stays unfolded. */
Sym *sym_add(SymCtx *c, Sym *a, Sym *b);
Sym *sym_sub(SymCtx *c, Sym *a, Sym *b);
Sym *sym_mul(SymCtx *c, Sym *a, Sym *b);
Sym *sym_neg(SymCtx *c, Sym *a);
Sym *sym_div(SymCtx *c, Sym *a, Sym *b);  /* floor division */
Sym *sym_mod(SymCtx *c, Sym *a, Sym *b);  /* floor modulo: result has the divisor's sign */
Sym *sym_min(SymCtx *c, Sym *a, Sym *b);
Sym *sym_max(SymCtx *c, Sym *a, Sym *b);
Sym *sym_ceil_div(SymCtx *c, Sym *a, Sym *b); /* (a + b - 1) / b, for b > 0 */
Sym *sym_addi(SymCtx *c, Sym *a, int64_t k);  /* a + k */
Sym *sym_muli(SymCtx *c, Sym *a, int64_t k);  /* a * k */
/* e with every occurrence of variable var replaced by `by`, re-simplified. */
Sym *sym_subst(SymCtx *c, Sym *e, const Sym *var, Sym *by);

/* Introspection. */
SymKind     sym_kind(const Sym *e);
uint32_t    sym_id(const Sym *e);              /* creation order: stable, deterministic */
bool        sym_is_const(const Sym *e, int64_t *v);
int64_t     sym_const_value(const Sym *e);     /* SYM_CONST only */
const char *sym_var_name(const Sym *e);        /* SYM_VAR only */
uint32_t    sym_nops(const Sym *e);            /* 0 for CONST/VAR, 2 for DIV..MAX */
Sym        *sym_op(const Sym *e, uint32_t i);
int64_t     sym_coef(const Sym *e, uint32_t i); /* SYM_ADD: coefficient of op i; else 1 */
int64_t     sym_add_const(const Sym *e);        /* SYM_ADD: constant term; else 0 */
bool        sym_depends_on(const Sym *e, const Sym *var);

/* Prover: true only if the relation holds for every assignment of integers
 * to the variables that satisfies the recorded facts (and for which every
 * expression involved evaluates without overflow). Division and modulo by
 * zero give 0, as in the language, so a claim about x % N also covers N = 0.
 * false means "not proved", never "proved false". */
bool sym_prove_le(SymCtx *c, Sym *a, Sym *b);
bool sym_prove_lt(SymCtx *c, Sym *a, Sym *b);
bool sym_prove_ge(SymCtx *c, Sym *a, Sym *b);
bool sym_prove_gt(SymCtx *c, Sym *a, Sym *b);
bool sym_prove_eq(SymCtx *c, Sym *a, Sym *b);

/* Bounds: substitutes the bounds of every variable that has both a lower and
 * an upper bound (a loop variable; recursively, ranges may mention other such
 * variables), giving bounds in terms of the remaining variables (parameters
 * such as dims, which keep their symbols). NULL when unbounded or unknown. */
Sym *sym_upper_bound(SymCtx *c, Sym *e);
Sym *sym_lower_bound(SymCtx *c, Sym *e);

/* Evaluation for tests and launch-time checks; x / 0 and x % 0 give 0;
 * *ok=false on overflow (then the result is 0). */
int64_t sym_eval(const Sym *e, int64_t (*value_of)(void *ud, const Sym *var), void *ud,
                 bool *ok);

/* Readable infix with the fewest parentheses: "N - 1", "H / 2 * 2", "min(N, 8)". */
char *sym_str(Arena *a, const Sym *e);

#endif
