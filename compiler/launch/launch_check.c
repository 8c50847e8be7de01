/* The bounds checks sema leaves for launch (accesses whose range depends on
 * integer scalars), plus the expression text and kernel lookup they use. */
#include "compiler/launch/launch.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- expression text ------------------------------------------------- */

typedef struct Out {
    char  *buf;
    size_t len, at;
} Out;

static void put(Out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(Out *o, const char *fmt, ...)
{
    if (o->at >= o->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->at, o->len - o->at, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->at += (size_t)n;
}

/* Binding strength, as in docs/language.md's grammar. */
static int prec(const AstExpr *e)
{
    switch (e->kind) {
    case EX_BINARY:
        switch (e->u.binary.op) {
        case OP_DEFAULT: return 0;
        case OP_OR: return 1;
        case OP_AND: return 2;
        case OP_BITOR: return 3;
        case OP_BITXOR: return 4;
        case OP_BITAND: return 5;
        case OP_EQ: case OP_NE: return 6;
        case OP_LT: case OP_LE: case OP_GT: case OP_GE: return 7;
        case OP_SHL: case OP_SHR: return 8;
        case OP_ADD: case OP_SUB: return 9;
        default: return 10;
        }
    case EX_UNARY: return 11;
    case EX_ACCESS: return e->u.access.dflt ? 0 : 12;
    default: return 12;
    }
}

static void text(Out *o, const AstExpr *e);

static void sub(Out *o, const AstExpr *e, int min)
{
    bool paren = prec(e) < min;
    if (paren)
        put(o, "(");
    text(o, e);
    if (paren)
        put(o, ")");
}

static void list(Out *o, const AstExprVec *v)
{
    for (uint32_t i = 0; i < v->n; i++) {
        if (i)
            put(o, ", ");
        text(o, v->v[i]);
    }
}

static void text(Out *o, const AstExpr *e)
{
    switch (e->kind) {
    case EX_INT: put(o, "%lld", (long long)e->u.ival); break;
    case EX_FLOAT: put(o, "%g", e->u.fval); break;
    case EX_NAME: put(o, "%s", e->u.name.id); break;
    case EX_ELLIPSIS: put(o, "..."); break;
    case EX_UNARY:
        put(o, "%s", ast_op_text(e->u.unary.op));
        sub(o, e->u.unary.x, 11);
        break;
    case EX_BINARY: {
        int p = prec(e);
        sub(o, e->u.binary.a, p);
        put(o, " %s ", ast_op_text(e->u.binary.op));
        sub(o, e->u.binary.b, p + 1);
        break;
    }
    case EX_CALL:
        put(o, e->u.call.bitcast ? "bitcast<%s>(" : "%s(", e->u.call.callee);
        list(o, &e->u.call.args);
        put(o, ")");
        break;
    case EX_ACCESS:
        put(o, "%s[", e->u.access.tensor);
        list(o, &e->u.access.idx);
        put(o, "]");
        if (e->u.access.dflt) {
            put(o, " ?\? ");
            sub(o, e->u.access.dflt, 1);
        }
        break;
    case EX_REDUCE:
        put(o, "%s(", e->u.reduce.op_name);
        text(o, e->u.reduce.body);
        put(o, " for ");
        for (uint32_t i = 0; i < e->u.reduce.vars.n; i++) {
            const AstGenVar *g = &e->u.reduce.vars.v[i];
            put(o, "%s%s", i ? ", " : "", g->name);
            if (g->lo) {
                put(o, " in ");
                text(o, g->lo);
                put(o, "..");
                text(o, g->hi);
            }
        }
        put(o, ")");
        break;
    default: put(o, "?"); break;
    }
}

char *launch_expr_text(const AstExpr *e, char *buf, size_t len)
{
    if (!len)
        return buf;
    buf[0] = 0;
    Out o = {buf, len, 0};
    text(&o, e);
    return buf;
}

/* A user's kernel before a standard library one of the same name. */
KernelInfo *launch_find_kernel(const AstProgram *p, const char *name)
{
    for (int library = 0; library < 2; library++)
        for (uint32_t m = 0; m < p->modules.n; m++) {
            const AstModule *mod = p->modules.v[m];
            for (uint32_t i = 0; i < mod->items.n && mod->library == library; i++)
                if (mod->items.v[i].kind == ITEM_KERNEL && !strcmp(mod->items.v[i].u.kernel->name, name))
                    return mod->items.v[i].u.kernel->info;
        }
    return NULL;
}

/* ---- launch checks ---------------------------------------------------- */

/* Finds `target` under e; on the way, notes whether an enclosing reduction
 * variable has an empty inferred range (then the access never executes). */
static bool find(const KernelInfo *k, const Binding *b, const AstExpr *e, const AstExpr *target, bool *empty)
{
    if (!e)
        return false;
    if (e == target)
        return true;
    switch (e->kind) {
    case EX_ACCESS:
        for (uint32_t i = 0; i < e->u.access.idx.n; i++)
            if (find(k, b, e->u.access.idx.v[i], target, empty))
                return true;
        return find(k, b, e->u.access.dflt, target, empty);
    case EX_UNARY: return find(k, b, e->u.unary.x, target, empty);
    case EX_BINARY:
        return find(k, b, e->u.binary.a, target, empty) || find(k, b, e->u.binary.b, target, empty);
    case EX_CALL:
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            if (find(k, b, e->u.call.args.v[i], target, empty))
                return true;
        return false;
    case EX_REDUCE:
        if (!find(k, b, e->u.reduce.body, target, empty))
            return false;
        for (uint32_t i = 0; i < e->u.reduce.vars.n; i++) {
            const VarInfo *v = &k->rvars.v[e->u.reduce.vars.v[i].rvar];
            bool ok;
            int64_t n = launch_eval(k, b, v->extent, &ok);
            if (ok && n <= 0)
                *empty = true;
        }
        return true;
    default: return false;
    }
}

/* Whether the access runs at all: false when its stage's domain is empty. */
static bool executes(const KernelInfo *k, const Binding *b, const AstExpr *access)
{
    for (uint32_t s = 0; s < k->stages.n; s++) {
        const StageInfo *st = &k->stages.v[s];
        bool empty = false;
        if (!st->stmt || !find(k, b, st->stmt->value, access, &empty))
            continue;
        if (st->rank_generic)
            for (int32_t a = 0; a < b->grank; a++)
                empty |= b->gshape[a] == 0;
        for (uint32_t a = 0; a < st->rank && st->vars; a++) {
            bool ok;
            int64_t n = launch_eval(k, b, st->vars[a].extent, &ok);
            empty |= ok && n <= 0;
        }
        return !empty;
    }
    return true;
}

bool launch_run_checks(const KernelInfo *k, const Binding *b, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < k->launch_checks.n; i++) {
        const LaunchCheck *c = &k->launch_checks.v[i];
        bool ok_lo, ok_hi, ok_n;
        int64_t lo = launch_eval(k, b, c->lo, &ok_lo);
        int64_t hi = launch_eval(k, b, c->hi, &ok_hi);
        int64_t n = launch_eval(k, b, c->extent, &ok_n);
        /* An unbounded side cannot be checked here; the interpreter checks
         * every access as it runs, so nothing is read out of range. */
        if (!ok_n || ((!ok_lo || lo >= 0) && (!ok_hi || hi <= n - 1)))
            continue;
        if (!executes(k, b, c->access))
            continue;
        char acc[200], with[200] = "", lo_s[32] = "-inf", hi_s[32] = "+inf";
        launch_expr_text(c->access, acc, sizeof acc);
        size_t at = 0;
        for (uint32_t p = 0; p < k->params.n && at < sizeof with; p++) {
            const Sym *s = k->params.v[p].scalar_sym;
            if (s && ((c->lo && sym_depends_on(c->lo, s)) || (c->hi && sym_depends_on(c->hi, s))))
                at += (size_t)snprintf(with + at, sizeof with - at, "%s%s = %lld", at ? ", " : "",
                                       k->params.v[p].name, (long long)b->iscalars[p]);
        }
        if (ok_lo)
            snprintf(lo_s, sizeof lo_s, "%lld", (long long)lo);
        if (ok_hi)
            snprintf(hi_s, sizeof hi_s, "%lld", (long long)hi);
        snprintf(err, errlen, "%s: index %u of %s ranges over [%s, %s] but %s has size %lld%s%s%s", k->ast->name,
                 c->axis, acc, lo_s, hi_s, c->access->u.access.tensor, (long long)n, at ? " (" : "", with,
                 at ? ")" : "");
        return false;
    }
    return true;
}

/* ---- requires ---------------------------------------------------------- */

/* "H = 2, k = 3": the dims and integer scalars r mentions, in declaration order. */
static void values_used(const KernelInfo *k, const Binding *b, const Requirement *r, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = 0;
    for (uint32_t d = 0; d < k->dims.n && at < len; d++)
        if (sym_depends_on(r->lhs, k->dims.v[d].sym) || sym_depends_on(r->rhs, k->dims.v[d].sym))
            at += (size_t)snprintf(buf + at, len - at, "%s%s = %lld", at ? ", " : "", k->dims.v[d].name,
                                   (long long)b->dims[d]);
    for (uint32_t p = 0; p < k->params.n && at < len; p++) {
        const Sym *s = k->params.v[p].scalar_sym;
        if (s && (sym_depends_on(r->lhs, s) || sym_depends_on(r->rhs, s)))
            at += (size_t)snprintf(buf + at, len - at, "%s%s = %lld", at ? ", " : "", k->params.v[p].name,
                                   (long long)b->iscalars[p]);
    }
}

bool launch_check_requires(const KernelInfo *k, const Binding *b, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < k->requires.n; i++) {
        const Requirement *r = &k->requires.v[i];
        bool ok_l, ok_r, holds = false;
        int64_t l = launch_eval(k, b, r->lhs, &ok_l), v = launch_eval(k, b, r->rhs, &ok_r);
        if (ok_l && ok_r) {
            switch (r->op) {
            case OP_EQ: holds = l == v; break;
            case OP_LT: holds = l < v; break;
            case OP_LE: holds = l <= v; break;
            case OP_GT: holds = l > v; break;
            default: holds = l >= v; break;
            }
        }
        if (holds)
            continue;
        char cond[200], with[200];
        launch_expr_text(r->cond, cond, sizeof cond);
        values_used(k, b, r, with, sizeof with);
        snprintf(err, errlen, "%s: requires %s, but %s%s", k->ast->name, cond, with,
                 ok_l && ok_r ? "" : " (it cannot be evaluated: division by zero or overflow)");
        return false;
    }
    return true;
}
