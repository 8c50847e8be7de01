/* Cycle model: every pipe is an in-order queue fed by the scalar unit in
 * program order. An instruction starts when its pipe is free, it has been
 * dispatched and (for wait_flag) the flag is set; the earliest startable
 * instruction runs next and executes functionally at that point, so results
 * follow the hardware's order. A wait nothing can satisfy is a deadlock. */
#include "backend-npu/sim.h"

#include <stdlib.h>
#include <string.h>

static uint32_t qidx(uint32_t src, uint32_t dst, int64_t ev) { return (src * NPU_NPIPE + dst) * 64 + (uint32_t)ev; }

static bool flag_push(NpuSim *s, uint32_t q, uint64_t fire, uint32_t dyn, uint32_t vc)
{
    if (s->nfl + 1 >= s->capfl) {
        uint32_t cap = s->capfl ? s->capfl * 2 : 256;
        void *p = realloc(s->fl, cap * sizeof *s->fl);
        if (!p)
            return false;
        s->fl = p;
        s->capfl = cap;
    }
    uint32_t e = ++s->nfl; /* entry 0 is the null link */
    s->fl[e] = (FlagEnt){fire, dyn, vc, 0};
    if (s->ftail[q])
        s->fl[s->ftail[q]].next = e;
    else
        s->fhead[q] = e;
    s->ftail[q] = e;
    return true;
}

static FlagEnt *flag_front(NpuSim *s, uint32_t q) { return s->fhead[q] ? &s->fl[s->fhead[q]] : NULL; }

static void flag_pop(NpuSim *s, uint32_t q)
{
    uint32_t e = s->fhead[q];
    s->fhead[q] = s->fl[e].next;
    if (!s->fhead[q])
        s->ftail[q] = 0;
}

static void join(uint32_t *dst, const uint32_t *src)
{
    for (int i = 0; i < NPU_NPIPE; i++)
        if (src[i] > dst[i])
            dst[i] = src[i];
}

static void trace(NpuSim *s, const Dyn *d, uint64_t start, uint64_t end)
{
    if (!s->traced)
        return;
    if (s->ntr == s->captr) {
        size_t cap = s->captr ? s->captr * 2 : 1024;
        void *p = realloc(s->tr, cap * sizeof *s->tr);
        if (!p) {
            s->traced = false;
            return;
        }
        s->tr = p;
        s->captr = cap;
    }
    s->tr[s->ntr++] = (TraceEv){s->block, d->sidx, d->pipe, s->block_start + start, s->block_start + end};
}

/* Checks a flag instruction's event id; false after reporting. */
static bool event_ok(NpuSim *s, const Dyn *d)
{
    if (d->ev >= 0 && d->ev < (int64_t)s->prof.event_ids)
        return true;
    sim_error(s, NPU_CHECK_PARAM, (uint32_t)(d - s->dyn), "event id %lld out of range [0, %u] on %s",
              (long long)d->ev, s->prof.event_ids - 1, s->prof.name);
    return false;
}

/* What pipe p learns about its own completed instructions from another
 * pipe's clock: a set_flag on p fires only once p's earlier instructions are
 * done, so an epoch of p seen elsewhere is complete (for same-pipe hazards). */
static void learn_done(NpuSim *s, int p, const uint32_t *snap)
{
    if (snap[p] > s->vbar[p])
        s->vbar[p] = snap[p];
}

/* set_flag: the flag fires when everything earlier on the source pipe is
 * done. An event is one bit: setting it again before its wait is an error
 * (the hardware would lose the second set and the second wait would hang). */
static void set_flag(NpuSim *s, Dyn *d, uint32_t q, uint64_t fire)
{
    if (s->fhead[q]) {
        const NpuInstr *in = sinstr(s, d);
        sim_error(s, NPU_CHECK_SYNC, s->cur, "event %lld (%s -> %s) is set again before a wait_flag consumed "
                  "the earlier set_flag (dynamic #%u)", (long long)d->ev, npu_pipe_name(in->pipe[0]),
                  npu_pipe_name(in->pipe[1]), s->fl[s->fhead[q]].dyn);
    }
    if (!flag_push(s, q, fire, s->cur, sim_snapshot(s, s->vc[d->pipe])))
        sim_error(s, NPU_CHECK_LIMIT, s->cur, "out of memory for flags");
}

/* pipe_barrier: `all` orders every pipe before the scalar unit (and what it
 * dispatches next); a barrier on one pipe ends that pipe's same-pipe hazards. */
