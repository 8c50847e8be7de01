/* Loop IR nodes: constructors and types, with-semantics (pointer equality
 * when unchanged), the default mutator rebuilding only changed nodes, the
 * visitor, the printer, Sym conversion, and the verifier catching malformed
 * IR with an internal-error diagnostic. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/ir.h"
#include "support/dtype.h"
#include <math.h>

typedef struct Fix {
    Ctx      ctx;
    SymCtx  *sym;
    IrCtx    c;
    IrVar   *n;       /* a dim */
    IrBuffer *x, *y;  /* x: f32[N] input, y: f32[N] output */
    Func     f;
} Fix;

static void fix_init(Fix *t)
{
    ctx_init(&t->ctx);
    t->sym = sym_ctx_new(&t->ctx.arena);
    ir_ctx_init(&t->c, &t->ctx.arena, t->sym, &t->ctx.diags);
    Sym *ns = sym_var(t->sym, "N");
    sym_set_range(t->sym, ns, sym_const(t->sym, 0), NULL);
    t->n = ir_new_var(&t->c, "N", DT_I64, IV_DIM, ns);
    SrcSpan z = {{0, 0, 0}, 0};
    Expr *shape[1] = {ir_var(&t->c, t->n, z)};
    t->x = ir_new_buffer(&t->c, "x", DT_F32, BUF_INPUT, SCOPE_GLOBAL, 1, shape, (SrcSpan){{0, 0, 0}, 0});
    t->y = ir_new_buffer(&t->c, "y", DT_F32, BUF_OUTPUT, SCOPE_GLOBAL, 1, shape, (SrcSpan){{0, 0, 0}, 0});
    static IrArg args[2];
    static IrDim dims[1];
    args[0] = (IrArg){t->x, NULL};
    args[1] = (IrArg){t->y, NULL};
    dims[0] = (IrDim){t->n, 0, 0};
    t->f = (Func){.name = "k", .args = args, .nargs = 2, .ninputs = 1, .dims = dims, .ndims = 1};
}

/* for i in 0..N { y[i] = x[i] * 2.0 } */
static Stmt *simple_loop(Fix *t, IrVar **iv)
{
    IrCtx *c = &t->c;
    SrcSpan z = {{0, 0, 0}, 0};
    IrVar *i = ir_new_var(c, "i", DT_I64, IV_LOOP, sym_var(t->sym, "i"));
    Expr *idx[1] = {ir_var(c, i, z)};
    Expr *v = ir_bin(c, BOP_MUL, ir_load(c, t->x, idx, 1, NULL, z), ir_float(c, DT_F32, 2.0, z), z);
    Stmt *st = ir_store(c, t->y, idx, 1, v, z);
    if (iv)
        *iv = i;
    return ir_for(c, ir_new_loop_id(c), i, ir_i64(c, 0), ir_var(c, t->n, z), FOR_SERIAL, st, z);
}

static char *print_stmt(Fix *t, const Stmt *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    ir_print_stmt(m, &t->ctx.arena, s, 0, 0);
    fclose(m);
    char *r = arena_strdup(&t->ctx.arena, buf);
    free(buf);
    return r;
}

