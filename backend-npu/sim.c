/* The simulator's public entry points: GM buffers in and out, running
 * block_dim cores, and collecting errors and the report. */
#include "backend-npu/sim.h"

#include <stdlib.h>
#include <string.h>

static void region_free(Region *r)
{
    free(r->data);
    free(r->init);
    free(r->w);
    free(r->r);
    free(r->core);
    r->data = r->init = NULL;
    r->w = r->r = NULL;
    r->core = NULL;
    r->hw = 0;
}

NpuSim *npu_sim_new(const NpuProfile *prof, const NpuProgram *prog)
{
    NpuSim *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->prof = *prof;
    s->prog = prog;
    arena_init(&s->a);
    s->max_errors = 20;
    s->gm = calloc(prog->gm.n ? prog->gm.n : 1, sizeof *s->gm);
    s->reported = calloc(prog->ins.n ? prog->ins.n : 1, sizeof *s->reported);
    size_t nq = (size_t)NPU_NPIPE * NPU_NPIPE * 64;
    s->fhead = calloc(nq, sizeof *s->fhead);
    s->ftail = calloc(nq, sizeof *s->ftail);
    if (!s->gm || !s->reported || !s->fhead || !s->ftail) {
        npu_sim_free(s);
        return NULL;
    }
    for (uint32_t i = 0; i < prog->gm.n; i++) {
        Region *r = &s->gm[i];
        r->name = prog->gm.v[i].name;
        r->size = prog->gm.v[i].count * npu_dtype_size(prog->gm.v[i].dt);
        r->data = calloc(r->size, 1);
        r->init = calloc(r->size, 1);
        r->core = calloc(r->size, sizeof *r->core);
        if (!r->data || !r->init || !r->core) {
            npu_sim_free(s);
            return NULL;
        }
    }
    for (int k = 0; k < NPU_NSCOPE; k++) {
        s->loc[k].size = prof->mem_size[k];
        s->loc[k].name = npu_scope_name((NpuScope)k);
    }
    return s;
}

void npu_sim_free(NpuSim *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; s->gm && i < s->prog->gm.n; i++)
        region_free(&s->gm[i]);
    for (int k = 0; k < NPU_NSCOPE; k++)
        region_free(&s->loc[k]);
    free(s->gm);
    free(s->reported);
    free(s->fhead);
    free(s->ftail);
    free(s->fl);
    free(s->snap);
    free(s->dyn);
    free(s->tr);
    free(s->block_core);
    arena_free(&s->a);
    free(s);
}

static Region *gm_named(const NpuSim *s, const char *name)
{
    int g = npu_program_find_gm(s->prog, name, strlen(name));
    return g < 0 ? NULL : &s->gm[g];
}

bool npu_sim_set_gm(NpuSim *s, const char *name, const void *data, size_t bytes)
{
    Region *r = gm_named(s, name);
    if (!r || bytes != r->size)
        return false;
    memcpy(r->data, data, bytes);
    memset(r->init, 1, bytes);
    return true;
}

const void *npu_sim_gm(const NpuSim *s, const char *name, size_t *bytes)
{
    Region *r = gm_named(s, name);
    if (bytes)
        *bytes = r ? r->size : 0;
    return r ? r->data : NULL;
}

void npu_sim_enable_trace(NpuSim *s, bool on) { s->trace_on = on; }
void npu_sim_set_max_errors(NpuSim *s, uint32_t n) { s->max_errors = n ? n : 1; }
const NpuReport *npu_sim_report(const NpuSim *s) { return &s->rep; }
size_t npu_sim_nerrors(const NpuSim *s) { return s->errs.n; }
const NpuError *npu_sim_error(const NpuSim *s, size_t i) { return i < s->errs.n ? &s->errs.v[i] : NULL; }

size_t npu_sim_count(const NpuSim *s, NpuCheck kind)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->errs.n; i++)
        n += s->errs.v[i].kind == kind;
    return n;
}

bool sim_too_many(const NpuSim *s) { return s->errs.n >= s->max_errors; }

void sim_error(NpuSim *s, NpuCheck kind, uint32_t dyn, const char *fmt, ...)
{
    const Dyn *d = dyn < s->ndyn ? &s->dyn[dyn] : NULL;
    uint32_t sidx = d ? d->sidx : 0;
    if (d && (s->reported[sidx] & (1u << kind)))
        return;
    if (d)
        s->reported[sidx] |= 1u << kind;
    if (s->errs.n >= s->max_errors)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *what = arena_vprintf(&s->a, fmt, ap);
    va_end(ap);
    NpuError e = {kind, s->block, sidx, dyn, 0, 0, what};
    if (d && s->prog->ins.n) {
        const NpuInstr *in = &s->prog->ins.v[sidx];
        char text[256];
        npu_instr_format(s->prog, in, text, sizeof text);
        e.line = in->line;
        e.col = in->col;
        e.msg = arena_printf(&s->a, "block %u, instruction #%u `%s` (dynamic #%u): %s", s->block, sidx,
                             text, dyn, what);
    } else {
        e.msg = arena_printf(&s->a, "block %u: %s", s->block, what);
    }
    vec_push(&s->a, s->errs, e);
}

