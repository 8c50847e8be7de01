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

int instr_pipe(NpuSim *s, const NpuInstr *in, uint32_t dyn)
{
    NpuFamily f = npu_op_info(in->op)->fam;
    switch (f) {
    case NPU_F_FLAG: {
        NpuPipe pp = in->op == NPU_OP_SET_FLAG ? in->pipe[0] : in->pipe[1];
        if ((in->pipe[0] == NPU_PIPE_FIX || in->pipe[1] == NPU_PIPE_FIX) && !s->prof.fixpipe) {
            sim_error(s, NPU_CHECK_UNSUPPORTED, dyn, "profile %s has no fix pipe", s->prof.name);
            return -1;
        }
        return pp;
    }
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
