/* tk_bench's cases: one kernel on one shape, the implementations that run
 * it (TK with its hand schedule and with the automatic one, and the
 * peers), and the sampled double-precision reference each is checked
 * against before it is timed. */
#ifndef TK_BENCH_HARNESS_H
#define TK_BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "tk/tk.h"

typedef enum { K_ADD, K_BIAS_RELU, K_SOFTMAX, K_LAYERNORM, K_RMSNORM, K_GEMM, K_CONV } KernelKind;

typedef struct Case {
    KernelKind kind;
    char       shape[64];
    /* add/bias_relu: n; rows: n x d; gemm: m x n x k; conv: c->f, h x w, r x r, pad */
    int64_t    n, d, m, k, c, f, h, w, r, pad;
    float     *in[3];
    float      eps;
    size_t     nout;
    double     work;          /* flops (gemm, conv) or bytes moved */
    int        flops;         /* work is flops: report GFLOP/s, else GB/s */
} Case;

/* Runs the case into out; 0 when this implementation does not apply. */
typedef int (*RunFn)(const Case *c, float *out);
typedef struct Impl {
    const char *name;
    RunFn       run;
    int         is_tk;       /* 1 hand schedule, 2 automatic schedule, 0 a peer */
} Impl;

/* cases.c */
extern tk_context *bench_ctx;
extern const char *bench_source_dir;
int    case_impls(const Case *c, const Impl **out);   /* the implementations for c's kernel */
double case_reference(const Case *c, size_t i);       /* output element i in double */
double case_tolerance(const Case *c);
const char *case_name(const Case *c);
/* A TK kernel from a file of the source tree, compiled once; `automatic`
 * strips its schedules so the automatic schedule runs. */
tk_kernel *tk_kernel_from(const char *relpath, const char *name, int automatic);
char *read_text(const char *path);
void  strip_schedules(char *src);

/* latency.c */
void bench_latency(int quick);
void bench_symbolic(int quick);

#endif
