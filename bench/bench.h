/* The benchmark harness: timing, the sampled double-precision reference,
 * and the peers' entry points. Every kernel is run by TK and by its peers in
 * one process, each checked against the reference before it is timed, and
 * reported as ratios (docs/performance.md). Not a test: nothing here
 * asserts speed. */
#ifndef TK_BENCH_H
#define TK_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* Seconds per call of fn(arg): the median of timed calls after a warm-up;
 * as many as fit in `budget` seconds (at least 3, at most 200). */
double bench_time(void (*fn)(void *), void *arg, double budget);
double bench_now(void);
void  *bench_alloc(size_t bytes);     /* 64-byte aligned, zeroed; never NULL */
void   bench_fill(float *x, size_t n, uint32_t seed, float lo, float hi);

/* Careful C peers (peers_c.c), built twice: c_ (-O3 -march=native) and
 * c512_ (the same with -mprefer-vector-width=512). */
#define PEER_C_DECLS(P)                                                                                            \
    void P##add(const float *x, const float *y, float *z, int64_t n);                                             \
    void P##bias_relu(const float *x, const float *b, float *y, int64_t n);                                       \
    void P##softmax(const float *x, float *y, int64_t n, int64_t d);                                              \
    void P##layernorm(const float *x, const float *g, const float *b, float eps, float *y, int64_t n, int64_t d); \
    void P##rmsnorm(const float *x, const float *g, float eps, float *y, int64_t n, int64_t d);                    \
    void P##gemm(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n);                      \
    void P##conv2d(const float *x, const float *w, float *y, int64_t batch, int64_t c, int64_t h, int64_t wd,     \
                   int64_t f, int64_t r, int64_t pad);
PEER_C_DECLS(c_)
PEER_C_DECLS(c512_)

/* Library peers; each returns 0 when unavailable in this build. The
 * *_describe functions print what the library chose (configuration,
 * implementation) once. */
void blas_describe(void);
int  blas_gemm(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n);
void onednn_describe(void);
int  onednn_matmul(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n);
int  onednn_softmax(const float *x, float *y, int64_t n, int64_t d);
int  onednn_layernorm(const float *x, const float *g, const float *b, float eps, float *y, int64_t n, int64_t d);
/* Blocked layouts chosen by oneDNN; the reorders are done when the shape
 * is first seen and not timed. */
int onednn_conv2d(const float *x, const float *w, float *y, int64_t c, int64_t h, int64_t wd, int64_t f, int64_t r,
                  int64_t pad);
/* The implementation oneDNN picked for the last primitive created ("" if none). */
const char *onednn_last_impl(void);

/* Halide peer (peer_halide.cpp): JIT-compiles on first use; *compile_s gets
 * the compile time of that first use. */
int halide_matmul(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n, double *compile_s);
int halide_softmax(const float *x, float *y, int64_t n, int64_t d, double *compile_s);

#endif
