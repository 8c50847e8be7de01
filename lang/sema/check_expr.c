/* Expression checking: resolves names, types every node, opens reduction
 * scopes. Untyped literals take the type of what they meet (DESIGN §1);
 * anything else must match exactly, so mixed dtypes need a cast. A node with
 * DT_ERROR silences every check above it, so one mistake gives one message. */
#include "lang/sema/sema_internal.h"

#include <inttypes.h>
#include <stdio.h>

static const char type_list[] = "f32 f16 bf16 f64 i8 i16 i32 i64 u8 u16 u32 u64 bool";

/* A name resolves in the caller's namespace first: a library fn calls the
 * library's helpers, a user's file its own, and a user's file sees the
 * library's fns it imported under names it does not define itself. */
AstFn *sema_find_fn(Sema *s, const char *name)
{
    bool library = s->fn ? s->fn->library : s->k && s->k->ast->library;
    AstFn *other = NULL;
    for (uint32_t i = 0; i < s->fns.n; i++)
        if (same_name(s->fns.v[i]->name, name)) {
            if (s->fns.v[i]->library == library)
                return s->fns.v[i];
            other = other ? other : s->fns.v[i];
        }
    return library ? NULL : other;
}

static bool is_error(const AstExpr *e) { return e->dtype == DT_ERROR; }

/* Gives an untyped literal subtree the type t (no checks: sema_coerce checked). */
static void retype(AstExpr *e, DType t)
{
    if (!e->untyped)
        return;
    e->untyped = false;
    e->dtype = t;
    switch (e->kind) {
    case EX_UNARY: retype(e->u.unary.x, t); break;
    case EX_BINARY:
        if (e->u.binary.op >= OP_EQ && e->u.binary.op <= OP_GE)
            break; /* comparisons are bool already */
        retype(e->u.binary.a, t);
        retype(e->u.binary.b, t);
        break;
    case EX_CALL:
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            retype(e->u.call.args.v[i], t);
        break;
    case EX_REDUCE: retype(e->u.reduce.body, t); break;
    default: break;
    }
}

/* Does an untyped subtree contain a float literal? */
static bool has_float_literal(const AstExpr *e, const AstExpr **where)
{
    if (!e->untyped)
        return false;
    switch (e->kind) {
    case EX_FLOAT: *where = e; return true;
    case EX_UNARY: return has_float_literal(e->u.unary.x, where);
    case EX_BINARY: return has_float_literal(e->u.binary.a, where) || has_float_literal(e->u.binary.b, where);
    case EX_CALL:
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            if (has_float_literal(e->u.call.args.v[i], where))
                return true;
        return false;
    case EX_REDUCE: return has_float_literal(e->u.reduce.body, where);
    default: return false;
    }
}

void sema_default_type(AstExpr *e)
{
    const AstExpr *f;
    if (e->untyped)
        retype(e, has_float_literal(e, &f) ? DT_F32 : DT_I32);
}

bool sema_coerce(Sema *s, AstExpr *e, DType t, const char *what)
{
    if (is_error(e) || t == DT_ERROR)
        return false;
    if (e->untyped) {
        const AstExpr *f;
        if (t == DT_BOOL) {
            diag_error(sink(s), e->span, "a number cannot be used as bool in %s; compare it, e.g. x != 0", what);
            return false;
        }
        if (dtype_is_int(t) && has_float_literal(e, &f)) {
            diag_error(sink(s), f->span, "float literal '%s' cannot take the integer type %s of %s",
                       sema_expr_text(s, f), dtype_name(t), what);
            return false;
        }
        retype(e, t);
        return true;
    }
    if (e->dtype == t)
        return true;
    diag_error(sink(s), e->span, "%s has type %s, but this expression is %s; convert it with %s(...)", what,
               dtype_name(t), dtype_name(e->dtype), dtype_name(t));
    return false;
}

