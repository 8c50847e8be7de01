/* Internals of the public API (include/tk/tk.h): the structs behind its
 * handles and the thread's error message. */
#ifndef TK_API_INTERNAL_H
#define TK_API_INTERNAL_H

#include <pthread.h>

#include "backend-cpu/cpu.h"
#include "compiler/launch/launch.h"
#include "lang/lang.h"
#include "tk/tk.h"

struct tk_context {
    tk_options      opts;
    tk_target       target;   /* resolved: never TK_TARGET_DEFAULT */
    pthread_mutex_t mu;       /* guards cpu while it is created */
    CpuBackend     *cpu;      /* the JIT and compile cache, made on first use */
    tk_module      *stdlib;   /* the standard library, compiled on the first tk_op use (stdlib/ops) */
    bool            stdlib_failed;
    char            stdlib_error[512];
    char            npu_profile[256];  /* "" : the default */
    bool            npu_single_buffer;
};

struct tk_kernel {
    tk_module     *module;
    KernelInfo    *info;
    tk_param_info *params;   /* built at compile time, so introspection */
    tk_param_info *outputs;  /* never allocates and is thread-safe */
    CpuInstances   inst;     /* compiled, per type-parameter dtype */
    struct NpuPlan *npu;      /* TK_TARGET_NPU: made on the first launch (npu.c), guarded by inst.mu */
};

struct tk_module {
    tk_context    *ctx;
    Ctx            c;          /* owns the AST, the tables and the messages */
    AstProgram    *prog;
    bool           ok;
    tk_diagnostic *diags;
    size_t         ndiags;
    char          *diag_text;  /* rendered, malloc'ed */
    tk_kernel     *kernels;
    size_t         nkernels;
};

/* Records msg as the calling thread's last error and returns status. */
tk_status api_fail(tk_status status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void      api_clear_error(void);
/* Records a failed compile stage's diagnostics as the calling thread's last
 * error: the rendered text (tk_last_error) and the records
 * (tk_last_diagnostic), copied. Returns TK_ERR_COMPILE. */
tk_status api_fail_diagnostics(const DiagSink *diags);
/* The module's record of diagnostic d (file names from files). */
tk_diagnostic api_diagnostic_record(const SrcMap *files, const Diag *d);

/* Fills k->params and k->outputs from k->info (kernel.c). */
void api_describe_kernel(tk_kernel *k, Arena *a, const SrcMap *files);

/* The context's CPU backend, created on first use; NULL with the thread's
 * error set (context.c). */
CpuBackend *api_cpu_backend(tk_context *ctx);

/* A launch on TK_TARGET_NPU (npu.c); report may be NULL. */
tk_status api_launch_npu(tk_kernel *k, const LaunchArgs *la, tk_npu_report *report);
void      api_kernel_free_npu(tk_kernel *k);

/* DLDataType <-> DType (lanes must be 1). */
DLDataType api_dl_type(DType t);
DType      api_dtype(DLDataType t);

#endif