Test(ir_nodes, constructors_and_types)
{
    Fix t;
    fix_init(&t);
    IrCtx *c = &t.c;
    SrcSpan z = {{0, 0, 0}, 0};
    Expr *a = ir_i64(c, 3), *b = ir_var(c, t.n, z);
    Expr *sum = ir_bin(c, BOP_ADD, a, b, z);
    cr_expect_eq(sum->ty, DT_I64);
    cr_expect_eq(sum->lanes, 1);
    Expr *lt = ir_bin(c, BOP_LT, a, b, z);
    cr_expect_eq(lt->ty, DT_BOOL);
    cr_expect_eq(ir_un(c, UOP_NOT, lt, z)->ty, DT_BOOL);
    cr_expect_eq(ir_cast(c, DT_F32, b, z)->ty, DT_F32);
    Expr *idx[1] = {a};
    cr_expect_eq(ir_load(c, t.x, idx, 1, NULL, z)->ty, DT_F32);
    /* folding helpers */
    int64_t v;
    cr_expect(ir_is_const_int(ir_add(c, ir_i64(c, 2), ir_i64(c, 5)), &v) && v == 7);
    cr_expect_eq(ir_add(c, b, ir_i64(c, 0)), b);
    cr_expect_eq(ir_mul(c, ir_i64(c, 1), b), b);
    /* sequences flatten; a one-element sequence is its element */
    Stmt *s1 = ir_eval(c, a, z), *s2 = ir_eval(c, b, z);
    Stmt *inner[2] = {s1, s2};
    Stmt *seq = ir_seq(c, inner, 2, z);
    Stmt *outer[2] = {seq, s1};
    Stmt *flat = ir_seq(c, outer, 2, z);
    cr_expect_eq(flat->kind, SK_SEQ);
    cr_expect_eq(flat->u.seq.n, 3);
    Stmt *one[1] = {s1};
    cr_expect_eq(ir_seq(c, one, 1, z), s1);
    cr_expect_str_eq(ir_expr_kind_name[EK_LOAD], "load");
    cr_expect_str_eq(ir_stmt_kind_name[SK_FOR], "for");
    ctx_free(&t.ctx);
}

Test(ir_nodes, with_returns_old_node_when_unchanged)
{
    Fix t;
    fix_init(&t);
    IrCtx *c = &t.c;
    Stmt *loop = simple_loop(&t, NULL);
    cr_expect_eq(ir_for_with(c, loop, loop->u.for_.min, loop->u.for_.extent, loop->u.for_.body), loop);
    Stmt *changed = ir_for_with(c, loop, ir_i64(c, 1), loop->u.for_.extent, loop->u.for_.body);
    cr_expect_neq(changed, loop);
    cr_expect_eq(changed->u.for_.id, loop->u.for_.id, "the loop keeps its LoopId");
    cr_expect_eq(changed->u.for_.body, loop->u.for_.body);
    Stmt *st = loop->u.for_.body;
    cr_expect_eq(ir_store_with(c, st, st->u.store.idx, st->u.store.value), st);
    Expr *v = st->u.store.value;
    cr_expect_eq(ir_bin_with(c, v, v->u.bin.a, v->u.bin.b), v);
    cr_expect_neq(ir_bin_with(c, v, v->u.bin.b, v->u.bin.a), v);
    ctx_free(&t.ctx);
}

/* Replaces float constants 2.0 by 3.0. */
static Expr *two_to_three(Mutator *m, Expr *e)
{
    return e->u.fval == 2.0 ? ir_float(m->c, e->ty, 3.0, e->loc) : e;
}

Test(ir_nodes, mutator_rebuilds_only_changed_nodes)
{
    Fix t;
    fix_init(&t);
    Stmt *a = simple_loop(&t, NULL), *b = simple_loop(&t, NULL);
    Stmt *pair[2] = {a, b};
    Stmt *prog = ir_seq(&t.c, pair, 2, (SrcSpan){{0, 0, 0}, 0});
    Mutator id = {.c = &t.c};
    cr_expect_eq(mut_stmt(&id, prog), prog, "an identity mutator returns the same tree");

    Mutator m = {.c = &t.c};
    m.expr[EK_FLOAT] = two_to_three;
    Stmt *r = mut_stmt(&m, prog);
    cr_assert_neq(r, prog);
    cr_assert_eq(r->kind, SK_SEQ);
    Stmt *ra = r->u.seq.v[0];
    cr_expect_neq(ra, a);
    cr_expect_eq(ra->u.for_.min, a->u.for_.min, "unchanged children are shared");
    cr_expect_eq(ra->u.for_.extent, a->u.for_.extent);
    Expr *nv = ra->u.for_.body->u.store.value, *ov = a->u.for_.body->u.store.value;
    cr_expect_eq(nv->u.bin.a, ov->u.bin.a, "the load is shared");
    cr_expect_eq(nv->u.bin.b->u.fval, 3.0);
    cr_expect_str_eq(print_stmt(&t, ra), "for i in 0..N {\n  y[i] = x[i] * 3.0\n}\n");
    cr_expect_str_eq(print_stmt(&t, a), "for i in 0..N {\n  y[i] = x[i] * 2.0\n}\n", "the original is intact");
    ctx_free(&t.ctx);
}

