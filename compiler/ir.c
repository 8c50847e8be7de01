/* Loop IR constructors: declarations, expression and statement nodes, the
 * with-constructors that return the old node when nothing changed, and
 * structural equality. Nodes are immutable once returned. */
#include <stdarg.h>
#include <string.h>

#include "compiler/ir.h"

const char *const ir_expr_kind_name[EK__COUNT] = {
#define IR_EXPR(K, arm, name, ch) name,
#define IR_STMT(K, arm, name, ch)
#include "compiler/ir_nodes.def"
#undef IR_EXPR
#undef IR_STMT
};

const char *const ir_stmt_kind_name[SK__COUNT] = {
#define IR_EXPR(K, arm, name, ch)
#define IR_STMT(K, arm, name, ch) name,
#include "compiler/ir_nodes.def"
#undef IR_EXPR
#undef IR_STMT
};

const char *const ir_binop_text[BOP__COUNT] = {
#define X(e, s, p) s,
    IR_BINOPS(X)
#undef X
};


const char *const ir_sync_name[] = {
#define X(e, s) s,
    IR_SYNC_KINDS(X)
#undef X
};

void ir_ctx_init(IrCtx *c, Arena *a, SymCtx *sym, DiagSink *diags)
{
    memset(c, 0, sizeof *c);
    c->a = a;
    c->sym = sym;
    c->diags = diags;
}

bool ir_ice(IrCtx *c, SrcSpan at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(c->a, fmt, ap);
    va_end(ap);
    if (c->diags)
        diag_error(c->diags, at, "internal compiler error: %s", msg);
    return false;
}

void ir_bind_sym(IrCtx *c, const Sym *s, IrVar *v)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < c->nsymmap; i++)
        if (c->symmap[i].sym == s) {
            c->symmap[i].var = v;
            return;
        }
    if (c->nsymmap == c->capsymmap) {
        uint32_t ncap = c->capsymmap ? c->capsymmap * 2 : 16;
        c->symmap = arena_realloc(c->a, c->symmap, c->capsymmap * sizeof *c->symmap, ncap * sizeof *c->symmap);
        if (c->a->oom)
            return;
        c->capsymmap = ncap;
    }
    c->symmap[c->nsymmap].sym = s;
    c->symmap[c->nsymmap++].var = v;
}

IrVar *ir_new_var(IrCtx *c, const char *name, DType ty, IrVarKind kind, Sym *sym)
{
    IrVar *v = arena_alloc(c->a, sizeof *v);
    *v = (IrVar){.name = name, .id = c->nvars++, .ty = ty, .kind = kind, .sym = sym};
    ir_bind_sym(c, sym, v);
    return v;
}

IrBuffer *ir_new_buffer(IrCtx *c, const char *name, DType ty, BufKind kind, MemScope scope, uint32_t rank,
                        Expr **shape, SrcSpan span)
{
    IrBuffer *b = arena_alloc(c->a, sizeof *b);
    Expr **sh = arena_alloc(c->a, (rank + 1) * sizeof *sh);
    if (rank && shape)
        memcpy(sh, shape, rank * sizeof *sh);
    *b = (IrBuffer){.name = name, .id = c->nbufs++, .ty = ty, .kind = kind, .scope = scope, .rank = rank,
                    .shape = sh, .span = span};
    b->align = kind == BUF_LOCAL ? IR_LOCAL_ALIGN : (uint32_t)dtype_size(ty);
    if (!b->align)
        b->align = 1;
    return b;
}

LoopId ir_new_loop_id(IrCtx *c) { return ++c->nloops; }

static Expr *new_expr(IrCtx *c, ExprKind k, DType ty, SrcSpan loc)
{
    Expr *e = arena_alloc(c->a, sizeof *e);
    e->kind = k;
    e->ty = ty;
    e->lanes = 1;
    e->loc = loc;
    return e;
}

static Stmt *new_stmt(IrCtx *c, StmtKind k, SrcSpan loc)
{
    Stmt *s = arena_alloc(c->a, sizeof *s);
    s->kind = k;
    s->loc = loc;
    return s;
}

