/* Layout helpers of the structured operators (linear algebra, convolution,
 * pooling, data movement, attention): views with dims inserted, collapsed
 * or sliced, contiguous scratch copies when a view cannot be collapsed, and
 * launches that loop leading dims a fixed-rank kernel does not have. */
#ifndef TK_STDLIB_LAYOUT_H
#define TK_STDLIB_LAYOUT_H

#include "stdlib/ops/ops.h"

/* v seen with a size-1 dim (stride 0) inserted before dim `at`. */
void view_insert_unit(View *v, int32_t at);
/* v without dim `at` (which should have size 1). */
void view_remove_dim(View *v, int32_t at);
/* v with dims [from, to) merged into one, when its strides allow (size-1
 * dims never stop a merge); false (v unchanged) otherwise. An empty range
 * inserts a size-1 dim. */
bool view_merge(View *v, int32_t from, int32_t to);
/* v restricted to [start, start + size) along dim d with step `step`
 * (negative steps walk backwards from start). */
void view_slice(View *v, int32_t d, int64_t start, int64_t size, int64_t step);
/* Whether v is compact row-major. */
bool view_is_contiguous(const View *v);
int64_t view_numel(const View *v);

/* A compact row-major scratch tensor shaped like v (data malloc'ed into
 * *alloc; free it), filled with v's elements when fill. */
tk_status view_scratch(const OpCall *c, const View *v, View *s, void **alloc, bool fill);
/* Copies the elements of view `from` into view `to` (same shape). */
tk_status view_copy(const OpCall *c, const View *from, const View *to);
/* A contiguous stand-in for a view whose strides do not allow a merge. */
typedef struct Scratch {
    View  orig;     /* the caller's view */
    void *alloc;    /* NULL: no scratch was needed */
    bool  is_out;   /* copied back into orig by scratch_finish */
} Scratch;

/* v as three dims [A, M, B]: dims [0, lo) merged into A, [lo, hi) into M
 * (a size-1 dim when lo == hi) and [hi, rank) into B. When v's strides do
 * not allow that, v becomes a contiguous scratch copy (filled unless is_out)
 * that scratch_finish copies back (for an output) and frees. */
tk_status view_as_three(const OpCall *c, View *v, int32_t lo, int32_t hi, bool is_out, Scratch *s);
tk_status scratch_finish(const OpCall *c, Scratch *s, tk_status st);

/* Runs kernel once per index of the first nloop dims of every view (they
 * share those dims' sizes); each launch sees the remaining dims. Views are
 * the inputs then the outputs; scalars follow the tensor inputs. Nothing
 * runs when an output is empty. */
tk_status op_run_looped(const OpCall *c, const char *kernel, View *views, int nin, int nout, int32_t nloop,
                        const tk_scalar *scalars, int nscalars);

/* v, an operand whose last 2 dims are a matrix, seen with nb batch dims of
 * the given shape in front (size-1 or missing ones broadcast, stride 0). */
void view_batched(View *v, int32_t nb, const int64_t *shape);
/* Runs kernel (every tensor [Z, rows, cols]) over views with nb batch dims:
 * the last is the kernel's Z, the others loop (none: Z = 1). */
tk_status run_batched(const OpCall *c, const char *kernel, View *views, int nin, int nout, int32_t nb,
                      const tk_scalar *scalars, int nscalars);

/* A scalar of dtype t holding v (truncated for integer types). */
tk_scalar op_scalar_of(DType t, double v);
/* A view of a one-element zero of dtype t broadcast to shape (rank dims). */
void layout_zero(View *v, DType t, int32_t rank, const int64_t *shape);

/* Reads element i (row-major over v's shape) of an integer view as i64. */
int64_t view_int_at(const View *v, int64_t i);

#endif
