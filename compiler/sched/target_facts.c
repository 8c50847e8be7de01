/* The scheduler's target facts (target_facts.h). */
#include <string.h>

#include "compiler/sched/target_facts.h"

static const SchedScope cpu_scopes[] = {{"local", SCOPE_LOCAL}, {NULL, SCOPE_GLOBAL}};
static const SchedScope npu_scopes[] = {
    {"gm", SCOPE_GLOBAL}, {"l1", SCOPE_L1}, {"ub", SCOPE_UB}, {"l0a", SCOPE_L0A}, {"l0b", SCOPE_L0B},
    {"l0c", SCOPE_L0C},   {NULL, SCOPE_GLOBAL},
};

/* The npu's schedules are checked by name only until the NPU backend
 * consumes loop IR (the loop scheduler has no mmad yet). */
static const SchedTarget targets[] = {
    {"cpu", cpu_scopes, "gemm", true, true},
    {"npu", npu_scopes, "mmad", false, false},
    {NULL, NULL, NULL, false, false},
};

const SchedTarget *sched_targets(void) { return targets; }

const SchedTarget *sched_target(const char *name)
{
    for (const SchedTarget *t = targets; name && t->name; t++)
        if (!strcmp(t->name, name))
            return t;
    return NULL;
}

const SchedScope *sched_target_scope(const SchedTarget *t, const char *name)
{
    for (const SchedScope *s = t ? t->scopes : NULL; s && s->name; s++)
        if (!strcmp(s->name, name))
            return s;
    return NULL;
}
