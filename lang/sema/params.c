/* The kernel signature: type parameters, inputs (binding the shape symbols)
 * and outputs (whose dims are expressions of those symbols). */
#include "lang/sema/sema_internal.h"

int32_t sema_find_dim(KernelInfo *k, const char *name)
{
    for (uint32_t i = 0; i < k->dims.n; i++)
        if (same_name(k->dims.v[i].name, name))
            return (int32_t)i;
    return -1;
}

int32_t sema_find_param(KernelInfo *k, const char *name)
{
    for (uint32_t i = 0; i < k->params.n; i++)
        if (same_name(k->params.v[i].name, name))
            return (int32_t)i;
    return -1;
}

int32_t sema_find_output(KernelInfo *k, const char *name)
{
    for (uint32_t i = 0; i < k->outputs.n; i++)
        if (same_name(k->outputs.v[i].name, name))
            return (int32_t)i;
    return -1;
}

int32_t sema_find_tparam(KernelInfo *k, const char *name)
{
    for (uint32_t i = 0; i < k->ast->tparams.n; i++)
        if (same_name(k->ast->tparams.v[i].name, name))
            return (int32_t)i;
    return -1;
}

static DType resolve_elem(Sema *s, KernelInfo *k, AstType *t)
{
    DType d = dtype_from_name(t->elem);
    if (d == DT_ERROR && sema_find_tparam(k, t->elem) >= 0)
        d = DT_GENERIC;
    if (d == DT_ERROR)
        diag_error(sink(s), t->elem_span,
                   "unknown type '%s' (the types are f32 f16 bf16 f64 i8 i16 i32 i64 u8 bool%s)", t->elem,
                   k->ast->tparams.n ? ", or a type parameter of the kernel" : "");
    t->dtype = d;
    return d;
}

/* Reports a parameter or output whose name is already taken. */
static bool taken(Sema *s, KernelInfo *k, const char *name, SrcSpan at)
{
    SrcSpan prev = NO_SPAN;
    int32_t i;
    if ((i = sema_find_param(k, name)) >= 0)
        prev = k->params.v[i].ast->span;
    else if ((i = sema_find_output(k, name)) >= 0)
        prev = k->outputs.v[i].ast->span;
    else if ((i = sema_find_dim(k, name)) >= 0)
        prev = k->dims.v[i].span;
    else if ((i = sema_find_tparam(k, name)) >= 0)
        prev = k->ast->tparams.v[i].span;
    else
        return false;
    Diag *d = diag_error(sink(s), at, "'%s' is declared twice in kernel '%s'", name, k->ast->name);
    diag_note(sink(s), d, prev, "'%s' is first declared here", name);
    return true;
}

/* An input dimension: an integer literal or a symbol (which it may bind). */
static Sym *input_dim(Sema *s, KernelInfo *k, uint32_t param, uint32_t axis, AstExpr *d)
{
    if (d->kind == EX_INT) {
        return sym_const(s->sym, d->u.ival);
    }
    if (d->kind == EX_NAME) {
        int32_t i = sema_find_dim(k, d->u.name.id);
        if (i >= 0)
            return k->dims.v[i].sym;
        if (sema_find_param(k, d->u.name.id) >= 0 || sema_find_tparam(k, d->u.name.id) >= 0) {
            taken(s, k, d->u.name.id, d->span);
            return NULL;
        }
        DimInfo dim = {.name = d->u.name.id, .span = d->span, .param = param, .axis = axis,
                       .sym = sym_var(s->sym, d->u.name.id)};
        sym_set_range(s->sym, dim.sym, sym_const(s->sym, 0), NULL);
        vec_push(&s->c->arena, k->dims, dim);
        return dim.sym;
    }
    if (d->kind == EX_ELLIPSIS)
        diag_error(sink(s), d->span, "'...' must be the only dimension: write T[...] for a tensor of any rank");
    else
        diag_error(sink(s), d->span,
                   "an input dimension must be a name or an integer literal; expressions such as "
                   "'H - 2' are allowed in output types only");
    return NULL;
}

