/* The `requires` clause (docs/language.md, "Preconditions"): a list of
 * comparisons of integer arithmetic over literals, dims and integer scalar
 * parameters, joined by `,` or `&&`. Each comparison is checked at launch
 * before any code runs, and recorded as a fact of the kernel's symbolic
 * context, so the bounds proof and output shapes may assume it. Facts
 * mention only this kernel's symbols, so they never reach other kernels. */
#include "lang/sema/sema_internal.h"

static bool is_comparison(AstOp op)
{
    return op == OP_EQ || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

/* Records lhs op rhs as facts e >= 0 for the prover. */
static void assume(SymCtx *c, AstOp op, Sym *lhs, Sym *rhs)
{
    Sym *d = sym_sub(c, lhs, rhs); /* lhs - rhs */
    switch (op) {
    case OP_GE: sym_assume_nonneg(c, d); break;
    case OP_GT: sym_assume_nonneg(c, sym_addi(c, d, -1)); break;
    case OP_LE: sym_assume_nonneg(c, sym_neg(c, d)); break;
    case OP_LT: sym_assume_nonneg(c, sym_addi(c, sym_neg(c, d), -1)); break;
    default:
        sym_assume_nonneg(c, d);
        sym_assume_nonneg(c, sym_neg(c, d));
        break;
    }
}

static bool condition(Sema *s, KernelInfo *k, AstExpr *e)
{
    if (e->kind == EX_ERROR)
        return false;
    if (e->kind == EX_BINARY && e->u.binary.op == OP_AND)
        return condition(s, k, e->u.binary.a) & condition(s, k, e->u.binary.b);
    if (e->kind != EX_BINARY || !is_comparison(e->u.binary.op)) {
        const char *why = e->kind == EX_BINARY && e->u.binary.op == OP_NE ? " ('!=' is not one: write a < b or a > b)"
                          : e->kind == EX_BINARY && e->u.binary.op == OP_OR ? " ('||' is not supported: every "
                                                                               "condition listed must hold)"
                                                                             : "";
        diag_error(sink(s), e->span,
                   "a requires condition is a comparison (== < <= > >=) of integer expressions, such as 'k >= 1'%s",
                   why);
        return false;
    }
    Sym *lhs = sema_dim_expr(s, k, NULL, e->u.binary.a);
    Sym *rhs = lhs ? sema_dim_expr(s, k, NULL, e->u.binary.b) : NULL;
    if (!rhs)
        return false;
    Requirement r = {e, e->u.binary.op, lhs, rhs};
    vec_push(&s->c->arena, k->requires, r);
    assume(s->sym, r.op, lhs, rhs);
    return true;
}

bool sema_requires(Sema *s, KernelInfo *k)
{
    bool ok = true;
    for (uint32_t i = 0; i < k->ast->requires.n; i++)
        ok &= condition(s, k, k->ast->requires.v[i]);
    return ok;
}
