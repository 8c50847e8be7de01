/* Wall-clock seconds from a monotonic clock, for the compile and run times
 * TK reports (`tkc run --time`, CpuCompileInfo). */
#ifndef TK_CLOCK_H
#define TK_CLOCK_H

#include <time.h>

static inline double clock_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
