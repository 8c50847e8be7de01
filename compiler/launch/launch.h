/* Launch binding, shared by every way of running a kernel: binds symbolic
 * dims and type parameters from the tensors and scalars passed, computes output
 * shapes and runs the checks sema left for launch. See docs/semantics.md. */
#ifndef TK_LAUNCH_H
#define TK_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lang/sema/sema.h"
#include "support/tensor.h"

/* A scalar argument. Float dtypes use u.f, integers and bool u.i.
 * dtype DT_ERROR means "not given". */
typedef struct TkScalarValue {
    DType dtype;
    union { double f; int64_t i; } u;
} TkScalarValue;

typedef struct LaunchArgs {
    DLTensor *const     *inputs;  /* per KernelInfo.params; NULL for a scalar */
    const TkScalarValue *scalars; /* per KernelInfo.params; read for scalars only */
    DLTensor *const     *outputs; /* per KernelInfo.outputs; may be NULL before allocation */
} LaunchArgs;

/* What a launch learned. All arrays are malloc'ed; release with binding_free. */
typedef struct Binding {
    int64_t  *dims;          /* per KernelInfo.dims */
    DType    *tparams;       /* per type parameter; DT_ERROR while unbound */
    const char **tparam_src; /* per type parameter: the argument that bound it */
    DType    *param_dtypes;  /* per params, concrete */
    int64_t  *iscalars;      /* per params: value of an integer scalar */
    DType    *out_dtypes;    /* per outputs; DT_ERROR while a type parameter is unbound */
    int32_t  *out_rank;      /* per outputs */
    int64_t (*out_shape)[TK_MAX_RANK];
    bool      has_gshape;    /* the one shape every [...] tensor shares */
    int32_t   grank;
    int64_t   gshape[TK_MAX_RANK];
} Binding;

/* Inputs: every tensor valid, dtypes and ranks as declared, each dim symbol
 * one value, literal dims equal, type parameters consistent, scalars given
 * with the right dtype. Then computes the output shapes. On failure writes a
 * message naming the kernel ("bias_relu: dimension D is 5 in x but 6 in b");
 * b must still be released with binding_free. */
bool launch_bind(const KernelInfo *k, const LaunchArgs *a, Binding *b, char *err, size_t errlen);
/* The kernel's requires clause, once dims and scalars are bound (called by
 * launch_bind, before output shapes): "pool: requires s >= 1, but s = 0". */
bool launch_check_requires(const KernelInfo *k, const Binding *b, char *err, size_t errlen);
/* Output dtypes and shapes from the output types (called by launch_bind). */
bool launch_output_shapes(const KernelInfo *k, Binding *b, char *err, size_t errlen);
/* The caller's output tensors: present, valid, of the computed dtype and shape. */
bool launch_check_outputs(const KernelInfo *k, const LaunchArgs *a, Binding *b, char *err, size_t errlen);
/* KernelInfo.launch_checks: accesses whose range depends on integer scalars. */
bool launch_run_checks(const KernelInfo *k, const Binding *b, char *err, size_t errlen);
/* All four in order. */
bool launch_prepare(const KernelInfo *k, const LaunchArgs *a, Binding *b, char *err, size_t errlen);
void binding_free(Binding *b);

/* A symbolic expression over dims and integer scalars, with their bound
 * values; *ok = false when it mentions anything else, divides by zero or
 * overflows. */
int64_t launch_eval(const KernelInfo *k, const Binding *b, const Sym *e, bool *ok);
/* The concrete dtype of a declared element type (a type parameter resolved
 * through b; DT_ERROR when unbound). */
DType launch_resolve(const KernelInfo *k, const Binding *b, const AstType *t);
/* Index of a type parameter by name, -1 if none. */
int32_t launch_tparam(const KernelInfo *k, const char *name);

/* The kernel called `name` in a checked program, or NULL. */
KernelInfo *launch_find_kernel(const AstProgram *p, const char *name);
/* A parameter's type as declared ("f32[N, D]") into buf; returns buf. */
char *launch_declared_text(const ParamInfo *p, char *buf, size_t len);
/* Source-like text of an expression ("x[i + o]") into buf; returns buf. */
char *launch_expr_text(const AstExpr *e, char *buf, size_t len);

#endif