/* Brings a and b to one type for `op_text`; DT_ERROR after reporting. */
static DType unify(Sema *s, SrcSpan at, const char *op_text, AstExpr *a, AstExpr *b)
{
    if (is_error(a) || is_error(b))
        return DT_ERROR;
    if (a->untyped && b->untyped) {
        const AstExpr *f;
        return has_float_literal(a, &f) || has_float_literal(b, &f) ? DT_F32 : DT_I32;
    }
    if (a->untyped)
        return sema_coerce(s, a, b->dtype, "the other operand") ? b->dtype : DT_ERROR;
    if (b->untyped)
        return sema_coerce(s, b, a->dtype, "the other operand") ? a->dtype : DT_ERROR;
    if (a->dtype == b->dtype)
        return a->dtype;
    diag_error(sink(s), at, "mismatched types for '%s': %s and %s; convert one side with a cast such as %s(...)",
               op_text, dtype_name(a->dtype), dtype_name(b->dtype),
               dtype_is_float(b->dtype) ? dtype_name(b->dtype) : dtype_name(a->dtype));
    return DT_ERROR;
}

static bool numeric(Sema *s, AstExpr *e, const char *what)
{
    if (is_error(e))
        return false;
    if (e->dtype == DT_BOOL && !e->untyped) {
        diag_error(sink(s), e->span, "%s needs a number, but this is bool; convert it with f32(...) or i32(...)", what);
        return false;
    }
    return true;
}

static bool is_bit_op(AstOp op) { return op >= OP_BITAND && op <= OP_BITNOT; }

/* An operand of & | ^ ~ << >>: an integer (an untyped literal is checked
 * once it has a type). */
static bool integer_operand(Sema *s, AstExpr *e, AstOp op)
{
    if (is_error(e) || e->untyped || dtype_is_int(e->dtype) || e->dtype == DT_GENERIC)
        return !is_error(e);
    const char *o = ast_op_text(op);
    if (e->dtype != DT_BOOL) {
        size_t w = dtype_size(e->dtype) * 8;
        diag_error(sink(s), e->span, "'%s' needs integer operands, but this is %s; to work on its bits, write "
                   "bitcast<u%zu>(...)", o, dtype_name(e->dtype), w);
    } else if (e->kind == EX_BINARY && e->u.binary.op >= OP_EQ && e->u.binary.op <= OP_GE) {
        diag_error(sink(s), e->span, "'%s' needs integer operands, but this comparison is bool; '%s' binds more "
                   "loosely than '%s' (as in C): add parentheses, e.g. (x & 1) == 0", o, o,
                   ast_op_text(e->u.binary.op));
    } else {
        diag_error(sink(s), e->span, "'%s' needs integer operands, but this is bool; for logic use && || !", o);
    }
    return false;
}

/* name -> what it means in the current scope */
static Ref lookup(Sema *s, const char *name)
{
    if (s->fn) {
        for (uint32_t i = 0; i < s->fn->params.n; i++)
            if (same_name(s->fn->params.v[i].name, name))
                return (Ref){REF_FN_PARAM, i};
        return (Ref){REF_NONE, 0};
    }
    KernelInfo *k = s->k;
    for (uint32_t i = s->rscope.n; i-- > 0;)
        if (same_name(k->rvars.v[s->rscope.v[i]].name, name))
            return (Ref){REF_RVAR, s->rscope.v[i]};
    if (s->stage >= 0) {
        StageInfo *st = &k->stages.v[s->stage];
        for (uint32_t i = 0; i < st->rank; i++)
            if (st->vars && same_name(st->vars[i].name, name))
                return (Ref){REF_INDEX, i};
    }
    int32_t i;
    if ((i = sema_find_dim(k, name)) >= 0)
        return (Ref){REF_DIM, (uint32_t)i};
    if ((i = sema_find_param(k, name)) >= 0)
        return (Ref){k->params.v[i].is_tensor ? REF_INPUT : REF_SCALAR, (uint32_t)i};
    if ((i = sema_find_stage(k, name)) >= 0)
        return (Ref){REF_STAGE, (uint32_t)i};
    return (Ref){REF_NONE, 0};
}

