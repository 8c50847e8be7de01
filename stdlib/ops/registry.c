/* Every operator family, and lookup by name. A new family is one file
 * (stdlib/ops/ops_NAME.c defining `const OpFamily ops_NAME`) and one line in
 * each list below. */
#include <stdlib.h>
#include <string.h>

#include "stdlib/ops/ops.h"

extern const OpFamily ops_unary, ops_binary, ops_activation, ops_reduce, ops_norm;
extern const OpFamily ops_linalg, ops_conv, ops_data, ops_attention;

static const OpFamily *const families[] = {
    &ops_unary,
    &ops_binary,
    &ops_activation,
    &ops_reduce,
    &ops_norm,
    &ops_linalg,
    &ops_conv,
    &ops_data,
    &ops_attention,
};

#define NFAMILIES (sizeof families / sizeof *families)

static const OpDef **sorted;
static size_t        nsorted;
static pthread_once_t sorted_once = PTHREAD_ONCE_INIT;

static int by_name(const void *a, const void *b)
{
    return strcmp((*(const OpDef *const *)a)->name, (*(const OpDef *const *)b)->name);
}

static void sort_ops(void)
{
    size_t n = 0;
    for (size_t f = 0; f < NFAMILIES; f++)
        n += families[f]->n;
    sorted = malloc((n + 1) * sizeof *sorted);
    if (!sorted)
        return;
    for (size_t f = 0; f < NFAMILIES; f++)
        for (size_t i = 0; i < families[f]->n; i++)
            sorted[nsorted++] = &families[f]->ops[i];
    qsort(sorted, nsorted, sizeof *sorted, by_name);
}

size_t op_total(void)
{
    pthread_once(&sorted_once, sort_ops);
    return nsorted;
}

const OpDef *op_at(size_t i) { return i < op_total() ? sorted[i] : NULL; }

const OpDef *op_find(const char *name)
{
    size_t lo = 0, hi = op_total();
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(sorted[mid]->name, name);
        if (!c)
            return sorted[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
