/* The loop IR's text form (docs/ir.md, "Text form"): readable and
 * deterministic, used by `tkc emit --loops` and the golden tests. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "support/strbuf.h"

#include "compiler/ir.h"
#include "lang/intrinsics.h"

static void put(Buf *b, const char *s) { buf_put(b, s); }

static const int binop_prec[BOP__COUNT] = {
#define X(e, s, p) p,
    IR_BINOPS(X)
#undef X
};

enum { PREC_UNARY = 11, PREC_ATOM = 12, PREC_COND = 0 };

static void expr(Buf *b, const Expr *e, int prec);

static void expr_list(Buf *b, Expr **v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            put(b, ", ");
        expr(b, v[i], 0);
    }
}

static void number(Buf *b, const Expr *e)
{
    char tmp[64];
    if (e->kind == EK_INT) {
        if (e->ty == DT_BOOL)
            put(b, e->u.ival ? "true" : "false");
        else {
            snprintf(tmp, sizeof tmp, "%" PRId64, e->u.ival);
            put(b, tmp);
        }
        return;
    }
    double v = e->u.fval;
    if (isinf(v))
        put(b, v < 0 ? "-inf" : "inf");
    else if (isnan(v))
        put(b, "nan");
    else {
        snprintf(tmp, sizeof tmp, "%.9g", v);
        if (!strpbrk(tmp, ".en"))
            strcat(tmp, ".0");
        put(b, tmp);
    }
}

static void load(Buf *b, const Expr *e)
{
    put(b, e->u.load.buf->name);
    put(b, "[");
    expr_list(b, e->u.load.idx, e->u.load.nidx);
    put(b, "]");
}

/* A load guarded by `pred`, with the value `dflt` where pred is false. */
static void guarded(Buf *b, const Expr *ld, const Expr *dflt, int prec)
{
    if (prec > PREC_COND)
        put(b, "(");
    load(b, ld);
    put(b, " if ");
    expr(b, ld->u.load.pred, 1);
    put(b, " else ");
    if (dflt)
        expr(b, dflt, 1);
    else
        put(b, "0");
    if (prec > PREC_COND)
        put(b, ")");
}

static void expr(Buf *b, const Expr *e, int prec)
{
    if (!e) {
        put(b, "<null>");
        return;
    }
    switch (e->kind) {
    case EK_INT:
    case EK_FLOAT:
        if ((e->kind == EK_INT ? e->u.ival < 0 : signbit(e->u.fval)) && prec >= PREC_UNARY) {
            put(b, "(");
            number(b, e);
            put(b, ")");
        } else {
            number(b, e);
        }
        return;
    case EK_VAR: put(b, e->u.var->name); return;
    case EK_UN:
        if (prec > PREC_UNARY)
            put(b, "(");
        put(b, e->u.un.op == UOP_NEG ? "-" : e->u.un.op == UOP_BITNOT ? "~" : "!");
        expr(b, e->u.un.a, PREC_UNARY + 1);
        if (prec > PREC_UNARY)
            put(b, ")");
        return;
    case EK_BIN: {
        int p = binop_prec[e->u.bin.op];
        if (p == 0) {
            put(b, ir_binop_text[e->u.bin.op]);
            put(b, "(");
            expr(b, e->u.bin.a, 0);
            put(b, ", ");
            expr(b, e->u.bin.b, 0);
            put(b, ")");
            return;
        }
        if (prec > p)
            put(b, "(");
        expr(b, e->u.bin.a, p);
        put(b, " ");
        put(b, ir_binop_text[e->u.bin.op]);
        put(b, " ");
        expr(b, e->u.bin.b, p + 1); /* left-associative */
        if (prec > p)
            put(b, ")");
        return;
    }
    case EK_SELECT:
        if (e->u.sel.t->kind == EK_LOAD && e->u.sel.t->u.load.pred == e->u.sel.cond) {
            guarded(b, e->u.sel.t, e->u.sel.f, prec);
            return;
        }
        put(b, "select(");
        expr(b, e->u.sel.cond, 0);
        put(b, ", ");
        expr(b, e->u.sel.t, 0);
        put(b, ", ");
        expr(b, e->u.sel.f, 0);
        put(b, ")");
        return;
    case EK_CAST:
        if (e->u.cast.bits)
            put(b, "bitcast<");
        put(b, dtype_name(e->ty));
        put(b, e->u.cast.bits ? ">(" : "(");
        expr(b, e->u.cast.a, 0);
        put(b, ")");
        return;
    case EK_CALL:
        put(b, e->u.call.intrinsic >= 0 && e->u.call.intrinsic < INTR__COUNT
                   ? intrinsic_info[e->u.call.intrinsic].name : "?");
        put(b, "(");
        expr_list(b, e->u.call.args, e->u.call.nargs);
        put(b, ")");
        return;
    case EK_LOAD:
        if (e->u.load.pred)
            guarded(b, e, NULL, prec);
        else
            load(b, e);
        return;
    case EK_LET:
        put(b, "(let ");
        put(b, e->u.let.var->name);
        put(b, " = ");
        expr(b, e->u.let.value, 0);
        put(b, " in ");
        expr(b, e->u.let.body, 0);
        put(b, ")");
        return;
    default: put(b, "<?>"); return;
    }
}

