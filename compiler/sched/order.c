/* When each directive applies (docs/schedules.md, "Order"), computed from
 * what it depends on. A kernel stage's directives run with it, consumers
 * first (a producer is placed once its consumer's loops are final), its
 * placement and cache_write before its loop directives. A stage the
 * schedule makes runs with the stage it depends on: an rfactor stage with
 * the stage it came from; a cache with the stage it is computed at, or
 * (cache_write) with the stage it caches; a cache of an input, or one left
 * at the root, after every stage, when every loop is final. Within a slot
 * directives keep the order they were written in. */
#include "compiler/sched/sched_order.h"

typedef struct Order {
    const KernelInfo *k;
    const SchedPlan  *plan;
    int32_t           spec;
    SchedSlot        *ref_slot;   /* per ref, memoized; group -3: not yet computed */
} Order;

static bool in_variant(const Order *o, const SchedDirective *d) { return d->spec < 0 || d->spec == o->spec; }

static SchedSlot slot_of_ref(Order *o, int32_t ref, uint32_t depth);

/* The consumer a stage is computed at by a placement in this variant, or -1. */
static int32_t placed_at(const Order *o, int32_t ref)
{
    int32_t consumer = -1;
    for (uint32_t i = 0; i < o->plan->dirs.n; i++) {
        const SchedDirective *d = &o->plan->dirs.v[i];
        if (d->recv == ref && in_variant(o, d) && d->prim->role == SP_PLACEMENT)
            for (uint32_t j = 0; j < d->nargs; j++)
                if (d->args[j].kind == SA_STAGE)
                    consumer = d->args[j].ref;
    }
    return consumer;
}

/* The slot of the directives on a made stage, from its maker's. */
static SchedSlot made_slot(Order *o, const SchedDirective *mk, uint32_t depth)
{
    const SchedStageRef *src = &o->plan->refs.v[mk->recv];
    if (mk->prim->role == SP_RFACTOR)
        return (SchedSlot){slot_of_ref(o, mk->recv, depth + 1).group, 1};
    if (mk->prim->role == SP_CACHE_READ && src->input >= 0)
        return (SchedSlot){SCHED_GROUP_END, 2};
    int32_t g = mk->prim->role == SP_CACHE_WRITE ? slot_of_ref(o, mk->recv, depth + 1).group : SCHED_GROUP_END;
    int32_t consumer = placed_at(o, mk->makes);
    if (consumer >= 0)
        g = slot_of_ref(o, consumer, depth + 1).group;
    return (SchedSlot){g, 2};
}

static SchedSlot slot_of_ref(Order *o, int32_t ref, uint32_t depth)
{
    const SchedStageRef *r = &o->plan->refs.v[ref];
    if (r->stage >= 0)
        return (SchedSlot){r->stage, 1};
    if (r->maker < 0 || depth > o->plan->refs.n)
        return (SchedSlot){SCHED_GROUP_END, 2};
    if (o->ref_slot[ref].group == -3)
        o->ref_slot[ref] = made_slot(o, &o->plan->dirs.v[r->maker], depth);
    return o->ref_slot[ref];
}

static SchedSlot slot_of(Order *o, const SchedDirective *d)
{
    if (d->prim->role == SP_CACHE_READ)   /* a cache_read goes with its cache */
        return slot_of_ref(o, d->makes, 0);
    SchedSlot s = slot_of_ref(o, d->recv, 0);
    if (o->plan->refs.v[d->recv].stage >= 0 &&
        (d->prim->role == SP_PLACEMENT || d->prim->role == SP_CACHE_WRITE))
        s.pass = 0;
    return s;
}

/* Rank of a group: consumers first (reverse dependency order), END last. */
static uint32_t rank(const KernelInfo *k, int32_t group)
{
    for (uint32_t i = 0; i < k->stages.n; i++)
        if ((int32_t)k->order[k->stages.n - 1 - i] == group)
            return i;
    return k->stages.n;
}

static bool before(const KernelInfo *k, SchedSlot a, uint32_t ia, SchedSlot b, uint32_t ib)
{
    uint32_t ra = rank(k, a.group), rb = rank(k, b.group);
    if (ra != rb)
        return ra < rb;
    if (a.pass != b.pass)
        return a.pass < b.pass;
    return ia < ib;
}

uint32_t sched_order(Arena *a, const KernelInfo *k, const SchedPlan *plan, int32_t spec, SchedDirective ***out,
                     SchedSlot **slots)
{
    Order o = {k, plan, spec, arena_alloc(a, (plan->refs.n + 1) * sizeof *o.ref_slot)};
    for (uint32_t i = 0; i < plan->refs.n; i++)
        o.ref_slot[i].group = -3;
    SchedDirective **v = arena_alloc(a, (plan->dirs.n + 1) * sizeof *v);
    SchedSlot *sl = arena_alloc(a, (plan->dirs.n + 1) * sizeof *sl);
    uint32_t *idx = arena_alloc(a, (plan->dirs.n + 1) * sizeof *idx);
    uint32_t n = 0;
    for (uint32_t i = 0; i < plan->dirs.n; i++) {
        SchedDirective *d = &plan->dirs.v[i];
        if (!in_variant(&o, d))
            continue;
        SchedSlot s = slot_of(&o, d);
        uint32_t j = n++;   /* insertion sort: stable, and schedules are short */
        for (; j > 0 && before(k, s, i, sl[j - 1], idx[j - 1]); j--)
            v[j] = v[j - 1], sl[j] = sl[j - 1], idx[j] = idx[j - 1];
        v[j] = d, sl[j] = s, idx[j] = i;
    }
    *out = v;
    if (slots)
        *slots = sl;
    return n;
}
