/* Calling a compiled kernel entry with validated DLTensors: the ABI arrays
 * (backend-cpu/abi.h), the overlap check the generated code's noalias
 * pointers need, and the entry's error code as a message naming the
 * kernel. The JIT's launch (backend-cpu/launch.c) and ahead-of-time entry
 * points (rt_launch.c) both come here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt.h"
#include "support/tensor.h"

static void *base(const DLTensor *t)
{
    return t->data ? (char *)t->data + t->byte_offset : NULL;
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

/* The generated code marks every buffer noalias: no output may share
 * memory with an input or another output. */
static bool no_overlap(const RtCall *c, const int64_t *strides, char *err, size_t nerr)
{
    for (uint32_t j = c->ninputs; j < c->nargs; j++) {
        uintptr_t lo, hi, lo2, hi2;
        if (!span(c->tensors[j], &strides[(size_t)j * CPU_ABI_MAX_RANK], &lo, &hi))
            continue;
        for (uint32_t i = 0; i < c->nargs; i++) {
            if (i == j || !c->tensors[i] || (i > j && i >= c->ninputs))
                continue;
            if (!span(c->tensors[i], &strides[(size_t)i * CPU_ABI_MAX_RANK], &lo2, &hi2))
                continue;
            if (lo < hi2 && lo2 < hi) {
                snprintf(err, nerr, "%s: output %s overlaps %s %s (outputs must not share memory with other "
                         "arguments)", c->kernel, c->names[j], i < c->ninputs ? "input" : "output", c->names[i]);
                return false;
            }
        }
    }
    return true;
}

int rt_call(const RtCall *c, char *err, size_t nerr)
{
    uint32_t n = c->nargs;
    void **args = calloc(n + 1, sizeof *args);
    int64_t *strides = calloc((size_t)n * CPU_ABI_MAX_RANK + 1, sizeof *strides);
    int status = TK_RT_INVALID;
    if (!args || !strides) {
        snprintf(err, nerr, "%s: out of memory", c->kernel);
        status = TK_RT_NO_MEMORY;
        goto done;
    }
    for (uint32_t i = 0; i < n; i++) {
        const DLTensor *t = c->tensors[i];
        if (!t)
            continue;
        int64_t *st = &strides[(size_t)i * CPU_ABI_MAX_RANK];
        if (t->strides)
            memcpy(st, t->strides, sizeof *st * (size_t)t->ndim);
        else
            tensor_contiguous_strides(t->ndim, t->shape, st);
        args[i] = base(t);
    }
    if (!no_overlap(c, strides, err, nerr))
        goto done;
    int32_t rc = c->entry(args, c->dims, strides, c->iscalars, c->fscalars);
    uint32_t nerrors = 0;
    while (c->errors && c->errors[nerrors])
        nerrors++;
    if (rc == CPU_OK) {
        status = TK_RT_OK;
    } else if (rc == CPU_ERR_NO_MEMORY) {
        snprintf(err, nerr, "%s: out of memory for a local buffer", c->kernel);
        status = TK_RT_NO_MEMORY;
    } else if (rc >= CPU_ERR_ASSERT && (uint32_t)(rc - CPU_ERR_ASSERT) < nerrors) {
        snprintf(err, nerr, "%s: %s", c->kernel, c->errors[rc - CPU_ERR_ASSERT]);
        status = TK_RT_FAILED;
    } else {
        snprintf(err, nerr, "%s: compiled code failed with code %d", c->kernel, (int)rc);
        status = TK_RT_FAILED;
    }
done:
    free(args), free(strides);
    return status;
}
