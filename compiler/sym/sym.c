/* Symbolic expression nodes: the context, hash-consing, variables and their
 * ranges, recorded facts, introspection and substitution. */
#include <string.h>

#include "compiler/sym/sym_internal.h"
#include "support/hash.h"

SymCtx *sym_ctx_new(Arena *a)
{
    SymCtx *c = arena_alloc(a, sizeof *c);
    if (a->oom)
        return NULL;
    c->a = a;
    c->cap = 256;
    c->tab = arena_alloc(a, c->cap * sizeof *c->tab);
    if (a->oom)
        return NULL;
    c->zero = sym_const(c, 0);
    return c;
}

SymCtx *sym_ctx_fork(Arena *a, const SymCtx *parent)
{
    SymCtx *c = arena_alloc(a, sizeof *c);
    if (a->oom)
        return NULL;
    *c = *parent;
    c->a = a;
    c->fm = NULL;
    c->fm_cap = 0;
    /* Copies of the parent's tables: new nodes and ranges go into the
     * copies, the parent's own nodes are shared and never written. */
    c->tab = arena_alloc(a, c->cap * sizeof *c->tab);
    c->ranges.v = arena_alloc(a, (c->ranges.n + 1) * sizeof *c->ranges.v);
    c->facts.v = arena_alloc(a, (c->facts.n + 1) * sizeof *c->facts.v);
    if (a->oom)
        return NULL;
    memcpy(c->tab, parent->tab, c->cap * sizeof *c->tab);
    if (c->ranges.n)
        memcpy(c->ranges.v, parent->ranges.v, c->ranges.n * sizeof *c->ranges.v);
    if (c->facts.n)
        memcpy(c->facts.v, parent->facts.v, c->facts.n * sizeof *c->facts.v);
    c->ranges.cap = c->ranges.n + 1;
    c->facts.cap = c->facts.n + 1;
    return c;
}

Arena *sym_ctx_arena(SymCtx *c) { return c->a; }

static uint64_t node_hash(SymKind kind, int64_t k, uint32_t n, Sym **ops, int64_t *coef)
{
    uint64_t h = hash_bytes(&kind, sizeof kind, HASH_SEED);
    h = hash_bytes(&k, sizeof k, h);
    for (uint32_t i = 0; i < n; i++) {
        h = hash_bytes(&ops[i]->id, sizeof ops[i]->id, h);
        if (coef)
            h = hash_bytes(&coef[i], sizeof coef[i], h);
    }
    return h;
}

static bool node_eq(const Sym *s, SymKind kind, int64_t k, uint32_t n, Sym **ops, int64_t *coef)
{
    if (s->kind != kind || s->k != k || s->n != n)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        if (s->ops[i] != ops[i])
            return false;
        if (coef && s->coef[i] != coef[i])
            return false;
    }
    return true;
}

static bool grow(SymCtx *c)
{
    uint32_t ncap = c->cap * 2;
    Sym    **nt = arena_alloc(c->a, ncap * sizeof *nt);
    if (c->a->oom)
        return false;
    for (uint32_t i = 0; i < c->cap; i++) {
        Sym *s = c->tab[i];
        if (!s)
            continue;
        uint32_t j = (uint32_t)s->hash & (ncap - 1);
        while (nt[j])
            j = (j + 1) & (ncap - 1);
        nt[j] = s;
    }
    c->tab = nt;
    c->cap = ncap;
    return true;
}

/* The one place nodes are made: returns the existing node when one with the
 * same structure exists. ops/coef are copied. */
Sym *sym_intern(SymCtx *c, SymKind kind, int64_t k, uint32_t n, Sym **ops, int64_t *coef)
{
    if (c->a->oom)
        return c->zero;
    uint64_t h = node_hash(kind, k, n, ops, kind == SYM_ADD ? coef : NULL);
    uint32_t j = (uint32_t)h & (c->cap - 1);
    for (Sym *s; (s = c->tab[j]); j = (j + 1) & (c->cap - 1))
        if (s->hash == h && node_eq(s, kind, k, n, ops, kind == SYM_ADD ? coef : NULL))
            return s;
    Sym *s = arena_alloc(c->a, sizeof *s);
    Sym **o = n ? arena_alloc(c->a, n * sizeof *o) : NULL;
    int64_t *cf = kind == SYM_ADD ? arena_alloc(c->a, n * sizeof *cf) : NULL;
    if (c->a->oom)
        return c->zero;
    if (n)
        memcpy(o, ops, n * sizeof *o);
    if (cf)
        memcpy(cf, coef, n * sizeof *cf);
    *s = (Sym){.kind = kind, .id = c->next_id++, .n = n, .hash = h, .k = k, .ops = o, .coef = cf};
    c->tab[j] = s;
    if (++c->count * 2 > c->cap)
        grow(c);
    return s;
}

Sym *sym_const(SymCtx *c, int64_t v) { return sym_intern(c, SYM_CONST, v, 0, NULL, NULL); }

