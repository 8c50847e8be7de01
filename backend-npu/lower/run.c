/* Compiling a kernel to an NpuPlan, and a launch on the simulator: the
 * tensors are packed dense into GM, the program for their shapes is
 * generated (codegen.c), run, checked by the sanitizer, and the outputs
 * copied back (npu_lower.h). */
#include <stdlib.h>
#include <string.h>

#include "backend-npu/lower/npu_lower.h"
#include "compiler/pipeline.h"
#include "support/tensor.h"

#define NPU_DEFAULT_RUN_PROFILE "ascend910b"

typedef struct Kept { NpuPlan *plan; } Kept;

static bool keep(void *ud, Compile *cc, Func *f)
{
    (void)f;
    ((Kept *)ud)->plan = cc->product;
    cc->product = NULL;
    return true;
}

NpuPlan *npu_compile(const SrcMap *files, KernelInfo *k, char *err, size_t nerr)
{
    Arena a;
    arena_init(&a);
    DiagSink ds;
    diag_init(&ds, &a, files);
    Kept out = {0};
    Pipeline p = {.files = files, .target = target_find("npu"), .kernel = k, .key = (InstKey){DT_ERROR},
                  .emit = true, .emit_kind = EMIT_CODE, .no_schedule = true, .verify = true, .diags = &ds,
                  .each = keep, .ud = &out};
    if (!pipeline_run(&p) || !out.plan) {
        if (ds.head)
            diag_headline(&ds, ds.head, err, nerr);
        else
            snprintf(err, nerr, "%s: cannot compile the kernel for the NPU", k->ast->name);
    }
    arena_free(&a);
    return out.plan;
}

static const DLTensor *arg_tensor(const NpuPlan *p, const LaunchArgs *la, uint32_t arg)
{
    return arg < p->ninputs ? la->inputs[arg] : la->outputs[arg - p->ninputs];
}

/* The tensor's elements in row-major order into dst (strides honoured). */
static void pack(const DLTensor *t, size_t es, char *dst, bool unpack)
{
    int64_t n = 1, idx[TK_MAX_RANK] = {0};
    for (int32_t i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    for (int64_t e = 0; e < n; e++) {
        int64_t off;
        tensor_elem_offset(t, idx, &off);
        char *host = (char *)t->data + t->byte_offset + off;
        if (unpack)
            memcpy(host, dst + e * (int64_t)es, es);
        else
            memcpy(dst + e * (int64_t)es, host, es);
        for (int32_t i = t->ndim - 1; i >= 0; i--) {
            if (++idx[i] < t->shape[i])
                break;
            idx[i] = 0;
        }
    }
}

bool npu_run(const NpuPlan *p, const KernelInfo *k, const LaunchArgs *la, const Binding *b, const NpuRunOpts *o,
             NpuRunResult *res, char *err, size_t nerr)
{
    (void)k, (void)b;
    NpuRunOpts none = {0};
    if (!o)
        o = &none;
    NpuProfile prof;
    if (!npu_profile_load(&prof, o->profile ? o->profile : NPU_DEFAULT_RUN_PROFILE, NULL, err, nerr))
        return false;
    for (uint32_t t = 0; t < p->nt; t++)
        if (p->t[t].ty == DT_BF16 && !prof.split)
            return snprintf(err, nerr, "%s: bf16 needs a profile with bf16 vector support (ascend910b), not %s",
                            p->name, prof.name), false;
    int64_t dims[p->ndims + 1], counts[p->nt + 1];
    double scalars[p->nargs + 1];
    for (uint32_t i = 0; i < p->ndims; i++)
        dims[i] = arg_tensor(p, la, p->dim_arg[i])->shape[p->dim_axis[i]];
    for (uint32_t i = 0; i < p->nargs; i++) {
        scalars[i] = 0;
        if (i < p->ninputs && la->scalars[i].dtype != DT_ERROR)
            scalars[i] = dtype_is_float(la->scalars[i].dtype) ? la->scalars[i].u.f : (double)la->scalars[i].u.i;
    }
    for (uint32_t t = 0; t < p->nt; t++) {
        const DLTensor *x = arg_tensor(p, la, p->t[t].arg);
        counts[t] = 1;
        for (int32_t i = 0; i < x->ndim; i++)
            counts[t] *= x->shape[i];
    }
    Arena a;
    arena_init(&a);
    NpuRunResult dummy;
    if (!res)
        res = &dummy;
    memset(res, 0, sizeof *res);
    bool ok = false;
    NpuProgram *prog = npu_codegen(p, &prof, &a, dims, scalars, counts, &o->gen, &res->tiling, err, nerr);
    NpuSim *sim = NULL;
    char *buf = NULL;
    if (!prog)
        goto done;
    DiagSink ds;
    diag_init(&ds, &a, NULL);
    if (!npu_program_finish(prog, &ds)) {
        snprintf(err, nerr, "%s: internal error: the generated NPU program is malformed", p->name);
        goto done;
    }
    if (o->program)
        npu_program_print(prog, o->program);
    sim = npu_sim_new(&prof, prog);
    if (!sim) {
        snprintf(err, nerr, "%s: out of memory starting the simulator", p->name);
        goto done;
    }
    npu_sim_enable_trace(sim, o->trace != NULL);
    for (uint32_t t = 0; t < p->nt; t++) {
        const DLTensor *x = arg_tensor(p, la, p->t[t].arg);
        size_t es = dtype_size(p->t[t].ty), bytes = npu_gm_count(counts[t]) * es;
        free(buf);
        buf = calloc(1, bytes);
        if (!buf) {
            snprintf(err, nerr, "%s: out of memory", p->name);
            goto done;
        }
        if (!p->t[t].output)
            pack(x, es, buf, false);
        npu_sim_set_gm(sim, p->t[t].name, buf, bytes);
    }
    bool clean = npu_sim_run(sim, 0);
    res->report = *npu_sim_report(sim);
    res->sanitizer_errors = npu_sim_nerrors(sim);
    if (o->report)
        npu_report_print(&res->report, &prof, o->report);
    if (o->trace)
        npu_sim_write_trace(sim, o->trace);
    if (!clean) {
        npu_sim_print_errors(sim, NULL, stderr);
        const NpuError *e = npu_sim_error(sim, 0);
        snprintf(err, nerr, "%s: the NPU simulator reported %zu error%s; the first: [%s] %s", p->name,
                 res->sanitizer_errors, res->sanitizer_errors == 1 ? "" : "s", e ? npu_check_name(e->kind) : "?",
                 e ? e->msg : "");
        goto done;
    }
    for (uint32_t t = 0; t < p->nt; t++)
        if (p->t[t].output) {
            size_t bytes;
            const void *data = npu_sim_gm(sim, p->t[t].name, &bytes);
            pack(arg_tensor(p, la, p->t[t].arg), dtype_size(p->t[t].ty), (char *)data, true);
        }
    ok = true;
done:
    free(buf);
    if (sim)
        npu_sim_free(sim);
    arena_free(&a);
    return ok;
}