static void check_name(Sema *s, AstExpr *e)
{
    const char *id = e->u.name.id;
    Ref r = lookup(s, id);
    e->u.name.ref = r.kind;
    e->u.name.index = r.index;
    switch (r.kind) {
    case REF_INDEX:
    case REF_RVAR:
    case REF_DIM:
        e->dtype = DT_I64;
        return;
    case REF_SCALAR:
        e->dtype = s->k->params.v[r.index].dtype;
        return;
    case REF_FN_PARAM:
        e->dtype = s->fn->params.v[r.index].type.dtype;
        return;
    case REF_INPUT:
    case REF_STAGE: {
        uint32_t rank = r.kind == REF_INPUT ? s->k->params.v[r.index].rank : s->k->stages.v[r.index].rank;
        bool generic = r.kind == REF_INPUT ? s->k->params.v[r.index].rank_generic
                                           : s->k->stages.v[r.index].rank_generic;
        if (rank == 0 && !generic) { /* a 0-d tensor reads as its one value */
            e->dtype = r.kind == REF_INPUT ? s->k->params.v[r.index].dtype : s->k->stages.v[r.index].dtype;
            return;
        }
        diag_error(sink(s), e->span, "'%s' is a tensor with %u dimension%s; index it, e.g. %s[...]", id, rank,
                   rank == 1 ? "" : "s", id);
        e->dtype = DT_ERROR;
        return;
    }
    default:
        break;
    }
    e->dtype = DT_ERROR;
    if (s->k && !s->fn && sema_find_tparam(s->k, id) >= 0)
        diag_error(sink(s), e->span, "type parameter '%s' is not a value; convert a value with %s(...)", id, id);
    else if (dtype_from_name(id) != DT_ERROR)
        diag_error(sink(s), e->span, "'%s' is a type, not a value; convert a value with %s(...)", id, id);
    else if (s->fn)
        diag_error(sink(s), e->span, "unknown name '%s' in fn '%s' (an fn sees only its own parameters)", id,
                   s->fn->name);
    else if (s->in_index) /* an index variable the left side does not declare */
        diag_error(sink(s), e->span,
                   "unknown name '%s'; a variable that appears only on the right must be bound by a reduction, "
                   "e.g. sum(... for %s)", id, id);
    else
        diag_error(sink(s), e->span, "unknown name '%s': not a parameter, dimension, stage or variable of kernel "
                   "'%s'", id, s->k ? s->k->ast->name : "?");
}

static void check_unary(Sema *s, AstExpr *e)
{
    AstExpr *x = e->u.unary.x;
    sema_expr(s, x);
    e->dtype = DT_ERROR;
    if (is_error(x))
        return;
    if (e->u.unary.op == OP_BITNOT) {
        if (!integer_operand(s, x, OP_BITNOT))
            return;
        if (x->untyped && has_float_literal(x, &(const AstExpr *){0})) {
            diag_error(sink(s), x->span, "'~' needs integer operands, but this is a float literal");
            return;
        }
        e->dtype = x->dtype;
        e->untyped = x->untyped;
        return;
    }
    if (e->u.unary.op == OP_NOT) {
        if (x->dtype != DT_BOOL || x->untyped)
            diag_error(sink(s), x->span, "'!' needs a bool operand, but this is %s", dtype_name(x->dtype));
        else
            e->dtype = DT_BOOL;
        return;
    }
    if (!numeric(s, x, "'-'"))
        return;
    e->dtype = x->dtype;
    e->untyped = x->untyped;
}

