/* The operator layer behind tk_op_* (include/tk/tk.h): a registry of
 * operators, their attributes, output shapes, and the mapping of a call onto
 * a canonical .tk kernel of the standard library through strided views.
 * docs/stdlib.md "Adding an operator" walks through adding one. */
#ifndef TK_STDLIB_OPS_H
#define TK_STDLIB_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "api/api_internal.h"

#define OP_MAX_IO 8 /* inputs or outputs of one operator */

/* Bit masks of accepted dtypes (bit 1 << DType). */
#define DTB(t)     (1u << (DT_##t))
#define DT_FLOATS  (DTB(F32) | DTB(F16) | DTB(BF16) | DTB(F64))
#define DT_SINTS   (DTB(I8) | DTB(I16) | DTB(I32) | DTB(I64))
#define DT_INTS    (DT_SINTS | DTB(U8))
#define DT_NUMERIC (DT_FLOATS | DT_INTS)
#define DT_ALL     (DT_NUMERIC | DTB(BOOL))

typedef struct OpCall OpCall;

typedef struct OpDef {
    const char *name;
    const char *summary;  /* one line for `tkc list std` */
    const char *inputs;   /* names, space-separated; "name?" is optional: "x scale bias?" */
    const char *outputs;  /* likewise: "y mean? inv_std?" */
    /* accepted attributes with their kinds: "axis:i keepdims:i alpha:f
     * pads:I (int list) scales:F (float list) mode:s" */
    const char *attrs;
    uint32_t    dtypes;   /* what input 0 may be (DT_* masks above) */
    const char *kernel;   /* the std kernel it runs, for its family's launcher */
    /* Output ranks, shapes and dtypes into c->rank/shape/dtype; false after
     * op_fail. Inputs are present (optional ones may be NULL) and valid, and
     * input 0 has one of the dtypes. */
    bool (*shape)(OpCall *c);
    /* Computes into c->out (shapes already checked); an absent optional
     * output is a scratch tensor here. */
    tk_status (*launch)(OpCall *c);
    double      k;        /* a constant for the family (a default alpha ...) */
} OpDef;

/* A family's operators; stdlib/ops/registry.c lists every family. */
typedef struct OpFamily {
    const OpDef *ops;
    size_t       n;
} OpFamily;

struct tk_op {
    tk_context  *ctx;
    const OpDef *def;
    tk_attr     *attrs;   /* copies; strings and lists malloc'ed */
    size_t       nattrs;
    int          nin, nout;
    char        *names;   /* the input and output names, split in place */
    const char  *in_name[OP_MAX_IO], *out_name[OP_MAX_IO];
    bool         in_optional[OP_MAX_IO], out_optional[OP_MAX_IO];
};

struct OpCall {
    tk_op                 *op;
    const DLTensor *const *in;     /* op->nin entries, optional ones may be NULL */
    DLTensor *const       *out;    /* op->nout entries at launch; NULL for shapes */
    int32_t                rank[OP_MAX_IO];
    int64_t                shape[OP_MAX_IO][TK_MAX_RANK];
    DType                  dtype[OP_MAX_IO];
};

const OpDef *op_find(const char *name);
size_t       op_total(void);
const OpDef *op_at(size_t i); /* sorted by name */