uint32_t sim_snapshot(NpuSim *s, const uint32_t vc[NPU_NPIPE])
{
    if (s->nsnap == s->capsnap) {
        uint32_t cap = s->capsnap ? s->capsnap * 2 : 256;
        void *p = realloc(s->snap, cap * sizeof *s->snap);
        if (!p)
            return 0;
        s->snap = p;
        s->capsnap = cap;
    }
    memcpy(s->snap[s->nsnap], vc, sizeof s->snap[0]);
    return s->nsnap++;
}

/* Vector or cube program, for split profiles where a core has only one. */
static bool check_units(NpuSim *s, uint32_t *ncores)
{
    const NpuProgram *p = s->prog;
    int vec = -1, cube = -1;
    for (uint32_t i = 0; i < p->ins.n; i++) {
        const NpuInstr *in = &p->ins.v[i];
        NpuFamily f = npu_op_info(in->op)->fam;
        bool v = npu_family_is_vector(f), c = f == NPU_F_LOAD2D || f == NPU_F_MMAD || f == NPU_F_FIXPIPE;
        for (int k = 0; k < npu_family_naddr(f); k++) {
            v |= in->a[k].scope == NPU_UB;
            c |= in->a[k].scope == NPU_L1 || in->a[k].scope >= NPU_L0A;
        }
        if (v && vec < 0)
            vec = (int)i;
        if (c && cube < 0)
            cube = (int)i;
    }
    if (!s->prof.split) {
        *ncores = s->prof.cores;
        return true;
    }
    *ncores = cube >= 0 ? s->prof.cube_cores : s->prof.vector_cores;
    s->cube_kernel = cube >= 0;
    if (vec >= 0 && cube >= 0) {
        s->ndyn = 0;
        sim_error(s, NPU_CHECK_UNSUPPORTED, UINT32_MAX,
                  "profile %s has separate cube and vector cores: instruction #%d uses the vector core "
                  "(UB or vector unit) and instruction #%d the cube core (L1/L0 or cube unit); split the "
                  "program into a cube and a vector kernel", s->prof.name, vec, cube);
        return false;
    }
    return true;
}

bool npu_sim_run(NpuSim *s, uint32_t block_dim)
{
    s->block_dim = block_dim ? block_dim : s->prog->block_dim;
    memset(&s->rep, 0, sizeof s->rep);
    s->rep.block_dim = s->block_dim;
    s->ntr = 0;
    s->traced = s->trace_on;
    if (s->traced && !s->block_core && !(s->block_core = calloc(1024, sizeof *s->block_core)))
        s->traced = false;
    uint32_t ncores = 1;
    if (!check_units(s, &ncores))
        return false;
    if (s->block_dim > 65535) {
        sim_error(s, NPU_CHECK_PARAM, UINT32_MAX, "block_dim %u out of range [1, 65535]", s->block_dim);
        return false;
    }
    for (uint32_t i = 0; i < s->prog->gm.n; i++)
        s->rep.peak[NPU_GM] += s->gm[i].size;
    uint64_t *core_time = calloc(ncores, sizeof *core_time);
    if (!core_time)
        return false;
    for (uint32_t b = 0; b < s->block_dim && !sim_too_many(s); b++) {
        s->block = b;
        s->core = b % ncores; /* blocks beyond the core count run in waves */
        for (int k = 1; k < NPU_NSCOPE; k++) {
            if (s->loc[k].hw > s->rep.peak[k])
                s->rep.peak[k] = s->loc[k].hw;
            region_free(&s->loc[k]);
        }
        for (uint32_t i = 0; i < s->prog->gm.n; i++) {
            free(s->gm[i].w);
            free(s->gm[i].r);
            s->gm[i].w = NULL;
            s->gm[i].r = NULL;
        }
        s->core_time = 0;
        s->block_start = core_time[s->core];
        if (s->traced && b < 1024)
            s->block_core[b] = s->core;
        time_core(s);
        core_time[s->core] += s->core_time;
        s->rep.instrs += s->ndyn;
    }
    for (int k = 1; k < NPU_NSCOPE; k++)
        if (s->loc[k].hw > s->rep.peak[k])
            s->rep.peak[k] = s->loc[k].hw;
    for (uint32_t c = 0; c < ncores; c++) {
        if (core_time[c] > s->rep.cycles)
            s->rep.cycles = core_time[c];
        if (c < 1024)
            s->rep.core_cycles[c] = core_time[c];
    }
    free(core_time);
    s->rep.time_us = (double)s->rep.cycles / s->prof.clock_mhz;
    return s->errs.n == 0;
}

void npu_sim_print_errors(const NpuSim *s, const char *file, FILE *out)
{
    for (uint32_t i = 0; i < s->errs.n; i++) {
        const NpuError *e = &s->errs.v[i];
        if (file && e->line)
            fprintf(out, "%s:%u:%u: ", file, e->line, e->col);
        else if (file)
            fprintf(out, "%s: ", file);
        fprintf(out, "error[%s]: %s\n", npu_check_name(e->kind), e->msg);
    }
    if (s->errs.n >= s->max_errors)
        fprintf(out, "note: stopped after %u errors\n", s->max_errors);
}
