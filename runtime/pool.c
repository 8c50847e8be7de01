/* Process-wide thread pool behind tk_parallel_for: one job at a time, chunks
 * handed out through an atomic counter, first error wins. Threads spin a
 * little before they block, so back-to-back loops start in microseconds.
 * The pool state is the project's one global, set up under pthread_once. */
#define _GNU_SOURCE 1   /* sched_getaffinity, CPU_COUNT */
#include "runtime/pool.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Pool {
    pthread_mutex_t submit;    /* held by the thread whose job is running */
    pthread_mutex_t mu;        /* threads, nworkers, refs; blocking on the conds */
    pthread_cond_t  wake;      /* workers: a new generation or stop */
    pthread_cond_t  done;      /* caller: busy reached 0 */
    pthread_t      *threads;
    int             nthreads;  /* caller included; fixed after init */
    int             nworkers;  /* started worker threads (0 or nthreads - 1) */
    int             refs;      /* contexts holding the pool */
    /* Handshakes. Sequentially consistent: a thread going to sleep announces
     * itself (sleepers, waiting) and then re-reads the condition, while the
     * other side changes the condition and then reads the announcement, so
     * at least one of them sees the other. */
    _Atomic bool     stop;
    _Atomic uint64_t gen;      /* bumped once per job */
    _Atomic int      busy;     /* workers still inside the current job */
    _Atomic int      sleepers; /* workers blocked, or about to, on wake */
    _Atomic bool     waiting;  /* the caller is blocked, or about to, on done */
    /* The current job; written before gen is bumped. */
    TkParallelBody  body;
    void           *closure;
    int64_t         begin, end, chunk;
    uint64_t        nchunks;
    _Atomic uint64_t next;     /* next chunk index to hand out */
    _Atomic int32_t  err;      /* first nonzero chunk result */
} Pool;

static Pool pool = {
    .submit = PTHREAD_MUTEX_INITIALIZER,
    .mu = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .done = PTHREAD_COND_INITIALIZER,
};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
/* True on worker threads and on a caller while its job runs. */
static _Thread_local bool in_region;

int tk_pool_parse_threads(const char *s, int dflt, char *warn, size_t nwarn)
{
    if (warn && nwarn)
        warn[0] = 0;
    if (!s)
        return dflt;
    long v = 0;
    bool ok = *s != 0;
    for (const char *p = s; ok && *p; p++) {
        if (*p < '0' || *p > '9')
            ok = false;
        else if ((v = v * 10 + (*p - '0')) > TK_POOL_MAX_THREADS)
            ok = false;
    }
    if (ok && v >= 1)
        return (int)v;
    if (warn && nwarn)
        snprintf(warn, nwarn, "TK_NUM_THREADS=\"%.40s\" is not a thread count "
                 "between 1 and %d; using %d", s, TK_POOL_MAX_THREADS, dflt);
    return dflt;
}

/* CPUs this process may run on (affinity mask), else the online CPUs. */
static int host_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > TK_POOL_MAX_THREADS ? TK_POOL_MAX_THREADS : (int)n;
}

static void stop_workers(void);

static void at_exit(void)
{
    /* Skip when a job is still running (exit from another thread, or from
     * inside a region): the process is going away either way. */
    if (pthread_mutex_trylock(&pool.submit) != 0)
        return;
    pthread_mutex_unlock(&pool.submit);
    stop_workers();
}

static void before_fork(void) { pthread_mutex_lock(&pool.mu); }
static void after_fork_parent(void) { pthread_mutex_unlock(&pool.mu); }

/* The child has only the forking thread: forget the workers of the parent
 * and any job it was running, and start afresh on demand. */
