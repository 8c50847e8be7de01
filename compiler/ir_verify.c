/* The loop IR verifier (QBE ssacheck): variables bound before use and not
 * rebound inside their scope, loads and stores only to arguments or live
 * allocations with one index per dimension, Alloc/Free paired in one
 * sequence, and consistent types. Runs after lowering in every test. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir.h"
#include "lang/intrinsics.h"
#include "support/vec.h"

typedef struct Verify {
    IrCtx       *c;
    const Func  *f;
    const char  *what;     /* the first problem, or NULL */
    SrcSpan      at;
    VEC(IrVar *) scope;    /* loop and let variables in scope */
    VEC(IrBuffer *) live;  /* allocations in scope */
} Verify;

static bool fail(Verify *v, SrcSpan at, const char *msg)
{
    if (!v->what) {
        v->what = msg;
        v->at = at;
    }
    return false;
}

static bool in_scope(Verify *v, const IrVar *x)
{
    for (uint32_t i = 0; i < v->scope.n; i++)
        if (v->scope.v[i] == x)
            return true;
    return false;
}

static bool is_param(Verify *v, const IrVar *x)
{
    if (x->kind == IV_LOOP || x->kind == IV_LET)
        return false;
    if (!v->f)
        return true;
    for (uint32_t i = 0; i < v->f->ndims; i++)
        if (v->f->dims[i].var == x)
            return true;
    for (uint32_t i = 0; i < v->f->nargs; i++) {
        const IrArg *a = &v->f->args[i];
        if (a->var == x)
            return true;
        if (a->buf && a->buf->strides)
            for (uint32_t j = 0; j < a->buf->rank; j++)
                if (a->buf->strides[j] == x)
                    return true;
    }
    return false;
}

static bool buffer_known(Verify *v, const IrBuffer *b)
{
    for (uint32_t i = 0; i < v->live.n; i++)
        if (v->live.v[i] == b)
            return true;
    if (b->kind == BUF_LOCAL)
        return false;
    if (!v->f)
        return true;
    for (uint32_t i = 0; i < v->f->nargs; i++)
        if (v->f->args[i].buf == b)
            return true;
    return false;
}

static bool expr(Verify *v, const Expr *e);

/* flat: one index, the element offset (after storage flattening). */
static bool index_list_as(Verify *v, const IrBuffer *b, Expr **idx, uint32_t n, SrcSpan at, bool flat)
{
    Arena *a = v->c->a;
    if (!buffer_known(v, b))
        return fail(v, at, arena_printf(a, "access to buffer '%s', which is neither an argument nor allocated here",
                                        b->name));
    if (flat && n != 1)
        return fail(v, at, arena_printf(a, "'%s' is indexed with %u indices in a flattened kernel", b->name, n));
    if (!flat && n != b->rank)
        return fail(v, at, arena_printf(a, "'%s' has %u dimensions but is indexed with %u", b->name, b->rank, n));
    for (uint32_t i = 0; i < n; i++) {
        if (!expr(v, idx[i]))
            return false;
        if (!dtype_is_int(idx[i]->ty))
            return fail(v, at, arena_printf(a, "index %u of '%s' has type %s, not an integer", i, b->name,
                                            dtype_name(idx[i]->ty)));
    }
    return true;
}

static bool index_list(Verify *v, const IrBuffer *b, Expr **idx, uint32_t n, SrcSpan at)
{
    return index_list_as(v, b, idx, n, at, v->f && v->f->flat);
}

