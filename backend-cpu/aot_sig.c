/* A kernel's signature as the table libtk_rt's ahead-of-time launch reads
 * (runtime/rt.h): what compiler/launch/ checks, from the same KernelInfo,
 * with the texts its messages quote, so the runtime reports the same
 * errors without the compiler. */
#include <stdlib.h>
#include <string.h>

#include "backend-cpu/aot.h"
#include "runtime/rt.h"

static void word(AotSig *s, int64_t v)
{
    if (s->nw == s->capw) {
        size_t cap = s->capw ? 2 * s->capw : 256;
        int64_t *w = realloc(s->w, cap * sizeof *w);
        if (!w) {
            s->oom = true;
            return;
        }
        s->w = w, s->capw = cap;
    }
    s->w[s->nw++] = v;
}

/* A string into the pool, its offset into the table. */
static void string(AotSig *s, const char *str)
{
    size_t n = strlen(str) + 1;
    if (s->nstr + n > s->capstr) {
        size_t cap = s->capstr ? 2 * s->capstr : 1024;
        while (cap < s->nstr + n)
            cap *= 2;
        char *p = realloc(s->str, cap);
        if (!p) {
            s->oom = true;
            return;
        }
        s->str = p, s->capstr = cap;
    }
    memcpy(s->str + s->nstr, str, n);
    word(s, (int64_t)s->nstr);
    s->nstr += n;
}

/* Postfix code of e (sym_eval's order of operations); *depth is the stack
 * it needs. */
static void code(AotSig *s, const KernelInfo *k, const Sym *e, int *depth, int base)
{
    if (base + 1 > *depth)
        *depth = base + 1;
    int64_t v;
    if (sym_is_const(e, &v)) {
        word(s, RT_X_CONST), word(s, v);
        return;
    }
    switch (sym_kind(e)) {
    case SYM_VAR:
        for (uint32_t d = 0; d < k->dims.n; d++)
            if (k->dims.v[d].sym == e) {
                word(s, RT_X_DIM), word(s, d);
                return;
            }
        for (uint32_t p = 0; p < k->params.n; p++)
            if (k->params.v[p].scalar_sym == e) {
                word(s, RT_X_SCALAR), word(s, p);
                return;
            }
        word(s, RT_X_UNKNOWN);
        return;
    case SYM_ADD:
        word(s, RT_X_CONST), word(s, sym_add_const(e));
        for (uint32_t i = 0; i < sym_nops(e); i++) {
            code(s, k, sym_op(e, i), depth, base + 1);
            word(s, RT_X_CONST), word(s, sym_coef(e, i));
            if (base + 3 > *depth)
                *depth = base + 3;
            word(s, RT_X_MUL), word(s, RT_X_ADD);
        }
        return;
    case SYM_MUL:
        word(s, RT_X_CONST), word(s, 1);
        for (uint32_t i = 0; i < sym_nops(e); i++) {
            code(s, k, sym_op(e, i), depth, base + 1);
            word(s, RT_X_MUL);
        }
        return;
    default: break;
    }
    static const int64_t ops[] = {[SYM_DIV] = RT_X_DIV, [SYM_MOD] = RT_X_MOD, [SYM_MIN] = RT_X_MIN,
                                  [SYM_MAX] = RT_X_MAX};
    code(s, k, sym_op(e, 0), depth, base);
    code(s, k, sym_op(e, 1), depth, base + 1);
    word(s, ops[sym_kind(e)]);
}

/* An expression with its length first; NULL is "none" (length 0). */
static void expr(AotSig *s, const KernelInfo *k, const Sym *e)
{
    size_t at = s->nw;
    word(s, 0);
    if (!e || s->oom)
        return;
    int depth = 0;
    code(s, k, e, &depth, 0);
    if (depth > RT_MAX_STACK)
        s->too_deep = true;
    if (!s->oom)
        s->w[at] = (int64_t)(s->nw - at - 1);
}

/* Count, then the indices of the dims e1 or e2 mentions. */
static void dims_used(AotSig *s, const KernelInfo *k, const Sym *e1, const Sym *e2)
{
    size_t at = s->nw;
    word(s, 0);
    for (uint32_t d = 0; d < k->dims.n; d++)
        if ((e1 && sym_depends_on(e1, k->dims.v[d].sym)) || (e2 && sym_depends_on(e2, k->dims.v[d].sym))) {
            word(s, d);
            if (!s->oom)
                s->w[at]++;
        }
}

static void scalars_used(AotSig *s, const KernelInfo *k, const Sym *e1, const Sym *e2)
{
    size_t at = s->nw;
    word(s, 0);
    for (uint32_t p = 0; p < k->params.n; p++) {
        const Sym *v = k->params.v[p].scalar_sym;
        if (v && ((e1 && sym_depends_on(e1, v)) || (e2 && sym_depends_on(e2, v)))) {
            word(s, p);
            if (!s->oom)
                s->w[at]++;
        }
    }
}

static void param(AotSig *s, const KernelInfo *k, uint32_t pi)
{
    const ParamInfo *p = &k->params.v[pi];
    char decl[200];
    string(s, p->name);
    string(s, launch_declared_text(p, decl, sizeof decl));
    word(s, p->is_tensor);
    word(s, p->dtype == DT_GENERIC ? -1 : (int64_t)p->dtype);
    word(s, p->is_tensor ? p->rank : 0);
    for (uint32_t a = 0; p->is_tensor && a < p->rank; a++) {
        int64_t c;
        if (sym_is_const(p->shape[a], &c)) {
            word(s, RT_AXIS_CONST), word(s, c);
            continue;
        }
        int64_t kind = RT_AXIS_FREE, dim = 0;
        for (uint32_t d = 0; d < k->dims.n; d++)
            if (k->dims.v[d].sym == p->shape[a]) {
                kind = k->dims.v[d].param == pi && k->dims.v[d].axis == a ? RT_AXIS_BIND : RT_AXIS_SAME;
                dim = d;
            }
        word(s, kind), word(s, dim);
    }
}

