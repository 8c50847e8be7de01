/* storage_flatten: loads and stores index their buffer with one element
 * offset instead of one index per dimension (docs/ir.md, "Indexing and
 * strides"): x[i, j] of an argument becomes x[i * x.s0 + j * x.s1] with its
 * launch-time stride variables, t[i, j] of a local buffer t: T[A, B]
 * becomes t[i * B + j] (dense, row-major). Strides in the IR let later
 * passes specialize them (stride_specialize) and let a backend emit one
 * address computation. Bulk copies keep per-dimension indices: a DMA
 * engine wants the box, not an offset. */
#include "compiler/passes/pass.h"

typedef struct Flatten {
    Mutator m;
    struct { const IrBuffer *buf; Expr **strides; } memo[64];
    uint32_t nmemo;
} Flatten;

/* Per-axis strides of b, as i64 expressions. */
static Expr **strides_of(Flatten *fl, const IrBuffer *b)
{
    for (uint32_t i = 0; i < fl->nmemo; i++)
        if (fl->memo[i].buf == b)
            return fl->memo[i].strides;
    IrCtx *c = fl->m.c;
    Expr **s = arena_alloc(c->a, (b->rank + 1) * sizeof *s);
    if (b->strides) {
        for (uint32_t i = 0; i < b->rank; i++)
            s[i] = ir_var(c, b->strides[i], b->span);
    } else {
        Expr *acc = ir_i64(c, 1);
        for (uint32_t i = b->rank; i-- > 0;) {
            s[i] = acc;
            if (i)
                acc = ir_mul(c, acc, b->shape[i]);
        }
    }
    if (fl->nmemo < sizeof fl->memo / sizeof *fl->memo)
        fl->memo[fl->nmemo++] = (__typeof__(fl->memo[0])){b, s};
    return s;
}

/* The element offset: idx[0] * s[0] + idx[1] * s[1] + ..., left to right. */
static Expr *offset(Flatten *fl, const IrBuffer *b, Expr **idx, uint32_t n)
{
    IrCtx *c = fl->m.c;
    Expr **s = strides_of(fl, b);
    Expr *off = NULL;
    for (uint32_t i = 0; i < n && i < b->rank; i++) {
        Expr *t = ir_mul(c, idx[i], s[i]);
        off = off ? ir_add(c, off, t) : t;
    }
    return off ? off : ir_i64(c, 0);
}

static Expr *on_load(Mutator *m, Expr *e)
{
    Expr *x = mut_expr_children(m, e);
    Expr *off = offset((Flatten *)m, x->u.load.buf, x->u.load.idx, x->u.load.nidx);
    return ir_load(m->c, x->u.load.buf, &off, 1, x->u.load.pred, e->loc);
}

static Stmt *on_store(Mutator *m, Stmt *s)
{
    Stmt *x = mut_stmt_children(m, s);
    Expr *off = offset((Flatten *)m, x->u.store.buf, x->u.store.idx, x->u.store.nidx);
    return ir_store(m->c, x->u.store.buf, &off, 1, x->u.store.value, s->loc);
}

bool pass_storage_flatten(IrCtx *c, Func *f, const PassOpts *o)
{
    (void)o;
    if (f->flat)
        return true;
    Flatten fl = {0};
    fl.m.c = c;
    fl.m.expr[EK_LOAD] = on_load;
    fl.m.stmt[SK_STORE] = on_store;
    f->body = mut_stmt(&fl.m, f->body);
    f->flat = true;
    return !c->a->oom;
}