static void after_fork_child(void)
{
    pthread_mutex_init(&pool.submit, NULL);
    pthread_mutex_init(&pool.mu, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pthread_cond_init(&pool.done, NULL);
    free(pool.threads);
    pool.threads = NULL;
    pool.nworkers = 0;
    atomic_store(&pool.busy, 0);
    atomic_store(&pool.sleepers, 0);
    atomic_store(&pool.waiting, false);
    atomic_store(&pool.stop, false);
    in_region = false;
}

static void pool_init(void)
{
    char warn[160];
    int n = tk_pool_parse_threads(getenv("TK_NUM_THREADS"), host_cpus(), warn, sizeof warn);
    if (warn[0])
        fprintf(stderr, "tk: warning: %s\n", warn);
    pool.nthreads = n;
    atexit(at_exit);
    pthread_atfork(before_fork, after_fork_parent, after_fork_child);
}

int tk_pool_threads(void)
{
    pthread_once(&pool_once, pool_init);
    return pool.nthreads;
}

/* Hands out chunks until none is left or a chunk failed. */
static void run_chunks(void)
{
    for (;;) {
        if (atomic_load_explicit(&pool.err, memory_order_relaxed))
            return;
        uint64_t k = atomic_fetch_add_explicit(&pool.next, 1, memory_order_relaxed);
        if (k >= pool.nchunks)
            return;
        /* Unsigned arithmetic: the range may span most of int64_t. */
        int64_t lo = (int64_t)((uint64_t)pool.begin + k * (uint64_t)pool.chunk);
        int64_t hi = k + 1 == pool.nchunks ? pool.end : lo + pool.chunk;
        int32_t r = pool.body(pool.closure, lo, hi);
        if (r != 0) {
            int32_t zero = 0;
            atomic_compare_exchange_strong(&pool.err, &zero, r);
            return;
        }
    }
}

/* Spins before blocking: about 50-200 us, long enough for the next loop
 * of a kernel to arrive, short enough not to hold a core for long. */
enum { SPIN = 4000 };

static inline void relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits until a job newer than `seen` is posted or the pool stops. */
static uint64_t wait_job(uint64_t seen)
{
    uint64_t g = seen;
    for (int i = 0; i < SPIN; i++) {
        if ((g = atomic_load(&pool.gen)) != seen || atomic_load(&pool.stop))
            return g;
        relax();
    }
    pthread_mutex_lock(&pool.mu);
    atomic_fetch_add(&pool.sleepers, 1);
    while ((g = atomic_load(&pool.gen)) == seen && !atomic_load(&pool.stop))
        pthread_cond_wait(&pool.wake, &pool.mu);
    atomic_fetch_sub(&pool.sleepers, 1);
    pthread_mutex_unlock(&pool.mu);
    return g;
}

static void *worker(void *arg)
{
    uint64_t seen = (uint64_t)(uintptr_t)arg;
    in_region = true;
    for (;;) {
        seen = wait_job(seen);
        if (atomic_load(&pool.stop))
            break;
        run_chunks();
        if (atomic_fetch_sub(&pool.busy, 1) == 1 && atomic_load(&pool.waiting)) {
            pthread_mutex_lock(&pool.mu);
            pthread_cond_signal(&pool.done);
            pthread_mutex_unlock(&pool.mu);
        }
    }
    return NULL;
}

/* The caller's side: wait until every worker has left the job. */
static void wait_done(void)
{
    for (int i = 0; i < SPIN; i++) {
        if (atomic_load(&pool.busy) == 0)
            return;
        relax();
    }
    pthread_mutex_lock(&pool.mu);
    atomic_store(&pool.waiting, true);
    while (atomic_load(&pool.busy) > 0)
        pthread_cond_wait(&pool.done, &pool.mu);
    atomic_store(&pool.waiting, false);
    pthread_mutex_unlock(&pool.mu);
}

/* Starts the workers if they are not running; called with submit and mu
 * held. False when no thread could be created (the caller then runs the
 * loop alone). */
static bool start_workers(void)
{
    if (pool.nworkers > 0 || pool.nthreads <= 1)
        return pool.nworkers > 0;
    pool.threads = calloc((size_t)pool.nthreads - 1, sizeof *pool.threads);
    if (!pool.threads)
        return false;
    sigset_t all, old;
    sigfillset(&all);   /* workers never take the process's signals */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < pool.nthreads - 1; i++) {
        if (pthread_create(&pool.threads[i], NULL, worker, (void *)(uintptr_t)atomic_load(&pool.gen)) != 0)
            break;
        pool.nworkers++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pool.nworkers == 0) {
        free(pool.threads);
        pool.threads = NULL;
    }
    return pool.nworkers > 0;
}

/* Joins the workers; they are started again by the next parallel loop. */
static void stop_workers(void)
{
    pthread_mutex_lock(&pool.submit);
    pthread_mutex_lock(&pool.mu);
    int n = pool.nworkers;
    pthread_t *threads = pool.threads;
    atomic_store(&pool.stop, n > 0);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.mu);
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    pthread_mutex_lock(&pool.mu);
    free(threads);
    pool.threads = NULL;
    pool.nworkers = 0;
    atomic_store(&pool.stop, false);
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&pool.submit);
}

void tk_pool_retain(void)
{
    pthread_once(&pool_once, pool_init);
    pthread_mutex_lock(&pool.mu);
    pool.refs++;
    pthread_mutex_unlock(&pool.mu);
}

void tk_pool_release(void)
{
    pthread_once(&pool_once, pool_init);
    pthread_mutex_lock(&pool.mu);
    bool last = pool.refs > 0 && --pool.refs == 0;
    pthread_mutex_unlock(&pool.mu);
    if (last && !in_region)
        stop_workers();
}

int32_t tk_parallel_for(TkParallelBody body, void *closure,
                        int64_t begin, int64_t end, int64_t grain)
{
    if (begin >= end)
        return 0;
    if (grain < 1)
        grain = 1;
    uint64_t n = (uint64_t)end - (uint64_t)begin;
    int nthreads = tk_pool_threads();
    if (in_region || nthreads <= 1 || n <= (uint64_t)grain)
        return body(closure, begin, end);
    if (pthread_mutex_trylock(&pool.submit) != 0)
        return body(closure, begin, end);   /* pool busy: no oversubscription */

    /* About four chunks per thread balance uneven chunks without making
     * the shared counter hot. */
    uint64_t parts = (uint64_t)nthreads * 4;
    uint64_t want = n / parts + (n % parts != 0);   /* no overflow near 2^64 */
    uint64_t chunk = want > (uint64_t)grain ? want : (uint64_t)grain;
    pthread_mutex_lock(&pool.mu);
    bool started = start_workers();
    pthread_mutex_unlock(&pool.mu);
    if (!started) {
        pthread_mutex_unlock(&pool.submit);
        return body(closure, begin, end);
    }
    pool.body = body;
    pool.closure = closure;
    pool.begin = begin;
    pool.end = end;
    pool.chunk = (int64_t)chunk;
    pool.nchunks = n / chunk + (n % chunk != 0);
    atomic_store(&pool.next, 0);
    atomic_store(&pool.err, 0);
    atomic_store(&pool.busy, pool.nworkers);
    atomic_fetch_add(&pool.gen, 1);   /* publishes the job */
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.mu);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.mu);
    }

    in_region = true;
    run_chunks();
    in_region = false;
    wait_done();
    int32_t err = atomic_load(&pool.err);
    pthread_mutex_unlock(&pool.submit);
    return err;
}

int tk_rt_num_threads(void) { return tk_pool_threads(); }
