/* Substituting a variable by an expression, and the questions passes ask
 * of an expression (does it use a variable, does it load). Integer (i64)
 * arithmetic whose operands changed is rebuilt through ir_add / ir_sub /
 * ir_mul, so `i * x.s1` with the stride known to be 1 becomes `i`. */
#include "compiler/ir.h"

typedef struct Subst {
    Mutator m;
    IrVar  *v;
    Expr   *by;
} Subst;

static Expr *on_var(Mutator *m, Expr *e)
{
    Subst *s = (Subst *)m;
    return e->u.var == s->v ? s->by : e;
}

static Expr *on_bin(Mutator *m, Expr *e)
{
    Expr *r = mut_expr_children(m, e);
    if (r == e || r->ty != DT_I64)
        return r;
    switch (r->u.bin.op) {
    case BOP_ADD: return ir_add(m->c, r->u.bin.a, r->u.bin.b);
    case BOP_SUB: return ir_sub(m->c, r->u.bin.a, r->u.bin.b);
    case BOP_MUL: return ir_mul(m->c, r->u.bin.a, r->u.bin.b);
    default: return r;
    }
}

static Subst subst(IrCtx *c, IrVar *v, Expr *by)
{
    Subst s = {.v = v, .by = by};
    s.m.c = c;
    s.m.expr[EK_VAR] = on_var;
    s.m.expr[EK_BIN] = on_bin;
    return s;
}

Expr *ir_subst_expr(IrCtx *c, Expr *e, IrVar *v, Expr *by)
{
    Subst s = subst(c, v, by);
    return mut_expr(&s.m, e);
}

Stmt *ir_subst_stmt(IrCtx *c, Stmt *st, IrVar *v, Expr *by)
{
    Subst s = subst(c, v, by);
    return mut_stmt(&s.m, st);
}

typedef struct Uses {
    Visitor      v;
    const IrVar *var;
    bool         found;
} Uses;

static bool on_use(Visitor *v, Expr *e)
{
    Uses *u = (Uses *)v;
    u->found |= e->u.var == u->var;
    return !u->found;
}

static bool on_load(Visitor *v, Expr *e)
{
    (void)e;
    ((Uses *)v)->found = true;
    return false;
}

bool ir_expr_uses(Expr *e, const IrVar *var)
{
    Uses u = {.var = var};
    u.v.expr[EK_VAR] = on_use;
    vis_expr(&u.v, e);
    return u.found;
}

bool ir_stmt_uses(Stmt *st, const IrVar *var)
{
    Uses u = {.var = var};
    u.v.expr[EK_VAR] = on_use;
    vis_stmt(&u.v, st);
    return u.found;
}

bool ir_expr_loads(Expr *e)
{
    Uses u = {0};
    u.v.expr[EK_LOAD] = on_load;
    vis_expr(&u.v, e);
    return u.found;
}

bool ir_plus_var(Expr *e, const IrVar *var)
{
    if (e->kind == EK_VAR && e->u.var == var)
        return true;
    if (e->kind != EK_BIN || e->u.bin.op != BOP_ADD || e->ty != DT_I64)
        return false;
    bool a = ir_expr_uses(e->u.bin.a, var), b = ir_expr_uses(e->u.bin.b, var);
    if (a == b)
        return false;
    return ir_plus_var(a ? e->u.bin.a : e->u.bin.b, var);
}
