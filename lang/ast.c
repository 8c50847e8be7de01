/* AST constructors: allocate in the session arena and bound nesting depth. */
#include "lang/ast.h"

SrcSpan span_join(SrcSpan a, SrcSpan b)
{
    if (a.at.file != b.at.file || a.at.line != b.at.line || b.at.col < a.at.col)
        return a;
    return (SrcSpan){a.at, b.at.col + b.len - a.at.col};
}

const char *ast_op_text(AstOp op)
{
    static const char *const text[] = {
        [OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/", [OP_MOD] = "%",
        [OP_EQ] = "==", [OP_NE] = "!=", [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">",
        [OP_GE] = ">=", [OP_AND] = "&&", [OP_OR] = "||", [OP_DEFAULT] = "??",
        [OP_NEG] = "-", [OP_NOT] = "!", [OP_BITAND] = "&", [OP_BITOR] = "|", [OP_BITXOR] = "^",
        [OP_SHL] = "<<", [OP_SHR] = ">>", [OP_BITNOT] = "~",
    };
    return op <= OP_BITNOT ? text[op] : "?";
}

static AstExpr *node(Ctx *c, AstExprKind kind, SrcSpan sp)
{
    AstExpr *e = arena_alloc(&c->arena, sizeof *e);
    e->kind = kind;
    e->span = sp;
    e->depth = 1;
    return e;
}

/* Sets e->depth from its children; reports nesting that is too deep once per
 * line so that 10,000 nested parentheses give one error, not thousands. */
static AstExpr *deepen(Ctx *c, AstExpr *e, unsigned child_depth)
{
    if (child_depth + 1 <= AST_MAX_DEPTH) {
        e->depth = (uint16_t)(child_depth + 1);
        return e;
    }
    if (child_depth != AST_MAX_DEPTH + 1)
        diag_error(&c->diags, e->span, "expression nesting too deep (more than %d levels)", AST_MAX_DEPTH);
    AstExpr *err = node(c, EX_ERROR, e->span);
    err->depth = AST_MAX_DEPTH + 1; /* marks "already reported" for enclosing nodes */
    return err;
}

static unsigned maxd(unsigned a, unsigned b) { return a > b ? a : b; }

static unsigned list_depth(AstExprVec v)
{
    unsigned d = 0;
    for (uint32_t i = 0; i < v.n; i++)
        d = maxd(d, v.v[i]->depth);
    return d;
}

AstExpr *ast_int(Ctx *c, SrcSpan sp, int64_t v)
{
    AstExpr *e = node(c, EX_INT, sp);
    e->u.ival = v;
    return e;
}

AstExpr *ast_float(Ctx *c, SrcSpan sp, double v)
{
    AstExpr *e = node(c, EX_FLOAT, sp);
    e->u.fval = v;
    return e;
}

AstExpr *ast_name(Ctx *c, SrcSpan sp, const char *id)
{
    AstExpr *e = node(c, EX_NAME, sp);
    e->u.name.id = id;
    return e;
}

AstExpr *ast_ellipsis(Ctx *c, SrcSpan sp) { return node(c, EX_ELLIPSIS, sp); }
AstExpr *ast_error(Ctx *c, SrcSpan sp) { return node(c, EX_ERROR, sp); }

AstExpr *ast_unary(Ctx *c, SrcSpan op_span, AstOp op, AstExpr *x)
{
    AstExpr *e = node(c, EX_UNARY, span_join(op_span, x->span));
    e->u.unary.op = op;
    e->u.unary.x = x;
    return deepen(c, e, x->depth);
}

AstExpr *ast_binary(Ctx *c, AstOp op, AstExpr *a, AstExpr *b)
{
    AstExpr *e = node(c, EX_BINARY, span_join(a->span, b->span));
    e->u.binary.op = op;
    e->u.binary.a = a;
    e->u.binary.b = b;
    return deepen(c, e, maxd(a->depth, b->depth));
}

AstExpr *ast_default(Ctx *c, AstExpr *a, AstExpr *b)
{
    if (a->kind == EX_ACCESS && !a->u.access.dflt) {
        a->u.access.dflt = b;
        a->span = span_join(a->span, b->span);
        return deepen(c, a, maxd(a->depth - 1u, b->depth));
    }
    return ast_binary(c, OP_DEFAULT, a, b);
}

AstExpr *ast_call(Ctx *c, SrcSpan callee_span, const char *callee, AstExprVec args, SrcSpan close)
{
    AstExpr *e = node(c, EX_CALL, span_join(callee_span, close));
    e->u.call.callee = callee;
    e->u.call.callee_span = callee_span;
    e->u.call.args = args;
    e->u.call.intrinsic = -1;
    return deepen(c, e, list_depth(args));
}

AstExpr *ast_bitcast(Ctx *c, SrcSpan kw_span, const char *type, SrcSpan type_span, AstExpr *x, SrcSpan close)
{
    AstExprVec args = {0};
    vec_push(&c->arena, args, x);
    AstExpr *e = ast_call(c, type_span, type, args, close);
    e->span = span_join(kw_span, close);
    e->u.call.bitcast = true;
    return e;
}

AstExpr *ast_access(Ctx *c, SrcSpan name_span, const char *tensor, AstExprVec idx, SrcSpan close)
{
    AstExpr *e = node(c, EX_ACCESS, span_join(name_span, close));
    e->u.access.tensor = tensor;
    e->u.access.tensor_span = name_span;
    e->u.access.idx = idx;
    return deepen(c, e, list_depth(idx));
}

AstExpr *ast_reduce(Ctx *c, SrcSpan op_span, const char *op, AstExpr *body, AstGenVarVec vars, SrcSpan close)
{
    AstExpr *e = node(c, EX_REDUCE, span_join(op_span, close));
    e->u.reduce.op_name = op;
    e->u.reduce.op_span = op_span;
    e->u.reduce.body = body;
    e->u.reduce.vars = vars;
    unsigned d = body->depth;
    for (uint32_t i = 0; i < vars.n; i++) {
        if (vars.v[i].lo)
            d = maxd(d, vars.v[i].lo->depth);
        if (vars.v[i].hi)
            d = maxd(d, vars.v[i].hi->depth);
    }
    return deepen(c, e, d);
}
