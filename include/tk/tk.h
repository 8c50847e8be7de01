/* TK embedding API: compile .tk source at run time, look kernels up, inspect
 * them, and launch them on DLPack tensors of any shape.
 *
 * Every function returns a tk_status (or a value documented otherwise) and
 * never aborts on bad input; tk_last_error() gives the calling thread's
 * message for the most recent failure. A context may be used by several
 * threads at once: compile and launch are thread-safe. */
#ifndef TK_TK_H
#define TK_TK_H

#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TK_API __attribute__((visibility("default")))
#else
#define TK_API
#endif

#define TK_VERSION_MAJOR 0
#define TK_VERSION_MINOR 1
#define TK_MAX_RANK 8

typedef enum tk_status {
    TK_OK = 0,
    TK_ERR_INVALID_ARGUMENT, /* a NULL or malformed argument to the API */
    TK_ERR_COMPILE,          /* the source has errors: see the diagnostics */
    TK_ERR_NOT_FOUND,        /* no kernel (or parameter) of that name */
    TK_ERR_LAUNCH,           /* tensors or scalars do not fit the kernel */
    TK_ERR_IO,               /* a file could not be read */
    TK_ERR_NO_MEMORY,
    TK_ERR_UNSUPPORTED,      /* a target or feature this build does not have */
    TK_ERR_INTERNAL,         /* a bug in TK: please report it */
} tk_status;

typedef enum tk_target {
    TK_TARGET_DEFAULT = 0,   /* the host CPU when available, else the interpreter */
    TK_TARGET_INTERP,        /* the reference interpreter: slow, the ground truth */
    TK_TARGET_CPU,           /* LLVM ORC JIT for the host CPU */
    TK_TARGET_NPU,           /* lowered to NPU programs run on the simulator (docs/npu.md) */
} tk_target;

typedef struct tk_context tk_context;
typedef struct tk_module  tk_module;   /* one compiled source (and its imports) */
typedef struct tk_kernel  tk_kernel;   /* a kernel of a module; owned by the module */

typedef struct tk_options {
    tk_target target;
    /* Numerics (docs/semantics.md "Numerics"). 0, the default: float
     * reductions may be reassociated (vector and per-thread partial sums)
     * and a * b + c may be fused into one multiply-add; NaN and infinities
     * still follow IEEE. 1: every operation rounded as the reference
     * interpreter rounds it, so results are bit-identical to it. */
    int       strict;
} tk_options;

/* opts may be NULL for defaults. */
TK_API tk_status tk_context_create(const tk_options *opts, tk_context **out);
TK_API void      tk_context_destroy(tk_context *ctx);
/* TK_TARGET_NPU: the chip profile ("ascend910", "ascend910b" (the default)
 * or a .profile file) and whether to give up ping-pong buffers (for
 * comparisons). Set before the first launch. */
TK_API tk_status tk_context_set_npu(tk_context *ctx, const char *profile, int single_buffer);

/* ---- compiling ---------------------------------------------------------- */

typedef enum tk_diag_level { TK_DIAG_ERROR, TK_DIAG_WARNING, TK_DIAG_NOTE } tk_diag_level;

typedef struct tk_diagnostic {
    tk_diag_level level;
    const char   *file;     /* "" when the message has no location */
    uint32_t      line, col; /* 1-based; 0 when unknown */
    const char   *message;
} tk_diagnostic;

/* Compile a file (imports resolve relative to it) or text held in memory
 * (`name` is used in messages; imports resolve relative to the current
 * directory). On TK_ERR_COMPILE *out is still set so the diagnostics can be
 * read; destroy it either way. */
TK_API tk_status tk_compile_file(tk_context *ctx, const char *path, tk_module **out);
TK_API tk_status tk_compile_string(tk_context *ctx, const char *name, const char *source, size_t len,
                                   tk_module **out);
TK_API void      tk_module_destroy(tk_module *m);

/* Diagnostics as records (notes follow the error they belong to) and as the
 * text `tkc check` prints. Valid until the module is destroyed. */
TK_API size_t               tk_module_diagnostic_count(const tk_module *m);
TK_API const tk_diagnostic *tk_module_diagnostic(const tk_module *m, size_t i);
TK_API const char          *tk_module_diagnostics_text(const tk_module *m);

TK_API size_t      tk_module_kernel_count(const tk_module *m);
TK_API const char *tk_module_kernel_name(const tk_module *m, size_t i);
TK_API tk_status   tk_module_kernel(tk_module *m, const char *name, tk_kernel **out);

/* ---- introspection ------------------------------------------------------ */

typedef struct tk_param_info {
    const char  *name;
    int          is_tensor;   /* 0: a scalar */
    int          is_generic;  /* dtype is a type parameter, fixed at launch */
    DLDataType   dtype;       /* meaningless when is_generic */
    int32_t      rank;        /* -1: any rank (declared T[...]) */
    const char  *dims[TK_MAX_RANK]; /* each dimension as written: "N", "3", "H / 2" */
} tk_param_info;

TK_API size_t      tk_kernel_param_count(const tk_kernel *k);   /* inputs, tensors and scalars */
TK_API size_t      tk_kernel_output_count(const tk_kernel *k);
TK_API tk_status   tk_kernel_param(const tk_kernel *k, size_t i, tk_param_info *out);
TK_API tk_status   tk_kernel_output(const tk_kernel *k, size_t i, tk_param_info *out);
TK_API size_t      tk_kernel_dim_count(const tk_kernel *k);     /* shape symbols: N, D ... */
TK_API const char *tk_kernel_dim_name(const tk_kernel *k, size_t i);
TK_API const char *tk_kernel_name(const tk_kernel *k);

/* ---- launching ---------------------------------------------------------- */