char *ir_expr_str(Arena *a, const Expr *e)
{
    Buf b = {a, NULL, 0, 0};
    put(&b, "");
    expr(&b, e, 0);
    return b.s ? b.s : "";
}

typedef struct Printer {
    FILE    *out;
    Arena   *a;
    unsigned flags;
} Printer;

static void indent(Printer *p, int d)
{
    for (int i = 0; i < d; i++)
        fputs("  ", p->out);
}

static const char *estr(Printer *p, const Expr *e) { return ir_expr_str(p->a, e); }

static void buffer_type(Printer *p, const IrBuffer *b)
{
    fprintf(p->out, "%s", dtype_name(b->ty));
    if (b->rank == 0 && b->kind != BUF_LOCAL)
        return;
    fputc('[', p->out);
    for (uint32_t i = 0; i < b->rank; i++)
        fprintf(p->out, "%s%s", i ? ", " : "", estr(p, b->shape[i]));
    fputc(']', p->out);
    if (b->strides && b->rank) {
        fputs(" strides (", p->out);
        for (uint32_t i = 0; i < b->rank; i++)
            fprintf(p->out, "%s%s", i ? ", " : "", b->strides[i]->name);
        fputc(')', p->out);
    }
}

static void stmt(Printer *p, const Stmt *s, int d);

/* "a, b, c" */
static const char *list_str(Printer *p, Expr **v, uint32_t n)
{
    Buf b = {p->a, NULL, 0, 0};
    put(&b, "");
    expr_list(&b, v, n);
    return b.s ? b.s : "";
}

static void block(Printer *p, const Stmt *s, int d)
{
    fputs(" {\n", p->out);
    stmt(p, s, d + 1);
    indent(p, d);
    fputs("}", p->out);
}

