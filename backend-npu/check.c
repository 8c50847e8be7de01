/* Sanitizer: parameter, bounds and alignment checks, and the per-byte shadow
 * that finds races between pipes (vector clocks joined by set/wait_flag),
 * reads of uninitialised bytes and GM bytes written by two cores. */
#include "backend-npu/sim.h"

#include <stdlib.h>
#include <string.h>

static bool region_alloc(NpuSim *s, Region *r, bool gm)
{
    if (!gm && !r->data) {
        r->data = calloc(r->size, 1);
        r->init = calloc(r->size, 1);
    }
    if (!r->w) {
        r->w = calloc(r->size, sizeof *r->w);
        r->r = calloc(r->size * NPU_NPIPE, sizeof *r->r);
    }
    if (!r->data || !r->init || !r->w || !r->r) {
        sim_error(s, NPU_CHECK_LIMIT, UINT32_MAX, "out of memory allocating %s", r->name);
        return false;
    }
    return true;
}

Region *region_of(NpuSim *s, const NpuAddr *a)
{
    Region *r = a->scope == NPU_GM ? &s->gm[a->gm] : &s->loc[a->scope];
    return region_alloc(s, r, a->scope == NPU_GM) ? r : NULL;
}

int64_t dyn_param(const NpuSim *s, const Dyn *d, NpuParam p)
{
    return d->p ? d->p[p] : sinstr(s, d)->p[p].imm;
}

bool check_param(NpuSim *s, const Dyn *d, NpuParam p, int64_t v, int64_t lo, int64_t hi)
{
    if (v >= lo && v <= hi)
        return true;
    sim_error(s, NPU_CHECK_PARAM, (uint32_t)(d - s->dyn), "%s=%lld out of range [%lld, %lld]",
              npu_param_name(p), (long long)v, (long long)lo, (long long)hi);
    return false;
}

static const char *const opnd[4] = {"destination", "source", "second source", "select mask"};

static const char *where(const NpuSim *s, const NpuAddr *a)
{
    return a->scope == NPU_GM ? s->prog->gm.v[a->gm].name : npu_scope_name((NpuScope)a->scope);
}

bool check_range(NpuSim *s, const Dyn *d, int k, int64_t lo, int64_t hi)
{
    const NpuAddr *a = &sinstr(s, d)->a[k];
    Region *r = a->scope == NPU_GM ? &s->gm[a->gm] : &s->loc[a->scope];
    if (lo >= 0 && hi >= lo && (uint64_t)hi <= r->size)
        return true;
    sim_error(s, NPU_CHECK_OOB, (uint32_t)(d - s->dyn),
              "%s bytes [%lld, %lld) lie outside %s (%llu bytes)", opnd[k], (long long)lo, (long long)hi,
              where(s, a), (unsigned long long)r->size);
    return false;
}

bool check_align(NpuSim *s, const Dyn *d, int k, uint32_t need)
{
    const NpuAddr *a = &sinstr(s, d)->a[k];
    uint32_t al = need ? need : s->prof.mem_align[a->scope];
    if (al <= 1 || d->addr[k] % al == 0)
        return true;
    sim_error(s, NPU_CHECK_MISALIGNED, (uint32_t)(d - s->dyn),
              "%s address %s[%lld] is not %u-byte aligned", opnd[k], where(s, a), (long long)d->addr[k], al);
    return false;
}

/* Happens-before: the access of dynamic instruction j is ordered before the
 * current instruction on pipe `p`. */
static bool ordered(const NpuSim *s, uint32_t j, uint8_t p)
{
    const Dyn *o = &s->dyn[j];
    return o->pipe == p || s->vc[p][o->pipe] >= o->epoch;
}

static void race(NpuSim *s, Region *r, int64_t off, uint32_t other, const char *kind)
{
    const Dyn *o = &s->dyn[other];
    char text[200];
    npu_instr_format(s->prog, sinstr(s, o), text, sizeof text);
    sim_error(s, NPU_CHECK_RACE, s->cur,
              "%s race on %s[%lld] with instruction #%u `%s` (dynamic #%u, pipe %s): no set_flag/wait_flag "
              "or barrier orders pipe %s after it", kind, r->name, (long long)off, o->sidx, text, other,
              npu_pipe_name((NpuPipe)o->pipe), npu_pipe_name((NpuPipe)s->dyn[s->cur].pipe));
}

/* Published: consecutive vector instructions are not ordered by the pipe
 * itself; one that reads or rewrites what an earlier one wrote needs
 * pipe_barrier v in between (Ascend C PipeBarrier<PIPE_V>). Other pipes'
 * instructions are taken to complete in order. */