typedef struct tk_scalar {
    DLDataType dtype;
    union { double f; int64_t i; } value;  /* f for float types, i otherwise */
} tk_scalar;

/* Arguments of a launch, one entry per parameter in declaration order:
 * tensors[i] for a tensor parameter (scalars[i] ignored), scalars[i] for a
 * scalar parameter (tensors[i] ignored, may be NULL). outputs[j] per output. */
typedef struct tk_args {
    const DLTensor *const *tensors;
    const tk_scalar       *scalars;
    DLTensor *const       *outputs;
} tk_args;

/* The shapes the outputs must have for these inputs (outputs ignored):
 * ranks[j] and shapes[j * TK_MAX_RANK + a]. */
TK_API tk_status tk_kernel_output_shapes(tk_kernel *k, const tk_args *args, int32_t *ranks, int64_t *shapes);

/* Validates dtypes, ranks and dims of every argument (including the outputs'
 * shapes), then runs the kernel. Strided tensors are honoured. The first
 * launch of an instantiation compiles it: a compile stage that fails then
 * (a generic kernel instantiated with a dtype its body does not allow)
 * returns TK_ERR_COMPILE with located diagnostics (tk_last_diagnostic). */
TK_API tk_status tk_launch(tk_kernel *k, const tk_args *args);

/* ---- standard library operators ----------------------------------------- */

/* An operator of the standard library (docs/stdlib.md), called by name with
 * ONNX-style attributes: tk_op_create(ctx, "softmax", attrs, n, &op). The
 * operator maps inputs of any rank (up to TK_MAX_RANK), strides, broadcasting
 * and axes onto its .tk kernel; compiles are cached in the context per kernel
 * and dtype, so one op may be launched on any shapes. */
typedef struct tk_op tk_op;

typedef enum tk_attr_kind {
    TK_ATTR_INT,     /* i */
    TK_ATTR_FLOAT,   /* f */
    TK_ATTR_INTS,    /* ints[0 .. n) */
    TK_ATTR_FLOATS,  /* floats[0 .. n) */
    TK_ATTR_STRING,  /* s */
} tk_attr_kind;

typedef struct tk_attr {
    const char    *name;
    tk_attr_kind   kind;
    int64_t        i;
    double         f;
    const int64_t *ints;
    const double  *floats;
    size_t         n;
    const char    *s;
} tk_attr;

/* The operators this build has, sorted by name ("abs" ... "xor"); NULL past
 * the end. tk_op_summary gives a one-line description, or NULL. */
TK_API size_t      tk_op_count(void);
TK_API const char *tk_op_name(size_t i);
TK_API const char *tk_op_summary(const char *name);

/* Checks the operator's name and the attributes' names and kinds (values that
 * depend on the inputs, such as an axis, are checked at launch). The
 * attributes are copied. */
TK_API tk_status tk_op_create(tk_context *ctx, const char *name, const tk_attr *attrs, size_t n_attrs,
                              tk_op **out);
TK_API void      tk_op_destroy(tk_op *op);

/* Counts and names of inputs and outputs; an optional input may be passed
 * as NULL, an optional output may be NULL at launch (then it is not kept). */
TK_API size_t      tk_op_input_count(const tk_op *op);
TK_API size_t      tk_op_output_count(const tk_op *op);
TK_API const char *tk_op_input_name(const tk_op *op, size_t i);
TK_API const char *tk_op_output_name(const tk_op *op, size_t i);

/* The outputs' ranks, shapes (shapes[j * TK_MAX_RANK + a]) and dtypes for
 * these inputs; dtypes may be NULL. */
TK_API tk_status tk_op_output_shapes(tk_op *op, const DLTensor *const *inputs, size_t n_inputs, int32_t *ranks,
                                     int64_t *shapes, DLDataType *dtypes);

/* Validates the inputs and that each output has the shape and dtype
 * tk_op_output_shapes gives (any strides), then computes. Outputs must not
 * share memory with inputs. */
TK_API tk_status tk_op_launch(tk_op *op, const DLTensor *const *inputs, size_t n_inputs, DLTensor *const *outputs,
                              size_t n_outputs);
/* What a launch on TK_TARGET_NPU did: the simulator's figures and the
 * tiling the launch chose. */
typedef struct tk_npu_report {
    uint64_t cycles;            /* the slowest core */
    double   time_us;           /* at the profile's clock */
    uint32_t block_dim;         /* cores used */
    uint64_t busy[7];           /* busy cycles summed over cores: s, v, m, mte1, mte2, mte3, fix */
    int64_t  rows_per_block;    /* 2-D kernels: rows per core; 1-D: elements */
    int64_t  tile;              /* elements per UB tile */
    uint32_t buffers;           /* 2: double buffered */
    uint64_t ub_bytes;          /* UB the program uses */
    uint64_t sanitizer_errors;  /* 0 on every launch that returns TK_OK */
} tk_npu_report;

/* tk_launch, and on TK_TARGET_NPU the launch's report (report may be
 * NULL; on other targets it is zeroed). */
TK_API tk_status tk_launch_report(tk_kernel *k, const tk_args *args, tk_npu_report *report);

/* ---- errors ------------------------------------------------------------- */

/* The calling thread's message for its most recent failed call ("" if none);
 * for TK_ERR_COMPILE from tk_launch, the diagnostics rendered with source
 * lines and carets. */
TK_API const char *tk_last_error(void);
/* TK_ERR_COMPILE from tk_launch: the diagnostics as records (notes
 * included), valid until the thread's next call into TK. 0 otherwise. */
TK_API size_t               tk_last_diagnostic_count(void);
TK_API const tk_diagnostic *tk_last_diagnostic(size_t i);
TK_API const char *tk_status_string(tk_status s);
TK_API const char *tk_version(void);

#ifdef __cplusplus
}
#endif

#endif
