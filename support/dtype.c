/* Element type table. */
#include "support/dtype.h"

#include <string.h>

static const struct { const char *name; size_t size; bool is_float, is_signed; } info[DT__COUNT] = {
    [DT_ERROR] = {"<error>", 0, false, false},
#define X(e, n, s, f, sg) [DT_##e] = {n, s, f, sg},
    TK_DTYPES(X)
#undef X
    [DT_GENERIC] = {"<generic>", 0, false, false},
};

const char *dtype_name(DType t) { return t < DT__COUNT ? info[t].name : "<bad>"; }
size_t      dtype_size(DType t) { return t < DT__COUNT ? info[t].size : 0; }
bool        dtype_is_float(DType t) { return t < DT__COUNT && info[t].is_float; }
bool        dtype_is_int(DType t) { return t > DT_BOOL && t < DT_GENERIC && !info[t].is_float; }
bool        dtype_is_unsigned(DType t) { return dtype_is_int(t) && !info[t].is_signed; }

DType dtype_from_name(const char *s)
{
    for (int t = DT_BOOL; t < DT_GENERIC; t++)
        if (strcmp(info[t].name, s) == 0)
            return (DType)t;
    return DT_ERROR;
}