static void hazard(NpuSim *s, Region *r, int64_t off, uint32_t other, const char *kind)
{
    const Dyn *o = &s->dyn[other];
    char text[200];
    npu_instr_format(s->prog, sinstr(s, o), text, sizeof text);
    sim_error(s, NPU_CHECK_HAZARD, s->cur,
              "%s on %s[%lld] with instruction #%u `%s` (dynamic #%u) on the same pipe %s: no pipe_barrier %s "
              "between them", kind, r->name, (long long)off, o->sidx, text, other,
              npu_pipe_name((NpuPipe)o->pipe), npu_pipe_name((NpuPipe)o->pipe));
}

uint8_t *acc(NpuSim *s, Region *r, int64_t off, uint32_t n, bool write)
{
    uint8_t p = s->dyn[s->cur].pipe;
    uint32_t me = s->cur + 1;
    bool is_gm = r->core != NULL;
    if ((uint64_t)off + n > r->hw)
        r->hw = (uint64_t)off + n;
    for (uint64_t b = (uint64_t)off, e = (uint64_t)off + n; b < e; b++) {
        uint32_t w = r->w[b];
        if (w && w != me && !ordered(s, w - 1, p))
            race(s, r, (int64_t)b, w - 1, write ? "write-after-write" : "read-after-write");
        else if (w && w != me && p == NPU_PIPE_V && s->dyn[w - 1].pipe == p && s->dyn[w - 1].epoch > s->vbar[p])
            hazard(s, r, (int64_t)b, w - 1, write ? "write-after-write" : "read-after-write");
        uint32_t *rd = &r->r[b * NPU_NPIPE];
        if (write) {
            for (int q = 0; q < NPU_NPIPE; q++)
                if (q != p && rd[q] && rd[q] != me && !ordered(s, rd[q] - 1, p))
                    race(s, r, (int64_t)b, rd[q] - 1, "write-after-read");
            r->w[b] = me;
            r->init[b] = 1;
            if (is_gm) {
                int32_t c = r->core[b];
                if (c && c != (int32_t)s->block + 1)
                    sim_error(s, NPU_CHECK_GM_OVERLAP, s->cur,
                              "%s[%llu] is written by block %d and by block %u", r->name,
                              (unsigned long long)b, c - 1, s->block);
                r->core[b] = (int32_t)s->block + 1;
            }
        } else {
            if (!r->init[b])
                sim_error(s, NPU_CHECK_UNINIT, s->cur, "reads uninitialised byte %s[%llu]", r->name,
                          (unsigned long long)b);
            rd[p] = me;
        }
    }
    return r->data + off;
}

int move_path(NpuScope from, NpuScope to)
{
#define X(id, key, f, t) if (from == f && to == t) return NPU_PATH_##id;
    NPU_PATHS(X)
#undef X
    return -1;
}

/* dma/load2d/fixpipe: which pipe moves data between two scopes. */
static int path_pipe(const NpuProfile *p, int path)
{
    switch (path) {
    case NPU_PATH_GM_L1: case NPU_PATH_GM_UB: case NPU_PATH_GM_L0A: case NPU_PATH_GM_L0B:
        return NPU_PIPE_MTE2;
    case NPU_PATH_UB_GM: case NPU_PATH_UB_L1:
        return NPU_PIPE_MTE3;
    case NPU_PATH_UB_UB:
        return NPU_PIPE_V;
    case NPU_PATH_L1_UB: case NPU_PATH_L1_L0A: case NPU_PATH_L1_L0B:
        return NPU_PIPE_MTE1;
    default: /* L0C -> UB/GM/L1 */
        return p->fixpipe ? NPU_PIPE_FIX : NPU_PIPE_V;
    }
}

/* The published SRC_DST event pairs (Ascend C HardEvent, NPU-FACTS.md 2.2). */
static bool published_pair(NpuPipe src, NpuPipe dst)
{
#define P(a, b) ((uint64_t)1 << (NPU_PIPE_##a * NPU_NPIPE + NPU_PIPE_##b))
    static const uint64_t pairs =
        P(MTE2, MTE1) | P(MTE1, MTE2) | P(MTE1, M) | P(M, MTE1) | P(MTE2, V) | P(V, MTE2) |
        P(MTE3, V) | P(V, MTE3) | P(M, V) | P(V, M) | P(V, V) | P(MTE3, MTE1) | P(MTE1, MTE3) | P(MTE1, V) |
        P(MTE2, M) | P(M, MTE2) | P(V, MTE1) | P(M, FIX) | P(FIX, M) | P(MTE3, MTE2) | P(MTE2, MTE3) |
        P(S, V) | P(V, S) | P(S, MTE2) | P(MTE2, S) | P(S, MTE3) | P(MTE3, S) | P(MTE2, FIX) | P(FIX, MTE2) |
        P(FIX, S) | P(M, S) | P(FIX, MTE3);
#undef P
    return (pairs >> (src * NPU_NPIPE + dst)) & 1;
}

