/* `tkc emit --ast`: the checked program as an indented tree, one node per
 * line, with every expression's dtype and every stage's extents. */
#include <inttypes.h>

#include "lang/sema/sema_internal.h"

typedef struct Printer {
    FILE  *out;
    Arena *a;
    KernelInfo *k;
    StageInfo  *stage;
} Printer;

static void indent(Printer *p, int depth)
{
    for (int i = 0; i < depth; i++)
        fputs("  ", p->out);
}

static const char *type_text(const AstExpr *e)
{
    return e->dtype == DT_ERROR ? "?" : dtype_name(e->dtype);
}

static const char *shape_text(Printer *p, Sym **shape, uint32_t rank, bool generic)
{
    if (generic)
        return "[...]";
    char *s = "[";
    for (uint32_t i = 0; i < rank; i++)
        s = arena_printf(p->a, "%s%s%s", s, i ? ", " : "", shape && shape[i] ? sym_str(p->a, shape[i]) : "?");
    return arena_printf(p->a, "%s]", s);
}

static const char *name_kind(RefKind r)
{
    switch (r) {
    case REF_INDEX: return "index";
    case REF_RVAR: return "reduction var";
    case REF_DIM: return "dim";
    case REF_SCALAR: return "scalar";
    case REF_FN_PARAM: return "fn param";
    case REF_INPUT: return "input";
    case REF_STAGE: return "stage";
    default: return "?";
    }
}

static void expr(Printer *p, const AstExpr *e, int d)
{
    indent(p, d);
    switch (e->kind) {
    case EX_ERROR: fputs("<error>\n", p->out); return;
    case EX_INT: fprintf(p->out, "int %" PRId64 " : %s\n", e->u.ival, type_text(e)); return;
    case EX_FLOAT: fprintf(p->out, "float %.9g : %s\n", e->u.fval, type_text(e)); return;
    case EX_ELLIPSIS: fputs("...\n", p->out); return;
    case EX_NAME:
        fprintf(p->out, "%s %s : %s\n", name_kind(e->u.name.ref), e->u.name.id, type_text(e));
        return;
    case EX_UNARY:
        fprintf(p->out, "%s : %s\n", ast_op_text(e->u.unary.op), type_text(e));
        expr(p, e->u.unary.x, d + 1);
        return;
    case EX_BINARY:
        fprintf(p->out, "%s : %s\n", ast_op_text(e->u.binary.op), type_text(e));
        expr(p, e->u.binary.a, d + 1);
        expr(p, e->u.binary.b, d + 1);
        return;
    case EX_CALL: {
        const char *what = e->u.call.bitcast ? "bitcast" : e->u.call.cast_to != DT_ERROR ? "cast"
                         : e->u.call.fn ? "fn" : "call";
        fprintf(p->out, "%s %s : %s\n", what, e->u.call.callee, type_text(e));
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            expr(p, e->u.call.args.v[i], d + 1);
        return;
    }
    case EX_ACCESS:
        fprintf(p->out, "access %s%s : %s\n", e->u.access.tensor, e->u.access.dflt ? " ?? default" : "",
                type_text(e));
        for (uint32_t i = 0; i < e->u.access.idx.n; i++)
            expr(p, e->u.access.idx.v[i], d + 1);
        if (e->u.access.dflt) {
            indent(p, d + 1);
            fputs("default\n", p->out);
            expr(p, e->u.access.dflt, d + 2);
        }
        return;
    case EX_REDUCE:
        fprintf(p->out, "%s : %s\n", e->u.reduce.op_name, type_text(e));
        for (uint32_t i = 0; i < e->u.reduce.vars.n; i++) {
            const AstGenVar *g = &e->u.reduce.vars.v[i];
            VarInfo *v = p->k && g->rvar < p->k->rvars.n ? &p->k->rvars.v[g->rvar] : NULL;
            indent(p, d + 1);
            if (v && v->extent)
                fprintf(p->out, "for %s in %s..%s\n", g->name, sym_str(p->a, v->min),
                        sym_str(p->a, sym_add(p->k->sym, v->min, v->extent)));
            else
                fprintf(p->out, "for %s\n", g->name);
        }
        expr(p, e->u.reduce.body, d + 1);
        return;
    }
}

