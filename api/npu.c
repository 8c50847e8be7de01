/* Launches on TK_TARGET_NPU: the kernel's plan is made on its first launch
 * and kept; each launch generates the program for its shapes and runs it
 * on the simulator (backend-npu/lower/, docs/npu.md). */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "backend-npu/lower/npu_lower.h"

static NpuPlan *plan_of(tk_kernel *k, char *err, size_t n)
{
    pthread_mutex_lock(&k->inst.mu);
    NpuPlan *p = k->npu;
    if (!p)
        p = k->npu = npu_compile(&k->module->c.files, k->info, err, n);
    pthread_mutex_unlock(&k->inst.mu);
    return p;
}

tk_status api_launch_npu(tk_kernel *k, const LaunchArgs *la, tk_npu_report *report)
{
    char err[1024];
    Binding b;
    if (!launch_prepare(k->info, la, &b, err, sizeof err)) {
        binding_free(&b);
        return api_fail(TK_ERR_LAUNCH, "%s", err);
    }
    NpuPlan *p = plan_of(k, err, sizeof err);
    if (!p) {
        binding_free(&b);
        return api_fail(TK_ERR_UNSUPPORTED, "%s", err);
    }
    const tk_context *c = k->module->ctx;
    NpuRunOpts ro = {.profile = c->npu_profile[0] ? c->npu_profile : NULL, .gen = {.single_buffer = c->npu_single_buffer}};
    NpuRunResult res;
    bool ok = npu_run(p, k->info, la, &b, &ro, &res, err, sizeof err);
    binding_free(&b);
    if (report) {
        report->cycles = res.report.cycles;
        report->time_us = res.report.time_us;
        report->block_dim = res.report.block_dim;
        for (int i = 0; i < 7 && i < NPU_NPIPE; i++)
            report->busy[i] = res.report.busy[i];
        report->rows_per_block = res.tiling.rows_per_block;
        report->tile = res.tiling.tile;
        report->buffers = res.tiling.slots;
        report->ub_bytes = res.tiling.ub_bytes;
        report->sanitizer_errors = res.sanitizer_errors;
    }
    return ok ? TK_OK : api_fail(TK_ERR_LAUNCH, "%s", err);
}

void api_kernel_free_npu(tk_kernel *k)
{
    npu_plan_free(k->npu);
    k->npu = NULL;
}

TK_API tk_status tk_context_set_npu(tk_context *ctx, const char *profile, int single_buffer)
{
    api_clear_error();
    if (!ctx)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_context_set_npu: ctx is NULL");
    if (profile && strlen(profile) >= sizeof ctx->npu_profile)
        return api_fail(TK_ERR_INVALID_ARGUMENT, "tk_context_set_npu: profile name too long");
    snprintf(ctx->npu_profile, sizeof ctx->npu_profile, "%s", profile ? profile : "");
    ctx->npu_single_buffer = single_buffer != 0;
    return TK_OK;
}