static void check_binary(Sema *s, AstExpr *e)
{
    AstExpr *a = e->u.binary.a, *b = e->u.binary.b;
    AstOp op = e->u.binary.op;
    sema_expr(s, a);
    sema_expr(s, b);
    e->dtype = DT_ERROR;
    if (op == OP_DEFAULT) {
        diag_error(sink(s), a->span, "'?\?' needs a tensor access on its left, e.g. x[i - 1] ?? 0.0");
        return;
    }
    if (is_error(a) || is_error(b))
        return;
    if (op == OP_AND || op == OP_OR) {
        AstExpr *bad = a->dtype != DT_BOOL || a->untyped ? a : b->dtype != DT_BOOL || b->untyped ? b : NULL;
        if (bad)
            diag_error(sink(s), bad->span, "'%s' needs bool operands, but this is %s", ast_op_text(op),
                       bad->untyped ? "a number" : dtype_name(bad->dtype));
        else
            e->dtype = DT_BOOL;
        return;
    }
    if (is_bit_op(op)) {
        if (!integer_operand(s, a, op) || !integer_operand(s, b, op))
            return;
        DType t = unify(s, e->span, ast_op_text(op), a, b);
        if (t == DT_ERROR)
            return;
        if (a->untyped && b->untyped && dtype_is_float(t)) {
            diag_error(sink(s), e->span, "'%s' needs integer operands, but these are float literals", ast_op_text(op));
            return;
        }
        e->dtype = t;
        e->untyped = a->untyped && b->untyped;
        return;
    }
    bool cmp = op >= OP_EQ && op <= OP_GE;
    bool eq = op == OP_EQ || op == OP_NE;
    const char *quoted = arena_printf(&s->c->arena, "'%s'", ast_op_text(op));
    if (!eq && (!numeric(s, a, quoted) || !numeric(s, b, quoted)))
        return;
    DType t = unify(s, e->span, ast_op_text(op), a, b);
    if (t == DT_ERROR)
        return;
    if (cmp) {
        e->dtype = DT_BOOL;
        if (a->untyped) /* both literals: give them their default type */
            sema_default_type(a), sema_default_type(b);
        return;
    }
    e->dtype = t;
    e->untyped = a->untyped && b->untyped;
}

/* bitcast<T>(x): T and x's type have one width (a type parameter's is
 * checked when the kernel is instantiated); bool has no bit pattern to reuse. */
static bool bitcast_widths_match(Sema *s, AstExpr *e, DType from, DType to)
{
    if (from == DT_BOOL || to == DT_BOOL) {
        diag_error(sink(s), e->span, "bitcast<%s> of %s: bitcast works on numbers, not bool; convert with %s(...)",
                   dtype_name(to), dtype_name(from), dtype_name(to));
        return false;
    }
    if (from == DT_GENERIC || to == DT_GENERIC || dtype_size(from) == dtype_size(to))
        return true;
    diag_error(sink(s), e->span, "bitcast<%s> of %s changes the width: %s has %zu bits, %s has %zu; bitcast between "
               "types of one width, e.g. f32 and u32", dtype_name(to), dtype_name(from), dtype_name(to),
               dtype_size(to) * 8, dtype_name(from), dtype_size(from) * 8);
    return false;
}

static void check_cast(Sema *s, AstExpr *e, DType to)
{
    AstExprVec *args = &e->u.call.args;
    e->u.call.cast_to = to;
    e->dtype = DT_ERROR;
    for (uint32_t i = 0; i < args->n; i++)
        sema_expr(s, args->v[i]);
    if (args->n != 1) {
        diag_error(sink(s), e->span, "a conversion takes one value: %s(x), not %u", e->u.call.callee, args->n);
        return;
    }
    if (is_error(args->v[0]))
        return;
    sema_default_type(args->v[0]);
    if (e->u.call.bitcast && !bitcast_widths_match(s, e, args->v[0]->dtype, to))
        return;
    e->dtype = to;
}

static void check_fn_call(Sema *s, AstExpr *e, AstFn *f)
{
    AstExprVec *args = &e->u.call.args;
    e->u.call.fn = f;
    e->dtype = DT_ERROR;
    for (uint32_t i = 0; i < args->n; i++)
        sema_expr(s, args->v[i]);
    if (f->check_state == 1) {
        diag_error(sink(s), e->u.call.callee_span,
                   "fn '%s' calls itself; fn helpers are inlined, so recursion is not allowed", f->name);
        return;
    }
    if (f->check_state == 0)
        sema_fn(s, f);
    if (args->n != f->params.n) {
        Diag *d = diag_error(sink(s), e->span, "fn '%s' takes %u argument%s, but %u %s given", f->name,
                             f->params.n, f->params.n == 1 ? "" : "s", args->n, args->n == 1 ? "was" : "were");
        diag_note(sink(s), d, f->span, "'%s' is defined here", f->name);
        return;
    }
    bool ok = true;
    for (uint32_t i = 0; i < args->n; i++) {
        char *what = arena_printf(&s->c->arena, "parameter '%s' of fn '%s'", f->params.v[i].name, f->name);
        ok &= sema_coerce(s, args->v[i], f->params.v[i].type.dtype, what);
    }
    if (ok)
        e->dtype = f->ret.dtype;
}