static void output(AotSig *s, const KernelInfo *k, const ParamInfo *p)
{
    char text[200];
    string(s, p->name);
    word(s, p->dtype == DT_GENERIC ? -1 : (int64_t)p->dtype);
    word(s, p->rank);
    for (uint32_t a = 0; a < p->rank; a++) {
        expr(s, k, p->shape[a]);
        string(s, launch_expr_text(p->ast->type.dims.v[a], text, sizeof text));
        dims_used(s, k, p->shape[a], NULL);
    }
}

/* compiler/launch/launch_check.c's `find`: whether target is under e,
 * adding the extents of the reductions around it. */
static bool find(AotSig *s, const KernelInfo *k, const AstExpr *e, const AstExpr *target, uint32_t *n)
{
    if (!e)
        return false;
    if (e == target)
        return true;
    switch (e->kind) {
    case EX_ACCESS:
        for (uint32_t i = 0; i < e->u.access.idx.n; i++)
            if (find(s, k, e->u.access.idx.v[i], target, n))
                return true;
        return find(s, k, e->u.access.dflt, target, n);
    case EX_UNARY: return find(s, k, e->u.unary.x, target, n);
    case EX_BINARY: return find(s, k, e->u.binary.a, target, n) || find(s, k, e->u.binary.b, target, n);
    case EX_CALL:
        for (uint32_t i = 0; i < e->u.call.args.n; i++)
            if (find(s, k, e->u.call.args.v[i], target, n))
                return true;
        return false;
    case EX_REDUCE:
        if (!find(s, k, e->u.reduce.body, target, n))
            return false;
        for (uint32_t i = 0; i < e->u.reduce.vars.n; i++, (*n)++)
            expr(s, k, k->rvars.v[e->u.reduce.vars.v[i].rvar].extent);
        return true;
    default: return false;
    }
}

/* The extents whose emptiness means the access never runs (executes()). */
static void empties(AotSig *s, const KernelInfo *k, const AstExpr *access)
{
    size_t at = s->nw;
    word(s, 0);
    uint32_t n = 0;
    for (uint32_t i = 0; i < k->stages.n; i++) {
        const StageInfo *st = &k->stages.v[i];
        size_t mark = s->nw;
        n = 0;
        if (!st->stmt || !find(s, k, st->stmt->value, access, &n)) {
            s->nw = mark;
            continue;
        }
        for (uint32_t a = 0; a < st->rank && st->vars; a++, n++)
            expr(s, k, st->vars[a].extent);
        break;
    }
    if (!s->oom)
        s->w[at] = n;
}

static int64_t cmp_code(AstOp op)
{
    switch (op) {
    case OP_EQ: return RT_CMP_EQ;
    case OP_LT: return RT_CMP_LT;
    case OP_LE: return RT_CMP_LE;
    case OP_GT: return RT_CMP_GT;
    default: return RT_CMP_GE;
    }
}

bool aot_sig_build(const KernelInfo *k, const DType *insts, uint32_t ninsts, AotSig *s)
{
    memset(s, 0, sizeof *s);
    char text[200];
    word(s, RT_SIG_MAGIC);
    string(s, k->ast->name);
    word(s, k->params.n), word(s, k->outputs.n), word(s, k->dims.n);
    if (k->ast->tparams.n)
        string(s, k->ast->tparams.v[0].name);
    else
        word(s, -1);
    for (uint32_t d = 0; d < k->dims.n; d++)
        string(s, k->dims.v[d].name);
    for (uint32_t i = 0; i < k->params.n; i++)
        param(s, k, i);
    for (uint32_t o = 0; o < k->outputs.n; o++)
        output(s, k, &k->outputs.v[o]);
    word(s, k->requires.n);
    for (uint32_t i = 0; i < k->requires.n; i++) {
        const Requirement *r = &k->requires.v[i];
        word(s, cmp_code(r->op));
        expr(s, k, r->lhs), expr(s, k, r->rhs);
        string(s, launch_expr_text(r->cond, text, sizeof text));
        dims_used(s, k, r->lhs, r->rhs);
        scalars_used(s, k, r->lhs, r->rhs);
    }
    word(s, k->launch_checks.n);
    for (uint32_t i = 0; i < k->launch_checks.n; i++) {
        const LaunchCheck *c = &k->launch_checks.v[i];
        expr(s, k, c->lo), expr(s, k, c->hi), expr(s, k, c->extent);
        word(s, c->axis);
        string(s, launch_expr_text(c->access, text, sizeof text));
        string(s, c->access->u.access.tensor);
        /* launch_run_checks names the scalars lo or hi depends on */
        scalars_used(s, k, c->lo, c->hi);
        empties(s, k, c->access);
    }
    word(s, ninsts);
    for (uint32_t i = 0; i < ninsts; i++)
        word(s, insts[i] == DT_ERROR ? -1 : (int64_t)insts[i]);
    return !s->oom && !s->too_deep;
}

void aot_sig_free(AotSig *s)
{
    free(s->w);
    free(s->str);
    memset(s, 0, sizeof *s);
}
