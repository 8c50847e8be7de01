/* Aligned allocation for users and for generated code: local buffers too
 * large for the stack come from tk_cpu_malloc, aligned to 64 bytes
 * (IR_LOCAL_ALIGN) as the loop IR promises. */
#include "include/tk/tk_rt.h"

#include <stdint.h>
#include <stdlib.h>

#include "runtime/rt.h"

void *tk_rt_aligned_alloc(size_t align, size_t n)
{
    if (n == 0 || align == 0 || (align & (align - 1)) || n > SIZE_MAX - align)
        return NULL;
    if (align < sizeof(void *))
        align = sizeof(void *);
    return aligned_alloc(align, (n + align - 1) / align * align);
}

void tk_rt_free(void *p) { free(p); }

void *tk_cpu_malloc(int64_t n)
{
    return n <= 0 || (uint64_t)n > SIZE_MAX ? NULL : tk_rt_aligned_alloc(RT_LOCAL_ALIGN, (size_t)n);
}

void tk_cpu_free(void *p) { free(p); }