static Expr **copy_exprs(IrCtx *c, Expr **v, uint32_t n)
{
    Expr **r = arena_alloc(c->a, (n + 1) * sizeof *r);
    if (n)
        memcpy(r, v, n * sizeof *r);
    return r;
}

Expr *ir_int(IrCtx *c, DType ty, int64_t v, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_INT, ty, loc);
    e->u.ival = v;
    return e;
}

Expr *ir_i64(IrCtx *c, int64_t v) { return ir_int(c, DT_I64, v, (SrcSpan){0}); }

Expr *ir_float(IrCtx *c, DType ty, double v, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_FLOAT, ty, loc);
    e->u.fval = v;
    return e;
}

Expr *ir_bool(IrCtx *c, bool v, SrcSpan loc) { return ir_int(c, DT_BOOL, v, loc); }

Expr *ir_var(IrCtx *c, IrVar *v, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_VAR, v->ty, loc);
    e->u.var = v;
    return e;
}

Expr *ir_un(IrCtx *c, UnOp op, Expr *a, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_UN, op == UOP_NOT ? DT_BOOL : a->ty, loc);
    e->u.un.op = op;
    e->u.un.a = a;
    return e;
}

static bool is_predicate(BinOp op) { return op >= BOP_EQ && op <= BOP_OR; }

Expr *ir_bin(IrCtx *c, BinOp op, Expr *a, Expr *b, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_BIN, is_predicate(op) ? DT_BOOL : a->ty, loc);
    e->u.bin.op = op;
    e->u.bin.a = a;
    e->u.bin.b = b;
    return e;
}

Expr *ir_select(IrCtx *c, Expr *cond, Expr *t, Expr *f, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_SELECT, t->ty, loc);
    e->u.sel.cond = cond;
    e->u.sel.t = t;
    e->u.sel.f = f;
    return e;
}

Expr *ir_cast(IrCtx *c, DType ty, Expr *a, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_CAST, ty, loc);
    e->u.cast.a = a;
    return e;
}

Expr *ir_bitcast(IrCtx *c, DType ty, Expr *a, SrcSpan loc)
{
    Expr *e = ir_cast(c, ty, a, loc);
    e->u.cast.bits = true;
    return e;
}

Expr *ir_call(IrCtx *c, DType ty, int intrinsic, Expr **args, uint32_t nargs, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_CALL, ty, loc);
    e->u.call.intrinsic = intrinsic;
    e->u.call.args = copy_exprs(c, args, nargs);
    e->u.call.nargs = nargs;
    return e;
}

Expr *ir_load(IrCtx *c, IrBuffer *buf, Expr **idx, uint32_t nidx, Expr *pred, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_LOAD, buf->ty, loc);
    e->u.load.buf = buf;
    e->u.load.idx = copy_exprs(c, idx, nidx);
    e->u.load.nidx = nidx;
    e->u.load.pred = pred;
    return e;
}

Expr *ir_let(IrCtx *c, IrVar *v, Expr *value, Expr *body, SrcSpan loc)
{
    Expr *e = new_expr(c, EK_LET, body->ty, loc);
    e->u.let.var = v;
    e->u.let.value = value;
    e->u.let.body = body;
    return e;
}

bool ir_is_const_int(const Expr *e, int64_t *v)
{
    if (e && e->kind == EK_INT) {
        if (v)
            *v = e->u.ival;
        return true;
    }
    return false;
}

Expr *ir_add(IrCtx *c, Expr *a, Expr *b)
{
    int64_t x, y, r;
    if (ir_is_const_int(a, &x) && ir_is_const_int(b, &y) && !__builtin_add_overflow(x, y, &r))
        return ir_int(c, a->ty, r, a->loc);
    if (ir_is_const_int(a, &x) && x == 0)
        return b;
    if (ir_is_const_int(b, &y) && y == 0)
        return a;
    return ir_bin(c, BOP_ADD, a, b, a->loc);
}

Expr *ir_sub(IrCtx *c, Expr *a, Expr *b)
{
    int64_t x, y, r;
    if (ir_is_const_int(a, &x) && ir_is_const_int(b, &y) && !__builtin_sub_overflow(x, y, &r))
        return ir_int(c, a->ty, r, a->loc);
    if (ir_is_const_int(b, &y) && y == 0)
        return a;
    return ir_bin(c, BOP_SUB, a, b, a->loc);
}