typedef struct CountLoads {
    Visitor v;
    int     n;
} CountLoads;

static bool count_load(Visitor *v, Expr *e)
{
    ((CountLoads *)v)->n++;
    return vis_expr_children(v, e);
}

Test(ir_nodes, visitor_sees_every_load)
{
    Fix t;
    fix_init(&t);
    Stmt *a = simple_loop(&t, NULL), *b = simple_loop(&t, NULL);
    Stmt *pair[2] = {a, b};
    CountLoads cl = {0};
    cl.v.expr[EK_LOAD] = count_load;
    cr_expect(vis_stmt(&cl.v, ir_seq(&t.c, pair, 2, (SrcSpan){{0, 0, 0}, 0})));
    cr_expect_eq(cl.n, 2);
    ctx_free(&t.ctx);
}

Test(ir_nodes, printer_forms)
{
    Fix t;
    fix_init(&t);
    IrCtx *c = &t.c;
    SrcSpan z = {{0, 0, 0}, 0};
    Expr *n = ir_var(c, t.n, z);
    Expr *e = ir_bin(c, BOP_MUL, ir_bin(c, BOP_ADD, n, ir_i64(c, 1), z), ir_i64(c, 2), z);
    cr_expect_str_eq(ir_expr_str(c->a, e), "(N + 1) * 2");
    Expr *e2 = ir_bin(c, BOP_SUB, n, ir_bin(c, BOP_SUB, n, ir_i64(c, 1), z), z);
    cr_expect_str_eq(ir_expr_str(c->a, e2), "N - (N - 1)");
    cr_expect_str_eq(ir_expr_str(c->a, ir_bin(c, BOP_MAX, n, ir_i64(c, 0), z)), "max(N, 0)");
    Expr *idx[1] = {ir_sub(c, n, ir_i64(c, 1))};
    Expr *pred = ir_bin(c, BOP_LE, ir_i64(c, 0), idx[0], z);
    Expr *g = ir_select(c, pred, ir_load(c, t.x, idx, 1, pred, z), ir_float(c, DT_F32, 0, z), z);
    cr_expect_str_eq(ir_expr_str(c->a, g), "x[N - 1] if 0 <= N - 1 else 0.0");
    cr_expect_str_eq(ir_expr_str(c->a, ir_float(c, DT_F32, -INFINITY, z)), "-inf");
    Stmt *as = ir_assert(c, ir_bin(c, BOP_GT, n, ir_i64(c, 0), z), "N must be positive", z);
    cr_expect_str_eq(print_stmt(&t, as), "assert N > 0, \"N must be positive\"\n");
    ctx_free(&t.ctx);
}

Test(ir_nodes, sym_round_trip)
{
    Fix t;
    fix_init(&t);
    IrCtx *c = &t.c;
    IrVar *i;
    simple_loop(&t, &i);
    SymCtx *s = t.sym;
    Sym *e = sym_addi(s, sym_sub(s, sym_muli(s, i->sym, 8), t.n->sym), 3); /* 8*i - N + 3 */
    Expr *x = ir_from_sym(c, e, (SrcSpan){{0, 0, 0}, 0});
    cr_assert_not_null(x);
    cr_expect_str_eq(ir_expr_str(c->a, x), "8 * i - N + 3");
    cr_expect_eq(ir_to_sym(c, x), e, "hash-consed: the same Sym comes back");
    cr_expect_null(ir_from_sym(c, sym_var(s, "unknown"), (SrcSpan){{0, 0, 0}, 0}));
    cr_expect_null(ir_to_sym(c, ir_float(c, DT_F32, 1.0, (SrcSpan){{0, 0, 0}, 0})));
    ctx_free(&t.ctx);
}