/* An output dimension (out names the output) or a side of a `requires`
 * condition (out is NULL): integer arithmetic over literals, input symbols
 * and integer scalar parameters. */
Sym *sema_dim_expr(Sema *s, KernelInfo *k, const char *out, AstExpr *d)
{
    switch (d->kind) {
    case EX_INT:
        return sym_const(s->sym, d->u.ival);
    case EX_NAME: {
        int32_t i = sema_find_dim(k, d->u.name.id);
        if (i >= 0)
            return k->dims.v[i].sym;
        i = sema_find_param(k, d->u.name.id);
        if (i >= 0 && k->params.v[i].scalar_sym)
            return k->params.v[i].scalar_sym;
        if (i >= 0 && !k->params.v[i].is_tensor)
            diag_error(sink(s), d->span, "'%s' has type %s; %s integer scalar parameters (i8 i16 i32 i64)",
                       d->u.name.id, dtype_name(k->params.v[i].dtype),
                       out ? "a dimension can use" : "a requires condition compares");
        else if (out)
            diag_error(sink(s), d->span,
                       "'%s' in the type of output '%s' is not a dimension of any input; output shapes are computed "
                       "from the inputs' dimensions and integer scalar parameters", d->u.name.id, out);
        else
            diag_error(sink(s), d->span,
                       "'%s' is not a dimension or an integer scalar parameter of kernel '%s'; a requires "
                       "condition is about those", d->u.name.id, k->ast->name);
        return NULL;
    }
    case EX_UNARY:
        if (d->u.unary.op == OP_NEG) {
            Sym *x = sema_dim_expr(s, k, out, d->u.unary.x);
            return x ? sym_neg(s->sym, x) : NULL;
        }
        break;
    case EX_BINARY: {
        AstOp op = d->u.binary.op;
        if (op > OP_MOD)
            break;
        Sym *a = sema_dim_expr(s, k, out, d->u.binary.a);
        Sym *b = a ? sema_dim_expr(s, k, out, d->u.binary.b) : NULL;
        if (!b)
            return NULL;
        int64_t c;
        /* A symbolic divisor must be positive by the kernel's requires clause. */
        if ((op == OP_DIV || op == OP_MOD) && (sym_is_const(b, &c) ? c <= 0 : !sym_prove_ge(s->sym, b, sym_const(s->sym, 1)))) {
            diag_error(sink(s), d->u.binary.b->span,
                       "a dimension can only be divided by a positive integer literal, or by a value the kernel "
                       "requires to be positive (requires %s >= 1)", sema_expr_text(s, d->u.binary.b));
            return NULL;
        }
        switch (op) {
        case OP_ADD: return sym_add(s->sym, a, b);
        case OP_SUB: return sym_sub(s->sym, a, b);
        case OP_MUL: return sym_mul(s->sym, a, b);
        case OP_DIV: return sym_div(s->sym, a, b);
        default: return sym_mod(s->sym, a, b);
        }
    }
    case EX_CALL:
        if ((!strcmp(d->u.call.callee, "max") || !strcmp(d->u.call.callee, "min")) && d->u.call.args.n == 2) {
            Sym *a = sema_dim_expr(s, k, out, d->u.call.args.v[0]);
            Sym *b = a ? sema_dim_expr(s, k, out, d->u.call.args.v[1]) : NULL;
            if (!b)
                return NULL;
            return d->u.call.callee[1] == 'a' ? sym_max(s->sym, a, b) : sym_min(s->sym, a, b);
        }
        break;
    case EX_ELLIPSIS:
        diag_error(sink(s), d->span, "'...' must be the only dimension: write T[...] for a tensor of any rank");
        return NULL;
    default:
        break;
    }
    if (out)
        diag_error(sink(s), d->span, "an output dimension is integer arithmetic (+ - * / %% min max) over literals, "
                   "input dimensions and integer scalar parameters");
    else
        diag_error(sink(s), d->span, "a side of a requires condition is integer arithmetic (+ - * / %% min max) "
                   "over literals, dimensions and integer scalar parameters");
    return NULL;
}

