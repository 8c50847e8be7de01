/* Launching compiled CPU code: after launch_prepare (the same validation
 * and messages as the interpreter), the runtime's rt_call builds the ABI
 * arrays, checks overlap and calls the entry (runtime/rt_call.c, shared
 * with ahead-of-time entry points). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend-cpu/cpu_int.h"
#include "compiler/interp/interp.h"
#include "compiler/pipeline.h"
#include "runtime/rt.h"
#include "support/clock.h"

bool cpu_supports(const KernelInfo *k) { return pipeline_lowerable(k); }

InstKey cpu_inst_key(const KernelInfo *k, const Binding *b)
{
    InstKey key = {DT_ERROR};
    if (k->ast->tparams.n == 1 && b->tparams)
        key.tparam = b->tparams[0];
    return key;
}

static const DLTensor *tensor_of(const KernelInfo *k, const LaunchArgs *a, uint32_t i)
{
    return i < k->params.n ? a->inputs[i] : a->outputs[i - k->params.n];
}

static bool is_tensor(const KernelInfo *k, uint32_t i)
{
    return i < k->params.n ? k->params.v[i].is_tensor : true;
}

static void *base(const DLTensor *t)
{
    return t->data ? (char *)t->data + t->byte_offset : NULL;
}

bool cpu_args_aligned(const KernelInfo *k, const LaunchArgs *a)
{
    uint32_t n = k->params.n + k->outputs.n;
    for (uint32_t i = 0; i < n; i++) {
        const DLTensor *t = is_tensor(k, i) ? tensor_of(k, a, i) : NULL;
        if (!t)
            continue;
        size_t es = (t->dtype.bits + 7u) / 8u;
        if (es > 1 && (uintptr_t)base(t) % es != 0)
            return false;
    }
    return true;
}

bool cpu_run(const CpuKernel *ck, const KernelInfo *k, const LaunchArgs *a, const Binding *b, char *err,
             size_t nerr)
{
    uint32_t n = k->params.n + k->outputs.n;
    const DLTensor **tensors = calloc(n + 1, sizeof *tensors);
    const char **names = calloc(n + 1, sizeof *names);
    int64_t *isc = calloc(n + 1, sizeof *isc);
    double *fsc = calloc(n + 1, sizeof *fsc);
    bool ok = false;
    if (!tensors || !names || !isc || !fsc) {
        snprintf(err, nerr, "%s: out of memory", k->ast->name);
        goto done;
    }
    for (uint32_t i = 0; i < n; i++) {
        names[i] = i < k->params.n ? k->params.v[i].name : k->outputs.v[i - k->params.n].name;
        if (is_tensor(k, i)) {
            tensors[i] = tensor_of(k, a, i);
        } else if (dtype_is_float(a->scalars[i].dtype)) {
            fsc[i] = a->scalars[i].u.f;
        } else {
            isc[i] = a->scalars[i].u.i;
        }
    }
    /* the same call, overlap check and messages as ahead-of-time code */
    RtCall c = {.kernel = k->ast->name, .nargs = n, .ninputs = k->params.n, .tensors = tensors, .names = names,
                .iscalars = isc, .fscalars = fsc, .dims = b->dims, .entry = ck->entry, .errors = ck->errors};
    ok = rt_call(&c, err, nerr) == TK_RT_OK;
done:
    free(tensors), free(names), free(isc), free(fsc);
    return ok;
}

/* The instantiation for key: from the cache when it has it, else compiled
 * (outside the cache's lock: two threads may compile the same one at once,
 * and the backend's in-process map makes them agree on one). */
static CpuKernel *instance(CpuBackend *be, const SrcMap *files, KernelInfo *k, const InstKey *key,
                           CpuInstances *cache, CpuCompileInfo *info, DiagSink *diags)
{
    DType slot = key->tparam < DT__COUNT ? key->tparam : DT_ERROR;
    CpuKernel *ck = NULL;
    if (cache) {
        pthread_mutex_lock(&cache->mu);
        ck = cache->inst[slot];
        pthread_mutex_unlock(&cache->mu);
        if (ck) {
            info->from_mem = true;
            return ck;
        }
    }
    ck = cpu_compile(be, files, k, key, info, diags);
    if (ck && cache) {
        pthread_mutex_lock(&cache->mu);
        cache->inst[slot] = ck;
        pthread_mutex_unlock(&cache->mu);
    }
    return ck;
}

CpuLaunchResult cpu_launch(CpuBackend *be, const SrcMap *files, KernelInfo *k, const LaunchArgs *la,
                           CpuInstances *cache, CpuCompileInfo *info, DiagSink *diags, char *err, size_t nerr)
{
    CpuCompileInfo dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    Binding b;
    CpuLaunchResult r = CPU_LAUNCH_FAILED;
    if (!launch_prepare(k, la, &b, err, nerr))
        goto done;
    double t0;
    if (!cpu_supports(k) || !cpu_args_aligned(k, la)) {
        info->interpreted = true;
        t0 = clock_seconds();
        if (interp_run(k, la, err, nerr))
            r = CPU_LAUNCHED;
        info->t_run = clock_seconds() - t0;
        goto done;
    }
    InstKey key = cpu_inst_key(k, &b);
    CpuKernel *ck = instance(be, files, k, &key, cache, info, diags);
    if (!ck) {
        /* A generic kernel instantiated with a dtype its body does not
         * allow (exp on i32) is the launch's mistake: the interpreter names
         * the expression and the dtype, as it does on every target. */
        if (key.tparam != DT_ERROR && !interp_run(k, la, err, nerr))
            r = CPU_LAUNCH_FAILED;
        else
            r = CPU_COMPILE_FAILED;
        goto done;
    }
    t0 = clock_seconds();
    if (cpu_run(ck, k, la, &b, err, nerr))
        r = CPU_LAUNCHED;
    info->t_run = clock_seconds() - t0;
done:
    binding_free(&b);
    return r;
}