static void barrier(NpuSim *s, Dyn *d)
{
    const NpuInstr *in = sinstr(s, d);
    if (in->pipe[0] == NPU_PIPE_ALL) {
        for (int q = 1; q < NPU_NPIPE; q++) {
            join(s->vc[NPU_PIPE_S], s->vc[q]);
            s->vbar[q] = s->vc[q][q];
        }
        s->s_released = s->vc[NPU_PIPE_S][NPU_PIPE_S];
    } else {
        s->vbar[d->pipe] = d->epoch;
    }
}

/* Runs one non-scalar instruction on its pipe; returns its cost. */
static uint64_t execute(NpuSim *s, Dyn *d)
{
    switch (npu_op_info(sinstr(s, d)->op)->fam) {
    case NPU_F_DMA:     return exec_dma(s, d);
    case NPU_F_LOAD2D:  return exec_load2d(s, d);
    case NPU_F_MMAD:    return exec_mmad(s, d);
    case NPU_F_FIXPIPE: return exec_fixpipe(s, d);
    default:            return exec_vector(s, d);
    }
}

/* Joins the vector clock a pipe receives with an instruction dispatched by
 * the scalar unit: what the scalar unit had waited for, but not its own UB
 * accesses (ld/st), which reach other pipes only through a set_flag from
 * pipe s or a pipe_barrier all (S_V, V_S in the published event list). */
static void join_dispatch(NpuSim *s, uint32_t *dst, const uint32_t *snap)
{
    for (int i = 0; i < NPU_NPIPE; i++) {
        uint32_t v = i == NPU_PIPE_S ? s->s_released : snap[i];
        if (v > dst[i])
            dst[i] = v;
    }
}

