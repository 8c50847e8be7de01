/* Instantiates a kernel's AST for one launch: every node gets a concrete
 * dtype (type parameters resolved from the binding, generic literals from
 * the operand they meet), dims and scalars become constants, fn helpers are
 * expanded with their own parameter slots. An operation that the
 * instantiation makes invalid (exp of T = i32) is a launch error. */
#include "compiler/interp/interp_internal.h"

#include "lang/intrinsics.h"

static Node *node(Interp *in, NodeKind kind, DType t, const AstExpr *src)
{
    Node *n = arena_alloc(&in->arena, sizeof *n);
    n->kind = kind;
    n->t = t;
    n->src = src;
    return n;
}

static Node **nodes(Interp *in, uint32_t n) { return arena_alloc(&in->arena, (n + 1) * sizeof(Node *)); }

static DType tparam_type(Interp *in, const char *name)
{
    int32_t i = launch_tparam(in->k, name);
    return i >= 0 ? in->b->tparams[i] : DT_ERROR;
}

/* The concrete dtype of e, or DT_GENERIC when only its context decides it
 * (a literal that met a T-typed operand). */
static DType infer(Interp *in, const AstExpr *e)
{
    if (e->dtype != DT_GENERIC)
        return e->dtype;
    const KernelInfo *k = in->k;
    switch (e->kind) {
    case EX_NAME:
        if (e->u.name.ref == REF_SCALAR || e->u.name.ref == REF_INPUT)
            return in->b->param_dtypes[e->u.name.index];
        if (e->u.name.ref == REF_STAGE)
            return in->stage_t[e->u.name.index];
        return DT_GENERIC;
    case EX_ACCESS:
        return e->u.access.ref == REF_INPUT ? in->b->param_dtypes[e->u.access.index]
                                            : in->stage_t[e->u.access.index];
    case EX_UNARY: return infer(in, e->u.unary.x);
    case EX_BINARY: {
        DType t = infer(in, e->u.binary.a);
        return t != DT_GENERIC ? t : infer(in, e->u.binary.b);
    }
    case EX_CALL:
        if (e->u.call.cast_to != DT_ERROR)
            return tparam_type(in, e->u.call.callee);
        if (e->u.call.fn)
            return e->u.call.fn->ret.dtype;
        for (uint32_t i = e->u.call.intrinsic == INTR_SELECT ? 1 : 0; i < e->u.call.args.n; i++) {
            DType t = infer(in, e->u.call.args.v[i]);
            if (t != DT_GENERIC)
                return t;
        }
        return DT_GENERIC;
    case EX_REDUCE: return infer(in, e->u.reduce.body);
    default: (void)k; return DT_GENERIC;
    }
}

DType interp_stage_type(Interp *in, uint32_t s)
{
    const StageInfo *st = &in->k->stages.v[s];
    if (st->is_output)
        return in->b->out_dtypes[st->output];
    if (st->dtype != DT_GENERIC)
        return st->dtype;
    return infer(in, st->stmt->value);
}

/* The concrete type of e where its context expects `want`. */
static DType concrete(Interp *in, const AstExpr *e, DType want)
{
    DType t = infer(in, e);
    return t == DT_GENERIC ? want : t;
}

static Node *bad(Interp *in, const AstExpr *e, const char *what, DType t)
{
    char text[160];
    launch_expr_text(e, text, sizeof text);
    interp_fail(in, "%s: cannot instantiate %s: %s is not defined for %s", in->k->ast->name, text, what,
                dtype_name(t));
    return node(in, N_CONST, DT_I64, e);
}

static Node *literal(Interp *in, const AstExpr *e, DType t)
{
    Node *n = node(in, N_CONST, t, e);
    if (e->kind == EX_FLOAT && !dtype_is_float(t))
        return bad(in, e, "a float literal", t);
    if (dtype_is_float(t))
        n->c.f = val_round(t, e->kind == EX_FLOAT ? e->u.fval : (double)e->u.ival);
    else
        n->c.i = val_wrap(t, e->u.ival);
    return n;
}

