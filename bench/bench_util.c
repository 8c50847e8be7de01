/* Timing and buffers for the benchmarks. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_time(void (*fn)(void *), void *arg, double budget)
{
    double t0 = bench_now();
    fn(arg); /* warm-up: page faults, lazy compilation, caches */
    double once = bench_now() - t0;
    int reps = once > 0 ? (int)(budget / once) : 200;
    if (reps < 3)
        reps = 3;
    if (reps > 200)
        reps = 200;
    double t[200];
    for (int i = 0; i < reps; i++) {
        double s = bench_now();
        fn(arg);
        t[i] = bench_now() - s;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    return t[reps / 2];
}

void *bench_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes ? bytes : 64) != 0)
        abort(); /* a benchmark without memory has nothing to report */
    memset(p, 0, bytes);
    return p;
}

void bench_fill(float *x, size_t n, uint32_t seed, float lo, float hi)
{
    uint32_t s = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = lo + (hi - lo) * (float)(s >> 8) / (float)(1u << 24);
    }
}
