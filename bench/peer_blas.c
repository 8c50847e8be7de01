/* OpenBLAS peer (cblas_sgemm); threads follow OPENBLAS_NUM_THREADS.
 * OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE force slower kernels when a host
 * presets them: main.c re-executes itself without them before the library
 * is used, and blas_describe prints the configuration the library chose. */
#include <stdio.h>

#include "bench.h"

#ifdef TK_BENCH_OPENBLAS
#include <cblas.h>


void blas_describe(void)
{
    printf("OpenBLAS: %s; core %s; %d threads\n", openblas_get_config(), openblas_get_corename(),
           openblas_get_num_threads());
}

int blas_gemm(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n)
{
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)m, (int)n, (int)k, 1.0f, a, (int)k, b, (int)n,
                0.0f, c, (int)n);
    return 1;
}
#else
void blas_describe(void) { printf("OpenBLAS: not built\n"); }
int  blas_gemm(const float *a, const float *b, float *c, int64_t m, int64_t k, int64_t n)
{
    (void)a, (void)b, (void)c, (void)m, (void)k, (void)n;
    return 0;
}
#endif