/* Expects verification of `body` in the fixture's Func to fail with `msg`. */
static void expect_invalid(Fix *t, Stmt *body, const char *msg)
{
    t->f.body = body;
    int before = t->ctx.diags.nerr;
    cr_expect_not(ir_verify(&t->c, &t->f), "should be rejected: %s", msg);
    cr_expect_eq(t->ctx.diags.nerr, before + 1, "one diagnostic for: %s", msg);
    Diag *d = t->ctx.diags.head;
    while (d && d->next)
        d = d->next;
    cr_expect(d && strstr(d->msg, "internal compiler error") && strstr(d->msg, msg), "message '%s' in '%s'", msg,
              d ? d->msg : "(none)");
}

Test(ir_nodes, verifier_accepts_and_rejects)
{
    Fix t;
    fix_init(&t);
    IrCtx *c = &t.c;
    SrcSpan z = {{0, 0, 0}, 0};
    IrVar *i;
    Stmt *good = simple_loop(&t, &i);
    t.f.body = good;
    cr_expect(ir_verify(c, &t.f));

    /* a loop variable used outside its loop */
    Expr *idx[1] = {ir_var(c, i, z)};
    Stmt *outside[2] = {good, ir_store(c, t.y, idx, 1, ir_float(c, DT_F32, 0, z), z)};
    expect_invalid(&t, ir_seq(c, outside, 2, z), "outside its scope");

    /* a store to a buffer nobody allocated */
    Expr *shape[1] = {ir_i64(c, 4)};
    IrBuffer *tmp = ir_new_buffer(c, "tmp", DT_F32, BUF_LOCAL, SCOPE_LOCAL, 1, shape, z);
    Expr *zero[1] = {ir_i64(c, 0)};
    expect_invalid(&t, ir_store(c, tmp, zero, 1, ir_float(c, DT_F32, 0, z), z), "neither an argument");

    /* alloc without free */
    Stmt *leak[2] = {ir_alloc(c, tmp, z), ir_store(c, tmp, zero, 1, ir_float(c, DT_F32, 0, z), z)};
    expect_invalid(&t, ir_seq(c, leak, 2, z), "never freed");
    /* paired: fine */
    Stmt *paired[3] = {leak[0], leak[1], ir_free(c, tmp, z)};
    t.f.body = ir_seq(c, paired, 3, z);
    cr_expect(ir_verify(c, &t.f));
    /* free without alloc */
    expect_invalid(&t, ir_free(c, tmp, z), "not allocated");

    /* type mismatch: storing an i64 into f32 */
    expect_invalid(&t, ir_store(c, t.y, zero, 1, ir_i64(c, 1), z), "store of i64");
    /* operands of different types */
    Expr *bad = ir_bin(c, BOP_ADD, ir_float(c, DT_F32, 1, z), ir_i64(c, 1), z);
    expect_invalid(&t, ir_store(c, t.y, zero, 1, bad, z), "operands of '+'");
    /* wrong number of indices */
    expect_invalid(&t, ir_store(c, t.y, NULL, 0, ir_float(c, DT_F32, 0, z), z), "indexed with 0");
    /* a store into an input */
    expect_invalid(&t, ir_store(c, t.x, zero, 1, ir_float(c, DT_F32, 0, z), z), "store to input");
    /* the same loop variable bound twice in nested loops */
    Stmt *nested = ir_for(c, ir_new_loop_id(c), i, ir_i64(c, 0), ir_i64(c, 2), FOR_SERIAL, good, z);
    expect_invalid(&t, nested, "bound again");
    /* a non-bool if condition */
    expect_invalid(&t, ir_if(c, ir_i64(c, 1), good, NULL, z), "not bool");
    ctx_free(&t.ctx);
}