static Node *name(Interp *in, const AstExpr *e, DType t)
{
    const Binding *b = in->b;
    uint32_t i = e->u.name.index;
    Node *n;
    switch (e->u.name.ref) {
    case REF_INDEX: n = node(in, N_INDEX, DT_I64, e); n->slot = i; return n;
    case REF_RVAR: n = node(in, N_RVAR, DT_I64, e); n->slot = i; return n;
    case REF_FN_PARAM: n = node(in, N_SLOT, t, e); n->slot = in->frame + i; return n;
    case REF_DIM: n = node(in, N_CONST, DT_I64, e); n->c.i = b->dims[i]; return n;
    case REF_SCALAR: return NULL; /* handled by the caller, which has the value */
    case REF_INPUT:
    case REF_STAGE: /* a 0-d tensor read as its one value */
        n = node(in, N_LOAD, t, e);
        n->buf = e->u.name.ref == REF_INPUT ? &in->inputs[i] : &in->stages[i];
        return n;
    default: return bad(in, e, "this name", t);
    }
}

static Node *call(Interp *in, const AstExpr *e, DType t)
{
    const AstExprVec *args = &e->u.call.args;
    Node *n;
    if (e->u.call.cast_to != DT_ERROR) {
        DType from = concrete(in, args->v[0], DT_GENERIC);
        if (from == DT_GENERIC)
            from = args->v[0]->kind == EX_FLOAT ? DT_F32 : DT_I64;
        if (e->u.call.bitcast && (dtype_size(from) != dtype_size(t) || from == DT_BOOL || t == DT_BOOL))
            return bad(in, e, arena_printf(&in->arena, "a bitcast from %s", dtype_name(from)), t);
        n = node(in, e->u.call.bitcast ? N_BITCAST : N_CAST, t, e);
        n->ot = from;
        n->a = nodes(in, 1);
        n->n = 1;
        n->a[0] = interp_build(in, args->v[0], from);
        return n;
    }
    if (e->u.call.fn) {
        const AstFn *f = e->u.call.fn;
        n = node(in, N_CALL, t, e);
        n->n = args->n;
        n->a = nodes(in, args->n);
        for (uint32_t i = 0; i < args->n; i++)
            n->a[i] = interp_build(in, args->v[i], f->params.v[i].type.dtype);
        uint32_t saved = in->frame;
        n->slot = in->frame = in->nslots;
        in->nslots += args->n;
        n->x = interp_build(in, f->body, f->ret.dtype);
        in->frame = saved;
        return n;
    }
    int id = e->u.call.intrinsic;
    if (id < 0 || id >= INTR__COUNT)
        return bad(in, e, "this call", t);
    uint32_t first = id == INTR_SELECT ? 1 : 0;
    DType vt = t;
    for (uint32_t i = first; i < args->n && vt == DT_GENERIC; i++)
        vt = infer(in, args->v[i]);
    if (intrinsic_info[id].args == IA_FLOAT && !dtype_is_float(vt))
        return bad(in, e, intrinsic_info[id].name, vt);
    if (intrinsic_info[id].args == IA_NUMERIC && vt == DT_BOOL)
        return bad(in, e, intrinsic_info[id].name, vt);
    n = node(in, N_INTR, vt, e);
    n->op = id;
    n->ot = vt;
    n->n = args->n;
    n->a = nodes(in, args->n);
    for (uint32_t i = 0; i < args->n; i++)
        n->a[i] = interp_build(in, args->v[i], i < first ? DT_BOOL : vt);
    return n;
}

static Node *access(Interp *in, const AstExpr *e, DType t)
{
    Node *n = node(in, N_LOAD, t, e);
    uint32_t i = e->u.access.index;
    n->buf = e->u.access.ref == REF_INPUT ? &in->inputs[i] : &in->stages[i];
    const AstExprVec *idx = &e->u.access.idx;
    if (idx->n == 1 && idx->v[0]->kind == EX_ELLIPSIS) {
        n->ellipsis = true;
    } else {
        n->n = idx->n;
        n->a = nodes(in, idx->n);
        for (uint32_t j = 0; j < idx->n; j++)
            n->a[j] = interp_build(in, idx->v[j], DT_I64);
    }
    if (e->u.access.dflt)
        n->x = interp_build(in, e->u.access.dflt, t);
    return n;
}