static void param(Printer *p, const char *what, ParamInfo *pi)
{
    if (!pi->is_tensor)
        fprintf(p->out, "  %s %s: %s (scalar)\n", what, pi->name, dtype_name(pi->dtype));
    else
        fprintf(p->out, "  %s %s: %s%s\n", what, pi->name, dtype_name(pi->dtype),
                shape_text(p, pi->shape, pi->rank, pi->rank_generic));
}

static void kernel(Printer *p, AstKernel *ak)
{
    KernelInfo *k = ak->info;
    p->k = k;
    fprintf(p->out, "kernel %s%s\n", ak->name, k->generic ? " (generic)" : "");
    for (uint32_t i = 0; i < k->params.n; i++)
        param(p, "input", &k->params.v[i]);
    for (uint32_t i = 0; i < k->outputs.n; i++)
        param(p, "output", &k->outputs.v[i]);
    for (uint32_t i = 0; i < k->dims.n; i++)
        fprintf(p->out, "  dim %s = %s.shape[%u]\n", k->dims.v[i].name, k->params.v[k->dims.v[i].param].name,
                k->dims.v[i].axis);
    for (uint32_t i = 0; i < k->stages.n; i++) {
        StageInfo *st = &k->stages.v[k->order[i]];
        p->stage = st;
        fprintf(p->out, "  %s %s: %s", st->is_output ? "output stage" : "stage", st->name, dtype_name(st->dtype));
        if (st->rank_generic) {
            fputs("[...]", p->out);
        } else {
            fputc('[', p->out);
            for (uint32_t j = 0; j < st->rank; j++)
                fprintf(p->out, "%s%s < %s", j ? ", " : "", st->vars[j].name,
                        st->vars[j].extent ? sym_str(p->a, st->vars[j].extent) : "?");
            fputc(']', p->out);
        }
        fputc('\n', p->out);
        expr(p, st->stmt->value, 2);
    }
    for (uint32_t i = 0; i < k->requires.n; i++) {
        Requirement *r = &k->requires.v[i];
        fprintf(p->out, "  requires: %s %s %s\n", sym_str(p->a, r->lhs), ast_op_text(r->op), sym_str(p->a, r->rhs));
    }
    for (uint32_t i = 0; i < k->launch_checks.n; i++) {
        LaunchCheck *lc = &k->launch_checks.v[i];
        fprintf(p->out, "  launch check: index %u of %s in [%s, %s] within %s\n", lc->axis,
                lc->access->u.access.tensor, lc->lo ? sym_str(p->a, lc->lo) : "-inf",
                lc->hi ? sym_str(p->a, lc->hi) : "+inf", sym_str(p->a, lc->extent));
    }
    for (uint32_t i = 0; i < k->schedules.n; i++)
        fprintf(p->out, "  schedule for %s: %u directive%s\n", k->schedules.v[i].target,
                k->schedules.v[i].ast->stmts.n, k->schedules.v[i].ast->stmts.n == 1 ? "" : "s");
}

static void fn(Printer *p, AstFn *f)
{
    fprintf(p->out, "fn %s(", f->name);
    for (uint32_t i = 0; i < f->params.n; i++)
        fprintf(p->out, "%s%s: %s", i ? ", " : "", f->params.v[i].name, dtype_name(f->params.v[i].type.dtype));
    fprintf(p->out, ") -> %s\n", dtype_name(f->ret.dtype));
    p->k = NULL;
    expr(p, f->body, 1);
}

void ast_print(FILE *out, Ctx *c, const AstProgram *prog)
{
    Printer p = {.out = out, .a = &c->arena};
    for (uint32_t m = 0; m < prog->modules.n; m++) {
        const AstModule *mod = prog->modules.v[m];
        const SrcFile *f = srcmap_file(&c->files, mod->file);
        fprintf(out, "module %s\n", f ? f->name : "?");
        for (uint32_t i = 0; i < mod->items.n; i++) {
            const AstItem *it = &mod->items.v[i];
            if (it->kind == ITEM_KERNEL && it->u.kernel->info && it->u.kernel->info->order)
                kernel(&p, it->u.kernel);
            else if (it->kind == ITEM_FN)
                fn(&p, it->u.fn);
            else if (it->kind == ITEM_IMPORT)
                fprintf(out, "import \"%s\"\n", it->u.import->path);
        }
    }
}
