/* The names of the memory scopes (mem_scope.h). */
#include "support/mem_scope.h"

#include <string.h>

const char *const mem_scope_name[SCOPE__COUNT] = {
#define X(e, name, short_name) name,
    MEM_SCOPES(X)
#undef X
};

const char *const mem_scope_short_name[SCOPE__COUNT] = {
#define X(e, name, short_name) short_name,
    MEM_SCOPES(X)
#undef X
};

MemScope mem_scope_lookup(const char *name)
{
    for (int i = 0; i < SCOPE__COUNT; i++)
        if (!strcmp(name, mem_scope_name[i]) || !strcmp(name, mem_scope_short_name[i]))
            return (MemScope)i;
    return SCOPE__COUNT;
}