static Node *reduce(Interp *in, const AstExpr *e, DType t)
{
    /* argmax/argmin: an i64 position; the values compared keep their type. */
    DType vt = RED_IS_ARG(e->u.reduce.op) ? concrete(in, e->u.reduce.body, DT_F32) : t;
    if (vt == DT_BOOL)
        return bad(in, e, e->u.reduce.op_name, vt);
    const AstGenVarVec *vars = &e->u.reduce.vars;
    Node *n = node(in, N_REDUCE, t, e);
    n->op = e->u.reduce.op;
    n->ot = vt;
    n->n = vars->n;
    n->rv = arena_alloc(&in->arena, (vars->n + 1) * sizeof *n->rv);
    n->lo = nodes(in, vars->n);
    n->hi = nodes(in, vars->n);
    n->min = arena_alloc(&in->arena, (vars->n + 1) * sizeof *n->min);
    n->ext = arena_alloc(&in->arena, (vars->n + 1) * sizeof *n->ext);
    for (uint32_t i = 0; i < vars->n; i++) {
        const AstGenVar *g = &vars->v[i];
        n->rv[i] = g->rvar;
        if (g->lo) {
            n->lo[i] = interp_build(in, g->lo, DT_I64);
            n->hi[i] = interp_build(in, g->hi, DT_I64);
            continue;
        }
        const VarInfo *v = &in->k->rvars.v[g->rvar];
        bool ok1, ok2;
        n->min[i] = launch_eval(in->k, in->b, v->min, &ok1);
        n->ext[i] = launch_eval(in->k, in->b, v->extent, &ok2);
        if (!ok1 || !ok2)
            interp_fail(in, "%s: the range of reduction variable %s cannot be computed", in->k->ast->name, g->name);
    }
    n->x = interp_build(in, e->u.reduce.body, vt);
    return n;
}

Node *interp_build(Interp *in, const AstExpr *e, DType want)
{
    DType t = concrete(in, e, want);
    if (t == DT_GENERIC || t == DT_ERROR) {
        char text[160];
        launch_expr_text(e, text, sizeof text);
        interp_fail(in, "%s: cannot determine the type of %s", in->k->ast->name, text);
        return node(in, N_CONST, DT_I64, e);
    }
    Node *n;
    switch (e->kind) {
    case EX_INT:
    case EX_FLOAT: return literal(in, e, t);
    case EX_NAME:
        if (e->u.name.ref == REF_SCALAR) {
            const TkScalarValue *v = &in->scalars[e->u.name.index];
            n = node(in, N_CONST, t, e);
            if (dtype_is_float(t))
                n->c.f = val_round(t, v->u.f);
            else
                n->c.i = val_wrap(t, v->u.i);
            return n;
        }
        return name(in, e, t);
    case EX_UNARY:
        if (e->u.unary.op == OP_NEG && t == DT_BOOL)
            return bad(in, e, "'-'", t);
        if (e->u.unary.op == OP_BITNOT && !dtype_is_int(t))
            return bad(in, e, "'~'", t);
        n = node(in, N_UNARY, t, e);
        n->op = e->u.unary.op;
        n->a = nodes(in, 1);
        n->n = 1;
        n->a[0] = interp_build(in, e->u.unary.x, e->u.unary.op == OP_NOT ? DT_BOOL : t);
        return n;
    case EX_BINARY: {
        AstOp op = e->u.binary.op;
        DType ot = t;
        if (op >= OP_EQ && op <= OP_OR) {
            ot = infer(in, e->u.binary.a);
            if (ot == DT_GENERIC)
                ot = infer(in, e->u.binary.b);
            if (op == OP_AND || op == OP_OR)
                ot = DT_BOOL;
        } else if (t == DT_BOOL || op == OP_DEFAULT || (op >= OP_BITAND && !dtype_is_int(t))) {
            return bad(in, e, ast_op_text(op), t);
        }
        if (ot == DT_GENERIC)
            ot = DT_I32; /* two literals compared */
        if (op >= OP_LT && op <= OP_GE && ot == DT_BOOL)
            return bad(in, e, ast_op_text(op), ot);
        n = node(in, N_BINARY, t, e);
        n->op = op;
        n->ot = ot;
        n->a = nodes(in, 2);
        n->n = 2;
        n->a[0] = interp_build(in, e->u.binary.a, ot);
        n->a[1] = interp_build(in, e->u.binary.b, ot);
        return n;
    }
    case EX_CALL: return call(in, e, t);
    case EX_ACCESS: return access(in, e, t);
    case EX_REDUCE: return reduce(in, e, t);
    default: return bad(in, e, "this expression", t);
    }
}
