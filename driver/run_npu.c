/* tkc run --target npu: the kernel compiled to an NPU plan, its program
 * generated for the launch's shapes and run on the simulator
 * (backend-npu/lower/, docs/npu.md). */
#include <stdio.h>

#include "backend-npu/lower/npu_lower.h"
#include "driver/commands.h"

bool run_npu(const SrcMap *files, KernelInfo *k, const LaunchArgs *la, const RunNpuOpts *o, char *err, size_t n)
{
    Binding b;
    bool ok = launch_prepare(k, la, &b, err, n);
    NpuPlan *p = ok ? npu_compile(files, k, err, n) : NULL;
    FILE *trace = NULL;
    if (p && o->trace && !(trace = fopen(o->trace, "w"))) {
        snprintf(err, n, "run: cannot write the trace '%s'", o->trace);
        p = (npu_plan_free(p), NULL);
    }
    NpuRunOpts ro = {.profile = o->profile, .report = o->report ? stdout : NULL, .trace = trace,
                     .program = o->program ? stdout : NULL, .gen = {.single_buffer = o->single_buffer}};
    NpuRunResult res;
    ok = p && npu_run(p, k, la, &b, &ro, &res, err, n);
    if (ok && o->report)
        printf("tiling: %u block%s, %lld %s per block, tile %lld elements, %s buffered, UB %llu bytes\n",
               res.tiling.block_dim, res.tiling.block_dim == 1 ? "" : "s", (long long)res.tiling.rows_per_block,
               p->two_d ? "rows" : "elements", (long long)res.tiling.tile, res.tiling.slots == 2 ? "double" : "single",
               (unsigned long long)res.tiling.ub_bytes);
    if (trace)
        fclose(trace);
    npu_plan_free(p);
    binding_free(&b);
    return ok;
}
