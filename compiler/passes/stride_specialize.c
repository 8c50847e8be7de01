/* stride_specialize: inside `if x == k { T }`, with x an i64 variable and k
 * a constant, T uses k for x. Schedules and tensorize test strides this
 * way (`if c.s1 == 1 { fast path } else { general path }`); after storage
 * flattening the strides are variables in the offsets, so the fast path
 * gets `i * 1` = `i`: unit-stride accesses a backend can vectorize. Only
 * conjuncts of the condition count (x == k && ...), at most 8 per if. */
#include "compiler/passes/pass.h"

enum { MAX_FACTS = 8 };

typedef struct Fact {
    IrVar *var;
    Expr  *k;
} Fact;

static uint32_t facts(Expr *c, Fact *out, uint32_t n)
{
    if (c->kind != EK_BIN)
        return n;
    if (c->u.bin.op == BOP_AND)
        return facts(c->u.bin.b, out, facts(c->u.bin.a, out, n));
    int64_t k;
    if (c->u.bin.op == BOP_EQ && n < MAX_FACTS && c->u.bin.a->kind == EK_VAR && c->u.bin.a->ty == DT_I64 &&
        ir_is_const_int(c->u.bin.b, &k))
        out[n++] = (Fact){c->u.bin.a->u.var, c->u.bin.b};
    return n;
}

static Stmt *on_if(Mutator *m, Stmt *s)
{
    Fact f[MAX_FACTS];
    uint32_t n = facts(s->u.if_.cond, f, 0);
    Stmt *then_ = s->u.if_.then_;
    for (uint32_t i = 0; i < n; i++)
        then_ = ir_subst_stmt(m->c, then_, f[i].var, f[i].k);
    return ir_if_with(m->c, s, s->u.if_.cond, mut_stmt(m, then_), mut_stmt(m, s->u.if_.else_));
}

bool pass_stride_specialize(IrCtx *c, Func *f, const PassOpts *o)
{
    (void)o;
    Mutator m = {.c = c};
    m.stmt[SK_IF] = on_if;
    f->body = mut_stmt(&m, f->body);
    return !c->a->oom;
}