static void check_intrinsic(Sema *s, AstExpr *e, int id)
{
    const IntrinsicInfo *in = &intrinsic_info[id];
    AstExprVec *args = &e->u.call.args;
    e->u.call.intrinsic = id;
    e->dtype = DT_ERROR;
    for (uint32_t i = 0; i < args->n; i++)
        sema_expr(s, args->v[i]);
    if ((int)args->n != in->nargs) {
        if ((id == INTR_MAX || id == INTR_MIN) && args->n == 1)
            diag_error(sink(s), e->span, "%s of one value: write %s(a, b), or reduce with %s(expr for k)",
                       in->name, in->name, in->name);
        else
            diag_error(sink(s), e->span, "%s takes %d argument%s, but %u %s given", in->name, in->nargs,
                       in->nargs == 1 ? "" : "s", args->n, args->n == 1 ? "was" : "were");
        return;
    }
    for (uint32_t i = 0; i < args->n; i++)
        if (is_error(args->v[i]))
            return;
    uint32_t first = 0;
    if (in->args == IA_SELECT) {
        AstExpr *c = args->v[0];
        if (c->dtype != DT_BOOL || c->untyped) {
            diag_error(sink(s), c->span, "the condition of select must be bool, but this is %s",
                       c->untyped ? "a number" : dtype_name(c->dtype));
            return;
        }
        first = 1;
    }
    /* Unify the value arguments pairwise, left to right. */
    DType t = args->v[first]->dtype;
    bool untyped = args->v[first]->untyped;
    for (uint32_t i = first + 1; i < args->n; i++) {
        t = unify(s, args->v[i]->span, in->name, args->v[first], args->v[i]);
        if (t == DT_ERROR)
            return;
        if (!args->v[i]->untyped || !args->v[first]->untyped)
            untyped = false;
        for (uint32_t j = first; j < i; j++)
            if (!untyped && args->v[j]->untyped)
                sema_coerce(s, args->v[j], t, in->name);
    }
    if (in->args != IA_SELECT)
        for (uint32_t i = 0; i < args->n; i++)
            if (!numeric(s, args->v[i], in->name))
                return;
    if (in->args == IA_FLOAT && !untyped && !dtype_is_float(t) && t != DT_GENERIC) {
        diag_error(sink(s), e->span, "%s needs floating-point arguments, but they are %s; convert with f32(...)",
                   in->name, dtype_name(t));
        return;
    }
    if (in->args == IA_FLOAT && untyped) {
        /* exp(1): the literal must become a float, whatever it meets later. */
        const AstExpr *f;
        bool has_float = false;
        for (uint32_t i = 0; i < args->n; i++)
            has_float |= has_float_literal(args->v[i], &f);
        if (!has_float)
            for (uint32_t i = 0; i < args->n; i++)
                retype(args->v[i], DT_F32), untyped = false;
        t = DT_F32;
    }
    e->dtype = t;
    e->untyped = untyped;
}

