/* libtk_rt: the small runtime that TK kernels run with, both the ones the
 * JIT compiles (libtk holds the same code) and the ones `tkc build` compiles
 * ahead of time (docs/aot.md). No LLVM, no compiler: a thread pool, aligned
 * allocation, the error state of the last failed launch, and vector math
 * through SLEEF (linked, not wrapped). */
#ifndef TK_TK_RT_H
#define TK_TK_RT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TK_RT_API __attribute__((visibility("default")))
#else
#define TK_RT_API
#endif

/* What an ahead-of-time entry point returns. */
enum {
    TK_RT_OK = 0,
    TK_RT_INVALID = 1,     /* the arguments do not fit the kernel: see tk_rt_last_error() */
    TK_RT_NO_MEMORY = 2,   /* a local buffer could not be allocated */
    TK_RT_FAILED = 3,      /* a launch-time check inside the kernel failed */
};

/* The message of the last failed call on this thread ("" when none):
 * "softmax: dimension D is 5 in x but 6 in g". Valid until the next call
 * into the runtime on this thread. */
TK_RT_API const char *tk_rt_last_error(void);
/* Sets it (printf format); returns `status`. */
TK_RT_API int tk_rt_set_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Memory aligned to `align` bytes (a power of two, at least sizeof(void *)),
 * released with tk_rt_free; NULL when n is 0 or on failure. */
TK_RT_API void *tk_rt_aligned_alloc(size_t align, size_t n);
TK_RT_API void  tk_rt_free(void *p);

/* The thread pool: TK_NUM_THREADS, else the CPUs this process may run on
 * (docs/runtime.md). */
TK_RT_API int tk_rt_num_threads(void);

#ifdef __cplusplus
}
#endif

#endif
