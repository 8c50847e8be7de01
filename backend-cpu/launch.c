/* Launching compiled CPU code: after launch_prepare (the same validation
 * and messages as the interpreter), the ABI arrays are built from the
 * DLTensors (byte offsets applied, strides in elements, compact row-major
 * strides when a tensor has none) and the entry is called; its error code
 * becomes a message naming the kernel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend-cpu/cpu_int.h"
#include "compiler/interp/interp.h"
#include "compiler/pipeline.h"
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

/* The bytes [lo, hi) a tensor's elements span; false when it has none. */
static bool span(const DLTensor *t, const int64_t *strides, uintptr_t *lo, uintptr_t *hi)
{
    int64_t first = 0, last = 0;
    for (int32_t d = 0; d < t->ndim; d++) {
        if (t->shape[d] == 0)
            return false;
        int64_t ext = (t->shape[d] - 1) * strides[d];
        if (ext < 0)
            first += ext;
        else
            last += ext;
    }
    int64_t es = (t->dtype.bits + 7) / 8;
    *lo = (uintptr_t)base(t) + (uintptr_t)(first * es);
    *hi = (uintptr_t)base(t) + (uintptr_t)((last + 1) * es);
    return true;
}

bool cpu_run(const CpuKernel *ck, const KernelInfo *k, const LaunchArgs *a, const Binding *b, char *err,
             size_t nerr)
{
    uint32_t n = k->params.n + k->outputs.n;
    void **args = calloc(n + 1, sizeof *args);
    int64_t *strides = calloc((size_t)n * CPU_ABI_MAX_RANK + 1, sizeof *strides);
    int64_t *isc = calloc(n + 1, sizeof *isc);
    double *fsc = calloc(n + 1, sizeof *fsc);
    bool ok = false;
    if (!args || !strides || !isc || !fsc) {
        snprintf(err, nerr, "%s: out of memory", k->ast->name);
        goto done;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (!is_tensor(k, i)) {
            const TkScalarValue *s = &a->scalars[i];
            if (dtype_is_float(s->dtype))
                fsc[i] = s->u.f;
            else
                isc[i] = s->u.i;
            continue;
        }
        const DLTensor *t = tensor_of(k, a, i);
        int64_t *st = &strides[(size_t)i * CPU_ABI_MAX_RANK];
        if (t->strides)
            memcpy(st, t->strides, sizeof *st * (size_t)t->ndim);
        else
            tensor_contiguous_strides(t->ndim, t->shape, st);
        args[i] = base(t);
    }
    /* The generated code marks every buffer noalias: no output may share
     * memory with an input or another output. */
    for (uint32_t j = k->params.n; j < n; j++) {
        uintptr_t lo, hi, lo2, hi2;
        if (!span(tensor_of(k, a, j), &strides[(size_t)j * CPU_ABI_MAX_RANK], &lo, &hi))
            continue;
        for (uint32_t i = 0; i < n; i++) {
            if (i == j || !is_tensor(k, i) || (i > j && i >= k->params.n))
                continue;
            if (!span(tensor_of(k, a, i), &strides[(size_t)i * CPU_ABI_MAX_RANK], &lo2, &hi2))
                continue;
            if (lo < hi2 && lo2 < hi) {
                bool in = i < k->params.n;
                snprintf(err, nerr, "%s: output %s overlaps %s %s (outputs must not share memory with other "
                         "arguments)", k->ast->name, k->outputs.v[j - k->params.n].name, in ? "input" : "output",
                         in ? k->params.v[i].name : k->outputs.v[i - k->params.n].name);
                goto done;
            }
        }
    }
    int32_t rc = ck->entry(args, b->dims, strides, isc, fsc);
    if (rc == CPU_OK)
        ok = true;
    else if (rc == CPU_ERR_NO_MEMORY)
        snprintf(err, nerr, "%s: out of memory for a local buffer", k->ast->name);
    else if (rc >= CPU_ERR_ASSERT && (uint32_t)(rc - CPU_ERR_ASSERT) < ck->nerrors)
        snprintf(err, nerr, "%s: %s", k->ast->name, ck->errors[rc - CPU_ERR_ASSERT]);
    else
        snprintf(err, nerr, "%s: compiled code failed with code %d", k->ast->name, (int)rc);
done:
    free(args), free(strides), free(isc), free(fsc);
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