static void check_call(Sema *s, AstExpr *e)
{
    const char *name = e->u.call.callee;
    DType to = dtype_from_name(name);
    if (to != DT_ERROR)
        return check_cast(s, e, to);
    if (s->k && !s->fn && sema_find_tparam(s->k, name) >= 0)
        return check_cast(s, e, DT_GENERIC);
    if (e->u.call.bitcast) {
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            sema_expr(s, e->u.call.args.v[i]);
        diag_error(sink(s), e->u.call.callee_span, "bitcast to '%s', which is not a type (types: %s)", name,
                   type_list);
        e->dtype = DT_ERROR;
        return;
    }
    AstFn *f = sema_find_fn(s, name);
    if (f)
        return check_fn_call(s, e, f);
    int id = intrinsic_lookup(name);
    if (id >= 0)
        return check_intrinsic(s, e, id);
    for (uint32_t i = 0; i < e->u.call.args.n; i++)
        sema_expr(s, e->u.call.args.v[i]);
    e->dtype = DT_ERROR;
    Ref r = s->fn ? (Ref){REF_NONE, 0} : lookup(s, name);
    if (r.kind == REF_INPUT || r.kind == REF_STAGE)
        diag_error(sink(s), e->u.call.callee_span, "'%s' is a tensor; index it with square brackets: %s[...]",
                   name, name);
    else if (!strcmp(name, "sum") || !strcmp(name, "prod"))
        diag_error(sink(s), e->span, "%s is a reduction: write %s(expr for k)", name, name);
    else {
        char names[512];
        size_t at = 0;
        for (int i = 0; i < INTR__COUNT && at < sizeof names; i++)
            at += (size_t)snprintf(names + at, sizeof names - at, "%s%s", i ? " " : "", intrinsic_info[i].name);
        diag_error(sink(s), e->u.call.callee_span, "unknown function '%s' (intrinsics: %s; casts: %s)", name, names,
                   type_list);
    }
}

/* Reports a variable whose name hides another one in scope. */
static bool shadows(Sema *s, const char *name, SrcSpan at)
{
    Ref r = lookup(s, name);
    const char *what = NULL;
    switch (r.kind) {
    case REF_INDEX: what = "an index variable of this stage"; break;
    case REF_RVAR: what = "an enclosing reduction variable"; break;
    case REF_DIM: what = "a dimension"; break;
    case REF_SCALAR: case REF_INPUT: what = "a parameter"; break;
    case REF_STAGE: what = "a stage"; break;
    default: return false;
    }
    diag_error(sink(s), at, "reduction variable '%s' has the name of %s; choose another name", name, what);
    return true;
}

