/* The order in which a checked schedule's directives apply (order.c). */
#ifndef TK_SCHED_ORDER_H
#define TK_SCHED_ORDER_H

#include "compiler/sched/primitive.h"

/* A slot: the kernel stage a directive runs with (SCHED_GROUP_END: after
 * every stage) and its pass within it (0 placement, 1 loop directives,
 * 2 caches placed at the stage). */
enum { SCHED_GROUP_END = -2 };
typedef struct SchedSlot {
    int32_t group;
    int     pass;
} SchedSlot;

/* The directives of one variant (the top level, plus specialize block
 * `spec` when >= 0) in application order, with each one's slot; returns
 * their count. */
uint32_t sched_order(Arena *a, const KernelInfo *k, const SchedPlan *plan, int32_t spec, SchedDirective ***out,
                     SchedSlot **slots);

#endif