static bool tensor_type(Sema *s, KernelInfo *k, ParamInfo *p, uint32_t index, bool is_output)
{
    AstType *t = &p->ast->type;
    p->dtype = resolve_elem(s, k, t);
    p->is_tensor = t->is_tensor || is_output;
    if (!p->is_tensor) {
        if (p->dtype == DT_GENERIC)
            k->generic = true;
        else if (dtype_is_int(p->dtype)) {
            p->scalar_sym = sym_var(s->sym, p->name);
        }
        return p->dtype != DT_ERROR;
    }
    AstExprVec *dims = &t->dims;
    if (dims->n == 1 && dims->v[0]->kind == EX_ELLIPSIS) {
        p->rank_generic = true;
        k->generic = true;
        return p->dtype != DT_ERROR;
    }
    p->rank = dims->n;
    p->shape = arena_alloc(&s->c->arena, (dims->n + 1) * sizeof *p->shape);
    bool ok = p->dtype != DT_ERROR;
    for (uint32_t a = 0; a < dims->n; a++) {
        AstExpr *d = dims->v[a];
        p->shape[a] = is_output ? sema_dim_expr(s, k, p->name, d) : input_dim(s, k, index, a, d);
        int64_t c;
        if (p->shape[a] && sym_is_const(p->shape[a], &c) && c < 0) {
            diag_error(sink(s), d->span, "dimension %u of '%s' is negative (%lld)", a, p->name, (long long)c);
            p->shape[a] = NULL;
        }
        ok &= p->shape[a] != NULL;
    }
    return ok;
}

bool sema_signature(Sema *s, KernelInfo *k)
{
    AstKernel *ak = k->ast;
    bool ok = true;
    for (uint32_t i = 0; i < ak->tparams.n; i++) {
        AstTypeParam *tp = &ak->tparams.v[i];
        k->generic = true;
        for (uint32_t j = 0; j < i; j++)
            if (same_name(ak->tparams.v[j].name, tp->name)) {
                Diag *d = diag_error(sink(s), tp->span, "type parameter '%s' is declared twice", tp->name);
                diag_note(sink(s), d, ak->tparams.v[j].span, "first declared here");
                ok = false;
            }
        if (dtype_from_name(tp->name) != DT_ERROR) {
            diag_error(sink(s), tp->span, "type parameter '%s' has the name of a built-in type", tp->name);
            ok = false;
        }
    }
    for (uint32_t i = 0; i < ak->params.n; i++) {
        AstParam *ap = &ak->params.v[i];
        if (taken(s, k, ap->name, ap->span)) {
            ok = false;
            continue;
        }
        ParamInfo p = {.ast = ap, .name = ap->name};
        uint32_t index = k->params.n;
        vec_push(&s->c->arena, k->params, p);
        ok &= tensor_type(s, k, &k->params.v[index], index, false);
    }
    /* Preconditions before outputs: their dims may divide by what they assume. */
    ok &= sema_requires(s, k);
    for (uint32_t i = 0; i < ak->outputs.n; i++) {
        AstParam *ap = &ak->outputs.v[i];
        if (taken(s, k, ap->name, ap->span)) {
            ok = false;
            continue;
        }
        ParamInfo p = {.ast = ap, .name = ap->name};
        uint32_t index = k->outputs.n;
        vec_push(&s->c->arena, k->outputs, p);
        ParamInfo *o = &k->outputs.v[index];
        ok &= tensor_type(s, k, o, index, true);
        if (o->rank_generic) {
            bool any = false;
            for (uint32_t j = 0; j < k->params.n; j++)
                any |= k->params.v[j].rank_generic;
            if (!any) {
                diag_error(sink(s), ap->type.span,
                           "output '%s' has any rank ([...]) but no input does, so its shape is unknown", ap->name);
                ok = false;
            }
        }
    }
    if (ak->outputs.n == 0) {
        diag_error(sink(s), ak->span, "kernel '%s' has no outputs", ak->name);
        ok = false;
    }
    return ok;
}