static void check_access(Sema *s, AstExpr *e)
{
    const char *name = e->u.access.tensor;
    AstExprVec *idx = &e->u.access.idx;
    e->dtype = DT_ERROR;
    bool bad_index = false;
    for (uint32_t i = 0; i < idx->n; i++) {
        AstExpr *x = idx->v[i];
        if (x->kind == EX_ELLIPSIS) {
            x->dtype = DT_I64;
            continue;
        }
        s->in_index++;
        sema_expr(s, x);
        s->in_index--;
        if (is_error(x)) {
            bad_index = true;
        } else if (x->untyped) {
            if (!sema_coerce(s, x, DT_I64, "a tensor index"))
                bad_index = true;
        } else if (!dtype_is_int(x->dtype)) {
            diag_error(sink(s), x->span, "a tensor index must be an integer, but this is %s", dtype_name(x->dtype));
            bad_index = true;
        }
    }
    if (e->u.access.dflt)
        sema_expr(s, e->u.access.dflt);
    if (s->fn) {
        diag_error(sink(s), e->u.access.tensor_span, "fn '%s' cannot read tensors; pass the value as an argument",
                   s->fn->name);
        return;
    }
    Ref r = lookup(s, name);
    if (r.kind != REF_INPUT && r.kind != REF_STAGE) {
        if (r.kind == REF_SCALAR)
            diag_error(sink(s), e->u.access.tensor_span, "'%s' is a scalar, not a tensor; use it without [ ]", name);
        else if (r.kind != REF_NONE)
            diag_error(sink(s), e->u.access.tensor_span, "'%s' is not a tensor and cannot be indexed", name);
        else
            diag_error(sink(s), e->u.access.tensor_span, "unknown tensor '%s'", name);
        return;
    }
    e->u.access.ref = r.kind;
    e->u.access.index = r.index;
    DType t;
    uint32_t rank;
    bool generic;
    if (r.kind == REF_INPUT) {
        ParamInfo *p = &s->k->params.v[r.index];
        t = p->dtype, rank = p->rank, generic = p->rank_generic;
    } else {
        StageInfo *st = &s->k->stages.v[r.index];
        t = st->dtype, rank = st->rank, generic = st->rank_generic;
    }
    bool ellipsis = idx->n == 1 && idx->v[0]->kind == EX_ELLIPSIS;
    for (uint32_t i = 0; i < idx->n; i++)
        if (idx->v[i]->kind == EX_ELLIPSIS && !ellipsis) {
            diag_error(sink(s), idx->v[i]->span, "'...' must be the only index: %s[...]", name);
            return;
        }
    if (generic || ellipsis) {
        bool stage_generic = s->stage >= 0 && s->k->stages.v[s->stage].rank_generic;
        if (!generic) {
            diag_error(sink(s), e->span, "'%s' has %u dimension%s; only a tensor declared with [...] is indexed "
                       "with [...]", name, rank, rank == 1 ? "" : "s");
            return;
        }
        if (!ellipsis || !stage_generic) {
            diag_error(sink(s), e->span, "'%s' has any rank (declared [...]); read it as %s[...] inside a stage "
                       "defined as name[...]", name, name);
            return;
        }
    } else if (idx->n == 0 && rank == 0) {
        diag_error(sink(s), e->span, "'%s' is a 0-d tensor: read it without brackets, as %s", name, name);
        return;
    } else if (idx->n != rank) {
        diag_error(sink(s), e->span, "'%s' has %u dimension%s, but is indexed with %u", name, rank,
                   rank == 1 ? "" : "s", idx->n);
        return;
    }
    if (bad_index || t == DT_ERROR)
        return;
    if (e->u.access.dflt) {
        char *what = arena_printf(&s->c->arena, "the default of an access to '%s'", name);
        if (!sema_coerce(s, e->u.access.dflt, t, what))
            return;
    }
    e->dtype = t;
}

static void check_reduce(Sema *s, AstExpr *e)
{
    static const char *const ops[] = {[RED_SUM] = "sum",   [RED_MAX] = "max",       [RED_MIN] = "min",
                                      [RED_PROD] = "prod", [RED_ARGMAX] = "argmax", [RED_ARGMIN] = "argmin"};
    e->dtype = DT_ERROR;
    int op = -1;
    for (int i = 0; i < (int)(sizeof ops / sizeof *ops); i++)
        if (!strcmp(e->u.reduce.op_name, ops[i]))
            op = i;
    AstGenVarVec *vars = &e->u.reduce.vars;
    if (op < 0) {
        diag_error(sink(s), e->u.reduce.op_span, "'%s' is not a reduction; use sum, max, min, prod, argmax or argmin",
                   e->u.reduce.op_name);
        return;
    }
    e->u.reduce.op = (RedOp)op;
    if (s->fn) {
        diag_error(sink(s), e->u.reduce.op_span, "fn '%s' cannot contain a reduction", s->fn->name);
        return;
    }
    uint32_t scope_mark = s->rscope.n;
    bool ok = true;
    for (uint32_t i = 0; i < vars->n; i++) {
        AstGenVar *g = &vars->v[i];
        for (uint32_t j = 0; j < i; j++)
            if (same_name(vars->v[j].name, g->name)) {
                diag_error(sink(s), g->span, "reduction variable '%s' is listed twice", g->name);
                ok = false;
            }
        ok &= !shadows(s, g->name, g->span);
        VarInfo v = {.name = g->name, .span = g->span, .is_reduction = true, .sym = sym_var(s->sym, g->name)};
        if (g->lo) {
            Sym *lo = NULL, *hi = NULL;
            sema_expr(s, g->lo);
            sema_expr(s, g->hi);
            if (!is_error(g->lo) && !is_error(g->hi)) {
                lo = sema_to_sym(s, g->lo);
                hi = sema_to_sym(s, g->hi);
                if (!lo || !hi)
                    diag_error(sink(s), lo ? g->hi->span : g->lo->span,
                               "a reduction range must be built from integers and dimensions");
            }
            if (lo && hi) {
                v.min = lo;
                v.extent = sym_sub(s->sym, hi, lo);
                int64_t n;
                if (sym_is_const(v.extent, &n) && n <= 0) {
                    diag_error(sink(s), span_join(g->lo->span, g->hi->span),
                               "the range %s..%s of '%s' is empty", sym_str(&s->c->arena, lo),
                               sym_str(&s->c->arena, hi), g->name);
                    ok = false;
                } else {
                    sym_set_range(s->sym, v.sym, lo, sym_sub(s->sym, hi, sym_const(s->sym, 1)));
                }
            } else {
                ok = false;
            }
        }
        g->rvar = s->k->rvars.n;
        vec_push(&s->c->arena, s->k->rvars, v);
        vec_push(&s->c->arena, s->rscope, g->rvar);
        if (s->stage >= 0)
            vec_push(&s->c->arena, s->k->stages.v[s->stage].rvars, g->rvar);
    }
    AstExpr *body = e->u.reduce.body;
    sema_expr(s, body);
    s->rscope.n = scope_mark;
    if (!ok || is_error(body))
        return;
    if (body->dtype == DT_BOOL && !body->untyped) {
        diag_error(sink(s), body->span, "cannot %s bool values; convert them first, e.g. i32(...)", ops[op]);
        return;
    }
    if (RED_IS_ARG(op)) {
        /* The result is a position; the values compared keep their own type. */
        sema_default_type(body);
        e->dtype = DT_I64;
        return;
    }
    e->dtype = body->dtype;
    e->untyped = body->untyped;
}

