/* The table of schedule primitives (primitive.h): one row each. A new
 * primitive is a row here and a file with its handler (and, if it needs
 * more than its argument kinds, a check hook); docs/schedules.md,
 * "Adding a primitive". Handlers live beside the rewrite they perform. */
#include "compiler/sched/primitive.h"

#define ARGS(...) {__VA_ARGS__, SA_END}

bool sched_do_split(Sched *s, SchedDirective *d);
bool sched_do_tile(Sched *s, SchedDirective *d);
bool sched_do_reorder(Sched *s, SchedDirective *d);
bool sched_do_fuse(Sched *s, SchedDirective *d);
bool sched_do_parallel(Sched *s, SchedDirective *d);
bool sched_do_vectorize(Sched *s, SchedDirective *d);
bool sched_do_unroll(Sched *s, SchedDirective *d);
bool sched_do_compute_at(Sched *s, SchedDirective *d);
bool sched_do_compute_inline(Sched *s, SchedDirective *d);
bool sched_do_compute_root(Sched *s, SchedDirective *d);
bool sched_do_cache_read(Sched *s, SchedDirective *d);
bool sched_do_cache_write(Sched *s, SchedDirective *d);
bool sched_do_double_buffer(Sched *s, SchedDirective *d);
bool sched_do_rfactor(Sched *s, SchedDirective *d);
bool sched_do_tensorize(Sched *s, SchedDirective *d);

bool sched_check_not_output(SchedCheck *c, const SchedDirective *d);
bool sched_check_compute_at(SchedCheck *c, const SchedDirective *d);
bool sched_check_compute_inline(SchedCheck *c, const SchedDirective *d);
bool sched_check_double_buffer(SchedCheck *c, const SchedDirective *d);

static const SchedPrimitive builtin[] = {
    {"split", "split(v, factor, v_outer, v_inner)", ARGS(SA_LOOP, SA_FACTOR, SA_NEW_LOOP, SA_NEW_LOOP), 4, false,
     SP_LOOPS, NULL, sched_do_split},
    {"tile", "tile(x, y, fx, fy, x_outer, y_outer, x_inner, y_inner)",
     ARGS(SA_LOOP, SA_LOOP, SA_FACTOR, SA_FACTOR, SA_NEW_LOOP, SA_NEW_LOOP, SA_NEW_LOOP, SA_NEW_LOOP), 8, false,
     SP_LOOPS, NULL, sched_do_tile},
    {"reorder", "reorder(v1, v2, ...)", ARGS(SA_LOOP, SA_LOOP), 2, true, SP_LOOPS, NULL, sched_do_reorder},
    {"fuse", "fuse(v1, v2, fused)", ARGS(SA_LOOP, SA_LOOP, SA_NEW_LOOP), 3, false, SP_LOOPS, NULL, sched_do_fuse},
    {"parallel", "parallel(v)", ARGS(SA_LOOP), 1, false, SP_LOOPS, NULL, sched_do_parallel},
    {"vectorize", "vectorize(v) or vectorize(v, width)", ARGS(SA_LOOP, SA_COUNT), 1, false, SP_LOOPS, NULL,
     sched_do_vectorize},
    {"unroll", "unroll(v) or unroll(v, factor)", ARGS(SA_LOOP, SA_COUNT), 1, false, SP_LOOPS, NULL,
     sched_do_unroll},
    {"compute_at", "compute_at(consumer, loop)", ARGS(SA_STAGE, SA_STAGE_LOOP), 2, false, SP_PLACEMENT,
     sched_check_compute_at, sched_do_compute_at},
    {"compute_inline", "compute_inline()", {SA_END}, 0, false, SP_PLACEMENT, sched_check_compute_inline,
     sched_do_compute_inline},
    {"compute_root", "compute_root()", {SA_END}, 0, false, SP_PLACEMENT, sched_check_not_output,
     sched_do_compute_root},
    {"cache_read", "t = x.cache_read(scope)", ARGS(SA_SCOPE), 1, false, SP_CACHE_READ, NULL, sched_do_cache_read},
    {"cache_write", "t = s.cache_write(scope)", ARGS(SA_SCOPE), 1, false, SP_CACHE_WRITE, NULL,
     sched_do_cache_write},
    {"double_buffer", "t.double_buffer()", {SA_END}, 0, false, SP_LOOPS, sched_check_double_buffer,
     sched_do_double_buffer},
    {"rfactor", "t = s.rfactor(k, kf)", ARGS(SA_LOOP, SA_NEW_LOOP), 2, false, SP_RFACTOR, NULL, sched_do_rfactor},
    {"tensorize", "tensorize(v, op)", ARGS(SA_LOOP, SA_OP), 2, false, SP_LOOPS, NULL, sched_do_tensorize},
};

const SchedPrimitiveSet sched_builtin_primitives = {builtin, sizeof builtin / sizeof *builtin, NULL};