Expr *ir_mul(IrCtx *c, Expr *a, Expr *b)
{
    int64_t x, y, r;
    if (ir_is_const_int(a, &x) && ir_is_const_int(b, &y) && !__builtin_mul_overflow(x, y, &r))
        return ir_int(c, a->ty, r, a->loc);
    if (ir_is_const_int(a, &x) && x == 1)
        return b;
    if (ir_is_const_int(b, &y) && y == 1)
        return a;
    return ir_bin(c, BOP_MUL, a, b, a->loc);
}

Stmt *ir_for(IrCtx *c, LoopId id, IrVar *v, Expr *min, Expr *extent, ForKind kind, Stmt *body, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_FOR, loc);
    s->u.for_.id = id;
    s->u.for_.var = v;
    s->u.for_.min = min;
    s->u.for_.extent = extent;
    s->u.for_.kind = kind;
    s->u.for_.body = body;
    return s;
}

Stmt *ir_if(IrCtx *c, Expr *cond, Stmt *then_, Stmt *else_, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_IF, loc);
    s->u.if_.cond = cond;
    s->u.if_.then_ = then_;
    s->u.if_.else_ = else_;
    return s;
}

Stmt *ir_let_stmt(IrCtx *c, IrVar *v, Expr *value, Stmt *body, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_LET, loc);
    s->u.let.var = v;
    s->u.let.value = value;
    s->u.let.body = body;
    return s;
}

Stmt *ir_store(IrCtx *c, IrBuffer *buf, Expr **idx, uint32_t nidx, Expr *value, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_STORE, loc);
    s->u.store.buf = buf;
    s->u.store.idx = copy_exprs(c, idx, nidx);
    s->u.store.nidx = nidx;
    s->u.store.value = value;
    return s;
}

Stmt *ir_alloc(IrCtx *c, IrBuffer *buf, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_ALLOC, loc);
    s->u.alloc.buf = buf;
    return s;
}

Stmt *ir_free(IrCtx *c, IrBuffer *buf, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_FREE, loc);
    s->u.free_.buf = buf;
    return s;
}

Stmt *ir_seq(IrCtx *c, Stmt **v, uint32_t n, SrcSpan loc)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (v[i])
            total += v[i]->kind == SK_SEQ ? v[i]->u.seq.n : 1;
    Stmt **flat = arena_alloc(c->a, (total + 1) * sizeof *flat);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!v[i])
            continue;
        if (v[i]->kind == SK_SEQ)
            for (uint32_t j = 0; j < v[i]->u.seq.n; j++)
                flat[k++] = v[i]->u.seq.v[j];
        else
            flat[k++] = v[i];
    }
    if (k == 1)
        return flat[0];
    Stmt *s = new_stmt(c, SK_SEQ, loc);
    s->u.seq.v = flat;
    s->u.seq.n = k;
    return s;
}

Stmt *ir_eval(IrCtx *c, Expr *e, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_EVAL, loc);
    s->u.eval.e = e;
    return s;
}

Stmt *ir_assert(IrCtx *c, Expr *cond, const char *msg, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_ASSERT, loc);
    s->u.assert_.cond = cond;
    s->u.assert_.msg = msg;
    return s;
}

Stmt *ir_copy(IrCtx *c, IrBuffer *dst, Expr **dst_idx, IrBuffer *src, Expr **src_idx, Expr **extent, uint32_t n,
              SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_COPY, loc);
    s->u.copy.dst = dst;
    s->u.copy.src = src;
    s->u.copy.dst_idx = copy_exprs(c, dst_idx, dst->rank);
    s->u.copy.ndst = dst->rank;
    s->u.copy.src_idx = copy_exprs(c, src_idx, src->rank);
    s->u.copy.nsrc = src->rank;
    s->u.copy.extent = copy_exprs(c, extent, n);
    s->u.copy.n = n;
    return s;
}

Stmt *ir_sync(IrCtx *c, SyncKind kind, uint32_t event, SrcSpan loc)
{
    Stmt *s = new_stmt(c, SK_SYNC, loc);
    s->u.sync.kind = kind;
    s->u.sync.event = event;
    return s;
}

