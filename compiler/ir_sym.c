/* Conversion between the loop IR's integer expressions and symbolic Sym
 * expressions: Sym -> Expr for loop bounds and shapes built from sema's
 * extents, Expr -> Sym for proofs and bounds inference. */
#include "compiler/ir.h"

static IrVar *lookup(IrCtx *c, const Sym *s)
{
    for (uint32_t i = 0; i < c->nsymmap; i++)
        if (c->symmap[i].sym == s)
            return c->symmap[i].var;
    return NULL;
}

Expr *ir_from_sym(IrCtx *c, Sym *s, SrcSpan loc)
{
    if (!s)
        return NULL;
    switch (sym_kind(s)) {
    case SYM_CONST: return ir_int(c, DT_I64, sym_const_value(s), loc);
    case SYM_VAR: {
        IrVar *v = lookup(c, s);
        return v ? ir_var(c, v, loc) : NULL;
    }
    case SYM_ADD: {
        Expr *acc = NULL;
        /* positive terms first, so `N - 1` rather than `-1 + N` */
        for (int pass = 0; pass < 2; pass++)
            for (uint32_t i = 0; i < sym_nops(s); i++) {
                int64_t k = sym_coef(s, i);
                if ((pass == 0) != (k > 0))
                    continue;
                Expr *t = ir_from_sym(c, sym_op(s, i), loc);
                if (!t)
                    return NULL;
                int64_t m = k > 0 ? k : -k;
                if (m != 1)
                    t = ir_bin(c, BOP_MUL, ir_int(c, DT_I64, m, loc), t, loc);
                if (!acc)
                    acc = k > 0 ? t : ir_un(c, UOP_NEG, t, loc);
                else
                    acc = ir_bin(c, k > 0 ? BOP_ADD : BOP_SUB, acc, t, loc);
            }
        int64_t k = sym_add_const(s);
        if (!acc)
            return ir_int(c, DT_I64, k, loc);
        if (k > 0)
            acc = ir_bin(c, BOP_ADD, acc, ir_int(c, DT_I64, k, loc), loc);
        else if (k < 0 && k != INT64_MIN)
            acc = ir_bin(c, BOP_SUB, acc, ir_int(c, DT_I64, -k, loc), loc);
        else if (k < 0)
            acc = ir_bin(c, BOP_ADD, acc, ir_int(c, DT_I64, k, loc), loc);
        return acc;
    }
    case SYM_MUL: {
        Expr *acc = NULL;
        for (uint32_t i = 0; i < sym_nops(s); i++) {
            Expr *t = ir_from_sym(c, sym_op(s, i), loc);
            if (!t)
                return NULL;
            acc = acc ? ir_bin(c, BOP_MUL, acc, t, loc) : t;
        }
        return acc;
    }
    case SYM_DIV:
    case SYM_MOD:
    case SYM_MIN:
    case SYM_MAX: {
        static const BinOp ops[] = {[SYM_DIV] = BOP_DIV, [SYM_MOD] = BOP_MOD, [SYM_MIN] = BOP_MIN,
                                    [SYM_MAX] = BOP_MAX};
        Expr *a = ir_from_sym(c, sym_op(s, 0), loc);
        Expr *b = a ? ir_from_sym(c, sym_op(s, 1), loc) : NULL;
        return b ? ir_bin(c, ops[sym_kind(s)], a, b, loc) : NULL;
    }
    }
    return NULL;
}

Sym *ir_to_sym(IrCtx *c, const Expr *e)
{
    if (!e || !dtype_is_int(e->ty))
        return NULL;
    switch (e->kind) {
    case EK_INT: return sym_const(c->sym, e->u.ival);
    case EK_VAR: return e->u.var->sym;
    case EK_UN: {
        Sym *a = e->u.un.op == UOP_NEG ? ir_to_sym(c, e->u.un.a) : NULL;
        return a ? sym_neg(c->sym, a) : NULL;
    }
    case EK_CAST: return dtype_is_int(e->u.cast.a->ty) && !e->u.cast.bits ? ir_to_sym(c, e->u.cast.a) : NULL;
    case EK_BIN: {
        Sym *a = ir_to_sym(c, e->u.bin.a);
        Sym *b = a ? ir_to_sym(c, e->u.bin.b) : NULL;
        if (!b)
            return NULL;
        switch (e->u.bin.op) {
        case BOP_ADD: return sym_add(c->sym, a, b);
        case BOP_SUB: return sym_sub(c->sym, a, b);
        case BOP_MUL: return sym_mul(c->sym, a, b);
        case BOP_DIV: return sym_div(c->sym, a, b);
        case BOP_MOD: return sym_mod(c->sym, a, b);
        case BOP_MIN: return sym_min(c->sym, a, b);
        case BOP_MAX: return sym_max(c->sym, a, b);
        default: return NULL;
        }
    }
    default: return NULL;
    }
}
