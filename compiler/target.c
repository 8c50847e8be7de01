/* The built-in target descriptions and the questions the shared layers ask
 * them. Adding a target is one description file and one line here
 * (docs/architecture.md). */
#include "compiler/target.h"

#include <string.h>

const Target *target_cpu_desc(void);
const Target *target_npu_desc(void);

/* The host's target first. */
static const Target *(*const builtin[])(void) = {target_cpu_desc, target_npu_desc};

const Target *target_at(size_t i) { return i < sizeof builtin / sizeof *builtin ? builtin[i]() : NULL; }

const Target *target_host(void) { return builtin[0](); }

const Target *target_find(const char *name)
{
    for (size_t i = 0; target_at(i); i++)
        if (!strcmp(target_at(i)->name, name))
            return target_at(i);
    return NULL;
}

const char *target_names(Arena *a, const char *last_sep)
{
    const char *list = "";
    for (size_t i = 0; target_at(i); i++)
        list = arena_printf(a, "%s%s%s", list, !i ? "" : target_at(i + 1) ? ", " : last_sep, target_at(i)->name);
    return list;
}

const TargetScope *target_scope(const Target *t, const char *name)
{
    MemScope s = mem_scope_lookup(name);
    for (uint32_t i = 0; i < t->nscopes; i++)
        if (t->scopes[i].scope == s)
            return &t->scopes[i];
    return NULL;
}

bool target_has_tensorize_op(const Target *t, const char *op)
{
    for (uint32_t i = 0; t->tensorize_ops && t->tensorize_ops[i]; i++)
        if (!strcmp(t->tensorize_ops[i], op))
            return true;
    return false;
}