static bool expr(Verify *v, const Expr *e)
{
    Arena *a = v->c->a;
    if (!e)
        return fail(v, (SrcSpan){0}, "missing expression");
    switch (e->kind) {
    case EK_INT:
    case EK_FLOAT:
        return true;
    case EK_VAR:
        if (!in_scope(v, e->u.var) && !is_param(v, e->u.var))
            return fail(v, e->loc, arena_printf(a, "variable '%s' is used outside its scope", e->u.var->name));
        if (e->ty != e->u.var->ty)
            return fail(v, e->loc, arena_printf(a, "variable '%s' used with the wrong type", e->u.var->name));
        return true;
    case EK_UN:
        if (!expr(v, e->u.un.a))
            return false;
        if (e->u.un.op == UOP_NOT ? e->u.un.a->ty != DT_BOOL : e->u.un.a->ty != e->ty)
            return fail(v, e->loc, "unary operand type mismatch");
        return true;
    case EK_BIN: {
        const Expr *x = e->u.bin.a, *y = e->u.bin.b;
        if (!expr(v, x) || !expr(v, y))
            return false;
        if (x->ty != y->ty)
            return fail(v, e->loc, arena_printf(a, "operands of '%s' have types %s and %s",
                                                ir_binop_text[e->u.bin.op], dtype_name(x->ty), dtype_name(y->ty)));
        BinOp op = e->u.bin.op;
        if ((op == BOP_AND || op == BOP_OR) && x->ty != DT_BOOL)
            return fail(v, e->loc, "logic operator on non-bool operands");
        if (op >= BOP_EQ && op <= BOP_OR ? e->ty != DT_BOOL : e->ty != x->ty)
            return fail(v, e->loc, arena_printf(a, "'%s' has the wrong result type", ir_binop_text[op]));
        return true;
    }
    case EK_SELECT:
        if (!expr(v, e->u.sel.cond) || !expr(v, e->u.sel.t) || !expr(v, e->u.sel.f))
            return false;
        if (e->u.sel.cond->ty != DT_BOOL || e->u.sel.t->ty != e->ty || e->u.sel.f->ty != e->ty)
            return fail(v, e->loc, "select types are inconsistent");
        return true;
    case EK_CAST: return expr(v, e->u.cast.a);
    case EK_CALL:
        if (e->u.call.intrinsic < 0 || e->u.call.intrinsic >= INTR__COUNT ||
            intrinsic_info[e->u.call.intrinsic].nargs != (int)e->u.call.nargs)
            return fail(v, e->loc, "call of an unknown intrinsic or with the wrong number of arguments");
        for (uint32_t i = 0; i < e->u.call.nargs; i++)
            if (!expr(v, e->u.call.args[i]))
                return false;
        return true;
    case EK_LOAD:
        if (!index_list(v, e->u.load.buf, e->u.load.idx, e->u.load.nidx, e->loc))
            return false;
        if (e->ty != e->u.load.buf->ty)
            return fail(v, e->loc, arena_printf(a, "load of '%s' has the wrong type", e->u.load.buf->name));
        if (e->u.load.pred && (!expr(v, e->u.load.pred) || e->u.load.pred->ty != DT_BOOL))
            return fail(v, e->loc, "a load predicate must be bool");
        return true;
    case EK_LET: {
        if (!expr(v, e->u.let.value))
            return false;
        if (in_scope(v, e->u.let.var))
            return fail(v, e->loc, arena_printf(a, "'%s' is bound again inside its own scope", e->u.let.var->name));
        if (e->u.let.var->ty != e->u.let.value->ty)
            return fail(v, e->loc, arena_printf(a, "let '%s' has the wrong type", e->u.let.var->name));
        vec_push(a, v->scope, e->u.let.var);
        bool ok = expr(v, e->u.let.body);
        v->scope.n--;
        return ok;
    }
    default: return fail(v, e->loc, "unknown expression kind");
    }
}

static bool stmt(Verify *v, const Stmt *s);

static bool bind(Verify *v, IrVar *x, SrcSpan at)
{
    if (in_scope(v, x))
        return fail(v, at, arena_printf(v->c->a, "'%s' is bound again inside its own scope", x->name));
    vec_push(v->c->a, v->scope, x);
    return true;
}