void time_core(NpuSim *s)
{
    uint32_t head[NPU_NPIPE] = {0}, tail[NPU_NPIPE] = {0}; /* queued dyn index + 1 */
    memset(s->vc, 0, sizeof s->vc);
    memset(s->fhead, 0, (size_t)NPU_NPIPE * NPU_NPIPE * 64 * sizeof *s->fhead);
    memset(s->ftail, 0, (size_t)NPU_NPIPE * NPU_NPIPE * 64 * sizeof *s->ftail);
    memset(s->vbar, 0, sizeof s->vbar);
    s->s_released = 0;
    s->nfl = 0;
    s->nsnap = 0;
    walk_start(s);
    uint32_t svc = sim_snapshot(s, s->vc[NPU_PIPE_S]);
    uint64_t tS = 0, freep[NPU_NPIPE] = {0};
    uint32_t sp = 0;
    const NpuProfile *pf = &s->prof;

    while (!sim_too_many(s)) {
        if (sp == s->ndyn && !walk_next(s) && s->w.failed)
            break;
        int best = -1;               /* pipe to advance; NPU_PIPE_S = the scalar unit */
        uint64_t bstart = UINT64_MAX;
        if (sp < s->ndyn) {
            Dyn *d = &s->dyn[sp];
            const NpuInstr *in = sinstr(s, d);
            uint64_t st = tS + d->pre;
            bool ok = true;
            if (d->pipe == NPU_PIPE_S && in->op == NPU_OP_WAIT_FLAG) {
                FlagEnt *f = event_ok(s, d) ? flag_front(s, qidx(in->pipe[0], NPU_PIPE_S, d->ev)) : NULL;
                ok = f != NULL;
                if (f && f->fire > st)
                    st = f->fire;
            } else if (d->pipe == NPU_PIPE_S && in->op == NPU_OP_PIPE_BARRIER) {
                for (int p = 1; p < NPU_NPIPE; p++) {
                    ok &= head[p] == 0;
                    if (freep[p] > st)
                        st = freep[p];
                }
            }
            if (ok)
                best = NPU_PIPE_S, bstart = st;
        }
        for (int p = 1; p < NPU_NPIPE; p++) {
            if (!head[p])
                continue;
            Dyn *d = &s->dyn[head[p] - 1];
            const NpuInstr *in = sinstr(s, d);
            uint64_t st = d->avail > freep[p] ? d->avail : freep[p];
            if (in->op == NPU_OP_WAIT_FLAG) {
                FlagEnt *f = event_ok(s, d) ? flag_front(s, qidx(in->pipe[0], (uint32_t)p, d->ev)) : NULL;
                if (!f)
                    continue;
                if (f->fire > st)
                    st = f->fire;
            }
            if (st < bstart)
                best = p, bstart = st;
        }
        if (best < 0)
            break;

        Dyn *d;
        if (best == NPU_PIPE_S) {
            d = &s->dyn[sp];
            if (d->pipe != NPU_PIPE_S) { /* dispatch to its pipe's queue */
                tS = bstart + pf->dispatch;
                d->avail = tS;
                d->svc = svc;
                d->qnext = 0;
                if (tail[d->pipe])
                    s->dyn[tail[d->pipe] - 1].qnext = sp + 1;
                else
                    head[d->pipe] = sp + 1;
                tail[d->pipe] = sp + 1;
                sp++;
                continue;
            }
            sp++;
        } else {
            d = &s->dyn[head[best] - 1];
            head[best] = d->qnext;
            if (!head[best])
                tail[best] = 0;
        }
        /* run d on pipe d->pipe from bstart */
        uint8_t p = d->pipe;
        const NpuInstr *in = sinstr(s, d);
        s->cur = (uint32_t)(d - s->dyn);
        d->epoch = ++s->vc[p][p];
        if (p != NPU_PIPE_S) {
            join_dispatch(s, s->vc[p], s->snap[d->svc]);
            learn_done(s, p, s->snap[d->svc]);
        }
        uint64_t cost = pf->sync;
        if (in->op == NPU_OP_WAIT_FLAG) {
            uint32_t q = qidx(in->pipe[0], p, d->ev);
            join(s->vc[p], s->snap[flag_front(s, q)->vc]);
            learn_done(s, p, s->snap[flag_front(s, q)->vc]);
            flag_pop(s, q);
        } else if (in->op == NPU_OP_SET_FLAG) {
            if (event_ok(s, d))
                set_flag(s, d, qidx(p, in->pipe[1], d->ev), bstart + cost);
        } else if (in->op == NPU_OP_PIPE_BARRIER) {
            barrier(s, d);
        } else if (p == NPU_PIPE_S) {
            cost = exec_scalar_mem(s, d);
        } else {
            cost = execute(s, d);
        }
        uint64_t end = bstart + cost;
        if (p == NPU_PIPE_S) {
            tS = end;
            svc = sim_snapshot(s, s->vc[NPU_PIPE_S]);
        } else {
            freep[p] = end;
        }
        s->rep.busy[p] += cost;
        trace(s, d, bstart, end);
    }

    if (!sim_too_many(s) && !s->w.failed && sp < s->ndyn) {
        /* the scalar unit is stuck: report every blocked wait */
        for (int p = 0; p < NPU_NPIPE; p++) {
            uint32_t i = p == NPU_PIPE_S ? sp : head[p] ? head[p] - 1 : UINT32_MAX;
            if (i == UINT32_MAX || (p == NPU_PIPE_S && s->dyn[i].pipe != NPU_PIPE_S))
                continue;
            const NpuInstr *in = sinstr(s, &s->dyn[i]);
            if (in->op == NPU_OP_WAIT_FLAG)
                sim_error(s, NPU_CHECK_DEADLOCK, i,
                          "deadlock: pipe %s waits for event %lld from pipe %s, but no set_flag %s, %s, %lld "
                          "is pending or can still run", npu_pipe_name((NpuPipe)p), (long long)s->dyn[i].ev,
                          npu_pipe_name(in->pipe[0]), npu_pipe_name(in->pipe[0]), npu_pipe_name((NpuPipe)p),
                          (long long)s->dyn[i].ev);
        }
    } else if (!sim_too_many(s) && !s->w.failed) {
        for (int p = 1; p < NPU_NPIPE; p++) {
            if (!head[p])
                continue;
            uint32_t i = head[p] - 1;
            sim_error(s, NPU_CHECK_DEADLOCK, i,
                      "deadlock: pipe %s waits for event %lld from pipe %s, but no matching set_flag is pending "
                      "or can still run", npu_pipe_name((NpuPipe)p), (long long)s->dyn[i].ev,
                      npu_pipe_name(sinstr(s, &s->dyn[i])->pipe[0]));
        }
    }
    /* flags still set at the end leak into the next kernel */
    for (uint32_t q = 0; q < (uint32_t)NPU_NPIPE * NPU_NPIPE * 64 && !sim_too_many(s); q++)
        if (s->fhead[q]) {
            FlagEnt *f = &s->fl[s->fhead[q]];
            sim_error(s, NPU_CHECK_FLAG_LEFT, f->dyn,
                      "flag (%s -> %s, event %u) is still set when the kernel ends; every set_flag needs a "
                      "wait_flag", npu_pipe_name((NpuPipe)(q / 64 / NPU_NPIPE)),
                      npu_pipe_name((NpuPipe)(q / 64 % NPU_NPIPE)), q % 64);
        }
    uint64_t total = tS + s->w.pre; /* trailing scalar work */
    for (int p = 1; p < NPU_NPIPE; p++)
        if (freep[p] > total)
            total = freep[p];
    s->core_time = total;
}