/* Records "NAME: message" as the thread's error; returns false. */
bool op_fail(const OpCall *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, as a status. */
tk_status op_error(const OpCall *c, tk_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- attributes (stdlib/ops/attrs.c) ------------------------------------
 * Each returns false after op_fail when the attribute has another kind or a
 * value the caller's constraints reject; absent ones give the default. */
const tk_attr *op_attr(const OpCall *c, const char *name);
bool op_attr_int(const OpCall *c, const char *name, int64_t def, int64_t *out);
bool op_attr_float(const OpCall *c, const char *name, double def, double *out); /* ints accepted */
bool op_attr_string(const OpCall *c, const char *name, const char *def, const char **out);
/* An int list of at most max entries; *n = 0 when absent. */
bool op_attr_ints(const OpCall *c, const char *name, int64_t *out, size_t max, size_t *n);
/* An axis attribute for rank `rank`, negative counting from the end;
 * normalised into [0, rank). */
bool op_attr_axis(const OpCall *c, const char *name, int64_t def, int32_t rank, int32_t *axis);
/* An axes list into a mask over [0, rank); absent or empty: every axis
 * (all_if_absent) or none. Duplicates are an error. */
bool op_attr_axes(const OpCall *c, const char *name, int32_t rank, bool all_if_absent, bool *mask);

/* ---- shapes (stdlib/ops/shapes.c) --------------------------------------- */

DType op_in_dtype(const OpCall *c, int i);
/* Output j gets input i's rank and shape, and dtype t (DT_ERROR: input i's). */
void op_same_shape(OpCall *c, int j, int i, DType t);
/* Output j gets the NumPy broadcast of the present inputs' shapes; false
 * (reported with both shapes) when they are incompatible. */
bool op_broadcast_shape(OpCall *c, int j);
/* Inputs i, k, ... must have input 0's dtype: checks every present input. */
bool op_same_dtypes(const OpCall *c);
/* Whether input i has one of the dtypes in mask (reported otherwise). */
bool op_check_dtype(const OpCall *c, int i, uint32_t mask);
/* "f32, f16, bf16 or f64" */
const char *op_dtype_list(uint32_t mask, char *buf, size_t len);

/* ---- views and launches (stdlib/ops/views.c) ----------------------------- */

/* A tensor's view with its own shape and strides (in elements; never NULL). */
typedef struct View {
    DLTensor t;
    int64_t  shape[TK_MAX_RANK];
    int64_t  strides[TK_MAX_RANK];
} View;

void view_init(View *v, const DLTensor *t);
/* t seen with rank `rank` (leading dims added) and broadcast to shape:
 * size-1 dims that differ become stride 0. */
void view_broadcast(View *v, const DLTensor *t, int32_t rank, const int64_t *shape);
/* v with its dims reordered: new dim d is old dim perm[d]. */
void view_permute(View *v, const int32_t *perm);

/* The std kernel `name` of the context's standard library module (compiled
 * on first use); NULL after op_error. */
tk_kernel *op_kernel(const OpCall *c, const char *name);

/* Runs an elementwise kernel whose tensors all have rank 4 ([A, B, C, D]):
 * views (inputs then outputs, every one of rank r with one shape) are
 * collapsed jointly, padded to rank 4, and any leading dims beyond 4 are
 * looped here. scalars (may be NULL) follow the tensor inputs in the
 * kernel's parameters. */
tk_status op_run_elementwise(const OpCall *c, const char *kernel, View *views, int nin, int nout,
                             const tk_scalar *scalars, int nscalars);

/* What dims of the full shape a kernel parameter has in op_run_grouped. */
typedef enum ViewPart { PART_FULL, PART_KEPT, PART_REDUCED } ViewPart;

/* Runs a kernel over kept and reduced dims, e.g. sum(x: T[K1, K2, R1, R2, R3])
 * -> y: T[K1, K2]. Every view has the full rank and shape (stride 0 where a
 * parameter lacks a dim: a reduction's output over the reduced dims, a scale
 * over the kept ones); reduced[d] marks the reduced dims. The dims are
 * reordered kept first, each group collapsed; the kept group is padded to
 * nkept dims (more are looped here), the reduced one to nred dims (more:
 * the tensors are first copied into that order, so they collapse). parts[i]
 * says which dims view i's parameter has. */
tk_status op_run_grouped(const OpCall *c, const char *kernel, int nkept, int nred, View *views, const ViewPart *parts,
                         int nin, int nout, const bool *reduced, const tk_scalar *scalars, int nscalars);

/* ---- elementwise families (stdlib/ops/elementwise.c) ----------------------
 * For OpDef.shape and .launch of operators whose inputs broadcast against
 * each other onto one output, computed by def->kernel over [A, B, C, D]. */
bool      op_shape_map(OpCall *c);      /* output: broadcast shape, input 0's dtype */
bool      op_shape_map_bool(OpCall *c); /* the same with a bool output */
tk_status op_launch_map(OpCall *c);     /* def->kernel(inputs...) */
/* def->kernel(inputs..., scalars...) with the scalars in input 0's dtype. */
tk_status op_launch_map_scalars(OpCall *c, const double *scalars, int nscalars);

/* A scalar of dtype t. */
tk_scalar op_scalar_f(DType t, double v);
tk_scalar op_scalar_i(DType t, int64_t v);

#endif