/* Pipes of the core a program runs on: a coupled AI core has all but FIX
 * (unless the profile has a fixpipe); on split profiles the vector core
 * (AIV) has S, V, MTE2, MTE3 and the cube core (AIC) S, M, MTE1, MTE2, FIX. */
static uint32_t core_pipes(const NpuSim *s)
{
#define B(x) (1u << NPU_PIPE_##x)
    if (!s->prof.split)
        return B(S) | B(V) | B(M) | B(MTE1) | B(MTE2) | B(MTE3) | (s->prof.fixpipe ? B(FIX) : 0);
    return s->cube_kernel ? B(S) | B(M) | B(MTE1) | B(MTE2) | B(FIX) : B(S) | B(V) | B(MTE2) | B(MTE3);
#undef B
}

static bool flag_ok(NpuSim *s, const NpuInstr *in, uint32_t dyn)
{
    NpuPipe src = in->pipe[0], dst = in->pipe[1];
    uint32_t have = core_pipes(s);
    if ((src == NPU_PIPE_FIX || dst == NPU_PIPE_FIX) && !s->prof.fixpipe) {
        sim_error(s, NPU_CHECK_UNSUPPORTED, dyn, "profile %s has no fix pipe", s->prof.name);
        return false;
    }
    if (!(have >> src & 1) || !(have >> dst & 1)) {
        sim_error(s, NPU_CHECK_UNSUPPORTED, dyn, "the %s core of profile %s has no pipe %s",
                  !s->prof.split ? "AI" : s->cube_kernel ? "cube (AIC)" : "vector (AIV)", s->prof.name,
                  npu_pipe_name(have >> src & 1 ? dst : src));
        return false;
    }
    if (!published_pair(src, dst)) {
        sim_error(s, NPU_CHECK_SYNC, dyn, "%s -> %s is not an event pair of the hardware (HardEvent has no "
                  "%s_%s); order the pipes through a pair it has", npu_pipe_name(src), npu_pipe_name(dst),
                  npu_pipe_name(src), npu_pipe_name(dst));
        return false;
    }
    return true;
}

int instr_pipe(NpuSim *s, const NpuInstr *in, uint32_t dyn)
{
    NpuFamily f = npu_op_info(in->op)->fam;
    switch (f) {
    case NPU_F_FLAG:
        return flag_ok(s, in, dyn) ? (int)(in->op == NPU_OP_SET_FLAG ? in->pipe[0] : in->pipe[1]) : -1;
    case NPU_F_BARRIER:
        if (in->pipe[0] == NPU_PIPE_S) {
            sim_error(s, NPU_CHECK_PARAM, dyn, "pipe_barrier on pipe s is a hardware error (scalar order is implicit)");
            return -1;
        }
        return in->pipe[0] == NPU_PIPE_ALL ? NPU_PIPE_S : in->pipe[0];
    case NPU_F_MMAD:
        return NPU_PIPE_M;
    case NPU_F_SLD: case NPU_F_SST:
        return NPU_PIPE_S;
    case NPU_F_DMA: case NPU_F_LOAD2D: case NPU_F_FIXPIPE: {
        NpuScope from = (NpuScope)in->a[1].scope, to = (NpuScope)in->a[0].scope;
        int path = move_path(from, to);
        bool fam_ok = f == NPU_F_DMA ? (from != NPU_L0C && to != NPU_L0A && to != NPU_L0B && to != NPU_L0C)
                    : f == NPU_F_LOAD2D ? (to == NPU_L0A || to == NPU_L0B)
                    : from == NPU_L0C;
        if (path < 0 || !fam_ok || s->prof.bw[path] <= 0) {
            sim_error(s, NPU_CHECK_UNSUPPORTED, dyn, "%s cannot move %s -> %s on profile %s%s",
                      npu_op_name(in->op), npu_scope_name(from), npu_scope_name(to), s->prof.name,
                      path >= 0 && s->prof.bw[path] <= 0 ? " (no such data path)" : "");
            return -1;
        }
        return path_pipe(&s->prof, path);
    }
    default:
        return NPU_PIPE_V;
    }
}