static void stmt(Printer *p, const Stmt *s, int d)
{
    if (!s)
        return;
    switch (s->kind) {
    case SK_SEQ:
        for (uint32_t i = 0; i < s->u.seq.n; i++)
            stmt(p, s->u.seq.v[i], d);
        return;
    case SK_FOR: {
        static const char *const kinds[] = {
#define X(e, t) t,
            IR_FOR_KINDS(X)
#undef X
        };
        indent(p, d);
        if (s->u.for_.factor && (s->u.for_.kind == FOR_VECTORIZED || s->u.for_.kind == FOR_UNROLLED))
            fprintf(p->out, "%.*s(%u) ", (int)strlen(kinds[s->u.for_.kind]) - 1, kinds[s->u.for_.kind],
                    s->u.for_.factor);
        else
            fputs(kinds[s->u.for_.kind], p->out);
        fprintf(p->out, "for %s", s->u.for_.var->name);
        if (p->flags & IR_PRINT_LOOP_IDS)
            fprintf(p->out, "@%u", s->u.for_.id);
        int64_t m;
        if (ir_is_const_int(s->u.for_.min, &m) && m == 0)
            fprintf(p->out, " in 0..%s", estr(p, s->u.for_.extent));
        else
            fprintf(p->out, " in %s..%s + %s", estr(p, s->u.for_.min), estr(p, s->u.for_.min),
                    ir_expr_str(p->a, s->u.for_.extent));
        block(p, s->u.for_.body, d);
        fputc('\n', p->out);
        return;
    }
    case SK_IF:
        indent(p, d);
        fprintf(p->out, "if %s", estr(p, s->u.if_.cond));
        block(p, s->u.if_.then_, d);
        if (s->u.if_.else_) {
            fputs(" else", p->out);
            block(p, s->u.if_.else_, d);
        }
        fputc('\n', p->out);
        return;
    case SK_LET:
        indent(p, d);
        fprintf(p->out, "let %s = %s\n", s->u.let.var->name, estr(p, s->u.let.value));
        stmt(p, s->u.let.body, d);
        return;
    case SK_STORE:
        indent(p, d);
        fprintf(p->out, "%s[%s] = %s\n", s->u.store.buf->name, list_str(p, s->u.store.idx, s->u.store.nidx),
                estr(p, s->u.store.value));
        return;
    case SK_ALLOC:
        indent(p, d);
        fprintf(p->out, "alloc %s: ", s->u.alloc.buf->name);
        buffer_type(p, s->u.alloc.buf);
        fprintf(p->out, " %s", mem_scope_name[s->u.alloc.buf->scope]);
        if (s->u.alloc.buf->align != IR_LOCAL_ALIGN)
            fprintf(p->out, " align %u", s->u.alloc.buf->align);
        fputc('\n', p->out);
        return;
    case SK_COPY: {
        const Stmt *c = s;
        indent(p, d);
        fprintf(p->out, "copy %s[%s] <- ", c->u.copy.dst->name, list_str(p, c->u.copy.dst_idx, c->u.copy.ndst));
        fprintf(p->out, "%s[%s] extent [%s]\n", c->u.copy.src->name, list_str(p, c->u.copy.src_idx, c->u.copy.nsrc),
                list_str(p, c->u.copy.extent, c->u.copy.n));
        return;
    }
    case SK_SYNC:
        indent(p, d);
        if (s->u.sync.kind == SYNC_BARRIER)
            fprintf(p->out, "sync barrier\n");
        else
            fprintf(p->out, "sync %s %u\n", ir_sync_name[s->u.sync.kind], s->u.sync.event);
        return;
    case SK_FREE:
        indent(p, d);
        fprintf(p->out, "free %s\n", s->u.free_.buf->name);
        return;
    case SK_EVAL:
        indent(p, d);
        fprintf(p->out, "eval %s\n", estr(p, s->u.eval.e));
        return;
    case SK_ASSERT:
        indent(p, d);
        fprintf(p->out, "assert %s, \"%s\"\n", estr(p, s->u.assert_.cond), s->u.assert_.msg);
        return;
    default:
        indent(p, d);
        fputs("<?>\n", p->out);
        return;
    }
}

void ir_print_stmt(FILE *out, Arena *a, const Stmt *s, int d, unsigned flags)
{
    Printer p = {out, a, flags};
    stmt(&p, s, d);
}

static void arg(Printer *p, const IrArg *x)
{
    if (x->buf) {
        fprintf(p->out, "%s: ", x->buf->name);
        buffer_type(p, x->buf);
    } else {
        fprintf(p->out, "%s: %s", x->var->name, dtype_name(x->var->ty));
    }
}

void ir_print_func(FILE *out, Arena *a, const Func *f, unsigned flags)
{
    Printer p = {out, a, flags};
    fprintf(out, "kernel %s(", f->name);
    for (uint32_t i = 0; i < f->ninputs; i++) {
        if (i)
            fputs(", ", out);
        arg(&p, &f->args[i]);
    }
    fputs(") -> (", out);
    for (uint32_t i = f->ninputs; i < f->nargs; i++) {
        if (i > f->ninputs)
            fputs(", ", out);
        arg(&p, &f->args[i]);
    }
    fputs(")\n", out);
    if (f->ndims) {
        fputs("  dims", out);
        for (uint32_t i = 0; i < f->ndims; i++) {
            const IrDim *dm = &f->dims[i];
            fprintf(out, "%s %s = %s.shape[%u]", i ? "," : "", dm->var->name, f->args[dm->arg].buf->name, dm->axis);
        }
        fputc('\n', out);
    }
    stmt(&p, f->body, 1);
}