Sym *sym_var(SymCtx *c, const char *name)
{
    /* Never hash-consed: every call is a distinct variable. */
    Sym *s = arena_alloc(c->a, sizeof *s);
    if (c->a->oom)
        return c->zero;
    SymRange none = {0};
    uint32_t idx = c->ranges.n;
    vec_push(c->a, c->ranges, none);
    if (c->a->oom)
        return c->zero;
    *s = (Sym){.kind = SYM_VAR, .id = c->next_id++, .k = idx,
               .name = arena_strdup(c->a, name ? name : "v")};
    s->hash = node_hash(SYM_VAR, s->id, 0, NULL, NULL);
    return s;
}

void sym_set_range(SymCtx *c, Sym *var, Sym *lo, Sym *hi)
{
    if (!var || var->kind != SYM_VAR || (uint64_t)var->k >= c->ranges.n)
        return;
    /* lo <= hi is a premise only for claims about var itself (prove.c). */
    c->ranges.v[var->k] = (SymRange){lo, hi};
}

void sym_get_range(SymCtx *c, const Sym *var, Sym **lo, Sym **hi)
{
    *lo = *hi = NULL;
    if (var && var->kind == SYM_VAR && (uint64_t)var->k < c->ranges.n) {
        *lo = c->ranges.v[var->k].lo;
        *hi = c->ranges.v[var->k].hi;
    }
}

uint32_t sym_facts_mark(SymCtx *c) { return c->facts.n; }

void sym_facts_reset(SymCtx *c, uint32_t mark)
{
    if (mark < c->facts.n)
        c->facts.n = mark;
}

void sym_assume_nonneg(SymCtx *c, Sym *e)
{
    if (!e)
        return;
    for (uint32_t i = 0; i < c->facts.n; i++)
        if (c->facts.v[i] == e)
            return;
    vec_push(c->a, c->facts, e);
}

SymKind     sym_kind(const Sym *e) { return e->kind; }
uint32_t    sym_id(const Sym *e) { return e->id; }
int64_t     sym_const_value(const Sym *e) { return e->kind == SYM_CONST ? e->k : 0; }
const char *sym_var_name(const Sym *e) { return e->kind == SYM_VAR ? e->name : NULL; }
uint32_t    sym_nops(const Sym *e) { return e->n; }
Sym        *sym_op(const Sym *e, uint32_t i) { return i < e->n ? e->ops[i] : NULL; }
int64_t     sym_coef(const Sym *e, uint32_t i) { return e->kind == SYM_ADD && i < e->n ? e->coef[i] : 1; }
int64_t     sym_add_const(const Sym *e) { return e->kind == SYM_ADD ? e->k : 0; }

bool sym_is_const(const Sym *e, int64_t *v)
{
    if (!e || e->kind != SYM_CONST)
        return false;
    if (v)
        *v = e->k;
    return true;
}

bool sym_depends_on(const Sym *e, const Sym *var)
{
    if (e == var)
        return true;
    for (uint32_t i = 0; i < e->n; i++)
        if (sym_depends_on(e->ops[i], var))
            return true;
    return false;
}

Sym *sym_subst(SymCtx *c, Sym *e, const Sym *var, Sym *by)
{
    if (!sym_depends_on(e, var))
        return e;
    if (e == var)
        return by;
    switch (e->kind) {
    case SYM_ADD: {
        Sym *r = sym_const(c, e->k);
        for (uint32_t i = 0; i < e->n; i++)
            r = sym_add(c, r, sym_muli(c, sym_subst(c, e->ops[i], var, by), e->coef[i]));
        return r;
    }
    case SYM_MUL: {
        Sym *r = sym_subst(c, e->ops[0], var, by);
        for (uint32_t i = 1; i < e->n; i++)
            r = sym_mul(c, r, sym_subst(c, e->ops[i], var, by));
        return r;
    }
    case SYM_DIV: return sym_div(c, sym_subst(c, e->ops[0], var, by), sym_subst(c, e->ops[1], var, by));
    case SYM_MOD: return sym_mod(c, sym_subst(c, e->ops[0], var, by), sym_subst(c, e->ops[1], var, by));
    case SYM_MIN: return sym_min(c, sym_subst(c, e->ops[0], var, by), sym_subst(c, e->ops[1], var, by));
    case SYM_MAX: return sym_max(c, sym_subst(c, e->ops[0], var, by), sym_subst(c, e->ops[1], var, by));
    default: return e;
    }
}

/* ---- integer helpers ---------------------------------------------------- */

bool sym_floor_div(int64_t a, int64_t b, int64_t *q)
{
    if (b == 0) { /* the language's rule: division by zero gives 0 */
        *q = 0;
        return true;
    }
    if (a == INT64_MIN && b == -1)
        return false;
    int64_t d = a / b;
    if (a % b != 0 && ((a < 0) != (b < 0)))
        d--;
    *q = d;
    return true;
}

bool sym_floor_mod(int64_t a, int64_t b, int64_t *r)
{
    if (b == 0 || b == -1) { /* modulo by zero gives 0, like division */
        *r = 0;
        return true;
    }
    int64_t m = a % b;
    if (m != 0 && ((m < 0) != (b < 0)))
        m += b;
    *r = m;
    return true;
}

uint64_t gcd64(int64_t a, int64_t b)
{
    uint64_t x = a < 0 ? 0 - (uint64_t)a : (uint64_t)a;
    uint64_t y = b < 0 ? 0 - (uint64_t)b : (uint64_t)b;
    while (y) {
        uint64_t t = x % y;
        x = y;
        y = t;
    }
    return x;
}
