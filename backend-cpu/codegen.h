/* Internals of the loop IR -> LLVM IR code generator, shared by codegen.c
 * (functions and statements), codegen_expr.c (expressions), codegen_copy.c
 * (bulk copies), codegen_vec.c (lane loops), intrinsics.c (math) and
 * parallel.c (outlined parallel loops). Not for use outside backend-cpu/.
 * The input is loop IR after the target's passes (pass_list_cpu): flat
 * offsets, guards sunk, parallel loops marked. */
#ifndef TK_CPU_CODEGEN_H
#define TK_CPU_CODEGEN_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>

#include "backend-cpu/abi.h"
#include "backend-cpu/cpu.h"
#include "compiler/ir.h"
#include "jit/jit.h"

/* A variable bound in the function being generated. */
typedef struct CgVar {
    IrVar       *var;
    LLVMValueRef v;
} CgVar;

/* A buffer bound in the function being generated: its base pointer and, per
 * axis, its stride in elements (i64 values). */
typedef struct CgBuf {
    IrBuffer    *buf;
    LLVMValueRef ptr;
    LLVMValueRef strides[CPU_ABI_MAX_RANK];
    bool         heap;   /* malloc'ed here: freed on an error return */
} CgBuf;

/* One LLVM function under construction. */
typedef struct CgFn {
    LLVMValueRef      fn;
    LLVMBasicBlockRef entry;   /* allocas go at its end, before the branch */
    LLVMValueRef      entry_br;
    CgVar            *vars;
    uint32_t          nvars, capvars;
    CgBuf            *bufs;
    uint32_t          nbufs, capbufs;
} CgFn;

typedef struct CodeGen {
    LLVMContextRef    llc;
    LLVMModuleRef     mod;
    LLVMBuilderRef    b;
    const Func       *f;
    const CpuTarget  *t;
    CgFn             *fn;
    const char       *name;     /* kernel name, for symbol names */
    LLVMTypeRef       t_i1, t_i8, t_i16, t_i32, t_i64, t_f16, t_f32, t_f64, t_ptr, t_void;
    const char      **asserts;  /* messages, in code order */
    uint32_t          nasserts, capasserts;
    uint32_t          nparallel;
    bool              in_parallel;  /* emitting an outlined parallel body */
    LLVMValueRef      used[64];     /* vector math declarations (llvm.compiler.used) */
    uint32_t          nused;
    bool              ok;
    DiagSink         *diags;        /* where cg_fail reports */
    SrcSpan           at;           /* the statement being emitted */
} CodeGen;

/* codegen.c */
bool         cg_fail(CodeGen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
LLVMTypeRef  cg_reg_type(CodeGen *g, DType t);   /* value in a register */
LLVMTypeRef  cg_mem_type(CodeGen *g, DType t);   /* element in memory */
LLVMValueRef cg_lookup_var(CodeGen *g, IrVar *v);
CgBuf       *cg_lookup_buf(CodeGen *g, IrBuffer *b);
void         cg_bind_var(CodeGen *g, IrVar *v, LLVMValueRef val);
void         cg_unbind_vars(CodeGen *g, uint32_t n);   /* back to n bound */
CgBuf       *cg_bind_buf(CodeGen *g, IrBuffer *b, LLVMValueRef ptr);
void         cg_unbind_buf(CodeGen *g, IrBuffer *b);
LLVMValueRef cg_i64(CodeGen *g, int64_t v);
/* Element address of buf[off] (the flat element offset, an i64 value). */
LLVMValueRef cg_elem_ptr(CodeGen *g, CgBuf *cb, LLVMValueRef off);
void         cg_stmt(CodeGen *g, Stmt *s);
/* Emits the vectorized loop `loop` (body `body`, first lane lo) as vector
 * code when it qualifies (codegen_vec.c); false: nothing was emitted. */
bool         cg_vector_lanes(CodeGen *g, Stmt *loop, Stmt *body, LLVMValueRef lo);
/* for var in [lo, end) { body }: a rotated loop with a phi counter, with
 * the loop metadata of a vectorized or unrolled kind. */
void         cg_loop(CodeGen *g, IrVar *var, LLVMValueRef lo, LLVMValueRef end, Stmt *body, ForKind kind,
                     uint32_t factor);
/* A new function's body: entry block, builder at its end. The caller binds
 * the environment, then calls cg_stmt and cg_finish_fn. */
CgFn        *cg_begin_fn(CodeGen *g, LLVMValueRef fn);
void         cg_finish_fn(CodeGen *g, CgFn *saved);
/* `ret code` after freeing the heap buffers of the current function. */
void         cg_return_error(CodeGen *g, LLVMValueRef code);
void         cg_add_attr(CodeGen *g, LLVMValueRef fn, LLVMAttributeIndex i, const char *name, uint64_t val);
void         cg_add_str_attr(CodeGen *g, LLVMValueRef fn, LLVMAttributeIndex i, const char *k, const char *v);
/* Declares (or finds) an external function. */
LLVMValueRef cg_declare(CodeGen *g, const char *name, LLVMTypeRef fty);
LLVMValueRef cg_call(CodeGen *g, LLVMValueRef fn, LLVMValueRef *args, unsigned n);
LLVMValueRef cg_intrinsic(CodeGen *g, const char *name, LLVMTypeRef *tys, unsigned ntys, LLVMValueRef *args,
                          unsigned n);

/* Whether x + y * z may be computed as one fused multiply-add (one
 * rounding instead of two). The numerics policy (docs/semantics.md) allows
 * it by default; the one place that asks, so a strict mode turns it off
 * here. Used by the lane loops of codegen_vec.c (the gemm micro-kernel). */
static inline bool cg_contract_fma(const CodeGen *g) { return !g->t->strict; }

/* codegen_expr.c */
LLVMValueRef cg_expr(CodeGen *g, Expr *e);
/* a + b, a - b, a * b or a / b (op) on float values or vectors, with the
 * `contract` flag (FMA allowed) unless the target is strict. */
LLVMValueRef cg_farith(CodeGen *g, BinOp op, LLVMValueRef a, LLVMValueRef b);
/* A register value of dtype t as stored in memory, and back. */
LLVMValueRef cg_to_mem(CodeGen *g, DType t, LLVMValueRef v);
LLVMValueRef cg_from_mem(CodeGen *g, DType t, LLVMValueRef v);

/* codegen_reduce.c: the value of a reduction update `acc = acc op e`
 * (store s, acc at acc_ptr) in a form LLVM vectorizes, or NULL when s is
 * not one this applies to (then the store's value is emitted as usual). */
LLVMValueRef cg_reduction_update(CodeGen *g, Stmt *s, LLVMValueRef acc_ptr);

/* intrinsics.c */
LLVMValueRef cg_math(CodeGen *g, int intrinsic, DType t, LLVMValueRef *args);

/* codegen_copy.c: a bulk copy (SK_COPY) */
void         cg_copy(CodeGen *g, Stmt *s);

/* parallel.c */
/* Emits a parallel loop as a closure function called through tk_parallel_for. */
void cg_parallel_for(CodeGen *g, Stmt *s);

#endif
