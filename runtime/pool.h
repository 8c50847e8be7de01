/* The runtime's thread pool: generated code runs parallel loops through
 * tk_parallel_for. Pure C and pthreads, no LLVM, so ahead-of-time objects can
 * link it alone. The ABI is described in docs/runtime.md. */
#ifndef TK_RUNTIME_POOL_H
#define TK_RUNTIME_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "include/tk/tk_rt.h"

/* One chunk of a parallel loop: iterations [lo, hi) of the loop whose state
 * `closure` points at. Returns 0, or a nonzero error code that stops the loop. */
typedef int32_t (*TkParallelBody)(void *closure, int64_t lo, int64_t hi);

/* Largest pool TK_NUM_THREADS may ask for. */
#define TK_POOL_MAX_THREADS 1024

/* Runs body over [begin, end) in chunks of at least `grain` iterations
 * (grain <= 0 means 1) on the process-wide pool, the calling thread taking
 * part. Returns 0 when every chunk returned 0; otherwise the first nonzero
 * code returned by a chunk, and chunks not yet started are skipped. A call
 * from inside a parallel region, from a second thread while the pool is
 * busy, or with a pool of one thread runs body(closure, begin, end) once in
 * the caller, so nesting never oversubscribes. Thread-safe. */
TK_RT_API int32_t tk_parallel_for(TkParallelBody body, void *closure,
                        int64_t begin, int64_t end, int64_t grain);

/* Number of threads (caller included) a parallel loop uses: TK_NUM_THREADS,
 * else the CPUs this process may run on. Read once per process. */
TK_RT_API int tk_pool_threads(void);

/* A context holds a reference while it lives; when the last one is released
 * the worker threads are joined (they are started again on demand). Threads
 * started without any reference are joined at process exit. */
TK_RT_API void tk_pool_retain(void);
TK_RT_API void tk_pool_release(void);

/* Parses a TK_NUM_THREADS value: a decimal integer in 1..TK_POOL_MAX_THREADS.
 * NULL gives `dflt` silently; anything else invalid gives `dflt` and a
 * message in warn (if warn is not NULL). Exposed for tests. */
TK_RT_API int tk_pool_parse_threads(const char *s, int dflt, char *warn, size_t nwarn);

#endif