Stmt *ir_for_with(IrCtx *c, Stmt *old, Expr *min, Expr *extent, Stmt *body)
{
    if (min == old->u.for_.min && extent == old->u.for_.extent && body == old->u.for_.body)
        return old;
    Stmt *s = ir_for(c, old->u.for_.id, old->u.for_.var, min, extent, old->u.for_.kind, body, old->loc);
    s->u.for_.factor = old->u.for_.factor;
    return s;
}

Stmt *ir_for_kind(IrCtx *c, Stmt *old, ForKind kind, uint32_t factor)
{
    Stmt *s = ir_for(c, old->u.for_.id, old->u.for_.var, old->u.for_.min, old->u.for_.extent, kind,
                     old->u.for_.body, old->loc);
    s->u.for_.factor = factor;
    return s;
}

Stmt *ir_if_with(IrCtx *c, Stmt *old, Expr *cond, Stmt *then_, Stmt *else_)
{
    if (cond == old->u.if_.cond && then_ == old->u.if_.then_ && else_ == old->u.if_.else_)
        return old;
    return ir_if(c, cond, then_, else_, old->loc);
}

Stmt *ir_store_with(IrCtx *c, Stmt *old, Expr **idx, Expr *value)
{
    bool same = value == old->u.store.value;
    for (uint32_t i = 0; same && i < old->u.store.nidx; i++)
        same = idx[i] == old->u.store.idx[i];
    if (same)
        return old;
    return ir_store(c, old->u.store.buf, idx, old->u.store.nidx, value, old->loc);
}

Stmt *ir_seq_with(IrCtx *c, Stmt *old, Stmt **v, uint32_t n)
{
    bool same = old->kind == SK_SEQ && n == old->u.seq.n;
    for (uint32_t i = 0; same && i < n; i++)
        same = v[i] == old->u.seq.v[i];
    return same ? old : ir_seq(c, v, n, old->loc);
}

Expr *ir_bin_with(IrCtx *c, Expr *old, Expr *a, Expr *b)
{
    if (a == old->u.bin.a && b == old->u.bin.b)
        return old;
    return ir_bin(c, old->u.bin.op, a, b, old->loc);
}

static bool equal_vec(Expr **a, Expr **b, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        if (!ir_expr_equal(a[i], b[i]))
            return false;
    return true;
}

bool ir_expr_equal(const Expr *a, const Expr *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind || a->ty != b->ty || a->lanes != b->lanes)
        return false;
    switch (a->kind) {
    case EK_INT: return a->u.ival == b->u.ival;
    case EK_FLOAT: return memcmp(&a->u.fval, &b->u.fval, sizeof a->u.fval) == 0;
    case EK_VAR: return a->u.var == b->u.var;
    case EK_UN: return a->u.un.op == b->u.un.op && ir_expr_equal(a->u.un.a, b->u.un.a);
    case EK_BIN:
        return a->u.bin.op == b->u.bin.op && ir_expr_equal(a->u.bin.a, b->u.bin.a) &&
               ir_expr_equal(a->u.bin.b, b->u.bin.b);
    case EK_SELECT:
        return ir_expr_equal(a->u.sel.cond, b->u.sel.cond) && ir_expr_equal(a->u.sel.t, b->u.sel.t) &&
               ir_expr_equal(a->u.sel.f, b->u.sel.f);
    case EK_CAST: return a->u.cast.bits == b->u.cast.bits && ir_expr_equal(a->u.cast.a, b->u.cast.a);
    case EK_CALL:
        return a->u.call.intrinsic == b->u.call.intrinsic && a->u.call.nargs == b->u.call.nargs &&
               equal_vec(a->u.call.args, b->u.call.args, a->u.call.nargs);
    case EK_LOAD:
        return a->u.load.buf == b->u.load.buf && a->u.load.nidx == b->u.load.nidx &&
               equal_vec(a->u.load.idx, b->u.load.idx, a->u.load.nidx) &&
               ir_expr_equal(a->u.load.pred, b->u.load.pred);
    case EK_LET:
        return a->u.let.var == b->u.let.var && ir_expr_equal(a->u.let.value, b->u.let.value) &&
               ir_expr_equal(a->u.let.body, b->u.let.body);
    default: return false;
    }
}