/* A statement list: allocations made here must be freed here. */
static bool seq(Verify *v, Stmt *const *list, uint32_t n, SrcSpan at)
{
    uint32_t mark = v->live.n;
    for (uint32_t i = 0; i < n; i++)
        if (!stmt(v, list[i]))
            return false;
    if (v->live.n > mark)
        return fail(v, at, arena_printf(v->c->a, "'%s' is allocated but never freed in the same block",
                                        v->live.v[v->live.n - 1]->name));
    return true;
}

/* A bulk copy keeps one index per dimension even in a flattened kernel. */
static bool copy(Verify *v, const Stmt *s)
{
    Arena *a = v->c->a;
    IrBuffer *d = s->u.copy.dst, *src = s->u.copy.src;
    if (!index_list_as(v, d, s->u.copy.dst_idx, s->u.copy.ndst, s->loc, false) ||
        !index_list_as(v, src, s->u.copy.src_idx, s->u.copy.nsrc, s->loc, false))
        return false;
    if (d->kind == BUF_INPUT)
        return fail(v, s->loc, arena_printf(a, "copy into input '%s'", d->name));
    if (d == src)
        return fail(v, s->loc, arena_printf(a, "copy of '%s' into itself", d->name));
    if (d->ty != src->ty)
        return fail(v, s->loc, arena_printf(a, "copy of %s '%s' into %s '%s'", dtype_name(src->ty), src->name,
                                            dtype_name(d->ty), d->name));
    if (s->u.copy.n > d->rank || s->u.copy.n > src->rank)
        return fail(v, s->loc, arena_printf(a, "copy box of %u dimensions into '%s' of rank %u", s->u.copy.n,
                                            d->name, d->rank));
    for (uint32_t i = 0; i < s->u.copy.n; i++) {
        if (!expr(v, s->u.copy.extent[i]))
            return false;
        if (!dtype_is_int(s->u.copy.extent[i]->ty))
            return fail(v, s->loc, arena_printf(a, "copy extent %u is not an integer", i));
    }
    return true;
}

