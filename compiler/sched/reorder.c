/* reorder: permutes loops of one perfectly nested chain. Split guards met
 * on the way sink to the innermost body (they only mention the chain's
 * variables). A chain broken by a statement list is a dependence: a
 * producer computed at one of the loops, or the init of a reduction. The
 * init is then split into its own nest over the pure loops that move
 * (TVM decompose_reduction), placed before the update nest, so that
 * reduction loops may move outside pure loops. */
#include "compiler/sched/primitive.h"
#include "compiler/sched/sched_internal.h"

enum { MAX_CHAIN = 64 };

static bool in_set(const LoopId *ids, uint32_t n, LoopId id)
{
    for (uint32_t i = 0; i < n; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/* Explains why `blocker` (not a loop or guard) breaks the chain. */
static bool blocked(Sched *s, int32_t stage, Stmt *blocker, const LoopId *ids, uint32_t n, uint32_t found,
                    LoopId last, SrcSpan at)
{
    SchedStage *st = &s->stages.v[stage];
    LoopId missing = 0;
    for (uint32_t i = 0; i < n && !missing; i++)
        if (!sched_find_for(blocker, ids[i]) || i >= found)
            missing = sched_find_for(blocker, ids[i]) ? ids[i] : missing;
    bool red = false;
    for (uint32_t i = 0; i < n; i++)
        if (sched_find_for(blocker, ids[i]) && sched_loop_rec(s, ids[i])->reduction)
            red = true;
    /* the init: a store to the stage itself, outside the remaining loops */
    bool init = false;
    if (blocker->kind == SK_SEQ)
        for (uint32_t i = 0; i < blocker->u.seq.n; i++) {
            Stmt *e = blocker->u.seq.v[i];
            if (e->kind == SK_STORE && st->buf && e->u.store.buf == st->buf)
                init = true;
            if (e->kind == SK_ALLOC && e->u.alloc.buf->scope == SCOPE_LOCAL && e->u.alloc.buf->rank == 0)
                init = true; /* a reduction temporary */
        }
    for (uint32_t i = 0; i < s->stages.n; i++) {
        SchedStage *o = &s->stages.v[i];
        if ((int32_t)i == stage || !o->buf || !sched_stores_to(blocker, o->buf) || !o->placed)
            continue;
        Diag *d = sched_error(s, at, "cannot reorder loops of '%s' across the computation of '%s', which is "
                              "computed inside loop '%s'", st->name, o->name, sched_loop_name(s, last));
        diag_note(s->diags, d, o->placed_at, "'%s' is placed here", o->name);
        return false;
    }
    if (red && init) {
        LoopId r = 0;
        for (uint32_t i = 0; i < n && !r; i++)
            if (sched_find_for(blocker, ids[i]) && sched_loop_rec(s, ids[i])->reduction)
                r = ids[i];
        Diag *d = sched_error(s, at, "cannot reorder: reduction loop '%s' of '%s' would move outside loop '%s', "
                              "across the initialization of the reduction", sched_loop_name(s, r), st->name,
                              sched_loop_name(s, last));
        if (st->si >= 0 && s->k->stages.v[st->si].stmt)
            diag_note(s->diags, d, s->k->stages.v[st->si].stmt->span, "the reduction is defined here");
        return false;
    }
    (void)missing;
    sched_error(s, at, "cannot reorder: the loops of '%s' are not perfectly nested below loop '%s'", st->name,
                sched_loop_name(s, last));
    return false;
}

/* The blocker is `init stores to the stage's buffer; one statement with the
 * rest of the chain`: split the init off at the outermost chain loop whose
 * position gets another loop, into a copy of the loops (and guards) from
 * there down. True when the IR was rewritten. */
static bool decompose(Sched *s, int32_t stage, Stmt *top, const LoopId *ids, uint32_t n, Stmt *blocker,
                      uint32_t *kept)
{
    IrCtx *c = s->c;
    IrBuffer *buf = s->stages.v[stage].buf;
    if (!buf || blocker->kind != SK_SEQ || blocker->u.seq.n < 2)
        return false;
    uint32_t m = blocker->u.seq.n - 1;
    for (uint32_t i = 0; i < m; i++)
        if (blocker->u.seq.v[i]->kind != SK_STORE || blocker->u.seq.v[i]->u.store.buf != buf)
            return false;
    Stmt *rest = blocker->u.seq.v[m];
    if (!sched_stores_to(rest, buf))
        return false;
    /* the levels from top down to the blocker */
    Stmt *lv[MAX_CHAIN];
    uint32_t nl = 0, k = 0, split = MAX_CHAIN;
    for (Stmt *cur = top; cur != blocker && nl < MAX_CHAIN;) {
        lv[nl++] = cur;
        if (cur->kind == SK_FOR) {
            if (in_set(ids, n, cur->u.for_.id)) {
                if (ids[k] != cur->u.for_.id && split == MAX_CHAIN) {
                    split = nl - 1;
                    *kept = k;
                }
                k++;
            }
            cur = cur->u.for_.body;
        } else {
            cur = cur->u.if_.then_;
        }
    }
    if (split == MAX_CHAIN) {
        *kept = k; /* the loops above keep their places: reorder the rest below */
        return true;
    }
    for (uint32_t i = split; i < nl; i++)
        if (lv[i]->kind == SK_FOR && sched_loop_rec(s, lv[i]->u.for_.id) &&
            sched_loop_rec(s, lv[i]->u.for_.id)->reduction)
            return false;
    Stmt *init = ir_seq(c, blocker->u.seq.v, m, blocker->loc), *upd = rest;
    for (uint32_t i = nl; i-- > split;) {
        Stmt *l = lv[i];
        if (l->kind == SK_FOR) {
            init = ir_for_with(c, l, l->u.for_.min, l->u.for_.extent, init);
            upd = ir_for_with(c, l, l->u.for_.min, l->u.for_.extent, upd);
        } else {
            init = ir_if(c, l->u.if_.cond, init, NULL, l->loc);
            upd = ir_if(c, l->u.if_.cond, upd, NULL, l->loc);
        }
    }
    init = sched_fresh_ids(s, init, true);
    Stmt *v[2] = {init, upd};
    sched_replace_stmt(s, lv[split], ir_seq(c, v, 2, lv[split]->loc));
    return true;
}

static bool reorder(Sched *s, int32_t stage, const LoopId *ids, uint32_t n, SrcSpan at, bool may_decompose);

bool sched_reorder(Sched *s, int32_t stage, const LoopId *ids, uint32_t n, SrcSpan at)
{
    if (!reorder(s, stage, ids, n, at, true))
        return false;
    char *list = "";
    for (uint32_t i = 0; i < n; i++)
        list = arena_printf(s->c->a, "%s%s%s", list, i ? ", " : "", sched_loop_name(s, ids[i]));
    sched_record(s, "%s.reorder(%s);", s->stages.v[stage].name, list);
    return true;
}

static bool reorder(Sched *s, int32_t stage, const LoopId *ids, uint32_t n, SrcSpan at, bool may_decompose)
{
    IrCtx *c = s->c;
    if (n == 0 || n > MAX_CHAIN)
        return sched_error(s, at, "reorder takes 1 to %d loops", MAX_CHAIN), false;
    Stmt *top = NULL;
    for (uint32_t i = 0; i < n; i++) {
        Stmt *l = sched_find_for(s->f->body, ids[i]);
        if (!l)
            return sched_error(s, at, "unknown loop in reorder"), false;
        bool outer = true;
        for (uint32_t j = 0; j < n && outer; j++)
            if (j != i && !sched_find_for(l, ids[j]))
                outer = false;
        if (outer)
            top = l;
    }
    if (!top)
        return sched_error(s, at, "cannot reorder loops of '%s' that are not nested in one another",
                           s->stages.v[stage].name), false;
    Stmt *chain[MAX_CHAIN];
    Expr *guards[MAX_CHAIN];
    uint32_t nchain = 0, nguards = 0, found = 0;
    Stmt *cur = top;
    LoopId last = ids[0];
    while (found < n) {
        if (nchain == MAX_CHAIN || nguards == MAX_CHAIN)
            return sched_error(s, at, "loop nest too deep to reorder"), false;
        if (cur->kind == SK_FOR) {
            chain[nchain++] = cur;
            if (in_set(ids, n, cur->u.for_.id)) {
                found++;
                last = cur->u.for_.id;
            }
            if (found < n)
                cur = cur->u.for_.body;
        } else if (cur->kind == SK_IF && !cur->u.if_.else_) {
            guards[nguards++] = cur->u.if_.cond;
            cur = cur->u.if_.then_;
        } else {
            uint32_t kept = 0;
            if (may_decompose && decompose(s, stage, top, ids, n, cur, &kept))
                return n - kept < 2 || reorder(s, stage, ids + kept, n - kept, at, false);
            return blocked(s, stage, cur, ids, n, found, last, at);
        }
    }
    Stmt *body = chain[nchain - 1]->u.for_.body;
    for (uint32_t i = nguards; i-- > 0;)
        body = ir_if(c, guards[i], body, NULL, guards[i]->loc);
    /* The k-th listed position of the chain gets ids[k]. */
    Stmt *occ[MAX_CHAIN];
    uint32_t k = 0;
    for (uint32_t i = 0; i < nchain; i++) {
        occ[i] = chain[i];
        if (in_set(ids, n, chain[i]->u.for_.id)) {
            for (uint32_t j = 0; j < nchain; j++)
                if (chain[j]->u.for_.id == ids[k])
                    occ[i] = chain[j];
            k++;
        }
    }
    for (uint32_t i = 0; i < nchain; i++)
        for (uint32_t j = i; j < nchain; j++)
            if (ir_expr_uses(occ[i]->u.for_.min, occ[j]->u.for_.var) ||
                ir_expr_uses(occ[i]->u.for_.extent, occ[j]->u.for_.var))
                return sched_error(s, at, "cannot reorder: the bounds of loop '%s' depend on loop '%s', which "
                                   "would be outside it", sched_loop_name(s, occ[i]->u.for_.id),
                                   sched_loop_name(s, occ[j]->u.for_.id)), false;
    for (uint32_t i = nchain; i-- > 0;) {
        Stmt *o = occ[i];
        Stmt *l = ir_for(c, o->u.for_.id, o->u.for_.var, o->u.for_.min, o->u.for_.extent, o->u.for_.kind, body,
                         o->loc);
        l->u.for_.factor = o->u.for_.factor;
        body = l;
    }
    sched_replace_stmt(s, top, body);
    return true;
}

bool sched_do_reorder(Sched *s, SchedDirective *d)
{
    LoopId ids[SCHED_MAX_ARGS];
    for (uint32_t i = 0; i < d->nargs; i++)
        ids[i] = d->args[i].loop;
    return sched_reorder(s, d->stage, ids, d->nargs, d->at);
}