void sema_expr(Sema *s, AstExpr *e)
{
    e->untyped = false;
    switch (e->kind) {
    case EX_ERROR: e->dtype = DT_ERROR; break;
    case EX_INT: e->dtype = DT_I32; e->untyped = true; break;
    case EX_FLOAT: e->dtype = DT_F32; e->untyped = true; break;
    case EX_NAME: check_name(s, e); break;
    case EX_UNARY: check_unary(s, e); break;
    case EX_BINARY: check_binary(s, e); break;
    case EX_CALL: check_call(s, e); break;
    case EX_ACCESS: check_access(s, e); break;
    case EX_REDUCE: check_reduce(s, e); break;
    case EX_ELLIPSIS:
        diag_error(sink(s), e->span, "'...' stands for indices and may only appear inside [ ]");
        e->dtype = DT_ERROR;
        break;
    }
}

/* fn name(params) -> T = body;  checked once, on first use or at the end. */
void sema_fn(Sema *s, AstFn *f)
{
    if (f->check_state)
        return;
    f->check_state = 1;
    AstFn *saved_fn = s->fn;
    s->fn = f;
    bool ok = true;
    for (uint32_t i = 0; i < f->params.n; i++) {
        AstParam *p = &f->params.v[i];
        for (uint32_t j = 0; j < i; j++)
            if (same_name(f->params.v[j].name, p->name)) {
                Diag *d = diag_error(sink(s), p->span, "parameter '%s' is declared twice", p->name);
                diag_note(sink(s), d, f->params.v[j].span, "first declared here");
            }
        p->type.dtype = dtype_from_name(p->type.elem);
        if (p->type.dtype == DT_ERROR || p->type.is_tensor) {
            diag_error(sink(s), p->type.span, "fn parameters are scalars of one of the types %s", type_list);
            ok = false;
        }
    }
    f->ret.dtype = dtype_from_name(f->ret.elem);
    if (f->ret.dtype == DT_ERROR || f->ret.is_tensor) {
        diag_error(sink(s), f->ret.span, "an fn returns a scalar of one of the types %s", type_list);
        ok = false;
    }
    sema_expr(s, f->body);
    if (ok && !is_error(f->body)) {
        char *what = arena_printf(&s->c->arena, "the result of fn '%s'", f->name);
        sema_coerce(s, f->body, f->ret.dtype, what);
    }
    s->fn = saved_fn;
    f->check_state = 2;
}
