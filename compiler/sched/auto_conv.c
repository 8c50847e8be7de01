/* The automatic schedule of convolution-like stages (docs/cpu-backend.md):
 * a reduction whose nest is pure loops then reduction loops, such as
 *
 *     y[n, f, h, w] = sum(x[n, c, h + r - 1, w + s - 1] ?? 0.0) * wt[f, c, r, s] for c, r, s)
 *
 * computed as matmul is: the innermost pure loop (w) in vector lanes and a
 * pure loop that indexes only the other operand (f) in registers, a
 * 6 x 4-vector register tile computed by tensorize(gemm) over every
 * reduction loop (c, r, s), whose edge kernel masks the padding and the
 * last columns. The row tiles are on threads. A batched matmul gets the
 * same plan. Each candidate row loop is one transaction. */
#include "compiler/sched/auto_internal.h"

static bool plan_conv(Sched *s, int32_t st, const StageLoops *l, uint32_t np, uint32_t ri, uint32_t w, SrcSpan at)
{
    Arena *a = s->c->a;
    const char *x = sched_loop_name(s, l->loop[ri]->u.for_.id), *y = sched_loop_name(s, l->loop[np - 1]->u.for_.id);
    const char *names[4] = {arena_printf(a, "%so", x), arena_printf(a, "%so", y), arena_printf(a, "%si", x),
                            arena_printf(a, "%si", y)};
    const char *pure[16];
    for (uint32_t i = 0; i < np; i++)
        pure[i] = sched_loop_name(s, l->loop[i]->u.for_.id);
    Snapshot t;
    auto_begin(s, &t);
    bool ok = sched_tile(s, st, l->loop[ri]->u.for_.id, l->loop[np - 1]->u.for_.id, (SchedFactor){SF_LITERAL, 6, 0},
                         (SchedFactor){SF_LITERAL, 4 * (int64_t)w, 0}, names, at);
    /* the pure loops outside the tile, the row tiles first among them after
     * the loops outside the row loop, then the column tiles and the tile */
    LoopId order[18];
    uint32_t n = 0;
    for (uint32_t i = 0; ok && i < ri; i++)
        ok = sched_loop(s, st, pure[i], &order[n++]);
    LoopId rows;
    ok = ok && sched_loop(s, st, names[0], &rows);
    order[n++] = rows;
    for (uint32_t i = ri + 1; ok && i + 1 < np; i++)
        ok = sched_loop(s, st, pure[i], &order[n++]);
    for (int i = 1; ok && i < 4; i++)
        ok = sched_loop(s, st, names[i], &order[n++]);
    LoopId tile = n >= 2 ? order[n - 2] : 0;
    ok = ok && sched_reorder(s, st, order, n, at) && sched_parallel(s, st, rows, at) &&
         sched_tensorize(s, st, tile, at);
    return auto_end(s, &t, ok);
}

bool auto_conv(Sched *s, int32_t st, uint32_t w, SrcSpan at)
{
    if (!s->k->stages.v[s->stages.v[st].si].is_reduction)
        return false;
    StageLoops l;
    auto_stage_loops(s, st, &l);
    uint32_t np = 0;
    while (np < l.n && !auto_is_reduction_loop(s, l.loop[np]))
        np++;
    for (uint32_t i = np; i < l.n; i++)
        if (!auto_is_reduction_loop(s, l.loop[i]))
            return false;
    if (np < 2 || np == l.n)
        return false;
    for (uint32_t ri = np - 1; ri-- > 0;) {
        if (plan_conv(s, st, &l, np, ri, w, at))
            return true;
        auto_stage_loops(s, st, &l);
    }
    return false;
}
