/* Internals of libtk_rt shared with the compiler: the call of a kernel
 * entry (used by the JIT's launch and by ahead-of-time entry points, so
 * both check overlap and report failures with the same code), the
 * signature tables `tkc build` compiles into objects, and the generated
 * code's runtime symbols. */
#ifndef TK_RUNTIME_RT_H
#define TK_RUNTIME_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#include "backend-cpu/abi.h"
#include "include/tk/tk_rt.h"

/* Alignment of heap local buffers; compiler/ir.h's IR_LOCAL_ALIGN. */
#define RT_LOCAL_ALIGN 64

/* The generated code's allocator (runtime symbols tk_cpu_malloc/free). */
TK_RT_API void *tk_cpu_malloc(int64_t n);
TK_RT_API void  tk_cpu_free(void *p);

/* The thread-local message buffer behind tk_rt_last_error. */
char *rt_error_buffer(size_t *n);

/* One call of a compiled entry, after the arguments were validated. */
typedef struct RtCall {
    const char         *kernel;
    uint32_t            nargs, ninputs;  /* arguments: inputs (scalars included), then outputs */
    const DLTensor *const *tensors;      /* per argument; NULL for a scalar */
    const char *const  *names;           /* per argument */
    const int64_t      *iscalars;        /* per argument */
    const double       *fscalars;        /* per argument */
    const int64_t      *dims;            /* per shape symbol */
    CpuEntry            entry;
    const char *const  *errors;          /* NULL-terminated assert messages */
} RtCall;

/* Builds the ABI arrays (byte offsets applied, strides in elements, compact
 * strides for a tensor without any), refuses an output that overlaps
 * another argument, calls the entry and turns its code into a message.
 * Returns a TK_RT_* status; the message goes to err. */
int rt_call(const RtCall *c, char *err, size_t nerr);

/* ---- signature tables (tkc build -> libtk_rt) ----------------------------
 * A kernel's signature is an array of int64 words read in order, plus a
 * string pool (words that name a string are offsets into it). Expressions
 * over shape symbols and integer scalars are postfix code preceded by their
 * length; length 0 is "no expression". The layout:
 *   RT_SIG_MAGIC, name, nparams, noutputs, ndims, tparam (a name or -1)
 *   per dim:     name
 *   per param:   name, decl ("f32[N, D]"), is_tensor, dtype (-1: the type
 *                parameter), rank, then per axis: kind (RT_AXIS_*), value
 *   per output:  name, dtype, rank, then per axis: expr, text, ndims used,
 *                the dims used
 *   nrequires,   per requirement: op (RT_CMP_*), lhs, rhs, text, ndims used,
 *                the dims, nscalars used, the params
 *   nchecks,     per check: lo, hi, extent, axis, access text, tensor name,
 *                nscalars used, the params, nempty, extents (the check is
 *                skipped when one of them is <= 0: the access never runs)
 *   ninsts,      per instantiation: the type parameter's dtype (-1: none) */
#define RT_SIG_MAGIC 0x544b5349470001LL   /* "TKSIG", version 1 */

/* an input axis: a literal; binds dim `value`; must equal dim `value`; unchecked */
enum { RT_AXIS_CONST, RT_AXIS_BIND, RT_AXIS_SAME, RT_AXIS_FREE };
#define RT_MAX_STACK 64          /* deepest expression stack */
enum { RT_CMP_EQ, RT_CMP_LT, RT_CMP_LE, RT_CMP_GT, RT_CMP_GE };
enum {                       /* expression code */
    RT_X_CONST,              /* push the next word */
    RT_X_DIM,                /* push dims[next word] */
    RT_X_SCALAR,             /* push iscalars[next word] */
    RT_X_ADD, RT_X_MUL, RT_X_DIV, RT_X_MOD, RT_X_MIN, RT_X_MAX,
    RT_X_UNKNOWN,            /* a value the launch cannot know: the expression fails */
};

/* One compiled instantiation of a kernel in an object. */
typedef struct RtInst {
    CpuEntry           entry;
    const char *const *errors;
} RtInst;

/* What an ahead-of-time entry point passes: the signature, its strings, the
 * instantiations (in the signature's order), and the arguments in
 * declaration order (inputs, scalars included, then outputs; NULL tensors
 * in the scalars' slots). */
typedef struct RtKernel {
    const int64_t *sig;
    const char    *strings;
    const RtInst  *insts;
} RtKernel;

/* The entry points' bodies: validate exactly as the JIT does (the same
 * messages), then call the instantiation for the bound type parameter.
 * tk_rt_shapes only binds inputs and writes each output's shape to
 * out_shapes[o] (rank entries). Both return TK_RT_*; the message is in
 * tk_rt_last_error(). */
TK_RT_API int tk_rt_launch(const RtKernel *k, const DLTensor *const *tensors, const int64_t *iscalars,
                           const double *fscalars);
TK_RT_API int tk_rt_shapes(const RtKernel *k, const DLTensor *const *tensors, const int64_t *iscalars,
                           const double *fscalars, int64_t *const *out_shapes);

#endif
