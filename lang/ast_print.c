/* S-expression dump of the syntax tree (see ast_print.h):
 *   (+ (access x n d) 1.0)   (sum (* a b) (for k) (for r 0 3))
 *   (kernel name <T> (in x f32[N D]) (out y f32[N D]) (def y[n d] expr)) */
#include "lang/ast_print.h"

#include <math.h>
#include <stdlib.h>

/* Shortest form that reads back as the same double; always with a '.' or
 * an exponent so floats never look like integers. */
static void dump_float(FILE *out, double v)
{
    if (isinf(v) || isnan(v)) {
        fprintf(out, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    bool plain = true;
    for (const char *p = buf; *p; p++)
        if (*p == '.' || *p == 'e' || *p == 'n' || *p == 'i')
            plain = false;
    fprintf(out, "%s%s", buf, plain ? ".0" : "");
}

static void dump_list(FILE *out, AstExprVec v)
{
    for (uint32_t i = 0; i < v.n; i++) {
        fputc(' ', out);
        ast_dump_expr(out, v.v[i]);
    }
}

void ast_dump_expr(FILE *out, const AstExpr *e)
{
    if (!e) {
        fputs("<null>", out);
        return;
    }
    switch (e->kind) {
    case EX_ERROR:    fputs("<error>", out); return;
    case EX_INT:      fprintf(out, "%lld", (long long)e->u.ival); return;
    case EX_FLOAT:    dump_float(out, e->u.fval); return;
    case EX_NAME:     fputs(e->u.name.id, out); return;
    case EX_ELLIPSIS: fputs("...", out); return;
    case EX_UNARY:
        fprintf(out, "(%s ", ast_op_text(e->u.unary.op));
        ast_dump_expr(out, e->u.unary.x);
        fputc(')', out);
        return;
    case EX_BINARY:
        fprintf(out, "(%s ", ast_op_text(e->u.binary.op));
        ast_dump_expr(out, e->u.binary.a);
        fputc(' ', out);
        ast_dump_expr(out, e->u.binary.b);
        fputc(')', out);
        return;
    case EX_CALL:
        fprintf(out, "(%s %s", e->u.call.bitcast ? "bitcast" : "call", e->u.call.callee);
        dump_list(out, e->u.call.args);
        fputc(')', out);
        return;
    case EX_ACCESS:
        fprintf(out, "(access %s", e->u.access.tensor);
        dump_list(out, e->u.access.idx);
        if (e->u.access.dflt) {
            fputs(" (default ", out);
            ast_dump_expr(out, e->u.access.dflt);
            fputc(')', out);
        }
        fputc(')', out);
        return;
    case EX_REDUCE:
        fprintf(out, "(%s ", e->u.reduce.op_name);
        ast_dump_expr(out, e->u.reduce.body);
        for (uint32_t i = 0; i < e->u.reduce.vars.n; i++) {
            const AstGenVar *g = &e->u.reduce.vars.v[i];
            fprintf(out, " (for %s", g->name);
            if (g->lo) {
                fputc(' ', out);
                ast_dump_expr(out, g->lo);
                fputc(' ', out);
                ast_dump_expr(out, g->hi);
            }
            fputc(')', out);
        }
        fputc(')', out);
        return;
    }
    fputs("<?>", out);
}

/* type -> elem | elem[d1 d2 ...] */
static void dump_type(FILE *out, const AstType *t)
{
    fputs(t->elem ? t->elem : "?", out);
    if (!t->is_tensor)
        return;
    fputc('[', out);
    for (uint32_t i = 0; i < t->dims.n; i++) {
        if (i)
            fputc(' ', out);
        ast_dump_expr(out, t->dims.v[i]);
    }
    fputc(']', out);
}

static void dump_params(FILE *out, const char *tag, AstParamVec v, const char *sep)
{
    for (uint32_t i = 0; i < v.n; i++) {
        fprintf(out, "%s(%s %s ", sep, tag, v.v[i].name);
        dump_type(out, &v.v[i].type);
        fputc(')', out);
    }
}

static void indent(FILE *out, int depth)
{
    fputc('\n', out);
    for (int i = 0; i < depth; i++)
        fputs("  ", out);
}

static void dump_kernel(FILE *out, const AstKernel *k)
{
    fprintf(out, "(kernel %s", k->name);
    if (k->tparams.n) {
        fputs(" <", out);
        for (uint32_t i = 0; i < k->tparams.n; i++)
            fprintf(out, "%s%s", i ? " " : "", k->tparams.v[i].name);
        fputc('>', out);
    }
    dump_params(out, "in", k->params, "\n  ");
    dump_params(out, "out", k->outputs, "\n  ");
    for (uint32_t i = 0; i < k->stmts.n; i++) {
        const AstStmt *s = &k->stmts.v[i];
        fprintf(out, "\n  (def %s", s->name);
        if (s->has_brackets) {
            fputc('[', out);
            for (uint32_t j = 0; j < s->lhs.n; j++) {
                if (j)
                    fputc(' ', out);
                ast_dump_expr(out, s->lhs.v[j]);
            }
            fputc(']', out);
        }
        fputc(' ', out);
        ast_dump_expr(out, s->value);
        fputc(')', out);
    }
    fputs(")\n", out);
}

static void dump_fn(FILE *out, const AstFn *f)
{
    fprintf(out, "(fn %s", f->name);
    dump_params(out, "in", f->params, " ");
    fputs(" -> ", out);
    dump_type(out, &f->ret);
    fputc(' ', out);
    ast_dump_expr(out, f->body);
    fputs(")\n", out);
}

/* chain -> (recv (m args) (m args));  bind -> (= t chain);  (specialize cond ...) */
static void dump_sched_stmts(FILE *out, const AstSchedStmtVec *v, int depth)
{
    for (uint32_t i = 0; i < v->n; i++) {
        const AstSchedStmt *s = &v->v[i];
        indent(out, depth);
        if (s->kind == SS_SPECIALIZE) {
            fputs("(specialize ", out);
            ast_dump_expr(out, s->cond);
            dump_sched_stmts(out, &s->body, depth + 1);
            fputc(')', out);
            continue;
        }
        if (s->bind)
            fprintf(out, "(= %s ", s->bind);
        fprintf(out, "(%s", s->recv);
        for (uint32_t j = 0; j < s->calls.n; j++) {
            fprintf(out, " (%s", s->calls.v[j].method);
            dump_list(out, s->calls.v[j].args);
            fputc(')', out);
        }
        fputc(')', out);
        if (s->bind)
            fputc(')', out);
    }
}

void ast_dump_module(FILE *out, const AstModule *m)
{
    for (uint32_t i = 0; i < m->items.n; i++) {
        const AstItem *it = &m->items.v[i];
        switch (it->kind) {
        case ITEM_IMPORT:
            fprintf(out, "(import \"%s\")\n", it->u.import->path);
            break;
        case ITEM_FN:
            dump_fn(out, it->u.fn);
            break;
        case ITEM_KERNEL:
            dump_kernel(out, it->u.kernel);
            break;
        case ITEM_SCHEDULE:
            fprintf(out, "(schedule %s %s", it->u.sched->kernel, it->u.sched->target);
            dump_sched_stmts(out, &it->u.sched->stmts, 1);
            fputs(")\n", out);
            break;
        }
    }
}