static bool stmt(Verify *v, const Stmt *s)
{
    Arena *a = v->c->a;
    if (!s)
        return fail(v, (SrcSpan){0}, "missing statement");
    switch (s->kind) {
    case SK_SEQ: return seq(v, s->u.seq.v, s->u.seq.n, s->loc);
    case SK_FOR: {
        if (!expr(v, s->u.for_.min) || !expr(v, s->u.for_.extent))
            return false;
        if (!dtype_is_int(s->u.for_.min->ty) || !dtype_is_int(s->u.for_.extent->ty) ||
            s->u.for_.var->ty != s->u.for_.min->ty)
            return fail(v, s->loc, arena_printf(a, "loop '%s' has non-integer bounds", s->u.for_.var->name));
        if (s->u.for_.var->kind != IV_LOOP)
            return fail(v, s->loc, arena_printf(a, "'%s' is not a loop variable", s->u.for_.var->name));
        if (!bind(v, s->u.for_.var, s->loc))
            return false;
        Stmt *body = s->u.for_.body;
        bool ok = seq(v, &body, 1, s->loc);
        v->scope.n--;
        return ok;
    }
    case SK_IF: {
        if (!expr(v, s->u.if_.cond))
            return false;
        if (s->u.if_.cond->ty != DT_BOOL)
            return fail(v, s->loc, "if condition is not bool");
        Stmt *t = s->u.if_.then_, *e = s->u.if_.else_;
        return seq(v, &t, 1, s->loc) && (!e || seq(v, &e, 1, s->loc));
    }
    case SK_LET: {
        if (!expr(v, s->u.let.value))
            return false;
        if (s->u.let.var->ty != s->u.let.value->ty)
            return fail(v, s->loc, arena_printf(a, "let '%s' has the wrong type", s->u.let.var->name));
        if (!bind(v, s->u.let.var, s->loc))
            return false;
        Stmt *body = s->u.let.body;
        bool ok = seq(v, &body, 1, s->loc);
        v->scope.n--;
        return ok;
    }
    case SK_STORE:
        if (!index_list(v, s->u.store.buf, s->u.store.idx, s->u.store.nidx, s->loc) || !expr(v, s->u.store.value))
            return false;
        if (s->u.store.buf->kind == BUF_INPUT)
            return fail(v, s->loc, arena_printf(a, "store to input '%s'", s->u.store.buf->name));
        if (s->u.store.value->ty != s->u.store.buf->ty)
            return fail(v, s->loc, arena_printf(a, "store of %s into '%s' of type %s",
                                                dtype_name(s->u.store.value->ty), s->u.store.buf->name,
                                                dtype_name(s->u.store.buf->ty)));
        return true;
    case SK_ALLOC: {
        IrBuffer *b = s->u.alloc.buf;
        if (b->kind != BUF_LOCAL)
            return fail(v, s->loc, arena_printf(a, "alloc of argument '%s'", b->name));
        for (uint32_t i = 0; i < v->live.n; i++)
            if (v->live.v[i] == b)
                return fail(v, s->loc, arena_printf(a, "'%s' is allocated twice", b->name));
        for (uint32_t i = 0; i < b->rank; i++)
            if (!expr(v, b->shape[i]) || !dtype_is_int(b->shape[i]->ty))
                return fail(v, s->loc, arena_printf(a, "bad extent %u of '%s'", i, b->name));
        vec_push(a, v->live, b);
        return true;
    }
    case SK_FREE:
        for (uint32_t i = v->live.n; i-- > 0;)
            if (v->live.v[i] == s->u.free_.buf) {
                v->live.v[i] = v->live.v[--v->live.n];
                return true;
            }
        return fail(v, s->loc, arena_printf(a, "free of '%s', which is not allocated", s->u.free_.buf->name));
    case SK_EVAL: return expr(v, s->u.eval.e);
    case SK_ASSERT:
        if (!expr(v, s->u.assert_.cond))
            return false;
        if (s->u.assert_.cond->ty != DT_BOOL || !s->u.assert_.msg)
            return fail(v, s->loc, "assert needs a bool condition and a message");
        return true;
    case SK_COPY: return copy(v, s);
    case SK_SYNC:
        if (s->u.sync.kind > SYNC_WAIT)
            return fail(v, s->loc, "unknown sync kind");
        return true;
    default: return fail(v, s->loc, "unknown statement kind");
    }
}

static bool finish(Verify *v, bool ok, const char *name)
{
    if (ok)
        return true;
    return ir_ice(v->c, v->at, "IR verification failed%s%s: %s", name ? " in kernel " : "", name ? name : "",
                  v->what ? v->what : "?");
}

bool ir_verify(IrCtx *c, const Func *f)
{
    Verify v = {.c = c, .f = f};
    Stmt *body = f->body;
    bool ok = f->body ? seq(&v, &body, 1, f->loc) : fail(&v, f->loc, "kernel has no body");
    return finish(&v, ok, f->name);
}

bool ir_verify_enabled(void)
{
#ifdef TK_VERIFY_IR
    return true;
#else
    /* read once: compiles on several threads ask, nobody sets it later */
    static _Atomic int on = -1;
    int v = atomic_load_explicit(&on, memory_order_relaxed);
    if (v < 0) {
        const char *e = getenv("TK_VERIFY_IR");
        v = e && *e && strcmp(e, "0") != 0;
        atomic_store_explicit(&on, v, memory_order_relaxed);
    }
    return v;
#endif
}

bool ir_verify_stmt(IrCtx *c, const Stmt *s)
{
    Verify v = {.c = c};
    Stmt *body = (Stmt *)s;
    return finish(&v, seq(&v, &body, 1, s ? s->loc : (SrcSpan){0}), NULL);
}
